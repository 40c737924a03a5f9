"""A gap report a workforce board can act on: gaps labelled in words, filtered, and summed up.

``label_gaps`` gives each gap its subject in words; ``filter_gaps`` keeps what a reader asked for (a minimum
severity, some kinds, one subject); ``summarise_gaps`` counts what is left by kind and by severity and lists the
top actions, most severe first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from api.domain.gaps import Gap, GapKind, Severity
from api.domain.labels import Labels, humanize

TOP_ACTIONS = 5
"""How many actions a summary lists."""

_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}

_VOCABULARY = {
    GapKind.UNCOVERED_FUNCTION: "function",
    GapKind.UNSERVED_POPULATION: "population",
    GapKind.SUPPORT_SERVICE: "category",
    GapKind.TEAM_COMPOSITION: "partner_type",
    GapKind.TRAINING_CAPACITY: "occupation",
}


def subject_label(gap: Gap, labels: Labels) -> str:
    """The subject of a gap in words: the name its vocabulary gives the code, or the code's own words.

    Subjects that are already names (an agreement's title, a service's name) are kept as they are.
    """
    code = gap.subject
    vocabulary = _VOCABULARY.get(gap.kind)
    if vocabulary == "function":
        return labels.function(code) if code in labels.functions else humanize(code)
    if vocabulary == "population":
        return labels.population(code)
    if vocabulary == "category":
        return labels.category(code)
    if vocabulary == "partner_type":
        return labels.partner_type(code) if code in labels.partner_types else humanize(code)
    if vocabulary == "occupation":
        return labels.occupations.get(code, code)
    for names in (labels.functions, labels.streams):
        if code in names:
            return names[code]
    if code.isidentifier() and code.islower():  # a rule's own code: ``grant_only_dependence``, ``vision_review``
        return humanize(code)
    return code


def label_gaps(gaps: Iterable[Gap], labels: Labels) -> list[Gap]:
    """The gaps, each with its subject in words."""
    # The constructor, not ``dataclasses.replace``: half the cost for a state system's 800 gaps.
    return [Gap(kind=g.kind, severity=g.severity, subject=g.subject, explanation=g.explanation,
                recommendation=g.recommendation, figures=g.figures, subject_label=subject_label(g, labels),
                candidates=g.candidates) for g in gaps]


def filter_gaps(
    gaps: Iterable[Gap], *, min_severity: Severity | None = None, kinds: Collection[GapKind] = (),
    subject: str | None = None,
) -> list[Gap]:
    """Keep the gaps at least as severe as ``min_severity``, of one of ``kinds`` (all when empty), about
    ``subject`` (its code or its label); the order is kept."""
    limit = _SEVERITY_RANK[min_severity] if min_severity is not None else len(_SEVERITY_RANK)
    wanted = frozenset(kinds)
    return [
        g for g in gaps
        if _SEVERITY_RANK[g.severity] <= limit
        and (not wanted or g.kind in wanted)
        and (subject is None or subject in (g.subject, g.subject_label))
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class TopAction:
    """One thing to do, from one of the most severe gaps."""

    kind: GapKind
    severity: Severity
    subject: str
    subject_label: str
    recommendation: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GapSummary:
    """A report at a glance: how many gaps of each kind and severity, and the first things to do."""

    total: int
    by_severity: dict[str, int]
    by_kind: dict[str, int]
    top_actions: tuple[TopAction, ...]


def summarise_gaps(gaps: Sequence[Gap], *, top: int = TOP_ACTIONS) -> GapSummary:
    """Count gaps by severity and kind (every severity listed, kinds that occur) and list the top actions.

    The gaps come most severe first; an action recommended by several gaps is listed once.
    """
    by_severity = {s.value: 0 for s in Severity}
    by_kind: dict[str, int] = {}
    for g in gaps:
        by_severity[g.severity.value] += 1
        by_kind[g.kind.value] = by_kind.get(g.kind.value, 0) + 1
    actions: list[TopAction] = []
    seen: set[str] = set()
    for g in sorted(gaps, key=lambda g: _SEVERITY_RANK[g.severity]):
        if len(actions) >= top:
            break
        if g.recommendation in seen:
            continue
        seen.add(g.recommendation)
        actions.append(TopAction(kind=g.kind, severity=g.severity, subject=g.subject,
                                 subject_label=g.subject_label or g.subject, recommendation=g.recommendation))
    ordered_kinds: dict[str, int] = {k.value: by_kind[k.value] for k in GapKind if k.value in by_kind}
    return GapSummary(total=len(gaps), by_severity=by_severity, by_kind=ordered_kinds, top_actions=tuple(actions))
