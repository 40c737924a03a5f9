"""Directory reads that stay flat as a state's directory grows (issue 23)

Revision ID: 20261207_0025
Revises: 20261207_0021
Create Date: 2026-12-07

Measured by ``make bench-growth`` at 20,000, 200,000 and 1,000,000 partners (bench/README.md, growth):

- ``ix_partners_lat_lon_status`` replaces ``ix_partners_lat_lon``: the same columns, with the status and id
  included, so a radius search finds its page in the bounding box's index entries alone (an index-only scan)
  and reads whole rows for that page only.
- ``ix_services_id_partner``: services in id order with their partner, so a numbered HSDS page skips the rows
  before it and counts its total in the index, without reading the services themselves.
- ``ix_partners_retired``: the few retired partners, whose services are never listed (an anti-join instead of a
  join to every service's partner).

``synchronize_seqscans = off``, which the search window also needs, is a setting of the database that
``bootstrap.prepare`` makes (the tables' owner, who runs migrations, may not own the database).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '20261207_0025'
down_revision: str | None = '20261207_0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_partners_lat_lon_status', 'partners', ['latitude', 'longitude'], unique=False,
                    postgresql_include=['status', 'id'])
    op.drop_index('ix_partners_lat_lon', table_name='partners')
    op.create_index('ix_services_id_partner', 'services', ['id'], unique=False, postgresql_include=['partner_id'])
    op.create_index('ix_partners_retired', 'partners', ['id'], unique=False,
                    postgresql_where=sa.text("status = 'retired'"))


def downgrade() -> None:
    op.drop_index('ix_partners_retired', table_name='partners')
    op.drop_index('ix_services_id_partner', table_name='services')
    op.create_index('ix_partners_lat_lon', 'partners', ['latitude', 'longitude'], unique=False)
    op.drop_index('ix_partners_lat_lon_status', table_name='partners')
