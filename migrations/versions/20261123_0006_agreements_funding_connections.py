"""agreements funding connections

Revision ID: 20261123_0006
Revises: 20261123_0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261123_0006'
down_revision: str | None = '20261123_0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _codes(name: str) -> sa.Column:
    return sa.Column(name, postgresql.ARRAY(sa.Text()), server_default='{}', nullable=False)


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False)


def upgrade() -> None:
    op.create_table('funding_streams',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('administering_agency_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    _codes('provider_types'),
    _codes('eligible_populations'),
    _codes('allowed_service_categories'),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False),
    sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False),
    _timestamp('updated_at'),
    sa.ForeignKeyConstraint(['administering_agency_type'], ['partner_types.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('agreements',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('system_id', sa.Uuid(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('review_by', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), server_default='draft', nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('working_relationship', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    _codes('contents'),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    _timestamp('created_at'),
    _timestamp('updated_at'),
    sa.CheckConstraint('expires_on IS NULL OR effective_on IS NULL OR expires_on >= effective_on',
                       name='ck_agreements_dates'),
    sa.ForeignKeyConstraint(['system_id'], ['systems.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_agreements_system_title_id', 'agreements', ['system_id', 'title', 'id'], unique=False)
    op.create_table('agreement_parties',
    sa.Column('agreement_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('agreement_id', 'partner_id')
    )
    op.create_index(op.f('ix_agreement_parties_partner_id'), 'agreement_parties', ['partner_id'], unique=False)
    op.create_table('agreement_assignments',
    sa.Column('agreement_id', sa.Uuid(), nullable=False),
    sa.Column('assignment_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agreement_id', 'assignment_id')
    )
    op.create_index(op.f('ix_agreement_assignments_assignment_id'), 'agreement_assignments', ['assignment_id'],
                    unique=False)
    # An assignment may name the agreement that formalizes it; deleting the agreement clears the name.
    op.create_foreign_key('assignments_agreement_id_fkey', 'assignments', 'agreements', ['agreement_id'], ['id'],
                          ondelete='SET NULL')
    op.create_table('allocations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('system_id', sa.Uuid(), nullable=False),
    sa.Column('stream_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=17, scale=2), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=True),
    sa.Column('function', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('partner_id', sa.Uuid(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    _timestamp('created_at'),
    _timestamp('updated_at'),
    sa.CheckConstraint('(service_id IS NULL) <> (function IS NULL)', name='ck_allocations_one_target'),
    sa.CheckConstraint('amount >= 0', name='ck_allocations_amount'),
    sa.ForeignKeyConstraint(['function'], ['functions.code'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stream_code'], ['funding_streams.code'], ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['system_id'], ['systems.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_allocations_partner_id'), 'allocations', ['partner_id'], unique=False)
    op.create_index(op.f('ix_allocations_service_id'), 'allocations', ['service_id'], unique=False)
    op.create_index(op.f('ix_allocations_stream_code'), 'allocations', ['stream_code'], unique=False)
    op.create_index('ix_allocations_system_period_id', 'allocations', ['system_id', 'period', 'id'], unique=False)
    op.create_table('connections',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('from_partner', sa.Uuid(), nullable=False),
    sa.Column('to_partner', sa.Uuid(), nullable=False),
    sa.Column('interest', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(), server_default='interest_defined', nullable=False),
    sa.Column('what_is_possible', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False),
    sa.Column('what_is_practical', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False),
    sa.Column('who_can_help', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False),
    sa.Column('what_is_next', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    _timestamp('created_at'),
    _timestamp('updated_at'),
    sa.CheckConstraint('from_partner <> to_partner', name='ck_connections_other_partner'),
    sa.ForeignKeyConstraint(['from_partner'], ['partners.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_partner'], ['partners.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_connections_from_created_id', 'connections', ['from_partner', 'created_at', 'id'],
                    unique=False)
    op.create_index(op.f('ix_connections_to_partner'), 'connections', ['to_partner'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_connections_to_partner'), table_name='connections')
    op.drop_index('ix_connections_from_created_id', table_name='connections')
    op.drop_table('connections')
    op.drop_index('ix_allocations_system_period_id', table_name='allocations')
    op.drop_index(op.f('ix_allocations_stream_code'), table_name='allocations')
    op.drop_index(op.f('ix_allocations_service_id'), table_name='allocations')
    op.drop_index(op.f('ix_allocations_partner_id'), table_name='allocations')
    op.drop_table('allocations')
    op.drop_constraint('assignments_agreement_id_fkey', 'assignments', type_='foreignkey')
    op.drop_index(op.f('ix_agreement_assignments_assignment_id'), table_name='agreement_assignments')
    op.drop_table('agreement_assignments')
    op.drop_index(op.f('ix_agreement_parties_partner_id'), table_name='agreement_parties')
    op.drop_table('agreement_parties')
    op.drop_index('ix_agreements_system_title_id', table_name='agreements')
    op.drop_table('agreements')
    op.drop_table('funding_streams')
