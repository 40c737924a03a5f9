"""Funding streams and allocations over asyncpg; the braiding analysis reads its basis in one query."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from api.domain.funding import Allocation, FundingKind, FundingStream
from api.domain.ports import FundingBasis, Page
from api.repositories._keyset import backwards, keyset_page

STREAM_COLUMNS = """
  code, name, kind, administering_agency_type, provider_types, eligible_populations, allowed_service_categories,
  description, source_url
"""
STREAMS = f"SELECT {STREAM_COLUMNS} FROM funding_streams ORDER BY code"
UPSERT_STREAM = """
INSERT INTO funding_streams (code, name, kind, administering_agency_type, provider_types, eligible_populations,
  allowed_service_categories, description, source_url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind,
  administering_agency_type = excluded.administering_agency_type, provider_types = excluded.provider_types,
  eligible_populations = excluded.eligible_populations,
  allowed_service_categories = excluded.allowed_service_categories, description = excluded.description,
  source_url = excluded.source_url, updated_at = now()
"""
SEED_STREAM = """
INSERT INTO funding_streams (code, name, kind, administering_agency_type, provider_types, eligible_populations,
  allowed_service_categories, description, source_url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (code) DO NOTHING
"""
ALLOCATION_COLUMNS = """
  a.id, a.system_id, a.stream_code, a.period, a.amount, a.service_id, a.function, a.partner_id, a.note, a.version,
  a.created_at, a.updated_at
"""
# One round trip: the system's allocations, the stream catalogue and the service taxonomy's parents.
BASIS = f"""
SELECT
  array(SELECT row({ALLOCATION_COLUMNS}) FROM allocations a WHERE a.system_id = $1
        ORDER BY a.period, a.stream_code, a.id) AS allocations,
  (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.code), '[]') FROM (SELECT {STREAM_COLUMNS}
     FROM funding_streams) s) AS streams,
  (SELECT coalesce(jsonb_object_agg(c.code, c.parent), '{{}}') FROM service_categories c) AS parents
"""
BASES_ALLOCATIONS = f"""
SELECT {ALLOCATION_COLUMNS} FROM allocations a WHERE a.system_id = any($1::uuid[])
ORDER BY a.system_id, a.period, a.stream_code, a.id
"""
CATALOGUE = f"""
SELECT
  (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.code), '[]') FROM (SELECT {STREAM_COLUMNS}
     FROM funding_streams) s) AS streams,
  (SELECT coalesce(jsonb_object_agg(c.code, c.parent), '{{}}') FROM service_categories c) AS parents
"""
LIST_ALLOCATIONS = f"""
SELECT {ALLOCATION_COLUMNS} FROM allocations a
WHERE a.system_id = $1 AND ($2::text IS NULL OR a.period = $2)
  AND ($3::text IS NULL OR (a.period, a.id) > ($3, $4::uuid))
