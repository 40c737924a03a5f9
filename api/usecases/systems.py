"""Use cases of career pathways systems: membership, role assignment, suggestions, gaps and team review."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import UUID, uuid4

from api.domain import recruiting
from api.domain import relationships as relationship_rules
from api.domain import systems as rules
from api.domain import team as team_rules
from api.domain.access import AuditEntry, Scope, changes_between, changes_by_key, require, require_within
from api.domain.analysis import GAP_RULES
from api.domain.errors import FieldProblem, InvalidInput, NotFound, VersionMismatch
from api.domain.filters import check_text
from api.domain.gap_reports import filter_gaps, label_gaps
from api.domain.gaps import (
    DEFAULT_EXPIRY_WINDOW_DAYS,
    DEFAULT_STAFF_PERIOD_MONTHS,
    Gap,
    GapContext,
    GapKind,
    MemberPartner,
    OfferedService,
    Severity,
    analyse_gaps,
)
from api.domain.labor_market import InDemandRule
from api.domain.partners import Partner, Service
from api.domain.ports import Page, UnitOfWork
from api.domain.suggestions import LeadSuggestion, suggest_leads
from api.domain.systems import (
    Assignment,
    CareerPathwaysSystem,
    Function,
    Member,
    RoleCatalog,
    StaffSession,
    Strength,
    SystemLevel,
    SystemState,
    Team,
)
from api.domain.team import TeamReview, team_review
from api.usecases import agreements as agreements_uc
from api.usecases import labor_market as lmi_uc
from api.usecases import policy
from api.usecases.labels import labels_of
from api.usecases.paging import Paged, decode_cursor, encode_cursor


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


async def _audited(uow: UnitOfWork, action: str, old: SystemState, new: SystemState | None, **detail: Any) -> None:
    """Audit a change (or, with no ``new``, the removal) of a system: its own fields, members and assignments,
    each with old and new values, and any ``detail`` of the change (a correction's reason)."""
    changes = {**changes_between(old.system, new.system if new else None),
               **changes_by_key("members", old.members, new.members if new else (), key=lambda m: m.partner_id),
               **changes_by_key("assignments", old.assignments, new.assignments if new else (), key=lambda a: a.id),
               **{k: {"old": None, "new": v} for k, v in detail.items()}}
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
    cursor: str | None = None, backward: bool = False,
) -> Paged[CareerPathwaysSystem]:
    """List the systems the caller may see, by name, one keyset page at a time;
    ``backward``: the page before ``cursor``, in the same order."""
    require(uow.caller, Scope.SYSTEMS_READ)
    check_text(codes={"jurisdiction": state, "local_area": local_area})
    mine = uow.caller.jurisdiction
    if mine is not None:
        if (state and state != mine.state) or (local_area and mine.local_area and local_area != mine.local_area):
            return Paged(items=[], next_cursor=None, cursors=[])
        state, local_area = mine.state, local_area or mine.local_area
    page = await uow.systems.list_systems(state=state, local_area=local_area, limit=limit,
                                  after=decode_cursor("systems", cursor), backward=backward)
    return Paged(
        items=list(page.items),
        next_cursor=encode_cursor("systems", page.next_after) if page.next_after else None,
        cursors=[encode_cursor("systems", k) for k in page.keys],
    )


async def get_system(uow: UnitOfWork, *, system_id: UUID) -> SystemState:
    """Return a system with its members and assignments."""
    return await _load(uow, system_id)


async def systems_by_id(uow: UnitOfWork, *, system_ids: Sequence[UUID]) -> dict[UUID, SystemState]:
    """Return many systems in one read; those missing or outside the caller's jurisdiction are absent (for the
    caller they do not exist, as ``get_system`` answers)."""
    require(uow.caller, Scope.SYSTEMS_READ)
    found = await uow.systems.load_many(list(dict.fromkeys(system_ids)))
    return {sid: state for sid, state in found.items() if uow.caller.covers(state.system.jurisdiction)}


async def get_assignment(uow: UnitOfWork, *, system_id: UUID, assignment_id: UUID) -> Assignment:
    """Return one assignment of a system the caller may see."""
    state = await _load(uow, system_id)
    found = next((a for a in state.assignments if a.id == assignment_id), None)
    if found is None:
        raise NotFound("assignment", assignment_id)
    return found


async def get_staff_session(uow: UnitOfWork, *, system_id: UUID, session_id: UUID) -> StaffSession:
    """Return one staff session of a system the caller may see."""
    state = await _load(uow, system_id)
    found = next((s for s in state.staff_sessions if s.id == session_id), None)
    if found is None:
        raise NotFound("staff session", session_id)
    return found
