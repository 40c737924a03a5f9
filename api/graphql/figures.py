"""A gap's figures as a typed object: each figure the rules write (``api/domain/gap_figures.py``) is a field of
its own type (``Int``, ``Float``, ``Date``, ``DateTime``, ``UUID`` or ``String``), described with its unit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry

from api.domain.gap_figures import FIGURES, FigureMeaning, Unit

_BY_UNIT: dict[Unit, tuple[type, Callable[[Any], Any]]] = {
    Unit.DATE: (date, date.fromisoformat),
    Unit.MOMENT: (datetime, datetime.fromisoformat),
    Unit.ID: (UUID, UUID),
    Unit.USD: (float, float),  # exact text in the domain (and REST): a number here
}
_BY_WRITTEN: dict[type, tuple[type, Callable[[Any], Any]]] = {int: (int, int), float: (float, float), str: (str, str)}


def _kind(meaning: FigureMeaning) -> tuple[type, Callable[[Any], Any]]:
    return _BY_UNIT.get(meaning.unit) or _BY_WRITTEN[meaning.written_as]


def _figures_type() -> Any:
    namespace: dict[str, Any] = {"__annotations__": {}}
    for name, meaning in FIGURES.items():
        namespace["__annotations__"][name] = _kind(meaning)[0] | None
        namespace[name] = strawberry.field(default=None, description=meaning.description)
    return strawberry.type(type("GapFigures", (), namespace), description=(
        "The figures behind a gap, each typed and in its unit; which ones a gap carries depends on its kind (the "
        "others are null). The same figures as REST's `figures`."))


GapFigures = _figures_type()
_READ: dict[str, Callable[[Any], Any]] = {name: _kind(meaning)[1] for name, meaning in FIGURES.items()}


def figures_from_domain(figures: Mapping[str, float | int | str]) -> Any:
    """The typed figures of a domain gap (a figure this schema does not know is left out: a test keeps every
    figure the rules write in the table)."""
    return GapFigures(**{name: _READ[name](value) for name, value in figures.items() if name in _READ})
