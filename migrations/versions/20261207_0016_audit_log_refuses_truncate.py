"""audit_log: refuse TRUNCATE too

Revision ID: 20261207_0016
Revises: 20261123_0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = '20261207_0016'
down_revision: str | None = '20261123_0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The row trigger refuses UPDATE and DELETE, but TRUNCATE fires no row trigger: refuse it per statement,
    # so only someone who may disable triggers (the owner, a superuser) can empty the log, never the service.
    op.execute("""
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
