"""REST routes of career pathways systems: membership, roles, suggestions, gaps and team review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.deps import ReadUowDep, SettingsDep, UowDep
from api.domain.filters import MAX_CODE_LENGTH, MAX_CURSOR_LENGTH, MAX_SEARCH_LENGTH
from api.domain.gap_reports import summarise_gaps
from api.domain.gaps import GapKind, Severity
from api.domain.recruiting import DEFAULT_SUGGESTED, MAX_CANDIDATES
from api.domain.systems import Member
from api.problems import responses
from api.routers._http import (
    etag,
    expected_version,
    json_bytes,
    not_modified,
    reject_unknown_params,
    set_next_link,
)
from api.routers.partners import IfMatch
from api.schemas.systems import (
    AssignmentIn,
    AssignmentOut,
    ConfirmationIn,
    GapOut,
    GapReport,
    GapSummaryOut,
    IntermediaryIn,
    LeadSuggestionOut,
    MemberIn,
    MemberPatch,
    RemovedMember,
    ReviewCorrectionIn,
    ReviewIn,
    StaffSessionIn,
    StaffSessionOut,
    StaffSessionPage,
    SuggestionReport,
    SystemCreate,
    SystemOut,
    SystemPage,
    SystemPatch,
    SystemSummaryOut,
    TeamReviewOut,
    VisionReviewCorrectionIn,
    VisionReviewIn,
    gap_report_json,
)
from api.usecases import systems as uc

router = APIRouter(prefix="/v1/systems", tags=["systems"])


def _with_etag(response: Response, out: SystemOut) -> SystemOut:
    response.headers["ETag"] = etag(out.version)
    return out


@router.get("", response_model=SystemPage, responses=responses(422))
async def list_systems(
    request: Request,
    response: Response,
    uow: ReadUowDep,
    jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    local_area: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> SystemPage:
    """List career pathways systems by name."""
    reject_unknown_params(request, {"jurisdiction", "local_area", "limit", "cursor"})
    page = await uc.list_systems(uow, state=jurisdiction.upper() if jurisdiction else None, local_area=local_area,
                                 limit=limit, cursor=cursor)
    set_next_link(request, response, page.next_cursor)
    return SystemPage(items=[SystemSummaryOut.model_validate(s) for s in page.items], next_cursor=page.next_cursor)


@router.post("", response_model=SystemOut, status_code=status.HTTP_201_CREATED, responses=responses(400, 413, 422))
async def create_system(body: SystemCreate, response: Response, uow: UowDep) -> SystemOut:
    """Create a system; then add members and designate its intermediary."""
    state = await uc.create_system(uow, system=body.to_domain())
    response.headers["Location"] = f"/v1/systems/{state.system.id}"
    return _with_etag(response, SystemOut.of(state))


@router.get("/{system_id}", response_model=SystemOut, responses=responses(304, 404))
async def get_system(system_id: UUID, request: Request, response: Response, uow: ReadUowDep) -> SystemOut | Response:
    """Read a system with its members and assignments."""
    state = await uc.get_system(uow, system_id=system_id)
    if not_modified(request, state.system.version):
        return Response(status_code=304, headers={"ETag": etag(state.system.version)})
    return _with_etag(response, SystemOut.of(state))


@router.patch("/{system_id}", response_model=SystemOut, responses=responses(400, 404, 409, 412, 422))
async def update_system(
    system_id: UUID, body: SystemPatch, response: Response, uow: UowDep, if_match: IfMatch = None
) -> SystemOut:
    """Change a system's own fields (vision, targets, working relationship, review cadences, the state system a
    local system answers to, ...). Revising the vision or mission counts as revisiting them today."""
    state = await uc.update_system(uow, system_id=system_id, changes=body.changes(),
                                   expected_version=expected_version(if_match, "system", system_id))
    return _with_etag(response, SystemOut.of(state))


@router.delete("/{system_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 412))
async def delete_system(system_id: UUID, uow: UowDep, if_match: IfMatch = None) -> Response:
    """Delete a system, its membership and assignments; the partners stay in the directory."""
    await uc.delete_system(uow, system_id=system_id, expected_version=expected_version(if_match, "system", system_id))
    return Response(status_code=204)


@router.post("/{system_id}/members", response_model=SystemOut, status_code=status.HTTP_201_CREATED,
             responses=responses(404, 409, 422))
async def add_member(system_id: UUID, body: MemberIn, response: Response, uow: UowDep) -> SystemOut:
    """Add a partner to the system's leadership or operations team."""
    member = Member(partner_id=body.partner_id, representative=body.representative, team=body.team,
                    joined_on=body.joined_on)
    return _with_etag(response, SystemOut.of(await uc.add_member(uow, system_id=system_id, member=member)))


