"""Charts a portal can embed as-is, as self-contained SVG: a radar chart of readiness element scores on the
phase scale, and stacked bars of a state's core functions by local area.

Each chart is read right without colour (dash patterns, markers and hatching tell the series apart) and by a
screen reader (``<title>`` and ``<desc>`` say what the picture shows, value by value).
"""

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


PHASES: tuple[tuple[float, str], ...] = (
    (1.0, "Initiation Phase"), (2.0, "Planning Phase"), (3.0, "Implementation Phase"), (4.0, "Sustained Phase"),
)
"""The four-point scale's phases, for callers without a framework at hand (the service passes the framework's)."""
_PREVIOUS_DASH = "6 4"
_HATCH_ID = "hatch-supported"


def _check(
    labels: Sequence[str],
    current: Sequence[float | None],
    previous: Sequence[float | None] | None,
    scale: Sequence[tuple[float, str]],
    phases: Sequence[str | None] | None,
) -> None:
    problems: list[FieldProblem] = []
    if len(labels) < 3:
        problems.append(FieldProblem("element_labels", "a radar chart needs at least three axes"))
    if len(current) != len(labels):
        problems.append(FieldProblem("current", "must have one value per element label"))
    if previous is not None and len(previous) != len(labels):
        problems.append(FieldProblem("previous", "must have one value per element label"))
    if phases is not None and len(phases) != len(labels):
        problems.append(FieldProblem("phases", "must have one phase (or null) per element label"))
    for name, series in (("current", current), ("previous", previous or ())):
        for i, value in enumerate(series):
            if value is not None and not math.isfinite(value):
                problems.append(FieldProblem(f"{name}[{i}]", "must be a finite number or null"))
    if not scale or any(not (math.isfinite(v) and v > 0) for v, _ in scale):
        problems.append(FieldProblem("scale", "must name at least one phase, each at a positive value"))
    if problems:
        raise InvalidInput(problems)


