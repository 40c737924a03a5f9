"""Run every benchmark, print the table (figure, target, ratio) and write ``bench/results/latest.json``.

    make bench                     # full mode (4-6 minutes on a quiet 2-core machine)
    make bench-quick               # quick mode (under 3 minutes), same as BENCH_MODE=quick make bench
    .venv/bin/python -m bench.run --mode quick --only read,sync

Everything runs on loopback against an embedded PostgreSQL in a temporary folder, with datasets built by a
seeded generator; every server and PostgreSQL started here is stopped before it returns. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson

from bench import datasets
from bench.harness import (
    MB,
    ROOT,
    PeakRss,
    Server,
    TempPostgres,
    bench_env,
    free_port,
    stop_postmaster,
    stopped_by_signals,
    uvicorn_command,
)
from bench.loadgen import LoadResult, run_load

RESULTS = ROOT / "bench" / "results"
BENCHMARKS = ("read", "gaps", "readiness", "sync", "lmi", "startup")


@dataclass(frozen=True)
class Sizes:
    partners: int
    services: int
    seconds: float
    rounds: int
    warmup: float
    connections: int
    sync_rows: tuple[int, int]
    naive_sync_rows: int
    lmi_rows: int
    members: int
    gap_services: int
    regions: int
    occupations: int
    gap_requests: int
    scoring_repeats: int

    def scaled(self, factor: float, seconds: float | None) -> Sizes:
        """Smaller data (for the smoke test); durations from ``seconds`` when given."""
        def n(x: int, least: int = 50) -> int:
            return max(least, int(x * factor))
        return replace(
            self, partners=n(self.partners, 200), services=n(self.services, 500),
            sync_rows=(n(self.sync_rows[0]), n(self.sync_rows[1])), naive_sync_rows=n(self.naive_sync_rows),
            lmi_rows=n(self.lmi_rows, 400), members=n(self.members, 20), gap_services=n(self.gap_services, 100),
            regions=max(5, int(self.regions * factor)), occupations=n(self.occupations, 20),
            gap_requests=n(self.gap_requests, 5), scoring_repeats=n(self.scoring_repeats, 5),
            seconds=seconds if seconds is not None else self.seconds,
            rounds=1 if seconds is not None and seconds < 2 else self.rounds,
            warmup=(0 if seconds < 2 else min(self.warmup, seconds)) if seconds is not None else self.warmup,
        )


MODES = {
    "quick": Sizes(partners=5_000, services=25_000, seconds=6, rounds=2, warmup=2, connections=32,
                   sync_rows=(10_000, 40_000), naive_sync_rows=2_000, lmi_rows=40_000, members=200,
                   gap_services=2_000, regions=50, occupations=300, gap_requests=30, scoring_repeats=30),
    "full": Sizes(partners=20_000, services=100_000, seconds=20, rounds=4, warmup=4, connections=32,
                  sync_rows=(50_000, 200_000), naive_sync_rows=10_000, lmi_rows=200_000, members=500,
                  gap_services=5_000, regions=50, occupations=800, gap_requests=100, scoring_repeats=100),
}


@dataclass
class Figure:
    benchmark: str
    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None
    ratio: float | None = None
    ratio_to: str = ""
    note: str = ""


@dataclass
class Report:
    mode: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, *figures: Figure) -> None:
        for f in figures:
            self.figures.append(f)
            print(f"  {f.name}: {_value(f)}{f'  (target {f.target})' if f.target else ''}", flush=True)


def _value(f: Figure) -> str:
    if f.unit in ("req/s", "records/s", "rows/s"):
        return f"{f.value:,.0f} {f.unit}"
    if f.unit == "x":
        return f"{f.value:.2f}x"
    if f.unit == "%":
        return f"{f.value:.0f}%"
    if f.unit in ("round trips",):
        return f"{f.value:.0f} {f.unit}"
    return f"{f.value:,.1f} {f.unit}"


# --- the read benchmarks ----------------------------------------------------------------------------------

PARTNER_FIELDS = """id databaseId name partnerType level jurisdiction { state localArea } description
regionsServed populationsServed capacity fundingStreams industries contacts { name title email phone }
address { street city state postalCode } latitude longitude website assets limitations status
externalIds { source id } version createdAt updatedAt"""
SERVICE_FIELDS = """id databaseId partnerId name category description populations regions deliveryMode capacity
fundingStreams programCip occupations credential status externalIds { source id } version createdAt updatedAt"""


def graphql_body(first: int, *, services: bool) -> bytes:
    nested = f" services {{ {SERVICE_FIELDS} }}" if services else ""
    query = (f'{{ partners(first: {first}, where: {{partnerType: "{datasets.READ_FILTER_TYPE}"}}) '
             f"{{ edges {{ node {{ {PARTNER_FIELDS}{nested} }} }} }} }}")
    return orjson.dumps({"query": " ".join(query.split())})


READ_PATH = f"/v1/partners?limit=100&partner_type={datasets.READ_FILTER_TYPE}"
NESTED_CEILING_PATH = f"/v1/partners-with-services?limit=100&partner_type={datasets.READ_FILTER_TYPE}"


LOAD_GENERATOR: str | None = None  # None: wrk when installed, else bench/loadgen.py (``--load-generator``)


def _check_page(server: Server, path: str, *, method: str = "GET", body: bytes | None = None) -> int:
    """Fetch once and count the items (every app must be measured on the same page)."""
    r = httpx.request(method, server.base + path, content=body, headers={"Content-Type": "application/json"},
                      timeout=60)
    if r.status_code != 200:
        raise RuntimeError(f"{path} answered {r.status_code}: {r.text[:500]}\n{server.log_tail()}")
    data = r.json()
    items = data["items"] if "items" in data else data["data"]["partners"]["edges"]
    return len(items)


def _count_services(ceiling: Server, service: Server) -> int | None:
    """The number of services on the nested page, when the ceiling and GraphQL serve the same ones."""
    mine = httpx.post(service.base + "/graphql", content=graphql_body(100, services=True),
                      headers={"Content-Type": "application/json"}, timeout=60).json()["data"]["partners"]["edges"]
    theirs = httpx.get(ceiling.base + NESTED_CEILING_PATH, timeout=60).json()["items"]
    ids = [[s["databaseId"] for s in e["node"]["services"]] for e in mine]
    return sum(map(len, ids)) if ids == [[s["id"] for s in p["services"]] for p in theirs] else None


def _measure(targets: dict[str, tuple[Server, str, dict[str, Any]]], sizes: Sizes,
             slow: frozenset[str] = frozenset()) -> dict[str, LoadResult]:
    """Warm each target, then load them in turn for ``sizes.rounds`` rounds; keep each one's best round.

    The machine is shared: taking turns and keeping the best round of each keeps a burst of someone
    else's work from landing on one app only and skewing the ratios. A ``slow`` target (a request of
    several hundred ms, times 32 in flight) is loaded once for the whole time instead: a short round
    would end before most of its requests could.
    """
    best: dict[str, LoadResult] = {}

    def load(name: str, seconds: float) -> None:
        server, path, kw = targets[name]
        result = run_load(server.base + path, connections=sizes.connections, seconds=seconds, tool=LOAD_GENERATOR,
                          **kw)
        if result.errors:
            raise RuntimeError(f"{result.errors} failed requests to {path}:\n{result.output}\n{server.log_tail()}")
        if name not in best or result.requests_per_s > best[name].requests_per_s:
            best[name] = result

    for server, path, kw in targets.values():
        if sizes.warmup:
            run_load(server.base + path, connections=sizes.connections, seconds=sizes.warmup, tool=LOAD_GENERATOR,
                     **kw)
    for _ in range(sizes.rounds):
        for name in [n for n in targets if n not in slow]:
            load(name, sizes.seconds / sizes.rounds)
    for name in [n for n in targets if n in slow]:
        load(name, max(sizes.seconds, 10) if sizes.rounds > 1 else sizes.seconds)
    return best


def bench_read(report: Report, dsn: str, sizes: Sizes, service: Server) -> None:
    """REST directory reads against the ceiling and the naive peer; GraphQL against REST; memory after."""
    page = _check_page(service, READ_PATH)  # 100 unless the dataset is tiny (smoke test)
    graphql = {"graphql": graphql_body(100, services=False), "graphql+services": graphql_body(100, services=True)}
    json_post: dict[str, Any] = {"method": "POST", "headers": {"Content-Type": "application/json"}}
    with contextlib.ExitStack() as stack:
        apps = {}
        for name, app, variable in (("ceiling", "bench.baselines.ceiling:app", "CEILING_DSN"),
                                    ("naive", "bench.baselines.naive:app", "NAIVE_DSN")):
            port = free_port()
            apps[name] = Server(uvicorn_command(app, port), port=port, env=bench_env(**{variable: dsn}))
            stack.callback(apps[name].stop)
            apps[name].spawn()  # both boot at once
        # The same service with the GraphQL fast path off (api/graphql/fast/): what the seam's switch costs.
        port = free_port()
        stock = Server(uvicorn_command("api.main:app_factory", port, factory=True), port=port,
                       env=bench_env(DATABASE_URL=dsn, PATHWAYS_GRAPHQL_FAST_PATH="0"))
        stack.callback(stock.stop)
        stock.spawn()
        for app in apps.values():
            assert _check_page(app.ready(), READ_PATH) == page, "the baselines must serve the same page"
        for body in graphql.values():
            assert _check_page(service, "/graphql", method="POST", body=body) == page
        assert _check_page(stock.ready(), "/graphql", method="POST", body=graphql["graphql+services"]) == page
        assert _count_services(apps["ceiling"], service) is not None, "the nested ceiling must serve the same page"
        results = _measure({
            "ceiling": (apps["ceiling"], READ_PATH, {}), "naive": (apps["naive"], READ_PATH, {}),
            "ceiling+services": (apps["ceiling"], NESTED_CEILING_PATH, {}),
            "service": (service, READ_PATH, {}),
            **{label: (service, "/graphql", {**json_post, "body": body}) for label, body in graphql.items()},
            "graphql+services, stock": (stock, "/graphql", {**json_post, "body": graphql["graphql+services"]}),
        }, sizes, slow=frozenset({"graphql+services", "graphql+services, stock"}))
    rest, ceiling, naive = results["service"], results["ceiling"], results["naive"]
    c = sizes.connections
    report.add(
        Figure("directory read (REST)", "service req/s", rest.requests_per_s, "req/s", ">= 70% of ceiling",
               rest.requests_per_s >= 0.7 * ceiling.requests_per_s, rest.requests_per_s / ceiling.requests_per_s,
               "ceiling"),
        Figure("directory read (REST)", "service vs naive peer", rest.requests_per_s / naive.requests_per_s, "x",
               ">= 1.5x the naive peer", rest.requests_per_s >= 1.5 * naive.requests_per_s,
               rest.requests_per_s / naive.requests_per_s, "naive"),
        Figure("directory read (REST)", f"service p50 at {c} connections", rest.p50_ms, "ms"),
        Figure("directory read (REST)", f"service p99 at {c} connections", rest.p99_ms, "ms", "<= 50 ms",
               rest.p99_ms <= 50),
        Figure("directory read (REST)", "ceiling req/s", ceiling.requests_per_s, "req/s",
               note=f"p50 {ceiling.p50_ms:.1f} ms, p99 {ceiling.p99_ms:.1f} ms"),
        Figure("directory read (REST)", "naive peer req/s", naive.requests_per_s, "req/s",
               note=f"p50 {naive.p50_ms:.1f} ms, p99 {naive.p99_ms:.1f} ms"),
    )
    trips = asyncio.run(round_trips(dsn))
    nested, flat, nested_ceiling = results["graphql+services"], results["graphql"], results["ceiling+services"]
    stock_nested = results["graphql+services, stock"]
    report.add(
        Figure("GraphQL read", "partners + nested services req/s", nested.requests_per_s, "req/s",
               ">= 33% of REST", nested.requests_per_s >= 0.33 * rest.requests_per_s,
               nested.requests_per_s / rest.requests_per_s, "REST",
               note=f"p50 {nested.p50_ms:.1f} ms, p99 {nested.p99_ms:.1f} ms"),
        Figure("GraphQL read", "ceiling of the nested page req/s", nested_ceiling.requests_per_s, "req/s",
               ratio=nested_ceiling.requests_per_s / rest.requests_per_s, ratio_to="REST",
               note="the same partners and services through bare asyncpg and orjson (bench/baselines/ceiling.py); "
                    f"p50 {nested_ceiling.p50_ms:.1f} ms"),
        Figure("GraphQL read", "nested page vs its ceiling", nested.requests_per_s / nested_ceiling.requests_per_s,
               "x", ratio=nested.requests_per_s / nested_ceiling.requests_per_s, ratio_to="nested ceiling"),
        Figure("GraphQL read", "nested page, fast path off req/s", stock_nested.requests_per_s, "req/s",
               ratio=stock_nested.requests_per_s / rest.requests_per_s, ratio_to="REST",
               note=f"Strawberry's stock executor (PATHWAYS_GRAPHQL_FAST_PATH=0); p50 {stock_nested.p50_ms:.1f} ms"),
        Figure("GraphQL read", "nested page, fast path on vs off", nested.requests_per_s / stock_nested.requests_per_s,
               "x", ">= 2x (else the fast path goes)", nested.requests_per_s >= 2 * stock_nested.requests_per_s,
               nested.requests_per_s / stock_nested.requests_per_s, "fast path off"),
        Figure("GraphQL read", "partners only (REST's fields) req/s", flat.requests_per_s, "req/s",
               ratio=flat.requests_per_s / rest.requests_per_s, ratio_to="REST",
               note=f"p50 {flat.p50_ms:.1f} ms, p99 {flat.p99_ms:.1f} ms"),
        Figure("GraphQL read", "SQL round trips, first: 10 / 100", max(trips["graphql_10"], trips["graphql_100"]),
               "round trips", "<= 3 whatever the page size",
               trips["graphql_10"] == trips["graphql_100"] <= 3,
               note=f"{trips['graphql_10']} / {trips['graphql_100']}; REST page: {trips['rest_100']}"),
    )
    report.add(Figure("memory", "server RSS after the read benchmark", service.rss() / MB, "MB", "<= 250 MB",
                      service.rss() <= 250 * MB))
    report.details["read"] = {k: asdict(v) for k, v in results.items()} | {"round_trips": trips}


async def round_trips(dsn: str, system_id: uuid.UUID | None = None, key: str | None = None) -> dict[str, int]:
    """SQL statements per request (every statement on every pooled connection, the rate limit's included)."""
    from api.main import create_app, install_database
    from api.repositories.database import Database, QueryCounter, _init_connection, _keep_session
    from api.settings import Settings

    counter = QueryCounter()

    async def init(conn: asyncpg.Connection) -> None:
        await _init_connection(conn)
        conn.add_query_logger(counter)

    # The service's own pool settings (``Database.connect``), plus a logger on every connection.
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4, init=init, reset=_keep_session)
    db = Database(pool)
    settings = Settings(environment="test", rate_limit_per_minute=10**9, anonymous_rate_limit_per_minute=10**9)
    app = create_app(settings, manage_database=False)
    install_database(app, db)
    out: dict[str, int] = {}
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                     headers=headers) as client:
            requests: dict[str, Callable[[], Any]] = {}
            if system_id is None:
                requests |= {
                    "rest_100": lambda: client.get(READ_PATH),
                    "graphql_10": lambda: client.post("/graphql", content=graphql_body(10, services=True),
                                                      headers={"Content-Type": "application/json"}),
                    "graphql_100": lambda: client.post("/graphql", content=graphql_body(100, services=True),
                                                       headers={"Content-Type": "application/json"}),
                }
            else:
                requests["gaps"] = lambda: client.get(f"/v1/systems/{system_id}/gaps")
                requests["gaps_candidates"] = lambda: client.get(f"/v1/systems/{system_id}/gaps",
                                                                 params={"candidates": GAP_CANDIDATES})
            for name, send in requests.items():
                (await send()).raise_for_status()  # warm: connections made, types introspected
                counter.count = 0
                r = await send()
                r.raise_for_status()
                out[name] = counter.count
    finally:
        await pool.close()
    return out


