"""goals made from gaps: a goal references the gap it answers by kind and subject

Revision ID: 20261207_0024
Revises: 20261207_0021
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '20261207_0024'
down_revision: str | None = '20261207_0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('plan_goals', sa.Column('gap_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('plan_goals', sa.Column('gap_subject', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.create_check_constraint('ck_plan_goals_gap_pair', 'plan_goals', '(gap_kind IS NULL) = (gap_subject IS NULL)')


def downgrade() -> None:
    op.drop_constraint('ck_plan_goals_gap_pair', 'plan_goals', type_='check')
    op.drop_column('plan_goals', 'gap_subject')
    op.drop_column('plan_goals', 'gap_kind')
