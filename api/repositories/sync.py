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
from api.domain.sync import RecordOwnedElsewhere, SyncInProgress
from api.repositories.partners import address_json, retire_services_of

PARTNER_FIELDS = (
    "name", "partner_type", "level", "state", "local_area", "description", "regions_served", "populations_served",
    "capacity", "funding_streams", "contacts", "address", "latitude", "longitude", "website", "assets",
    "limitations", "status", "industries", "email", "phone", "location_name",
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
  status text, industries text[], email text, phone text, location_name text
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS sync_seen (kind text, external_id text) ON COMMIT DROP;
TRUNCATE sync_partners;
"""
CREATE_SERVICE_TEMP = """
CREATE TEMP TABLE IF NOT EXISTS sync_services (
  line int, external_id text, partner_external_id text, id uuid, name text, description text, category text,
  populations text[], regions text[], delivery_mode text, capacity int, funding_streams text[], program_cip text,
  occupations text[], credential text, status text
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS sync_seen (kind text, external_id text) ON COMMIT DROP;
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
  INSERT INTO sync_seen (kind, external_id) SELECT 'partner', external_id FROM batch
)
SELECT (SELECT count(*) FROM inserted) AS created, (SELECT count(*) FROM updated) AS updated,
       (SELECT count(*) FROM matched WHERE existing_id IS NOT NULL) AS matched,
       (SELECT count(*) FROM batch) AS distinct_rows
"""
# Runs of one source apply one after the other: concurrent runs over the same external ids would race
# (both inserting a new id: a unique violation) or lock shared rows in opposite orders (a deadlock).
# The lock is the transaction's, so it is released by the commit or the rollback, never leaked. The wait for it
# is bounded inside the transaction ($2, the service's statement timeout, as lock_timeout for this statement
# only: set before the lock, put back after it; each subquery's row is made before the one around it), not by
# the session's statement_timeout: a start-up setting a transaction pooler drops (docs/scaling.md).
LOCK_SOURCE = """
SELECT set_config('lock_timeout', waited.previous, true) FROM (
  SELECT bounded.previous, pg_advisory_xact_lock(hashtextextended('directory-sync:' || $1, 0)) AS locked
  FROM (SELECT current_setting('lock_timeout') AS previous, set_config('lock_timeout', $2, true) AS bounded) bounded
) waited"""
# The source's records (inside the caller's jurisdiction) that are not retired: the complete-set guard
# weighs what a run would retire against them; with the NOT EXISTS, those that run would retire.
COUNT_ACTIVE = {
    "partner": """
SELECT count(*) FROM partner_external_ids e JOIN partners p ON p.id = e.partner_id
WHERE e.source = $1 AND p.status <> 'retired'
  AND ($2::text IS NULL OR p.state = $2) AND ($3::text IS NULL OR p.local_area = $3)""",
    "service": """
SELECT count(*) FROM service_external_ids e
JOIN services s ON s.id = e.service_id JOIN partners p ON p.id = s.partner_id
WHERE e.source = $1 AND s.status <> 'retired'
  AND ($2::text IS NULL OR p.state = $2) AND ($3::text IS NULL OR p.local_area = $3)""",
}
NOT_SEEN = "\n  AND NOT EXISTS (SELECT 1 FROM sync_seen x WHERE x.kind = '{kind}' AND x.external_id = e.external_id)"
COUNT_MISSING = {kind: sql + NOT_SEEN.format(kind=kind) for kind, sql in COUNT_ACTIVE.items()}
# A retired partner offers no active service: its services are retired in the same statement, each with
# its own entry in the feed (the services trigger writes them).
RETIRE_PARTNERS = """
WITH retired AS (
  UPDATE partners p SET status = 'retired', version = p.version + 1, updated_at = now()
  FROM partner_external_ids e
  WHERE e.partner_id = p.id AND e.source = $1 AND p.status <> 'retired'
    AND NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.kind = 'partner' AND s.external_id = e.external_id)
    AND ($2::text IS NULL OR p.state = $2) AND ($3::text IS NULL OR p.local_area = $3)
  RETURNING p.id
), services_retired AS (
  UPDATE services s SET status = 'retired', version = s.version + 1, updated_at = now()
  WHERE s.partner_id IN (SELECT id FROM retired) AND s.status <> 'retired'
  RETURNING s.id
)
SELECT (SELECT count(*) FROM retired) AS retired, (SELECT count(*) FROM services_retired) AS services
"""
# Partners of the loaded batch that are retired now (some may have been retired by this batch).
RETIRED_IN_BATCH = """
SELECT e.partner_id FROM sync_partners b
JOIN partner_external_ids e ON e.source = $1 AND e.external_id = b.external_id
JOIN partners p ON p.id = e.partner_id AND p.status = 'retired'
"""
# Lines that would create a record under an id another record already has (an HSDS id imported before
# under another source, or a record created directly): the owner's source keys name who holds it.
_TAKEN = """
SELECT b.line, b.id, coalesce((SELECT string_agg(o.source || ':' || o.external_id, ', ' ORDER BY o.source)
                               FROM {ids} o WHERE o.{owner} = b.id), '') AS owners
