"""The radar chart of readiness element scores: valid, self-contained SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.errors import InvalidInput
from api.rendering.charts import SVG_NS, radar_chart_svg

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


def polygon(root: ET.Element, series: str) -> ET.Element:
    found = [p for p in root.iter(f"{{{SVG_NS}}}polygon") if {"series", series} <= classes(p)]
    assert len(found) == 1
    return found[0]


def vertices(node: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in node.get("points", "").split())]


def test_the_chart_parses_as_svg_and_shows_six_axes() -> None:
    root = parse(radar_chart_svg(LABELS, [50, 60, 70, 20, 100, 0], [40, 50, 30, 20, 80, 10], "Readiness"))
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert re.fullmatch(r"0 0 \d+(\.\d+)? \d+(\.\d+)?", root.get("viewBox", ""))
    axes = [line for line in root.iter(f"{{{SVG_NS}}}line") if "axis" in classes(line)]
    assert len(axes) == 6
    labels = root.findall(".//svg:text[@class='axis-label']", NS)
    assert [" ".join(span.text or "" for span in t) for t in labels] == LABELS
    assert root.findtext("svg:title", namespaces=NS) == "Readiness"


def test_the_chart_draws_this_round_against_the_previous_one_with_a_legend() -> None:
    root = parse(radar_chart_svg(LABELS, [50] * 6, [25] * 6, "Readiness"))
    assert len(vertices(polygon(root, "current"))) == 6
    assert len(vertices(polygon(root, "previous"))) == 6
    legend = root.find(".//svg:g[@class='legend']", NS)
    assert legend is not None
    assert {"This round", "Previous round"} <= {t.text for t in legend.iter(f"{{{SVG_NS}}}text")}
    rings = [p for p in root.iter(f"{{{SVG_NS}}}polygon") if "ring" in classes(p)]
    assert len(rings) == 4


def test_without_a_previous_round_only_this_round_is_drawn() -> None:
    root = parse(radar_chart_svg(LABELS, [50] * 6, None, "Readiness"))
    assert not [p for p in root.iter(f"{{{SVG_NS}}}polygon") if "previous" in classes(p)]


def test_a_score_of_none_is_plotted_at_the_centre_and_labelled_insufficient_data() -> None:
    root = parse(radar_chart_svg(LABELS, [None, 100, 100, 100, 100, 100], None, "Readiness"))
    axis = next(line for line in root.iter(f"{{{SVG_NS}}}line") if "axis" in classes(line))
    centre = (float(axis.get("x1", "")), float(axis.get("y1", "")))
    assert vertices(polygon(root, "current"))[0] == centre
    flagged = [t for t in root.iter(f"{{{SVG_NS}}}tspan") if "insufficient" in classes(t)]
    assert [t.text for t in flagged] == ["insufficient data"]


def test_zero_and_full_scores_reach_the_centre_and_the_outer_ring() -> None:
    root = parse(radar_chart_svg(LABELS, [0, 100, 100, 100, 100, 100], None, "Readiness"))
    axes = [line for line in root.iter(f"{{{SVG_NS}}}line") if "axis" in classes(line)]
    points = vertices(polygon(root, "current"))
    assert points[0] == (float(axes[0].get("x1", "")), float(axes[0].get("y1", "")))
    assert points[1] == (float(axes[1].get("x2", "")), float(axes[1].get("y2", "")))


def test_text_is_escaped() -> None:
    svg = radar_chart_svg(["A & B", "<script>", 'say "hi"', "D", "E", "F"], [1] * 6, None, "Ours & <theirs>")
    root = parse(svg)
    assert "<script>" not in svg
    assert root.findtext("svg:title", namespaces=NS) == "Ours & <theirs>"
    texts = ["".join(t.itertext()) for t in root.findall(".//svg:text[@class='axis-label']", NS)]
    assert texts[:3] == ["A & B", "<script>", 'say "hi"']


def test_series_that_do_not_match_the_labels_are_invalid() -> None:
    with pytest.raises(InvalidInput) as caught:
        radar_chart_svg(LABELS, [1, 2], [float("nan")] * 6, "Readiness")
    fields = {p.field for p in caught.value.problems}
    assert fields == {"current", *(f"previous[{i}]" for i in range(6))}
    with pytest.raises(InvalidInput):
        radar_chart_svg(["one", "two"], [1, 2], None, "Too few axes")


scores = st.none() | st.floats(min_value=-50, max_value=150, allow_nan=False)


@given(st.lists(scores, min_size=6, max_size=6), st.none() | st.lists(scores, min_size=6, max_size=6),
       st.text(max_size=40))
def test_any_scores_give_svg_whose_points_stay_inside_the_chart(
    current: list[float | None], previous: list[float | None] | None, title: str
) -> None:
    root = parse(radar_chart_svg(LABELS, current, previous, title))
    _, _, width, height = (float(v) for v in root.get("viewBox", "").split())
    for series in ("current", "previous") if previous is not None else ("current",):
        for x, y in vertices(polygon(root, series)):
            assert 0 <= x <= width and 0 <= y <= height
