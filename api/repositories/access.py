"""API keys, the audit log and rate limits over asyncpg."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple
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
# Authentication reads the key with the moment it last wrote (on the primary, in the same round trip).
FIND_KEY = f"""
SELECT {", ".join("k." + c.strip() for c in KEY_COLUMNS.split(","))}, w.written_at AS last_write_at
FROM api_keys k LEFT JOIN api_key_writes w ON w.key_id = k.id WHERE k.prefix = $1
"""
# Noted as the last statement of a key's writing transaction: the row lock is held only until its commit, and
# clock_timestamp() (not now(), the transaction's start) so that a long sync's window starts when it ends.
NOTE_WRITE = """
INSERT INTO api_key_writes (key_id, written_at) VALUES ($1, clock_timestamp())
ON CONFLICT (key_id) DO UPDATE SET written_at = excluded.written_at
"""
LIST_KEYS = f"SELECT {KEY_COLUMNS} FROM api_keys ORDER BY created_at, id"
REVOKE_KEY = f"""
WITH before AS (SELECT id, revoked_at FROM api_keys WHERE id = $1 FOR UPDATE)
UPDATE api_keys k SET revoked_at = coalesce(k.revoked_at, now()) FROM before b WHERE k.id = b.id
RETURNING {", ".join("k." + c.strip() for c in KEY_COLUMNS.split(","))}, b.revoked_at AS revoked_before
"""
INSERT_AUDIT = """
INSERT INTO audit_log (id, key_id, actor, action, kind, record_id, changes)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
# Fixed windows shared by every worker process: one row per (bucket, window), counted atomically.
# One statement counts every hit that arrived while the previous one was in flight: n hits of a bucket add n
# to its row, and the caller hands them the counts total-n+1 .. total in arrival order. The buckets are
# locked in sorted order (two workers' batches cannot deadlock), and a key's last use is noted at most once
# a minute, skipping a key another statement is noting already.
# The counters need no durability, so this statement's own transaction commits without waiting for the WAL
# flush (``synchronous_commit`` off, set locally): a crash may forget the last fraction of a second of hits.
# Waiting for the flush serialized concurrent requests on the bucket's row (bench/README.md item 5).
HIT = """
WITH touched AS (
  UPDATE api_keys SET last_used_at = now()
  WHERE id IN (SELECT id FROM api_keys WHERE id = any($3::uuid[])
               AND (last_used_at IS NULL OR last_used_at < now() - interval '60 seconds')
               ORDER BY id FOR UPDATE SKIP LOCKED)
)
INSERT INTO rate_limits (bucket, window_start, hits)
SELECT h.bucket, to_timestamp(floor(extract(epoch FROM now()) / $4) * $4), h.n
FROM unnest($1::text[], $2::int[]) AS h(bucket, n),
     (SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait
ORDER BY h.bucket
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + excluded.hits
RETURNING bucket, hits, extract(epoch FROM (window_start + make_interval(secs => $4) - now()))::float8 AS reset_in
"""
PRUNE = "DELETE FROM rate_limits WHERE window_start < now() - interval '1 hour'"


def _key(r: Mapping[str, Any]) -> ApiKey:
    jurisdiction = Jurisdiction(state=r["state"], local_area=r["local_area"]) if r["state"] else None
    return ApiKey(
        id=r["id"], name=r["name"], prefix=r["prefix"], secret_hash=r["secret_hash"],
        scopes=frozenset(Scope(s) for s in r["scopes"]), jurisdiction=jurisdiction, created_at=r["created_at"],
        expires_at=r["expires_at"], revoked_at=r["revoked_at"], last_used_at=r["last_used_at"],
        last_write_at=r.get("last_write_at"),
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

    async def list_keys(self) -> list[ApiKey]:
        return [_key(r) for r in await self._conn.fetch(LIST_KEYS)]

    async def revoke(self, key_id: UUID) -> tuple[ApiKey, ApiKey] | None:
        row = await self._conn.fetchrow(REVOKE_KEY, key_id)
        if row is None:
            return None
        after = _key(row)
        return replace(after, revoked_at=row["revoked_before"]), after


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

    async def list_entries(self, flt: AuditFilter, *, limit: int, after: tuple[object, ...] | None) -> Page[AuditEntry]:
        conditions: list[str] = []
        params: list[object] = []
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
    """Counts requests per bucket and window in PostgreSQL, so every worker shares the same counts.

    Hits are counted in batches: while one statement is in flight, the hits that arrive wait for it and then
    go together in the next one. Each hit still gets its own place in the shared count (the same decisions
    as one statement per hit), but a busy worker makes one round trip per batch instead of one per request.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._statements = 0
        self._waiting: list[_Hit] = []
        self._drainer: asyncio.Task[None] | None = None

    @property
    def statements(self) -> int:
        """How many counting statements this limiter has run."""
        return self._statements

    async def hit(self, bucket: str, *, limit: int, window_seconds: int, key_id: UUID | None = None) -> RateDecision:
        counted: asyncio.Future[tuple[int, float]] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Hit(bucket, float(window_seconds), key_id, counted))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain())
        hits, reset_in = await counted
        return RateDecision(limit=limit, remaining=max(0, limit - hits), reset_seconds=max(1, int(reset_in)),
                            allowed=hits <= limit)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._count(batch)
            except asyncio.CancelledError:
                for h in batch:
                    h.counted.cancel()
                for h in self._waiting:
                    h.counted.cancel()
                self._waiting = []
                raise
            except Exception as exc:  # the database is unavailable, say: every waiting request learns why
                for h in batch:
                    if not h.counted.done():
                        h.counted.set_exception(exc)

    async def _count(self, batch: list[_Hit]) -> None:
        by_window: dict[float, dict[str, list[_Hit]]] = {}
        for h in batch:
            by_window.setdefault(h.window_seconds, {}).setdefault(h.bucket, []).append(h)
        async with self._pool.acquire() as conn:
            for window, buckets in by_window.items():
                names = sorted(buckets)
                key_ids = sorted({h.key_id for hs in buckets.values() for h in hs if h.key_id is not None})
                rows = await conn.fetch(HIT, names, [len(buckets[b]) for b in names], key_ids, window)
                for row in rows:
                    hits = buckets[row["bucket"]]
                    first = int(row["hits"]) - len(hits) + 1
                    for i, h in enumerate(hits):
                        if not h.counted.done():  # a request that went away still counted
                            h.counted.set_result((first + i, row["reset_in"]))
                self._statements += 1
                if self._statements % 1000 == 0:
                    await conn.execute(PRUNE)


class _Hit(NamedTuple):
    bucket: str
    window_seconds: float
    key_id: UUID | None
    counted: asyncio.Future[tuple[int, float]]
