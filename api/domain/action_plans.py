"""Action plans: a system's goals and action items, the four planning questions, and derived status."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from api.domain.errors import FieldProblem, InvalidInput, RuleViolation
from api.domain.gaps import Gap, GapKind
from api.domain.readiness import NextStepKind, Summary

MAX_TEXT_LENGTH = 4000

PLANNING_QUESTIONS: Mapping[str, str] = {
    "what_is_possible": (
        "What's possible? What is the biggest potential benefit that could come out of our collaboration?"
    ),
    "what_is_practical": (
        "What's practical in the near-term? Is there a relatively simple way for us to achieve more soon?"
    ),
    "who_can_help": "Who can help? Which decision makers and organizations need to be involved?",
    "what_is_next": "What's next? Which steps will we take? Who will do what, by when?",
}
"""The four planning questions of the toolkit's action guide, by the plan field that answers each."""

PLAN_EDITABLE = frozenset(PLANNING_QUESTIONS)
GOAL_EDITABLE = frozenset({"title", "description", "element_code", "gap_reference"})
ITEM_EDITABLE = frozenset({"goal_id", "description", "owner_id", "due_on", "status", "resources"})


class ItemStatus(StrEnum):
    """Where an action item stands."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionPlan:
    """A system's action plan: its answers to the four planning questions."""

    id: UUID
    system_id: UUID
    what_is_possible: str = ""
    what_is_practical: str = ""
    who_can_help: str = ""
    what_is_next: str = ""
    version: int = 1
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Goal:
    """A goal of the plan, linked to a readiness element and/or a gap (an opaque reference, e.g. "2.3")."""

    id: UUID
    plan_id: UUID
    title: str
    description: str = ""
    element_code: str | None = None
    gap_reference: str | None = None
    gap_kind: str | None = None
    """With ``gap_subject``: the gap of the system's gap report the goal was made from (its kind and subject)."""
    gap_subject: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GoalGap:
    """A goal made from a gap, and whether that gap is still in the system's current gap report."""

    goal_id: UUID
    title: str
    gap_kind: str
    gap_subject: str
    open: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionItem:
    """A step toward a goal: what, who (a member partner), by when, its status and the resources it needs."""

    id: UUID
    goal_id: UUID
    description: str
    owner_id: UUID
    due_on: date | None = None
    status: ItemStatus = ItemStatus.NOT_STARTED
    resources: tuple[str, ...] = ()


class OwnerNotAMember(RuleViolation):
    """An action item's owner must be a member of the system."""

    title = "Owner is not a member of the system"

    def __init__(self, partner_id: UUID) -> None:
        super().__init__(f"partner {partner_id} is not a member of the system and cannot own an action item")
        self.partner_id = partner_id


@dataclass(frozen=True, slots=True, kw_only=True)
class OverdueItem:
    """An unfinished item past its due date."""

    item: ActionItem
    days_overdue: int


@dataclass(frozen=True, slots=True, kw_only=True)
class GoalProgress:
    """How far a goal has got: item counts and the share done (None while it has no items)."""

    goal_id: UUID
    title: str
    element_code: str | None
    items_total: int
    items_done: int
    items_blocked: int
    items_overdue: int
    percent_done: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanStatus:
    """The derived state of a plan on a given day."""

    plan_id: UUID
    system_id: UUID
    as_of: date
    items_total: int
    items_done: int
    percent_done: float | None
    overdue: tuple[OverdueItem, ...]
    goals: tuple[GoalProgress, ...]
    unanswered_questions: tuple[str, ...]


def _long_text(problems: list[FieldProblem], name: str, value: str, *, required: bool = False) -> None:
    if required and not value.strip():
        problems.append(FieldProblem(name, "must not be blank"))
    if len(value) > MAX_TEXT_LENGTH:
        problems.append(FieldProblem(name, f"must be at most {MAX_TEXT_LENGTH} characters"))


def validate_plan(plan: ActionPlan) -> ActionPlan:
    """Check a plan's answers to the planning questions; return it or raise InvalidInput."""
    problems: list[FieldProblem] = []
    for name in sorted(PLANNING_QUESTIONS):
        _long_text(problems, name, getattr(plan, name))
    if problems:
        raise InvalidInput(problems)
    return plan


