"""DTOs of the statewide roll-up: a state's systems side by side, local area by local area."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.domain.gaps import GapKind, Severity
from api.domain.states import AgreementState, FunctionStatus, StateOverview


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class CodeNameOut(BaseModel):
    """A code with its name (a core function or a readiness element)."""

    code: str = Field(description="The code (a function code or a readiness element code)")
    name: str = Field(description="Its name in words")


class AreaSystemOut(_Out):
    """A system of an area."""

    id: UUID = Field(description="The system's id")
    name: str = Field(description="The system's name")
    level: str = Field(description="state, regional or local")
    latest_round_id: UUID | None = Field(description="Its latest closed readiness round, the one readiness is read "
                                                     "from (null: none closed yet)")
    latest_round_closed_on: date | None = Field(description="When that round closed")


class FunctionCellOut(_Out):
    """A core function in an area: the worst status among the area's systems."""

    function: str = Field(description="The core function's code")
    name: str = Field(description="The core function's name")
    status: FunctionStatus = Field(description="led; supported_only (carried, but nobody leads it); unled (nobody "
                                               "carries it). The worst of the area's systems")
    systems_unled: int = Field(description="How many of the area's systems nobody carries it in")
    systems_supported_only: int = Field(description="How many of the area's systems only supporters carry it in")


class PopulationCellOut(_Out):
    """A target population of an area's systems, served or not."""

    population: str = Field(description="A population code one of the area's systems targets")
    served: bool = Field(description="Whether every system of the area that targets it has a member serving it")
    systems_targeting: int = Field(description="How many of the area's systems target it")
    systems_unserved: int = Field(description="How many of those have no member serving it")


class GapCountOut(_Out):
    """How many gaps of one kind and severity an area's systems have."""

    kind: GapKind = Field(description="The kind of gap")
    severity: Severity = Field(description="Its severity")
    count: int = Field(description="How many gaps of that kind and severity the area's systems have")


class PhaseOut(_Out):
    """A development phase of the readiness scale."""

    value: int = Field(description="The phase's point on the four-point scale")
    label: str = Field(description="The phase's name (Initiation, Planning, Implementation, Sustained)")


class ElementReadinessOut(_Out):
    """An element's readiness in an area, from its systems' latest closed rounds."""

    code: str = Field(description="The readiness element's code")
    name: str = Field(description="The element's name")
    mean: float | None = Field(description="Mean of the area's systems' element means (1-4) from their latest "
                                           "closed rounds; null: insufficient data")
    percent: float | None = Field(description="The mean as 0-100 (1 is 0, 4 is 100)")
    phase: PhaseOut | None = Field(description="The development phase the mean falls in")
    systems_scored: int = Field(description="How many of the area's systems have a score for the element")


class AgreementDueOut(_Out):
    """An agreement expired, past its review date or expiring soon."""

    system_id: UUID = Field(description="The system the agreement belongs to")
    agreement_id: UUID = Field(description="The agreement's id")
    title: str = Field(description="The agreement's title")
    state: AgreementState = Field(description="expired (lapsed, or recorded as expired), review_overdue, or "
                                              "expiring (within the renewal window)")
    expires_on: date | None = Field(description="When it expires")
    review_by: date | None = Field(description="When it is to be reviewed by")


class AreaOverviewOut(_Out):
    """A local area (or the state's own systems) and what the roll-up says about it."""

    local_area: str | None = Field(description="The local area's code; null for the state's own systems")
    label: str = Field(description="The local area's code, or 'statewide'")
    systems: list[AreaSystemOut] = Field(description="The area's systems")
    functions: list[FunctionCellOut] = Field(description="Every core function's status in the area")
    populations: list[PopulationCellOut] = Field(description="The target populations of the area's systems, "
                                                             "served or not")
    gap_counts: list[GapCountOut] = Field(description="Gap counts by kind and severity (kinds with none left out)")
    gaps_total: int = Field(description="All the area's gaps")
    readiness: list[ElementReadinessOut] = Field(description="Readiness by element")
    agreements: list[AgreementDueOut] = Field(description="Agreements expired, past review or expiring soon")


class FunctionTotalsOut(_Out):
    """A core function across the state: in how many areas it is led, supported only, unled."""

    function: str = Field(description="The core function's code")
    name: str = Field(description="The core function's name")
    led: int = Field(description="Areas where it is led")
    supported_only: int = Field(description="Areas where only supporters carry it")
    unled: int = Field(description="Areas where nobody carries it")


class StateOverviewCsvRow(BaseModel):
    """One row of the roll-up as CSV (`Accept: text/csv`): one cell of one section for one area."""

    section: str = Field(description="function, population, gaps, readiness or agreement")
    local_area: str = Field(description="The local area's code, or 'statewide' for the state's own systems")
    code: str = Field(description="The function, population, gap kind, element code or agreement id")
    name: str = Field(description="The function's or element's name, or the agreement's title")
    status: str = Field(description="function: led, supported_only or unled; population: served or unserved; gaps: "
                                    "the severity; readiness: the phase; agreement: why it is listed")
    count: str = Field(description="function: systems that do not lead it; population: systems that do not serve "
                                   "it; gaps: how many; readiness: systems scored")
    value: str = Field(description="readiness: the mean on the 1-4 scale; agreement: its expiry date")


class StateOverviewOut(BaseModel):
    """A state's systems side by side, area by area, judged by the same rules as each system's own reports."""

    state: str = Field(description="The state (USPS code)")
    as_of: date = Field(description="The day the rules judged on (UTC)")
    core_functions: list[CodeNameOut] = Field(description="The core functions, the matrix's columns")
    elements: list[CodeNameOut] = Field(description="The readiness elements of the current framework")
    areas: list[AreaOverviewOut] = Field(description="The areas: the state's own systems first, then each local "
                                                     "area by code")
    function_totals: list[FunctionTotalsOut] = Field(description="Per core function, how many areas lead it, only "
                                                                 "support it, or leave it unled")
    rules_left_out: list[str] = Field(description="Gap kinds not counted here (read each system's gap report)")

    @classmethod
    def of(cls, o: StateOverview) -> StateOverviewOut:
        """Build from the domain's roll-up."""
        return cls(
            state=o.state, as_of=o.as_of,
            core_functions=[CodeNameOut(code=c, name=n) for c, n in o.core_functions],
            elements=[CodeNameOut(code=c, name=n) for c, n in o.elements],
            areas=[AreaOverviewOut.model_validate(a) for a in o.areas],
            function_totals=[FunctionTotalsOut.model_validate(t) for t in o.function_totals],
            rules_left_out=list(o.rules_left_out),
        )
