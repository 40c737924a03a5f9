"""Suggestions: which member could lead each function that has no lead, and whom to recruit otherwise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from uuid import UUID

from api.domain.labels import NO_LABELS, Labels
from api.domain.partners import Partner, Service, Status
from api.domain.recruiting import GapCandidate
from api.domain.systems import Function, RoleCatalog, SystemState, champion_of

USUAL_POINTS = 40
SERVICES_POINTS = 30
CAPACITY_POINTS = 15
FORMALIZED_POINTS = 15
FIT_THRESHOLD = USUAL_POINTS


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A member that could lead a function, with a 0-100 score and the reasons for it."""

    partner_id: UUID
    name: str
    score: int
    fits: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadSuggestion:
    """Ranked candidates for a function without a lead; partner types to recruit when none fits."""

    function: str
    core: bool
    candidates: tuple[Candidate, ...]
    recruit: tuple[str, ...] = ()
    function_label: str = ""
    """The function's name."""
    recruit_labels: tuple[str, ...] = ()
    """The names of the partner types in ``recruit``, in its order."""
    prospects: tuple[GapCandidate, ...] = ()
    """Organizations of the directory, not members, that could take the function on (best first)."""


def _active(services: Sequence[Service]) -> list[Service]:
    return [s for s in services if s.status is Status.ACTIVE]


def score_candidate(
    function: Function,
    partner_type: str,
    partner: Partner | None,
    services: Sequence[Service],
    catalog: RoleCatalog,
    *,
    formalized: bool,
    labels: Labels = NO_LABELS,
) -> tuple[int, tuple[str, ...]]:
    """Score how well a member fits to lead a function (0-100) and say why."""
    score, reasons = 0, []
    if function.code in catalog.matrix.usual_for(partner_type):
        score += USUAL_POINTS
        reasons.append(f"{labels.partner_type(partner_type)} partners usually carry this function")
    offered = _active(services)
    matching = sorted({s.category for s in offered if s.category in function.service_categories})
    if matching:
        score += SERVICES_POINTS
        reasons.append(f"offers matching services: {labels.categories_of(matching)}")
    if partner is not None and partner.capacity is not None:
        spare = partner.capacity - sum(s.capacity or 0 for s in offered)
        if spare > 0:
            score += CAPACITY_POINTS
            reasons.append(f"has spare capacity of {spare} participants a year")
    if formalized:
        score += FORMALIZED_POINTS
        reasons.append("already formalized by an active agreement in this system")
    if function.code == catalog.coordination_function and reasons:
        reasons.append("leads this function by being designated the intermediary")
    return score, tuple(reasons)


def suggest_leads(
    state: SystemState,
    catalog: RoleCatalog,
    services_by_partner: Mapping[UUID, Sequence[Service]],
    partners: Mapping[UUID, Partner],
    formalized: Set[UUID],
    *,
    threshold: int = FIT_THRESHOLD,
    labels: Labels = NO_LABELS,
) -> list[LeadSuggestion]:
    """Rank members for each function without a lead (core functions first) and name whom to recruit.

    The champion function is left out while someone champions the system: "The intermediary also serves as the
    system's champion" (seed 001).
    """
    suggestions = []
    functions = sorted(catalog.functions.values(), key=lambda f: not f.core)
    championed = champion_of(state, catalog) is not None
    for function in functions:
        if state.lead_of(function.code) is not None:
            continue
        if function.code == catalog.champion_function and championed:
            continue
        candidates = []
        for member in state.members:
            pid = member.partner_id
            partner = partners.get(pid)
            score, why = score_candidate(
                function,
                state.partner_types.get(pid, partner.partner_type if partner else ""),
                partner,
                services_by_partner.get(pid, ()),
                catalog,
                formalized=pid in formalized,
                labels=labels,
            )
            if score > 0:
                name = partner.name if partner else member.representative
                candidates.append(
                    Candidate(partner_id=pid, name=name, score=score, fits=score >= threshold, reasons=why)
                )
        candidates.sort(key=lambda c: (-c.score, c.name, str(c.partner_id)))
        recruit = () if any(c.fits for c in candidates) else catalog.matrix.types_for(function.code)
        suggestions.append(
            LeadSuggestion(function=function.code, core=function.core, candidates=tuple(candidates),
                           recruit=recruit, function_label=function.name,
                           recruit_labels=tuple(labels.partner_type(t) for t in recruit))
        )
    return suggestions
