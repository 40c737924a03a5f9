"""``stream``: a query's rows in batches from a server-side cursor, with asyncpg's statement cache on or off.

With the cache off (behind a transaction pooler) nothing named may outlive the transaction: the pooler hands
the server connection to other clients once it ends.
"""

from __future__ import annotations

import asyncpg
import pytest

from api.repositories.database import SerializedConnection, stream

# The cursors of the transaction, but the unnamed portal of this very statement.
CURSORS = "SELECT count(*) FROM pg_cursors WHERE name <> ''"
QUERY = "SELECT g AS n, $2::text AS label FROM generate_series(1, $1::int) g WHERE g % 2 = 1 ORDER BY g"


@pytest.mark.parametrize("cache", [100, 0], ids=["cache-on", "cache-off"])
@pytest.mark.parametrize("shared", [False, True], ids=["connection", "serialized"])
async def test_stream_yields_every_row_in_batches_inside_the_transaction(service_dsn: str, cache: int,
                                                                         shared: bool):
    conn = await asyncpg.connect(service_dsn, statement_cache_size=cache)
    try:
        source = SerializedConnection(conn) if shared else conn
        async with conn.transaction(readonly=True, isolation="repeatable_read"):
            batches = [[(r["n"], r["label"]) for r in rows] async for rows in stream(source, QUERY, (11, "x"), 2)]
            if not cache:
                assert await conn.fetchval(CURSORS) == 0, "the cursor is closed when done"
        assert batches == [[(1, "x"), (3, "x")], [(5, "x"), (7, "x")], [(9, "x"), (11, "x")]]
        async with conn.transaction(readonly=True):
            assert [r async for r in stream(source, QUERY, (0, "x"), 2)] == []
        if not cache:
            assert await conn.fetchval("SELECT count(*) FROM pg_prepared_statements") == 0, \
                "no named statement left on the server connection"
    finally:
        await conn.close()


async def test_a_stream_left_midway_ends_with_its_transaction(service_dsn: str):
    conn = await asyncpg.connect(service_dsn, statement_cache_size=0)
    try:
        async with conn.transaction(readonly=True):
            rows = stream(conn, QUERY, (100, "x"), 3)
            assert [r["n"] for r in await anext(rows)] == [1, 3, 5]
            await rows.aclose()  # a client that went away: the cursor stays open until the transaction ends
        assert await conn.fetchval(CURSORS) == 0
        assert await conn.fetchval("SELECT count(*) FROM pg_prepared_statements") == 0
    finally:
        await conn.close()
