"""The statewide roll-up for a state of 50 local systems of 100 members each: latency and SQL round trips.

Builds the state in an embedded PostgreSQL of its own (50 local areas, one local system each, 100 member
partners with two services each, a few leads and a closed readiness round of five respondents per system), then
times ``GET /v1/states/OR/overview`` (JSON and CSV) in process through the real app and counts its statements.
Run: .venv/bin/python -m bench.state_overview [--systems 50 --members 100 --repeat 15]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime

import asyncpg
import httpx

from bench import datasets
from bench.harness import TempPostgres, stopped_by_signals

TARGET_P50_MS = 1500.0  # on a quiet 2-core machine; bench/README.md says why and what was measured
FUNCTIONS = ("engage_employers", "recruit_and_refer", "provide_support_services", "assess_skills",
             "design_programs", "provide_labor_market_information")


async def build(conn: asyncpg.Connection, *, systems: int, members: int, seed: int = 5) -> None:
    """``systems`` local systems, each in its own area with ``members`` new partners (two services each)."""
    rng = random.Random(seed)
    vocab = await datasets.vocabulary(conn, regions=systems)
    framework = await conn.fetchrow("SELECT id, version, body FROM readiness_frameworks ORDER BY version DESC LIMIT 1")
    indicators = [i["code"] for e in framework["body"]["elements"] for i in e["indicators"]]
    partners, services, system_rows, member_rows, assignments, rounds, responses = [], [], [], [], [], [], []
    for s, area in enumerate(vocab.regions):
        system_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        mine = [datasets._partner_row(rng, vocab, s * members + n) for n in range(members)]
        mine = [(p[0], p[1], p[2], p[3], p[4], area, *p[6:]) for p in mine]
        partners += mine
        services += [datasets._service_row(rng, vocab, p, (s * members + n) * 2 + k, [])
                     for n, p in enumerate(mine) for k in range(2)]
        system_rows.append((system_id, f"Local system {s:02d}", area, [area], rng.sample(vocab.populations, 3)))
        member_rows += [(system_id, p[0], f"Representative {n}", "leadership" if n < 12 else "operations",
                         date(2026, 1, 1)) for n, p in enumerate(mine)]
        for f in rng.sample(FUNCTIONS, rng.randrange(1, len(FUNCTIONS))):
            assignments.append((uuid.uuid4(), system_id, rng.choice(mine)[0], f, rng.choice(["lead", "support"])))
        round_id = uuid.uuid4()
        rounds.append((round_id, system_id, framework["id"], framework["version"], date(2026, 3, 1),
                       date(2026, 3, 31), "closed"))
        responses += [(round_id, p[0], {c: rng.randrange(1, 5) for c in indicators}, datetime(2026, 3, 10, tzinfo=UTC))
                      for p in mine[:5]]
    async with conn.transaction():
        await datasets._copy(conn, "partners", datasets.PARTNER_COLUMNS, partners)
        await datasets._copy(conn, "services", datasets.SERVICE_COLUMNS, services)
        await conn.executemany(
            "INSERT INTO systems (id, name, level, state, local_area, regions, target_populations) "
            "VALUES ($1, $2, 'local', 'OR', $3, $4, $5)", system_rows)
        await datasets._copy(conn, "system_members", ("system_id", "partner_id", "representative", "team",
                                                      "joined_on"), member_rows)
        await conn.executemany("INSERT INTO assignments (id, system_id, partner_id, function, strength, atypical) "
                               "VALUES ($1, $2, $3, $4, $5, false) ON CONFLICT DO NOTHING", assignments)
        await conn.executemany("INSERT INTO rounds (id, system_id, framework_id, framework_version, started_on, "
                               "closed_on, status) VALUES ($1, $2, $3, $4, $5, $6, $7)", rounds)
        await conn.executemany("INSERT INTO round_responses (round_id, respondent_id, ratings, submitted_at) "
                               "VALUES ($1, $2, $3, $4)", responses)
    await conn.execute("ANALYZE")


async def measure(dsn: str, *, repeat: int) -> dict[str, float]:
    """p50/max of the roll-up as JSON and CSV, in process through the real app, and its statements."""
    from api.domain.access import ApiKey, Scope, new_secret
    from api.main import create_app, install_database
    from api.repositories.access import PgApiKeyRepository
    from api.repositories.database import Database, QueryCounter, _init_connection, _keep_session
    from api.settings import Settings

    counter = QueryCounter()

    async def init(conn: asyncpg.Connection) -> None:
        await _init_connection(conn)
        conn.add_query_logger(counter)

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4, init=init, reset=_keep_session)
    full, prefix, digest = new_secret()
    async with pool.acquire() as conn:
        await PgApiKeyRepository(conn).add(ApiKey(id=uuid.uuid4(), name="bench", prefix=prefix, secret_hash=digest,
                                                  scopes=frozenset({Scope.SYSTEMS_READ}), jurisdiction=None))
    app = create_app(Settings(environment="test", rate_limit_per_minute=10**9,
                              anonymous_rate_limit_per_minute=10**9), manage_database=False)
    install_database(app, Database(pool))
    out: dict[str, float] = {}
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench",
                                     headers={"Authorization": f"Bearer {full}"}, timeout=120) as client:
            for name, headers in (("json", {}), ("csv", {"Accept": "text/csv"})):
                r = await client.get("/v1/states/OR/overview", headers=headers)
                r.raise_for_status()
                counter.count = 0
                timings = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    (await client.get("/v1/states/OR/overview", headers=headers)).raise_for_status()
                    timings.append((time.perf_counter() - started) * 1000)
                out[f"{name}_p50_ms"] = statistics.median(timings)
                out[f"{name}_max_ms"] = max(timings)
                out[f"{name}_statements"] = counter.count / repeat
                out[f"{name}_bytes"] = len(r.content)
            chart = await client.get("/v1/states/OR/overview/chart.svg")
            chart.raise_for_status()
            out["areas"] = len((await client.get("/v1/states/OR/overview")).json()["areas"])
    finally:
        await pool.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=50)
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with stopped_by_signals(), TempPostgres() as pg:
        from api.repositories import bootstrap

        asyncio.run(bootstrap.prepare(pg.dsn))

        async def load() -> None:
            conn = await asyncpg.connect(pg.dsn)
            try:
                await datasets.init_connection(conn)
                started = time.perf_counter()
                await build(conn, systems=args.systems, members=args.members)
                print(f"built {args.systems} systems x {args.members} members in "
                      f"{time.perf_counter() - started:.1f} s", flush=True)
            finally:
                await conn.close()

        asyncio.run(load())
        figures = asyncio.run(measure(pg.dsn, repeat=args.repeat))
    load = os.getloadavg()[0]
    print(f"state overview, {args.systems} local systems x {args.members} members ({figures['areas']:.0f} areas), "
          f"load average {load:.1f} on {os.cpu_count()} cores:")
    for name in ("json", "csv"):
        p50 = figures[f"{name}_p50_ms"]
        print(f"  {name}: p50 {p50:.0f} ms, max {figures[f'{name}_max_ms']:.0f} ms, "
              f"{figures[f'{name}_statements']:.0f} SQL statements, {figures[f'{name}_bytes'] / 1024:.0f} KiB; "
              f"target p50 <= {TARGET_P50_MS:.0f} ms: {'met' if p50 <= TARGET_P50_MS else 'MISSED'}")


if __name__ == "__main__":
    main()
