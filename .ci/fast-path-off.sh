#!/usr/bin/env bash
# CI: the GraphQL and REST suites with the speed machinery off (the GraphQL fast path in api/graphql/fast/ and
# the stored constructors of api/repositories/_rows.py), so that Strawberry's stock
# executor, which runs whenever the fast path is disabled or cannot load, is known to serve the same API.
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory .venv/.installed  # the lock file's environment, as `make test` builds it
PATHWAYS_GRAPHQL_FAST_PATH=0 PATHWAYS_STORED_CONSTRUCTORS=0 .venv/bin/python -m pytest -q -n "${PYTEST_WORKERS:-2}" --dist loadfile tests/graphql tests/rest
