"""API keys, the audit log and rate limits over asyncpg."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from api.domain.access import ApiKey, AuditEntry, RateDecision, Scope
from api.domain.partners import Jurisdiction
from api.domain.ports import AuditFilter, Page

KEY_COLUMNS = (
    "id, name, prefix, secret_hash, scopes, state, local_area, created_at, expires_at, revoked_at, last_used_at"
)
INSERT_KEY = """
INSERT INTO api_keys (id, name, prefix, secret_hash, scopes, state, local_area, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""
FIND_KEY = f"SELECT {KEY_COLUMNS} FROM api_keys WHERE prefix = $1"
LIST_KEYS = f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id"
REVOKE_KEY = f"""
UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING {KEY_COLUMNS}
"""
INSERT_AUDIT = """
INSERT INTO audit_log (id, key_id, actor, action, kind, record_id, changes)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
# Fixed windows shared by every worker process: one row per (bucket, window), counted atomically.
# One round trip per request: count the hit and, for a key, note its last use (at most once a minute).
# The counters need no durability, so this statement's own transaction commits without waiting for the WAL
# flush (``synchronous_commit`` off, set locally): a crash may forget the last fraction of a second of hits.
# Waiting for the flush cost 1.6 ms per request and serialized concurrent requests on the bucket's row.
HIT = """
WITH touched AS (
  UPDATE api_keys SET last_used_at = now()
  WHERE $3::uuid IS NOT NULL AND id = $3 AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')
)
INSERT INTO rate_limits (bucket, window_start, hits)
SELECT $1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
RETURNING hits, extract(epoch FROM (window_start + make_interval(secs => $2) - now()))::float8 AS reset_in
"""
PRUNE = "DELETE FROM rate_limits WHERE window_start < now() - interval '1 hour'"


def _key(r: Mapping[str, Any]) -> ApiKey:
    jurisdiction = Jurisdiction(state=r["state"], local_area=r["local_area"]) if r["state"] else None
    return ApiKey(
        id=r["id"], name=r["name"], prefix=r["prefix"], secret_hash=r["secret_hash"],
        scopes=frozenset(Scope(s) for s in r["scopes"]), jurisdiction=jurisdiction, created_at=r["created_at"],
        expires_at=r["expires_at"], revoked_at=r["revoked_at"], last_used_at=r["last_used_at"],
    )


def _entry(r: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(id=r["id"], key_id=r["key_id"], actor=r["actor"], action=r["action"], kind=r["kind"],
                      record_id=r["record_id"], changes=r["changes"], at=r["at"])


class PgApiKeyRepository:
    """Stored API keys (hashes only)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def add(self, key: ApiKey) -> None:
        j = key.jurisdiction
        await self._conn.execute(
            INSERT_KEY, key.id, key.name, key.prefix, key.secret_hash, sorted(s.value for s in key.scopes),
            j.state if j else None, j.local_area if j else None, key.expires_at,
        )

    async def find(self, prefix: str) -> ApiKey | None:
        row = await self._conn.fetchrow(FIND_KEY, prefix)
        return _key(row) if row else None

    async def list(self) -> list[ApiKey]:
        return [_key(r) for r in await self._conn.fetch(LIST_KEYS)]

    async def revoke(self, key_id: UUID) -> ApiKey | None:
        row = await self._conn.fetchrow(REVOKE_KEY, key_id)
        return _key(row) if row else None


class PgAuditRepository:
    """The append-only audit log (the database refuses updates and deletes of its rows)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def record(self, entries: Sequence[AuditEntry]) -> None:
        if entries:
            await self._conn.executemany(
                INSERT_AUDIT,
                [(e.id, e.key_id, e.actor, e.action, e.kind, e.record_id, e.changes) for e in entries],
            )

    async def list(self, flt: AuditFilter, *, limit: int, after: tuple[object, ...] | None) -> Page[AuditEntry]:
        conditions, params = [], []
        for column, value in (("kind", flt.kind), ("record_id", flt.record_id), ("key_id", flt.key_id),
                              ("action", flt.action)):
            if value is not None:
                params.append(value)
                conditions.append(f"{column} = ${len(params)}")
        if flt.since is not None:
            params.append(flt.since)
            conditions.append(f"at >= ${len(params)}")
        if after is not None:
            params += [datetime.fromisoformat(str(after[0])), UUID(str(after[1]))]
            conditions.append(f"(at, id) < (${len(params) - 1}, ${len(params)})")
        params.append(limit + 1)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = await self._conn.fetch(
            f"SELECT id, key_id, actor, action, kind, record_id, changes, at FROM audit_log {where} "
            f"ORDER BY at DESC, id DESC LIMIT ${len(params)}", *params)
        more = len(rows) > limit
        rows = rows[:limit]
        keys = [(r["at"].isoformat(), str(r["id"])) for r in rows]
        return Page(items=[_entry(r) for r in rows], keys=keys, next_after=keys[-1] if more and keys else None)


class PgRateLimiter:
    """Counts requests per bucket and window in PostgreSQL, so every worker shares the same counts."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._calls = 0

    async def hit(self, bucket: str, *, limit: int, window_seconds: int, key_id: UUID | None = None) -> RateDecision:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(HIT, bucket, float(window_seconds), key_id)
            self._calls += 1
            if self._calls % 1000 == 0:
                await conn.execute(PRUNE)
        assert row is not None
        hits = int(row["hits"])
        return RateDecision(limit=limit, remaining=max(0, limit - hits), reset_seconds=max(1, int(row["reset_in"])),
                            allowed=hits <= limit)
