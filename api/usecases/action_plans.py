"""Use cases of action plans: the four planning questions, goals, action items and derived status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from api.domain import action_plans as rules
from api.domain.action_plans import ActionItem, ActionPlan, Goal, GoalGap, ItemStatus, PlanStatus
from api.domain.errors import NotFound, VersionMismatch
from api.domain.ports import PlanContents, UnitOfWork
from api.usecases import policy
from api.usecases import systems as systems_uc

T = TypeVar("T", Goal, ActionItem)


async def _load(uow: UnitOfWork, system_id: UUID, *, for_update: bool = False) -> PlanContents:
    """Load a plan of a system the caller may see; loading it for update means changing it."""
    await policy.guard_system(uow, system_id, write=for_update)
    found = await uow.plans.load(system_id, for_update=for_update)
    if found is None:
        raise NotFound("action plan of system", system_id)
    return found


async def _writable(uow: UnitOfWork, system_id: UUID, plan_id: UUID | None) -> PlanContents:
    """The system's plan, locked; a plan comes into being (version 0) with its first change."""
    await policy.guard_system(uow, system_id, write=True)
    found = await uow.plans.load(system_id, for_update=True)
    if found is not None:
        return found
    if await uow.systems.load(system_id, for_update=True) is None:
        raise NotFound("system", system_id)
    found = await uow.plans.load(system_id, for_update=True)  # created while we waited for the system's lock
    if found is not None:
        return found
    plan = ActionPlan(id=plan_id or uuid4(), system_id=system_id, version=0)
    await uow.plans.add(plan)
    return PlanContents(plan=plan)


async def _members(uow: UnitOfWork, system_id: UUID) -> frozenset[UUID]:
    state = await uow.systems.load(system_id)
    if state is None:
        raise NotFound("system", system_id)
    return frozenset(m.partner_id for m in state.members)


async def _element_codes(uow: UnitOfWork) -> list[str] | None:
    framework = await uow.readiness.current_framework()
    return [e.code for e in framework.elements] if framework else None


async def _changed(uow: UnitOfWork, contents: PlanContents, action: str, kind: str, record_id: UUID,
                   old: Any, new: Any) -> None:
    """Bump the plan's version (its ETag) and audit the change."""
    await uow.plans.touch(contents.plan.id)
    await policy.audit(uow, action=action, kind=kind, record_id=record_id, old=old, new=new)


def _find(records: Iterable[T], record_id: UUID, kind: str) -> T:
    for record in records:
        if record.id == record_id:
            return record
    raise NotFound(kind, record_id)


async def get_plan(uow: UnitOfWork, *, system_id: UUID) -> PlanContents:
    """Return a system's action plan with its goals and action items."""
    return await _load(uow, system_id)


async def get_goal(uow: UnitOfWork, *, system_id: UUID, goal_id: UUID) -> Goal:
    """Return one goal of a system's plan."""
    return _find((await _load(uow, system_id)).goals, goal_id, "goal")


async def get_item(uow: UnitOfWork, *, system_id: UUID, item_id: UUID) -> ActionItem:
    """Return one action item of a system's plan."""
    return _find((await _load(uow, system_id)).items, item_id, "action item")


async def put_plan(
    uow: UnitOfWork, *, system_id: UUID, answers: Mapping[str, str], expected_version: int | None = None,
    plan_id: UUID | None = None,
) -> PlanContents:
    """Answer the four planning questions, creating the plan if the system has none yet."""
    contents = await _writable(uow, system_id, plan_id)
    if expected_version is not None and expected_version != contents.plan.version:
        raise VersionMismatch("action plan", contents.plan.id, expected_version, contents.plan.version)
    revised = rules.revise_plan(contents.plan, answers)
    await uow.plans.save(revised, expected_version=contents.plan.version)
    await policy.audit(uow, action="put", kind="action_plan", record_id=revised.id, old=contents.plan, new=revised)
    return await _load(uow, system_id)


async def add_goal(
    uow: UnitOfWork, *, system_id: UUID, title: str, description: str = "", element_code: str | None = None,
    gap_reference: str | None = None, goal_id: UUID | None = None, plan_id: UUID | None = None,
) -> Goal:
    """Add a goal, linked to a readiness element and/or a gap, to the system's plan."""
    contents = await _writable(uow, system_id, plan_id)
    goal = rules.validate_goal(
        Goal(id=goal_id or uuid4(), plan_id=contents.plan.id, title=title, description=description,
             element_code=element_code, gap_reference=gap_reference),
        element_codes=await _element_codes(uow),
    )
    await uow.plans.put_goal(goal)
    await _changed(uow, contents, "add_goal", "goal", goal.id, None, goal)
    return goal


