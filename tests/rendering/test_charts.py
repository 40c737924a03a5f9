"""The charts: valid, self-contained SVG that people read right (phases named, values printed, missing data
shown as missing, series told apart without colour, text for screen readers)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.errors import InvalidInput
from api.rendering.charts import INSUFFICIENT_DATA, PHASES, SVG_NS, radar_chart_svg, stacked_bar_chart_svg

NS = {"svg": SVG_NS}
LABELS = [
    "Build cross-agency partnerships and clarify roles",
    "Identify sector or industry and engage employers",
    "Design education and training programs",
    "Identify funding needs and sources",
    "Align policies and programs",
    "Measure system change and performance",
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def classes(node: ET.Element) -> set[str]:
    return set(node.get("class", "").split())


def of_class(root: ET.Element, tag: str, *wanted: str) -> list[ET.Element]:
    return [n for n in root.iter(f"{{{SVG_NS}}}{tag}") if set(wanted) <= classes(n)]


def texts(root: ET.Element, cls: str) -> list[str]:
    return ["".join(t.itertext()) for t in of_class(root, "text", cls)]


def segments(path: ET.Element) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The straight stretches of an outline path ("Mx,y Lx,y" pairs)."""
    pairs = re.findall(r"M(-?[\d.]+),(-?[\d.]+) L(-?[\d.]+),(-?[\d.]+)", path.get("d", ""))
    return [((float(a), float(b)), (float(c), float(d))) for a, b, c, d in pairs]


def centre(root: ET.Element) -> tuple[float, float]:
    axis = of_class(root, "line", "axis")[0]
    return float(axis.get("x1", "")), float(axis.get("y1", ""))


def test_the_chart_parses_as_svg_and_shows_six_axes_with_their_labels() -> None:
    root = parse(radar_chart_svg(LABELS, [2.0, 2.5, 3.0, 1.0, 4.0, 1.5], [1.5, 2.0, 2.0, 1.0, 3.0, 1.0], "Readiness"))
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert re.fullmatch(r"0 0 \d+(\.\d+)? \d+(\.\d+)?", root.get("viewBox", ""))
    assert len(of_class(root, "line", "axis")) == 6
    labels = root.findall(".//svg:text[@class='axis-label']", NS)
    assert [" ".join(span.text or "" for span in t) for t in labels] == LABELS
    assert root.findtext("svg:title", namespaces=NS) == "Readiness"


def test_the_rings_are_the_four_phases_named() -> None:
    root = parse(radar_chart_svg(LABELS, [2.0] * 6, None, "Readiness"))
    assert len(of_class(root, "polygon", "ring")) == 4
    assert texts(root, "ring-label") == ["1 Initiation Phase", "2 Planning Phase", "3 Implementation Phase",
                                         "4 Sustained Phase"]


def test_each_value_is_printed_at_its_point() -> None:
    root = parse(radar_chart_svg(LABELS, [2.0, 2.54, 3.0, 1.0, 4.0, 1.5], None, "Readiness"))
    assert texts(root, "value") == ["2.0", "2.5", "3.0", "1.0", "4.0", "1.5"]
    points = of_class(root, "circle", "point", "current")
    values = of_class(root, "text", "value")
    for point, value in zip(points, values, strict=True):
        dx = abs(float(value.get("x", "")) - float(point.get("cx", "")))
        dy = abs(float(value.get("y", "")) - float(point.get("cy", "")))
        assert dx <= 10 and dy <= 10


def test_the_lowest_phase_is_a_ring_away_from_the_centre() -> None:
    root = parse(radar_chart_svg(LABELS, [1.0] * 6, None, "Readiness"))
    cx, cy = centre(root)
    for point in of_class(root, "circle", "point", "current"):
        assert (float(point.get("cx", "")), float(point.get("cy", ""))) != (cx, cy)
    top = of_class(root, "circle", "point", "current")[0]
    outer = of_class(root, "line", "axis")[0]
    radius = cy - float(outer.get("y2", ""))
    assert cy - float(top.get("cy", "")) == pytest.approx(radius / 4, abs=0.1)


def test_an_element_with_insufficient_data_is_drawn_as_missing_never_at_the_centre() -> None:
    root = parse(radar_chart_svg(LABELS, [None, 3.0, 3.0, 3.0, 3.0, 3.0], [2.0] * 6, "Readiness",
                                 phases=[None, *["Implementation Phase"] * 5]))
    points = of_class(root, "circle", "point", "current")
    assert len(points) == 5
    cx, cy = centre(root)
    assert all((float(p.get("cx", "")), float(p.get("cy", ""))) != (cx, cy) for p in points)
    outline = of_class(root, "path", "series", "current")[0]
    assert len(segments(outline)) == 4  # six stretches, less the two that would reach the missing element
    assert all((cx, cy) not in pair for pair in segments(outline))
    assert [t.text for t in of_class(root, "tspan", "insufficient")] == [INSUFFICIENT_DATA]
    assert "missing" in classes(of_class(root, "line", "axis")[0])
    desc = root.findtext("svg:desc", namespaces=NS) or ""
    assert f"{LABELS[0]}: {INSUFFICIENT_DATA}" in desc
    assert f"{LABELS[1]}: 3.0 (Implementation Phase)" in desc
    assert texts(root, "value") == ["3.0"] * 5


