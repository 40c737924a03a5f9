"""The rate limiter counts concurrent hits in batches and still gives each hit its own place in the count."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
import pytest

from api.domain.access import Scope
from api.repositories.access import PgRateLimiter
from api.repositories.database import Database
from tests.conftest import mint_key


@pytest.fixture(autouse=True)
async def _not_at_a_window_boundary() -> None:
    # Windows are fixed minutes: a test's hits must all land in one.
    if 60 - time.time() % 60 < 3:
        await asyncio.sleep(60 - time.time() % 60 + 0.1)


def _bucket() -> str:
    return f"test:{uuid.uuid4()}"


async def test_concurrent_hits_go_in_one_statement_and_each_gets_its_own_count(clean_db: Database):
    limiter = PgRateLimiter(clean_db.pool)
    bucket = _bucket()
    decisions = await asyncio.gather(*(limiter.hit(bucket, limit=30, window_seconds=60) for _ in range(40)))
    assert limiter.statements == 1
    # In arrival order: counts 1..40, so remaining 29..0 and then 0 for the ten refused.
    assert [d.remaining for d in decisions] == [*range(29, -1, -1), *[0] * 10]
    assert [d.allowed for d in decisions] == [True] * 30 + [False] * 10
    assert all(1 <= d.reset_seconds <= 60 and d.limit == 30 for d in decisions)
    later = await limiter.hit(bucket, limit=30, window_seconds=60)
    assert (later.allowed, later.remaining, limiter.statements) == (False, 0, 2)


async def test_a_batch_counts_each_bucket_and_window_apart_and_notes_key_use(clean_db: Database):
    await mint_key(clean_db, Scope.DIRECTORY_READ, name="batched")
    async with clean_db.pool.acquire() as conn:
        key_id = await conn.fetchval("SELECT id FROM api_keys WHERE name = 'batched'")
    limiter = PgRateLimiter(clean_db.pool)
    a, b, c = _bucket(), _bucket(), _bucket()
    calls = [limiter.hit(a, limit=5, window_seconds=60), limiter.hit(b, limit=5, window_seconds=60, key_id=key_id),
             limiter.hit(a, limit=5, window_seconds=60), limiter.hit(c, limit=5, window_seconds=3600),
             limiter.hit(b, limit=5, window_seconds=60, key_id=key_id), limiter.hit(c, limit=5, window_seconds=3600)]
    decisions = await asyncio.gather(*calls)
    assert [d.remaining for d in decisions] == [4, 4, 3, 4, 3, 3]
    assert limiter.statements == 2  # one per window length
    assert decisions[3].reset_seconds > 60 or time.time() % 3600 > 3540
    async with clean_db.pool.acquire() as conn:
        assert await conn.fetchval("SELECT last_used_at IS NOT NULL FROM api_keys WHERE id = $1", key_id)
        assert await conn.fetchval("SELECT sum(hits) FROM rate_limits WHERE bucket = any($1)", [a, b, c]) == 6


async def test_workers_counting_the_same_buckets_share_one_count_without_deadlock(clean_db: Database):
    buckets = [_bucket() for _ in range(6)]
    workers = [PgRateLimiter(clean_db.pool) for _ in range(3)]

    async def burst(limiter: PgRateLimiter, order: list[str]) -> list[int]:
        decisions = await asyncio.gather(*(limiter.hit(b, limit=1000, window_seconds=60)
                                           for _ in range(5) for b in order))
        return [1000 - d.remaining for d in decisions]

    # Each worker sends its batches with the buckets in a different order, several batches each.
    results = await asyncio.gather(*(burst(w, buckets[i:] + buckets[:i]) for i, w in enumerate(workers)
                                     for _ in range(4)))
    seen = sorted(c for r in results for c in r)
    assert len(seen) == 3 * 4 * 5 * 6
    # Every count of every bucket was handed out exactly once: 1..60 for each of the 6 buckets.
    assert seen == sorted(list(range(1, 61)) * 6)


async def test_a_failed_statement_fails_every_waiting_hit_and_the_next_hits_count_again(clean_db: Database):
    class Broken:
        def acquire(self) -> object:
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    limiter = PgRateLimiter(clean_db.pool)
    limiter._pool = Broken()  # type: ignore[assignment]
    outcomes = await asyncio.gather(*(limiter.hit(_bucket(), limit=3, window_seconds=60) for _ in range(3)),
                                    return_exceptions=True)
    assert all(isinstance(o, asyncpg.exceptions.ConnectionDoesNotExistError) for o in outcomes)
    limiter._pool = clean_db.pool
    assert (await limiter.hit(_bucket(), limit=3, window_seconds=60)).remaining == 2


async def test_a_hit_whose_request_went_away_is_still_counted_and_the_others_are_answered(clean_db: Database):
    limiter = PgRateLimiter(clean_db.pool)
    bucket = _bucket()
    first = asyncio.ensure_future(limiter.hit(bucket, limit=10, window_seconds=60))
    others = [asyncio.ensure_future(limiter.hit(bucket, limit=10, window_seconds=60)) for _ in range(3)]
    await asyncio.sleep(0)
    first.cancel()
    assert [d.remaining for d in await asyncio.gather(*others)] == [8, 7, 6]
    with pytest.raises(asyncio.CancelledError):
        await first
    assert (await limiter.hit(bucket, limit=10, window_seconds=60)).remaining == 5
