#!/usr/bin/env bash
# CI: the suite on the oldest versions pyproject.toml allows (uv's lowest-direct resolution), in a virtual
# environment of its own (.venv-lowest), so the ranges it declares are ranges that were tested.
set -euo pipefail
cd "$(dirname "$0")/.."
HYPOTHESIS_PROFILE=dev make test-lowest  # the versions are under test here, not the properties