@router.patch("/{system_id}/members/{partner_id}", response_model=SystemOut, responses=responses(404, 409, 422))
async def update_member(
    system_id: UUID, partner_id: UUID, body: MemberPatch, response: Response, uow: UowDep
) -> SystemOut:
    """Change a member's representative or team."""
    state = await uc.update_member(uow, system_id=system_id, partner_id=partner_id,
                                   representative=body.representative, team=body.team)
    return _with_etag(response, SystemOut.of(state))


@router.delete("/{system_id}/members/{partner_id}", response_model=RemovedMember, responses=responses(404, 409))
async def remove_member(
    system_id: UUID, partner_id: UUID, uow: UowDep,
    cascade: Annotated[bool, Query(description="also remove the member's assignments")] = False,
) -> RemovedMember:
    """Remove a member. Its assignments block removal (409) unless ``cascade=true``, which removes them too."""
    state, removed = await uc.remove_member(uow, system_id=system_id, partner_id=partner_id, cascade=cascade)
    return RemovedMember(system=SystemOut.of(state),
                         removed_assignments=[AssignmentOut.model_validate(a) for a in removed])


@router.put("/{system_id}/intermediary", response_model=SystemOut, responses=responses(404, 409, 422))
async def set_intermediary(system_id: UUID, body: IntermediaryIn, response: Response, uow: UowDep) -> SystemOut:
    """Designate the intermediary (a member); it takes the lead of the coordination function."""
    return _with_etag(response, SystemOut.of(
        await uc.set_intermediary(uow, system_id=system_id, partner_id=body.partner_id)))


@router.get("/{system_id}/assignments", response_model=list[AssignmentOut], responses=responses(404))
async def list_assignments(system_id: UUID, uow: ReadUowDep) -> list[AssignmentOut]:
    """The role assignments of the system."""
    state = await uc.get_system(uow, system_id=system_id)
    return [AssignmentOut.model_validate(a) for a in state.assignments]


@router.post("/{system_id}/assignments", response_model=AssignmentOut, status_code=status.HTTP_201_CREATED,
             responses=responses(404, 409, 422))
async def assign_role(system_id: UUID, body: AssignmentIn, response: Response, uow: UowDep) -> AssignmentOut:
    """Assign a function to a member (lead, support or advisory); at most one lead per function."""
    assignment = await uc.assign_role(uow, system_id=system_id, partner_id=body.partner_id, function=body.function,
                                      strength=body.strength, agreement_id=body.agreement_id)
    response.headers["Location"] = f"/v1/systems/{system_id}/assignments/{assignment.id}"
    return AssignmentOut.model_validate(assignment)


