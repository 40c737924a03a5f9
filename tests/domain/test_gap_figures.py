"""Every figure a gap rule writes is in the table that types and describes it (REST's GapFigures, GraphQL's
typed figures), written as the table says."""

from __future__ import annotations

import ast
import pathlib

import api.domain
from api.domain.gap_figures import FIGURES, UNIT_WORDS
from api.domain.systems import SystemLevel

DOMAIN = pathlib.Path(api.domain.__file__).parent


def _keys(node: ast.expr) -> list[str]:
    """The names a dict display or a subscript key gives figures (f-strings over the system levels expanded)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        tail = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return [level.value + tail for level in SystemLevel]
    raise AssertionError(f"a figure named by {ast.unparse(node)}: name it with a literal")


def _written_figures() -> set[str]:
    found: set[str] = set()
    for path in DOMAIN.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            displays: list[ast.expr] = []
            if isinstance(node, ast.keyword) and node.arg == "figures":
                displays.append(node.value)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                if isinstance(target, ast.Name) and target.id == "figures" and node.value is not None:
                    displays.append(node.value)
                elif isinstance(target, ast.Subscript) and getattr(target.value, "id", None) == "figures":
                    found.update(_keys(target.slice))
            while displays:
                display = displays.pop()
                if isinstance(display, ast.Dict):
                    for key, value in zip(display.keys, display.values, strict=True):
                        if key is None:  # ``**{...}`` or ``**(... if ... else {})``: look inside
                            displays += [n for n in ast.walk(value) if isinstance(n, ast.Dict)]
                        else:
                            found.update(_keys(key))
    return found


def test_every_figure_a_rule_writes_is_typed_and_described():
    written = _written_figures()
    assert len(written) > 40
    assert written - set(FIGURES) == set()


def test_the_table_holds_no_figure_no_rule_writes():
    assert set(FIGURES) - _written_figures() == set()


def test_every_quantity_names_its_unit():
    for name, meaning in FIGURES.items():
        if meaning.unit in UNIT_WORDS:
            assert meaning.description.endswith(f"Unit: {UNIT_WORDS[meaning.unit]}."), name
            assert meaning.written_as in (int, float) or name == "total", name
