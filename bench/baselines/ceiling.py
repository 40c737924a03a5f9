"""The ceiling: what the stack can do with nothing in the way.

Reads: a minimal Starlette app, bare asyncpg, and the very SQL the service runs for ``GET /v1/partners``
(the same columns, filter, order and page size), answered as orjson bytes of the same shape. No
authentication, no rate limit, no validation, no domain objects. ``GET /v1/partners-with-services`` adds each
partner's services, read by the very statement the GraphQL ``services`` batch runs: the ceiling of the nested
GraphQL page (the same records, every field).

Writes: COPY of rows already parsed into tuples into a temporary table, then one statement that upserts the
partners and links their external ids (``copy_upsert``), timed from the COPY to the commit.

Run the read app with ``uvicorn bench.baselines.ceiling:app`` and ``CEILING_DSN`` set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.repositories.partners import PARTNER_COLUMNS, SERVICES_OF
from bench.datasets import init_connection

LIST = f"""
SELECT {PARTNER_COLUMNS}, p.name AS sort_key FROM partners p
WHERE p.status <> 'retired' AND p.partner_type = $1 ORDER BY sort_key ASC, p.id LIMIT $2
"""


def _partner(r: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": r["id"], "name": r["name"], "partner_type": r["partner_type"], "level": r["level"],
        "jurisdiction": {"state": r["state"], "local_area": r["local_area"]}, "description": r["description"],
        "regions_served": r["regions_served"], "populations_served": r["populations_served"],
        "capacity": r["capacity"], "funding_streams": r["funding_streams"], "industries": r["industries"],
        "contacts": r["contacts"], "address": r["address"], "latitude": r["latitude"], "longitude": r["longitude"],
        "website": r["website"], "assets": r["assets"], "limitations": r["limitations"], "status": r["status"],
        "external_ids": r["external_ids"], "version": r["version"], "created_at": r["created_at"],
        "updated_at": r["updated_at"],
    }


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["CEILING_DSN"], min_size=1, max_size=10,
                                               init=init_connection)
    try:
        yield
    finally:
        await app.state.pool.close()


async def list_partners(request: Request) -> Response:
    limit = min(int(request.query_params.get("limit", "50")), 500)
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(LIST, request.query_params["partner_type"], limit + 1)
    more = len(rows) > limit
    body = {"items": [_partner(r) for r in rows[:limit]], "next_cursor": str(rows[limit - 1]["id"]) if more else None,
            "total": None}
    return Response(orjson.dumps(body, default=str), media_type="application/json")  # asyncpg UUIDs


def _service(r: asyncpg.Record) -> dict[str, Any]:
    return dict(r.items())


async def list_partners_with_services(request: Request) -> Response:
    limit = min(int(request.query_params.get("limit", "50")), 500)
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(LIST, request.query_params["partner_type"], limit)
        services = await conn.fetch(SERVICES_OF, [r["id"] for r in rows])
    by_partner: dict[Any, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    for s in services:
        by_partner[s["partner_id"]].append(_service(s))
    items = [{**_partner(r), "services": by_partner[r["id"]]} for r in rows]
    return Response(orjson.dumps({"items": items}, default=str), media_type="application/json")


async def ready(request: Request) -> Response:
    async with request.app.state.pool.acquire() as conn:
        await conn.fetchval("SELECT 1")
    return Response(b"{}", media_type="application/json")


app = Starlette(routes=[Route("/v1/partners", list_partners),
                       Route("/v1/partners-with-services", list_partners_with_services),
                       Route("/readyz", ready)], lifespan=lifespan)


# --- writes ---------------------------------------------------------------------------------------------

SYNC_FIELDS = ("name", "partner_type", "level", "state", "local_area", "description", "regions_served",
               "populations_served", "capacity", "funding_streams", "contacts", "address", "latitude", "longitude",
               "website", "assets", "limitations", "status", "industries")
CREATE_TEMP = """
CREATE TEMP TABLE ceiling_partners (
  external_id text, id uuid, name text, partner_type text, level text, state text, local_area text,
  description text, regions_served text[], populations_served text[], capacity int, funding_streams text[],
  contacts jsonb, address jsonb, latitude float8, longitude float8, website text, assets text, limitations text,
  status text, industries text[]
) ON COMMIT DROP
"""
_COLS = ", ".join(SYNC_FIELDS)
UPSERT = f"""
WITH upserted AS (
  INSERT INTO partners (id, {_COLS})
  SELECT id, {_COLS} FROM ceiling_partners
  ON CONFLICT (id) DO UPDATE SET {", ".join(f"{c} = excluded.{c}" for c in SYNC_FIELDS)},
    version = partners.version + 1, updated_at = now()
  WHERE ({", ".join(f"partners.{c}" for c in SYNC_FIELDS)}) IS DISTINCT FROM
        ({", ".join(f"excluded.{c}" for c in SYNC_FIELDS)})
  RETURNING id
), linked AS (
  INSERT INTO partner_external_ids (source, external_id, partner_id)
  SELECT $1, external_id, id FROM ceiling_partners ON CONFLICT DO NOTHING
)
SELECT count(*) FROM upserted
"""


def parse_rows(records: Sequence[dict[str, Any]], source: str) -> list[tuple[Any, ...]]:
    """Pre-parse sync records into COPY tuples (ids derived from the key, so a re-send hits the same rows)."""
    rows = []
    for r in records:
        j = r["jurisdiction"]
        rows.append((
            r["external_id"], uuid.uuid5(uuid.NAMESPACE_URL, f"{source}/{r['external_id']}"), r["name"],
            r["partner_type"], r["level"], j["state"], j.get("local_area"), r.get("description", ""),
            r.get("regions_served", []), r.get("populations_served", []), r.get("capacity"),
            r.get("funding_streams", []), r.get("contacts", []), r.get("address"), r.get("latitude"),
            r.get("longitude"), r.get("website"), r.get("assets", ""), r.get("limitations", ""),
            r.get("status", "active"), r.get("industries", []),
        ))
    return rows


async def copy_upsert(conn: asyncpg.Connection, rows: list[tuple[Any, ...]], source: str) -> int:
    """COPY the rows into a temporary table and upsert them in one statement; return how many were written."""
    async with conn.transaction():
        await conn.execute(CREATE_TEMP)
        await conn.copy_records_to_table("ceiling_partners", records=rows)
        written: int = await conn.fetchval(UPSERT, source)
    return written
