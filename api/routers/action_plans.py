"""REST routes of action plans: planning questions, goals, action items, status, and next steps as items."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import ReadUowDep, SettingsDep, UowDep
from api.domain.ports import PlanContents
from api.problems import responses
from api.routers._http import etag, expected_version, not_modified
from api.routers.partners import IfMatch
from api.schemas.action_plans import (
    GoalFromGapIn,
    GoalGapOut,
    GoalIn,
    GoalOut,
    GoalPatch,
    ItemIn,
    ItemOut,
    ItemPatch,
    PlanIn,
    PlanOut,
    PlanStatusOut,
)
from api.schemas.readiness import NextStepsIn
from api.settings import Settings
from api.usecases import action_plans as uc
from api.usecases import readiness as readiness_uc

router = APIRouter(tags=["action plans"])
PLAN = "/v1/systems/{system_id}/action-plan"


def _with_etag(response: Response, contents: PlanContents) -> PlanOut:
    response.headers["ETag"] = etag(contents.plan.version)
    return PlanOut.of(contents)


@router.get(PLAN, response_model=PlanOut, responses=responses(304, 404))
async def get_plan(system_id: UUID, request: Request, response: Response, uow: ReadUowDep) -> PlanOut | Response:
    """The system's action plan with its goals and their action items (404 until its first change)."""
    contents = await uc.get_plan(uow, system_id=system_id)
    if not_modified(request, contents.plan.version):
        return Response(status_code=304, headers={"ETag": etag(contents.plan.version)})
    return _with_etag(response, contents)


@router.put(PLAN, response_model=PlanOut, responses=responses(400, 404, 412, 413, 422))
async def put_plan(
    system_id: UUID, body: PlanIn, response: Response, uow: UowDep, if_match: IfMatch = None
) -> PlanOut:
    """Answer the four planning questions; the plan is created if the system has none yet."""
    contents = await uc.put_plan(uow, system_id=system_id, answers=body.model_dump(),
                                 expected_version=expected_version(if_match, "action plan", system_id))
    return _with_etag(response, contents)


def _gap_settings(settings: Settings) -> dict[str, Any]:
    """The gap analysis's settings, so a plan's gaps are those of the system's gap report."""
    return {"expiry_window_days": settings.agreement_expiry_window_days, "in_demand": settings.in_demand_rule(),
            "staff_period_months": settings.staff_training_period_months}


@router.get(f"{PLAN}/status", response_model=PlanStatusOut, responses=responses(404, 422))
async def plan_status(
    system_id: UUID, uow: ReadUowDep, settings: SettingsDep,
    as_of: Annotated[date | None, Query(description="the day overdue is judged on; today (UTC) if left out")] = None,
) -> PlanStatusOut:
    """Overdue items (unfinished, due before the day), each goal's completion, unanswered questions, and for each
    goal made from a gap whether that gap is still in the current gap report."""
    status = PlanStatusOut.model_validate(await uc.plan_status(uow, system_id=system_id, today=as_of))
    gaps = await uc.goal_gaps(uow, system_id=system_id, today=as_of, gap_settings=_gap_settings(settings))
    return status.model_copy(update={"gaps": [GoalGapOut.model_validate(g) for g in gaps]})


@router.post(f"{PLAN}/goals", response_model=GoalOut, status_code=status.HTTP_201_CREATED,
             responses=responses(400, 404, 413, 422))
async def add_goal(system_id: UUID, body: GoalIn, response: Response, uow: UowDep) -> GoalOut:
    """Add a goal, linked to a readiness element and/or a gap; the plan is created if needed."""
    goal = await uc.add_goal(uow, system_id=system_id, **body.model_dump())
    response.headers["Location"] = f"/v1/systems/{system_id}/action-plan/goals/{goal.id}"
    return GoalOut.model_validate(goal)


# A goal id is a UUID (the :uuid convertor), so PATCH or DELETE on goals/from-gap is a 405, not a 422 about a
# malformed goal id.
@router.post(f"{PLAN}/goals/from-gap", response_model=GoalOut, status_code=status.HTTP_201_CREATED,
             responses=responses(400, 404, 413, 422))
async def add_goal_from_gap(
    system_id: UUID, body: GoalFromGapIn, response: Response, uow: UowDep, settings: SettingsDep
) -> GoalOut:
    """Turn a gap of the system's current gap report (by kind and subject) into a goal that references it; a gap
    not in the report is a 422. The plan's status then says whether the gap is still open."""
    goal = await uc.add_goal_from_gap(uow, system_id=system_id, kind=body.kind.value, subject=body.subject,
                                      title=body.title, description=body.description, element_code=body.element_code,
                                      gap_settings=_gap_settings(settings))
    response.headers["Location"] = f"/v1/systems/{system_id}/action-plan/goals/{goal.id}"
    return GoalOut.model_validate(goal)


@router.patch(f"{PLAN}/goals/{{goal_id:uuid}}", response_model=GoalOut, responses=responses(400, 404, 413, 422))
async def update_goal(system_id: UUID, goal_id: UUID, body: GoalPatch, uow: UowDep) -> GoalOut:
    """Change some fields of a goal."""
    return GoalOut.model_validate(
        await uc.update_goal(uow, system_id=system_id, goal_id=goal_id, changes=body.changes()))


@router.delete(f"{PLAN}/goals/{{goal_id:uuid}}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
async def delete_goal(system_id: UUID, goal_id: UUID, uow: UowDep) -> Response:
    """Remove a goal together with its action items."""
    await uc.delete_goal(uow, system_id=system_id, goal_id=goal_id)
    return Response(status_code=204)


@router.post(f"{PLAN}/items", response_model=ItemOut, status_code=status.HTTP_201_CREATED,
             responses=responses(400, 404, 409, 413, 422))
async def add_item(system_id: UUID, body: ItemIn, response: Response, uow: UowDep) -> ItemOut:
    """Add an action item to a goal; its owner must be a member of the system (else 409)."""
    item = await uc.add_item(uow, system_id=system_id, **body.model_dump())
    response.headers["Location"] = f"/v1/systems/{system_id}/action-plan/items/{item.id}"
    return ItemOut.model_validate(item)


@router.patch(f"{PLAN}/items/{{item_id}}", response_model=ItemOut, responses=responses(400, 404, 409, 413, 422))
async def update_item(system_id: UUID, item_id: UUID, body: ItemPatch, uow: UowDep) -> ItemOut:
    """Change some fields of an action item: status, owner, due date, resources, goal."""
    return ItemOut.model_validate(
        await uc.update_item(uow, system_id=system_id, item_id=item_id, changes=body.changes()))


@router.delete(f"{PLAN}/items/{{item_id}}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
async def delete_item(system_id: UUID, item_id: UUID, uow: UowDep) -> Response:
    """Remove an action item."""
    await uc.delete_item(uow, system_id=system_id, item_id=item_id)
    return Response(status_code=204)


@router.post("/v1/rounds/{round_id}/next-steps/actions", response_model=list[ItemOut],
             status_code=status.HTTP_201_CREATED, responses=responses(400, 404, 409, 422))
async def next_steps_to_actions(round_id: UUID, body: NextStepsIn, uow: UowDep) -> list[ItemOut]:
    """Turn the round's suggested next steps into not-started action items of one goal, in one call."""
    items = await readiness_uc.next_steps_to_actions(uow, round_id=round_id, goal_id=body.goal_id,
                                                     owner_id=body.owner_id, due_on=body.due_on, kinds=body.kinds)
    return [ItemOut.model_validate(i) for i in items]
