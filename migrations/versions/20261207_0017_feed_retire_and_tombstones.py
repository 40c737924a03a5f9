"""change feed: retirements as their own operation, tombstones with source keys; partner email, phone, location

Revision ID: 20261207_0017
Revises: 20261123_0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '20261207_0017'
down_revision: str | None = '20261207_0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = {"partners": "partner", "services": "service"}
KEYS = {"partner": ("partner_external_ids", "partner_id"), "service": ("service_external_ids", "service_id")}
# Where a deleted record was, so the feed shows its tombstone only inside that jurisdiction. A service deleted
# with its partner (by cascade) finds its partner gone: its partner's tombstone, written just before, says.
WHERE = {
    "partner": "OLD.state, OLD.local_area",
    "service": """(SELECT coalesce(p.state, t.state) FROM (SELECT 1) one
                     LEFT JOIN partners p ON p.id = OLD.partner_id
                     LEFT JOIN changes t ON t.kind = 'partner' AND t.op = 'delete' AND t.record_id = OLD.partner_id
                       AND t.txid = (pg_current_xact_id()::text)::bigint LIMIT 1),
                  (SELECT coalesce(p.local_area, t.local_area) FROM (SELECT 1) one
                     LEFT JOIN partners p ON p.id = OLD.partner_id
                     LEFT JOIN changes t ON t.kind = 'partner' AND t.op = 'delete' AND t.record_id = OLD.partner_id
                       AND t.txid = (pg_current_xact_id()::text)::bigint LIMIT 1)""",
}

UPDATES = """
    CREATE OR REPLACE FUNCTION record_directory_updates() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO changes (kind, record_id, op)
      SELECT TG_ARGV[0], n.id,
             CASE WHEN n.status = 'retired' AND o.status <> 'retired' THEN '{retire}' ELSE 'update' END
      FROM new_rows n JOIN old_rows o ON o.id = n.id;
      RETURN NULL;
    END $$"""


def upgrade() -> None:
    op.add_column('partners', sa.Column('email', sa.String(), nullable=True))
    op.add_column('partners', sa.Column('phone', sa.String(), nullable=True))
    op.add_column('partners', sa.Column('location_name', sa.String(), nullable=True))
    op.add_column('changes', sa.Column('external_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('changes', sa.Column('state', sa.String(), nullable=True))
    op.add_column('changes', sa.Column('local_area', sa.String(), nullable=True))
    # A retirement is its own operation; it was written as 'delete', so entries whose record still exists
    # were retirements (a deleted record has no row left).
    op.execute(UPDATES.format(retire="retire"))
    for table, kind in TABLES.items():
        op.execute(f"""UPDATE changes c SET op = 'retire' WHERE c.op = 'delete' AND c.kind = '{kind}'
                       AND EXISTS (SELECT 1 FROM {table} r WHERE r.id = c.record_id)""")
    # A deletion is a tombstone carrying the record's source keys. They are read before the row goes (its
    # external ids go with it, by cascade), one row at a time: deletions are single records, not bulk.
    for table, kind in TABLES.items():
        keys, owner = KEYS[kind]
        op.execute(f"DROP TRIGGER {table}_feed_delete ON {table}")
        op.execute(f"""
            CREATE FUNCTION record_{kind}_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO changes (kind, record_id, op, external_ids, state, local_area)
              SELECT '{kind}', OLD.id, 'delete',
                     coalesce(jsonb_agg(jsonb_build_object('source', e.source, 'id', e.external_id)
                                        ORDER BY e.source), '[]'::jsonb),
                     {WHERE[kind]}
              FROM {keys} e WHERE e.{owner} = OLD.id;
              RETURN OLD;
            END $$""")
        op.execute(f"""CREATE TRIGGER {table}_feed_delete BEFORE DELETE ON {table}
                       FOR EACH ROW EXECUTE FUNCTION record_{kind}_tombstone()""")
    op.execute("DROP FUNCTION record_directory_deletes()")


def downgrade() -> None:
    op.execute("""
        CREATE FUNCTION record_directory_deletes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO changes (kind, record_id, op) SELECT TG_ARGV[0], id, 'delete' FROM old_rows;
          RETURN NULL;
        END $$""")
    for table, kind in TABLES.items():
        op.execute(f"DROP TRIGGER {table}_feed_delete ON {table}")
        op.execute(f"DROP FUNCTION record_{kind}_tombstone()")
        op.execute(f"""CREATE TRIGGER {table}_feed_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
                       FOR EACH STATEMENT EXECUTE FUNCTION record_directory_deletes('{kind}')""")
    op.execute(UPDATES.format(retire="delete"))
    op.execute("UPDATE changes SET op = 'delete' WHERE op = 'retire'")
    op.drop_column('changes', 'local_area')
    op.drop_column('changes', 'state')
    op.drop_column('changes', 'external_ids')
    op.drop_column('partners', 'location_name')
    op.drop_column('partners', 'phone')
    op.drop_column('partners', 'email')