async def get_systems(uow: UnitOfWork, *, system_ids: Sequence[UUID]) -> list[SystemState]:
    """Return the systems asked for (a page's, say) with their members and assignments, in one read, in the
    order asked; one the caller may not see, or that does not exist, is ``NotFound`` as in :func:`get_system`."""
    require(uow.caller, Scope.SYSTEMS_READ)
    found = await uow.systems.load_many(system_ids)
    states = []
    for system_id in system_ids:
        state = found.get(system_id)
        if state is None:
            raise NotFound("system", system_id)
        policy.see_system(uow, state.system.jurisdiction, system_id)
        states.append(state)
    return states


async def _check_state_system(uow: UnitOfWork, system: CareerPathwaysSystem) -> None:
    """Check the state system a local system names (whatever the caller may see of it: it names it, no more)."""
    if system.state_system_id is None:
        return
    linked = await uow.systems.load(system.state_system_id) if system.state_system_id != system.id else None
    relationship_rules.check_state_system(system, linked.system if linked else None)


async def create_system(
    uow: UnitOfWork, *, system: CareerPathwaysSystem, today: date | None = None
) -> SystemState:
    """Validate and store a new system (members are added afterwards); a local one may name its state system."""
    require(uow.caller, Scope.SYSTEMS_WRITE)
    require_within(uow.caller, system.jurisdiction, what="systems")
    state = rules.create_system(system, await uow.reference.catalog(), today=today or today_utc())
    await _check_state_system(uow, state.system)
    await uow.systems.add(state)
    await policy.audit(uow, action="create", kind="system", record_id=system.id, new=state.system)
    return await _load(uow, system.id)


async def update_system(
    uow: UnitOfWork, *, system_id: UUID, changes: Mapping[str, Any], expected_version: int | None = None,
    today: date | None = None,
) -> SystemState:
    """Change a system's own fields (a local system names or changes its state system here)."""
    state = await _load(uow, system_id, write=True)
    _check_version(state, expected_version)
    revised = rules.revise_system(state.system, changes, await uow.reference.catalog(), today=today or today_utc())
    require_within(uow.caller, revised.jurisdiction, what="systems")
    relationship_rules.check_links_kept(state, revised)
    if (revised.state_system_id, revised.jurisdiction, revised.level) != (
        state.system.state_system_id, state.system.jurisdiction, state.system.level
    ):
        await _check_state_system(uow, revised)
    new = replace(state, system=revised)
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
    new = rules.add_member(state, member, partner_type=partner.partner_type, status=partner.status)
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


async def record_review(
    uow: UnitOfWork, *, system_id: UUID, reviewed_on: date, today: date | None = None
) -> SystemState:
    """Record that the membership was reviewed (never in the future, never before the last review)."""
    state = await _load(uow, system_id, write=True)
    new = rules.record_review(state, reviewed_on, today=today or today_utc())
    await _audited(uow, "record_review", state, new)
    return await _save(uow, state, new)


async def correct_review(
    uow: UnitOfWork, *, system_id: UUID, reviewed_on: date | None, reason: str, today: date | None = None
) -> SystemState:
    """Correct a mistaken membership review date (or clear it); the audit log keeps the old date and the reason."""
    state = await _load(uow, system_id, write=True)
    new = rules.correct_review(state, reviewed_on, today=today or today_utc(), reason=reason)
    if new is state:
        return state
    await _audited(uow, "correct_review", state, new, reason=reason.strip())
    return await _save(uow, state, new)


async def record_vision_review(
    uow: UnitOfWork, *, system_id: UUID, revisited_on: date, today: date | None = None
) -> SystemState:
    """Record that the team revisited its vision, mission and goals."""
    state = await _load(uow, system_id, write=True)
    new = rules.record_vision_review(state, revisited_on, today=today or today_utc())
    await _audited(uow, "record_vision_review", state, new)
    return await _save(uow, state, new)


async def correct_vision_review(
    uow: UnitOfWork, *, system_id: UUID, revisited_on: date | None, reason: str, today: date | None = None
) -> SystemState:
    """Correct a mistaken revisit date of the vision and mission; the audit log keeps the old date and the reason."""
    state = await _load(uow, system_id, write=True)
    new = rules.correct_vision_review(state, revisited_on, today=today or today_utc(), reason=reason)
    if new is state:
        return state
    await _audited(uow, "correct_vision_review", state, new, reason=reason.strip())
    return await _save(uow, state, new)


