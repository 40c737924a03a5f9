"""Gap analysis of a career pathways system: independent rules, each finding one kind of gap.

A rule is any ``(GapContext) -> Iterable[Gap]``. Rules for kinds that need data owned elsewhere (labour
market, agreements, funding) read it from the context's optional fields (``agreements``, ``funding``,
``labor_market``: None when not loaded, and then the rule finds nothing) and are added to the rule list, so
the analysis itself never changes signature.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING
from uuid import UUID

from api.domain.labels import NO_LABELS, Labels, days
from api.domain.partners import DeliveryMode, Partner, Service, Status
from api.domain.systems import (
    Assignment,
    CareerPathwaysSystem,
    LinkedSystem,
    Member,
    RoleCatalog,
    StaffSession,
    Strength,
    SystemState,
    Team,
)

if TYPE_CHECKING:  # these modules define rules over the context, so they import this one
    from api.domain.agreements import Agreement
    from api.domain.funding import FundingAnalysis
    from api.domain.lmi_gaps import LaborMarketFacts
    from api.domain.recruiting import GapCandidate

DEFAULT_EXPIRY_WINDOW_DAYS = 90
"""Days before expiry from which an active agreement is reported as due for renewal, unless a setting says."""

DEFAULT_STAFF_PERIOD_MONTHS = 12
"""Months within which every member agency's staff should have been informed or trained, unless a setting says."""


class GapKind(StrEnum):
    """The kinds of gap, in the order they are reported within a severity."""

    UNCOVERED_FUNCTION = "uncovered_function"
    RETIRED_PARTNER = "retired_partner"
    UNSERVED_POPULATION = "unserved_population"
    TRAINING_CAPACITY = "training_capacity"
    SUPPORT_SERVICE = "support_service"
    TEAM_COMPOSITION = "team_composition"
    TEAM_LIST = "team_list"
    SHARED_VISION = "shared_vision"
    WORKING_RELATIONSHIP = "working_relationship"
    STAFF_TRAINING = "staff_training"
    FORMALIZATION = "formalization"
    AGREEMENT_COMPLETENESS = "agreement_completeness"
    FUNDING = "funding"
    MEMBERSHIP_REVIEW = "membership_review"
    VISION_REVIEW = "vision_review"


