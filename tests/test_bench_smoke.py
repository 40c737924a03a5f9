"""The benchmark scripts still run end to end (tiny sizes, one second of load; no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmarks_run_on_tiny_data_and_write_their_report(tmp_path):
    out = tmp_path / "latest.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--mode", "quick", "--scale", "0.02", "--seconds", "1",
         "--only", "read,readiness", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(out.read_text())
    names = {(f["benchmark"], f["name"]) for f in report["figures"]}
    assert ("directory read (REST)", "service req/s") in names
    assert ("GraphQL read", "SQL round trips, first: 10 / 100") in names
    assert any(benchmark == "readiness scoring" for benchmark, _ in names)
    assert all(f["value"] >= 0 for f in report["figures"])
    assert "| target" in report["table"]


def test_the_state_overview_benchmark_runs_on_a_tiny_state():
    done = subprocess.run(
        [sys.executable, "-m", "bench.state_overview", "--systems", "3", "--members", "4", "--repeat", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "state overview, 3 local systems x 4 members (3 areas)," in done.stdout
    assert "SQL statements" in done.stdout and "target p50" in done.stdout
