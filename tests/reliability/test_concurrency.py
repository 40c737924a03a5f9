"""Concurrent writers: optimistic locking loses no update, overlapping syncs serialize, the feed stays complete.

These run in-process (many requests interleaving on one event loop, each on its own pooled connection),
so they hold on the embedded database and on an external one alike; tests/reliability/test_workers.py
repeats what must also hold across processes against a real multi-worker server.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app, install_database
from api.repositories.database import Database
from api.settings import Settings
from tests.conftest import add_region, partner_body
from tests.reliability.helpers import NDJSON, FeedMirror, export, export_with_cursor, ndjson, provider

WRITERS = 50
ATTEMPTS = 3  # per writer: enough rounds to see versions won in turn, few enough to stay quick


@pytest.fixture
def busy_app(clean_db: Database) -> FastAPI:
    """The app with no practical rate limit and small sync batches (so a sync takes many round trips)."""
    app = create_app(Settings(environment="test", rate_limit_per_minute=1_000_000, sync_batch_size=10),
                     manage_database=False)
    install_database(app, clean_db)
    return app


@pytest.fixture
async def busy(busy_app: FastAPI, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=busy_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                 headers={"Authorization": f"Bearer {admin_key}"}) as client:
        await add_region(client, "or-test")
        yield client


async def test_50_concurrent_if_match_patches_have_one_winner_per_version_and_lose_no_update(busy):
    created = await busy.post("/v1/partners", json=partner_body(description="", capacity=0))
    assert created.status_code == 201, created.text
    url = f"/v1/partners/{created.json()['id']}"
    winner_of: dict[int, int] = {}  # the version an If-Match named -> the writer whose PATCH it let through
    refused: list[int] = []

    async def writer(i: int) -> None:
        for _ in range(ATTEMPTS):  # read, change, write; on 412 read again, as a client should
            current = await busy.get(url)
            version, description = current.json()["version"], current.json()["description"]
            r = await busy.patch(url, json={"description": f"{description} w{i:02d}".strip()},
                                 headers={"If-Match": current.headers["etag"]})
            if r.status_code == 412:
                assert r.headers["content-type"] == "application/problem+json"
                refused.append(i)
                continue
            assert r.status_code == 200, r.text
            assert r.json()["version"] == version + 1
            assert version not in winner_of, f"two PATCHes with If-Match v{version} both succeeded"
            winner_of[version] = i
            return

    await asyncio.gather(*(writer(i) for i in range(WRITERS)))

    wins = len(winner_of)
    assert wins >= ATTEMPTS, "every round of reads let at least one PATCH through"
    assert wins + len(refused) <= WRITERS * ATTEMPTS and len(refused) >= WRITERS - 1
    final = (await busy.get(url)).json()
    assert final["version"] == 1 + wins
    assert sorted(winner_of) == list(range(1, 1 + wins)), "every version was won exactly once"
    # Every acknowledged update is there exactly once, in the order of the versions it won; no refused one is.
    assert final["description"].split() == [f"w{winner_of[v]:02d}" for v in sorted(winner_of)]
    audit = (await busy.get("/v1/audit", params={"record_id": created.json()["id"], "action": "update",
                                                  "limit": 500})).json()["items"]
    assert len(audit) == wins


async def test_concurrent_overlapping_syncs_end_in_the_state_of_some_serial_order(busy):
    # Four syncs of one source over overlapping ranges of ids, each writing its own mark into the records.
    ranges = {k: range(k * 15, k * 15 + 40) for k in range(4)}
    bodies = {k: ndjson([provider(f"E{i:03d}", capacity=k, description=f"sync {k}") for i in ids])
              for k, ids in ranges.items()}

    async def run(k: int) -> httpx.Response:
        await asyncio.sleep(random.random() / 100)
        return await busy.post("/v1/sync/partners", params={"source": "or-wd"}, content=bodies[k], headers=NDJSON)

    answers = await asyncio.gather(*(run(k) for k in ranges))
    assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
    for k, r in enumerate(answers):
        report = r.json()
        assert report["created"] + report["updated"] + report["unchanged"] == len(ranges[k])

    stored = {rec["name"].removeprefix("Provider "): rec for rec in (await export(busy)).values()}
    ids = sorted({f"E{i:03d}" for ids in ranges.values() for i in ids})
    assert sorted(stored) == ids, "each external id is one partner, however the syncs raced"
    assert sum(r.json()["created"] for r in answers) == len(ids)
    observed = {ext: rec["capacity"] for ext, rec in stored.items()}
    assert all(stored[ext]["description"] == f"sync {k}" for ext, k in observed.items())

    def serial(order: tuple[int, ...]) -> dict[str, int]:
        state: dict[str, int] = {}
        for k in order:
            state.update({f"E{i:03d}": k for i in ranges[k]})
        return state

    orders = [order for order in itertools.permutations(ranges) if serial(order) == observed]
    assert orders, f"no serial order of the syncs gives {observed}"
    # Versions agree with that history: one per sync that changed the record after creating it.
    order = orders[0]
    for ext, rec in stored.items():
        writes = [k for k in order if int(ext[1:]) in ranges[k]]
        assert rec["version"] == len(writes), (ext, rec["version"], writes)


async def test_a_consumer_following_the_feed_while_writers_run_ends_with_the_exported_directory(busy):
    done = asyncio.Event()
    mirror = FeedMirror(busy, page=7)

    async def syncer(source: str, rounds: int) -> None:
        for n in range(rounds):
            rows = [provider(f"{source}-{i}", capacity=n) for i in range(n, n + 12)]
            mode = "complete" if n % 3 == 2 else "upsert"  # complete sets retire what they leave out
            r = await busy.post("/v1/sync/partners", params={"source": source, "mode": mode,
                                                             "allow_mass_retire": "true"},
                                content=ndjson(rows), headers=NDJSON)
            assert r.status_code == 200, r.text

    async def editor(rounds: int) -> None:
        for n in range(rounds):
            created = await busy.post("/v1/partners", json=partner_body(name=f"Editor {n}"))
            assert created.status_code == 201, created.text
            url = f"/v1/partners/{created.json()['id']}"
            patched = await busy.patch(url, json={"capacity": n})
            assert patched.status_code == 200, patched.text
            if n % 2:
                assert (await busy.delete(url)).status_code == 204

    async def consumer() -> None:
        while not done.is_set():
            if not await mirror.poll():
                await asyncio.sleep(0.005)

    following = asyncio.create_task(consumer())
    try:
        await asyncio.gather(syncer("or-wd", 6), syncer("or-dhs", 6), editor(8), editor(8))
    finally:
        done.set()
        await following
    assert mirror.applied > 0, "the consumer saw changes while the writers ran"
    await mirror.drain()
    directory: dict[str, Any] = await export(busy)
    assert mirror.records.keys() == directory.keys()
    assert mirror.records == directory


async def test_two_consumers_one_from_the_feeds_start_one_from_a_mid_sync_export_end_equal_to_the_final_export(
        busy):
    """Consumer A follows the feed from its start; consumer B takes an export (and its cursor) while syncs run,
    then follows the feed from that cursor. Both end equal to the final export, field by field, retired
    records included."""
    a = FeedMirror(busy, page=11)
    exported = asyncio.Event()
    b: FeedMirror | None = None

    async def syncer(source: str, rounds: int) -> None:
        for n in range(rounds):
            rows = [provider(f"{source}-{i}", capacity=n, description=f"round {n}") for i in range(n * 3, n * 3 + 15)]
            if n % 4 == 3:
                rows[0]["status"] = "retired"  # a record the source itself retires
            mode = "complete" if n % 2 else "upsert"
            r = await busy.post("/v1/sync/partners", params={"source": source, "mode": mode,
                                                             "allow_mass_retire": "true"},
                                content=ndjson(rows), headers=NDJSON)
            assert r.status_code == 200, r.text
            if n == rounds // 2 and source == "or-wd":
                exported.set()

    async def editor(rounds: int) -> None:
        for n in range(rounds):
            created = await busy.post("/v1/partners", json=partner_body(name=f"Mirror {n}"))
            assert created.status_code == 201, created.text
            url = f"/v1/partners/{created.json()['id']}"
            assert (await busy.patch(url, json={"status": "retired" if n % 3 == 0 else "inactive"})).status_code == 200
            if n % 2:
                assert (await busy.delete(url)).status_code == 204

    async def late_consumer() -> None:
        nonlocal b
        await exported.wait()  # syncs are still running: the export is taken in the middle of them
        records, cursor = await export_with_cursor(busy)
        b = FeedMirror(busy, page=5, records=records, cursor=cursor)
        while not done.is_set():
            if not await b.poll():
                await asyncio.sleep(0.005)

    done = asyncio.Event()
    joining = asyncio.create_task(late_consumer())
    try:
        await asyncio.gather(syncer("or-wd", 8), syncer("or-dhs", 8), editor(8), a.drain())
    finally:
        done.set()
        await joining
    assert b is not None
    await a.drain()
    await b.drain()
    final = await export(busy)
    assert any(r["status"] == "retired" for r in final.values()), "the scenario retires records"
    assert a.records.keys() == b.records.keys() == final.keys()
    assert a.records == final
    assert b.records == final


async def _blocked_on_a_lock(conn: Any) -> None:
    """Wait until another backend of this database waits on a lock (the sync, on the uncommitted key)."""
    for _ in range(1500):
        if await conn.fetchval("""SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                                  AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"""):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the sync never waited on the uncommitted external id")


async def test_a_single_write_that_takes_an_external_id_mid_sync_fails_the_sync_cleanly(busy, clean_db):
    # A POST holding (or-wd, E900) uncommitted while a sync of or-wd inserts E900: the sync waits on the unique
    # index, then loses when the POST commits. It must answer 409 and apply nothing, and a retry must succeed.
    body = ndjson([provider("E899"), provider("E900", description="from the sync")])
    async with clean_db.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO partners (id, name, partner_type, level, state) "
            "VALUES ('00000000-0000-4000-8000-000000000900', 'Walk-in', 'employer', 'local', 'OR')")
        await conn.execute("INSERT INTO partner_external_ids (source, external_id, partner_id) "
                           "VALUES ('or-wd', 'E900', '00000000-0000-4000-8000-000000000900')")
        sync = asyncio.create_task(
            busy.post("/v1/sync/partners", params={"source": "or-wd"}, content=body, headers=NDJSON))
        await _blocked_on_a_lock(conn)  # not a fixed sleep: on a busy machine the request may start late
        assert not sync.done(), "the sync should be waiting on the uncommitted external id"
    r = await sync
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "send it again" in r.json()["detail"]
    assert sorted(rec["name"] for rec in (await export(busy)).values()) == ["Walk-in"], "nothing of the run applied"

    again = await busy.post("/v1/sync/partners", params={"source": "or-wd"}, content=body, headers=NDJSON)
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["updated"]) == (1, 1)
