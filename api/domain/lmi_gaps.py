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
    OccupationShortfall,
    TrainingCapacity,
    in_demand_occupations,
    training_shortfall,
)
from api.domain.partners import DeliveryMode, Service

LABOR_MARKET = "labor_market"
"""The key of ``GapContext.extras`` holding a ``LaborMarketFacts``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LaborMarketFacts:
    """The labour market figures of a system's regions, with the rule that says what is in demand."""

    observations: tuple[Observation, ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)
    rule: InDemandRule = field(default_factory=InDemandRule)
    prefer_sources: tuple[str, ...] = ()


def _soc(text: str) -> SocCode | None:
    try:
        return SocCode.parse(text)
    except InvalidCode:
        return None


def target_occupations(ctx: GapContext, facts: LaborMarketFacts) -> tuple[list[SocCode], bool]:
    """Return the occupations to weigh and whether they are the in-demand ones (the system names none)."""
    named = sorted({code for text in ctx.system.target_occupations if (code := _soc(text)) is not None})
    if named:
        return named, False
    regions = set(ctx.system.regions)
    found = in_demand_occupations(facts.observations, facts.rule, regions=regions)
    return sorted({o.code for o in found if isinstance(o.code, SocCode)}), True


def _credited_region(ctx: GapContext, service: Service, regions: list[str]) -> str | None:
    """The one system region a service's seats count in, so seats offered in two regions count once."""
    served: Collection[str] | None = None
    if service.delivery_mode is not DeliveryMode.ONLINE:
        partner = ctx.partners.get(service.partner_id)
        served = service.regions or (partner.regions_served if partner else ()) or None
    inside = [r for r in regions if served is None or r in served]
    return inside[0] if inside else None


def member_training(ctx: GapContext, occupations: Collection[SocCode], regions: list[str]) -> list[TrainingCapacity]:
    """The yearly capacity of members' active services that lead to the occupations, within the regions."""
    out: list[TrainingCapacity] = []
    wanted = set(occupations)
    for service in ctx.active_services():
        if not service.capacity or not service.occupations:
            continue
        region = _credited_region(ctx, service, regions)
        if region is None:
            continue
        leads_to = {code for text in service.occupations if (code := _soc(text)) is not None}
        for occupation in sorted(leads_to & wanted):
            out.append(TrainingCapacity(occupation=occupation, region=region, capacity=service.capacity,
                                        provider=f"{ctx.name(service.partner_id)}: {service.name}"))
    return out


def _label(code: SocCode, titles: Mapping[str, str]) -> str:
    title = titles.get(code.value)
    return f"{title} ({code.value})" if title else code.value


def _figures(s: OccupationShortfall, providers: list[str], in_demand: bool) -> dict[str, float | int | str]:
    figures: dict[str, float | int | str] = {
        "annual_openings": s.annual_openings or 0,
        "capacity": s.capacity,
        "shortfall": s.shortfall or 0,
        "sources": ", ".join(s.sources),
        "periods": ", ".join(sorted({o.period for o in s.observations})),
        "retrieved_at": max(o.retrieved_at for o in s.observations).isoformat(),
        "regions": ", ".join(o.region for o in s.observations),
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
    targets, in_demand = target_occupations(ctx, facts)
    capacities = member_training(ctx, targets, regions)
    report = training_shortfall(occupations=targets, regions=regions, observations=facts.observations,
                                capacities=capacities, prefer_sources=facts.prefer_sources)
    providers_of: dict[SocCode, list[str]] = {}
    for c in capacities:
        providers_of.setdefault(c.occupation, []).append(f"{c.provider} ({c.capacity})")
    for s in report:
        name = _label(s.occupation, facts.titles)
        providers = providers_of.get(s.occupation, [])
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
            figures=_figures(s, providers, in_demand),
        )


RULES: tuple[GapRule, ...] = (*DEFAULT_RULES, training_capacity_gaps)
"""The default gap rules with the training-capacity rule added."""