def test_the_previous_round_is_dashed_with_square_markers_so_it_reads_in_greyscale() -> None:
    root = parse(radar_chart_svg(LABELS, [3.0] * 6, [2.0] * 6, "Readiness"))
    previous = of_class(root, "path", "series", "previous")[0]
    current = of_class(root, "path", "series", "current")[0]
    assert previous.get("stroke-dasharray") and not current.get("stroke-dasharray")
    assert len(of_class(root, "rect", "point", "previous")) == 6
    assert len(of_class(root, "circle", "point", "current")) == 6
    legend = root.find(".//svg:g[@class='legend']", NS)
    assert legend is not None
    assert {"This round", "Previous round"} <= {t.text for t in legend.iter(f"{{{SVG_NS}}}text")}
    assert any(line.get("stroke-dasharray") for line in legend.iter(f"{{{SVG_NS}}}line"))


def test_without_a_previous_round_only_this_round_is_drawn() -> None:
    root = parse(radar_chart_svg(LABELS, [2.0] * 6, None, "Readiness"))
    assert not of_class(root, "path", "previous")


def test_the_scale_comes_from_the_caller() -> None:
    scale = [(1, "Undefined"), (2, "Building"), (3, "Promising"), (4, "Established")]
    root = parse(radar_chart_svg(LABELS, [2.0] * 6, None, "Readiness", scale=scale))
    assert texts(root, "ring-label") == ["1 Undefined", "2 Building", "3 Promising", "4 Established"]
    assert [label for _, label in PHASES] == ["Initiation Phase", "Planning Phase", "Implementation Phase",
                                              "Sustained Phase"]


def test_text_is_escaped() -> None:
    svg = radar_chart_svg(["A & B", "<script>", 'say "hi"', "D", "E", "F"], [1] * 6, None, "Ours & <theirs>")
    root = parse(svg)
    assert "<script>" not in svg
    assert root.findtext("svg:title", namespaces=NS) == "Ours & <theirs>"
    labels = ["".join(t.itertext()) for t in root.findall(".//svg:text[@class='axis-label']", NS)]
    assert labels[:3] == ["A & B", "<script>", 'say "hi"']


def test_series_that_do_not_match_the_labels_are_invalid() -> None:
    with pytest.raises(InvalidInput) as caught:
        radar_chart_svg(LABELS, [1, 2], [float("nan")] * 6, "Readiness", phases=["x"])
    fields = {p.field for p in caught.value.problems}
    assert fields == {"current", "phases", *(f"previous[{i}]" for i in range(6))}
    with pytest.raises(InvalidInput):
        radar_chart_svg(["one", "two"], [1, 2], None, "Too few axes")
    with pytest.raises(InvalidInput):
        radar_chart_svg(LABELS, [1] * 6, None, "No scale", scale=[])


scores = st.none() | st.floats(min_value=-5, max_value=9, allow_nan=False)


@given(st.lists(scores, min_size=6, max_size=6), st.none() | st.lists(scores, min_size=6, max_size=6),
       st.text(max_size=40))
def test_any_scores_give_svg_whose_points_stay_inside_the_chart(
    current: list[float | None], previous: list[float | None] | None, title: str
) -> None:
    root = parse(radar_chart_svg(LABELS, current, previous, title))
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    for point in of_class(root, "circle", "point"):
        assert 0 <= float(point.get("cx", "")) <= width and 0 <= float(point.get("cy", "")) <= height
    for path in of_class(root, "path", "series"):
        for (x1, y1), (x2, y2) in segments(path):
            assert 0 <= min(x1, x2) and max(x1, x2) <= width and 0 <= min(y1, y2) and max(y1, y2) <= height
    assert len(of_class(root, "circle", "point", "current")) == sum(v is not None for v in current)


def test_the_bar_chart_prints_every_count_and_tells_series_apart_without_colour() -> None:
    root = parse(stacked_bar_chart_svg(
        ["statewide", "or-east", "or-west"],
        [("led", [11, 9, 4]), ("supported only", [0, 2, 3]), ("unled", [0, 0, 4])], "Core functions"))
    assert root.findtext("svg:title", namespaces=NS) == "Core functions"
    desc = root.findtext("svg:desc", namespaces=NS) or ""
    assert "or-west: 4 led, 3 supported only, 4 unled" in desc
    assert texts(root, "category") == ["statewide", "or-east", "or-west"]
    assert [(sorted(classes(t) - {"count"})[0], t.text) for t in of_class(root, "text", "count")] == [
        ("series-0", "11"), ("series-0", "9"), ("series-1", "2"), ("series-0", "4"), ("series-1", "3"),
        ("series-2", "4")]
    fills = {next(iter(classes(r) - {"segment"})): r.get("fill") for r in of_class(root, "rect", "segment")}
    assert fills["series-1"] == "url(#hatch-supported)"
    assert root.find(".//svg:pattern[@id='hatch-supported']", NS) is not None
    widths = [float(r.get("width", "")) for r in of_class(root, "rect", "segment")]
    assert widths[0] == pytest.approx(widths[1] / 9 * 11, abs=0.2)  # drawn to a tenth of a unit


def test_the_bar_chart_refuses_counts_that_do_not_fit() -> None:
    with pytest.raises(InvalidInput) as caught:
        stacked_bar_chart_svg(["a", "b"], [("led", [1]), ("unled", [1, -1])], "x")
    assert {p.field for p in caught.value.problems} == {"series[0]", "series[1]"}