class Severity(StrEnum):
    """How urgently a gap needs the team's attention."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}
_KIND_RANK = {k: i for i, k in enumerate(GapKind)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """Something the system lacks, why it matters and what to do about it."""

    kind: GapKind
    severity: Severity
    subject: str
    explanation: str
    recommendation: str
    figures: dict[str, float | int | str] = field(default_factory=dict)
    subject_label: str = ""
    """The subject in words (a population's, function's or partner type's name); set by ``label_gaps``."""
    candidates: tuple[GapCandidate, ...] = ()
    """Who could close the gap, best first; found only when asked for (``recruiting.attach_candidates``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceFacts:
    """What the gap rules read of a service, and nothing else.

    A state system's members offer thousands of services; storage loads this projection for gap analysis
    (no description, contacts of record, external ids or timestamps), and every rule reads it exactly as it
    reads the ``Service`` it was taken from.
    """

    id: UUID
    partner_id: UUID
    name: str
    category: str
    populations: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    delivery_mode: DeliveryMode = DeliveryMode.IN_PERSON
    capacity: int | None = None
    funding_streams: tuple[str, ...] = ()
    occupations: tuple[str, ...] = ()
    status: Status = Status.ACTIVE

    @classmethod
    def of(cls, service: Service) -> ServiceFacts:
        """Take the facts of a full service."""
        return cls(id=service.id, partner_id=service.partner_id, name=service.name, category=service.category,
                   populations=service.populations, regions=service.regions, delivery_mode=service.delivery_mode,
                   capacity=service.capacity, funding_streams=service.funding_streams,
                   occupations=service.occupations, status=service.status)


OfferedService = Service | ServiceFacts
"""A service as the gap rules read it: in full, or as its facts."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerFacts:
    """What the gap rules read of a member's partner, and nothing else (no contacts, address, external ids)."""

    id: UUID
    name: str
    partner_type: str
    regions_served: tuple[str, ...] = ()
    populations_served: tuple[str, ...] = ()
    funding_streams: tuple[str, ...] = ()
    status: Status = Status.ACTIVE

    @classmethod
    def of(cls, partner: Partner) -> PartnerFacts:
        """Take the facts of a full partner."""
        return cls(id=partner.id, name=partner.name, partner_type=partner.partner_type,
                   regions_served=partner.regions_served, populations_served=partner.populations_served,
                   funding_streams=partner.funding_streams, status=partner.status)


MemberPartner = Partner | PartnerFacts
"""A member's partner as the gap rules read it: in full, or as its facts."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GapContext:
    """Everything the gap rules read about one system, on one day."""

    system: CareerPathwaysSystem
    members: Sequence[Member]
    assignments: Sequence[Assignment]
    partners: Mapping[UUID, MemberPartner]
    services_by_partner: Mapping[UUID, Sequence[OfferedService]]
    catalog: RoleCatalog
    today: date
    agreements: Sequence[Agreement] | None = None
    """The system's agreements, for the formalization and renewal rules (None: not loaded)."""
    agreement_expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS
    """Days before expiry from which an active agreement is reported as due for renewal."""
    funding: FundingAnalysis | None = None
    """The system's funding analysis, for the funding rules (None: not loaded)."""
    labor_market: LaborMarketFacts | None = None
    """The labour market figures of the system's regions, for the training-capacity rule (None: not loaded)."""
    state_system: LinkedSystem | None = None
    """The state system a local system answers to, for the working-relationship rules (None: none named)."""
    staff_sessions: Sequence[StaffSession] = ()
    """Sessions informing or training member agencies' staff, for the staff-training rule."""
    staff_period_months: int = DEFAULT_STAFF_PERIOD_MONTHS
    """Months within which every member agency's staff should have been informed or trained."""
    labels: Labels = NO_LABELS
    """The names of the codes the sentences mention (none loaded: codes are shown as they are)."""
    # ``active_services``, worked out once: three rules read a state system's 5,000 services.
    _active: tuple[OfferedService, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_state(
        cls,
        state: SystemState,
        *,
        partners: Mapping[UUID, MemberPartner],
        services_by_partner: Mapping[UUID, Sequence[OfferedService]],
        catalog: RoleCatalog,
        today: date,
        agreements: Sequence[Agreement] | None = None,
        agreement_expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS,
        funding: FundingAnalysis | None = None,
        labor_market: LaborMarketFacts | None = None,
        staff_period_months: int = DEFAULT_STAFF_PERIOD_MONTHS,
        labels: Labels = NO_LABELS,
    ) -> GapContext:
        """Build the context from a system state and the partners and services of its members."""
        return cls(
            system=state.system,
            members=state.members,
            assignments=state.assignments,
            partners=partners,
            services_by_partner=services_by_partner,
            catalog=catalog,
            today=today,
            agreements=agreements,
            agreement_expiry_window_days=agreement_expiry_window_days,
            funding=funding,
            labor_market=labor_market,
            state_system=state.state_system,
            staff_sessions=state.staff_sessions,
            staff_period_months=staff_period_months,
            labels=labels,
        )

    def partner_type(self, partner_id: UUID) -> str | None:
        """Return a member's partner type, or None when its partner was not loaded."""
        partner = self.partners.get(partner_id)
        return partner.partner_type if partner else None

    def name(self, partner_id: UUID) -> str:
        """Return a member's partner name for explanations."""
        partner = self.partners.get(partner_id)
        return partner.name if partner else str(partner_id)

    def is_retired(self, partner_id: UUID) -> bool:
        """Say whether a member's partner is retired in the directory."""
        partner = self.partners.get(partner_id)
        return partner is not None and partner.status is Status.RETIRED

    def champion(self) -> UUID | None:
        """Return who champions the system: the lead of the champion function, else the intermediary."""
        function = self.catalog.champion_function
        if function is not None:
            for a in self.assignments:
                if a.function == function and a.strength is Strength.LEAD:
                    return a.partner_id
        return self.system.intermediary_id

    def active_services(self) -> tuple[OfferedService, ...]:
        """Return the active services of all members."""
        active = self._active
        if active is None:
            member_ids = {m.partner_id for m in self.members}
            active = tuple([
                s
                for pid in member_ids
                for s in self.services_by_partner.get(pid, ())
                if s.status is Status.ACTIVE
            ])
            object.__setattr__(self, "_active", active)  # frozen: a cache of what the fields already say
        return active


GapRule = Callable[[GapContext], Iterable[Gap]]


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _lower_first(label: str) -> str:
    """A name inside a sentence: "Employer" -> "employer" (a name that starts with an acronym stays)."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _names(ctx: GapContext, partner_ids: Iterable[UUID]) -> str:
    return ", ".join(sorted(ctx.name(pid) for pid in partner_ids))


# --- kind 1 ---------------------------------------------------------------------------------------------


def uncovered_functions(ctx: GapContext) -> Iterable[Gap]:
    """Find functions with no lead (core ones more severe) and functions nobody carries at all.

    Seed 001: "Without clearly defined roles and responsibilities, the system can be very confusing, and some
    responsibilities may be overlooked." The champion function is carried by the intermediary unless handed to
    another member ("The intermediary also serves as the system's champion"), so it is asked for only while the
    system has neither.
    """
    members_by_type: dict[str, list[UUID]] = {}
    for m in ctx.members:
        members_by_type.setdefault(ctx.partner_type(m.partner_id) or "", []).append(m.partner_id)
    has_champion = ctx.champion() is not None
    for function in ctx.catalog.functions.values():
        carried = [a for a in ctx.assignments if a.function == function.code]
        if any(a.strength is Strength.LEAD for a in carried):
            continue
        if function.code == ctx.catalog.champion_function and has_champion:
            continue
        what = "core function" if function.core else "function"
        usual_types = ctx.catalog.matrix.types_for(function.code)
        if function.code == ctx.catalog.coordination_function:
            recommendation = "Designate an intermediary: it leads day-to-day coordination."
        elif function.code == ctx.catalog.champion_function:
            recommendation = ("Designate an intermediary: it also serves as the system's champion "
                              "(or give a member the lead of this function).")
        elif carried:
            recommendation = f"Designate a lead among {_names(ctx, {a.partner_id for a in carried})}."
        else:
            usual_members = {pid for t in usual_types for pid in members_by_type.get(t, [])}
            if usual_members:
                usual_names = _names(ctx, usual_members)
                recommendation = f"Assign it to a member that usually carries it: {usual_names}."
            elif usual_types:
                recommendation = f"Recruit a partner of type: {ctx.labels.partner_types_of(usual_types)}."
            else:
                recommendation = "Assign it to a member or recruit a partner able to carry it."
        if carried:
            severity = Severity.HIGH if function.core else Severity.LOW
            explanation = f"The {what} '{function.name}' has supporters but no lead."
        else:
            severity = Severity.CRITICAL if function.core else Severity.MEDIUM
            explanation = f"Nobody carries the {what} '{function.name}'."
        yield Gap(
            kind=GapKind.UNCOVERED_FUNCTION,
            severity=severity,
            subject=function.code,
            explanation=explanation,
            recommendation=recommendation,
            figures={"supporters": len(carried)},
        )


# --- kind 2 ---------------------------------------------------------------------------------------------


def unserved_populations(ctx: GapContext) -> Iterable[Gap]:
    """Find target populations that no member serves, with the partner types that usually serve them."""
    targets = dict.fromkeys(ctx.system.target_populations)
    unserved = set(targets)
    for m in ctx.members:
        partner = ctx.partners.get(m.partner_id)
        if partner is not None:
            unserved.difference_update(partner.populations_served)
    if unserved:
        for service in ctx.active_services():
            unserved.difference_update(service.populations)
            if not unserved:  # a state system's thousands of services need not all be read
                break
    for population in targets:
        if population not in unserved:
            continue
        types = ctx.catalog.population_partner_types.get(population, ())
        recommendation = (
            f"Bring on a partner that serves them, usually of type: {ctx.labels.partner_types_of(types)}."
            if types
            else "Bring on a partner that serves this population."
        )
        yield Gap(
            kind=GapKind.UNSERVED_POPULATION,
            severity=Severity.HIGH,
            subject=population,
            explanation=f"The system targets '{ctx.labels.population(population)}' but no member serves that "
                        "population.",
            recommendation=recommendation,
            figures={"recommended_types": ", ".join(types)},
        )


# --- kind 4 ---------------------------------------------------------------------------------------------


def _service_regions(ctx: GapContext, service: OfferedService) -> set[str] | None:
    """Return the regions a service covers; None means everywhere (online, or no regions recorded)."""
    if service.delivery_mode is DeliveryMode.ONLINE:
        return None
    if service.regions:
        return set(service.regions)
    partner = ctx.partners.get(service.partner_id)
    if partner is not None and partner.regions_served:
        return set(partner.regions_served)
    return None


def _capacity_against_size(
    ctx: GapContext, providers: Sequence[OfferedService], populations: Sequence[str]
) -> dict[str, float | int | str]:
    """The yearly capacity of the providers against the largest known size of the populations needing it.

    Both are shown only where known: every provider records its capacity, and the system records the size
    of at least one of the populations (they overlap, so the largest is the least that need it).
    """
    figures: dict[str, float | int | str] = {}
    if providers and all(s.capacity is not None for s in providers):
        figures["capacity"] = sum(s.capacity or 0 for s in providers)
    sized = [(ctx.system.target_population_sizes[p], p) for p in populations if p in ctx.system.target_population_sizes]
    if sized:
        size, population = max(sized, key=lambda pair: (pair[0], pair[1]))
        figures["population_size"] = size
        figures["sized_population"] = population
    return figures


def support_service_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find support services the target populations need that no member offers with capacity, or only in few
    regions, or for fewer people than the population counts.

    Seed 001: "Assess the wrap around and support service needs"; "Assess the capacity of agencies that provide
    wrap around and support services". A service recording a capacity of 0 offers nothing.
    """
    needed_by: dict[str, list[str]] = {}
    for population in dict.fromkeys(ctx.system.target_populations):
        for category in ctx.catalog.support_needs.get(population, ()):
            needed_by.setdefault(category, []).append(population)
    providers_of: dict[str, list[OfferedService]] = {category: [] for category in needed_by}
    empty_of: dict[str, int] = {}
    for s in ctx.active_services():
        if (providers := providers_of.get(s.category)) is not None:
            if s.capacity is not None and s.capacity <= 0:
                empty_of[s.category] = empty_of.get(s.category, 0) + 1
            else:
                providers.append(s)
    regions = set(ctx.system.regions)
    for code, populations in needed_by.items():
        category = ctx.labels.category(code)
        who = ", ".join(sorted(ctx.labels.population(p) for p in populations))
        providers = providers_of[code]
        sizes = _capacity_against_size(ctx, providers, populations)
        if not providers:
            without = empty_of.get(code, 0)
            explanation = f"No member offers '{category}', which {who} usually need."
            if without:
                explanation = (f"No member offers '{category}' with capacity ({without} service(s) record none), "
                               f"which {who} usually need.")
            yield Gap(
                kind=GapKind.SUPPORT_SERVICE,
                severity=Severity.HIGH,
                subject=code,
                explanation=explanation,
                recommendation=f"Recruit or refer to a provider of '{category}', or ask a member to add it.",
                figures={"populations": who, **({"services_without_capacity": without} if without else {}),
                         **{k: v for k, v in sizes.items() if k != "capacity"}},
            )
            continue
        capacity, size = sizes.get("capacity"), sizes.get("population_size")
        if isinstance(capacity, int) and isinstance(size, int) and capacity < size:
            yield Gap(
                kind=GapKind.SUPPORT_SERVICE,
                severity=Severity.LOW,
                subject=code,
                explanation=(
                    f"Members offer '{category}' for {capacity} participants a year, against an estimated "
                    f"{size} people in '{ctx.labels.population(str(sizes['sized_population']))}'."
                ),
                recommendation=f"Add capacity for '{category}' or bring on another provider.",
                figures={"populations": who, **sizes},
            )
        if not regions:
            continue
        covered: set[str] = set()
        for service in providers:
            service_regions = _service_regions(ctx, service)
            covered |= regions if service_regions is None else service_regions & regions
            if len(covered) == len(regions):  # covered is within regions: every region is covered
                break
        if 2 * len(covered) < len(regions):
            missing = ", ".join(sorted(regions - covered))
            yield Gap(
                kind=GapKind.SUPPORT_SERVICE,
                severity=Severity.MEDIUM,
                subject=code,
                explanation=(
                    f"'{category}', which {who} usually need, is offered in {len(covered)} of the "
                    f"system's {len(regions)} regions."
                ),
                recommendation=f"Extend '{category}' to {missing}, or bring on a provider there.",
                figures={"regions_covered": len(covered), "regions_total": len(regions), "missing": missing,
                         **sizes},
            )


# --- kind 5 ---------------------------------------------------------------------------------------------


def team_composition_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find partner types the leadership team should include but does not, and a missing intermediary.

    Seed 001: "getting stakeholders—businesses, educational institutions, workforce development and economic
    development entities, government agencies, community-based organizations and others - to identify a goal or
    objective that they can all agree to work on together." Each requirement's severity says whether it is
    essential or one of the "and others".
    """
    on_leadership = {ctx.partner_type(m.partner_id) for m in ctx.members if m.team is Team.LEADERSHIP}
    seen: set[str] = set()
    for requirement in ctx.catalog.team_requirements:
        partner_type = requirement.partner_type
        if partner_type in on_leadership or partner_type in seen:
            continue
        seen.add(partner_type)
        in_operations = [
            m.partner_id
            for m in ctx.members
            if m.team is Team.OPERATIONS and ctx.partner_type(m.partner_id) == partner_type
        ]
        label = _lower_first(ctx.labels.partner_type(partner_type))
        recommendation = (
            f"Move {_names(ctx, in_operations)} to the leadership team"
            if in_operations
            else f"Invite {_a(label)} representative onto the leadership team"
        )
        essential = requirement.tier == "essential"
        why = ("it carries key functions the team needs at the table" if essential
               else "the seed counts it among the stakeholders a team brings together")
        yield Gap(
            kind=GapKind.TEAM_COMPOSITION,
            severity=Severity(requirement.severity),
            subject=partner_type,
            explanation=f"No {label} is represented on the leadership team.",
            recommendation=f"{recommendation}; {why}.",
            figures={"tier": requirement.tier},
        )
    if ctx.system.intermediary_id is None:
        yield Gap(
            kind=GapKind.TEAM_COMPOSITION,
            severity=Severity.HIGH,
            subject="intermediary",
            explanation="The system has no intermediary to coordinate day-to-day collaboration.",
            recommendation="Decide which member coordinates the team's work; designate it the intermediary.",
        )


# --- kind 8 ---------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """Return the same day ``months`` later (or earlier), clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due_on(system: CareerPathwaysSystem) -> date | None:
    """Return when the membership review is next due, or None when the team was never reviewed."""
    if system.last_reviewed_on is None:
        return None
    return add_months(system.last_reviewed_on, system.review_cadence_months)


def membership_review_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find an overdue (or never held) review of the team's membership.

    Seed 001: "Team membership is periodically reviewed to ensure that the team includes representatives that
    support key functions and services within the system."
    """
    recommendation = (
        "Review the team's membership: does it include representatives for every key function, "
        "service and target population?"
    )
    due = review_due_on(ctx.system)
    if due is None:
        yield Gap(
            kind=GapKind.MEMBERSHIP_REVIEW,
            severity=Severity.MEDIUM,
            subject="membership_review",
            explanation="The team's membership has never been reviewed.",
            recommendation=recommendation,
            figures={"cadence_months": ctx.system.review_cadence_months},
        )
    elif due < ctx.today:
        overdue = (ctx.today - due).days
        yield Gap(
            kind=GapKind.MEMBERSHIP_REVIEW,
            severity=Severity.MEDIUM,
            subject="membership_review",
            explanation=f"The membership review was due on {due.isoformat()}, {days(overdue)} ago.",
            recommendation=recommendation,
            figures={"due_on": due.isoformat(), "days_overdue": overdue},
        )


# --- the analysis ---------------------------------------------------------------------------------------

DEFAULT_RULES: tuple[GapRule, ...] = (
    uncovered_functions,
    unserved_populations,
    support_service_gaps,
    team_composition_gaps,
    membership_review_gaps,
)


def _order(gap: Gap) -> tuple[int, int, str, str]:
    return _SEVERITY_RANK[gap.severity], _KIND_RANK[gap.kind], gap.subject, gap.explanation


def analyse_gaps(ctx: GapContext, rules: Iterable[GapRule] = DEFAULT_RULES) -> list[Gap]:
    """Run every gap rule and order the gaps by severity, kind and subject."""
    return sorted((gap for rule in rules for gap in rule(ctx)), key=_order)
