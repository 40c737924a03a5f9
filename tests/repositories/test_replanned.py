"""Statements run through ``fetch_replanned`` answer as ``fetch`` does and are still counted."""

from __future__ import annotations

import asyncpg

from api.repositories.database import Database, QueryCounter, SerializedConnection, fetch_replanned

QUERY = "SELECT g AS n FROM generate_series(1, $1::int) g WHERE g = any($2::int[]) ORDER BY g"


async def test_replanned_statements_answer_like_cached_ones_and_are_counted(db: Database):
    async with db.pool.acquire() as conn:
        await conn.fetch(QUERY, 1, [1])  # asyncpg introspects the int[] type once per connection: not counted
        counter = QueryCounter()
        conn.add_query_logger(counter)
        try:
            for limit in (5, 50, 500, 5, 50, 500, 5, 50):  # more runs than PostgreSQL's five custom plans
                wanted = list(range(0, limit + 10, 3))
                expected = [tuple(r) for r in await conn.fetch(QUERY, limit, wanted)]
                assert [tuple(r) for r in await fetch_replanned(conn, QUERY, limit, wanted)] == expected
                shared = SerializedConnection(conn)
                assert [tuple(r) for r in await fetch_replanned(shared, QUERY, limit, wanted)] == expected
        finally:
            conn.remove_query_logger(counter)
    assert counter.count == 8 * 3, "each replanned statement is logged like a fetch"


async def test_with_the_statement_cache_off_a_replanned_statement_is_one_unnamed_fetch(service_dsn: str):
    # As behind a transaction pooler (PATHWAYS_STATEMENT_CACHE_SIZE=0): nothing prepared in one exchange and
    # run in another, which the pooler may send to two server connections; unnamed, it is planned for its
    # values anyway.
    conn = await asyncpg.connect(service_dsn, statement_cache_size=0)
    try:
        await conn.fetch(QUERY, 1, [1])
        counter = QueryCounter()
        conn.add_query_logger(counter)
        for limit in (5, 50, 500, 5, 50, 500, 5, 50):
            wanted = list(range(0, limit + 10, 3))
            expected = [tuple(r) for r in await conn.fetch(QUERY, limit, wanted)]
            assert [tuple(r) for r in await fetch_replanned(conn, QUERY, limit, wanted)] == expected
            shared = SerializedConnection(conn)
            assert [tuple(r) for r in await fetch_replanned(shared, QUERY, limit, wanted)] == expected
        conn.remove_query_logger(counter)
        assert await conn.fetchval("SELECT count(*) FROM pg_prepared_statements") == 0
        assert counter.count == 8 * 3, "each replanned statement is logged like a fetch"
    finally:
        await conn.close()
