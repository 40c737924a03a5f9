"""Connections between organizations over asyncpg, and the bounded candidate set of the win/win match."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from api.domain.connections import Connection, ConnectionStage, Interest
from api.domain.partners import Partner
from api.domain.ports import Page
from api.repositories.partners import PARTNER_COLUMNS, _partner

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CONNECTION_COLUMNS = """
  c.id, c.from_partner, c.to_partner, c.interest, c.stage, c.what_is_possible, c.what_is_practical,
  c.who_can_help, c.what_is_next, c.notes, c.version, c.created_at, c.updated_at
"""
GET = f"SELECT {CONNECTION_COLUMNS} FROM connections c WHERE c.id = $1"
GET_FOR_UPDATE = f"{GET} FOR UPDATE"
# A partner's connections, either way round, oldest first (keyset on created_at, id).
OF_PARTNER = f"""
SELECT {CONNECTION_COLUMNS} FROM connections c
WHERE (c.from_partner = $1 OR c.to_partner = $1)
  AND ($2::timestamptz IS NULL OR (c.created_at, c.id) > ($2, $3::uuid))
ORDER BY c.created_at, c.id LIMIT $4
"""
INSERT = """
INSERT INTO connections (id, from_partner, to_partner, interest, stage, what_is_possible, what_is_practical,
  who_can_help, what_is_next, notes, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
"""
UPDATE = """
UPDATE connections SET interest = $2, stage = $3, what_is_possible = $4, what_is_practical = $5,
  who_can_help = $6, what_is_next = $7, notes = $8, version = $9, updated_at = now()
WHERE id = $1 AND version = $10
"""
# The candidates of a match: active organizations of the same state, those sharing populations or regions
# with the partner first, so the bound keeps the most promising ones.
MATCH_CANDIDATES = f"""
SELECT {PARTNER_COLUMNS} FROM partners p
WHERE p.status = 'active' AND p.id <> $1 AND p.state = $2
ORDER BY (p.populations_served && $3::text[]) DESC, (p.regions_served && $4::text[]) DESC, p.name, p.id
LIMIT $5
"""


def _connection(r: Mapping[str, Any]) -> Connection:
    return Connection(
        id=r["id"], from_partner=r["from_partner"], to_partner=r["to_partner"], interest=Interest(r["interest"]),
        stage=ConnectionStage(r["stage"]), what_is_possible=r["what_is_possible"],
        what_is_practical=r["what_is_practical"], who_can_help=r["who_can_help"], what_is_next=r["what_is_next"],
        notes=r["notes"], version=r["version"], created_at=r["created_at"], updated_at=r["updated_at"],
    )


class PgConnectionRepository:
    """Connections, bound to one connection (the database kind)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def get(self, connection_id: UUID, *, for_update: bool = False) -> Connection | None:
        row = await self._conn.fetchrow(GET_FOR_UPDATE if for_update else GET, connection_id)
        return _connection(row) if row else None

    async def of_partner(
        self, partner_id: UUID, *, limit: int, after: tuple[object, ...] | None
    ) -> Page[Connection]:
        created, last = (after[0], after[1]) if after else (None, None)
        since = EPOCH + timedelta(microseconds=created) if isinstance(created, int) else None
        rows = await self._conn.fetch(OF_PARTNER, partner_id, since, last, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        keys = [((r["created_at"] - EPOCH) // timedelta(microseconds=1), str(r["id"])) for r in rows]
        return Page(items=[_connection(r) for r in rows], keys=keys, next_after=keys[-1] if more and keys else None)

    async def add(self, connection: Connection) -> None:
        c = connection
        await self._conn.execute(
            INSERT, c.id, c.from_partner, c.to_partner, c.interest.value, c.stage.value, c.what_is_possible,
            c.what_is_practical, c.who_can_help, c.what_is_next, c.notes, c.version,
        )

    async def update(self, connection: Connection, *, expected_version: int) -> bool:
        c = connection
        status = await self._conn.execute(
            UPDATE, c.id, c.interest.value, c.stage.value, c.what_is_possible, c.what_is_practical, c.who_can_help,
            c.what_is_next, c.notes, c.version, expected_version,
        )
        return status == "UPDATE 1"

    async def match_candidates(
        self, partner: Partner, *, limit: int, ignore_populations: Sequence[str] = ()
    ) -> list[Partner]:
        populations = [p for p in partner.populations_served if p not in set(ignore_populations)]
        rows = await self._conn.fetch(
            MATCH_CANDIDATES, partner.id, partner.jurisdiction.state, populations, list(partner.regions_served),
            limit,
        )
        return [_partner(r) for r in rows]

