"""Use cases of career pathways systems: membership, role assignment, suggestions, gaps and team review."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import UUID, uuid4

from api.domain import systems as rules
from api.domain.access import AuditEntry, Scope, changes_between, changes_by_key, require, require_within
from api.domain.agreements import agreement_renewals, unformalized_leads
from api.domain.errors import FieldProblem, InvalidInput, NotFound, VersionMismatch
from api.domain.filters import check_text
from api.domain.funding import funding_gaps
from api.domain.gaps import (
    DEFAULT_EXPIRY_WINDOW_DAYS,
    DEFAULT_RULES,
    Gap,
    GapContext,
    GapRule,
    MemberPartner,
    OfferedService,
    TeamReview,
    analyse_gaps,
    team_review,
)
from api.domain.labor_market import InDemandRule
from api.domain.lmi_gaps import training_capacity_gaps
from api.domain.partners import Partner, Service
from api.domain.ports import UnitOfWork
from api.domain.suggestions import LeadSuggestion, suggest_leads
from api.domain.systems import (
    Assignment,
    CareerPathwaysSystem,
    Function,
    Member,
    RoleCatalog,
    Strength,
    SystemState,
    Team,
)
from api.usecases import agreements as agreements_uc
from api.usecases import labor_market as lmi_uc
from api.usecases import policy
from api.usecases.paging import Paged, decode_cursor, encode_cursor

GAP_RULES: tuple[GapRule, ...] = (
    *DEFAULT_RULES, unformalized_leads, agreement_renewals, funding_gaps, training_capacity_gaps,
)
"""Every rule the gap analysis runs: the default ones, then those reading the agreements, funding and labour
market figures of ``GapContext``."""


def today_utc() -> date:
    """The current date in UTC, the service's calendar."""
    return datetime.now(UTC).date()


async def _load(uow: UnitOfWork, system_id: UUID, *, write: bool = False) -> SystemState:
    """Load a system the caller may see (and, with ``write``, change; writers lock it)."""
    require(uow.caller, Scope.SYSTEMS_WRITE if write else Scope.SYSTEMS_READ)
    state = await uow.systems.load(system_id, for_update=write)
    if state is None:
        raise NotFound("system", system_id)
    policy.see_system(uow, state.system.jurisdiction, system_id, write=write)
    return state


async def _audited(uow: UnitOfWork, action: str, old: SystemState, new: SystemState | None) -> None:
    """Audit a change (or, with no ``new``, the removal) of a system: its own fields, members and assignments,
    each with old and new values."""
    changes = {**changes_between(old.system, new.system if new else None),
               **changes_by_key("members", old.members, new.members if new else (), key=lambda m: m.partner_id),
               **changes_by_key("assignments", old.assignments, new.assignments if new else (), key=lambda a: a.id)}
    await uow.audit.record([AuditEntry(id=uuid4(), key_id=uow.caller.key_id, actor=uow.caller.name, action=action,
                                       kind="system", record_id=str(old.system.id), changes=changes)])


async def _save(uow: UnitOfWork, old: SystemState, new: SystemState) -> SystemState:
    if not await uow.systems.save(old, new):
        latest = await _load(uow, old.system.id)
        raise VersionMismatch("system", old.system.id, old.system.version, latest.system.version)
    return await _load(uow, new.system.id)


def _check_version(state: SystemState, expected: int | None) -> None:
    if expected is not None and expected != state.system.version:
        raise VersionMismatch("system", state.system.id, expected, state.system.version)


async def list_systems(
    uow: UnitOfWork, *, state: str | None = None, local_area: str | None = None, limit: int = 50,
    cursor: str | None = None,
) -> Paged[CareerPathwaysSystem]:
    """List the systems the caller may see, by name, one keyset page at a time."""
    require(uow.caller, Scope.SYSTEMS_READ)
    check_text(codes={"jurisdiction": state, "local_area": local_area})
    mine = uow.caller.jurisdiction
    if mine is not None:
        if (state and state != mine.state) or (local_area and mine.local_area and local_area != mine.local_area):
            return Paged(items=[], next_cursor=None, cursors=[])
        state, local_area = mine.state, local_area or mine.local_area
    page = await uow.systems.list_systems(state=state, local_area=local_area, limit=limit,
                                  after=decode_cursor("systems", cursor))
    return Paged(
        items=list(page.items),
        next_cursor=encode_cursor("systems", page.next_after) if page.next_after else None,
        cursors=[encode_cursor("systems", k) for k in page.keys],
    )


async def get_system(uow: UnitOfWork, *, system_id: UUID) -> SystemState:
    """Return a system with its members and assignments."""
    return await _load(uow, system_id)