def revise_plan(plan: ActionPlan, changes: Mapping[str, str]) -> ActionPlan:
    """Change answers to the planning questions and bump the plan's version."""
    unknown = set(changes) - PLAN_EDITABLE
    if unknown:
        raise InvalidInput([FieldProblem(name, "cannot be changed") for name in sorted(unknown)])
    answers: dict[str, Any] = {k: v.strip() for k, v in changes.items()}
    return validate_plan(replace(plan, **answers, version=plan.version + 1))


def validate_goal(goal: Goal, *, element_codes: Collection[str] | None = None) -> Goal:
    """Check a goal's title and links (against the framework's element codes when given)."""
    problems: list[FieldProblem] = []
    _long_text(problems, "title", goal.title, required=True)
    _long_text(problems, "description", goal.description)
    if goal.element_code is not None and element_codes is not None and goal.element_code not in element_codes:
        problems.append(FieldProblem("element_code", f"unknown element '{goal.element_code}'"))
    if goal.gap_reference is not None and not goal.gap_reference.strip():
        problems.append(FieldProblem("gap_reference", "must not be blank when given"))
    if problems:
        raise InvalidInput(problems)
    return goal


def goal_for_gap(
    gaps: Iterable[Gap], *, kind: str, subject: str, plan_id: UUID, title: str | None = None, description: str = "",
    element_code: str | None = None, goal_id: UUID | None = None, element_codes: Collection[str] | None = None,
) -> Goal:
    """Make a goal from a gap of the system's current report, found by kind and subject.

    The goal references the gap by both, so the plan can say whether the gap is still open; a gap that is not in
    the report (closed already, or never there) is refused. Its title defaults to the gap's explanation and its
    description to the recommendation.
    """
    if kind not in {k.value for k in GapKind}:
        raise InvalidInput(FieldProblem("kind", f"unknown gap kind '{kind[:64]}'"))
    gap = next((g for g in gaps if g.kind.value == kind and g.subject == subject), None)
    if gap is None:
        raise InvalidInput(FieldProblem(
            "subject", f"no gap of kind '{kind}' with subject '{subject[:200]}' in the system's current gap report"))
    return validate_goal(
        Goal(id=goal_id or uuid4(), plan_id=plan_id, title=title or gap.explanation,
             description=description or gap.recommendation, element_code=element_code, gap_kind=gap.kind.value,
             gap_subject=gap.subject),
        element_codes=element_codes,
    )


def goal_gaps(goals: Iterable[Goal], gaps: Iterable[Gap]) -> tuple[GoalGap, ...]:
    """For every goal made from a gap, whether the gap is still in the report (the gap closes, the goal stays)."""
    current = {(g.kind.value, g.subject) for g in gaps}
    return tuple(
        GoalGap(goal_id=g.id, title=g.title, gap_kind=g.gap_kind, gap_subject=g.gap_subject,
                open=(g.gap_kind, g.gap_subject) in current)
        for g in goals if g.gap_kind is not None and g.gap_subject is not None
    )


def revise_goal(
    goal: Goal, changes: Mapping[str, Any], *, element_codes: Collection[str] | None = None
) -> Goal:
    """Apply a partial update to a goal and validate it."""
    unknown = set(changes) - GOAL_EDITABLE
    if unknown:
        raise InvalidInput([FieldProblem(name, "cannot be changed") for name in sorted(unknown)])
    return validate_goal(replace(goal, **changes), element_codes=element_codes)


def validate_action_item(
    item: ActionItem, *, goal_ids: Collection[UUID], member_ids: Collection[UUID]
) -> ActionItem:
    """Check an action item: a known goal, a description, resources, and an owner who is a member."""
    problems: list[FieldProblem] = []
    if item.goal_id not in goal_ids:
        problems.append(FieldProblem("goal_id", f"unknown goal {item.goal_id}"))
    _long_text(problems, "description", item.description, required=True)
    for i, resource in enumerate(item.resources):
        _long_text(problems, f"resources[{i}]", resource, required=True)
    if problems:
        raise InvalidInput(problems)
    if item.owner_id not in member_ids:
        raise OwnerNotAMember(item.owner_id)
    return item


