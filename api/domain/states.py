"""The statewide roll-up: a state's systems read side by side, local area by local area.

A state agency with a dozen local areas asks four questions of them at once: which areas lack a lead for a core
function, which target populations go unserved where, how many gaps of each kind and severity each area has, how
ready each area is element by element, and which agreements are due or expired. The answers come from the same
rules that judge one system (its gap report, the scoring of its latest closed round): the roll-up only groups
what they find by local area, so a state and a local system never disagree about a local system.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from api.domain.agreements import Agreement, AgreementStatus
from api.domain.gaps import Gap, GapKind, Severity
from api.domain.readiness import Framework, Round, RoundScore, ScaleLevel, mean_of, phase_of, to_percent
from api.domain.systems import CareerPathwaysSystem, RoleCatalog

STATEWIDE = "statewide"
"""How the roll-up names the area of systems that belong to the state as a whole (no local area)."""


class FunctionStatus(StrEnum):
    """Where a core function stands in an area: someone leads it, only supporters carry it, or nobody leads it."""

    LED = "led"
    SUPPORTED_ONLY = "supported_only"
    UNLED = "unled"


_WORST = {FunctionStatus.UNLED: 0, FunctionStatus.SUPPORTED_ONLY: 1, FunctionStatus.LED: 2}


class AgreementState(StrEnum):
    """Why an agreement needs the state's attention."""

    EXPIRED = "expired"
    REVIEW_OVERDUE = "review_overdue"
    EXPIRING = "expiring"


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemAnalysis:
    """What the rules found about one system: its gaps, its agreements and its latest closed round's score."""

    system: CareerPathwaysSystem
    gaps: Sequence[Gap]
    agreements: Sequence[Agreement] = ()
    latest_round: Round | None = None
    score: RoundScore | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemRef:
    """A system of an area, named."""

    id: UUID
    name: str
    level: str
    latest_round_id: UUID | None = None
    latest_round_closed_on: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionCell:
    """A core function in an area: its status (the worst of the area's systems) and how many systems lack a lead."""

    function: str
    name: str
    status: FunctionStatus
    systems_unled: int
    systems_supported_only: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PopulationCell:
    """A target population of an area's systems: served when every system targeting it has a member serving it."""

    population: str
    served: bool
    systems_targeting: int
    systems_unserved: int


@dataclass(frozen=True, slots=True, kw_only=True)
class GapCount:
    """How many gaps of one kind and severity an area's systems have."""

    kind: GapKind
    severity: Severity
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ElementReadiness:
    """An element's readiness in an area: the mean of its systems' element means (None: insufficient data)."""

    code: str
    name: str
    mean: float | None
    percent: float | None
    phase: ScaleLevel | None
    systems_scored: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AgreementDue:
    """An agreement of an area's system that is expired, past its review date or expiring within the window."""

    system_id: UUID
    agreement_id: UUID
    title: str
    state: AgreementState
    expires_on: date | None
    review_by: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AreaOverview:
    """One local area (or the state as a whole) and everything the roll-up says about it."""

    local_area: str | None
    label: str
    systems: tuple[SystemRef, ...]
    functions: tuple[FunctionCell, ...]
    populations: tuple[PopulationCell, ...]
    gap_counts: tuple[GapCount, ...]
    gaps_total: int
    readiness: tuple[ElementReadiness, ...]
    agreements: tuple[AgreementDue, ...]

    def function(self, code: str) -> FunctionCell:
        """Find the cell of a core function."""
        return next(c for c in self.functions if c.function == code)


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionTotals:
    """A core function across the state: in how many areas it is led, supported only, or unled."""

    function: str
    name: str
    led: int
    supported_only: int
    unled: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StateOverview:
    """A state's roll-up: its core functions, its areas, and per function how many areas lack a lead."""

    state: str
    as_of: date
    core_functions: tuple[tuple[str, str], ...]
    elements: tuple[tuple[str, str], ...]
    areas: tuple[AreaOverview, ...]
    function_totals: tuple[FunctionTotals, ...]
    rules_left_out: tuple[str, ...] = ()


def _function_status(system_gaps: Sequence[Gap], code: str) -> FunctionStatus:
    """Read a core function's status off a system's gap report (the uncovered-function rule decides)."""
    for gap in system_gaps:
        if gap.kind is GapKind.UNCOVERED_FUNCTION and gap.subject == code:
            return FunctionStatus.SUPPORTED_ONLY if gap.figures.get("supporters", 0) else FunctionStatus.UNLED
    return FunctionStatus.LED


def _agreements_due(analysis: SystemAnalysis) -> list[AgreementDue]:
    """The agreements the renewal rule reports, and those recorded as expired (acknowledged, not renewed)."""
    by_id = {a.id: a for a in analysis.agreements}
    due: list[AgreementDue] = []
    for a in analysis.agreements:
        if a.status is AgreementStatus.EXPIRED:
            due.append(AgreementDue(system_id=analysis.system.id, agreement_id=a.id, title=a.title,
                                    state=AgreementState.EXPIRED, expires_on=a.expires_on, review_by=a.review_by))
    for gap in analysis.gaps:
        ident = gap.figures.get("agreement_id")
        if gap.kind is not GapKind.FORMALIZATION or not isinstance(ident, str):
            continue
        agreement = by_id.get(UUID(ident))
        if agreement is None:
            continue
        if "days_expired" in gap.figures:
            state = AgreementState.EXPIRED
        elif "days_past_review" in gap.figures:
            state = AgreementState.REVIEW_OVERDUE
        elif "days_to_expiry" in gap.figures:
            state = AgreementState.EXPIRING
        else:
            continue
        due.append(AgreementDue(system_id=analysis.system.id, agreement_id=agreement.id, title=agreement.title,
                                state=state, expires_on=agreement.expires_on, review_by=agreement.review_by))
    return sorted(due, key=lambda d: (list(AgreementState).index(d.state), d.title, str(d.agreement_id)))


