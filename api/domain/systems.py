"""Career pathways systems: the leadership team, its intermediary and the roles its members carry.

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

from api.domain.codes import NaicsCode, SocCode, validate_codes
from api.domain.errors import FieldProblem, InvalidInput, NotFound, RuleViolation
from api.domain.partners import US_STATES, Jurisdiction
from api.domain.reference import Catalog

MAX_REVIEW_CADENCE_MONTHS = 120


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
    """The functions each partner type commonly carries."""

    usual: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def usual_for(self, partner_type: str) -> frozenset[str]:
        """Return the functions a partner type commonly carries."""
        return self.usual.get(partner_type, frozenset())

    def types_for(self, function: str) -> tuple[str, ...]:
        """Return the partner types that commonly carry a function, in matrix order."""
        return tuple(t for t, functions in self.usual.items() if function in functions)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoleCatalog:
    """The role reference data in force: functions, the matrix, and what populations and teams need."""

    functions: Mapping[str, Function] = field(default_factory=dict)
    matrix: RoleMatrix = field(default_factory=RoleMatrix)
    population_partner_types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    support_needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    key_team_types: tuple[str, ...] = ()
    coordination_function: str = "coordinate_collaboration"


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


def role_catalog_from_dicts(
    functions: Sequence[Mapping[str, Any]],
    matrix: Mapping[str, Sequence[str]],
    population_types: Mapping[str, Sequence[str]],
    support_needs: Mapping[str, Sequence[str]],
    team: Mapping[str, Any],
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

    usual: dict[str, frozenset[str]] = {}
    for partner_type, codes in matrix.items():
        row = _str_list(problems, f"role_matrix.{partner_type}", codes)
        for j, code in enumerate(row):
            if code not in catalog_functions:
                where = f"role_matrix.{partner_type}[{j}]"
                problems.append(FieldProblem(where, f"unknown function '{code}'"))
        usual[partner_type] = frozenset(row)

    population_partner_types = {
        p: _str_list(problems, f"population_partner_types.{p}", v) for p, v in population_types.items()
    }
    needs = {p: _str_list(problems, f"support_needs.{p}", v) for p, v in support_needs.items()}
    key_team_types = _str_list(problems, "team.leadership_team", team.get("leadership_team", []))
    coordination = team.get("intermediary_function", "coordinate_collaboration")
    if not isinstance(coordination, str) or coordination not in catalog_functions:
        problems.append(FieldProblem("team.intermediary_function", f"unknown function '{coordination}'"))
    if problems:
        raise InvalidInput(problems)
    return RoleCatalog(
        functions=catalog_functions,
        matrix=RoleMatrix(usual=usual),
        population_partner_types=population_partner_types,
        support_needs=needs,
        key_team_types=key_team_types,
        coordination_function=coordination,
    )


# --- the system and its members -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CareerPathwaysSystem:
    """A partnership whose leadership team builds career pathways at state or local level."""

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
    """A system with its members, their assignments and the partner type of each member."""

    system: CareerPathwaysSystem
    members: tuple[Member, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    partner_types: Mapping[UUID, str] = field(default_factory=dict)

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


# --- validation -----------------------------------------------------------------------------------------

SYSTEM_EDITABLE = frozenset(
    {
        "name", "jurisdiction", "level", "vision", "mission", "goals", "target_sectors", "target_occupations",
        "target_populations", "regions", "working_relationship", "working_relationship_notes",
        "review_cadence_months", "last_reviewed_on",
    }
)
# The only editable field a PATCH may clear with null; null for any other is refused, not applied.
SYSTEM_NULLABLE = frozenset({"last_reviewed_on"})


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


def validate_system(system: CareerPathwaysSystem, catalog: Catalog) -> CareerPathwaysSystem:
    """Check a system against the rules and vocabularies; return it with codes normalized, or raise."""
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
    if not 1 <= system.review_cadence_months <= MAX_REVIEW_CADENCE_MONTHS:
        problems.append(
            FieldProblem("review_cadence_months", f"must be between 1 and {MAX_REVIEW_CADENCE_MONTHS}")
        )
    if problems:
        raise InvalidInput(problems)
    return replace(system, target_sectors=sectors, target_occupations=occupations)


def create_system(system: CareerPathwaysSystem, catalog: Catalog) -> SystemState:
    """Validate a new system and return its state, with no members yet."""
    if system.intermediary_id is not None:
        raise InvalidInput(FieldProblem("intermediary_id", "designate the intermediary once it is a member"))
    return SystemState(system=validate_system(system, catalog))


def revise_system(
    system: CareerPathwaysSystem, changes: Mapping[str, Any], catalog: Catalog
) -> CareerPathwaysSystem:
    """Apply a partial update to a system's own fields, validate it, and bump its version."""
    problems = [FieldProblem(name, "cannot be changed here") for name in sorted(set(changes) - SYSTEM_EDITABLE)]
    problems += [FieldProblem(name, "must not be null") for name, value in sorted(changes.items())
                 if value is None and name in SYSTEM_EDITABLE and name not in SYSTEM_NULLABLE]
    if problems:
        raise InvalidInput(problems)
    return validate_system(replace(system, **changes, version=system.version + 1), catalog)


def record_review(state: SystemState, reviewed_on: date) -> SystemState:
    """Record that the team's membership was reviewed on a date."""
    last = state.system.last_reviewed_on
    if last is not None and reviewed_on < last:
        raise InvalidInput(FieldProblem("reviewed_on", f"must not be before the last review ({last})"))
    system = replace(state.system, last_reviewed_on=reviewed_on, version=state.system.version + 1)
    return replace(state, system=system)


# --- membership -----------------------------------------------------------------------------------------


def add_member(state: SystemState, member: Member, *, partner_type: str) -> SystemState:
    """Add a partner to the system through its representative."""
    if not member.representative.strip():
        raise InvalidInput(FieldProblem("representative", "must not be blank"))
    if state.member(member.partner_id) is not None:
        raise AlreadyAMember(f"partner {member.partner_id} is already a member of this system")
    return replace(
        state,
        members=(*state.members, member),
        partner_types={**state.partner_types, member.partner_id: partner_type},
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
    new_state = replace(
        state,
        members=tuple(m for m in state.members if m.partner_id != partner_id),
        assignments=tuple(a for a in state.assignments if a.partner_id != partner_id),
        partner_types=partner_types,
    )
    return new_state, held


def _require_member(state: SystemState, partner_id: UUID) -> Member:
    member = state.member(partner_id)
    if member is None:
        raise NotAMember(f"partner {partner_id} is not a member of system {state.system.id}")
    return member


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
    """Designate a member as the intermediary; it takes over the coordination lead from the previous one."""
    _require_member(state, partner_id)
    previous = state.system.intermediary_id
    if previous == partner_id:
        return state
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
