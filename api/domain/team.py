"""The leadership team over time: retired partners, team lists, shared vision and mission, staff training, and the
periodic review that reads them.

Seed 001: "Team membership is periodically reviewed to ensure that the team includes representatives that support
key functions and services within the system. In addition, partnerships are expanded as the group seeks to engage
new target populations."
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from api.domain.agreements import agreements_in, is_active_on
from api.domain.errors import FieldProblem, InvalidInput
from api.domain.gaps import (
    Gap,
    GapContext,
    GapKind,
    GapRule,
    Severity,
    add_months,
    analyse_gaps,
    review_due_on,
    team_composition_gaps,
    uncovered_functions,
    unserved_populations,
)
from api.domain.labels import days
from api.domain.systems import (
    MAX_TOPIC_LENGTH,
    CareerPathwaysSystem,
    NotAMember,
    StaffSession,
    StaffSessionKind,
    Strength,
    SystemState,
    Team,
    not_in_future,
)

MAX_NAMES = 10
"""How many agencies an explanation names before it says how many more there are."""


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES])
    return shown if len(names) <= MAX_NAMES else f"{shown} and {len(names) - MAX_NAMES} more"


# --- retired partners -----------------------------------------------------------------------------------


def retired_partner_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find members retired in the directory that still lead functions, coordinate the system, or sit on the team.

    Seed 001: "Team membership is periodically reviewed to ensure that the team includes representatives that
    support key functions and services within the system." A retired organization supports nothing: each core
    function it leads is critical, its place as intermediary high, any other lead medium, a seat alone low.
    """
    for member in sorted(ctx.members, key=lambda m: (ctx.name(m.partner_id), m.partner_id.bytes)):
        pid = member.partner_id
        if not ctx.is_retired(pid):
            continue
        name = ctx.name(pid)
        figures: dict[str, float | int | str] = {"partner_id": str(pid)}
        found = False
        leads = sorted((a for a in ctx.assignments if a.partner_id == pid and a.strength is Strength.LEAD),
                       key=lambda a: a.function)
        for lead in leads:
            function = ctx.catalog.functions.get(lead.function)
            core = function is not None and function.core
            found = True
            yield Gap(
                kind=GapKind.RETIRED_PARTNER,
                severity=Severity.CRITICAL if core else Severity.MEDIUM,
                subject=lead.function,
                explanation=f"{name} is retired in the directory but still leads the "
                            f"{'core function' if core else 'function'} "
                            f"'{function.name if function else lead.function}'.",
                recommendation="Hand the lead to an active member (unassign it, then assign the new lead).",
                figures={**figures, "assignment_id": str(lead.id)},
            )
        if pid == ctx.system.intermediary_id:
            found = True
            yield Gap(
                kind=GapKind.RETIRED_PARTNER,
                severity=Severity.HIGH,
                subject="intermediary",
                explanation=f"{name}, the intermediary, is retired in the directory: nobody coordinates day-to-day "
                            "collaboration or champions the system.",
                recommendation="Designate an active member as the intermediary.",
                figures=figures,
            )
        if not found:
            yield Gap(
                kind=GapKind.RETIRED_PARTNER,
                severity=Severity.LOW,
                subject=name,
                explanation=f"{name} is retired in the directory but still on the {member.team.value} team.",
                recommendation=f"Remove {name} from the system, or bring on the organization that took over its work.",
                figures=figures,
            )


def retired_members(ctx: GapContext) -> tuple[UUID, ...]:
    """Return the members retired in the directory, by name."""
    retired = [m.partner_id for m in ctx.members if ctx.is_retired(m.partner_id)]
    return tuple(sorted(retired, key=lambda pid: (ctx.name(pid), pid.bytes)))


# --- team lists -----------------------------------------------------------------------------------------


