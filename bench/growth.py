"""How costs grow with the directory: the same reads, export, re-sent sync and gap analysis at 20,000, 200,000
and 1,000,000 partners (about five services each), every figure with its ratio to the first size's.

    make bench-growth                                   # 20,000, 200,000 and 1,000,000 partners
    .venv/bin/python -m bench.growth --sizes 20000,200000 --requests 30
    .venv/bin/python -m bench.growth --dsn postgresql://postgres@127.0.0.1:5432/growth_bench   # an empty database

The directory grows in place: the partners of the first size are generated (COPY, as ``bench/datasets.py`` does),
measured, then topped up to the next size, and so on. Reads are sequential (one client, ``--requests`` after three
warm-ups, p50 and p99); the filtered page is also loaded from 32 connections against one and against two uvicorn
workers. Everything started here is stopped here; the embedded PostgreSQL's folder is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from api.usecases.publishing import EXACT_TOTAL_UP_TO
from bench import datasets
from bench.harness import ROOT, Server, TempPostgres, bench_env, free_port, stopped_by_signals, uvicorn_command
from bench.loadgen import run_load
from bench.run import LOAD_GENERATOR, _pct, _prepare, _with_conn, cpu_reference
from bench.sync_bench import dataset as sync_dataset

SERVICES_PER_PARTNER = 5
CHUNK = 10_000
SYNC_ROWS = 50_000
SYSTEM_SIZES = (50, 500, 2_000)
WALK_PAGES = 150  # the deepest page every size has (20,000 partners hold 200 pages of 100)
READS = {
    "filtered page": f"/v1/partners?limit=100&partner_type={datasets.READ_FILTER_TYPE}",
    "full-text search": "/v1/partners?limit=100&q=Harbor",
    "radius search": "/v1/partners?limit=50&near=44.9,-121.0&radius_km=25",
    "HSDS services page 1": "/hsds/services?per_page=50",
    "HSDS services page 100": "/hsds/services?per_page=50&page=100",
}
WALK_PATH = "/v1/partners?limit=100"


# --- the data ---------------------------------------------------------------------------------------------

async def partner_count(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM partners"))


async def grow_directory(conn: asyncpg.Connection, vocab: datasets.Vocabulary, *, start: int, stop: int) -> None:
    """Partners ``start`` to ``stop`` (numbered, each with an external id and five services), in chunks.

    Each chunk is seeded by its first partner's number, so the same sizes give the same rows.
    """
    for first in range(start, stop, CHUNK):
        last = min(stop, first + CHUNK)
        rng = random.Random(f"growth-{first}")
        prows = [datasets._partner_row(rng, vocab, n) for n in range(first, last)]
        srows = [datasets._service_row(rng, vocab, prows[i % len(prows)], first * SERVICES_PER_PARTNER + i, [])
                 for i in range(len(prows) * SERVICES_PER_PARTNER)]
        async with conn.transaction():
            await datasets._copy(conn, "partners", datasets.PARTNER_COLUMNS, prows)
            await datasets._copy(conn, "partner_external_ids", ("source", "external_id", "partner_id"),
                                 [(datasets.SOURCE, f"D{first + i:07d}", p[0]) for i, p in enumerate(prows)])
            await datasets._copy(conn, "services", datasets.SERVICE_COLUMNS, srows)
    # What autovacuum would have done by the time a directory this size is read: statistics and the
    # visibility map (index-only scans need it).
    for table in ("partners", "services", "partner_external_ids", "service_external_ids", "changes"):
        await conn.execute(f"VACUUM (ANALYZE) {table}")


async def load_systems(conn: asyncpg.Connection) -> dict[int, uuid.UUID]:
    """Three state systems of 50, 500 and 2,000 members: the largest loaded as ``bench/datasets.py`` does, the
    others from its first members (same services, same observations)."""
    largest = max(SYSTEM_SIZES)
    system_id = await datasets.load_state_system(conn, members=largest, services=largest * SERVICES_PER_PARTNER,
                                                 regions=50, occupations=300)
    out = {largest: system_id}
    members = await conn.fetch("SELECT partner_id, representative, team FROM system_members WHERE system_id = $1 "
                               "ORDER BY representative, partner_id", system_id)
    for size in SYSTEM_SIZES:
        if size == largest:
            continue
        sid = uuid.UUID(int=random.Random(size).getrandbits(128), version=4)
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO systems (id, name, level, state, regions, target_populations) "
                "SELECT $1, $2, level, state, regions, target_populations FROM systems WHERE id = $3",
                sid, f"Bench state system of {size}", system_id)
            await conn.copy_records_to_table(
                "system_members", columns=["system_id", "partner_id", "representative", "team", "joined_on"],
                records=[(sid, m["partner_id"], m["representative"], m["team"], date(2026, 1, 1))
                         for m in members[:size]])
        out[size] = sid
    await conn.execute("ANALYZE")
    return out


# --- the measurements ---------------------------------------------------------------------------------------

def sequential(client: httpx.Client, path: str, requests: int) -> dict[str, float]:
    """p50 and p99 (ms) of ``requests`` sequential GETs after three warm-ups."""
    timings = []
    for i in range(requests + 3):
        started = time.perf_counter()
        r = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if r.status_code != 200:
            raise RuntimeError(f"{path} answered {r.status_code}: {r.text[:500]}")
        if i >= 3:
            timings.append(elapsed)
    return {"p50": _pct(timings, 0.5), "p99": _pct(timings, 0.99)}


def keyset_walk(client: httpx.Client, requests: int) -> dict[str, dict[str, float]]:
    """Walk ``WALK_PAGES`` pages by cursor; then time the first page and the last one."""
    cursor = None
    for _ in range(WALK_PAGES - 1):
        r = client.get(WALK_PATH, params={"cursor": cursor} if cursor else None)
        r.raise_for_status()
        cursor = r.json()["next_cursor"]
        assert cursor, "the directory is smaller than the walk"
    last = f"{WALK_PATH}&cursor={cursor}"
    return {"keyset walk, first page": sequential(client, WALK_PATH, requests),
            f"keyset walk, page {WALK_PAGES}": sequential(client, last, requests)}


def export_rate(client: httpx.Client) -> tuple[float, int]:
    """Rows per second of a whole partner export, and how many rows it had."""
    rows = 0
    started = time.perf_counter()
    with client.stream("GET", "/v1/export/partners", timeout=3600) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if line:
                rows += 1
    return rows / (time.perf_counter() - started), rows


def resend_rate(client: httpx.Client, body: bytes) -> float:
    """Records per second of the same 50,000-partner file sent again (nothing changed)."""
    started = time.perf_counter()
    r = client.post("/v1/sync/partners", params={"source": "bench-growth-sync"}, content=body,
                    headers={"Content-Type": "application/x-ndjson"}, timeout=3600)
    elapsed = time.perf_counter() - started
    r.raise_for_status()
    assert r.json()["rejected"] == 0, r.json()
    return SYNC_ROWS / elapsed


def throughput(server: Server, key: str, seconds: float) -> dict[str, float]:
    """req/s, p50 and p99 of the filtered page from 32 connections."""
    headers = {"Authorization": f"Bearer {key}"}
    run_load(server.base + READS["filtered page"], connections=32, seconds=2, headers=headers, tool=LOAD_GENERATOR)
    result = run_load(server.base + READS["filtered page"], connections=32, seconds=seconds, headers=headers,
                      tool=LOAD_GENERATOR)
    if result.errors:
        raise RuntimeError(f"{result.errors} failed requests:\n{result.output}")
    return {"req/s": result.requests_per_s, "p50": result.p50_ms, "p99": result.p99_ms}


@contextlib.contextmanager
def service(dsn: str, workers: int) -> Iterator[Server]:
    port = free_port()
    command = uvicorn_command("api.main:app_factory", port, factory=True)
    command[command.index("--workers") + 1] = str(workers)
    with Server(command, port=port, env=bench_env(DATABASE_URL=dsn), timeout=120) as server:
        yield server


def measure(dsn: str, key: str, systems: dict[int, uuid.UUID], sync_body: bytes, *, requests: int,
            load_seconds: float, sync_sent: bool) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with service(dsn, 1) as server, httpx.Client(base_url=server.base, timeout=600,
                                                 headers={"Authorization": f"Bearer {key}"}) as client:
        for name, path in READS.items():
            out[name] = sequential(client, path, requests)
            print(f"    {name}: p50 {out[name]['p50']:.1f} ms, p99 {out[name]['p99']:.1f} ms", flush=True)
        out |= keyset_walk(client, requests)
        for size, sid in sorted(systems.items()):
            out[f"gap analysis, {size:,} members"] = sequential(client, f"/v1/systems/{sid}/gaps",
                                                                max(5, requests // 3))
        rate, rows = export_rate(client)
        out["export"] = {"rows/s": rate, "rows": rows}
        print(f"    export: {rate:,.0f} rows/s ({rows:,} rows)", flush=True)
        if not sync_sent:  # the first sending, not measured: what follows re-sends the same file
            resend_rate(client, sync_body)
        out["re-sent sync of 50,000"] = {"records/s": resend_rate(client, sync_body)}
        out["workers 1"] = throughput(server, key, load_seconds)
    with service(dsn, 2) as server:
        out["workers 2"] = throughput(server, key, load_seconds)
    out["workers 2 / workers 1"] = {"x": out["workers 2"]["req/s"] / out["workers 1"]["req/s"]}
    return out


# --- the plans ---------------------------------------------------------------------------------------------

class _Explaining:
    """A connection that runs every read it is given under EXPLAIN (ANALYZE, BUFFERS) too, and keeps the plans."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.plans: list[str] = []

    async def _explain(self, sql: str, params: tuple[Any, ...]) -> None:
        if not sql.lstrip().upper().startswith("EXPLAIN"):
            rows = await self.conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
            self.plans.append("\n".join(r[0] for r in rows))

    async def fetch(self, sql: str, *params: Any) -> list[asyncpg.Record]:
        await self._explain(sql, params)
        return list(await self.conn.fetch(sql, *params))

    async def fetchval(self, sql: str, *params: Any) -> Any:
        await self._explain(sql, params)
        return await self.conn.fetchval(sql, *params)