def radar_chart_svg(
    element_labels: Sequence[str],
    current: Sequence[float | None],
    previous: Sequence[float | None] | None = None,
    title: str = "Readiness by element",
    *,
    scale: Sequence[tuple[float, str]] = PHASES,
    phases: Sequence[str | None] | None = None,
    current_label: str = "This round",
    previous_label: str = "Previous round",
) -> str:
    """Draw element scores on the phase scale (None for insufficient data) as a radar chart in SVG.

    The rings are the scale's phases, labelled with their names; the centre is below the scale, so no score sits
    there. Each score is printed at its point. An element with insufficient data gets no point: the outline
    breaks there and the axis says "insufficient data". The previous round is dashed with square markers.
    """
    _check(element_labels, current, previous, scale, phases)
    element_labels = [_xml_safe(label) for label in element_labels]
    title, current_label, previous_label = (_xml_safe(t) for t in (title, current_label, previous_label))
    levels = sorted((float(v), _xml_safe(label)) for v, label in scale)
    maximum = levels[-1][0]
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

    def fraction(value: float) -> float:
        return min(max(value / maximum, 0.0), 1.0)

    def xy(x: float, y: float) -> str:
        return f"{_num(x)},{_num(y)}"

    def shown(value: float | None) -> str:
        return INSUFFICIENT_DATA if value is None else f"{value:.1f}"

    def tip(i: int) -> str:
        phase = phases[i] if phases is not None and current[i] is not None else None
        text = f"{element_labels[i]}: {shown(current[i])}" + (f" ({_xml_safe(phase)})" if phase else "")
        return text + (f"; {previous_label.lower()} {shown(previous[i])}" if previous is not None else "")

    def outline(series: Sequence[float | None]) -> str:
        # One stretch of line per run of neighbouring elements that both have a value: a missing one breaks it.
        runs = []
        for i in range(n):
            j = (i + 1) % n
            a, b = series[i], series[j]
            if a is not None and b is not None:
                runs.append(f"M{xy(*at(angles[i], fraction(a)))} L{xy(*at(angles[j], fraction(b)))}")
        return " ".join(runs)

    def area(series: Sequence[float | None]) -> str:
        # Wedges from the centre between neighbouring values: an element without data leaves its wedges empty.
        wedges = []
        for i in range(n):
            j = (i + 1) % n
            a, b = series[i], series[j]
            if a is not None and b is not None:
                wedges.append(f"M{xy(cx, cy)} L{xy(*at(angles[i], fraction(a)))} "
                              f"L{xy(*at(angles[j], fraction(b)))} Z")
        return " ".join(wedges)

    scale_words = ", ".join(f"{v:g} {label}" for v, label in levels)
    summary = (f"Scores on the phase scale ({scale_words}); the rings mark the phases. "
               + "; ".join(tip(i) for i in range(n)) + ".")
    out = [
        "<svg "
        + _attrs(xmlns=SVG_NS, viewBox=f"0 0 {_num(width)} {_num(height)}", width=width, height=height,
                 role="img", aria_labelledby="chart-title chart-desc", font_family=_FONT)
        + ">",
        _tag("title", escape(title), id="chart-title"),
        _tag("desc", escape(summary), id="chart-desc"),
        _tag("text", escape(title), class_="chart-title", x=cx, y=28.0, text_anchor="middle", font_size=16,
             font_weight="bold", fill=_TEXT_COLOUR),
        '<g class="grid">',
    ]
    for value, label in levels:
        share = fraction(value)
        ring_points = " ".join(xy(*at(a, share)) for a in angles)
        x, y = at(angles[0], share)
        out.append(_tag("polygon", class_="ring", points=ring_points, fill="none", stroke=_GRID_COLOUR))
        # Left of the first axis: the values of its points are printed on its right.
        out.append(_tag("text", escape(f"{value:g} {label}"), class_="ring-label", x=x - 5, y=y - 3,
                        text_anchor="end", font_size=10, fill=_MUTED_COLOUR, stroke="#ffffff", stroke_width=3,
                        paint_order="stroke"))
    out.append("</g>")
    out.append('<g class="axes">')
    for i, a in enumerate(angles):
        x, y = at(a, 1.0)
        missing = current[i] is None
        out.append(_tag("line", class_="axis missing" if missing else "axis", x1=cx, y1=cy, x2=x, y2=y,
                        stroke=_MUTED_COLOUR if missing else _GRID_COLOUR,
                        stroke_dasharray="2 3" if missing else None))
    out.append("</g>")

    if previous is not None:
        out.append(_tag("path", class_="series previous", d=outline(previous), fill="none", stroke=_PREVIOUS_COLOUR,
                        stroke_width=2, stroke_dasharray=_PREVIOUS_DASH))
        out.append('<g class="points previous">')
        for i, a in enumerate(angles):
            before = previous[i]
            if before is not None:
                x, y = at(a, fraction(before))
                out.append(_tag("rect", _tag("title", escape(f"{element_labels[i]}: {previous_label.lower()} "
                                                            f"{shown(before)}")),
                                class_="point previous", x=x - 3.5, y=y - 3.5, width=7.0, height=7.0,
                                fill="#ffffff", stroke=_PREVIOUS_COLOUR, stroke_width=1.5))
        out.append("</g>")
    out.append(_tag("path", class_="series-area current", d=area(current), fill=_CURRENT_COLOUR,
                    fill_opacity="0.15", stroke="none"))
    out.append(_tag("path", class_="series current", d=outline(current), fill="none", stroke=_CURRENT_COLOUR,
                    stroke_width=2.5))
    out.append('<g class="points current">')
    for i, a in enumerate(angles):
        now = current[i]
        if now is None:
            continue
        x, y = at(a, fraction(now))
        out.append(_tag("circle", _tag("title", escape(tip(i))), class_="point current", cx=x, cy=y, r=4,
                        fill=_CURRENT_COLOUR, stroke="#ffffff"))
        # The value beside its point, on the side away from the axis's next neighbour.
        cos = math.cos(a)
        anchor = "start" if cos >= -0.1 else "end"
        dx = 7.0 if anchor == "start" else -7.0
        out.append(_tag("text", shown(now), class_="value", x=x + dx, y=y - 6, text_anchor=anchor, font_size=11,
                        font_weight="bold", fill=_TEXT_COLOUR, stroke="#ffffff", stroke_width=3,
                        paint_order="stroke"))
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

    out.append('<g class="legend">')
    entries = 2 if previous is not None else 1
    x = cx - _LEGEND_STEP * entries / 2
    out.append(_tag("line", x1=x, y1=legend_y, x2=x + 24, y2=legend_y, stroke=_CURRENT_COLOUR, stroke_width=2.5))
    out.append(_tag("circle", cx=x + 12, cy=legend_y, r=4, fill=_CURRENT_COLOUR, stroke="#ffffff"))
    out.append(_tag("text", escape(current_label), x=x + 30, y=legend_y + 4, font_size=12, fill=_TEXT_COLOUR))
    if previous is not None:
        x += _LEGEND_STEP
        out.append(_tag("line", x1=x, y1=legend_y, x2=x + 24, y2=legend_y, stroke=_PREVIOUS_COLOUR, stroke_width=2,
                        stroke_dasharray=_PREVIOUS_DASH))
        out.append(_tag("rect", x=x + 8.5, y=legend_y - 3.5, width=7.0, height=7.0, fill="#ffffff",
                        stroke=_PREVIOUS_COLOUR, stroke_width=1.5))
        out.append(_tag("text", escape(previous_label), x=x + 30, y=legend_y + 4, font_size=12, fill=_TEXT_COLOUR))
    if any(v is None for v in current):
        note = f"No point is drawn for an element with {INSUFFICIENT_DATA}: the outline breaks there."
        out.append(_tag("text", escape(note), class_="note", x=cx, y=legend_y + 24, text_anchor="middle",
                        font_size=11, font_style="italic", fill=_MUTED_COLOUR))
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