# --- gap analysis and readiness scoring --------------------------------------------------------------------

GAP_CANDIDATES = 3
"""How many candidates the gap report with candidates asks for each gap."""


def bench_gaps(report: Report, dsn: str, sizes: Sizes, service: Server, key: str) -> None:
    """p50/p99 of GET /v1/systems/{id}/gaps for a large state system, plain and with candidates from the
    directory (``candidates=3``), and their SQL round trips."""
    system_id = asyncio.run(_with_conn(dsn, lambda conn: datasets.load_state_system(
        conn, members=sizes.members, services=sizes.gap_services, regions=sizes.regions,
        occupations=sizes.occupations)))
    runs: dict[str, tuple[list[float], dict[str, Any]]] = {}
    with httpx.Client(base_url=service.base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        for name, params in (("plain", {}), ("candidates", {"candidates": GAP_CANDIDATES})):
            timings = []
            for i in range(sizes.gap_requests + 3):
                started = time.perf_counter()
                r = client.get(f"/v1/systems/{system_id}/gaps", params=params)
                elapsed = time.perf_counter() - started
                r.raise_for_status()
                if i >= 3:
                    timings.append(elapsed * 1000)
                body = r.json()
            runs[name] = timings, body
    trips = asyncio.run(round_trips(dsn, system_id, key))
    what = f"{sizes.members} members, {sizes.gap_services} services, {sizes.regions} regions, {sizes.occupations} occ."
    timings, body = runs["plain"]
    gaps = len(body["gaps"])
    p50, p99 = _pct(timings, 0.5), _pct(timings, 0.99)
    c_timings, c_body = runs["candidates"]
    c50, c99 = _pct(c_timings, 0.5), _pct(c_timings, 0.99)
    named = sum(1 for g in c_body["gaps"] if g["candidates"])
    report.add(
        Figure("gap analysis", "GET /v1/systems/{id}/gaps p50", p50, "ms", "<= 150 ms", p50 <= 150,
               note=f"{what}; {gaps} gaps"),
        Figure("gap analysis", "GET /v1/systems/{id}/gaps p99", p99, "ms"),
        Figure("gap analysis", "SQL round trips", trips["gaps"], "round trips", "<= 10", trips["gaps"] <= 10),
        Figure("gap analysis", f"gaps?candidates={GAP_CANDIDATES} p50", c50, "ms", "<= 250 ms", c50 <= 250,
               note=f"{named} gaps given candidates from the directory"),
        Figure("gap analysis", f"gaps?candidates={GAP_CANDIDATES} p99", c99, "ms"),
        Figure("gap analysis", "SQL round trips with candidates", trips["gaps_candidates"], "round trips", "<= 11",
               trips["gaps_candidates"] <= 11),
    )
    report.details["gaps"] = {"timings_ms": timings, "round_trips": trips["gaps"], "gaps": gaps,
                              "candidates_timings_ms": c_timings, "candidates_round_trips": trips["gaps_candidates"],
                              "gaps_with_candidates": named}


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def bench_readiness(report: Report, sizes: Sizes) -> None:
    """p50 of scoring a round of 60 respondents x 30 indicators (the domain call)."""
    import random
    from datetime import date

    from api.domain.readiness import Response, Round, framework_from_dict, score_round
    from api.repositories.bootstrap import shipped_framework

    data = json.loads(json.dumps(shipped_framework()))
    elements = data["elements"]
    n = 0
    while sum(len(e["indicators"]) for e in elements) < 30:  # the shipped framework has 26 indicators
        element = elements[n % len(elements)]
        element["indicators"].append({"code": f"{element['code']}.{len(element['indicators']) + 1}",
                                      "text": "An extra indicator for the benchmark."})
        n += 1
    framework = framework_from_dict(data)
    codes = framework.indicator_codes()
    round_ = Round(id=uuid.uuid4(), system_id=uuid.uuid4(), framework_id=framework.id,
                   framework_version=framework.version, started_on=date(2026, 1, 1))
    rng = random.Random(5)
    responses = [
        Response(round_id=round_.id, respondent_id=uuid.UUID(int=rng.getrandbits(128)),
                 ratings={c: rng.choice([1, 2, 3, 4, None]) for c in codes},
                 priorities=frozenset(rng.sample(codes, 2)), technical_assistance=frozenset(rng.sample(codes, 1)),
                 notes={codes[0]: "a note"}, submitted_at=datetime(2026, 1, 2, tzinfo=UTC))
        for _ in range(60)
    ]
    timings = []
    for _ in range(sizes.scoring_repeats + 3):
        started = time.perf_counter()
        score_round(framework, responses, round_=round_)
        timings.append((time.perf_counter() - started) * 1000)
    timings = timings[3:]
    p50 = statistics.median(timings)
    report.add(Figure("readiness scoring", f"score_round p50 (60 x {len(codes)})", p50, "ms", "<= 50 ms", p50 <= 50,
                      note="in-process domain call"))
    report.details["readiness"] = {"timings_ms": timings}


# --- bulk writes -------------------------------------------------------------------------------------------

def _post(client: httpx.Client, server: Server, path: str, body: bytes, params: dict[str, str]) -> tuple[
        float, PeakRss, dict[str, Any]]:
    with PeakRss(server.pid) as rss:
        started = time.perf_counter()
        r = client.post(path, params=params, content=body, headers={"Content-Type": "application/x-ndjson"})
        elapsed = time.perf_counter() - started
    if r.status_code >= 400:
        raise RuntimeError(f"{path} answered {r.status_code}: {r.text[:2000]}")
    return elapsed, rss, r.json()


def bench_sync(report: Report, dsn: str, sizes: Sizes, service: Server, key: str) -> None:
    """Directory sync: N partners as NDJSON, the same again, then a larger file; ceiling and naive peer too."""
    from bench.baselines import ceiling
    from bench.sync_bench import dataset

    small, large = sizes.sync_rows
    bodies = {rows: dataset(rows) for rows in (small, large)}
    runs: dict[str, dict[str, float]] = {}

    # The ceiling: rows parsed before the clock starts, then COPY + one upsert.
    async def ceiling_runs() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await datasets.init_connection(conn)
            for rows in (small, large):
                parsed = ceiling.parse_rows([orjson.loads(line) for line in bodies[rows].splitlines()],
                                            f"ceiling-{rows}")
                for label in ("first", "again") if rows == small else ("first",):
                    started = time.perf_counter()
                    await ceiling.copy_upsert(conn, parsed, f"ceiling-{rows}")
                    runs[f"ceiling {label} {rows}"] = {"rows": rows, "seconds": time.perf_counter() - started}
        finally:
            await conn.close()

    asyncio.run(ceiling_runs())
    with httpx.Client(base_url=service.base, timeout=1800, headers={"Authorization": f"Bearer {key}"}) as client:
        for rows in (small, large):
            for label in ("first", "again") if rows == small else ("first",):
                elapsed, rss, out = _post(client, service, "/v1/sync/partners", bodies[rows],
                                          {"source": f"bench-{rows}"})
                assert out["rejected"] == 0, out
                runs[f"service {label} {rows}"] = {"rows": rows, "seconds": elapsed, "peak_rss_mb": rss.peak / MB,
                                                   "growth_mb": rss.growth / MB}
                print(f"  service {label} {rows:,}: {rows / elapsed:,.0f} records/s, RSS growth "
                      f"{rss.growth / MB:.0f} MB", flush=True)
    naive_rows = sizes.naive_sync_rows
    naive_body = b"\n".join(bodies[small].splitlines()[:naive_rows]) + b"\n"
    command = uvicorn_command("bench.baselines.naive:app", free_port())
    port = int(command[command.index("--port") + 1])
    with Server(command, port=port, env=bench_env(NAIVE_DSN=dsn)) as naive, httpx.Client(
            base_url=naive.base, timeout=1800) as client:
        elapsed, rss, _ = _post(client, naive, "/v1/sync/partners", naive_body, {"source": "naive"})
        runs[f"naive first {naive_rows}"] = {"rows": naive_rows, "seconds": elapsed, "peak_rss_mb": rss.peak / MB}
    rate = {k: v["rows"] / v["seconds"] for k, v in runs.items()}
    first, again, big = rate[f"service first {small}"], rate[f"service again {small}"], rate[f"service first {large}"]
    c_first, c_big = rate[f"ceiling first {small}"], rate[f"ceiling first {large}"]
    n_first = rate[f"naive first {naive_rows}"]
    g_small = runs[f"service first {small}"]["growth_mb"]
    g_large = runs[f"service first {large}"]["growth_mb"]
    report.add(
        Figure("directory sync", f"first sync of {small:,}", first, "records/s", ">= 25,000 records/s",
               first >= 25_000, first / c_first, "ceiling"),
        Figure("directory sync", f"vs ceiling ({small:,})", first / c_first * 100, "%", ">= 50% of ceiling",
               first >= 0.5 * c_first, first / c_first, "ceiling", note=f"ceiling {c_first:,.0f} records/s"),
        Figure("directory sync", "vs naive peer", first / n_first, "x", ">= 10x the naive peer",
               first >= 10 * n_first, first / n_first, "naive",
               note=f"naive {n_first:,.0f} records/s on {naive_rows:,} rows"),
        Figure("directory sync", f"same file again ({small:,})", again, "records/s", ">= 2x faster than the first",
               again >= 2 * first, again / first, "first sync"),
        Figure("directory sync", f"first sync of {large:,}", big, "records/s", ">= 25,000 records/s",
               big >= 25_000, big / c_big, "ceiling", note=f"ceiling {c_big:,.0f} records/s"),
        Figure("directory sync", f"peak RSS growth {small:,} / {large:,}", max(g_small, g_large), "MB",
               "< 100 MB and the same at both sizes", max(g_small, g_large) < 100 and g_large <= g_small + 25,
               note=f"{g_small:.0f} MB / {g_large:.0f} MB"),
    )
    report.details["sync"] = runs


def bench_lmi(report: Report, dsn: str, sizes: Sizes, service: Server, key: str) -> None:
    """Labour market ingest: N observations as NDJSON, then the same body again."""
    from bench.lmi_ingest import dataset

    body = dataset(sizes.lmi_rows)
    runs = {}
    with httpx.Client(base_url=service.base, timeout=1800, headers={"Authorization": f"Bearer {key}"}) as client:
        for label in ("first", "again"):
            elapsed, rss, out = _post(client, service, "/v1/labor-market/observations", body, {})
            assert out["rejected"] == 0, out
            runs[label] = {"rows": sizes.lmi_rows, "seconds": elapsed, "peak_rss_mb": rss.peak / MB,
                           "growth_mb": rss.growth / MB}
    first = sizes.lmi_rows / runs["first"]["seconds"]
    again = sizes.lmi_rows / runs["again"]["seconds"]
    growth = max(r["growth_mb"] for r in runs.values())
    report.add(
        Figure("LMI ingest", f"first load of {sizes.lmi_rows:,}", first, "rows/s", ">= 40,000 rows/s", first >= 40_000),
        Figure("LMI ingest", "same body again", again, "rows/s", ">= 40,000 rows/s", again >= 40_000),
        Figure("LMI ingest", "peak RSS growth", growth, "MB", "flat (< 100 MB)", growth < 100),
    )
    report.details["lmi"] = runs


# --- start-up ---------------------------------------------------------------------------------------------

def bench_startup(report: Report) -> None:
    """Seconds from ``pathways serve`` to the first /readyz 200: a new data folder (with --demo), then again."""
    folder = Path(tempfile.mkdtemp(prefix="pathways-bench-startup-"))
    env = bench_env()
    env.pop("PATHWAYS_MIGRATE_ON_START")  # start-up as users get it: migrate (a no-op when at head)
    seconds = {}
    try:
        for label, extra in (("new", ["--demo"]), ("existing", [])):
            port = free_port()
            command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--data-dir", str(folder),
                       *extra]
            with Server(command, port=port, env=env, timeout=120) as server:
                seconds[label] = server.ready_after
    finally:
        stop_postmaster(folder / "pgdata")
        shutil.rmtree(folder, ignore_errors=True)
    report.add(
        Figure("start-up", "existing data folder", seconds["existing"], "s", "<= 3 s", seconds["existing"] <= 3),
        Figure("start-up", "new data folder (create, migrate, seed demo)", seconds["new"], "s", "<= 15 s",
               seconds["new"] <= 15),
    )
    report.details["startup"] = seconds


