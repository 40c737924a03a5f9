"""Property-based API testing: schemathesis against the committed OpenAPI, on a real server.

Starts ``pathways serve --demo`` on loopback with its own embedded PostgreSQL (so list and detail
operations answer with real records, and half the generated path identifiers are ids of those records),
authenticates with the demo admin key, runs every phase of
``schemathesis run`` over every operation of ``openapi/openapi.json``, prints the number of operations
and test cases, and exits non-zero on any failure (a 5xx, an undocumented status, content type or
header, or a body that does not match its schema).

    python -m tests.reliability.fuzz                      # what CI runs (make fuzz)
    python -m tests.reliability.fuzz --max-examples 200 --seed random   # a longer run
    python -m tests.reliability.fuzz -- --include-path-regex '^/v1/partners'   # extra schemathesis options
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.reliability.live import LiveServer
from tests.test_serve_e2e import _printed_demo_key

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = ROOT / "openapi" / "openapi.json"
CONFIG = Path(__file__).with_name("schemathesis.toml")
DEFAULT_EXAMPLES = 15
DEFAULT_SEED = "20261123"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("FUZZ_MAX_EXAMPLES", DEFAULT_EXAMPLES)),
                        help="test cases per operation and phase (default %(default)s)")
    parser.add_argument("--seed", default=os.environ.get("FUZZ_SEED", DEFAULT_SEED),
                        help="'random' for a new seed each run; CI uses a fixed one so a failure reproduces")
    parser.add_argument("--workers", type=int, default=1,
                        help="concurrent schemathesis threads (above 1, Python 3.11's parser can crash in them)")
    parser.add_argument("extra", nargs="*", help="further `schemathesis run` options (after --)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    server = LiveServer(demo=True, env={
        # The run sends thousands of requests a minute with one key (and some without): not what is tested.
        "PATHWAYS_RATE_LIMIT_PER_MINUTE": "100000000", "PATHWAYS_ANONYMOUS_RATE_LIMIT_PER_MINUTE": "100000000",
        "PATHWAYS_ENVIRONMENT": "development",  # prints the demo admin key
    })
    try:
        server.start()
        key = _printed_demo_key(server.log)
        keys = httpx.get(f"{server.base_url}/v1/admin/keys", headers={"Authorization": f"Bearer {key}"}).json()
        key_id = next(k["id"] for k in keys if key.startswith(f"pw_{k['prefix']}_"))
        print(f"fuzz: server {server.base_url} ready in {time.monotonic() - started:.1f}s", flush=True)
        config = server.data_dir / "schemathesis.toml"
        config.write_text(CONFIG.read_text() + _dictionaries(_real_ids(server.base_url, key)))
        command = [
            str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "--no-color", "run",
            str(OPENAPI), "--url", server.base_url, "--header", f"Authorization: Bearer {key}",
            "--max-examples", str(args.max_examples), "--workers", str(args.workers), "--request-timeout", "30",
            *([] if args.seed == "random" else ["--seed", args.seed]), *args.extra,
        ]
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.reliability.fuzz_hooks", "FUZZ_PROTECTED_KEY_ID": key_id,
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        run = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             check=False)
        print(run.stdout, flush=True)
        alive = server.process is not None and server.process.poll() is None
        errors = _logged_errors(server.log)
        print(_summary(run.stdout, args.max_examples, time.monotonic() - started))
        if not alive:
            print(f"fuzz: the server died during the run:\n{server.logs()}")
        if errors:
            print(f"fuzz: the server logged {len(errors)} distinct unhandled errors:")
            for error in errors:
                print(f"---\n{error}")
        return run.returncode or int(not alive) or int(bool(errors))
    finally:
        server.close()


def _real_ids(base_url: str, key: str) -> dict[str, list[str]]:
    """Identifiers of demo records, by path parameter name, so that operations also reach existing records."""
    ids: dict[str, list[str]] = {}
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30) as client:

        def items(url: str, field: str = "items", **params: object) -> list[dict[str, Any]]:
            r = client.get(url, params=params)
            if r.status_code != 200:
                return []
            data = r.json()
            found = data if isinstance(data, list) else data.get(field) or []
            return [item for item in found if isinstance(item, dict)]

        def add(name: str, values: list[Any]) -> None:
            ids.setdefault(name, []).extend(str(v) for v in values if v is not None)

        partners = items("/v1/partners", limit=12)
        add("partner_id", [p["id"] for p in partners])
        for p in partners[:6]:
            add("service_id", [s["id"] for s in items(f"/v1/partners/{p['id']}/services")])
            add("connection_id", [c["id"] for c in items(f"/v1/partners/{p['id']}/connections")])
        for system in items("/v1/systems"):
            add("system_id", [system["id"]])
            add("round_id", [r["id"] for r in items(f"/v1/systems/{system['id']}/rounds")])
            add("agreement_id", [a["id"] for a in items(f"/v1/systems/{system['id']}/agreements")])
            add("allocation_id", [a["id"] for a in items(f"/v1/systems/{system['id']}/allocations")])
            add("assignment_id", [a["id"] for a in items(f"/v1/systems/{system['id']}/assignments")])
            plan = client.get(f"/v1/systems/{system['id']}/action-plan")
            goals = plan.json().get("goals") or [] if plan.status_code == 200 else []
            add("goal_id", [g["id"] for g in goals])
            add("item_id", [i["id"] for g in goals for i in g.get("items", [])])
        for url in ("/hsds/organizations", "/hsds/services", "/hsds/taxonomies", "/hsds/taxonomy_terms",
                    "/hsds/service_at_locations"):
            add("id", [o["id"] for o in items(url, "contents", per_page=5)])
        for url in ("/v1/reference/functions", "/v1/reference/funding-streams", "/v1/reference/regions"):
            add("code", [c["code"] for c in items(url)[:5]])
        add("partner_type", [t["code"] for t in items("/v1/reference/partner-types")[:5]])
    return {name: sorted(set(values)) for name, values in ids.items() if values}


def _dictionaries(ids: dict[str, list[str]]) -> str:
    """Schemathesis dictionaries drawing real identifiers for half the cases of each path parameter."""
    lines = ["", "# Written by tests/reliability/fuzz.py: identifiers of the demo records of this run."]
    for name, values in ids.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}"]
    lines.append("[parameters]")
    lines += [f'"{name}" = {{ dictionary = "{name}", probability = 0.5 }}' for name in ids]
    return "\n".join(lines) + "\n"


def _logged_errors(log: Path) -> list[str]:
    """The distinct unhandled errors in the server's JSON log: the innermost frames and the exception."""
    found: dict[str, None] = {}
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("level") == "error" and record.get("logger") == "pathways.errors":
            found.setdefault("\n".join(str(record.get("exception", record.get("message"))).splitlines()[-7:]))
    return list(found)


def _summary(output: str, examples: int, seconds: float) -> str:
    """One line stating what was exercised, taken from schemathesis' own report."""
    tested = re.search(r"Tested:\s+(\d+)", output)
    selected = re.search(r"Selected:\s+(\d+)/(\d+)", output)
    cases = re.search(r"Test cases:\s*\n\s*(\d+) generated(.*)", output)
    return (f"fuzz: {tested.group(1) if tested else '?'} of {selected.group(2) if selected else '?'} operations "
            f"tested, {cases.group(1) if cases else '?'} test cases ({examples} max per operation and phase)"
            f"{cases.group(2).rstrip() if cases else ''}, in {seconds:.0f}s")


if __name__ == "__main__":
    sys.exit(main())
