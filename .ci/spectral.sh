#!/usr/bin/env bash
# Lint the committed OpenAPI description with Spectral (spectral:oas plus the project's ruleset); fail on any
# error or warning. Installs its own pinned Spectral through npm.
set -euo pipefail
cd "$(dirname "$0")/spectral"
npm install --no-audit --no-fund --silent >/dev/null
npx --no-install spectral lint --ruleset ruleset.yaml --fail-severity warn --format text \
  ../../openapi/openapi.json
echo "spectral: openapi/openapi.json passes spectral:oas and the project ruleset (0 errors, 0 warnings)"