# --- orchestration ----------------------------------------------------------------------------------------

async def _with_conn(dsn: str, action: Callable[[asyncpg.Connection], Any]) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        await datasets.init_connection(conn)
        return await action(conn)
    finally:
        await conn.close()


async def _prepare(dsn: str, sizes: Sizes, build_directory: bool) -> str:
    """Migrate, seed the reference data, load the directory, mint an admin key."""
    from api.domain.access import ApiKey, Scope, new_secret
    from api.repositories import bootstrap
    from api.repositories.access import PgApiKeyRepository

    await bootstrap.prepare(dsn)

    async def load(conn: asyncpg.Connection) -> str:
        if build_directory:
            await datasets.load_directory(conn, partners=sizes.partners, services=sizes.services)
        else:
            await datasets.vocabulary(conn)
        full, prefix, digest = new_secret()
        await PgApiKeyRepository(conn).add(ApiKey(id=uuid.uuid4(), name="bench", prefix=prefix, secret_hash=digest,
                                                  scopes=frozenset({Scope.ADMIN}), jurisdiction=None))
        return full

    key: str = await _with_conn(dsn, load)
    return key


def cpu_reference() -> float:
    """Milliseconds of a fixed piece of pure-Python work (best of 7): the speed of this machine's CPU, now.

    Ratios within one run hold across machines; absolute targets (ms, records/s, seconds) do not. Tables taken
    on different machines, or on one machine at different moments, compare through this figure: twice the
    reference, about twice the time of any CPU-bound figure.
    """
    rows = [{"id": i, "name": f"partner {i}", "regions": [str(i % 50), str(i % 7)], "score": i * 0.5}
            for i in range(2_000)]
    best = float("inf")
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(5):
            out = [dict(r, label=r["name"].upper()) for r in rows]
            out.sort(key=lambda r: (r["regions"][1], -r["id"]))
            json.dumps(out)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def print_table(report: Report) -> str:
    """The table: benchmark, figure, value, target, ratio, met."""
    rows = [("benchmark", "figure", "value", "target", "ratio", "met")]
    for f in report.figures:
        ratio = f"{f.ratio:.2f} of {f.ratio_to}" if f.ratio is not None else ""
        met = "" if f.met is None else ("yes" if f.met else "NO")
        rows.append((f.benchmark, f.name, _value(f), f.target, ratio, met))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    text = "\n".join(lines)
    print("\n" + text, flush=True)
    return text


