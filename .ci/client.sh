#!/usr/bin/env bash
# Generate a Python client from the committed openapi/openapi.json with openapi-python-client (every operation
# must be generated), then drive a portal's flow through it against a running server. The client is generated
# into a temporary folder and never committed. The generator (its own virtual environment) and what the client
# imports (the project's) come from the hashed lock files .ci/client/generator.txt and runtime.txt (`make lock`).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 -m venv "$WORK/generator"
"$WORK/generator/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps \
  -r .ci/client/generator.txt
PATH="$PWD/.venv/bin:$PATH" "$WORK/generator/bin/openapi-python-client" generate --path openapi/openapi.json \
  --output-path "$WORK/pathways_client" --meta none --config .ci/client/config.yaml 2>&1 | tee "$WORK/generate.log"
if grep -Eq "will not be generated|Cannot parse|Unsupported|Unable to" "$WORK/generate.log"; then
  echo "client: openapi-python-client left out part of the description (above)" >&2
  exit 1
fi
operations=$(.venv/bin/python -c "import json; s = json.load(open('openapi/openapi.json')); print(sum(1 for p in \
s['paths'].values() for m in p if m in ('get', 'put', 'post', 'patch', 'delete')))")
generated=$(find "$WORK/pathways_client/api" -name '*.py' ! -name '__init__.py' | wc -l)
echo "client: $generated of $operations operations generated"
[ "$generated" -eq "$operations" ]
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
  -r .ci/client/runtime.txt
PATHWAYS_GENERATED_CLIENT="$WORK" .venv/bin/python -m pytest tests/client -rs -p no:cacheprovider \
  | tee "$WORK/pytest.log"
if grep -q "skipped" "$WORK/pytest.log"; then
  echo "client: the portal flow was skipped (see above)" >&2
  exit 1
fi
