"""A real ``pathways serve --workers 2`` on loopback: what must hold across processes, crashes and outages.

One server (supervisor and two uvicorn workers, its own embedded PostgreSQL) serves the whole module;
the crash test kills it and starts it again on the same data folder, the outage test stops and starts
its database under it. Requests go out on fresh TCP connections, so the kernel spreads them over both
workers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import psutil
import pytest

from api.domain.access import Scope
from api.repositories.database import Database
from tests.conftest import mint_key
from tests.reliability.helpers import NDJSON, FeedMirror, export, ndjson, provider, writer_backend
from tests.reliability.live import LiveServer

ANONYMOUS_LIMIT = 25
CRASH_ROWS = 2000
EMPLOYER = {"partner_type": "employer", "level": "local", "jurisdiction": {"state": "OR"}}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    running = LiveServer(workers=2, env={"PATHWAYS_ANONYMOUS_RATE_LIMIT_PER_MINUTE": str(ANONYMOUS_LIMIT),
                                         "PATHWAYS_SYNC_BATCH_SIZE": "250"})
    try:
        yield running.start()
    finally:
        running.close()


@pytest.fixture(scope="module")
async def key(server: LiveServer) -> str:
    db = await Database.connect(server.dsn(), min_size=1, max_size=1)
    try:
        return await mint_key(db, Scope.ADMIN, name="reliability admin")
    finally:
        await db.close()


def _client(server: LiveServer, key: str | None = None, **headers: str) -> httpx.AsyncClient:
    """A client that opens a new connection for every request (so requests reach both workers)."""
    auth = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(base_url=server.base_url, headers={**auth, **headers}, timeout=30,
                             limits=httpx.Limits(max_keepalive_connections=0))


@pytest.fixture
async def client(server: LiveServer, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(server, key) as c:
        yield c


def _cpu_seconds(pids: set[int]) -> dict[int, float]:
    """CPU time of each process's threads, in nanoseconds where Linux tells it (``/proc/<pid>/task/*/schedstat``).

    psutil's figure counts clock ticks (10 ms): a worker that answered a few short requests could show no
    change at all, and the check that both workers answered failed now and then.
    """
    return {pid: _schedstat_seconds(pid) for pid in pids}


def _schedstat_seconds(pid: int) -> float:
    tasks = Path(f"/proc/{pid}/task")
    if not tasks.is_dir():  # not Linux
        return sum(psutil.Process(pid).cpu_times()[:2])
    total = 0
    for task in tasks.iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):  # a thread that ended meanwhile
            continue
    return total / 1e9


def test_the_documented_command_serves_one_port_with_two_worker_processes(server):
    assert len(server.worker_pids()) == 2, [p.cmdline() for p in server.api_processes()]


async def test_an_idempotency_key_replays_the_first_response_whichever_worker_answers(server, client):
    body = {"name": "Idempotent Welding Co", **EMPLOYER}
    headers = {"Idempotency-Key": "reliability-create-1"}
    workers = server.worker_pids()
    cpu_before = _cpu_seconds(workers)

    racing = await asyncio.gather(*(client.post("/v1/partners", json=body, headers=headers) for _ in range(12)))
    assert {r.status_code for r in racing} <= {201, 409}, [r.text for r in racing]
    originals = [r for r in racing if r.status_code == 201 and "idempotent-replayed" not in r.headers]
    assert len(originals) == 1, "exactly one request created the partner"
    first = originals[0].json()
    assert all(r.json() == first for r in racing if r.status_code == 201)
    assert all(r.json()["title"] == "Request in progress" for r in racing if r.status_code == 409)

    retries = [await client.post("/v1/partners", json=body, headers=headers) for _ in range(8)]
    assert [(r.status_code, r.headers.get("idempotent-replayed"), r.json()) for r in retries] == [
        (201, "true", first)] * 8
    other = await client.post("/v1/partners", json={**body, "name": "Another Co"}, headers=headers)
    assert other.status_code == 422, other.text
    named = [p for p in (await export(client)).values() if p["name"] in (body["name"], "Another Co")]
    assert [p["id"] for p in named] == [first["id"]]
    cpu_after = _cpu_seconds(workers)
    assert all(cpu_after[pid] > cpu_before[pid] for pid in workers), "both workers answered"


async def test_a_rate_limit_is_counted_once_across_workers(server):
    # Anonymous requests count per client address (X-Forwarded-For from loopback is trusted): a fresh one.
    address = f"198.51.100.{int(time.time()) % 250 + 1}"
    # The limit counts per fixed minute: never straddle a boundary.
    if 60 - time.time() % 60 < 5:
        await asyncio.sleep(60 - time.time() % 60 + 0.2)
    async with _client(server, **{"X-Forwarded-For": address}) as anonymous:
        answers = await asyncio.gather(*(anonymous.get("/v1/reference/partner-types")
                                         for _ in range(ANONYMOUS_LIMIT + 15)))
    allowed = [r for r in answers if r.status_code == 200]
    refused = [r for r in answers if r.status_code == 429]
    assert (len(allowed), len(refused)) == (ANONYMOUS_LIMIT, 15), sorted(r.status_code for r in answers)
    # One shared counter: each allowed request saw a different remaining budget.
    assert sorted(int(r.headers["ratelimit-remaining"]) for r in allowed) == list(range(ANONYMOUS_LIMIT))
    assert all(r.headers["content-type"] == "application/problem+json" and int(r.headers["retry-after"]) >= 1
               for r in refused)


async def test_the_change_feed_stays_complete_while_writers_use_both_workers(server, client):
    mirror = FeedMirror(client, page=9)
    done = asyncio.Event()

    async def syncer(source: str) -> None:
        for n in range(4):
            rows = [provider(f"{source}-{i}", capacity=n) for i in range(n * 5, n * 5 + 15)]
            r = await client.post("/v1/sync/partners", params={"source": source, "mode": "complete",
                                                               "allow_mass_retire": "true"},
                                  content=ndjson(rows), headers=NDJSON)
            assert r.status_code == 200, r.text

    async def editor(tag: str) -> None:
        for n in range(5):
            created = await client.post("/v1/partners", json={"name": f"Feed {tag} {n}", **EMPLOYER})
            assert created.status_code == 201, created.text
            url = f"/v1/partners/{created.json()['id']}"
            assert (await client.patch(url, json={"capacity": n})).status_code == 200
            if n % 2:
                assert (await client.delete(url)).status_code == 204

    async def consumer() -> None:
        while not done.is_set():
            if not await mirror.poll():
                await asyncio.sleep(0.01)

    following = asyncio.create_task(consumer())
    try:
        await asyncio.gather(syncer("feed-a"), syncer("feed-b"), editor("x"), editor("y"))
    finally:
        done.set()
        await following
    await mirror.drain()
    directory = await export(client)
    assert mirror.records.keys() == directory.keys()
    assert mirror.records == directory


async def test_a_server_killed_during_a_sync_restarts_with_the_data_exactly_as_before(server, key):
    async with _client(server, key) as client:
        before = await export(client)
        feed = FeedMirror(client, page=1000)
        await feed.drain()
        audit_before = (await client.get("/v1/audit", params={"limit": 500})).json()["items"]
    rows = [provider(f"CRASH{i:05d}", capacity=i) for i in range(CRASH_ROWS)]
    killed = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        for start in range(0, CRASH_ROWS // 2, 250):
            yield ndjson(rows[start:start + 250])
        await killed.wait()
        yield ndjson(rows[CRASH_ROWS // 2:])

    async def crash() -> None:
        conn = await asyncpg.connect(server.dsn())
        try:
            await writer_backend(conn)  # half the rows are written, uncommitted
        finally:
            await conn.close()
        await asyncio.to_thread(server.kill)
        killed.set()

    async with _client(server, key) as client:
        sent, _ = await asyncio.gather(
            client.post("/v1/sync/partners", params={"source": "crash"}, content=body(), headers=NDJSON),
            crash(), return_exceptions=True)
    assert isinstance(sent, httpx.TransportError), sent

    await asyncio.to_thread(server.start)
    async with _client(server, key) as client:
        assert await export(client) == before
        feed.client = client
        assert await feed.poll() == 0, "no change of the killed sync reached the feed"
        assert (await client.get("/v1/audit", params={"limit": 500})).json()["items"] == audit_before
        retry = await client.post("/v1/sync/partners", params={"source": "crash"}, content=ndjson(rows),
                                  headers=NDJSON)
        assert (retry.status_code, retry.json()["created"]) == (200, CRASH_ROWS), retry.text
        after = await export(client)
        added = {k: v for k, v in after.items() if k not in before}
        assert sorted((p["name"], p["capacity"]) for p in added.values()) == [
            (f"Provider CRASH{i:05d}", i) for i in range(CRASH_ROWS)]
        assert {k: after[k] for k in before} == before


async def test_while_the_database_is_down_requests_fail_fast_with_a_problem_and_service_recovers_unrestarted(
        server, key):
    processes = (server.process.pid if server.process else None, server.worker_pids())
    async with _client(server, key) as client:
        before = await export(client)

    await asyncio.to_thread(server.stop_database)
    try:
        async with _client(server, key) as client:
            for _ in range(6):
                started = time.monotonic()
                ready, health, read, write = await asyncio.gather(
                    client.get("/readyz"), client.get("/healthz"), client.get("/v1/partners"),
                    client.post("/v1/partners", json={"name": "Written during the outage", **EMPLOYER}))
                assert time.monotonic() - started < 5, "failing requests answer at once, they do not hang"
                assert (ready.status_code, ready.json()["status"]) == (503, "unavailable"), ready.text
                assert (health.status_code, health.json()["status"]) == (200, "ok")
                for r in (read, write):
                    assert r.status_code == 503, r.text
                    assert r.headers["content-type"] == "application/problem+json"
                    assert r.json()["type"] == "/problems/database-unavailable"
                    assert r.headers["retry-after"] == "5"
    finally:
        await asyncio.to_thread(server.start_database)

    async with _client(server, key) as client:
        deadline = time.monotonic() + 20
        while (await client.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, f"not ready 20s after the database returned:\n{server.logs()}"
            await asyncio.sleep(0.2)
        # Sequential readiness checks (a burst would measure pool contention, not recovery), then reads in
        # parallel, each on a new connection: both workers answer.
        assert [(await client.get("/readyz")).status_code for _ in range(10)] == [200] * 10
        answers = await asyncio.gather(*(client.get("/v1/partners", params={"limit": 1}) for _ in range(12)))
        assert [r.status_code for r in answers] == [200] * 12, "every worker's pool reconnected"
        created = await client.post("/v1/partners", json={"name": "Written after the outage", **EMPLOYER})
        assert created.status_code == 201, created.text
        after = await export(client)
    assert (server.process.pid if server.process else None, server.worker_pids()) == processes, "no restart"
    assert {k: v for k, v in after.items() if k != created.json()["id"]} == before
    assert after[created.json()["id"]]["name"] == "Written after the outage"