async def update_goal(uow: UnitOfWork, *, system_id: UUID, goal_id: UUID, changes: Mapping[str, Any]) -> Goal:
    """Change some fields of a goal."""
    contents = await _load(uow, system_id, for_update=True)
    before = _find(contents.goals, goal_id, "goal")
    goal = rules.revise_goal(before, changes, element_codes=await _element_codes(uow))
    await uow.plans.put_goal(goal)
    await _changed(uow, contents, "update_goal", "goal", goal.id, before, goal)
    return goal


async def delete_goal(uow: UnitOfWork, *, system_id: UUID, goal_id: UUID) -> Goal:
    """Remove a goal with its action items; return the goal removed."""
    contents = await _load(uow, system_id, for_update=True)
    goal = _find(contents.goals, goal_id, "goal")
    await uow.plans.delete_goal(goal.id)
    await _changed(uow, contents, "delete_goal", "goal", goal.id, goal, None)
    for item in contents.items:  # removed with their goal
        if item.goal_id == goal.id:
            await policy.audit(uow, action="delete_item", kind="action_item", record_id=item.id, old=item)
    return goal


async def add_item(
    uow: UnitOfWork, *, system_id: UUID, goal_id: UUID, description: str, owner_id: UUID,
    due_on: date | None = None, status: ItemStatus = ItemStatus.NOT_STARTED, resources: Iterable[str] = (),
    item_id: UUID | None = None,
) -> ActionItem:
    """Add an action item to a goal: what, who (a member) and by when."""
    contents = await _load(uow, system_id, for_update=True)
    item = rules.validate_action_item(
        ActionItem(id=item_id or uuid4(), goal_id=goal_id, description=description, owner_id=owner_id,
                   due_on=due_on, status=status, resources=tuple(resources)),
        goal_ids={g.id for g in contents.goals}, member_ids=await _members(uow, system_id),
    )
    await uow.plans.put_items([item])
    await _changed(uow, contents, "add_item", "action_item", item.id, None, item)
    return item


async def update_item(
    uow: UnitOfWork, *, system_id: UUID, item_id: UUID, changes: Mapping[str, Any]
) -> ActionItem:
    """Change some fields of an action item (its status, owner, due date, ...)."""
    contents = await _load(uow, system_id, for_update=True)
    before = _find(contents.items, item_id, "action item")
    item = rules.revise_action_item(before, changes, goal_ids={g.id for g in contents.goals},
                                    member_ids=await _members(uow, system_id))
    await uow.plans.put_items([item])
    await _changed(uow, contents, "update_item", "action_item", item.id, before, item)
    return item


async def delete_item(uow: UnitOfWork, *, system_id: UUID, item_id: UUID) -> ActionItem:
    """Remove an action item; return the item removed."""
    contents = await _load(uow, system_id, for_update=True)
    item = _find(contents.items, item_id, "action item")
    await uow.plans.delete_item(item.id)
    await _changed(uow, contents, "delete_item", "action_item", item.id, item, None)
    return item


async def plan_status(uow: UnitOfWork, *, system_id: UUID, today: date | None = None) -> PlanStatus:
    """Derive the plan's overdue items and each goal's completion on a day (today by default)."""
    contents = await _load(uow, system_id)
    return rules.plan_status(contents.plan, contents.goals, contents.items, today or datetime.now(UTC).date())


async def add_goal_from_gap(
    uow: UnitOfWork, *, system_id: UUID, kind: str, subject: str, title: str | None = None, description: str = "",
    element_code: str | None = None, goal_id: UUID | None = None, plan_id: UUID | None = None,
    today: date | None = None, gap_settings: Mapping[str, Any] | None = None,
) -> Goal:
    """Add a goal made from a gap of the system's current gap report, referencing it by kind and subject.

    ``gap_settings`` are the gap analysis's own keyword settings (expiry window, in-demand rule, staff period), so
    "current" means the same report the system's gap endpoint shows.
    """
    contents = await _writable(uow, system_id, plan_id)
    gaps = await systems_uc.analyse(uow, system_id=system_id, today=today, **(gap_settings or {}))
    goal = rules.goal_for_gap(gaps, kind=kind, subject=subject, plan_id=contents.plan.id, title=title,
                              description=description, element_code=element_code, goal_id=goal_id,
                              element_codes=await _element_codes(uow))
    await uow.plans.put_goal(goal)
    await _changed(uow, contents, "add_goal_from_gap", "goal", goal.id, None, goal)
    return goal


async def goal_gaps(
    uow: UnitOfWork, *, system_id: UUID, today: date | None = None, gap_settings: Mapping[str, Any] | None = None,
) -> tuple[GoalGap, ...]:
    """For every goal of the plan made from a gap, whether the gap is still in the current report.

    The gap analysis runs only when some goal was made from a gap.
    """
    contents = await _load(uow, system_id)
    if not any(g.gap_kind for g in contents.goals):
        return ()
    gaps = await systems_uc.analyse(uow, system_id=system_id, today=today, **(gap_settings or {}))
    return rules.goal_gaps(contents.goals, gaps)