def revise_action_item(
    item: ActionItem,
    changes: Mapping[str, Any],
    *,
    goal_ids: Collection[UUID],
    member_ids: Collection[UUID],
) -> ActionItem:
    """Apply a partial update to an action item and validate it."""
    unknown = set(changes) - ITEM_EDITABLE
    if unknown:
        raise InvalidInput([FieldProblem(name, "cannot be changed") for name in sorted(unknown)])
    normalised: dict[str, Any] = dict(changes)
    if "resources" in normalised:
        normalised["resources"] = tuple(normalised["resources"])
    if "status" in normalised:
        try:
            normalised["status"] = ItemStatus(normalised["status"])
        except ValueError:
            choices = ", ".join(s.value for s in ItemStatus)
            raise InvalidInput(FieldProblem("status", f"must be one of {choices}")) from None
    return validate_action_item(replace(item, **normalised), goal_ids=goal_ids, member_ids=member_ids)


def _is_overdue(item: ActionItem, today: date) -> bool:
    return item.status is not ItemStatus.DONE and item.due_on is not None and item.due_on < today


def _percent(done: int, total: int) -> float | None:
    return done / total * 100 if total else None


def plan_status(
    plan: ActionPlan, goals: Iterable[Goal], items: Iterable[ActionItem], today: date
) -> PlanStatus:
    """Derive overdue items (unfinished, due before today) and each goal's completion."""
    goal_list = sorted(goals, key=lambda g: (g.title.casefold(), g.title, g.id.bytes))
    item_list = sorted(items, key=lambda i: (i.due_on or date.max, i.description, i.id.bytes))
    known = {g.id for g in goal_list}
    problems = [
        FieldProblem(f"goals[{g.id}].plan_id", f"is not plan {plan.id}")
        for g in goal_list if g.plan_id != plan.id
    ] + [
        FieldProblem(f"items[{i.id}].goal_id", f"unknown goal {i.goal_id}")
        for i in item_list if i.goal_id not in known
    ]
    if problems:
        raise InvalidInput(problems)

    progress: list[GoalProgress] = []
    for goal in goal_list:
        mine = [i for i in item_list if i.goal_id == goal.id]
        done = sum(1 for i in mine if i.status is ItemStatus.DONE)
        progress.append(
            GoalProgress(
                goal_id=goal.id,
                title=goal.title,
                element_code=goal.element_code,
                items_total=len(mine),
                items_done=done,
                items_blocked=sum(1 for i in mine if i.status is ItemStatus.BLOCKED),
                items_overdue=sum(1 for i in mine if _is_overdue(i, today)),
                percent_done=_percent(done, len(mine)),
            )
        )
    done_total = sum(1 for i in item_list if i.status is ItemStatus.DONE)
    return PlanStatus(
        plan_id=plan.id,
        system_id=plan.system_id,
        as_of=today,
        items_total=len(item_list),
        items_done=done_total,
        percent_done=_percent(done_total, len(item_list)),
        overdue=tuple(
            OverdueItem(item=i, days_overdue=(today - i.due_on).days)
            for i in item_list
            if _is_overdue(i, today) and i.due_on is not None
        ),
        goals=tuple(progress),
        unanswered_questions=tuple(q for q in PLANNING_QUESTIONS if not getattr(plan, q).strip()),
    )


def next_steps_to_actions(
    summary: Summary,
    goal: Goal,
    owner: UUID,
    due_on: date | None,
    *,
    kinds: Collection[NextStepKind] | None = None,
    member_ids: Collection[UUID] | None = None,
    existing: Iterable[ActionItem] = (),
    new_id: Callable[[], UUID] = uuid4,
) -> tuple[ActionItem, ...]:
    """Turn a round's next steps for the goal's element (optionally only some kinds) into not-started action
    items of that goal, leaving out steps the goal already has as items.

    Seed 001: "The Six Key Elements Readiness Assessment tool (see tools section) can help the team form its
    implementation plan by having it look at progress, priorities, gaps, technical assistance needs, and next
    steps. The Next Steps Action Planning tool will lead the team to aligned, prioritized goals." A goal linked
    to an element takes that element's next steps only; a goal linked to none takes them all. Calling it again
    adds nothing the goal already holds.
    """
    if member_ids is not None and owner not in member_ids:
        raise OwnerNotAMember(owner)
    held = {item.description.strip().casefold() for item in existing if item.goal_id == goal.id}
    items: list[ActionItem] = []
    for step in summary.next_steps:
        if kinds is not None and step.kind not in kinds:
            continue
        if goal.element_code is not None and step.element_code != goal.element_code:
            continue
        key = step.text.strip().casefold()
        if key in held:
            continue
        held.add(key)
        items.append(ActionItem(id=new_id(), goal_id=goal.id, description=step.text, owner_id=owner, due_on=due_on))
    return tuple(items)