def team_list_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find partners the system relies on that are missing from its team lists.

    Seed 001: "The leadership team will not be able to implement the career pathways system without the help of
    the staff members within the agencies and organizations represented on the leadership and operations teams."
    A party to an agreement in force that left the team lists is missing from both (medium); a member leading a
    core function, or coordinating as intermediary, from the operations team only is missing from the
    leadership team list (low).
    """
    member_ids = {m.partner_id for m in ctx.members}
    for agreement in agreements_in(ctx) or []:
        if not is_active_on(agreement, ctx.today):
            continue
        for party in agreement.parties:
            if party in member_ids:
                continue
            yield Gap(
                kind=GapKind.TEAM_LIST,
                severity=Severity.MEDIUM,
                subject=str(party),
                explanation=f"Partner {party} is a party to '{agreement.title}', in force, but is on neither the "
                            "leadership nor the operations team.",
                recommendation="Bring it back onto a team, or amend the agreement with the partners that remain.",
                figures={"partner_id": str(party), "agreement_id": str(agreement.id)},
            )
    core_leads_of: dict[UUID, list[str]] = {}
    for a in ctx.assignments:
        if a.strength is Strength.LEAD and (f := ctx.catalog.functions.get(a.function)) is not None and f.core:
            core_leads_of.setdefault(a.partner_id, []).append(a.function)
    for member in ctx.members:
        if member.team is Team.LEADERSHIP:
            continue
        pid = member.partner_id
        core_leads = sorted(core_leads_of.get(pid, ()))
        if not core_leads and pid != ctx.system.intermediary_id:
            continue
        what = ", ".join(core_leads) if core_leads else "day-to-day coordination"
        yield Gap(
            kind=GapKind.TEAM_LIST,
            severity=Severity.LOW,
            subject=ctx.name(pid),
            explanation=f"{ctx.name(pid)} leads {what} but is missing from the leadership team list.",
            recommendation=f"Move {ctx.name(pid)} to the leadership team.",
            figures={"partner_id": str(pid)},
        )


# --- shared vision and mission --------------------------------------------------------------------------


def shared_vision_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find an empty vision, mission or set of goals.

    Seed 001: "Once the career pathways leadership team is formed, it is important to establish a shared vision
    and mission aligned with common goals."
    """
    system = ctx.system
    advice = ("A facilitated strategic planning session helps the team agree on it "
              "(the seed suggests one).")
    if not system.vision.strip():
        yield Gap(kind=GapKind.SHARED_VISION, severity=Severity.MEDIUM, subject="vision",
                  explanation="The team has no shared vision: no directional statement of the future it works "
                              "toward.",
                  recommendation=f"Write the vision with the whole leadership team. {advice}")
    if not system.mission.strip():
        yield Gap(kind=GapKind.SHARED_VISION, severity=Severity.MEDIUM, subject="mission",
                  explanation="The team has no mission statement: nothing says what it works on together.",
                  recommendation=f"Write a brief statement of the team's fundamental purpose. {advice}")
    if not system.goals:
        yield Gap(kind=GapKind.SHARED_VISION, severity=Severity.LOW, subject="goals",
                  explanation="The team has no common goals aligned with its vision and mission.",
                  recommendation="Agree on a set of goals; the readiness assessment and action plan build on them.")


def vision_review_due_on(system: CareerPathwaysSystem) -> date | None:
    """Return when the vision and mission are next to be revisited, or None when they never were."""
    if system.vision_revisited_on is None:
        return None
    return add_months(system.vision_revisited_on, system.vision_review_cadence_months)