def run(mode: str, *, only: set[str], scale: float = 1.0, seconds: float | None = None,
        out: Path | None = None) -> Report:
    """Run the chosen benchmarks and write the JSON report."""
    sizes = MODES[mode].scaled(scale, seconds) if scale != 1.0 or seconds is not None else MODES[mode]
    report = Report(mode=mode)
    started = time.perf_counter()
    reference = cpu_reference()
    with stopped_by_signals():
        needs_db = only & {"read", "gaps", "sync", "lmi"}
        if needs_db:
            with TempPostgres() as pg:
                print(f"[{mode}] preparing the database in {pg.folder}", flush=True)
                key = asyncio.run(_prepare(pg.dsn, sizes, build_directory=bool(only & {"read", "gaps"})))
                port = free_port()
                command = uvicorn_command("api.main:app_factory", port, factory=True)
                with Server(command, port=port, env=bench_env(DATABASE_URL=pg.dsn)) as service:
                    if "read" in only:
                        print(f"[{mode}] directory read: {sizes.partners:,} partners, {sizes.services:,} services, "
                              f"{sizes.connections} connections, {sizes.seconds:.0f} s each", flush=True)
                        bench_read(report, pg.dsn, sizes, service)
                    if "gaps" in only:
                        print(f"[{mode}] gap analysis", flush=True)
                        bench_gaps(report, pg.dsn, sizes, service, key)
                    if "sync" in only:
                        print(f"[{mode}] directory sync", flush=True)
                        bench_sync(report, pg.dsn, sizes, service, key)
                    if "lmi" in only:
                        print(f"[{mode}] LMI ingest", flush=True)
                        bench_lmi(report, pg.dsn, sizes, service, key)
        if "readiness" in only:
            print(f"[{mode}] readiness scoring", flush=True)
            bench_readiness(report, sizes)
        if "startup" in only:
            print(f"[{mode}] start-up", flush=True)
            bench_startup(report)
    at_end = cpu_reference()
    report.add(Figure("machine", "CPU reference at the start (lower: faster)", reference, "ms"),
               Figure("machine", "CPU reference at the end", at_end, "ms"))
    report.details["cpu_reference_ms"] = {"start": reference, "end": at_end}
    report.details["sizes"] = asdict(sizes)
    report.details["elapsed_s"] = time.perf_counter() - started
    table = print_table(report)
    missed = [f for f in report.figures if f.met is False]
    print(f"\n{len(report.figures)} figures, {sum(1 for f in report.figures if f.met)} targets met, "
          f"{len(missed)} missed; {report.details['elapsed_s']:.0f} s", flush=True)
    payload = {
        "mode": mode, "at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": _machine(),
        "figures": [asdict(f) for f in report.figures], "table": table, "details": report.details,
    }
    target = out or RESULTS / "latest.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
    print(f"wrote {target}")
    return report


def _machine() -> dict[str, Any]:
    import psutil

    wrk = shutil.which("wrk") if LOAD_GENERATOR != "python" else None
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0] if wrk else None
    return {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(), "load_generator": version or
            "python (bench/loadgen.py)", "load_average": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(MODES), default=os.environ.get("BENCH_MODE", "full"))
    parser.add_argument("--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {BENCHMARKS}")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the dataset sizes (smoke test)")
    parser.add_argument("--seconds", type=float, help="seconds of load per measurement")
    parser.add_argument("--out", type=Path, help="where to write the JSON (default bench/results/latest.json)")
    parser.add_argument("--load-generator", choices=["wrk", "python"], help="default: wrk when installed")
    args = parser.parse_args()
    global LOAD_GENERATOR
    LOAD_GENERATOR = args.load_generator
    only = {b.strip() for b in args.only.split(",") if b.strip()}
    if unknown := only - set(BENCHMARKS):
        parser.error(f"unknown benchmarks: {sorted(unknown)}")
    run(args.mode, only=only, scale=args.scale, seconds=args.seconds, out=args.out)


if __name__ == "__main__":
    main()
