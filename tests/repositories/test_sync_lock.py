"""A sync's wait for its source's lock: bounded inside the transaction, for that wait only."""

from __future__ import annotations

import time

import asyncpg
import pytest

from api.domain.sync import SyncInProgress
from api.repositories.sync import PgSyncRepository


async def test_the_lock_wait_is_bounded_by_the_services_timeout_and_the_setting_put_back(database_dsn: str):
    holder = await asyncpg.connect(database_dsn)
    conn = await asyncpg.connect(database_dsn, server_settings={"statement_timeout": "0"})  # as a pooler leaves it
    try:
        repo = PgSyncRepository(conn, lock_timeout_ms=200)
        async with conn.transaction():
            await conn.execute("SET LOCAL lock_timeout = '7s'")
            await repo.lock_source("free")
            assert await conn.fetchval("SHOW lock_timeout") == "7s", "later statements keep their own bound"
        async with holder.transaction():
            await holder.execute("SELECT pg_advisory_xact_lock(hashtextextended('directory-sync:held', 0))")
            started = time.monotonic()
            with pytest.raises(SyncInProgress):
                async with conn.transaction():
                    await repo.lock_source("held")
            assert time.monotonic() - started < 10
        async with conn.transaction():
            await repo.lock_source("held")  # released with the holder's transaction
    finally:
        await conn.close()
        await holder.close()
