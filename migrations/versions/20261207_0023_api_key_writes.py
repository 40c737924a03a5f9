"""api_key_writes: when each key last wrote, so its reads can follow it to the primary

Revision ID: 20261207_0023
Revises: 20261207_0021
Create Date: 2026-12-07

With a read replica (PATHWAYS_READ_DATABASE_URL), a key that wrote a moment ago reads from the primary, so
it sees its own writes whichever process answers: the moment is kept here, in the database every process
shares, not in a process's memory.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261207_0023'
down_revision: str | None = '20261207_0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'api_key_writes',
        sa.Column('key_id', sa.Uuid(), nullable=False),
        sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key_id'),
    )


def downgrade() -> None:
    op.drop_table('api_key_writes')