async def explain(conn: asyncpg.Connection) -> dict[str, list[str]]:
    """The plans of the reads this benchmark times, as the service's repository sends them."""
    from api.domain.ports import PartnerFilter, ServiceFilter
    from api.repositories.partners import PgPartnerRepository

    reads: dict[str, Callable[[PgPartnerRepository], Awaitable[object]]] = {
        "filtered page": lambda r: r.list_partners(PartnerFilter(partner_type=datasets.READ_FILTER_TYPE),
                                                   limit=100, after=None),
        "full-text search": lambda r: r.list_partners(PartnerFilter(q="Harbor"), limit=100, after=None),
        "radius search": lambda r: r.list_partners(PartnerFilter(near=(44.9, -121.0), radius_km=25), limit=50,
                                                   after=None),
        "HSDS services page 1": lambda r: r.list_services(ServiceFilter(retired=True), limit=50, with_total=True,
                                                          exact_total_up_to=EXACT_TOTAL_UP_TO),
        "HSDS services page 100": lambda r: r.list_services(ServiceFilter(retired=True), limit=50, offset=4950,
                                                            with_total=True, exact_total_up_to=EXACT_TOTAL_UP_TO),
    }
    out = {}
    for name, read in reads.items():
        await read(PgPartnerRepository(conn))  # warm, as the timed requests were
        explaining = _Explaining(conn)
        await read(PgPartnerRepository(explaining))  # type: ignore[arg-type]
        out[name] = explaining.plans
    return out