FROM {temp} b JOIN {table} r ON r.id = b.id
WHERE b.id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {ids} m WHERE m.source = $1 AND m.external_id = b.external_id)
"""
TAKEN_IDS = {
    "partner": _TAKEN.format(ids="partner_external_ids", owner="partner_id", temp="sync_partners", table="partners"),
    "service": _TAKEN.format(ids="service_external_ids", owner="service_id", temp="sync_services", table="services"),
}

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
  INSERT INTO sync_seen (kind, external_id) SELECT 'service', external_id FROM batch
)
SELECT (SELECT count(*) FROM inserted) AS created, (SELECT count(*) FROM updated) AS updated,
       (SELECT count(*) FROM matched WHERE existing_id IS NOT NULL) AS matched,
       (SELECT count(*) FROM batch) AS distinct_rows
"""
RETIRE_SERVICES = """
WITH retired AS (
  UPDATE services s SET status = 'retired', version = s.version + 1, updated_at = now()
  FROM service_external_ids e, partners p
  WHERE e.service_id = s.id AND e.source = $1 AND s.status <> 'retired' AND p.id = s.partner_id
    AND NOT EXISTS (SELECT 1 FROM sync_seen x WHERE x.kind = 'service' AND x.external_id = e.external_id)
    AND ($2::text IS NULL OR p.state = $2) AND ($3::text IS NULL OR p.local_area = $3)
  RETURNING s.id
)
SELECT (SELECT count(*) FROM retired) AS retired, 0::bigint AS services
"""


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _partner_row(line: int, external_id: str, p: Partner) -> tuple[Any, ...]:
    address = address_json(p.address)
    contacts = [{"name": c.name, "title": c.title, "email": c.email, "phone": c.phone} for c in p.contacts]
    return (
        line, external_id, p.id, p.name, p.partner_type, p.level.value, p.jurisdiction.state,
        p.jurisdiction.local_area, p.description, list(p.regions_served), list(p.populations_served), p.capacity,
        list(p.funding_streams), _json(contacts), _json(address), p.latitude, p.longitude, p.website, p.assets,
        p.limitations, p.status.value, list(p.industries), p.email, p.phone, p.location_name,
    )


def _service_row(line: int, external_id: str, partner_external_id: str, s: Service) -> tuple[Any, ...]:
    return (
        line, external_id, partner_external_id, s.id, s.name, s.description, s.category, list(s.populations),
        list(s.regions), s.delivery_mode.value, s.capacity, list(s.funding_streams), s.program_cip,
        list(s.occupations), s.credential, s.status.value,
    )


