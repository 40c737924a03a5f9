"""Render the README's pictures of the two charts: docs/readiness-chart.png and docs/state-overview-chart.png.

The SVG comes from the service's own chart code (api/rendering/charts.py), fed with an example round and an
example state; ``rsvg-convert`` (Debian's librsvg2-bin) turns it into PNG. tests/rendering/test_render_png.py
renders the same examples and checks what they show. Run: .venv/bin/python scripts/render_docs_charts.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from api.rendering.charts import radar_chart_svg, stacked_bar_chart_svg

ELEMENTS = (
    "1. Build cross-agency partnerships and clarify roles",
    "2. Identify sector or industry and engage employers",
    "3. Design education and training programs",
    "4. Identify funding needs and sources",
    "5. Align policies and programs",
    "6. Measure system change and performance",
)
CURRENT = (2.8, 3.4, 2.2, None, 1.7, 2.5)
PHASE_NAMES = ("Implementation Phase", "Implementation Phase", "Planning Phase", None, "Planning Phase",
               "Implementation Phase")
PREVIOUS = (2.1, 2.6, 2.0, 1.5, 1.2, 1.8)
AREAS = ("statewide", "or-brightwater", "or-cascade", "or-highdesert", "or-coast")
FUNCTIONS = (("led", [10, 9, 6, 3, 7]), ("supported only", [0, 1, 2, 2, 0]), ("unled", [0, 0, 2, 5, 3]))


def readiness_svg() -> str:
    """The example round: one element without enough ratings, against the previous round."""
    return radar_chart_svg(ELEMENTS, CURRENT, PREVIOUS, "Readiness by element, round started 2026-09-01",
                           phases=PHASE_NAMES, current_label="This round (closed)",
                           previous_label="Previous round (closed 2026-02-27)")


def state_svg() -> str:
    """The example state: its own system and four local areas."""
    return stacked_bar_chart_svg(AREAS, FUNCTIONS, "Core functions by local area, OR, 2026-12-07")


def to_png(svg: str, out: Path, *, width: int = 1200) -> None:
    """Render SVG to PNG with rsvg-convert (white background, ``width`` pixels wide)."""
    binary = shutil.which("rsvg-convert")
    if binary is None:
        raise SystemExit("rsvg-convert is missing: apt-get install -y librsvg2-bin")
    subprocess.run([binary, "--format=png", f"--width={width}", "--keep-aspect-ratio", "--background-color=white",
                    f"--output={out}"], input=svg.encode(), check=True)


def main() -> int:
    docs = Path(__file__).resolve().parent.parent / "docs"
    to_png(readiness_svg(), docs / "readiness-chart.png", width=900)
    to_png(state_svg(), docs / "state-overview-chart.png", width=900)
    print(f"wrote {docs / 'readiness-chart.png'} and {docs / 'state-overview-chart.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