async def create_system(uow: UnitOfWork, *, system: CareerPathwaysSystem) -> SystemState:
    """Validate and store a new system (members are added afterwards)."""
    require(uow.caller, Scope.SYSTEMS_WRITE)
    require_within(uow.caller, system.jurisdiction, what="systems")
    state = rules.create_system(system, await uow.reference.catalog())
    await uow.systems.add(state)
    await policy.audit(uow, action="create", kind="system", record_id=system.id, new=state.system)
    return await _load(uow, system.id)


async def update_system(
    uow: UnitOfWork, *, system_id: UUID, changes: Mapping[str, Any], expected_version: int | None = None
) -> SystemState:
    """Change a system's own fields."""
    state = await _load(uow, system_id, write=True)
    _check_version(state, expected_version)
    revised = rules.revise_system(state.system, changes, await uow.reference.catalog())
    require_within(uow.caller, revised.jurisdiction, what="systems")
    new = SystemState(system=revised, members=state.members, assignments=state.assignments,
                      partner_types=state.partner_types)
    await _audited(uow, "update", state, new)
    return await _save(uow, state, new)


async def delete_system(uow: UnitOfWork, *, system_id: UUID, expected_version: int | None = None) -> None:
    """Delete a system with its membership and assignments (the partners stay in the directory)."""
    state = await _load(uow, system_id, write=True)
    _check_version(state, expected_version)
    await uow.systems.delete(system_id)
    await _audited(uow, "delete", state, None)


async def add_member(uow: UnitOfWork, *, system_id: UUID, member: Member) -> SystemState:
    """Add a partner of the directory to the system."""
    state = await _load(uow, system_id, write=True)
    partner = await uow.partners.get(member.partner_id)
    if partner is None:
        raise InvalidInput(FieldProblem("partner_id", f"partner {member.partner_id} does not exist"))
    new = rules.add_member(state, member, partner_type=partner.partner_type)
    await _audited(uow, "add_member", state, new)
    return await _save(uow, state, new)


async def update_member(
    uow: UnitOfWork, *, system_id: UUID, partner_id: UUID, representative: str | None = None,
    team: Team | None = None,
) -> SystemState:
    """Change a member's representative or team."""
    state = await _load(uow, system_id, write=True)
    new = rules.update_member(state, partner_id, representative=representative, team=team)
    await _audited(uow, "update_member", state, new)
    return await _save(uow, state, new)


async def remove_member(
    uow: UnitOfWork, *, system_id: UUID, partner_id: UUID, cascade: bool = False
) -> tuple[SystemState, tuple[Assignment, ...]]:
    """Remove a member; its assignments block this unless ``cascade``, which removes and returns them."""
    state = await _load(uow, system_id, write=True)
    new, removed = rules.remove_member(state, partner_id, cascade=cascade)
    await _audited(uow, "remove_member", state, new)
    return await _save(uow, state, new), removed


async def set_intermediary(uow: UnitOfWork, *, system_id: UUID, partner_id: UUID) -> SystemState:
    """Designate the member that coordinates the system; it takes the coordination lead."""
    state = await _load(uow, system_id, write=True)
    catalog = await uow.systems.role_catalog()
    new = rules.set_intermediary(state, catalog, partner_id)
    await _audited(uow, "set_intermediary", state, new)
    return await _save(uow, state, new)


async def assign_role(
    uow: UnitOfWork, *, system_id: UUID, partner_id: UUID, function: str, strength: Strength,
    agreement_id: UUID | None = None,
) -> Assignment:
    """Assign a function to a member; the assignment says whether it is atypical for the partner type."""
    state = await _load(uow, system_id, write=True)
    if agreement_id is not None:
        await agreements_uc.require_agreement_of(uow, system_id=system_id, agreement_id=agreement_id,
                                                 partner_id=partner_id)
    catalog = await uow.systems.role_catalog()
    new, assignment = rules.assign_role(state, catalog, partner_id=partner_id, function=function,
                                        strength=strength, agreement_id=agreement_id)
    await _audited(uow, "assign_role", state, new)
    await _save(uow, state, new)
    return assignment


async def unassign(uow: UnitOfWork, *, system_id: UUID, assignment_id: UUID) -> Assignment:
    """Remove one assignment."""
    state = await _load(uow, system_id, write=True)
    catalog = await uow.systems.role_catalog()
    new, removed = rules.unassign(state, catalog, assignment_id)
    await _audited(uow, "unassign", state, new)
    await _save(uow, state, new)
    return removed


async def record_review(uow: UnitOfWork, *, system_id: UUID, reviewed_on: date) -> SystemState:
    """Record that the membership was reviewed."""
    state = await _load(uow, system_id, write=True)
    new = rules.record_review(state, reviewed_on)
    await _audited(uow, "record_review", state, new)
    return await _save(uow, state, new)


