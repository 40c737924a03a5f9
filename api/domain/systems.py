"""Career pathways systems: the leadership team, its intermediary and the roles its members carry.

Seed 001: "Your team can then develop an operational and strategic plan to be carried out by team members who
are assigned functional roles and/or individual task responsibilities."

Membership and role rules are pure functions over an immutable ``SystemState`` that return a new state,
so a use case loads the state, applies one rule and saves the difference.

Removal policy: a member that holds assignments is not removed silently. ``remove_member`` refuses with
``MemberHasAssignments`` unless ``cascade=True``, in which case the member's assignments go with it and are
returned so the caller can delete them (and tell the agreements that formalized them). The intermediary is
never removed: designate another intermediary first, which hands the coordination lead over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from api.domain.checklists import Checklist, checklists_from_dict
from api.domain.codes import NaicsCode, SocCode, validate_codes
from api.domain.errors import FieldProblem, InvalidInput, NotFound, RuleViolation
from api.domain.partners import US_STATES, Jurisdiction, Status
from api.domain.reference import Catalog

MAX_REVIEW_CADENCE_MONTHS = 120
MAX_TOPIC_LENGTH = 300
MAX_CONFIRMER_LENGTH = 200
MAX_REASON_LENGTH = 1000
SEED_CHART = "seed"
"""The source of a role matrix entry that is in the seed's own chart; any other source is a project addition."""
SEVERITY_NAMES = ("critical", "high", "medium", "low")


class SystemLevel(StrEnum):
    """Where a career pathways system's leadership team works."""

    STATE = "state"
    LOCAL = "local"


class WorkingRelationship(StrEnum):
    """Who decides between state and local partners."""

    STATE_DIRECTED = "state_directed"
    LOCALLY_DIRECTED = "locally_directed"
    SHARED = "shared"


class Team(StrEnum):
    """The team a member's representative sits on."""

    LEADERSHIP = "leadership"
    OPERATIONS = "operations"


class Strength(StrEnum):
    """How strongly a member carries a function."""

    LEAD = "lead"
    SUPPORT = "support"
    ADVISORY = "advisory"


class StaffSessionKind(StrEnum):
    """What a session did for the member agencies' staff: inform them about the system, or train them on it."""

    INFORMATION = "information"
    TRAINING = "training"


# --- reference data -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Function:
    """A responsibility someone in the system must carry (engage employers, design programs, ...)."""

    code: str
    name: str
    description: str = ""
    core: bool = False
    element: int | None = None
    service_categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleMatrix:
    """The functions each partner type commonly carries, each entry with its source.

    The seed's chart "outlines some of the common roles and responsibilities assigned to the key partners
    involved in developing a career pathways system"; its entries have the source ``SEED_CHART`` and are kept
    exactly as the seed gives them. Every other entry is a project (or deployment) addition naming its source,
    so ``seed_chart()`` shows the seed's chart alone.
    """

    usual: Mapping[str, frozenset[str]] = field(default_factory=dict)
    sources: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def usual_for(self, partner_type: str) -> frozenset[str]:
        """Return the functions a partner type commonly carries."""
        return self.usual.get(partner_type, frozenset())

    def types_for(self, function: str) -> tuple[str, ...]:
        """Return the partner types that commonly carry a function, in matrix order."""
        return tuple(t for t, functions in self.usual.items() if function in functions)

    def source_of(self, partner_type: str, function: str) -> str:
        """Return where an entry comes from: ``SEED_CHART``, or the addition's own source."""
        return self.sources.get((partner_type, function), SEED_CHART)

    def seed_chart(self) -> RoleMatrix:
        """Return the entries of the seed's own chart, without any addition."""
        usual = {t: frozenset(f for f in fs if self.source_of(t, f) == SEED_CHART) for t, fs in self.usual.items()}
        return RoleMatrix(usual={t: fs for t, fs in usual.items() if fs})


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamRequirement:
    """A partner type the leadership team should include, how much it matters and where that comes from.

    Seed 001 (quoting Julian Alssid): "getting stakeholders—businesses, educational institutions, workforce
    development and economic development entities, government agencies, community-based organizations and
    others - to identify a goal or objective that they can all agree to work on together." The ``tier`` says
    which are essential and which belong to the "and others" (recommended, a lower ``severity``).
    """

    partner_type: str
    tier: str
    severity: str
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleCatalog:
    """The role reference data in force: functions, the matrix, what populations and teams need, and the
    checklists of the agreements that formalize roles."""

    functions: Mapping[str, Function] = field(default_factory=dict)
    matrix: RoleMatrix = field(default_factory=RoleMatrix)
    population_partner_types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    support_needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    key_team_types: tuple[str, ...] = ()
    coordination_function: str = "coordinate_collaboration"
    team_requirements: tuple[TeamRequirement, ...] = ()
    champion_function: str | None = None
    agreement_checklists: Mapping[str, Checklist] = field(default_factory=dict)


