"""Labour market ingest benchmark: N observations as NDJSON over HTTP, then the same body again.

Starts an embedded PostgreSQL in a temporary folder (``EmbeddedPostgres``), migrates it, and serves the
app with uvicorn (one worker, a subprocess on a free loopback port) against it. Prints rows per second and
the server's peak RSS for the first load (every row created) and for the identical re-send (every row
unchanged). Usage:

    .venv/bin/python -m bench.lmi_ingest              # 200,000 observations
    .venv/bin/python -m bench.lmi_ingest --rows 20000 # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
import orjson

from api.domain.access import ApiKey, Scope, new_secret
from api.domain.codes import SOC_MAJOR_GROUPS
from api.repositories import bootstrap
from api.repositories.access import PgApiKeyRepository
from api.repositories.database import EmbeddedPostgres
from bench.harness import PeakRss, free_port

ROOT = Path(__file__).resolve().parents[1]
PERIODS = ["2019", "2020", "2021", "2022", "2023", "2024", "2022-2032", "2023-2033", "2024-2034", "2025-2035"]
SOURCES = ["bls-oews", "state-lmi", "careeronestop", "onet"]
OUTLOOKS = ["Bright", "Average", "Below Average", None]


def regions(count: int) -> list[str]:
    return [f"or-bench-{i:03d}" for i in range(count)]


def soc_codes(count: int, rng: random.Random) -> list[str]:
    """Distinct, valid detailed SOC codes (XX-ABCD with B, C and D not 0... shaped like real ones)."""
    majors = sorted(SOC_MAJOR_GROUPS)
    codes: set[str] = set()
    while len(codes) < count:
        a, b, c, d = rng.randint(1, 9), rng.randint(0, 9), rng.randint(1, 9), rng.randint(1, 9)
        codes.add(f"{rng.choice(majors)}-{a}{b}{c}{d}")
    return sorted(codes)


def dataset(rows: int, seed: int = 7) -> bytes:
    """A seeded NDJSON body of ``rows`` distinct observations (regions x codes x periods x sources)."""
    rng = random.Random(seed)
    areas = regions(50)
    codes = soc_codes(max(1, rows // (len(areas) * 4)) + 1, rng)
    stamp = "2026-10-01T00:00:00+00:00"
    out = bytearray()
    n = 0
    for code in codes:
        for area in areas:
            for period, source in zip(rng.sample(PERIODS, 4), SOURCES, strict=True):
                if n == rows:
                    return bytes(out)
                employment = rng.randrange(100, 50_000)
                median = rng.randrange(25_000, 150_000)
                record = {
                    "region": area, "code": code, "period": period, "source": source, "retrieved_at": stamp,
                    "employment": f"{employment:,}", "projected_employment": employment + rng.randrange(-50, 500),
                    "annual_openings": rng.randrange(0, 3_000), "growth_percent": round(rng.uniform(-5, 25), 1),
                    "median_wage": f"${median:,}", "wage_p10": median * 0.7, "wage_p90": median * 1.5,
                }
                outlook = rng.choice(OUTLOOKS)
                if outlook:
                    record["outlook"] = outlook
                out += orjson.dumps(record) + b"\n"
                n += 1
    return bytes(out)


async def prepare(dsn: str) -> str:
    """Migrate and seed the database, add the regions, and mint a key with the lmi:write scope."""
    await bootstrap.prepare(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.executemany("INSERT INTO regions (code, name, state) VALUES ($1, $2, 'OR') ON CONFLICT DO NOTHING",
                               [(r, f"Bench area {r}") for r in regions(50)])
        full, prefix, digest = new_secret()
        await PgApiKeyRepository(conn).add(ApiKey(id=uuid.uuid4(), name="bench", prefix=prefix, secret_hash=digest,
                                                  scopes=frozenset({Scope.LMI_WRITE}), jurisdiction=None))
    finally:
        await conn.close()
    return full


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="observations to ingest (default 200,000)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pathways-lmi-bench-"))
    embedded = EmbeddedPostgres(folder)
    server: subprocess.Popen[bytes] | None = None
    try:
        dsn = embedded.start()
        key = asyncio.run(prepare(dsn))
        body = dataset(args.rows)
        port = free_port()
        env = {**os.environ, "DATABASE_URL": dsn, "PATHWAYS_MIGRATE_ON_START": "false",
               "PATHWAYS_LOG_LEVEL": "WARNING", "PATHWAYS_RATE_LIMIT_PER_MINUTE": "1000000"}
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "api.main:app_factory", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "1", "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=900,
                          headers={"Authorization": f"Bearer {key}"}) as client:
            for _ in range(300):
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            else:
                raise SystemExit("the server did not become ready")
            print(f"body: {len(body) / 2**20:.1f} MiB of NDJSON, {args.rows:,} observations")
            print(f"{'run':<26}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'peak RSS MB':>13}{'growth MB':>11}"
                  f"  created/updated/unchanged")
            for label in ("first load", "same body again"):
                with PeakRss(server.pid) as sampler:
                    started = time.perf_counter()
                    r = client.post("/v1/labor-market/observations", content=body,
                                    headers={"Content-Type": "application/x-ndjson"})
                    elapsed = time.perf_counter() - started
                r.raise_for_status()
                report = r.json()
                assert report["rejected"] == 0, report
                print(f"{label:<26}{args.rows:>10,}{elapsed:>10.2f}{args.rows / elapsed:>12,.0f}"
                      f"{sampler.peak / 2**20:>13.1f}{sampler.growth / 2**20:>11.1f}"
                      f"  {report['created']}/{report['updated']}/{report['unchanged']}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