async def _context(
    uow: UnitOfWork, system_id: UUID, today: date | None, *, extras: bool = False, facts: bool = True,
    expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS, in_demand: InDemandRule | None = None,
) -> tuple[GapContext, SystemState]:
    """Load everything the gap rules read, in a fixed number of queries whatever the system's size.

    With ``extras`` also what the rules beyond the default ones read (agreements, funding, labour market);
    services are loaded as the facts the rules read unless ``facts`` is False (then in full).
    """
    state = await _load(uow, system_id)
    member_ids = [m.partner_id for m in state.members]
    catalog = await uow.systems.role_catalog()
    partners: Mapping[UUID, MemberPartner] = {}
    services: Mapping[UUID, Sequence[OfferedService]] = {}
    if member_ids and facts:  # what the rules read of partners and services
        partners = await uow.partners.partner_facts_of(member_ids)
        services = await uow.partners.service_facts_of(member_ids)
    elif member_ids:  # suggestions hand whole partners and services on
        partners = await uow.partners.get_many(member_ids)
        services = await uow.partners.services_of(member_ids)
    ctx = GapContext.from_state(state, partners=partners, services_by_partner=services, catalog=catalog,
                                today=today or today_utc(), agreement_expiry_window_days=expiry_window_days)
    if extras:
        agreements, funding = await agreements_uc.gap_inputs(uow, state, partners, services)
        labor_market = await lmi_uc.labor_market_facts(uow, system=state.system, rule=in_demand or InDemandRule())
        ctx = replace(ctx, agreements=agreements, funding=funding, labor_market=labor_market)
    return ctx, state


async def analyse(
    uow: UnitOfWork, *, system_id: UUID, today: date | None = None,
    expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS, in_demand: InDemandRule | None = None,
) -> list[Gap]:
    """The system's gaps, most severe first (agreements due for renewal within ``expiry_window_days``;
    occupations in demand, for a system that targets none, under the ``in_demand`` thresholds)."""
    ctx, _ = await _context(uow, system_id, today, extras=True, expiry_window_days=expiry_window_days,
                            in_demand=in_demand)
    return analyse_gaps(ctx, GAP_RULES)


async def review(uow: UnitOfWork, *, system_id: UUID, today: date | None = None) -> TeamReview:
    """Membership review status and team composition gaps."""
    ctx, _ = await _context(uow, system_id, today)
    return team_review(ctx)


async def suggestions(uow: UnitOfWork, *, system_id: UUID) -> list[LeadSuggestion]:
    """For each function without a lead, ranked candidate members, or partner types to recruit."""
    ctx, state = await _context(uow, system_id, None, facts=False)
    formalized = await agreements_uc.formalized_partners(uow, state, ctx.today)
    # Loaded in full (facts=False).
    services = cast(Mapping[UUID, Sequence[Service]], ctx.services_by_partner)
    partners = cast(Mapping[UUID, Partner], ctx.partners)
    return suggest_leads(state, ctx.catalog, services, partners, formalized)


async def role_catalog(uow: UnitOfWork) -> RoleCatalog:
    """The functions, default role matrix and role mappings in force."""
    return await uow.systems.role_catalog()


async def put_function(uow: UnitOfWork, *, function: Function) -> RoleCatalog:
    """Create or replace a function of the catalogue."""
    policy.administer(uow)
    catalog = await uow.reference.catalog()
    unknown = [c for c in function.service_categories if c not in catalog.service_categories]
    if unknown:
        raise InvalidInput([FieldProblem("service_categories", f"unknown service category '{c}'") for c in unknown])
    before = (await uow.systems.role_catalog()).functions.get(function.code)
    await uow.systems.put_function(function)
    await policy.audit(uow, action="put", kind="function", record_id=function.code, old=before, new=function)
    return await uow.systems.role_catalog()


async def put_usual_functions(uow: UnitOfWork, *, partner_type: str, functions: Sequence[str]) -> RoleCatalog:
    """Replace the functions a partner type usually carries (one row of the role matrix)."""
    policy.administer(uow)
    catalog = await uow.reference.catalog()
    if partner_type not in catalog.partner_types:
        raise NotFound("partner type", partner_type)
    roles = await uow.systems.role_catalog()
    unknown = [f for f in functions if f not in roles.functions]
    if unknown:
        raise InvalidInput([FieldProblem("functions", f"unknown function '{f}'") for f in unknown])
    before = sorted(roles.matrix.usual_for(partner_type))
    await uow.systems.put_usual_functions(partner_type, list(dict.fromkeys(functions)))
    await uow.audit.record([AuditEntry(id=uuid4(), key_id=uow.caller.key_id, actor=uow.caller.name, action="put",
                                       kind="role_matrix", record_id=partner_type,
                                       changes={"functions": {"old": before, "new": sorted(set(functions))}})])
    return await uow.systems.role_catalog()
