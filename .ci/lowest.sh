#!/usr/bin/env bash
# CI: the suite on the oldest versions pyproject.toml allows (uv's lowest-direct resolution), in a virtual
# environment of its own (.venv-lowest), so the ranges it declares are ranges that were tested.
set -euo pipefail
cd "$(dirname "$0")/.."
# Servers started by tests/reliability take about twice as long to answer on these versions (two workers
# with uvicorn 0.30 and pydantic 2.11): 22 s against 50 s on a loaded 2-core machine.
HYPOTHESIS_PROFILE=dev LIVE_SERVER_READY_TIMEOUT=180 make test-lowest  # the versions are under test here, not the properties