# --- the table ----------------------------------------------------------------------------------------------

def _fmt(figure: dict[str, float]) -> str:
    if "rows/s" in figure:
        return f"{figure['rows/s']:,.0f} rows/s"
    if "records/s" in figure:
        return f"{figure['records/s']:,.0f} rec/s"
    if "req/s" in figure:
        return f"{figure['req/s']:,.0f} req/s (p99 {figure['p99']:.0f} ms)"
    if "x" in figure:
        return f"{figure['x']:.2f}x"
    return f"{figure['p50']:,.1f} / {figure['p99']:,.1f} ms"


def _main_value(figure: dict[str, float]) -> float:
    for unit in ("rows/s", "records/s", "req/s", "x", "p50"):
        if unit in figure:
            return figure[unit]
    raise ValueError(figure)


def table(results: dict[int, dict[str, dict[str, float]]], partners: dict[int, int]) -> str:
    """Markdown: a row a figure, a column a size (its actual partner count), then the ratios to the first."""
    sizes = sorted(results)
    first = sizes[0]
    header = ["figure (p50 / p99, or rate)", *[f"{partners[s]:,} partners" for s in sizes],
              *[f"{partners[s]:,} / {partners[first]:,}" for s in sizes[1:]]]
    rows = [header]
    for name in results[first]:
        row = [name, *[_fmt(results[s][name]) if name in results[s] else "" for s in sizes]]
        for s in sizes[1:]:
            row.append(f"{_main_value(results[s][name]) / _main_value(results[first][name]):.2f}x"
                       if name in results[s] else "")
        rows.append(row)
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("---" for _ in header) + "|")
    return "\n".join(lines)


