"""Charts a portal can embed as-is: a radar chart of readiness element scores, as self-contained SVG."""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from api.domain.errors import FieldProblem, InvalidInput

SVG_NS = "http://www.w3.org/2000/svg"
INSUFFICIENT_DATA = "insufficient data"

# Layout, in SVG user units. Labels wrap so that long element names fit beside the chart.
_RADIUS = 150.0
_LABEL_GAP = 16.0
_LABEL_WRAP = 24
_LABEL_MARGIN = 180.0
_LINE = 15.0
_TITLE_BAND = 44.0
_LEGEND_BAND = 56.0
_CURRENT_COLOUR = "#1f6feb"
_PREVIOUS_COLOUR = "#7b8794"
_GRID_COLOUR = "#d0d4da"
_TEXT_COLOUR = "#1f2933"
_MUTED_COLOUR = "#616e7c"
_LEGEND_STEP = 150.0
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FONT = "system-ui, -apple-system, Segoe UI, sans-serif"


def _xml_safe(text: str) -> str:
    # Characters XML 1.0 cannot carry at all (control characters, lone surrogates) are dropped.
    return _NOT_XML.sub("", text)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _attrs(**attrs: str | float | None) -> str:
    # Keyword names map to attributes: class_ -> class, font_size -> font-size; None leaves one out.
    return " ".join(
        f"{key.rstrip('_').replace('_', '-')}={quoteattr(_num(v) if isinstance(v, float) else str(v))}"
        for key, v in attrs.items()
        if v is not None
    )


def _tag(name: str, content: str | None = None, **attrs: str | float | None) -> str:
    opening = f"{name} {_attrs(**attrs)}".rstrip()
    return f"<{opening}/>" if content is None else f"<{opening}>{content}</{name}>"


def _check(
    labels: Sequence[str],
    current: Sequence[float | None],
    previous: Sequence[float | None] | None,
    maximum: float,
    rings: int,
) -> None:
    problems: list[FieldProblem] = []
    if len(labels) < 3:
        problems.append(FieldProblem("element_labels", "a radar chart needs at least three axes"))
    if len(current) != len(labels):
        problems.append(FieldProblem("current", "must have one value per element label"))
    if previous is not None and len(previous) != len(labels):
        problems.append(FieldProblem("previous", "must have one value per element label"))
    for name, series in (("current", current), ("previous", previous or ())):
        for i, value in enumerate(series):
            if value is not None and not math.isfinite(value):
                problems.append(FieldProblem(f"{name}[{i}]", "must be a finite number or null"))
    if not (math.isfinite(maximum) and maximum > 0):
        problems.append(FieldProblem("maximum", "must be a positive number"))
    if rings < 1:
        problems.append(FieldProblem("rings", "must be at least 1"))
    if problems:
        raise InvalidInput(problems)


