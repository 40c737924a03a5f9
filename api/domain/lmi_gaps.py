"""Gap analysis, kind 3: annual openings against the yearly capacity of the members' training.

The rule reads the labour market figures from ``GapContext.labor_market`` (loaded by the use case in one
query), so the analysis keeps its signature and stays pure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from api.domain.codes import InvalidCode, SocCode
from api.domain.gaps import DEFAULT_RULES, Gap, GapContext, GapKind, GapRule, Severity
from api.domain.labor_market import (
    InDemandRule,
    Observation,
    OccupationFigures,
    OccupationShortfall,
    occupation_figures,
    occupation_shortfalls,
    occupations_in_demand,
)
from api.domain.moments import rfc3339
from api.domain.partners import DeliveryMode


@dataclass(frozen=True, slots=True, kw_only=True)
class LaborMarketFacts:
    """The labour market figures of a system's regions, with the rule that says what is in demand.

    The figures come as observations, as occupations' columns (``occupations``, what storage loads for a
    state's worth of figures), or both; the rule reads them all alike.
    """

    observations: tuple[Observation, ...] = ()
    occupations: tuple[OccupationFigures, ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)
    rule: InDemandRule = field(default_factory=InDemandRule)
    prefer_sources: tuple[str, ...] = ()


def _soc(text: str) -> SocCode | None:
    try:
        return SocCode.parse(text)
    except InvalidCode:
        return None


def _figures(facts: LaborMarketFacts) -> list[OccupationFigures]:
    return [*occupation_figures(facts.observations), *facts.occupations]


def _targets(ctx: GapContext, facts: LaborMarketFacts, figures: list[OccupationFigures]) -> tuple[list[SocCode], bool]:
    """Return the occupations to weigh and whether they are the in-demand ones (the system names none)."""
    named = sorted({code for text in ctx.system.target_occupations if (code := _soc(text)) is not None})
    if named:
        return named, False
    return occupations_in_demand(figures, facts.rule, regions=ctx.system.regions), True




def _wanted_value(text: str, wanted: set[str]) -> str | None:
    """The code (text) among ``wanted`` that an occupation text names, or None."""
    # A code's own text reads as itself; any other text is parsed.
    value = text if text in wanted else (code.value if (code := _soc(text)) is not None else None)
    return value if value in wanted else None


def _member_seats(
    ctx: GapContext, occupations: Collection[SocCode], regions: list[str]
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """The yearly capacity of members' active services that lead to the occupations, within the regions, added up
    per occupation (by code): the seats, and each capacity's provider label ("partner: service (seats)").

    A service counts when it has a capacity, leads to a wanted occupation and is offered online or in one of the
    regions (its own, or its partner's when it names none; a service placed nowhere counts everywhere). One plain
    loop: a state system has 5,000 services, and a comprehension or a generator per service cost more than the
    rest of its work (tests/domain/test_lmi_gaps.py holds it to the rule written per capacity). Only whether a
    service counts in some region matters here, not which; and the order of an occupation's labels is the
    order of the services, whatever the order of the codes within one service.
    """
    seats: dict[str, int] = {}
    labels: dict[str, list[str]] = {}
    allowed = set(regions)
    if not allowed:
        return seats, labels  # no region to count in, online or not
    wanted = {code.value for code in occupations}
    values: dict[str, str | None] = {}  # occupation text -> the wanted code it names, or None
    outside = allowed.isdisjoint
    names: dict[UUID, str] = {}
    partner: UUID | None = None
    name = ""
    online = DeliveryMode.ONLINE
    for service in ctx.active_services():
        capacity = service.capacity
        if not capacity or not service.occupations:
            continue
        if service.delivery_mode is not online:
            served = service.regions
            if not served:
                found = ctx.partners.get(service.partner_id)
                served = found.regions_served if found else ()
            if served and outside(served):
                continue
        leads_to: list[str] = []
        for text in service.occupations:
            try:
                value = values[text]
            except KeyError:
                value = values[text] = _wanted_value(text, wanted)
            if value is not None and value not in leads_to:
                leads_to.append(value)
        if not leads_to:
            continue
        if capacity < 0:
            raise ValueError(f"training capacity must not be negative, got {capacity}")  # as TrainingCapacity
        if service.partner_id is not partner:  # a partner's services come together, often with one id object
            partner = service.partner_id
            known = names.get(partner)
            if known is None:
                known = names[partner] = ctx.name(partner)
            name = known
        label = f"{name}: {service.name} ({capacity})"
        for value in leads_to:
            seats[value] = seats.get(value, 0) + capacity
            listed = labels.get(value)
            if listed is None:
                labels[value] = [label]
            else:
                listed.append(label)
    return seats, labels


def _label(code: SocCode, titles: Mapping[str, str]) -> str:
    title = titles.get(code.value)
    return f"{title} ({code.value})" if title else code.value


def _gap_figures(s: OccupationShortfall, providers: list[str], in_demand: bool) -> dict[str, float | int | str]:
    """A training gap's figures: what was added up, from where, against which seats."""
    assert s.retrieved_at is not None, "a shortfall with openings was added up from some figures"
    figures: dict[str, float | int | str] = {
        "annual_openings": s.annual_openings or 0,
        "capacity": s.capacity,
        "shortfall": s.shortfall or 0,
        "sources": ", ".join(s.sources),
        "periods": ", ".join(s.periods),
        "retrieved_at": rfc3339(s.retrieved_at),
        "regions": ", ".join(s.regions),
        "basis": "in_demand" if in_demand else "target_occupation",
    }
    if providers:
        figures["providers"] = "; ".join(providers)
    if s.regions_without_data:
        figures["regions_without_data"] = ", ".join(s.regions_without_data)
    return figures


def training_capacity_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find occupations whose annual openings in the system's regions exceed the members' training capacity.

    The occupations are the system's targets or, when it names none, those in demand in its regions.
    A target with no openings figure at all is reported (low) so the team loads the data it needs.
    """
    facts = ctx.labor_market
    if facts is None or not ctx.system.regions:
        return
    regions = list(dict.fromkeys(ctx.system.regions))
    figures = _figures(facts)
    targets, in_demand = _targets(ctx, facts, figures)
    seats, providers = _member_seats(ctx, targets, regions)
    report = occupation_shortfalls(occupations=targets, regions=regions, figures=figures, seats=seats,
                                   prefer_sources=facts.prefer_sources)
    for s in report:
        name = _label(s.occupation, facts.titles)
        if s.annual_openings is None:
            yield Gap(
                kind=GapKind.TRAINING_CAPACITY,
                severity=Severity.LOW,
                subject=s.occupation.value,
                explanation=f"No labour market data gives the annual openings for {name} in the system's regions.",
                recommendation="Load occupational projections for these regions so training can be weighed "
                               "against demand.",
                figures={"capacity": s.capacity, "regions_without_data": ", ".join(s.regions_without_data)},
            )
            continue
        if not s.has_shortfall:
            continue
        assert s.shortfall is not None
        severity = Severity.HIGH if 2 * s.shortfall >= s.annual_openings else Severity.MEDIUM
        why = "is in demand and has" if in_demand else "has"
        trained = (f"members' training prepares {s.capacity} a year" if s.capacity
                   else "no member's training leads to it")
        yield Gap(
            kind=GapKind.TRAINING_CAPACITY,
            severity=severity,
            subject=s.occupation.value,
            explanation=(
                f"{name} {why} {s.annual_openings} annual openings in the system's regions "
                f"({', '.join(s.sources)}), but {trained}: {s.shortfall} short."
            ),
            recommendation=(
                f"Expand members' programs leading to {name}, or bring on a training provider "
                "(a college, an apprenticeship sponsor) with a program for it."
            ),
            figures=_gap_figures(s, providers.get(s.occupation.value, []), in_demand),
        )


RULES: tuple[GapRule, ...] = (*DEFAULT_RULES, training_capacity_gaps)
"""The default gap rules with the training-capacity rule added."""