def _str_list(problems: list[FieldProblem], where: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        problems.append(FieldProblem(where, "must be a list of codes"))
        return ()
    items = tuple(value)
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item:
            problems.append(FieldProblem(f"{where}[{i}]", "must be a non-empty string"))
    return tuple(str(item) for item in items)


def _function_from_dict(problems: list[FieldProblem], i: int, raw: Mapping[str, Any]) -> Function | None:
    code, name = raw.get("code"), raw.get("name")
    if not isinstance(code, str) or not code or not isinstance(name, str) or not name:
        problems.append(FieldProblem(f"functions[{i}]", "needs a code and a name"))
        return None
    element = raw.get("element")
    if element is not None and not isinstance(element, int):
        problems.append(FieldProblem(f"functions[{i}].element", "must be an integer or null"))
        element = None
    return Function(
        code=code,
        name=name,
        description=str(raw.get("description", "")),
        core=bool(raw.get("core", False)),
        element=element,
        service_categories=_str_list(
            problems, f"functions[{i}].service_categories", raw.get("service_categories", [])
        ),
    )


def role_matrix_entries(matrix: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """List a role matrix document's entries as (partner type, function, source), the seed's chart first.

    Three shapes are read: the shipped file (``seed_chart`` rows and ``project_additions`` with a source each),
    stored rows (partner type -> [{"function", "source"}]) and a plain partner type -> [function] mapping, whose
    entries are taken as the seed's chart. Malformed entries are kept as they are for the caller to refuse.
    """
    if "seed_chart" in matrix or "project_additions" in matrix:
        chart = matrix.get("seed_chart") or {}
        rows = chart.get("rows", {}) if isinstance(chart, Mapping) else {}
        entries = [(t, f, SEED_CHART) for t, fs in rows.items() for f in (fs if isinstance(fs, list) else [fs])]
        for addition in matrix.get("project_additions") or []:
            if not isinstance(addition, Mapping):
                entries.append(("project_additions", addition, ""))
                continue
            source = str(addition.get("source") or "")
            functions = addition.get("functions")
            for f in functions if isinstance(functions, list) else [functions]:
                entries.append((str(addition.get("partner_type")), f, source))
        return entries
    entries = []
    for partner_type, row in matrix.items():
        for item in row if isinstance(row, list) else [row]:
            if isinstance(item, Mapping):
                entries.append((partner_type, item.get("function"), str(item.get("source") or SEED_CHART)))
            else:
                entries.append((partner_type, item, SEED_CHART))
    return entries


def _matrix(problems: list[FieldProblem], raw: Mapping[str, Any], functions: Mapping[str, Function]) -> RoleMatrix:
    usual: dict[str, set[str]] = {}
    sources: dict[tuple[str, str], str] = {}
    positions: dict[str, int] = {}
    for partner_type, code, source in role_matrix_entries(raw):
        j = positions.get(partner_type, 0)
        positions[partner_type] = j + 1
        where = f"role_matrix.{partner_type}[{j}]"
        if not isinstance(code, str) or not code:
            problems.append(FieldProblem(where, "must be a non-empty string"))
            continue
        if code not in functions:
            problems.append(FieldProblem(where, f"unknown function '{code}'"))
        if not source:
            problems.append(FieldProblem(where, "an addition to the seed's chart names its source"))
        if (partner_type, code) in sources:
            continue  # the first mention wins: the seed's chart before any addition
        usual.setdefault(partner_type, set()).add(code)
        if source != SEED_CHART:
            sources[(partner_type, code)] = source
    return RoleMatrix(usual={t: frozenset(fs) for t, fs in usual.items()}, sources=sources)


def _team_requirements(problems: list[FieldProblem], team: Mapping[str, Any]) -> tuple[TeamRequirement, ...]:
    """Read the leadership team's requirements; a bare partner type (the older shape) is essential."""
    tiers = team.get("tiers") or {"essential": {"severity": "high"}, "recommended": {"severity": "medium"}}
    raw = team.get("leadership_team", [])
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        problems.append(FieldProblem("team.leadership_team", "must be a list"))
        return ()
    out: list[TeamRequirement] = []
    for i, entry in enumerate(raw):
        where = f"team.leadership_team[{i}]"
        if isinstance(entry, str) and entry:
            entry = {"partner_type": entry, "tier": "essential"}
        if not isinstance(entry, Mapping) or not isinstance(entry.get("partner_type"), str):
            problems.append(FieldProblem(where, "must name a partner type"))
            continue
        tier = str(entry.get("tier", "essential"))
        severity = (tiers.get(tier) or {}).get("severity") if isinstance(tiers, Mapping) else None
        if severity not in SEVERITY_NAMES:
            problems.append(FieldProblem(f"{where}.tier", f"unknown tier '{tier}'"))
            continue
        out.append(TeamRequirement(partner_type=entry["partner_type"], tier=tier, severity=str(severity),
                                   source=str(entry.get("source", ""))))
    return tuple(out)


def role_catalog_from_dicts(
    functions: Sequence[Mapping[str, Any]],
    matrix: Mapping[str, Any],
    population_types: Mapping[str, Sequence[str]],
    support_needs: Mapping[str, Sequence[str]],
    team: Mapping[str, Any],
    checklists: Mapping[str, Any] | None = None,
) -> RoleCatalog:
    """Build the role catalog from parsed reference data, or raise InvalidInput naming each bad entry."""
    problems: list[FieldProblem] = []
    catalog_functions: dict[str, Function] = {}
    for i, raw in enumerate(functions):
        function = _function_from_dict(problems, i, raw)
        if function is None:
            continue
        if function.code in catalog_functions:
            problems.append(FieldProblem(f"functions[{i}].code", f"'{function.code}' appears twice"))
        catalog_functions[function.code] = function

    role_matrix = _matrix(problems, matrix, catalog_functions)
    population_partner_types = {
        p: _str_list(problems, f"population_partner_types.{p}", v) for p, v in population_types.items()
    }
    needs = {p: _str_list(problems, f"support_needs.{p}", v) for p, v in support_needs.items()}
    requirements = _team_requirements(problems, team)
    coordination = team.get("intermediary_function", "coordinate_collaboration")
    if not isinstance(coordination, str) or coordination not in catalog_functions:
        problems.append(FieldProblem("team.intermediary_function", f"unknown function '{coordination}'"))
    champion = team.get("champion_function", "champion_system")
    agreement_checklists: dict[str, Checklist] = {}
    try:
        agreement_checklists = checklists_from_dict(checklists or {})
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    return RoleCatalog(
        functions=catalog_functions,
        matrix=role_matrix,
        population_partner_types=population_partner_types,
        support_needs=needs,
        key_team_types=tuple(r.partner_type for r in requirements if r.tier == "essential"),
        coordination_function=coordination,
        team_requirements=requirements,
        # A deployment may drop the champion function; then nobody is asked to champion the system.
        champion_function=champion if isinstance(champion, str) and champion in catalog_functions else None,
        agreement_checklists=agreement_checklists,
    )


# --- the system and its members -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RelationshipConfirmation:
    """A dated confirmation, at one level, that the state/local roles are understood and agreed, and by whom.

    Seed 001: "However the working relationship is defined, it is important to ensure that roles are understood
    and agreed upon among partners at the state and local levels." A confirmation holds for the relationship it
    confirmed: once the system records another relationship, the roles must be confirmed again.
    """

    level: SystemLevel
    confirmed_on: date
    confirmed_by: str
    relationship: WorkingRelationship


@dataclass(frozen=True, slots=True, kw_only=True)
class CareerPathwaysSystem:
    """A partnership whose leadership team builds career pathways at state or local level.

    A local system may name the state system it answers to (``state_system_id``); the state system then lists it
    among its local systems.
    """

    id: UUID
    name: str
    jurisdiction: Jurisdiction
    level: SystemLevel
    vision: str = ""
    mission: str = ""
    goals: tuple[str, ...] = ()
    target_sectors: tuple[str, ...] = ()
    target_occupations: tuple[str, ...] = ()
    target_populations: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    working_relationship: WorkingRelationship = WorkingRelationship.SHARED
    working_relationship_notes: str = ""
    review_cadence_months: int = 12
    last_reviewed_on: date | None = None
    intermediary_id: UUID | None = None
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None
    state_system_id: UUID | None = None
    vision_review_cadence_months: int = 12
    vision_revisited_on: date | None = None
    target_population_sizes: Mapping[str, int] = field(default_factory=dict)
    relationship_confirmations: tuple[RelationshipConfirmation, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkedSystem:
    """Another system a system is linked to (its state system, or one of its local systems)."""

    id: UUID
    name: str
    level: SystemLevel
    jurisdiction: Jurisdiction
    working_relationship: WorkingRelationship


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffSession:
    """A session that informed or trained the staff of member agencies about the system.

    Seed 001: "it is important to inform all state and local staff members about the career pathways system
    being developed and implemented. Training multiple agencies' staff together on the new career pathways
    system will model collaboration and ensure that all staff members learn the same information."
    """

    id: UUID
    system_id: UUID
    held_on: date
    kind: StaffSessionKind
    topic: str
    level: SystemLevel
    agencies: tuple[UUID, ...]
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """A partner taking part in a system, through a representative on one of its teams."""

    partner_id: UUID
    representative: str
    team: Team = Team.LEADERSHIP
    joined_on: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Assignment:
    """A member carrying a function in a system; atypical when its partner type does not usually."""

    id: UUID
    system_id: UUID
    partner_id: UUID
    function: str
    strength: Strength
    agreement_id: UUID | None = None
    atypical: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemState:
    """A system with its members, their assignments, the partner type and directory status of each member,
    the systems it is linked to and the staff sessions it recorded (newest first)."""

    system: CareerPathwaysSystem
    members: tuple[Member, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    partner_types: Mapping[UUID, str] = field(default_factory=dict)
    partner_statuses: Mapping[UUID, Status] = field(default_factory=dict)
    state_system: LinkedSystem | None = None
    local_systems: tuple[LinkedSystem, ...] = ()
    staff_sessions: tuple[StaffSession, ...] = ()

    def member(self, partner_id: UUID) -> Member | None:
        """Return the member for a partner, or None when the partner is not a member."""
        return next((m for m in self.members if m.partner_id == partner_id), None)

    def lead_of(self, function: str) -> Assignment | None:
        """Return the lead assignment of a function, if any."""
        return next(
            (a for a in self.assignments if a.function == function and a.strength is Strength.LEAD), None
        )

    def assignments_of(self, partner_id: UUID) -> tuple[Assignment, ...]:
        """Return the assignments a member holds."""
        return tuple(a for a in self.assignments if a.partner_id == partner_id)

    def is_retired(self, partner_id: UUID) -> bool:
        """Say whether a member's partner is retired in the directory."""
        return self.partner_statuses.get(partner_id) is Status.RETIRED


# --- errors ---------------------------------------------------------------------------------------------


class AlreadyAMember(RuleViolation):
    """The partner is already a member of the system."""

    title = "Already a member"


class NotAMember(RuleViolation):
    """Only members of a system can be assigned, designated or removed in it."""

    title = "Not a member of the system"


class MemberHasAssignments(RuleViolation):
    """A member holding assignments is removed only with cascade."""

    title = "Member holds assignments"


class IntermediaryCannotLeave(RuleViolation):
    """The intermediary stays until another member is designated."""

    title = "Intermediary cannot be removed"


class FunctionAlreadyHasLead(RuleViolation):
    """A function has at most one lead."""

    title = "Function already has a lead"


class AlreadyAssigned(RuleViolation):
    """A member carries a function once; unassign it first to change its strength."""

    title = "Function already assigned to this member"


class IntermediaryMustLeadCoordination(RuleViolation):
    """The coordination function is led by the intermediary and nobody else."""

    title = "The intermediary leads coordination"


class PartnerRetired(RuleViolation):
    """A partner retired in the directory takes no new place or role in a system."""

    title = "Partner is retired"


# --- validation -----------------------------------------------------------------------------------------

SYSTEM_EDITABLE = frozenset(
    {
        "name", "jurisdiction", "level", "vision", "mission", "goals", "target_sectors", "target_occupations",
        "target_populations", "regions", "working_relationship", "working_relationship_notes",
        "review_cadence_months", "last_reviewed_on", "state_system_id", "vision_review_cadence_months",
        "target_population_sizes",
    }
)
# The editable fields a PATCH may clear with null; null for any other is refused, not applied.
SYSTEM_NULLABLE = frozenset({"last_reviewed_on", "state_system_id"})


def _check_codes(problems: list[FieldProblem], field_name: str, values: Iterable[str],
                 ok: Callable[[str], object], what: str) -> None:
    for i, value in enumerate(values):
        if not ok(value):
            problems.append(FieldProblem(f"{field_name}[{i}]", f"'{value}' is not {what}"))


def _normalized(
    problems: list[FieldProblem], field_name: str, codes: tuple[str, ...], parser: Callable[[str], object]
) -> tuple[str, ...]:
    found = validate_codes(field_name, codes, parser)
    problems.extend(found)
    return codes if found else tuple(dict.fromkeys(str(parser(code)) for code in codes))


def not_in_future(problems: list[FieldProblem], field_name: str, day: date | None, today: date | None) -> None:
    """Add a problem when a recorded day lies after today (reviews, revisits, confirmations, sessions)."""
    if day is not None and today is not None and day > today:
        problems.append(FieldProblem(field_name, f"must not be in the future (today is {today.isoformat()})"))


def validate_system(
    system: CareerPathwaysSystem, catalog: Catalog, *, today: date | None = None
) -> CareerPathwaysSystem:
    """Check a system against the rules and vocabularies; return it with codes normalized, or raise.

    With ``today``, the dates of reviews and confirmations must not lie after it.
    """
    problems: list[FieldProblem] = []
    if not system.name.strip():
        problems.append(FieldProblem("name", "must not be blank"))
    state, local_area = system.jurisdiction.state, system.jurisdiction.local_area
    if state not in US_STATES:
        problems.append(FieldProblem("jurisdiction.state", f"'{state}' is not a USPS state code"))
    if local_area is not None:
        if system.level is SystemLevel.STATE:
            problems.append(FieldProblem("jurisdiction.local_area", "a state-level system has no local area"))
        region = catalog.regions.get(local_area)
        if region is None or region.state != state:
            problems.append(
                FieldProblem("jurisdiction.local_area", f"'{local_area}' is not a region of {state}")
            )
    for i, goal in enumerate(system.goals):
        if not goal.strip():
            problems.append(FieldProblem(f"goals[{i}]", "must not be blank"))
    sectors = _normalized(problems, "target_sectors", system.target_sectors, NaicsCode.parse)
    occupations = _normalized(problems, "target_occupations", system.target_occupations, SocCode.parse)
    _check_codes(problems, "target_populations", system.target_populations,
                 catalog.populations.__contains__, "a known population")
    _check_codes(problems, "regions", system.regions,
                 lambda code: code in catalog.regions and catalog.regions[code].state == state,
                 f"a known region of {state}")
    for name in ("review_cadence_months", "vision_review_cadence_months"):
        if not 1 <= getattr(system, name) <= MAX_REVIEW_CADENCE_MONTHS:
            problems.append(FieldProblem(name, f"must be between 1 and {MAX_REVIEW_CADENCE_MONTHS}"))
    for population, size in sorted(system.target_population_sizes.items()):
        where = f"target_population_sizes.{population}"
        if population not in system.target_populations:
            problems.append(FieldProblem(where, f"'{population}' is not one of the system's target populations"))
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            problems.append(FieldProblem(where, "must be a whole number of people, 0 or more"))
    if system.state_system_id is not None:
        if system.level is not SystemLevel.LOCAL:
            problems.append(FieldProblem("state_system_id", "only a local system answers to a state system"))
        elif system.state_system_id == system.id:
            problems.append(FieldProblem("state_system_id", "a system does not answer to itself"))
    not_in_future(problems, "last_reviewed_on", system.last_reviewed_on, today)
    not_in_future(problems, "vision_revisited_on", system.vision_revisited_on, today)
    for i, confirmation in enumerate(system.relationship_confirmations):
        not_in_future(problems, f"relationship_confirmations[{i}].confirmed_on", confirmation.confirmed_on, today)
    if problems:
        raise InvalidInput(problems)
    return replace(system, target_sectors=sectors, target_occupations=occupations)


def create_system(system: CareerPathwaysSystem, catalog: Catalog, *, today: date | None = None) -> SystemState:
    """Validate a new system and return its state, with no members yet.

    A vision or mission given at creation counts as revisited on ``today`` unless a revisit date is given.
    """
    if system.intermediary_id is not None:
        raise InvalidInput(FieldProblem("intermediary_id", "designate the intermediary once it is a member"))
    if today is not None and system.vision_revisited_on is None and (system.vision.strip() or system.mission.strip()):
        system = replace(system, vision_revisited_on=today)
    return SystemState(system=validate_system(system, catalog, today=today))


def revise_system(
    system: CareerPathwaysSystem, changes: Mapping[str, Any], catalog: Catalog, *, today: date | None = None
) -> CareerPathwaysSystem:
    """Apply a partial update to a system's own fields, validate it, and bump its version.

    Seed 001: "the team commits to reviewing and revising the vision, mission, goals, and plans regularly":
    revising the vision or the mission counts as revisiting them on ``today``. Sizes of populations the system
    no longer targets are dropped.
    """
    problems = [FieldProblem(name, "cannot be changed here") for name in sorted(set(changes) - SYSTEM_EDITABLE)]
    problems += [FieldProblem(name, "must not be null") for name, value in sorted(changes.items())
                 if value is None and name in SYSTEM_EDITABLE and name not in SYSTEM_NULLABLE]
    if problems:
        raise InvalidInput(problems)
    revised = replace(system, **changes, version=system.version + 1)
    if "target_population_sizes" not in changes and revised.target_populations != system.target_populations:
        kept = {p: n for p, n in system.target_population_sizes.items() if p in revised.target_populations}
        revised = replace(revised, target_population_sizes=kept)
    if today is not None and (revised.vision, revised.mission) != (system.vision, system.mission):
        revised = replace(revised, vision_revisited_on=today)
    return validate_system(revised, catalog, today=today)


def _dated(field_name: str, day: date, last: date | None, today: date, what: str) -> None:
    if day > today:
        raise InvalidInput(FieldProblem(field_name, f"must not be in the future (today is {today.isoformat()})"))
    if last is not None and day < last:
        raise InvalidInput(FieldProblem(field_name, f"must not be before the last {what} ({last}); correct it instead"))


def record_review(state: SystemState, reviewed_on: date, *, today: date) -> SystemState:
    """Record that the team's membership was reviewed on a date (not in the future, not before the last one).

    Seed 001: "Team membership is periodically reviewed to ensure that the team includes representatives that
    support key functions and services within the system."
    """
    _dated("reviewed_on", reviewed_on, state.system.last_reviewed_on, today, "review")
    system = replace(state.system, last_reviewed_on=reviewed_on, version=state.system.version + 1)
    return replace(state, system=system)


def correct_review(state: SystemState, reviewed_on: date | None, *, today: date, reason: str) -> SystemState:
    """Correct a mistaken review date (to an earlier one, or to none), saying why; the future stays refused."""
    _reason(reason)
    if reviewed_on is not None and reviewed_on > today:
        raise InvalidInput(FieldProblem("reviewed_on", f"must not be in the future (today is {today.isoformat()})"))
    if reviewed_on == state.system.last_reviewed_on:
        return state
    system = replace(state.system, last_reviewed_on=reviewed_on, version=state.system.version + 1)
    return replace(state, system=system)


def record_vision_review(state: SystemState, revisited_on: date, *, today: date) -> SystemState:
    """Record that the team revisited its vision, mission and goals on a date.

    Seed 001: "As the system will evolve over time, the team commits to reviewing and revising the vision,
    mission, goals, and plans regularly to match changing interests and goals."
    """
    _dated("revisited_on", revisited_on, state.system.vision_revisited_on, today, "revisit")
    system = replace(state.system, vision_revisited_on=revisited_on, version=state.system.version + 1)
    return replace(state, system=system)


def correct_vision_review(
    state: SystemState, revisited_on: date | None, *, today: date, reason: str
) -> SystemState:
    """Correct a mistaken revisit date of the vision and mission, saying why; the future stays refused."""
    _reason(reason)
    if revisited_on is not None and revisited_on > today:
        raise InvalidInput(FieldProblem("revisited_on", f"must not be in the future (today is {today.isoformat()})"))
    if revisited_on == state.system.vision_revisited_on:
        return state
    system = replace(state.system, vision_revisited_on=revisited_on, version=state.system.version + 1)
    return replace(state, system=system)


def _reason(reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(FieldProblem("reason", "say why the date is corrected"))
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(FieldProblem("reason", f"must be at most {MAX_REASON_LENGTH} characters"))


# --- membership -----------------------------------------------------------------------------------------


def add_member(
    state: SystemState, member: Member, *, partner_type: str, status: Status = Status.ACTIVE
) -> SystemState:
    """Add a partner to the system through its representative; a retired partner does not join."""
    if not member.representative.strip():
        raise InvalidInput(FieldProblem("representative", "must not be blank"))
    if state.member(member.partner_id) is not None:
        raise AlreadyAMember(f"partner {member.partner_id} is already a member of this system")
    if status is Status.RETIRED:
        raise PartnerRetired(f"partner {member.partner_id} is retired in the directory; it does not join a system")
    return replace(
        state,
        members=(*state.members, member),
        partner_types={**state.partner_types, member.partner_id: partner_type},
        partner_statuses={**state.partner_statuses, member.partner_id: status},
    )


def update_member(
    state: SystemState, partner_id: UUID, *, representative: str | None = None, team: Team | None = None
) -> SystemState:
    """Change a member's representative or move it between the leadership and operations teams."""
    current = _require_member(state, partner_id)
    if representative is not None and not representative.strip():
        raise InvalidInput(FieldProblem("representative", "must not be blank"))
    updated = replace(
        current,
        representative=current.representative if representative is None else representative,
        team=current.team if team is None else team,
    )
    return replace(state, members=tuple(updated if m is current else m for m in state.members))


def remove_member(
    state: SystemState, partner_id: UUID, *, cascade: bool = False
) -> tuple[SystemState, tuple[Assignment, ...]]:
    """Remove a member; with cascade its assignments go too and are returned, otherwise they block it."""
    _require_member(state, partner_id)
    if state.system.intermediary_id == partner_id:
        raise IntermediaryCannotLeave(
            f"partner {partner_id} is the intermediary; designate another intermediary before removing it"
        )
    held = state.assignments_of(partner_id)
    if held and not cascade:
        functions = ", ".join(sorted({a.function for a in held}))
        raise MemberHasAssignments(
            f"partner {partner_id} holds {len(held)} assignment(s) ({functions}); "
            "unassign them or remove with cascade"
        )
    partner_types = {pid: t for pid, t in state.partner_types.items() if pid != partner_id}
    partner_statuses = {pid: s for pid, s in state.partner_statuses.items() if pid != partner_id}
    new_state = replace(
        state,
        members=tuple(m for m in state.members if m.partner_id != partner_id),
        assignments=tuple(a for a in state.assignments if a.partner_id != partner_id),
        partner_types=partner_types,
        partner_statuses=partner_statuses,
    )
    return new_state, held


def _require_member(state: SystemState, partner_id: UUID) -> Member:
    member = state.member(partner_id)
    if member is None:
        raise NotAMember(f"partner {partner_id} is not a member of system {state.system.id}")
    return member


def _require_active(state: SystemState, partner_id: UUID, what: str) -> None:
    """A retired partner keeps the roles it held (the gap analysis reports them) but is given no new one."""
    if state.is_retired(partner_id):
        raise PartnerRetired(f"partner {partner_id} is retired in the directory; it cannot {what}")


# --- roles ----------------------------------------------------------------------------------------------


def is_atypical(state: SystemState, catalog: RoleCatalog, partner_id: UUID, function: str) -> bool:
    """Say whether a function lies outside the usual functions of a member's partner type."""
    return function not in catalog.matrix.usual_for(state.partner_types.get(partner_id, ""))


def _require_function(catalog: RoleCatalog, function: str) -> None:
    if function not in catalog.functions:
        raise InvalidInput(FieldProblem("function", f"unknown function '{function}'"))


def assign_role(
    state: SystemState,
    catalog: RoleCatalog,
    *,
    partner_id: UUID,
    function: str,
    strength: Strength,
    agreement_id: UUID | None = None,
    assignment_id: UUID | None = None,
) -> tuple[SystemState, Assignment]:
    """Assign a function to a member; return the new state and the assignment, flagged when atypical."""
    _require_function(catalog, function)
    _require_member(state, partner_id)
    _require_active(state, partner_id, "be given a new role")
    if any(a.partner_id == partner_id and a.function == function for a in state.assignments):
        raise AlreadyAssigned(f"partner {partner_id} already carries '{function}'; unassign it first")
    if strength is Strength.LEAD:
        if function == catalog.coordination_function and partner_id != state.system.intermediary_id:
            raise IntermediaryMustLeadCoordination(
                f"only the intermediary leads '{function}'; designate partner {partner_id} as intermediary"
            )
        lead = state.lead_of(function)
        if lead is not None:
            raise FunctionAlreadyHasLead(f"'{function}' is already led by partner {lead.partner_id}")
    assignment = Assignment(
        id=assignment_id or uuid4(),
        system_id=state.system.id,
        partner_id=partner_id,
        function=function,
        strength=strength,
        agreement_id=agreement_id,
        atypical=is_atypical(state, catalog, partner_id, function),
    )
    return replace(state, assignments=(*state.assignments, assignment)), assignment


def unassign(state: SystemState, catalog: RoleCatalog, assignment_id: UUID) -> tuple[SystemState, Assignment]:
    """Remove an assignment; the intermediary's coordination lead goes only with a new intermediary."""
    assignment = next((a for a in state.assignments if a.id == assignment_id), None)
    if assignment is None:
        raise NotFound("assignment", assignment_id)
    if (
        assignment.function == catalog.coordination_function
        and assignment.strength is Strength.LEAD
        and assignment.partner_id == state.system.intermediary_id
    ):
        raise IntermediaryMustLeadCoordination(
            f"the intermediary leads '{assignment.function}'; designate another intermediary instead"
        )
    remaining = tuple(a for a in state.assignments if a.id != assignment_id)
    return replace(state, assignments=remaining), assignment


def set_intermediary(
    state: SystemState, catalog: RoleCatalog, partner_id: UUID, *, assignment_id: UUID | None = None
) -> SystemState:
    """Designate a member as the intermediary; it takes over the coordination lead from the previous one.

    Seed 001: "The intermediary also serves as the system's champion": unless the system hands the champion
    function to another member (a lead assignment of it), the intermediary champions the system.
    """
    _require_member(state, partner_id)
    previous = state.system.intermediary_id
    if previous == partner_id:
        return state
    _require_active(state, partner_id, "be made the intermediary")
    coordination = catalog.coordination_function
    _require_function(catalog, coordination)
    lead = state.lead_of(coordination)
    if lead is not None and lead.partner_id not in (previous, partner_id):
        raise FunctionAlreadyHasLead(
            f"'{coordination}' is led by partner {lead.partner_id}, who is not the intermediary; "
            "unassign that lead first"
        )
    # The outgoing intermediary hands its coordination lead over; the newcomer's own role there is promoted.
    own = next((a for a in state.assignments_of(partner_id) if a.function == coordination), None)
    kept = tuple(a for a in state.assignments if a is not lead and a is not own)
    new_lead = Assignment(
        id=own.id if own else assignment_id or uuid4(),
        system_id=state.system.id,
        partner_id=partner_id,
        function=coordination,
        strength=Strength.LEAD,
        agreement_id=own.agreement_id if own else None,
        atypical=is_atypical(state, catalog, partner_id, coordination),
    )
    system = replace(state.system, intermediary_id=partner_id, version=state.system.version + 1)
    return replace(state, system=system, assignments=(*kept, new_lead))


def champion_of(state: SystemState, catalog: RoleCatalog) -> UUID | None:
    """Return who champions the system: the member handed the champion function as lead, else the intermediary.

    Seed 001: "The intermediary also serves as the system's champion, promoting it to the leadership team, key
    partner agencies, and the community as a whole."
    """
    if catalog.champion_function is not None:
        lead = state.lead_of(catalog.champion_function)
        if lead is not None:
            return lead.partner_id
    return state.system.intermediary_id
