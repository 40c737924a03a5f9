"""directory change feed and idempotency keys

Revision ID: 20261123_0007
Revises: 20261123_0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261123_0007'
down_revision: str | None = '20261123_0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {"partners": "partner", "services": "service"}


def upgrade() -> None:
    op.create_table(
        'changes',
        sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('txid', sa.BigInteger(), server_default=sa.text('(pg_current_xact_id()::text)::bigint'),
                  nullable=False),
        sa.Column('kind', sa.String(), nullable=False),
        sa.Column('record_id', sa.Uuid(), nullable=False),
        sa.Column('op', sa.String(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('seq'),
    )
    op.create_index('ix_changes_txid_seq', 'changes', ['txid', 'seq'], unique=False)
    op.create_table(
        'idempotency_keys',
        sa.Column('owner', sa.String(), nullable=False),
        sa.Column('key', sa.String(), nullable=False),
        sa.Column('request_hash', sa.String(), nullable=False),
        sa.Column('status', sa.Integer(), nullable=True),
        sa.Column('headers', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('owner', 'key'),
    )
    # Statement-level triggers with transition tables: one INSERT into the feed per statement, so a
    # bulk upsert of 50,000 rows adds one set-based insert, not 50,000 trigger calls.
    op.execute("""
        CREATE FUNCTION record_directory_inserts() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO changes (kind, record_id, op) SELECT TG_ARGV[0], id, 'create' FROM new_rows;
          RETURN NULL;
        END $$""")
    op.execute("""
        CREATE FUNCTION record_directory_updates() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO changes (kind, record_id, op)
          SELECT TG_ARGV[0], n.id,
                 CASE WHEN n.status = 'retired' AND o.status <> 'retired' THEN 'delete' ELSE 'update' END
          FROM new_rows n JOIN old_rows o ON o.id = n.id;
          RETURN NULL;
        END $$""")
    op.execute("""
        CREATE FUNCTION record_directory_deletes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO changes (kind, record_id, op) SELECT TG_ARGV[0], id, 'delete' FROM old_rows;
          RETURN NULL;
        END $$""")
    for table, kind in TABLES.items():
        op.execute(f"""CREATE TRIGGER {table}_feed_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
                       FOR EACH STATEMENT EXECUTE FUNCTION record_directory_inserts('{kind}')""")
        op.execute(f"""CREATE TRIGGER {table}_feed_update AFTER UPDATE ON {table}
                       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                       FOR EACH STATEMENT EXECUTE FUNCTION record_directory_updates('{kind}')""")
        op.execute(f"""CREATE TRIGGER {table}_feed_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
                       FOR EACH STATEMENT EXECUTE FUNCTION record_directory_deletes('{kind}')""")


def downgrade() -> None:
    for table in TABLES:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_{event} ON {table}")
    for event in ("inserts", "updates", "deletes"):
        op.execute(f"DROP FUNCTION IF EXISTS record_directory_{event}()")
    op.drop_table('idempotency_keys')
    op.drop_index('ix_changes_txid_seq', table_name='changes')
    op.drop_table('changes')
