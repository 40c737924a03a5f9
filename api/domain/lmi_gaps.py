"""Gap analysis, kind 3: annual openings against the yearly capacity of the members' training.

The rule reads the labour market figures from ``GapContext.extras[LABOR_MARKET]`` (loaded by the use
case in one query), so the analysis keeps its signature and stays pure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from api.domain.codes import InvalidCode, SocCode
from api.domain.gaps import DEFAULT_RULES, Gap, GapContext, GapKind, GapRule, Severity
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
from api.domain.partners import DeliveryMode, Service

LABOR_MARKET = "labor_market"
"""The key of ``GapContext.extras`` holding a ``LaborMarketFacts``."""


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


def _first_served(ctx: GapContext, service: Service, regions: list[str], rank: Mapping[str, int]) -> str | None:
    """The first of ``regions`` (``rank`` gives their places) the service is offered in; online is everywhere."""
    served: Collection[str] | None = None
    if service.delivery_mode is not DeliveryMode.ONLINE:
        partner = ctx.partners.get(service.partner_id)
        served = service.regions or (partner.regions_served if partner else ()) or None
    if served is None:
        return regions[0] if regions else None
    places = [place for region in served if (place := rank.get(region)) is not None]
    return regions[min(places)] if places else None


_UNREAD = object()


def member_training(ctx: GapContext, occupations: Collection[SocCode], regions: list[str]) -> list[TrainingCapacity]:
    """The yearly capacity of members' active services that lead to the occupations, within the regions."""
    out: list[TrainingCapacity] = []
    wanted = {code.value: code for code in occupations}
    rank = {r: i for i, r in reversed(list(enumerate(regions)))}
    # Members' programs name the same few hundred occupations again and again: read each text once.
    values: dict[str, object] = {}
    for service in ctx.active_services():
        if not service.capacity or not service.occupations:
            continue
        region = _first_served(ctx, service, regions, rank)
        if region is None:
            continue
        leads_to: set[str] = set()
        for text in service.occupations:
            value = values.get(text, _UNREAD)
            if value is _UNREAD:
                value = values[text] = code.value if (code := _soc(text)) is not None else None
            if value in wanted:
                leads_to.add(value)  # type: ignore[arg-type]
        if not leads_to:
            continue
        provider = f"{ctx.name(service.partner_id)}: {service.name}"
        capacity = service.capacity
        out.extend(TrainingCapacity(occupation=wanted[value], region=region, capacity=capacity, provider=provider)
                   for value in sorted(leads_to))
    return out


def _label(code: SocCode, titles: Mapping[str, str]) -> str:
    title = titles.get(code.value)
    return f"{title} ({code.value})" if title else code.value


def _gap_figures(s: OccupationShortfall, providers: list[str], in_demand: bool) -> dict[str, float | int | str]:
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
    facts = ctx.extras.get(LABOR_MARKET)
    if not isinstance(facts, LaborMarketFacts) or not ctx.system.regions:
        return
    regions = list(dict.fromkeys(ctx.system.regions))
    figures = _figures(facts)
    targets, in_demand = _targets(ctx, facts, figures)
    capacities = member_training(ctx, targets, regions)
    report = occupation_shortfalls(occupations=targets, regions=regions, figures=figures,
                                   capacities=capacities, prefer_sources=facts.prefer_sources)
    capacities_of: dict[str, list[TrainingCapacity]] = {}
    for c in capacities:
        capacities_of.setdefault(c.occupation.value, []).append(c)
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
            figures=_gap_figures(s, [f"{c.provider} ({c.capacity})" for c in capacities_of.get(s.occupation.value, ())],
                                 in_demand),
        )


RULES: tuple[GapRule, ...] = (*DEFAULT_RULES, training_capacity_gaps)
"""The default gap rules with the training-capacity rule added."""
