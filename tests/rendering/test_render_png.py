"""The charts rendered to PNG by rsvg-convert (Debian's librsvg2-bin), as a reader of docs/ sees them.

Skipped only where the binary is missing; CI (.ci/render.sh) installs it and sets PATHWAYS_REQUIRE_RSVG=1,
which turns a missing binary into a failure, so these never skip there.
"""

from __future__ import annotations

import os
import shutil
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from api.rendering.charts import SVG_NS
from scripts.render_docs_charts import CURRENT, readiness_svg, state_svg, to_png

if shutil.which("rsvg-convert") is None:
    if os.environ.get("PATHWAYS_REQUIRE_RSVG") == "1":
        raise RuntimeError("rsvg-convert is required here (PATHWAYS_REQUIRE_RSVG=1): apt-get install librsvg2-bin")
    pytest.skip("rsvg-convert (librsvg2-bin) is not installed", allow_module_level=True)


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB(A) non-interlaced PNG into rows of pixel bytes (what rsvg-convert writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = data
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0) and colour in (2, 6)
    step = 4 if colour == 6 else 3
    raw, stride, rows, previous = zlib.decompress(idat), width * step, [], bytearray(width * step)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line[k:k + 3]) for k in range(0, stride, step))
        rows[-1] = b"".join(rows[-1])
        previous = line
    return width, height, rows


def _render(svg: str, tmp_path: Path, name: str) -> tuple[int, int, list[bytes]]:
    out = tmp_path / name
    to_png(svg, out, width=600)
    return _pixels(out.read_bytes())


def _ink(rows: list[bytes]) -> tuple[float, int]:
    """The share of pixels that are not white, and how many distinct colours there are."""
    colours: set[bytes] = set()
    inked = total = 0
    for row in rows:
        for k in range(0, len(row), 3):
            px = row[k:k + 3]
            colours.add(px)
            total += 1
            inked += px != b"\xff\xff\xff"
    return inked / total, len(colours)


def test_the_readiness_chart_names_the_phases_prints_the_values_and_renders(tmp_path: Path) -> None:
    svg = readiness_svg()
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{{{SVG_NS}}}text")]
    for phase in ("Initiation Phase", "Planning Phase", "Implementation Phase", "Sustained Phase"):
        assert any(phase in t for t in texts), phase
    assert [t for t in texts if t in {f"{v:.1f}" for v in CURRENT if v is not None}] == ["2.8", "3.4", "2.2", "1.7",
                                                                                       "2.5"]
    assert any("insufficient data" in t for t in texts)
    width, height, rows = _render(svg, tmp_path, "readiness.png")
    assert width == 600 and height > 400
    share, colours = _ink(rows)
    assert 0.05 < share < 0.6, share  # a drawing, neither blank nor a filled box
    assert colours > 50  # lines, fills, text with anti-aliasing
    # The chart's blue series reached the picture, not only its grey grid.
    assert any(row[k + 2] > 200 and row[k] < 80 for row in rows for k in range(0, len(row), 3))


def test_the_state_chart_prints_the_counts_and_renders(tmp_path: Path) -> None:
    svg = state_svg()
    root = ET.fromstring(svg)
    counts = [t.text for t in root.iter(f"{{{SVG_NS}}}text") if "count" in (t.get("class") or "")]
    assert counts == ["10", "9", "1", "6", "2", "2", "3", "2", "5", "7", "3"]
    assert "or-highdesert: 3 led, 2 supported only, 5 unled" in (root.findtext(f"{{{SVG_NS}}}desc") or "")
    width, height, rows = _render(svg, tmp_path, "state.png")
    assert width == 600 and height > 200
    share, colours = _ink(rows)
    assert 0.1 < share < 0.7, share
    assert colours > 20