def _machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    return {"cpu_model": model, "cpus": os.cpu_count(), "load_average": os.getloadavg()}


# --- orchestration ------------------------------------------------------------------------------------------

def run(dsn: str, sizes: list[int], *, requests: int, load_seconds: float, out: Path) -> str:
    key = asyncio.run(_prepare(dsn, _NO_DIRECTORY, build_directory=False))
    systems = asyncio.run(_with_conn(dsn, load_systems))
    sync_body = sync_dataset(SYNC_ROWS, seed=23)
    results: dict[int, dict[str, dict[str, float]]] = {}
    report: dict[str, Any] = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine(),
                              "cpu_reference_ms": {"start": cpu_reference()}, "sizes": {}}
    sync_sent = False
    for size in sizes:
        async def top_up(conn: asyncpg.Connection, size: int = size) -> tuple[int, int]:
            vocab = await datasets.vocabulary(conn)
            have = await partner_count(conn)
            generated = int(await conn.fetchval("SELECT count(*) FROM partner_external_ids WHERE source = $1",
                                                datasets.SOURCE))
            if size > have:
                await grow_directory(conn, vocab, start=generated, stop=generated + size - have)
            return await partner_count(conn), int(await conn.fetchval("SELECT count(*) FROM services"))

        started = time.perf_counter()
        partners, services = asyncio.run(_with_conn(dsn, top_up))
        loaded = time.perf_counter() - started
        print(f"[growth] {partners:,} partners, {services:,} services (loaded in {loaded:.0f} s); "
              f"load average {os.getloadavg()[0]:.2f}", flush=True)
        results[size] = measure(dsn, key, systems, sync_body, requests=requests, load_seconds=load_seconds,
                                sync_sent=sync_sent)
        sync_sent = True
        plans = asyncio.run(_with_conn(dsn, explain))
        report["sizes"][size] = {"partners": partners, "services": services, "load_s": loaded,
                                 "load_average": os.getloadavg(), "figures": results[size], "plans": plans}
        text = table(results, {s: v["partners"] for s, v in report["sizes"].items()})
        print("\n" + text + "\n", flush=True)
        report["table"] = text
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    report["cpu_reference_ms"]["end"] = cpu_reference()
    out.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    print(f"CPU: {report['machine']['cpu_model']}; CPU reference {report['cpu_reference_ms']['start']:.1f} / "
          f"{report['cpu_reference_ms']['end']:.1f} ms; wrote {out}", flush=True)
    return str(report["table"])


class _NoDirectory:
    partners = services = 0


_NO_DIRECTORY: Any = _NoDirectory()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,200000,1000000", help="partners, comma-separated, ascending")
    parser.add_argument("--requests", type=int, default=30, help="sequential requests per read (after 3 warm-ups)")
    parser.add_argument("--load-seconds", type=float, default=8, help="seconds of load for the workers ratio")
    parser.add_argument("--dsn", help="an empty database to use instead of an embedded PostgreSQL")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "growth.json")
    args = parser.parse_args()
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] < 5_000:
        parser.error("sizes must be at least 5,000 partners")
    global WALK_PAGES
    WALK_PAGES = min(WALK_PAGES, sizes[0] // 100 - 10)

    def go(dsn: str) -> str:
        return run(dsn, sizes, requests=args.requests, load_seconds=args.load_seconds, out=args.out)

    with stopped_by_signals():
        if args.dsn:
            go(args.dsn)
        else:
            with TempPostgres(prefix="pathways-growth-") as pg:
                go(pg.dsn)


if __name__ == "__main__":
    main()
