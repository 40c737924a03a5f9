#!/usr/bin/env bash
# Open /docs (Swagger UI), /redoc and /graphql (GraphiQL) in headless Chromium with every address but loopback
# unreachable: the operations list renders, Swagger UI authorizes with a key and runs a call, GraphiQL runs a
# query, and no page requests anything from another host. Installs Debian's chromium and chromium-driver, and
# Selenium into the project's virtual environment from .ci/browser/requirements.txt (hashed; `make lock`).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
  -r .ci/browser/requirements.txt
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
.venv/bin/python -m pytest tests/browser -rs -p no:cacheprovider | tee "$out"
if grep -q "skipped" "$out"; then
  echo "browser: a test was skipped (see above)" >&2
  exit 1
fi