def radar_chart_svg(
    element_labels: Sequence[str],
    current: Sequence[float | None],
    previous: Sequence[float | None] | None = None,
    title: str = "Readiness by element",
    *,
    maximum: float = 100.0,
    rings: int = 4,
    current_label: str = "This round",
    previous_label: str = "Previous round",
) -> str:
    """Draw element scores (0 to maximum, None for insufficient data) as a radar chart in SVG."""
    _check(element_labels, current, previous, maximum, rings)
    element_labels = [_xml_safe(label) for label in element_labels]
    title, current_label, previous_label = (_xml_safe(t) for t in (title, current_label, previous_label))
    n = len(element_labels)
    wrapped = [textwrap.wrap(label, _LABEL_WRAP) or [""] for label in element_labels]
    lines = [len(w) + (1 if current[i] is None else 0) for i, w in enumerate(wrapped)]
    band = max(lines) * _LINE
    width = 2 * (_RADIUS + _LABEL_MARGIN)
    cx = width / 2
    cy = _TITLE_BAND + band + _LABEL_GAP + _RADIUS
    legend_y = cy + _RADIUS + _LABEL_GAP + band + _LINE
    height = legend_y + _LEGEND_BAND

    angles = [-math.pi / 2 + 2 * math.pi * i / n for i in range(n)]

    def at(angle: float, fraction: float) -> tuple[float, float]:
        return cx + _RADIUS * fraction * math.cos(angle), cy + _RADIUS * fraction * math.sin(angle)

    def fraction(value: float | None) -> float:
        return 0.0 if value is None else min(max(value / maximum, 0.0), 1.0)

    def points(series: Sequence[float | None]) -> str:
        pairs = (at(a, fraction(v)) for a, v in zip(angles, series, strict=True))
        return " ".join(f"{_num(x)},{_num(y)}" for x, y in pairs)

    def shown(value: float | None) -> str:
        return INSUFFICIENT_DATA if value is None else f"{value:.0f}"

    def tip(i: int) -> str:
        text = f"{element_labels[i]}: {shown(current[i])}"
        return text + (f" (previous {shown(previous[i])})" if previous is not None else "")

    out = [
        "<svg "
        + _attrs(xmlns=SVG_NS, viewBox=f"0 0 {_num(width)} {_num(height)}", width=width, height=height,
                 role="img", aria_label=title, font_family=_FONT)
        + ">",
        _tag("title", escape(title)),
        _tag("desc", escape("; ".join(tip(i) for i in range(n)))),
        _tag("text", escape(title), class_="chart-title", x=cx, y=28.0, text_anchor="middle", font_size=16,
             font_weight="bold", fill=_TEXT_COLOUR),
        '<g class="grid">',
    ]
    for ring in range(1, rings + 1):
        share = ring / rings
        ring_points = " ".join(f"{_num(x)},{_num(y)}" for x, y in (at(a, share) for a in angles))
        x, y = at(angles[0], share)
        out.append(_tag("polygon", class_="ring", points=ring_points, fill="none", stroke=_GRID_COLOUR))
        out.append(_tag("text", escape(f"{maximum * share:g}"), class_="ring-label", x=x + 4, y=y + 4,
                        font_size=10, fill=_MUTED_COLOUR))
    out.append("</g>")
    out.append('<g class="axes">')
    for a in angles:
        x, y = at(a, 1.0)
        out.append(_tag("line", class_="axis", x1=cx, y1=cy, x2=x, y2=y, stroke=_GRID_COLOUR))
    out.append("</g>")

    if previous is not None:
        out.append(_tag("polygon", class_="series previous", points=points(previous), fill=_PREVIOUS_COLOUR,
                        fill_opacity="0.12", stroke=_PREVIOUS_COLOUR, stroke_width=2, stroke_dasharray="6 4"))
    out.append(_tag("polygon", class_="series current", points=points(current), fill=_CURRENT_COLOUR,
                    fill_opacity="0.2", stroke=_CURRENT_COLOUR, stroke_width=2))
    out.append('<g class="points">')
    for i, a in enumerate(angles):
        x, y = at(a, fraction(current[i]))
        hollow = current[i] is None
        out.append(_tag("circle", _tag("title", escape(tip(i))),
                        class_="point current insufficient" if hollow else "point current", cx=x, cy=y, r=4,
                        fill="#ffffff" if hollow else _CURRENT_COLOUR, stroke=_CURRENT_COLOUR))
    out.append("</g>")

    out.append('<g class="labels">')
    for i, a in enumerate(angles):
        cos, sin = math.cos(a), math.sin(a)
        x, y = at(a, 1.0)
        x, y = x + _LABEL_GAP * cos, y + _LABEL_GAP * sin
        if sin < -0.1:
            first = y - (lines[i] - 1) * _LINE
        elif sin > 0.1:
            first = y + _LINE * 0.8
        else:
            first = y - (lines[i] - 1) * _LINE / 2 + 4
        spans = [_tag("tspan", escape(text), x=x, y=first + k * _LINE) for k, text in enumerate(wrapped[i])]
        if current[i] is None:
            spans.append(_tag("tspan", INSUFFICIENT_DATA, class_="insufficient", x=x,
                              y=first + len(wrapped[i]) * _LINE, font_style="italic", fill=_MUTED_COLOUR))
        anchor = "start" if cos > 0.1 else "end" if cos < -0.1 else "middle"
        out.append(_tag("text", "".join(spans), class_="axis-label", text_anchor=anchor, font_size=12,
                        fill=_TEXT_COLOUR))
    out.append("</g>")

    entries: list[tuple[str, str, str | None]] = [(current_label, _CURRENT_COLOUR, None)]
    if previous is not None:
        entries.append((previous_label, _PREVIOUS_COLOUR, "6 4"))
    out.append('<g class="legend">')
    x = cx - _LEGEND_STEP * len(entries) / 2
    for text, colour, dash in entries:
        out.append(_tag("line", x1=x, y1=legend_y, x2=x + 24, y2=legend_y, stroke=colour, stroke_width=3,
                        stroke_dasharray=dash))
        out.append(_tag("text", escape(text), x=x + 30, y=legend_y + 4, font_size=12, fill=_TEXT_COLOUR))
        x += _LEGEND_STEP
    if any(v is None for v in current):
        note = f"Elements with {INSUFFICIENT_DATA} are plotted at the centre."
        out.append(_tag("text", escape(note), class_="note", x=cx, y=legend_y + 24, text_anchor="middle",
                        font_size=11, font_style="italic", fill=_MUTED_COLOUR))
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
