#!/usr/bin/env bash
# The charts rendered to PNG by rsvg-convert (Debian's librsvg2-bin): installed here, and required, so the
# rendering tests never skip in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v rsvg-convert >/dev/null; then
  apt-get update && apt-get install -y librsvg2-bin
fi
PATHWAYS_REQUIRE_RSVG=1 .venv/bin/python -m pytest -q tests/rendering/test_render_png.py