# Stacked bars: layout in SVG user units.
_BAR_HEIGHT = 22.0
_BAR_GAP = 12.0
_BAR_LABEL_WIDTH = 170.0
_BAR_WIDTH = 420.0
_BAR_TOP = 56.0
_BAR_STYLES = (
    # (fill, stroke, text colour): solid dark, hatched, light; told apart without colour.
    ("#1f4e8c", "#1f4e8c", "#ffffff"),
    (f"url(#{_HATCH_ID})", "#1f4e8c", _TEXT_COLOUR),
    ("#eef0f3", "#616e7c", _TEXT_COLOUR),
)


def stacked_bar_chart_svg(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    title: str,
    *,
    unit: str = "core functions",
) -> str:
    """Draw counts per category as horizontal stacked bars (up to three series: solid, hatched, light), in SVG.

    Every segment prints its count; the legend repeats each series' pattern, so the chart reads in greyscale.
    """
    problems: list[FieldProblem] = []
    if not 1 <= len(series) <= len(_BAR_STYLES):
        problems.append(FieldProblem("series", f"must be 1 to {len(_BAR_STYLES)} series"))
    for k, (_, counts) in enumerate(series):
        if len(counts) != len(categories):
            problems.append(FieldProblem(f"series[{k}]", "must have one count per category"))
        if any(c < 0 for c in counts):
            problems.append(FieldProblem(f"series[{k}]", "counts must not be negative"))
    if problems:
        raise InvalidInput(problems)
    categories = [_xml_safe(c) for c in categories]
    names = [_xml_safe(name) for name, _ in series]
    title, unit = _xml_safe(title), _xml_safe(unit)
    totals = [sum(counts[i] for _, counts in series) for i in range(len(categories))]
    top = max(totals, default=0) or 1
    scale = _BAR_WIDTH / top
    legend_y = _BAR_TOP + len(categories) * (_BAR_HEIGHT + _BAR_GAP) + 28
    width = _BAR_LABEL_WIDTH + _BAR_WIDTH + 60
    height = legend_y + 16

    def describe(i: int) -> str:
        parts = ", ".join(f"{counts[i]} {name}" for name, (_, counts) in zip(names, series, strict=True))
        return f"{categories[i]}: {parts}"

    summary = (f"{unit.capitalize()} by area, of {totals[0] if totals else 0} each. "
               + "; ".join(describe(i) for i in range(len(categories))) + ".")
    out = [
        "<svg " + _attrs(xmlns=SVG_NS, viewBox=f"0 0 {_num(width)} {_num(height)}", width=width, height=height,
                         role="img", aria_labelledby="chart-title chart-desc", font_family=_FONT) + ">",
        _tag("title", escape(title), id="chart-title"),
        _tag("desc", escape(summary), id="chart-desc"),
        "<defs>" + _tag("pattern", _tag("rect", width=8.0, height=8.0, fill="#ffffff")
                        + _tag("path", d="M0,8 L8,0", stroke="#1f4e8c", stroke_width=1.5),
                        id=_HATCH_ID, width=8.0, height=8.0, patternUnits="userSpaceOnUse",
                        patternTransform="rotate(0)") + "</defs>",
        _tag("text", escape(title), class_="chart-title", x=width / 2, y=28.0, text_anchor="middle", font_size=16,
             font_weight="bold", fill=_TEXT_COLOUR),
    ]
    axis_y = _BAR_TOP - 6
    out.append('<g class="axis">')
    ticks = sorted({0, top, *range(0, top + 1, max(1, math.ceil(top / 6)))})
    for t in ticks:
        x = _BAR_LABEL_WIDTH + t * scale
        out.append(_tag("line", x1=x, y1=axis_y, x2=x, y2=legend_y - 24, stroke=_GRID_COLOUR))
        out.append(_tag("text", str(t), class_="tick", x=x, y=axis_y - 4, text_anchor="middle", font_size=10,
                        fill=_MUTED_COLOUR))
    out.append("</g>")
    out.append('<g class="bars">')
    for i, category in enumerate(categories):
        y = _BAR_TOP + i * (_BAR_HEIGHT + _BAR_GAP)
        out.append(_tag("text", escape(category), class_="category", x=_BAR_LABEL_WIDTH - 8, y=y + _BAR_HEIGHT / 2 + 4,
                        text_anchor="end", font_size=12, fill=_TEXT_COLOUR))
        x = _BAR_LABEL_WIDTH
        for k, (name, counts) in enumerate(zip(names, (c for _, c in series), strict=True)):
            count = counts[i]
            if count == 0:
                continue
            fill, stroke, ink = _BAR_STYLES[k]
            w = count * scale
            out.append(_tag("rect", _tag("title", escape(f"{category}: {count} {name}")),
                            class_=f"segment series-{k}", x=x, y=y, width=w, height=_BAR_HEIGHT, fill=fill,
                            stroke=stroke))
            out.append(_tag("text", str(count), class_=f"count series-{k}", x=x + w / 2, y=y + _BAR_HEIGHT / 2 + 4,
                            text_anchor="middle", font_size=11, font_weight="bold", fill=ink,
                            stroke="#ffffff" if k == 1 else None, stroke_width=3 if k == 1 else None,
                            paint_order="stroke" if k == 1 else None))
            x += w
    out.append("</g>")
    out.append('<g class="legend">')
    x = _BAR_LABEL_WIDTH
    for k, name in enumerate(names):
        fill, stroke, _ = _BAR_STYLES[k]
        out.append(_tag("rect", x=x, y=legend_y - 10, width=18.0, height=12.0, fill=fill, stroke=stroke))
        out.append(_tag("text", escape(name), x=x + 24, y=legend_y, font_size=12, fill=_TEXT_COLOUR))
        x += 30 + 7 * len(name)
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
