"""The committed API descriptions are what the code generates, and the layers keep their dependency rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from api.cli import export_schemas

ROOT = Path(__file__).resolve().parents[1]


def test_committed_openapi_and_graphql_sdl_match_the_code(tmp_path):
    export_schemas(tmp_path)
    for name in ("openapi.json", "schema.graphql"):
        committed = (ROOT / "openapi" / name).read_text()
        generated = (tmp_path / name).read_text()
        assert committed == generated, f"openapi/{name} is stale: run `make schemas` and commit the result"


def test_every_operation_documents_problem_responses():
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            if method in {"post", "patch", "put"}:
                assert "422" in codes, f"{method.upper()} {path} does not document 422"


def test_import_contracts_hold():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
