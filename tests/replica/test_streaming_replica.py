"""Reads on a real hot standby: what is read where, reading one's own writes, the feed while the standby lags,
and the standby stopped in the middle of a run.

The module starts a primary and a standby streaming from it (``tests/replica/cluster.py``); the application
runs in process with a pool on each (as ``PATHWAYS_READ_DATABASE_URL`` sets it up), and one test starts it
from its settings as ``pathways serve`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from api.domain.access import Scope
from api.main import create_app, install_database
from api.repositories import bootstrap
from api.repositories.database import Database, QueryCounter, Replica, with_user
from api.settings import Settings
from tests.conftest import add_region, mint_key, partner_body
from tests.reliability.helpers import NDJSON, ndjson, provider
from tests.replica.cluster import StreamingPair

WINDOW_S = 30.0  # PATHWAYS_READ_YOUR_WRITES_SECONDS in these tests (a loaded machine is slow)
SHORT_WINDOW_S = 0.5  # ... in the one that waits for the window to pass
RETRY_S = 0.3  # how long a process leaves a failed replica alone
GRAPHQL = {"query": "{ partners(first: 5) { edges { node { id name } } } }"}


@pytest.fixture(scope="module")
async def pair() -> AsyncIterator[StreamingPair]:
    cluster = StreamingPair()
    try:
        yield await cluster.start()
    finally:
        cluster.close()


@pytest.fixture(scope="module")
async def dsns(pair: StreamingPair) -> tuple[str, str, str]:
    """The primary as a superuser, the primary as the service role, the standby as the service role."""
    conn = await asyncpg.connect(pair.primary.dsn())
    try:
        await conn.execute('CREATE DATABASE "pathways"')
    finally:
        await conn.close()
    service = await bootstrap.prepare(pair.primary.dsn("pathways"))
    await pair.caught_up()
    return pair.primary.dsn("pathways"), service, with_user(pair.standby.dsn("pathways"), "pathways_service")


@pytest.fixture(scope="module")
async def primary_db(dsns: tuple[str, str, str]) -> AsyncIterator[Database]:
    db = await Database.connect(dsns[1], min_size=1, max_size=6)
    yield db
    await db.close()


@pytest.fixture(scope="module")
async def replica(dsns: tuple[str, str, str]) -> AsyncIterator[Replica]:
    # One connection: the one that served a read is the one asked whether it is in recovery.
    db = await Database.connect(dsns[2], min_size=0, max_size=1, connect_timeout=2)
    yield Replica(db, retry_after_s=RETRY_S)
    await db.close(grace_seconds=1)


def _settings(window: float = WINDOW_S) -> Settings:
    return Settings(environment="test", read_your_writes_seconds=window, rate_limit_per_minute=1_000_000,
                    anonymous_rate_limit_per_minute=1_000_000)


def _app(primary_db: Database, replica: Replica, window: float = WINDOW_S) -> FastAPI:
    app = create_app(_settings(window), manage_database=False)
    install_database(app, primary_db, replica)
    return app


@pytest.fixture
async def app(pair: StreamingPair, dsns: tuple[str, str, str], primary_db: Database, replica: Replica) -> FastAPI:
    if not pair.standby.running:
        pair.standby.start()
        await pair.standby.wait_ready()
    await pair.resume_replay()
    admin = await Database.connect(dsns[0], min_size=1, max_size=1)
    try:
        async with admin.pool.acquire() as conn:
            await bootstrap.reset_data(conn)
    finally:
        await admin.close()
    await pair.caught_up()
    replica.failure, replica._down_until = None, 0.0
    return _app(primary_db, replica)


def _client(app: FastAPI, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers,
                             timeout=30)


@pytest.fixture
async def writer(app: FastAPI, primary_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    key = await mint_key(primary_db, Scope.ADMIN, name="replica writer")
    async with _client(app, key) as c:
        await add_region(c)
        yield c


def _from(r: httpx.Response) -> str | None:
    return r.headers.get("x-read-from")


async def test_reads_are_served_by_the_standby_and_writes_by_the_primary(pair, app, writer, primary_db, replica):
    seen = {"primary": QueryCounter(), "replica": QueryCounter()}
    primary_db.query_observer, replica.db.query_observer = seen["primary"], seen["replica"]
    try:
        created = await writer.post("/v1/partners", json=partner_body(name="Standby Community College"))
        assert created.status_code == 201, created.text
        assert _from(created) == "primary"
        synced = await writer.post("/v1/sync/partners?source=or-wd", content=ndjson([provider("a1"), provider("a2")]),
                                   headers=NDJSON)
        assert synced.status_code == 200, synced.text
        assert _from(synced) == "primary"
        await pair.caught_up()
        async with _client(app) as anonymous:
            reads = {
                "directory": await anonymous.get("/v1/partners", params={"partner_type": "educational_institution"}),
                "record": await anonymous.get(f"/v1/partners/{created.json()['id']}"),
                "hsds": await anonymous.get("/hsds/organizations"),
                "feed": await anonymous.get("/v1/changes"),
                "export": await anonymous.get("/v1/export/partners"),
                "graphql": await anonymous.post("/graphql", json=GRAPHQL),
            }
    finally:
        primary_db.query_observer = replica.db.query_observer = None
    assert {name: (r.status_code, _from(r)) for name, r in reads.items()} == {
        name: (200, "replica") for name in reads}, {name: r.text[:300] for name, r in reads.items()}
    assert [p["name"] for p in reads["directory"].json()["items"]] == ["Standby Community College"]
    assert len(reads["feed"].json()["changes"]) == 3
    assert len(reads["export"].text.splitlines()) == 3
    writes = ("INSERT", "UPDATE", "DELETE", "COPY", "WITH")
    assert any("INSERT INTO partners" in q for q in seen["primary"].queries)
    assert not [q for q in seen["replica"].queries if q.lstrip().upper().startswith(writes) and "INSERT" in q.upper()]
    assert any("FROM partners" in q for q in seen["replica"].queries)
    async with replica.db.pool.acquire() as conn:  # the pool's one connection: the one that served every read
        assert await conn.fetchval("SELECT pg_is_in_recovery()") is True
    async with primary_db.pool.acquire() as conn:
        assert await conn.fetchval("SELECT pg_is_in_recovery()") is False


async def test_a_key_reads_its_own_writes_at_once_while_the_standby_lags(pair, app, writer, primary_db, replica):
    other_process = _app(primary_db, replica)  # a second worker: what it knows of the key comes from the database
    await pair.pause_replay()
    try:
        async with _client(app) as anonymous, _client(other_process, writer.headers["authorization"][7:]) as twin:
            for i in range(12):
                created = await writer.post("/v1/partners", json=partner_body(name=f"Lagging Partner {i}"))
                assert created.status_code == 201, created.text
                pid = created.json()["id"]
                mine = await writer.get(f"/v1/partners/{pid}")
                assert (mine.status_code, _from(mine), mine.json()["name"]) == (200, "primary", f"Lagging Partner {i}")
                patched = await writer.patch(f"/v1/partners/{pid}", json={"description": f"version {i}"})
                assert patched.status_code == 200, patched.text
                elsewhere = await twin.get(f"/v1/partners/{pid}")
                assert (elsewhere.status_code, _from(elsewhere), elsewhere.json()["description"]) == (
                    200, "primary", f"version {i}")
            synced = await writer.post("/v1/sync/partners?source=lag", headers=NDJSON,
                                       content=ndjson([provider(f"l{i}") for i in range(30)]))
            assert synced.json()["created"] == 30, synced.text
            exported = await writer.get("/v1/export/partners")
            assert (_from(exported), len(exported.text.splitlines())) == ("primary", 42)
            feed = await writer.get("/v1/changes", params={"limit": "1000"})
            assert (_from(feed), len(feed.json()["changes"])) == ("primary", 42 + 12)
            queried = await writer.post("/graphql", json=GRAPHQL)
            assert (_from(queried), len(queried.json()["data"]["partners"]["edges"])) == ("primary", 5)
            # The standby really is behind: a client that did not write reads there and does not see them yet.
            stale = await anonymous.get(f"/v1/partners/{pid}")
            assert (stale.status_code, _from(stale)) == (404, "replica")
    finally:
        await pair.resume_replay()
    await pair.caught_up()
    async with _client(_app(primary_db, replica, SHORT_WINDOW_S), writer.headers["authorization"][7:]) as brief:
        await asyncio.sleep(SHORT_WINDOW_S)  # past a short window, the same key reads from the replica again
        later = await brief.get(f"/v1/partners/{pid}")
    assert (later.status_code, _from(later), later.json()["description"]) == (200, "replica", "version 11")


async def test_a_feed_consumer_on_the_lagging_standby_never_skips_or_reorders_a_change(pair, app, writer, dsns):
    applied: list[tuple[str, str]] = []
    mirror: dict[str, dict[str, Any]] = {}
    cursor: str | None = None

    async def poll(reader: httpx.AsyncClient) -> int:
        nonlocal cursor
        r = await reader.get("/v1/changes", params={"limit": "7", "kind": "partner", **({"since": cursor} if cursor
                                                                                          else {})})
        assert (r.status_code, _from(r)) == (200, "replica"), r.text
        page = r.json()
        for change in page["changes"]:
            applied.append((change["id"], change["op"]))
            if change["op"] == "delete" or change["partner"] is None:
                mirror.pop(change["id"], None)
            else:
                mirror[change["id"]] = change["partner"]
        cursor = page["next"] or cursor
        return len(page["changes"])

    async def sync(source: str, rows: list[dict[str, object]], mode: str = "upsert") -> None:
        r = await writer.post(f"/v1/sync/partners?source={source}&mode={mode}&allow_mass_retire=true",
                              content=ndjson(rows), headers=NDJSON)
        assert r.status_code == 200, r.text

    async with _client(app) as reader:
        for rnd in range(4):
            lagging = rnd % 2 == 0
            if lagging:
                await pair.pause_replay()
            try:
                for part in range(3):  # two sources written concurrently, the consumer reading in between
                    rows = {s: [provider(f"{s}{i}", name=f"Provider {s}{i} round {rnd}.{part}") for i in range(12)]
                            for s in ("x", "y")}
                    if rnd == 3 and part == 2:  # a complete set: the rest of x retires
                        rows["x"] = rows["x"][:5]
                    await asyncio.gather(sync("src-x", rows["x"], "complete" if rnd == 3 else "upsert"),
                                         sync("src-y", rows["y"]), poll(reader))
            finally:
                if lagging:
                    await pair.resume_replay()
        await pair.caught_up()
        while await poll(reader):
            pass

    conn = await asyncpg.connect(dsns[0])
    try:
        order = [(str(r["record_id"]), r["op"]) for r in await conn.fetch(
            "SELECT record_id, op FROM changes WHERE kind = 'partner' ORDER BY txid, seq")]
        truth = {str(r["id"]): (r["name"], r["status"])
                 for r in await conn.fetch("SELECT id, name, status FROM partners")}
    finally:
        await conn.close()
    assert applied == order  # every change, once, in commit order
    assert {pid: (p["name"], p["status"]) for pid, p in mirror.items()} == truth
    assert sum(status == "retired" for _, status in truth.values()) == 7


async def test_reads_fall_back_to_the_primary_when_the_standby_stops_mid_run(pair, app, writer, replica):
    answers: list[tuple[str, str, int, str | None]] = []  # (phase begun in, phase ended in, status, read from)
    phase = "before"
    done, answer = asyncio.Event(), asyncio.Event()

    async def read_forever(path: str, body: dict[str, object] | None = None) -> None:
        async with _client(app) as reader:
            while not done.is_set():
                started = phase  # a read begun before the stop may finish after it, from the replica
                r = await (reader.post(path, json=body) if body else reader.get(path))
                answers.append((started, phase, r.status_code, _from(r)))
                answer.set()
                assert r.status_code < 500, r.text
                assert body is None or "errors" not in r.json(), r.text  # GraphQL answers errors with a 200

    async def write_forever() -> None:
        i = 0
        while not done.is_set():
            r = await writer.post("/v1/partners", json=partner_body(name=f"Written during the outage {i}"))
            assert r.status_code == 201, r.text
            mine = await writer.get(f"/v1/partners/{r.json()['id']}")
            assert (mine.status_code, _from(mine)) == (200, "primary")
            i += 1
            await asyncio.sleep(0.05)

    async def answered(count: int = 12) -> None:  # every phase runs until the readers have answered a few times
        async with asyncio.timeout(30):
            while sum(began == ended == phase for began, ended, _, _ in answers) < count:
                answer.clear()
                await answer.wait()

    tasks = [asyncio.create_task(t) for t in (
        read_forever("/v1/partners?limit=20"), read_forever("/hsds/services?per_page=20"),
        read_forever("/v1/changes?limit=50"), read_forever("/graphql", GRAPHQL), write_forever())]
    try:
        await answered()
        phase = "stopping"
        await asyncio.to_thread(pair.standby.stop)
        phase = "stopped"
        await answered()
        async with _client(app) as probe:
            ready = await probe.get("/readyz")
        assert ready.status_code == 200 and "replica unreachable" in ready.json()["reads"], ready.text
        phase = "restarting"
        pair.standby.start()
        await pair.standby.wait_ready()
        await asyncio.sleep(RETRY_S + 0.5)
        phase = "after"
        await answered()
    finally:
        done.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert all(status < 500 for _, _, status, _ in answers)
    by_phase = {p: {source for began, ended, _, source in answers if began == p and (p == "before" or ended == p)}
                for p in ("before", "stopped", "after")}
    # Reads begun and ended while the standby was down are answered by the primary, those begun after the restart
    # by the replica again; a read in flight when the standby stopped may have fallen back to the primary, and one
    # begun while it was down may reach it once it is back (under load a read can outlast the restart).
    assert "replica" in by_phase["before"] and by_phase["before"] <= {"replica", "primary"}, by_phase
    assert (by_phase["stopped"], by_phase["after"]) == ({"primary"}, {"replica"}), by_phase
    async with _client(app) as probe:
        ready = await probe.get("/readyz")
    assert ready.json()["reads"].startswith("reads on the replica"), ready.text


async def test_the_service_started_from_its_settings_serves_the_replica_as_the_service_role(pair, dsns, app):
    settings = _settings().model_copy(update={"database_url": dsns[0], "read_database_url": pair.standby.dsn(
        "pathways")})
    service = create_app(settings)
    async with service.router.lifespan_context(service), _client(service) as c:
        ready = await c.get("/readyz")
        assert ready.status_code == 200 and ready.json()["reads"].startswith("reads on the replica"), ready.text
        r = await c.get("/v1/partners")
        assert (r.status_code, _from(r)) == (200, "replica")
        async with service.state.replica.db.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT current_user AS who, pg_is_in_recovery() AS standby")
        assert (row["who"], row["standby"]) == ("pathways_service", True)
    assert ready.json()["status"] == "ok"