class PgSyncRepository:
    """Set-based upserts of directory batches keyed by the caller's (source, external id)."""

    def __init__(self, conn: asyncpg.Connection, *, lock_timeout_ms: int = 15_000) -> None:
        self._conn = conn
        self._lock_timeout = f"{lock_timeout_ms}ms"

    async def lock_source(self, source: str) -> None:
        try:
            await self._conn.execute(LOCK_SOURCE, source, self._lock_timeout)
        except (asyncpg.LockNotAvailableError, asyncpg.QueryCanceledError):  # the lock or statement timeout
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

    async def refused_lines(self, kind: str, source: str, within: Jurisdiction | None
                            ) -> dict[int, tuple[str, str]]:
        """Lines of the loaded batch that may not be applied, with the field at fault and why: unknown partners,
        or records outside ``within``."""
        refused: dict[int, tuple[str, str]] = {}
        if kind == "service":
            for r in await self._conn.fetch(SERVICE_PARTNERS, source):
                if r["partner_id"] is None:
                    refused[r["line"]] = ("partner_external_id", "names a partner external id this source has not "
                                                                 "synced")
                elif within is not None and not within.contains(Jurisdiction(state=r["state"],
                                                                              local_area=r["local_area"])):
                    refused[r["line"]] = ("partner_external_id", "its partner lies outside your key's jurisdiction")
        elif within is not None:
            for r in await self._conn.fetch(PARTNER_OWNERS, source):
                if not within.contains(Jurisdiction(state=r["state"], local_area=r["local_area"])):
                    refused[r["line"]] = ("external_id", "the stored record lies outside your key's jurisdiction")
        return refused

    async def taken_ids(self, kind: str, source: str) -> list[tuple[int, str, str]]:
        """Lines of the loaded batch that would create a record under an id another record holds: (line, id,
        the holder's source keys as ``source:id, ...``, empty for a record no sync gave keys)."""
        return [(r["line"], str(r["id"]), r["owners"]) for r in await self._conn.fetch(TAKEN_IDS[kind], source)]

    async def upsert(self, kind: str, source: str, *, sent: int, skip_lines: Sequence[int] = ()) -> tuple[
            int, int, int, int]:
        """Upsert the loaded batch (less ``skip_lines``); return (created, updated, unchanged, duplicates)."""
        table = "sync_partners" if kind == "partner" else "sync_services"
        if skip_lines:
            await self._conn.execute(f"DELETE FROM {table} WHERE line = any($1::int[])", list(skip_lines))
        try:
            r = await self._conn.fetchrow(UPSERT_PARTNERS if kind == "partner" else UPSERT_SERVICES, source)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name in ("partners_pkey", "services_pkey"):  # an id taken after taken_ids looked
                raise RecordOwnedElsewhere(
                    f"a record of this batch has an id that another record took meanwhile ({exc.detail or exc}); "
                    "nothing of this run was applied") from None
            # Runs of one source are serialized, but a single-record write (POST/PATCH with external ids)
            # can commit the same (source, external id) between this batch's lookup and its insert.
            raise DuplicateExternalId(
                f"an external id of this batch was given to another record by a concurrent write "
                f"({exc.detail or exc}); nothing of this run was applied, send it again") from None
        assert r is not None
        applied = sent - len(skip_lines)
        return r["created"], r["updated"], r["matched"] - r["updated"], applied - r["distinct_rows"]

    async def retire_services_of_retired(self, source: str) -> int:
        """Retire the still active services of the loaded batch's partners that are retired now."""
        ids = [r["partner_id"] for r in await self._conn.fetch(RETIRED_IN_BATCH, source)]
        return await retire_services_of(self._conn, ids)

    async def count_retirable(self, kind: str, source: str, within: Jurisdiction | None, *, missing: bool) -> int:
        """The source's records inside ``within`` that are not retired (``missing``: and not sent by this run)."""
        await self._conn.execute(CREATE_PARTNER_TEMP if kind == "partner" else CREATE_SERVICE_TEMP)
        sql = (COUNT_MISSING if missing else COUNT_ACTIVE)[kind]
        count = await self._conn.fetchval(sql, source, within.state if within else None,
                                          within.local_area if within else None)
        return int(count or 0)

    async def retire_missing(self, kind: str, source: str, within: Jurisdiction | None) -> tuple[int, int]:
        """Retire the source's records (inside ``within``) that this run did not send; return how many, and how
        many services were retired with the partners."""
        await self._conn.execute(CREATE_PARTNER_TEMP if kind == "partner" else CREATE_SERVICE_TEMP)
        sql = RETIRE_PARTNERS if kind == "partner" else RETIRE_SERVICES
        r = await self._conn.fetchrow(sql, source, within.state if within else None,
                                      within.local_area if within else None)
        assert r is not None
        return int(r["retired"]), int(r["services"])

