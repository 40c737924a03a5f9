"""Reference data storage: partner types, service categories, populations, regions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg

from api.domain.reference import Catalog, PartnerType, Population, Region, ServiceCategory

CATALOG_SQL = """
SELECT
  (SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.code), '[]') FROM partner_types t) AS partner_types,
  (SELECT coalesce(jsonb_agg(to_jsonb(c) ORDER BY c.code), '[]') FROM service_categories c) AS service_categories,
  (SELECT coalesce(jsonb_agg(to_jsonb(p) ORDER BY p.code), '[]') FROM populations p) AS populations,
  (SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY r.code), '[]') FROM regions r) AS regions
"""
SEED_SQL: Mapping[str, str] = {
    "partner_types": """
        INSERT INTO partner_types (code, name, description)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (code) DO NOTHING""",
    "populations": """
        INSERT INTO populations (code, name, ceds_code, description, universal)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[])
        ON CONFLICT (code) DO NOTHING""",
    "service_categories": """
        INSERT INTO service_categories (code, name, parent, description)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) ON CONFLICT (code) DO NOTHING""",
}
UPSERT_REGION_SQL = """
INSERT INTO regions (code, name, state, kind) VALUES ($1, $2, $3, $4)
ON CONFLICT (code) DO UPDATE SET name = excluded.name, state = excluded.state, kind = excluded.kind
RETURNING code, name, state, kind
"""
REGION_SQL = "SELECT code, name, state, kind FROM regions WHERE code = $1"
REGION_FOR_UPDATE_SQL = REGION_SQL + " FOR UPDATE"
INSERT_REGION_SQL = """
INSERT INTO regions (code, name, state, kind) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING RETURNING code
"""


def _partner_type(d: Mapping[str, Any]) -> PartnerType:
    return PartnerType(code=d["code"], name=d["name"], description=d.get("description") or "")


def _category(d: Mapping[str, Any]) -> ServiceCategory:
    return ServiceCategory(
        code=d["code"], name=d["name"], parent=d.get("parent"), description=d.get("description") or ""
    )


def _population(d: Mapping[str, Any]) -> Population:
    return Population(
        code=d["code"], name=d["name"], ceds_code=d.get("ceds_code"), description=d.get("description") or "",
        universal=bool(d.get("universal")),
    )


def _region(d: Mapping[str, Any]) -> Region:
    return Region(code=d["code"], name=d["name"], state=d["state"], kind=d["kind"])


class PgReferenceRepository:
    """Vocabularies, read in one round trip."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def catalog(self) -> Catalog:
        row = await self._conn.fetchrow(CATALOG_SQL)
        assert row is not None
        return Catalog(
            partner_types={d["code"]: _partner_type(d) for d in row["partner_types"]},
            service_categories={d["code"]: _category(d) for d in row["service_categories"]},
            populations={d["code"]: _population(d) for d in row["populations"]},
            regions={d["code"]: _region(d) for d in row["regions"]},
        )

    async def regions(self, state: str | None = None) -> list[Region]:
        rows = await self._conn.fetch(
            "SELECT code, name, state, kind FROM regions WHERE $1::text IS NULL OR state = $1 ORDER BY code", state
        )
        return [_region(r) for r in rows]

    async def region(self, code: str, *, for_update: bool = False) -> Region | None:
        row = await self._conn.fetchrow(REGION_FOR_UPDATE_SQL if for_update else REGION_SQL, code)
        return _region(row) if row is not None else None

    async def insert_region(self, region: Region) -> Region | None:
        if await self._conn.fetchrow(INSERT_REGION_SQL, region.code, region.name, region.state, region.kind):
            return None
        # Taken (perhaps by a request that committed since): regions are never deleted, so it is there to lock.
        return await self.region(region.code, for_update=True)

    async def upsert_region(self, region: Region) -> Region:
        row = await self._conn.fetchrow(UPSERT_REGION_SQL, region.code, region.name, region.state, region.kind)
        assert row is not None
        return _region(row)

    async def seed(self, kind: str, records: Iterable[Mapping[str, Any]]) -> None:
        """Insert vocabulary entries that are missing; entries a deployment edited are kept."""
        items = list(records)
        if kind == "partner_types":
            cols = [[r["code"] for r in items], [r["name"] for r in items], [r.get("description", "") for r in items]]
        else:
            extra = "ceds_code" if kind == "populations" else "parent"
            cols = [
                [r["code"] for r in items], [r["name"] for r in items], [r.get(extra) for r in items],
                [r.get("description", "") for r in items],
            ]
            if kind == "populations":
                cols.append([bool(r.get("universal")) for r in items])
        await self._conn.execute(SEED_SQL[kind], *cols)
