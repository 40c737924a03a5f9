"""Bulk directory sync over asyncpg: COPY each batch into a temporary table, then set-based upserts.

Everything happens in the request's transaction, so a failed or rejected run leaves nothing behind.
Unchanged rows are skipped by ``IS DISTINCT FROM``, so re-sending a file writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import orjson

from api.domain.errors import DuplicateExternalId
from api.domain.partners import Jurisdiction, Partner, Service
from api.domain.sync import SyncInProgress

PARTNER_FIELDS = (
    "name", "partner_type", "level", "state", "local_area", "description", "regions_served", "populations_served",
    "capacity", "funding_streams", "contacts", "address", "latitude", "longitude", "website", "assets",
    "limitations", "status", "industries",
)
SERVICE_FIELDS = (
    "name", "description", "category", "populations", "regions", "delivery_mode", "capacity", "funding_streams",
    "program_cip", "occupations", "credential", "status",
)
CREATE_PARTNER_TEMP = """
CREATE TEMP TABLE IF NOT EXISTS sync_partners (
  line int, external_id text, id uuid, name text, partner_type text, level text, state text, local_area text,
  description text, regions_served text[], populations_served text[], capacity int, funding_streams text[],
  contacts text, address text, latitude float8, longitude float8, website text, assets text, limitations text,
  status text, industries text[]
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS sync_seen (external_id text) ON COMMIT DROP;
TRUNCATE sync_partners;
"""
CREATE_SERVICE_TEMP = """
CREATE TEMP TABLE IF NOT EXISTS sync_services (
  line int, external_id text, partner_external_id text, id uuid, name text, description text, category text,
  populations text[], regions text[], delivery_mode text, capacity int, funding_streams text[], program_cip text,
  occupations text[], credential text, status text
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS sync_seen (external_id text) ON COMMIT DROP;
TRUNCATE sync_services;
"""


def _cast(column: str) -> str:
    return f"b.{column}::jsonb" if column in ("contacts", "address") else f"b.{column}"


_P_TARGET = ", ".join(PARTNER_FIELDS)
_P_SOURCE = ", ".join(_cast(c) for c in PARTNER_FIELDS)
_P_SET = ", ".join(f"{c} = {_cast(c)}" for c in PARTNER_FIELDS)
_P_OLD = ", ".join(f"p.{c}" for c in PARTNER_FIELDS)

# Rows whose stored record lies outside the caller's jurisdiction (checked before any write).
PARTNER_OWNERS = """
SELECT b.line, p.state, p.local_area FROM sync_partners b
JOIN partner_external_ids e ON e.source = $1 AND e.external_id = b.external_id
JOIN partners p ON p.id = e.partner_id
"""
UPSERT_PARTNERS = f"""
WITH batch AS (
  SELECT DISTINCT ON (external_id) * FROM sync_partners ORDER BY external_id, line DESC
), matched AS (
  SELECT b.*, e.partner_id AS existing_id FROM batch b
  LEFT JOIN partner_external_ids e ON e.source = $1 AND e.external_id = b.external_id
), inserted AS (
  INSERT INTO partners (id, {_P_TARGET})
  SELECT b.id, {_P_SOURCE} FROM matched b WHERE b.existing_id IS NULL
  RETURNING id
), linked AS (
  INSERT INTO partner_external_ids (source, external_id, partner_id)
  SELECT $1, b.external_id, b.id FROM matched b WHERE b.existing_id IS NULL
), updated AS (
  UPDATE partners p SET {_P_SET}, version = p.version + 1, updated_at = now()
  FROM matched b
  WHERE p.id = b.existing_id AND ({_P_OLD}) IS DISTINCT FROM ({_P_SOURCE})
  RETURNING p.id
), seen AS (
  INSERT INTO sync_seen (external_id) SELECT external_id FROM batch
)
SELECT (SELECT count(*) FROM inserted) AS created, (SELECT count(*) FROM updated) AS updated,
       (SELECT count(*) FROM matched WHERE existing_id IS NOT NULL) AS matched,
       (SELECT count(*) FROM batch) AS distinct_rows
"""
# Runs of one source apply one after the other: concurrent runs over the same external ids would race
# (both inserting a new id: a unique violation) or lock shared rows in opposite orders (a deadlock).
# The lock is the transaction's, so it is released by the commit or the rollback, never leaked.
LOCK_SOURCE = "SELECT pg_advisory_xact_lock(hashtextextended('directory-sync:' || $1, 0))"
RETIRE_PARTNERS = """
UPDATE partners p SET status = 'retired', version = p.version + 1, updated_at = now()
FROM partner_external_ids e
WHERE e.partner_id = p.id AND e.source = $1 AND p.status <> 'retired'
  AND NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.external_id = e.external_id)
  AND ($2::text IS NULL OR p.state = $2) AND ($3::text IS NULL OR p.local_area = $3)
"""

_S_TARGET = ", ".join(SERVICE_FIELDS)
_S_SOURCE = ", ".join(f"b.{c}" for c in SERVICE_FIELDS)
_S_SET = ", ".join(f"{c} = b.{c}" for c in SERVICE_FIELDS)
_S_OLD = ", ".join(f"s.{c}" for c in SERVICE_FIELDS)

# The partner each service row names, with its jurisdiction (unknown partners come back with NULLs).
SERVICE_PARTNERS = """
SELECT b.line, pe.partner_id, p.state, p.local_area FROM sync_services b
LEFT JOIN partner_external_ids pe ON pe.source = $1 AND pe.external_id = b.partner_external_id
LEFT JOIN partners p ON p.id = pe.partner_id
"""
UPSERT_SERVICES = f"""
WITH batch AS (
  SELECT DISTINCT ON (b.external_id) b.*, pe.partner_id FROM sync_services b
  JOIN partner_external_ids pe ON pe.source = $1 AND pe.external_id = b.partner_external_id
  ORDER BY b.external_id, b.line DESC
), matched AS (
  SELECT b.*, e.service_id AS existing_id FROM batch b
  LEFT JOIN service_external_ids e ON e.source = $1 AND e.external_id = b.external_id
), inserted AS (
  INSERT INTO services (id, partner_id, {_S_TARGET})
  SELECT b.id, b.partner_id, {_S_SOURCE} FROM matched b WHERE b.existing_id IS NULL
  RETURNING id
), linked AS (
  INSERT INTO service_external_ids (source, external_id, service_id)
  SELECT $1, b.external_id, b.id FROM matched b WHERE b.existing_id IS NULL
), updated AS (
  UPDATE services s SET partner_id = b.partner_id, {_S_SET}, version = s.version + 1, updated_at = now()
  FROM matched b
  WHERE s.id = b.existing_id AND (s.partner_id, {_S_OLD}) IS DISTINCT FROM (b.partner_id, {_S_SOURCE})
  RETURNING s.id
), seen AS (
  INSERT INTO sync_seen (external_id) SELECT external_id FROM batch
)
SELECT (SELECT count(*) FROM inserted) AS created, (SELECT count(*) FROM updated) AS updated,
       (SELECT count(*) FROM matched WHERE existing_id IS NOT NULL) AS matched,
       (SELECT count(*) FROM batch) AS distinct_rows
"""
RETIRE_SERVICES = """
UPDATE services s SET status = 'retired', version = s.version + 1, updated_at = now()
FROM service_external_ids e, partners p
WHERE e.service_id = s.id AND e.source = $1 AND s.status <> 'retired' AND p.id = s.partner_id
  AND NOT EXISTS (SELECT 1 FROM sync_seen x WHERE x.external_id = e.external_id)
  AND ($2::text IS NULL OR p.state = $2) AND ($3::text IS NULL OR p.local_area = $3)
"""


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _partner_row(line: int, external_id: str, p: Partner) -> tuple[Any, ...]:
    a = p.address
    address = None if a is None else {"street": a.street, "city": a.city, "state": a.state,
                                      "postal_code": a.postal_code}
    contacts = [{"name": c.name, "title": c.title, "email": c.email, "phone": c.phone} for c in p.contacts]
    return (
        line, external_id, p.id, p.name, p.partner_type, p.level.value, p.jurisdiction.state,
        p.jurisdiction.local_area, p.description, list(p.regions_served), list(p.populations_served), p.capacity,
        list(p.funding_streams), _json(contacts), _json(address), p.latitude, p.longitude, p.website, p.assets,
        p.limitations, p.status.value, list(p.industries),
    )


def _service_row(line: int, external_id: str, partner_external_id: str, s: Service) -> tuple[Any, ...]:
    return (
        line, external_id, partner_external_id, s.id, s.name, s.description, s.category, list(s.populations),
        list(s.regions), s.delivery_mode.value, s.capacity, list(s.funding_streams), s.program_cip,
        list(s.occupations), s.credential, s.status.value,
    )


class PgSyncRepository:
    """Set-based upserts of directory batches keyed by the caller's (source, external id)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def lock_source(self, source: str) -> None:
        try:
            await self._conn.execute(LOCK_SOURCE, source)
        except asyncpg.QueryCanceledError:  # the statement timeout ended the wait
            raise SyncInProgress(f"a sync of source {source!r} is still running; retry when it has finished") from None

    async def load(self, kind: str, rows: Sequence[tuple[int, str, Any]]) -> None:
        """COPY a batch into the (per-transaction) temporary table, replacing the previous batch."""
        if kind == "partner":
            await self._conn.execute(CREATE_PARTNER_TEMP)
            records = [_partner_row(line, ext, p) for line, ext, p in rows]
            await self._conn.copy_records_to_table("sync_partners", records=records)
        else:
            await self._conn.execute(CREATE_SERVICE_TEMP)
            records = [_service_row(line, ext, p_ext, s) for line, ext, (p_ext, s) in rows]
            await self._conn.copy_records_to_table("sync_services", records=records)

    async def refused_lines(self, kind: str, source: str, within: Jurisdiction | None) -> dict[int, str]:
        """Lines of the loaded batch that may not be applied: unknown partners, or records outside ``within``."""
        refused: dict[int, str] = {}
        if kind == "service":
            for r in await self._conn.fetch(SERVICE_PARTNERS, source):
                if r["partner_id"] is None:
                    refused[r["line"]] = "names a partner external id this source has not synced"
                elif within is not None and not within.contains(Jurisdiction(state=r["state"],
                                                                              local_area=r["local_area"])):
                    refused[r["line"]] = "its partner lies outside your key's jurisdiction"
        elif within is not None:
            for r in await self._conn.fetch(PARTNER_OWNERS, source):
                if not within.contains(Jurisdiction(state=r["state"], local_area=r["local_area"])):
                    refused[r["line"]] = "the stored record lies outside your key's jurisdiction"
        return refused

    async def upsert(self, kind: str, source: str, *, sent: int, skip_lines: Sequence[int] = ()) -> tuple[
            int, int, int, int]:
        """Upsert the loaded batch (less ``skip_lines``); return (created, updated, unchanged, duplicates)."""
        table = "sync_partners" if kind == "partner" else "sync_services"
        if skip_lines:
            await self._conn.execute(f"DELETE FROM {table} WHERE line = any($1::int[])", list(skip_lines))
        try:
            r = await self._conn.fetchrow(UPSERT_PARTNERS if kind == "partner" else UPSERT_SERVICES, source)
        except asyncpg.UniqueViolationError as exc:
            # Runs of one source are serialized, but a single-record write (POST/PATCH with external ids)
            # can commit the same (source, external id) between this batch's lookup and its insert.
            raise DuplicateExternalId(
                f"an external id of this batch was given to another record by a concurrent write "
                f"({exc.detail or exc}); nothing of this run was applied, send it again") from None
        assert r is not None
        applied = sent - len(skip_lines)
        return r["created"], r["updated"], r["matched"] - r["updated"], applied - r["distinct_rows"]

    async def retire_missing(self, kind: str, source: str, within: Jurisdiction | None) -> int:
        """Retire the source's records (inside ``within``) that this run did not send."""
        await self._conn.execute(CREATE_PARTNER_TEMP if kind == "partner" else CREATE_SERVICE_TEMP)
        sql = RETIRE_PARTNERS if kind == "partner" else RETIRE_SERVICES
        status = await self._conn.execute(sql, source, within.state if within else None,
                                          within.local_area if within else None)
        return int(status.split()[-1])