async def confirm_relationship(
    uow: UnitOfWork, *, system_id: UUID, level: SystemLevel, confirmed_on: date, confirmed_by: str,
    today: date | None = None,
) -> SystemState:
    """Record that a local system's working relationship roles are confirmed at one level, and by whom.

    The local level is confirmed by those who may change the local system; the state level by those who may
    change the state system it names.
    """
    state = await _load(uow, system_id, write=True)
    if level is SystemLevel.STATE and state.system.state_system_id is not None:
        state_system = await _load(uow, state.system.state_system_id, write=True)
        relationship_rules.require_local_system_of(state_system, state)
    new = relationship_rules.confirm_relationship(state, level=level, confirmed_on=confirmed_on,
                                                  confirmed_by=confirmed_by, today=today or today_utc())
    await _audited(uow, "confirm_relationship", state, new)
    return await _save(uow, state, new)


async def record_staff_session(
    uow: UnitOfWork, *, session: StaffSession, today: date | None = None
) -> StaffSession:
    """Record a session that informed or trained the staff of member agencies."""
    state = await _load(uow, session.system_id, write=True)
    checked = team_rules.record_staff_session(state, session, today=today or today_utc())
    await uow.systems.add_staff_session(checked)
    await policy.audit(uow, action="record_staff_session", kind="system", record_id=state.system.id, new=checked)
    found = await uow.systems.get_staff_session(checked.id)
    assert found is not None
    return found


async def list_staff_sessions(
    uow: UnitOfWork, *, system_id: UUID, limit: int = 50, cursor: str | None = None, backward: bool = False
) -> Paged[StaffSession]:
    """List a system's staff sessions, newest first, one keyset page at a time;
    ``backward``: the page before ``cursor``, in the same order."""
    await _load(uow, system_id)
    page: Page[StaffSession] = await uow.systems.list_staff_sessions(
        system_id, limit=limit, after=decode_cursor("staff_sessions", cursor), backward=backward)
    return Paged(
        items=list(page.items),
        next_cursor=encode_cursor("staff_sessions", page.next_after) if page.next_after else None,
        cursors=[encode_cursor("staff_sessions", k) for k in page.keys],
    )


async def delete_staff_session(uow: UnitOfWork, *, system_id: UUID, session_id: UUID) -> StaffSession:
    """Remove a staff session recorded by mistake; return it."""
    state = await _load(uow, system_id, write=True)
    session = next((s for s in state.staff_sessions if s.id == session_id), None)
    if session is None:
        raise NotFound("staff session", session_id)
    await uow.systems.delete_staff_session(session_id)
    await policy.audit(uow, action="delete_staff_session", kind="system", record_id=system_id, old=session)
    return session


async def _context(
    uow: UnitOfWork, system_id: UUID, today: date | None, *, extras: bool = False, facts: bool = True,
    expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS, in_demand: InDemandRule | None = None,
    staff_period_months: int = DEFAULT_STAFF_PERIOD_MONTHS,
) -> tuple[GapContext, SystemState]:
    """Load everything the gap rules read, in a fixed number of queries whatever the system's size.

    With ``extras`` also what the rules beyond the default ones read (agreements, funding, labour market);
    services are loaded as the facts the rules read unless ``facts`` is False (then in full). The labels of the
    codes come with it (one query), SOC titles and stream names with the extras.
    """
    state = await _load(uow, system_id)
    member_ids = [m.partner_id for m in state.members]
    catalog = await uow.systems.role_catalog()
    labels = await labels_of(uow, catalog)
    partners: Mapping[UUID, MemberPartner] = {}
    services: Mapping[UUID, Sequence[OfferedService]] = {}
    if member_ids and facts:  # what the rules read of partners and services
        partners = await uow.partners.partner_facts_of(member_ids)
        services = await uow.partners.service_facts_of(member_ids)
    elif member_ids:  # suggestions hand whole partners and services on
        partners = await uow.partners.get_many(member_ids)
        services = await uow.partners.services_of(member_ids)
    ctx = GapContext.from_state(state, partners=partners, services_by_partner=services, catalog=catalog,
                                today=today or today_utc(), agreement_expiry_window_days=expiry_window_days,
                                staff_period_months=staff_period_months, labels=labels)
    if extras:
        agreements, funding = await agreements_uc.gap_inputs(uow, state, partners, services, roles=catalog,
                                                             labels=labels)
        labor_market = await lmi_uc.labor_market_facts(uow, system=state.system, rule=in_demand or InDemandRule())
        streams = {**{u.stream_code: u.name for u in funding.untapped},
                   **{t.stream_code: t.name for t in funding.by_stream}}
        labels = replace(labels.with_occupations(labor_market.titles), streams=streams)
        ctx = replace(ctx, agreements=agreements, funding=funding, labor_market=labor_market, labels=labels)
    return ctx, state