ORDER BY a.period, a.id LIMIT $5
"""
LIST_ALLOCATIONS_BEFORE = backwards(
    LIST_ALLOCATIONS, ("(a.period, a.id) > ($3, $4::uuid)", "(a.period, a.id) < ($3, $4::uuid)"),
    ("ORDER BY a.period, a.id", "ORDER BY a.period DESC, a.id DESC"))
GET_ALLOCATION = f"SELECT {ALLOCATION_COLUMNS} FROM allocations a WHERE a.id = $1"
INSERT_ALLOCATION = """
INSERT INTO allocations (id, system_id, stream_code, period, amount, service_id, function, partner_id, note, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
"""
UPDATE_ALLOCATION = """
UPDATE allocations SET stream_code = $3, period = $4, amount = $5, service_id = $6, function = $7, partner_id = $8,
  note = $9, version = $10, updated_at = now()
WHERE id = $1 AND system_id = $2 AND version = $11
"""
ALLOCATION_FIELDS = ("id", "system_id", "stream_code", "period", "amount", "service_id", "function", "partner_id",
                     "note", "version", "created_at", "updated_at")


def _stream(r: Mapping[str, Any]) -> FundingStream:
    return FundingStream(
        code=r["code"], name=r["name"], kind=FundingKind(r["kind"]),
        administering_agency_type=r["administering_agency_type"], provider_types=tuple(r["provider_types"]),
        eligible_populations=tuple(r["eligible_populations"]),
        allowed_service_categories=tuple(r["allowed_service_categories"]), description=r["description"],
        source_url=r["source_url"],
    )


def _allocation(r: Mapping[str, Any]) -> Allocation:
    return Allocation(
        id=r["id"], system_id=r["system_id"], stream_code=r["stream_code"], period=r["period"], amount=r["amount"],
        service_id=r["service_id"], function=r["function"], partner_id=r["partner_id"], note=r["note"],
        version=r["version"], created_at=r["created_at"], updated_at=r["updated_at"],
    )


def _allocation_params(a: Allocation) -> list[Any]:
    return [a.id, a.system_id, a.stream_code, a.period, a.amount, a.service_id, a.function, a.partner_id, a.note,
            a.version]


def _stream_params(s: FundingStream) -> list[Any]:
    return [s.code, s.name, s.kind.value, s.administering_agency_type, list(s.provider_types),
            list(s.eligible_populations), list(s.allowed_service_categories), s.description, s.source_url]


class PgFundingRepository:
    """The stream catalogue and the allocations of systems, bound to one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def streams(self) -> dict[str, FundingStream]:
        return {r["code"]: _stream(r) for r in await self._conn.fetch(STREAMS)}

    async def put_stream(self, stream: FundingStream) -> None:
        await self._conn.execute(UPSERT_STREAM, *_stream_params(stream))

    async def seed_streams(self, streams: Iterable[FundingStream]) -> None:
        """Insert shipped catalogue entries that are missing; entries a deployment edited are kept."""
        await self._conn.executemany(SEED_STREAM, [_stream_params(s) for s in streams])

    async def basis(self, system_id: UUID) -> FundingBasis:
        row = await self._conn.fetchrow(BASIS, system_id)
        assert row is not None
        allocations = tuple(_allocation(dict(zip(ALLOCATION_FIELDS, r, strict=True))) for r in row["allocations"])
        return FundingBasis(
            allocations=allocations,
            streams={d["code"]: _stream(d) for d in row["streams"]},
            category_parents=dict(row["parents"]),
        )

    async def bases(self, system_ids: Sequence[UUID]) -> dict[UUID, FundingBasis]:
        catalogue = await self._conn.fetchrow(CATALOGUE)
        assert catalogue is not None
        streams = {d["code"]: _stream(d) for d in catalogue["streams"]}
        parents = dict(catalogue["parents"])
        allocations: dict[UUID, list[Allocation]] = {sid: [] for sid in system_ids}
        for r in await self._conn.fetch(BASES_ALLOCATIONS, list(system_ids)):
            allocations[r["system_id"]].append(_allocation(r))
        return {sid: FundingBasis(allocations=tuple(found), streams=streams, category_parents=parents)
                for sid, found in allocations.items()}

    async def list_allocations(
        self, system_id: UUID, *, period: str | None, limit: int, after: tuple[object, ...] | None,
        backward: bool = False,
    ) -> Page[Allocation]:
        key, last = (after[0], after[1]) if after else (None, None)
        rows = await self._conn.fetch(LIST_ALLOCATIONS_BEFORE if backward else LIST_ALLOCATIONS, system_id, period, key,
                                      last, limit + 1)
        return keyset_page(rows, limit, backward=backward, key=lambda r: (r["period"], str(r["id"])),
                           item=_allocation)

    async def get_allocation(self, allocation_id: UUID) -> Allocation | None:
        row = await self._conn.fetchrow(GET_ALLOCATION, allocation_id)
        return _allocation(row) if row else None

    async def add_allocation(self, allocation: Allocation) -> None:
        await self._conn.execute(INSERT_ALLOCATION, *_allocation_params(allocation))

    async def update_allocation(self, allocation: Allocation, *, expected_version: int) -> bool:
        status = await self._conn.execute(UPDATE_ALLOCATION, *_allocation_params(allocation), expected_version)
        return status == "UPDATE 1"

    async def delete_allocation(self, allocation_id: UUID) -> bool:
        return await self._conn.execute("DELETE FROM allocations WHERE id = $1", allocation_id) == "DELETE 1"
