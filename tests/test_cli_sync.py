"""The import and export commands, run as a user would, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]


def _run(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": dsn, "PATHWAYS_MIGRATE_ON_START": "false"}
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


async def test_import_then_export_round_trips_through_the_command_line(clean_db, database_dsn, tmp_path):
    rows = [{"external_id": f"C{i}", "name": f"Clinic {i}", "partner_type": "human_services_agency",
             "level": "local", "jurisdiction": {"state": "OR"}} for i in range(25)]
    file = tmp_path / "partners.ndjson"
    file.write_bytes(b"\n".join(orjson.dumps(r) for r in rows) + b"\n")
    first = _run(database_dsn, "import", str(file), "--source", "cli-test", "--quiet")
    assert first.returncode == 0, first.stderr
    assert orjson.loads(first.stdout)["created"] == 25
    again = _run(database_dsn, "import", str(file), "--source", "cli-test", "--quiet")
    assert orjson.loads(again.stdout)["unchanged"] == 25
    out = tmp_path / "export.ndjson"
    exported = _run(database_dsn, "export", "partners", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    names = sorted(orjson.loads(line)["name"] for line in out.read_text().splitlines())
    assert names == sorted(r["name"] for r in rows)


async def test_an_invalid_file_is_refused_with_the_line_and_a_nonzero_exit(clean_db, database_dsn, tmp_path):
    file = tmp_path / "bad.ndjson"
    file.write_text('{"external_id": "A", "name": "A", "partner_type": "nope", "level": "local", '
                    '"jurisdiction": {"state": "OR"}}\n')
    r = _run(database_dsn, "import", str(file), "--source", "cli-test", "--quiet")
    assert r.returncode == 1
    assert orjson.loads(r.stdout)["problems"][0]["line"] == 1


async def test_import_of_an_hsds_example_dataset_keeps_hsds_ids_as_external_identifiers(clean_db, database_dsn):
    from tests.rest.test_hsds_api import REFERENCE  # HSDS_REFERENCE_DIR, or ../shared/reference/hsds-3.0

    example = REFERENCE / "examples" / "organization_full.json"
    if not example.exists():
        import pytest

        pytest.skip(f"the HSDS reference examples are not at {example}")
    r = _run(database_dsn, "import", str(example), "--kind", "hsds", "--source", "example", "--state", "OR",
             "--quiet")
    assert r.returncode == 0, r.stderr + r.stdout
    report = orjson.loads(r.stdout)
    assert report["partners"]["created"] == 1
    assert any(d["path"] == "organizations[].funding[].source" for d in report["dropped_fields"])
    async with clean_db.pool.acquire() as conn:
        source = await conn.fetchval("SELECT source FROM partner_external_ids")
    assert source == "hsds:example"


async def test_the_command_line_dry_runs_guards_complete_sets_and_reports_the_export_cursor(
        clean_db, database_dsn, tmp_path):
    rows = [{"external_id": f"D{i}", "name": f"Desk {i}", "partner_type": "human_services_agency",
             "level": "local", "jurisdiction": {"state": "OR"}} for i in range(10)]
    file = tmp_path / "partners.ndjson"
    file.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    dry = _run(database_dsn, "import", str(file), "--source", "cli-dry", "--quiet", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert (orjson.loads(dry.stdout)["created"], orjson.loads(dry.stdout)["dry_run"]) == (10, True)
    assert _run(database_dsn, "import", str(file), "--source", "cli-dry", "--quiet").returncode == 0
    half = tmp_path / "half.ndjson"
    half.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows[:5]))
    refused = _run(database_dsn, "import", str(half), "--source", "cli-dry", "--quiet", "--complete")
    assert refused.returncode == 1 and "would retire 5 of the 10" in refused.stderr
    done = _run(database_dsn, "import", str(half), "--source", "cli-dry", "--quiet", "--complete",
                "--max-retire", "5")
    assert orjson.loads(done.stdout)["retired"] == 5, done.stderr
    out = tmp_path / "export.ndjson"
    exported = _run(database_dsn, "export", "partners", "--out", str(out), "--status", "retired")
    assert exported.returncode == 0, exported.stderr
    assert len(out.read_text().splitlines()) == 5
    assert "exported 5 partners; feed cursor: " in exported.stderr
    assert exported.stderr.strip().rsplit(": ", 1)[1], "a cursor to follow the feed from"
