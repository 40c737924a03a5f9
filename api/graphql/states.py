"""GraphQL projection of the statewide roll-up: a state's systems side by side, by local area."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated
from uuid import UUID

import strawberry

from api.domain import states as d
from api.domain.errors import DomainError
from api.graphql.context import Context
from api.graphql.errors import query_error
from api.graphql.labor_market import settings_of
from api.graphql.systems import GapKindEnum, SeverityEnum
from api.usecases import states as uc

Info = strawberry.Info[Context, None]


@strawberry.enum(description="Where a core function stands in an area.")
class FunctionStatus(Enum):
    LED = strawberry.enum_value("led", description="A member of every system in the area leads it.")
    SUPPORTED_ONLY = strawberry.enum_value(
        "supported_only", description="In some system of the area, members support it but nobody leads it.")
    UNLED = strawberry.enum_value("unled", description="In some system of the area, nobody carries it at all.")


@strawberry.enum(description="Why an agreement is listed in the roll-up.")
class AgreementState(Enum):
    EXPIRED = strawberry.enum_value("expired", description="It lapsed, or is recorded as expired.")
    REVIEW_OVERDUE = strawberry.enum_value("review_overdue", description="It is past its review date.")
    EXPIRING = strawberry.enum_value("expiring", description="It expires within the renewal window.")


@strawberry.type(description="A code with its name (a core function or a readiness element).")
class CodeName:
    code: str = strawberry.field(description="The code.")
    name: str = strawberry.field(description="Its name in words.")


@strawberry.type(description="A system of an area.")
class AreaSystem:
    id: UUID = strawberry.field(description="The system's id.")
    name: str = strawberry.field(description="The system's name.")
    level: str = strawberry.field(description="The system's level: state, regional or local.")
    latest_round_id: UUID | None = strawberry.field(
        description="Its latest closed readiness round, the one readiness is read from (null: none closed yet).")
    latest_round_closed_on: date | None = strawberry.field(description="When that round closed.")


@strawberry.type(description="A core function in an area: the worst status among the area's systems.")
class FunctionCell:
    function: str = strawberry.field(description="The core function's code.")
    name: str = strawberry.field(description="The core function's name.")
    status: FunctionStatus = strawberry.field(description="Led, supported only, or unled.")
    systems_unled: int = strawberry.field(description="How many of the area's systems nobody carries it in.")
    systems_supported_only: int = strawberry.field(
        description="How many of the area's systems only supporters carry it in.")


@strawberry.type(description="A target population of an area's systems, served or not.")
class PopulationCell:
    population: str = strawberry.field(description="The population's code.")
    served: bool = strawberry.field(
        description="Whether every system of the area that targets it has a member serving it.")
    systems_targeting: int = strawberry.field(description="How many of the area's systems target it.")
    systems_unserved: int = strawberry.field(description="How many of those have no member serving it.")


@strawberry.type(description="How many gaps of one kind and severity an area's systems have.")
class AreaGapCount:
    kind: GapKindEnum = strawberry.field(description="The kind of gap.")  # type: ignore[valid-type]
    severity: SeverityEnum = strawberry.field(description="Its severity.")  # type: ignore[valid-type]
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="A development phase of the readiness scale.")
class Phase:
    value: int = strawberry.field(description="Its point on the four-point scale.")
    label: str = strawberry.field(description="Its name (Initiation, Planning, Implementation, Sustained).")


@strawberry.type(description="An element's readiness in an area, from its systems' latest closed rounds.")
class ElementReadiness:
    code: str = strawberry.field(description="The element's code.")
    name: str = strawberry.field(description="The element's name.")
    mean: float | None = strawberry.field(
        description="Mean of the systems' element means on the 1-4 scale; null: insufficient data.")
    percent: float | None = strawberry.field(description="The mean as 0-100 (1 is 0, 4 is 100).")
    phase: Phase | None = strawberry.field(description="The phase the mean falls in.")
    systems_scored: int = strawberry.field(description="How many of the area's systems have a score for it.")


@strawberry.type(description="An agreement expired, past its review date or expiring soon.")
class AgreementDue:
    system_id: UUID = strawberry.field(description="The system it belongs to.")
    agreement_id: UUID = strawberry.field(description="The agreement's id.")
    title: str = strawberry.field(description="Its title.")
    state: AgreementState = strawberry.field(description="Why it is listed.")
    expires_on: date | None = strawberry.field(description="When it expires.")
    review_by: date | None = strawberry.field(description="When it is to be reviewed by.")


@strawberry.type(description="A local area (or the state's own systems) and what the roll-up says about it.")
class AreaOverview:
    local_area: str | None = strawberry.field(description="The local area's code; null for the state's systems.")
    label: str = strawberry.field(description="The local area's code, or 'statewide'.")
    systems: list[AreaSystem] = strawberry.field(description="The area's systems.")
    functions: list[FunctionCell] = strawberry.field(description="Every core function's status in the area.")
    populations: list[PopulationCell] = strawberry.field(description="Target populations, served or not.")
    gap_counts: list[AreaGapCount] = strawberry.field(description="Gap counts by kind and severity.")
    gaps_total: int = strawberry.field(description="All the area's gaps.")
    readiness: list[ElementReadiness] = strawberry.field(description="Readiness by element.")
    agreements: list[AgreementDue] = strawberry.field(description="Agreements needing attention.")


@strawberry.type(description="A core function across the state: in how many areas it is led, supported, unled.")
class FunctionTotals:
    function: str = strawberry.field(description="The core function's code.")
    name: str = strawberry.field(description="The core function's name.")
    led: int = strawberry.field(description="Areas where it is led.")
    supported_only: int = strawberry.field(description="Areas where only supporters carry it.")
    unled: int = strawberry.field(description="Areas where nobody carries it.")


@strawberry.type(description="A state's systems side by side, by local area, judged by each system's own rules.")
class StateOverview:
    state: str = strawberry.field(description="The state (USPS code).")
    as_of: date = strawberry.field(description="The day the rules judged on (UTC).")
    core_functions: list[CodeName] = strawberry.field(description="The core functions, the matrix's columns.")
    elements: list[CodeName] = strawberry.field(description="The readiness elements of the current framework.")
    areas: list[AreaOverview] = strawberry.field(description="The state's own systems first, then each local area.")
    function_totals: list[FunctionTotals] = strawberry.field(
        description="Per core function, how many areas lead it, only support it, or leave it unled.")
    rules_left_out: list[str] = strawberry.field(
        description="Gap kinds not counted here (read each system's gap report).")


def _area(a: d.AreaOverview) -> AreaOverview:
    return AreaOverview(
        local_area=a.local_area, label=a.label,
        systems=[AreaSystem(id=s.id, name=s.name, level=s.level, latest_round_id=s.latest_round_id,
                            latest_round_closed_on=s.latest_round_closed_on) for s in a.systems],
        functions=[FunctionCell(function=f.function, name=f.name, status=FunctionStatus(f.status.value),
                                systems_unled=f.systems_unled, systems_supported_only=f.systems_supported_only)
                   for f in a.functions],
        populations=[PopulationCell(population=p.population, served=p.served, systems_targeting=p.systems_targeting,
                                    systems_unserved=p.systems_unserved) for p in a.populations],
        gap_counts=[AreaGapCount(kind=GapKindEnum(c.kind.value), severity=SeverityEnum(c.severity.value), count=c.count)
                    for c in a.gap_counts],
        gaps_total=a.gaps_total,
        readiness=[ElementReadiness(code=e.code, name=e.name, mean=e.mean, percent=e.percent,
                                    phase=Phase(value=e.phase.value, label=e.phase.label) if e.phase else None,
                                    systems_scored=e.systems_scored) for e in a.readiness],
        agreements=[AgreementDue(system_id=x.system_id, agreement_id=x.agreement_id, title=x.title,
                                 state=AgreementState(x.state.value), expires_on=x.expires_on, review_by=x.review_by)
                    for x in a.agreements],
    )


def overview_from_domain(o: d.StateOverview) -> StateOverview:
    """Map the domain's roll-up to its GraphQL projection."""
    return StateOverview(
        state=o.state, as_of=o.as_of,
        core_functions=[CodeName(code=c, name=n) for c, n in o.core_functions],
        elements=[CodeName(code=c, name=n) for c, n in o.elements],
        areas=[_area(a) for a in o.areas],
        function_totals=[FunctionTotals(function=t.function, name=t.name, led=t.led, supported_only=t.supported_only,
                                        unled=t.unled) for t in o.function_totals],
        rules_left_out=list(o.rules_left_out),
    )


@strawberry.type
class StateQuery:
    @strawberry.field(description="For a state agency: the state's systems side by side, by local area (core "
                                  "functions led or not, populations served, gap counts, readiness, agreements "
                                  "due). A key of another state gets an error; a local area's key its own area.")
    async def state_overview(
        self, info: Info,
        state: Annotated[str, strawberry.argument(description="The state's USPS code, upper case (e.g. OR).")],
    ) -> StateOverview:
        settings = settings_of(info)
        try:
            found = await uc.overview(await info.context.read_uow(), state=state,
                                      expiry_window_days=settings.agreement_expiry_window_days,
                                      staff_period_months=settings.staff_training_period_months)
        except DomainError as exc:
            raise query_error(exc) from exc
        return overview_from_domain(found)
