"""Directory sync benchmark: N partners as NDJSON over HTTP, then the same file again.

Runs a real server (uvicorn, one worker) on loopback against an embedded PostgreSQL in a temporary
folder, and prints records per second and the server's peak RSS. Usage:

    .venv/bin/python -m bench.sync_bench --rows 50000 [--rows 200000]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

from bench.harness import PeakRss, free_port

ROOT = Path(__file__).resolve().parents[1]
TYPES = ["workforce_agency", "educational_institution", "community_based_organization", "employer",
         "human_services_agency", "adult_education"]
POPULATIONS = ["low_income", "youth", "veteran", "disability", "english_learner", "single_parent"]


def dataset(rows: int, seed: int = 7) -> bytes:
    """A seeded NDJSON file of partners."""
    rng = random.Random(seed)
    lines = []
    for i in range(rows):
        lines.append(orjson.dumps({
            "external_id": f"B{i:07d}", "name": f"Bench provider {i:07d}", "partner_type": rng.choice(TYPES),
            "level": "local", "jurisdiction": {"state": "OR"},
            "populations_served": rng.sample(POPULATIONS, 2), "capacity": rng.randrange(10, 500),
            "latitude": round(42 + rng.random() * 4, 5), "longitude": round(-124 + rng.random() * 7, 5),
            "description": "Synthetic record for the sync benchmark",
        }))
    return b"\n".join(lines) + b"\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, action="append", help="dataset sizes (repeatable)")
    args = parser.parse_args()
    sizes = args.rows or [50_000]
    folder = Path(tempfile.mkdtemp(prefix="pathways-bench-"))
    env = {**os.environ, "PATHWAYS_DATA_DIR": str(folder), "PATHWAYS_LOG_LEVEL": "WARNING",
           "PATHWAYS_RATE_LIMIT_PER_MINUTE": "1000000"}
    env.pop("DATABASE_URL", None)
    pathways = [sys.executable, "-m", "api.cli"]
    created = subprocess.run([*pathways, "keys", "create", "--name", "bench", "--scopes", "admin"], env=env,
                             cwd=ROOT, capture_output=True, text=True, check=True)
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen([*pathways, "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=600, headers={"Authorization": f"Bearer {key}"}) as client:
            for _ in range(300):
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            print(f"{'run':<28}{'records':>10}{'seconds':>10}{'records/s':>12}{'peak RSS MB':>13}{'growth MB':>11}")
            for rows in sizes:
                body = dataset(rows)
                for label in ("first sync", "same file again"):
                    with PeakRss(server.pid) as sampler:
                        started = time.perf_counter()
                        r = client.post("/v1/sync/partners", params={"source": f"bench-{rows}"}, content=body,
                                        headers={"Content-Type": "application/x-ndjson"})
                        elapsed = time.perf_counter() - started
                    r.raise_for_status()
                    report = r.json()
                    assert report["rejected"] == 0, report
                    print(f"{label + f' ({rows:,})':<28}{rows:>10,}{elapsed:>10.2f}{rows / elapsed:>12,.0f}"
                          f"{sampler.peak / 2**20:>13.1f}{sampler.growth / 2**20:>11.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