def vision_review_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find a vision and mission never revisited, or overdue for it.

    Seed 001: "As the system will evolve over time, the team commits to reviewing and revising the vision,
    mission, goals, and plans regularly to match changing interests and goals."
    """
    system = ctx.system
    if not system.vision.strip() and not system.mission.strip():
        return  # nothing to revisit yet: shared_vision_gaps asks for them
    recommendation = "Revisit the vision, mission and goals with the team; record the date."
    due = vision_review_due_on(system)
    if due is None:
        yield Gap(kind=GapKind.VISION_REVIEW, severity=Severity.MEDIUM, subject="vision_review",
                  explanation="The vision and mission have never been revisited.", recommendation=recommendation,
                  figures={"cadence_months": system.vision_review_cadence_months})
    elif due < ctx.today:
        overdue = (ctx.today - due).days
        yield Gap(kind=GapKind.VISION_REVIEW, severity=Severity.MEDIUM, subject="vision_review",
                  explanation=f"The vision and mission were due to be revisited on {due.isoformat()}, "
                              f"{days(overdue)} ago.",
                  recommendation=recommendation, figures={"due_on": due.isoformat(), "days_overdue": overdue})


# --- staff information and training --------------------------------------------------------------------


def record_staff_session(state: SystemState, session: StaffSession, *, today: date) -> StaffSession:
    """Check a staff session of the system: a past date, a topic, and member agencies whose staff took part."""
    problems: list[FieldProblem] = []
    if session.system_id != state.system.id:
        problems.append(FieldProblem("system_id", f"must be {state.system.id}"))
    if not session.topic.strip():
        problems.append(FieldProblem("topic", "must not be blank"))
    elif len(session.topic) > MAX_TOPIC_LENGTH:
        problems.append(FieldProblem("topic", f"must be at most {MAX_TOPIC_LENGTH} characters"))
    not_in_future(problems, "held_on", session.held_on, today)
    if not session.agencies:
        problems.append(FieldProblem("agencies", "name at least one agency whose staff took part"))
    seen: set[UUID] = set()
    for i, agency in enumerate(session.agencies):
        if agency in seen:
            problems.append(FieldProblem(f"agencies[{i}]", f"partner {agency} appears twice"))
        seen.add(agency)
    if problems:
        raise InvalidInput(problems)
    outsiders = [a for a in session.agencies if state.member(a) is None]
    if outsiders:
        raise NotAMember(f"partner {outsiders[0]} is not a member of system {state.system.id}; add it first")
    return replace(session, topic=session.topic.strip())


def staff_training_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find member agencies whose staff were not informed or trained within the period, and no joint training.

    Seed 001: "once the leadership team convenes, it is important to inform all state and local staff members
    about the career pathways system being developed and implemented. Training multiple agencies' staff together
    on the new career pathways system will model collaboration and ensure that all staff members learn the same
    information."
    """
    members = [m.partner_id for m in ctx.members if not ctx.is_retired(m.partner_id)]
    if not members:
        return
    months = ctx.staff_period_months
    since = add_months(ctx.today, -months)
    recent = [s for s in ctx.staff_sessions if since <= s.held_on <= ctx.today]
    member_ids = set(members)
    reached = {a for s in recent for a in s.agencies}
    left_out = sorted(ctx.name(pid) for pid in members if pid not in reached)
    if left_out:
        yield Gap(
            kind=GapKind.STAFF_TRAINING,
            severity=Severity.MEDIUM,
            subject="staff_informed",
            explanation=(
                f"The staff of {len(left_out)} of {len(members)} member agencies have not been informed about or "
                f"trained on the system in the last {months} months: {_listed(left_out)}."
            ),
            recommendation="Hold an information session for the staff of these agencies, at state and local "
                           "level, and record it.",
            figures={"agencies_not_reached": len(left_out), "members": len(members), "period_months": months},
        )
    joint = [s for s in recent
             if s.kind is StaffSessionKind.TRAINING and len(member_ids.intersection(s.agencies)) >= 2]
    if len(members) >= 2 and not joint:
        last = max((s.held_on for s in ctx.staff_sessions
                    if s.kind is StaffSessionKind.TRAINING and len(member_ids.intersection(s.agencies)) >= 2),
                   default=None)
        figures: dict[str, float | int | str] = {"period_months": months}
        if last is not None:
            figures["last_joint_training_on"] = last.isoformat()
        yield Gap(
            kind=GapKind.STAFF_TRAINING,
            severity=Severity.MEDIUM,
            subject="joint_training",
            explanation=f"No training has brought the staff of several member agencies together in the last "
                        f"{months} months.",
            recommendation="Train the staff of several agencies together on the system: it models collaboration "
                           "and everyone learns the same information.",
            figures=figures,
        )


# --- the periodic review --------------------------------------------------------------------------------


def core_function_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find core functions with no lead, or carried by nobody."""
    for gap in uncovered_functions(ctx):
        function = ctx.catalog.functions.get(gap.subject)
        if function is not None and function.core:
            yield gap


REVIEW_RULES: tuple[GapRule, ...] = (
    core_function_gaps,
    unserved_populations,
    team_composition_gaps,
    retired_partner_gaps,
    team_list_gaps,
)
"""What the periodic membership review checks: the team against its key functions, services and populations."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamReview:
    """Where the team's membership review stands, and what the team lacks."""

    last_reviewed_on: date | None
    due_on: date | None
    overdue: bool
    days_overdue: int | None
    gaps: tuple[Gap, ...]
    retired_members: tuple[UUID, ...] = ()
    champion_id: UUID | None = None


def team_review(ctx: GapContext) -> TeamReview:
    """Report the membership review status and what the review checks; never reviewed is overdue.

    Seed 001: "Team membership is periodically reviewed to ensure that the team includes representatives that
    support key functions and services within the system. In addition, partnerships are expanded as the group
    seeks to engage new target populations." The review reads unled or unsupported core functions, unserved
    target populations, the leadership team's composition, retired members and partners missing from the team
    lists.
    """
    due = review_due_on(ctx.system)
    overdue_days = None if due is None else max(0, (ctx.today - due).days)
    return TeamReview(
        last_reviewed_on=ctx.system.last_reviewed_on,
        due_on=due,
        overdue=due is None or due < ctx.today,
        days_overdue=overdue_days,
        gaps=tuple(analyse_gaps(ctx, REVIEW_RULES)),
        retired_members=retired_members(ctx),
        champion_id=ctx.champion(),
    )
