"""labour market information

Revision ID: 20261123_0005
Revises: 20261123_0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261123_0005'
down_revision: str | None = '20261123_0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('code_titles',
    sa.Column('scheme', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('scheme', 'code')
    )
    op.create_table('labor_market_observations',
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('retrieved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('employment', sa.Integer(), nullable=True),
    sa.Column('projected_employment', sa.Integer(), nullable=True),
    sa.Column('annual_openings', sa.Integer(), nullable=True),
    sa.Column('growth_percent', sa.Float(), nullable=True),
    sa.Column('median_wage', sa.Float(), nullable=True),
    sa.Column('wage_p10', sa.Float(), nullable=True),
    sa.Column('wage_p25', sa.Float(), nullable=True),
    sa.Column('wage_p75', sa.Float(), nullable=True),
    sa.Column('wage_p90', sa.Float(), nullable=True),
    sa.Column('outlook', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("code_kind IN ('soc', 'naics')", name='ck_labor_market_observations_code_kind'),
    sa.PrimaryKeyConstraint('region', 'code_kind', 'code', 'period', 'source')
    )
    op.create_index('ix_labor_market_observations_code', 'labor_market_observations', ['code_kind', 'code'],
                    unique=False)
    op.add_column('partners', sa.Column('industries', postgresql.ARRAY(sa.Text()), server_default='{}',
                                        nullable=False))


def downgrade() -> None:
    op.drop_column('partners', 'industries')
    op.drop_index('ix_labor_market_observations_code', table_name='labor_market_observations')
    op.drop_table('labor_market_observations')
    op.drop_table('code_titles')
