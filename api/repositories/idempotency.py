"""Idempotency keys in PostgreSQL, so a retried POST is answered once across workers and restarts."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

# A claim never answered within ABANDONED_AFTER_S belongs to a request that died with its process (or
# lost the database before it could release the claim): it is claimed again, not "in progress" for a day.
ABANDONED_AFTER_S = 120.0
CLAIM = """
INSERT INTO idempotency_keys (owner, key, request_hash) VALUES ($1, $2, $3)
ON CONFLICT (owner, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = now()
  WHERE idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - make_interval(secs => $4)
RETURNING 1
"""
FIND = "SELECT request_hash, status, headers, body FROM idempotency_keys WHERE owner = $1 AND key = $2"
STORE = "UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE owner = $1 AND key = $2"
RELEASE = "DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2 AND status IS NULL"
PRUNE = "DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'"


@dataclass(frozen=True, slots=True)
class Stored:
    """A remembered request: its hash and, once answered, its response."""

    request_hash: str
    status: int | None
    headers: list[list[str]]
    body: bytes | None


class PgIdempotencyStore:
    """Claims, remembers and replays responses by (owner, key); keys live for 24 hours."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._claims = 0

    async def claim(self, owner: str, key: str, request_hash: str) -> Stored | None:
        """Claim the key for this request; return what is stored when another request claimed it first."""
        async with self._pool.acquire() as conn:
            self._claims += 1
            if self._claims % 500 == 0:
                await conn.execute(PRUNE)
            if await conn.fetchval(CLAIM, owner, key, request_hash, ABANDONED_AFTER_S):
                return None
            row = await conn.fetchrow(FIND, owner, key)
        if row is None:  # expired between the two statements: treat as fresh
            return await self.claim(owner, key, request_hash)
        return Stored(row["request_hash"], row["status"], row["headers"], row["body"])

    async def store(self, owner: str, key: str, status: int, headers: list[list[str]], body: bytes) -> None:
        """Remember the response of a claimed key."""
        async with self._pool.acquire() as conn:
            await conn.execute(STORE, owner, key, status, headers, body)

    async def release(self, owner: str, key: str) -> None:
        """Forget a claim whose request failed on the server's side, so a retry can run."""
        async with self._pool.acquire() as conn:
            await conn.execute(RELEASE, owner, key)
