"""Gap analysis, kind 3: annual openings against the yearly capacity of the members' training.

The rule reads the labour market figures from ``GapContext.labor_market`` (loaded by the use case in one
query), so the analysis keeps its signature and stays pure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from api.domain.codes import InvalidCode, SocCode
from api.domain.gaps import DEFAULT_RULES, Gap, GapContext, GapKind, GapRule, OfferedService, Severity
from api.domain.labor_market import (
    InDemandRule,
    Observation,
    OccupationFigures,
    OccupationShortfall,
    TrainingCapacity,
    occupation_figures,
    occupation_shortfalls,
    occupations_in_demand,
)
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


_UNREAD = object()


def _programs(
    ctx: GapContext, occupations: Collection[SocCode], regions: list[str]
) -> Iterator[tuple[OfferedService, str, list[str], str]]:
    """Members' active services with a capacity that lead to some of the occupations within the regions.

    Yields each with the region it counts in (the first of ``regions`` it is offered in; online is everywhere),
    the codes (text, in order) of the occupations it leads to and its provider's label ("partner: service").
    """
    wanted = {code.value for code in occupations}
    rank = {r: i for i, r in reversed(list(enumerate(regions)))}
    everywhere = regions[0] if regions else None
    # A state system's thousands of programs name the same few hundred occupations, are offered in the same
    # few combinations of regions and belong to a few hundred partners: each is worked out once.
    values: dict[str, object] = {}
    firsts: dict[tuple[str, ...], str | None] = {}
    names: dict[UUID, str] = {}
    for service in ctx.active_services():
        if not service.capacity or not service.occupations:
            continue
        if service.delivery_mode is DeliveryMode.ONLINE:
            region = everywhere
        else:
            served = service.regions
            if not served:
                partner = ctx.partners.get(service.partner_id)
                served = partner.regions_served if partner else ()
            if not served:
                region = everywhere
            elif (region := firsts.get(served, _UNREAD)) is _UNREAD:  # type: ignore[assignment]
                places = [place for r in served if (place := rank.get(r)) is not None]
                region = firsts[served] = regions[min(places)] if places else None
        if region is None:
            continue
        leads_to: set[str] = set()
        for text in service.occupations:
            value = values.get(text, _UNREAD)
            if value is _UNREAD:
                # A code's own text reads as itself; any other text is parsed.
                value = values[text] = text if text in wanted else (
                    code.value if (code := _soc(text)) is not None else None)
            if value in wanted:
                leads_to.add(value)  # type: ignore[arg-type]
        if leads_to:
            name = names.get(service.partner_id)
            if name is None:
                name = names[service.partner_id] = ctx.name(service.partner_id)
            yield service, region, sorted(leads_to), f"{name}: {service.name}"


def member_training(ctx: GapContext, occupations: Collection[SocCode], regions: list[str]) -> list[TrainingCapacity]:
    """The yearly capacity of members' active services that lead to the occupations, within the regions."""
    codes = {code.value: code for code in occupations}
    return [
        TrainingCapacity(occupation=codes[value], region=region, capacity=service.capacity,  # type: ignore[arg-type]
                         provider=provider)  # (_programs yields only services with a capacity)
        for service, region, leads_to, provider in _programs(ctx, occupations, regions)
        for value in leads_to
    ]


def _wanted_value(text: str, wanted: set[str]) -> str | None:
    """The code (text) among ``wanted`` that an occupation text names, or None."""
    # A code's own text reads as itself; any other text is parsed.
    value = text if text in wanted else (code.value if (code := _soc(text)) is not None else None)
    return value if value in wanted else None


def _member_seats(
    ctx: GapContext, occupations: Collection[SocCode], regions: list[str]
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """``member_training`` added up per occupation (by code): the seats, and each capacity's provider label
    ("partner: service (seats)") in ``member_training``'s order, without a ``TrainingCapacity`` apiece.

    The services ``_programs`` yields, found the same way in one plain loop (a state system has 5,000 of
    them: a comprehension or a generator per service cost more than the rest of its work). Only whether a
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
    partner: object = None
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
            value = values.get(text, _UNREAD)
            if value is _UNREAD:
                value = values[text] = _wanted_value(text, wanted)
            if value is not None and value not in leads_to:
                leads_to.append(value)  # type: ignore[arg-type]
        if not leads_to:
            continue
        if capacity < 0:
            raise ValueError(f"training capacity must not be negative, got {capacity}")  # as TrainingCapacity
        if service.partner_id is not partner:  # a partner's services come together, often with one id object
            partner = service.partner_id
            name = names.get(partner)  # type: ignore[assignment]
            if name is None:
                name = names[partner] = ctx.name(partner)  # type: ignore[index]
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
        "retrieved_at": s.retrieved_at.isoformat(),
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
                f"Expand members' programs leading to {s.occupation.value}, or bring on a training provider "
                "(a college, an apprenticeship sponsor) with a program for it."
            ),
            figures=_gap_figures(s, providers.get(s.occupation.value, []), in_demand),
        )


RULES: tuple[GapRule, ...] = (*DEFAULT_RULES, training_capacity_gaps)
"""The default gap rules with the training-capacity rule added."""
