"""What an agreement of each kind should say: checklists kept as reference data, each item with its source.

Seed 001: "Your team may decide to formalize these relationships with a written agreement or within a
memorandum of understanding (MOU) in order to support sustaining relationships over time." The seeds'
agreements are partnership MOUs and state/local MOUs; the one-stop MOU regulation (20 CFR 678.500) is a
checklist for one-stop MOUs only. A kind with no checklist (a contract, say) is not judged at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.domain.errors import FieldProblem, InvalidInput


@dataclass(frozen=True, slots=True, kw_only=True)
class ChecklistItem:
    """One thing an agreement of a kind should say, and where that requirement comes from."""

    code: str
    description: str
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Checklist:
    """The items an agreement of one kind should cover, in their source's order."""

    kind: str
    name: str
    source: str
    items: tuple[ChecklistItem, ...]

    def codes(self) -> frozenset[str]:
        """Return the codes of the checklist's items."""
        return frozenset(item.code for item in self.items)


def _text(problems: list[FieldProblem], where: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(FieldProblem(where, "must be a non-empty string"))
        return ""
    return value


def checklists_from_dict(raw: Mapping[str, Any]) -> dict[str, Checklist]:
    """Build the checklists by agreement kind from parsed reference data, or raise InvalidInput naming each flaw."""
    problems: list[FieldProblem] = []
    out: dict[str, Checklist] = {}
    for kind, body in raw.items():
        where = f"agreement_checklists.{kind}"
        if not isinstance(body, Mapping) or not isinstance(body.get("items"), list):
            problems.append(FieldProblem(where, "needs a name, a source and a list of items"))
            continue
        items: list[ChecklistItem] = []
        seen: set[str] = set()
        for i, item in enumerate(body["items"]):
            if not isinstance(item, Mapping):
                problems.append(FieldProblem(f"{where}.items[{i}]", "must be an object"))
                continue
            code = _text(problems, f"{where}.items[{i}].code", item.get("code"))
            if code in seen:
                problems.append(FieldProblem(f"{where}.items[{i}].code", f"'{code}' appears twice"))
            seen.add(code)
            items.append(ChecklistItem(
                code=code, description=_text(problems, f"{where}.items[{i}].description", item.get("description")),
                source=_text(problems, f"{where}.items[{i}].source", item.get("source")),
            ))
        out[kind] = Checklist(kind=kind, name=_text(problems, f"{where}.name", body.get("name")),
                              source=_text(problems, f"{where}.source", body.get("source")), items=tuple(items))
    if problems:
        raise InvalidInput(problems)
    return out
