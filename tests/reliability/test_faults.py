"""Faults: a database connection killed under a running sync, a sync that waits too long for another.

The server-process and database-outage faults need a real server: tests/reliability/test_workers.py.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator

import asyncpg
import httpx
import orjson
import pytest
from fastapi import FastAPI

from api.main import create_app, install_database
from api.repositories.database import Database
from api.settings import Settings
from tests.conftest import POOL_OPTIONS, add_region, partner_body
from tests.reliability.helpers import NDJSON, FeedMirror, export, ndjson, provider, writer_backend

ROWS = 2_000
BATCH = 100


def _app(db: Database) -> FastAPI:
    app = create_app(Settings(environment="test", sync_batch_size=BATCH), manage_database=False)
    install_database(app, db)
    return app


@pytest.fixture
async def client(clean_db: Database, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=_app(clean_db), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                 headers={"Authorization": f"Bearer {admin_key}"}) as c:
        yield c


async def test_a_sync_whose_database_connection_is_terminated_midway_applies_nothing_and_a_retry_succeeds(
        client, database_dsn):
    rows = [provider(f"K{i:05d}", capacity=i) for i in range(ROWS)]
    half = ROWS // 2
    killed = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        for start in range(0, half, 250):
            yield ndjson(rows[start:start + 250])
        await killed.wait()  # the first half is applied inside the open transaction; the rest comes after
        for start in range(half, ROWS, 250):
            yield ndjson(rows[start:start + 250])

    async def kill() -> None:
        conn = await asyncpg.connect(database_dsn)
        try:
            pid = await writer_backend(conn)
            assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await conn.close()
            killed.set()

    feed = FeedMirror(client, page=500)
    await feed.drain()
    r, _ = await asyncio.gather(
        client.post("/v1/sync/partners", params={"source": "or-wd"}, content=body(), headers=NDJSON), kill())

    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/database-unavailable"
    assert r.headers["retry-after"] == "5"
    # Nothing of the first half survived: no partner, no external id, no change in the feed, no audit entry.
    assert await export(client) == {}
    assert await feed.poll() == 0
    audit = await client.get("/v1/audit", params={"kind": "partner_sync"})
    assert audit.json()["items"] == []

    retry = await client.post("/v1/sync/partners", params={"source": "or-wd"}, content=ndjson(rows), headers=NDJSON)
    assert retry.status_code == 200, retry.text
    assert (retry.json()["created"], retry.json()["updated"], retry.json()["unchanged"]) == (ROWS, 0, 0)
    stored = await export(client)
    assert sorted((p["name"], p["capacity"], p["version"]) for p in stored.values()) == [
        (f"Provider K{i:05d}", i, 1) for i in range(ROWS)]
    await feed.drain()
    assert feed.records == stored


async def test_a_sync_that_waits_too_long_for_another_run_of_its_source_is_a_409_and_changes_nothing(
        clean_db, database_dsn, admin_key):
    impatient = await Database.connect(database_dsn, min_size=1, max_size=2, statement_timeout_ms=300,
                                       **POOL_OPTIONS)
    holder = await asyncpg.connect(database_dsn)
    try:
        transport = httpx.ASGITransport(app=_app(impatient))
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers={"Authorization": f"Bearer {admin_key}"}) as client:
            body = ndjson([provider("K1"), provider("K2")])
            async with holder.transaction():  # another run of or-wd, still applying
                await holder.execute("SELECT pg_advisory_xact_lock(hashtextextended('directory-sync:or-wd', 0))")
                r = await client.post("/v1/sync/partners", params={"source": "or-wd"}, content=body, headers=NDJSON)
                other = await client.post("/v1/sync/partners", params={"source": "or-dhs"}, content=body,
                                          headers=NDJSON)
            assert r.status_code == 409, r.text
            assert r.json()["type"] == "/problems/sync-in-progress"
            assert other.status_code == 200, "another source is not held up"
            assert sorted(p["name"] for p in (await export(client)).values()) == ["Provider K1", "Provider K2"]
            again = await client.post("/v1/sync/partners", params={"source": "or-wd"}, content=body, headers=NDJSON)
            assert (again.status_code, again.json()["created"]) == (200, 2)
    finally:
        await holder.close()
        await impatient.close()


async def test_the_wait_for_a_source_is_bounded_even_when_the_session_has_no_statement_timeout(
        clean_db, database_dsn, admin_key):
    # Behind a transaction pooler the pool's start-up statement_timeout never reaches the server, and a
    # superuser has no role setting: the service's own timeout still bounds the wait, inside the transaction.
    untimed = await Database.connect(database_dsn, min_size=1, max_size=2, statement_timeout_ms=0, **POOL_OPTIONS)
    holder = await asyncpg.connect(database_dsn)
    try:
        transport = httpx.ASGITransport(app=_app(Database(untimed.pool, statement_timeout_ms=300)))
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers={"Authorization": f"Bearer {admin_key}"}) as client:
            body = ndjson([provider("K1")])
            async with holder.transaction():
                await holder.execute("SELECT pg_advisory_xact_lock(hashtextextended('directory-sync:or-wd', 0))")
                r = await asyncio.wait_for(
                    client.post("/v1/sync/partners", params={"source": "or-wd"}, content=body, headers=NDJSON), 30)
            assert r.status_code == 409, r.text
            assert r.json()["type"] == "/problems/sync-in-progress"
            again = await client.post("/v1/sync/partners", params={"source": "or-wd"}, content=body, headers=NDJSON)
            assert (again.status_code, again.json()["created"]) == (200, 1)
    finally:
        await holder.close()
        await untimed.close()


async def test_an_idempotency_key_left_claimed_by_a_crashed_request_is_claimed_again_once_abandoned(
        client, clean_db):
    await add_region(client)
    headers = {"Idempotency-Key": "crashed-create-1", "content-type": "application/json"}
    body = orjson.dumps(partner_body())
    owner = hashlib.sha256(client.headers["authorization"].encode()).hexdigest()
    request_hash = hashlib.sha256(b"\0".join([b"/v1/partners", b"", body])).hexdigest()
    async with clean_db.pool.acquire() as conn:  # as a request killed between its claim and its answer leaves it
        await conn.execute("INSERT INTO idempotency_keys (owner, key, request_hash) VALUES ($1, $2, $3)",
                           owner, headers["Idempotency-Key"], request_hash)
    running = await client.post("/v1/partners", content=body, headers=headers)
    assert (running.status_code, running.json()["title"]) == (409, "Request in progress")

    async with clean_db.pool.acquire() as conn:
        await conn.execute("UPDATE idempotency_keys SET created_at = now() - interval '10 minutes' WHERE key = $1",
                           headers["Idempotency-Key"])
    retried = await client.post("/v1/partners", content=body, headers=headers)
    assert retried.status_code == 201, retried.text
    replayed = await client.post("/v1/partners", content=body, headers=headers)
    assert (replayed.status_code, replayed.headers["idempotent-replayed"]) == (201, "true")
    assert replayed.json() == retried.json()
    assert [p["id"] for p in (await export(client)).values()] == [retried.json()["id"]]