@router.delete("/{system_id}/assignments/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=responses(404, 409))
async def unassign(system_id: UUID, assignment_id: UUID, uow: UowDep) -> Response:
    """Remove an assignment."""
    await uc.unassign(uow, system_id=system_id, assignment_id=assignment_id)
    return Response(status_code=204)


CandidatesParam = Annotated[int, Query(
    ge=0, le=MAX_CANDIDATES,
    description="how many organizations to name for each gap a partner could close (members that could lead an "
                "unled function first, then active organizations of the directory in or near the system's area)")]


@dataclass(frozen=True, slots=True)
class GapQuery:
    """The filters a gap report or a review takes, and the date it is evaluated on."""

    only: uc.GapFilter
    as_of: date
    candidates: int


def gap_query(
    severity: Annotated[Severity | None, Query(description="the least severe gaps to show (`high`: high and "
                                                           "critical)")] = None,
    kind: Annotated[list[GapKind] | None, Query(description="only these kinds (repeat the parameter for more)")]
    = None,
    subject: Annotated[str | None, Query(max_length=MAX_SEARCH_LENGTH,
                                         description="only gaps about this subject (its code or its label)")]
    = None,
    as_of: Annotated[date | None, Query(description="evaluate as of this date (default today): reviews and "
                                                    "agreements due, overdue items")] = None,
    candidates: CandidatesParam = 0,
) -> GapQuery:
    """Read the report's filters (a 422 names any parameter the operation does not declare)."""
    return GapQuery(only=uc.GapFilter(min_severity=severity, kinds=tuple(kind or ()), subject=subject),
                    as_of=as_of or uc.today_utc(), candidates=candidates)


GapQueryDep = Annotated[GapQuery, Depends(gap_query)]


@router.get("/{system_id}/suggestions", response_model=SuggestionReport, responses=responses(404, 422))
async def suggestions(
    system_id: UUID, uow: ReadUowDep, settings: SettingsDep, candidates: CandidatesParam = DEFAULT_SUGGESTED,
) -> SuggestionReport:
    """For each function without a lead: members ranked with reasons, the partner types to recruit, and
    organizations of the directory in or near the system's area that could take it on."""
    found = await uc.suggestions(uow, system_id=system_id, candidates=candidates,
                                 near_km=settings.candidate_radius_km)
    return SuggestionReport(system_id=system_id, suggestions=[LeadSuggestionOut.model_validate(s) for s in found])


@router.get("/{system_id}/gaps", response_model=GapReport, responses=responses(404, 422))
async def gaps(
    system_id: UUID, response: Response, uow: ReadUowDep, settings: SettingsDep, query: GapQueryDep,
) -> Response:
    """The system's gaps, most severe first, each with its subject in words, an explanation, a recommendation and
    (with `candidates=N`) who could close it; a summary counts them by severity and kind and lists the top
    actions. Filter by minimum `severity`, `kind` and `subject`; `as_of` evaluates the system on another date."""
    found = await uc.analyse(uow, system_id=system_id, today=query.as_of,
                             expiry_window_days=settings.agreement_expiry_window_days,
                             in_demand=settings.in_demand_rule(),
                             staff_period_months=settings.staff_training_period_months, only=query.only,
                             candidates=query.candidates, near_km=settings.candidate_radius_km)
    return json_bytes(gap_report_json(system_id, query.as_of, found), response)


@router.get("/{system_id}/review", response_model=TeamReviewOut, responses=responses(404, 422))
async def team_review(system_id: UUID, uow: ReadUowDep, settings: SettingsDep, query: GapQueryDep) -> TeamReviewOut:
    """The periodic membership review: where it stands, and what it checks (unled or unsupported core functions,
    unserved target populations, the leadership team's composition, retired members, partners missing from the
    team lists). Takes the gap report's filters, `as_of` and `candidates`."""
    r = await uc.review(uow, system_id=system_id, today=query.as_of, only=query.only, candidates=query.candidates,
                        near_km=settings.candidate_radius_km)
    return TeamReviewOut(system_id=system_id, as_of=query.as_of, last_reviewed_on=r.last_reviewed_on,
                         due_on=r.due_on, overdue=r.overdue, days_overdue=r.days_overdue,
                         summary=GapSummaryOut.model_validate(summarise_gaps(r.gaps)),
                         gaps=[GapOut.model_validate(g) for g in r.gaps], retired_members=list(r.retired_members),
                         champion_id=r.champion_id)


@router.post("/{system_id}/review", response_model=SystemOut, responses=responses(404, 422))
async def record_review(system_id: UUID, body: ReviewIn, response: Response, uow: UowDep) -> SystemOut:
    """Record that the team's membership was reviewed (today or earlier; never before the last review)."""
    return _with_etag(response, SystemOut.of(
        await uc.record_review(uow, system_id=system_id, reviewed_on=body.reviewed_on)))


@router.put("/{system_id}/review", response_model=SystemOut, responses=responses(404, 422))
async def correct_review(system_id: UUID, body: ReviewCorrectionIn, response: Response, uow: UowDep) -> SystemOut:
    """Correct a mistaken membership review date (null: never reviewed), saying why; the audit log keeps both."""
    return _with_etag(response, SystemOut.of(
        await uc.correct_review(uow, system_id=system_id, reviewed_on=body.reviewed_on, reason=body.reason)))


@router.post("/{system_id}/vision-review", response_model=SystemOut, responses=responses(404, 422))
async def record_vision_review(system_id: UUID, body: VisionReviewIn, response: Response, uow: UowDep) -> SystemOut:
    """Record that the team revisited its vision, mission and goals (today or earlier)."""
    return _with_etag(response, SystemOut.of(
        await uc.record_vision_review(uow, system_id=system_id, revisited_on=body.revisited_on)))


@router.put("/{system_id}/vision-review", response_model=SystemOut, responses=responses(404, 422))
async def correct_vision_review(
    system_id: UUID, body: VisionReviewCorrectionIn, response: Response, uow: UowDep
) -> SystemOut:
    """Correct a mistaken revisit date of the vision and mission (null: never revisited), saying why."""
    return _with_etag(response, SystemOut.of(await uc.correct_vision_review(
        uow, system_id=system_id, revisited_on=body.revisited_on, reason=body.reason)))


@router.post("/{system_id}/relationship/confirmations", response_model=SystemOut,
             responses=responses(404, 409, 422))
async def confirm_relationship(system_id: UUID, body: ConfirmationIn, response: Response, uow: UowDep) -> SystemOut:
    """Record, for a local system, that the roles of its working relationship with its state system are understood
    and agreed at one level, when and by whom. The state level is confirmed by those who may change the state
    system. A confirmation holds until the system records another working relationship."""
    return _with_etag(response, SystemOut.of(await uc.confirm_relationship(
        uow, system_id=system_id, level=body.level, confirmed_on=body.confirmed_on, confirmed_by=body.confirmed_by)))


@router.get("/{system_id}/staff-sessions", response_model=StaffSessionPage, responses=responses(404, 422))
async def list_staff_sessions(
    system_id: UUID,
    request: Request,
    response: Response,
    uow: ReadUowDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> StaffSessionPage:
    """The sessions that informed or trained member agencies' staff, newest first."""
    reject_unknown_params(request, {"limit", "cursor"})
    page = await uc.list_staff_sessions(uow, system_id=system_id, limit=limit, cursor=cursor)
    set_next_link(request, response, page.next_cursor)
    return StaffSessionPage(items=[StaffSessionOut.model_validate(s) for s in page.items],
                            next_cursor=page.next_cursor)


@router.post("/{system_id}/staff-sessions", response_model=StaffSessionOut, status_code=status.HTTP_201_CREATED,
             responses=responses(404, 409, 413, 422))
async def record_staff_session(
    system_id: UUID, body: StaffSessionIn, response: Response, uow: UowDep
) -> StaffSessionOut:
    """Record a session that informed or trained the staff of member agencies (date, agencies, topic, level)."""
    session = await uc.record_staff_session(uow, session=body.to_domain(system_id))
    response.headers["Location"] = f"/v1/systems/{system_id}/staff-sessions/{session.id}"
    return StaffSessionOut.model_validate(session)


@router.delete("/{system_id}/staff-sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=responses(404))
async def delete_staff_session(system_id: UUID, session_id: UUID, uow: UowDep) -> Response:
    """Remove a staff session recorded by mistake."""
    await uc.delete_staff_session(uow, system_id=system_id, session_id=session_id)
    return Response(status_code=204)