async def _with_candidates(uow: UnitOfWork, ctx: GapContext, gaps: list[Gap], *, candidates: int,
                           near_km: float) -> list[Gap]:
    """The gaps with up to ``candidates`` organizations each that could close them (one query for all).

    Candidates are read from the directory, so asking for them needs the right to read it.
    """
    if candidates <= 0:
        return gaps
    policy.read_directory(uow)
    needs = recruiting.recruitment_needs(ctx, gaps, near_km=near_km)
    pool = await uow.partners.recruitment_pool(needs)
    return recruiting.attach_candidates(ctx, gaps, pool, limit=candidates, near_km=near_km)


@dataclass(frozen=True, slots=True, kw_only=True)
class GapFilter:
    """What a reader asked to see of a report: a minimum severity, some kinds, one subject (None: all)."""

    min_severity: Severity | None = None
    kinds: tuple[GapKind, ...] = ()
    subject: str | None = None


async def analyse(
    uow: UnitOfWork, *, system_id: UUID, today: date | None = None,
    expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS, in_demand: InDemandRule | None = None,
    staff_period_months: int = DEFAULT_STAFF_PERIOD_MONTHS, only: GapFilter | None = None, candidates: int = 0,
    near_km: float = recruiting.DEFAULT_NEAR_KM,
) -> list[Gap]:
    """The system's gaps as of ``today``, most severe first, each with its subject in words (agreements due for
    renewal within ``expiry_window_days``; occupations in demand, for a system that targets none, under the
    ``in_demand`` thresholds; member agencies' staff informed or trained within ``staff_period_months``).

    ``only`` keeps what the reader asked for; with ``candidates`` each gap a partner could close names up to that
    many organizations that could (one more query, for all the gaps).
    """
    ctx, _ = await _context(uow, system_id, today, extras=True, expiry_window_days=expiry_window_days,
                            in_demand=in_demand, staff_period_months=staff_period_months)
    found = _filtered(label_gaps(analyse_gaps(ctx, GAP_RULES), ctx.labels), only)
    return await _with_candidates(uow, ctx, found, candidates=candidates, near_km=near_km)


def _filtered(gaps: list[Gap], only: GapFilter | None) -> list[Gap]:
    if only is None:
        return gaps
    check_text(search={"subject": only.subject})  # a code, or a label (some are longer than a code may be)
    return filter_gaps(gaps, min_severity=only.min_severity, kinds=only.kinds, subject=only.subject)


async def review(
    uow: UnitOfWork, *, system_id: UUID, today: date | None = None, only: GapFilter | None = None,
    candidates: int = 0, near_km: float = recruiting.DEFAULT_NEAR_KM,
) -> TeamReview:
    """What the periodic membership review checks as of ``today``, and where the review stands; ``only`` and
    ``candidates`` as for ``analyse``."""
    ctx, state = await _context(uow, system_id, today)
    ctx = replace(ctx, agreements=await uow.agreements.of_system(state.system.id))
    found = team_review(ctx)
    gaps = _filtered(label_gaps(found.gaps, ctx.labels), only)
    gaps = await _with_candidates(uow, ctx, gaps, candidates=candidates, near_km=near_km)
    return replace(found, gaps=tuple(gaps))


async def suggestions(
    uow: UnitOfWork, *, system_id: UUID, candidates: int = recruiting.DEFAULT_SUGGESTED,
    near_km: float = recruiting.DEFAULT_NEAR_KM,
) -> list[LeadSuggestion]:
    """For each function without a lead, ranked candidate members, the partner types to recruit, and up to
    ``candidates`` organizations of the directory (not members) that could take it on."""
    ctx, state = await _context(uow, system_id, None, facts=False)
    formalized = await agreements_uc.formalized_partners(uow, state, ctx.today)
    # Loaded in full (facts=False).
    services = cast(Mapping[UUID, Sequence[Service]], ctx.services_by_partner)
    partners = cast(Mapping[UUID, Partner], ctx.partners)
    found = suggest_leads(state, ctx.catalog, services, partners, formalized, labels=ctx.labels)
    # Organizations come from the directory: a key that may not read it gets the members and types alone.
    if candidates <= 0 or not found or not uow.caller.has(Scope.DIRECTORY_READ):
        return found
    needs = recruiting.recruitment_needs(ctx, recruiting.function_gaps(s.function for s in found), near_km=near_km)
    pool = await uow.partners.recruitment_pool(needs)
    return [replace(s, prospects=recruiting.prospects_for_function(ctx, s.function, pool, limit=candidates,
                                                                   near_km=near_km))
            for s in found]


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