def _readiness(
    analyses: Sequence[SystemAnalysis], framework: Framework | None, elements: Sequence[tuple[str, str]]
) -> tuple[ElementReadiness, ...]:
    out: list[ElementReadiness] = []
    for code, name in elements:
        means = [e.mean for a in analyses if a.score is not None for e in a.score.elements
                 if e.code == code and e.mean is not None]
        mean = mean_of(means)
        out.append(ElementReadiness(
            code=code, name=name, mean=mean, percent=to_percent(mean) if mean is not None else None,
            phase=phase_of(mean, framework) if mean is not None and framework is not None else None,
            systems_scored=len(means),
        ))
    return tuple(out)


def _area(
    local_area: str | None, analyses: Sequence[SystemAnalysis], core: Sequence[tuple[str, str]],
    framework: Framework | None, elements: Sequence[tuple[str, str]],
) -> AreaOverview:
    functions: list[FunctionCell] = []
    for code, name in core:
        statuses = [_function_status(a.gaps, code) for a in analyses]
        functions.append(FunctionCell(
            function=code, name=name, status=min(statuses, key=_WORST.__getitem__),
            systems_unled=statuses.count(FunctionStatus.UNLED),
            systems_supported_only=statuses.count(FunctionStatus.SUPPORTED_ONLY),
        ))
    targeting: dict[str, int] = {}
    unserved: dict[str, int] = {}
    for a in analyses:
        for population in dict.fromkeys(a.system.target_populations):
            targeting[population] = targeting.get(population, 0) + 1
        for gap in a.gaps:
            if gap.kind is GapKind.UNSERVED_POPULATION and gap.subject in a.system.target_populations:
                unserved[gap.subject] = unserved.get(gap.subject, 0) + 1
    populations = tuple(
        PopulationCell(population=p, served=unserved.get(p, 0) == 0, systems_targeting=n,
                       systems_unserved=unserved.get(p, 0))
        for p, n in sorted(targeting.items())
    )
    counts: dict[tuple[GapKind, Severity], int] = {}
    for a in analyses:
        for gap in a.gaps:
            counts[(gap.kind, gap.severity)] = counts.get((gap.kind, gap.severity), 0) + 1
    kinds, severities = list(GapKind), list(Severity)
    gap_counts = tuple(
        GapCount(kind=k, severity=s, count=n)
        for (k, s), n in sorted(counts.items(), key=lambda kv: (kinds.index(kv[0][0]), severities.index(kv[0][1])))
    )
    systems = tuple(
        SystemRef(id=a.system.id, name=a.system.name, level=a.system.level.value,
                  latest_round_id=a.latest_round.id if a.latest_round else None,
                  latest_round_closed_on=a.latest_round.closed_on if a.latest_round else None)
        for a in analyses
    )
    return AreaOverview(
        local_area=local_area, label=local_area or STATEWIDE, systems=systems, functions=tuple(functions),
        populations=populations, gap_counts=gap_counts, gaps_total=sum(counts.values()),
        readiness=_readiness(analyses, framework, elements),
        agreements=tuple(d for a in analyses for d in _agreements_due(a)),
    )


def roll_up(
    state: str, analyses: Iterable[SystemAnalysis], catalog: RoleCatalog, *, as_of: date,
    framework: Framework | None = None, rules_left_out: Sequence[str] = (),
) -> StateOverview:
    """Group what the rules found about each system of a state by local area (the state's own systems first).

    An area's function status is the worst of its systems' (one system without a lead is a gap in the area);
    a population is served in an area when no system there that targets it reports it unserved; readiness is
    the mean of the area's systems' element means from their latest closed rounds, placed in a phase by the
    framework's scale.
    """
    core = tuple((f.code, f.name) for f in sorted(catalog.functions.values(), key=lambda f: f.code) if f.core)
    elements = tuple((e.code, e.name) for e in framework.elements) if framework is not None else ()
    by_area: dict[str | None, list[SystemAnalysis]] = {}
    for a in sorted(analyses, key=lambda a: (a.system.name, str(a.system.id))):
        by_area.setdefault(a.system.jurisdiction.local_area, []).append(a)
    order = sorted(by_area, key=lambda area: (area is not None, area or ""))
    areas = tuple(_area(area, by_area[area], core, framework, elements) for area in order)
    totals = tuple(
        FunctionTotals(
            function=code, name=name,
            led=sum(1 for a in areas if a.function(code).status is FunctionStatus.LED),
            supported_only=sum(1 for a in areas if a.function(code).status is FunctionStatus.SUPPORTED_ONLY),
            unled=sum(1 for a in areas if a.function(code).status is FunctionStatus.UNLED),
        )
        for code, name in core
    )
    return StateOverview(state=state, as_of=as_of, core_functions=core, elements=elements, areas=areas,
                         function_totals=totals, rules_left_out=tuple(rules_left_out))


def latest_closed_rounds(rounds: Iterable[Round]) -> dict[UUID, Round]:
    """Each system's latest closed round (by closing day, then start day), the one its readiness is read from."""
    latest: dict[UUID, Round] = {}
    for r in rounds:
        if r.closed_on is None:
            continue
        held = latest.get(r.system_id)
        if held is None or (r.closed_on, r.started_on, str(r.id)) > (held.closed_on or r.closed_on, held.started_on,
                                                                      str(held.id)):
            latest[r.system_id] = r
    return latest

