"""The command line as a user meets it: version, help, environment, one-line errors with distinct exit codes,
``-`` for standard input and output, options in either position."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import httpx
import orjson

from api import __version__
from api.cli import EXIT_AUTH, EXIT_INPUT, EXIT_REJECTED, EXIT_UNREACHABLE, EXIT_USAGE, _http_failure, build_parser

ROOT = Path(__file__).resolve().parents[1]
DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there


def _run(*args: str, dsn: str | None = None, stdin: bytes | None = None,
         **env: str) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAYS_") and k != "DATABASE_URL"}
    if dsn:
        base.update(DATABASE_URL=dsn, PATHWAYS_MIGRATE_ON_START="false")
    return subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env={**base, **env}, input=stdin,
                          capture_output=True, timeout=120, check=False)


def _one_line_error(r: subprocess.CompletedProcess[bytes]) -> str:
    lines = [line for line in r.stderr.decode().splitlines() if line.startswith("pathways: ")]
    assert len(lines) == 1 and "Traceback" not in r.stderr.decode(), r.stderr.decode()
    return lines[0]


def test_version_names_the_package_version():
    r = _run("--version")
    assert r.returncode == 0 and r.stdout.decode().strip() == f"pathways {__version__}"


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _subparsers(sub)
    return found


def test_every_option_says_its_default_and_environment_variable_where_it_has_one():
    for parser in _subparsers(build_parser()):
        for action in parser._actions:
            if not action.option_strings or action.dest in ("help", "version", "debug"):
                continue
            assert action.help and ("default" in action.help or action.required), (parser.prog, action.dest)
    help_text = _run("import", "--help").stdout.decode()
    for variable in ("PATHWAYS_URL", "PATHWAYS_API_KEY", "PATHWAYS_DATA_DIR"):
        assert variable in help_text


def test_options_are_accepted_before_or_after_the_subcommand():
    parser = build_parser()
    for argv in (["keys", "create", "--name", "n", "--scopes", "admin", "--data-dir", "/d"],
                 ["--data-dir", "/d", "keys", "create", "--name", "n", "--scopes", "admin"],
                 ["keys", "--data-dir", "/d", "list"], ["import", "f.ndjson", "--source", "s", "--data-dir", "/d"]):
        assert parser.parse_args(argv).data_dir == "/d", argv


def test_a_missing_file_is_one_line_and_its_own_exit_code():
    r = _run("import", "/no/such/file.ndjson", "--source", "s", "--quiet")
    assert r.returncode == EXIT_INPUT
    assert "cannot read /no/such/file.ndjson" in _one_line_error(r)


def test_the_service_and_key_come_from_the_environment_and_an_unreachable_service_is_one_line():
    r = _run("import", "-", "--source", "s", "--quiet", stdin=b"{}\n", PATHWAYS_URL=DEAD_URL, PATHWAYS_API_KEY="pw_x")
    assert r.returncode == EXIT_UNREACHABLE
    assert f"cannot reach {DEAD_URL}" in _one_line_error(r)
    no_key = _run("import", "-", "--source", "s", "--quiet", stdin=b"{}\n", PATHWAYS_URL=DEAD_URL)
    assert no_key.returncode == EXIT_AUTH and "PATHWAYS_API_KEY" in _one_line_error(no_key)
    export = _run("export", "partners", PATHWAYS_URL=DEAD_URL)
    assert export.returncode == EXIT_UNREACHABLE


def test_a_refusal_by_the_service_is_one_line_with_the_problem_detail_and_an_exit_code_for_its_kind():
    request = httpx.Request("POST", "http://service/v1/sync/partners")
    problem = {"type": "/problems/unauthenticated", "title": "Authentication required", "status": 401,
               "detail": "the API key is revoked"}
    error = _http_failure(httpx.Response(401, json=problem, request=request))
    assert error.code == EXIT_AUTH and "401" in str(error) and "the API key is revoked" in str(error)
    assert _http_failure(httpx.Response(404, json={"detail": "x"}, request=request)).code == EXIT_REJECTED


async def test_import_reads_standard_input_and_export_writes_standard_output(clean_db, database_dsn):
    rows = [{"external_id": f"S{i}", "name": f"Stdin Clinic {i}", "partner_type": "human_services_agency",
             "level": "local", "jurisdiction": {"state": "OR"}} for i in range(3)]
    body = b"\n".join(orjson.dumps(r) for r in rows) + b"\n"
    imported = _run("import", "-", "--source", "stdin-test", dsn=database_dsn, stdin=body)
    assert imported.returncode == 0, imported.stderr
    assert orjson.loads(imported.stdout)["created"] == 3
    assert "3 records" in imported.stderr.decode(), "progress counts records, not bytes"
    exported = _run("export", "partners", "--out", "-", dsn=database_dsn)
    assert exported.returncode == 0, exported.stderr
    assert sorted(orjson.loads(line)["name"] for line in exported.stdout.splitlines()) == [r["name"] for r in rows]


async def test_a_key_id_that_is_not_one_is_a_usage_error(clean_db, database_dsn):
    r = _run("keys", "revoke", "not-a-uuid", dsn=database_dsn)
    assert r.returncode == EXIT_USAGE and "is not a key id" in _one_line_error(r)
