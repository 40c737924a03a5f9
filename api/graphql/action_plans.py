"""GraphQL projection of action plans: planning questions, goals, action items, status and next steps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.domain import action_plans as d
from api.domain.access import Scope
from api.domain.errors import DomainError
from api.domain.ports import PlanContents
from api.graphql.context import Context
from api.graphql.convert import mirror_enum, project, to_plain
from api.graphql.errors import ConflictError, NotFoundError, StaleVersionError, ValidationError, query_error
from api.graphql.ids import GlobalId
from api.graphql.node import Node
from api.graphql.permissions import requires
from api.graphql.readiness import NextStepKindEnum
from api.graphql.relations import loaded
from api.graphql.resolve import lookup, mutate
from api.graphql.systems import System, system_from_domain
from api.graphql.types import Partner, partner_from_domain
from api.schemas.action_plans import GoalIn, GoalPatch, ItemIn, ItemPatch, PlanIn
from api.schemas.readiness import NextStepsIn
from api.usecases import action_plans as uc
from api.usecases import readiness as readiness_uc

Info = strawberry.Info[Context, None]

ItemStatusEnum = mirror_enum(d.ItemStatus)


@strawberry.type(description="A step toward a goal: what, who (a member) and by when.")
class ActionItem(Node):
    database_id: UUID = strawberry.field(description="The action item's UUID, as REST names it.")
    goal_id: UUID
    description: str
    owner_id: UUID
    due_on: date | None
    status: ItemStatusEnum  # type: ignore[valid-type]
    resources: list[str]
    system_id: strawberry.Private[UUID]

    @strawberry.field(description="The goal the item serves (batched per request).")
    async def goal(self, info: Info) -> Goal | None:
        return await _goal(info, self.system_id, self.goal_id)

    @strawberry.field(description="The owner's directory record (batched per request).")
    async def owner(self, info: Info) -> Partner | None:
        found = await info.context.loaders.partners.load(self.owner_id)
        return partner_from_domain(found) if found else None


@strawberry.type(description="A goal of the plan, linked to a readiness element and/or a gap.")
class Goal(Node):
    database_id: UUID = strawberry.field(description="The goal's UUID, as REST names it.")
    plan_id: UUID
    title: str
    description: str
    element_code: str | None
    gap_reference: str | None
    system_id: strawberry.Private[UUID]

    @strawberry.field(description="The plan the goal belongs to (batched per request).")
    async def plan(self, info: Info) -> ActionPlan | None:
        return await _plan(info, self.system_id, self.plan_id)


async def _plan(info: Info, system_id: UUID, plan_id: UUID) -> ActionPlan | None:
    """The system's plan when it is the one ``plan_id`` names."""
    found = await loaded(info.context.loaders.plans, system_id, plan_from_domain)
    return found if found is not None and found.database_id == plan_id else None


async def _goal(info: Info, system_id: UUID, goal_id: UUID) -> Goal | None:
    """A goal of the system's plan."""
    contents = await loaded(info.context.loaders.plans, system_id, lambda x: x)
    found = next((g for g in contents.goals if g.id == goal_id), None) if contents is not None else None
    return goal_from_domain(found, system_id) if found is not None else None


@strawberry.type
class PlanningQuestion:
    field: str
    question: str


@strawberry.type
class OverdueItem:
    item: ActionItem
    days_overdue: int


@strawberry.type
class GoalProgress:
    goal_id: UUID
    title: str
    element_code: str | None
    items_total: int
    items_done: int
    items_blocked: int
    items_overdue: int
    percent_done: float | None
    system_id: strawberry.Private[UUID]

    @strawberry.field(description="The goal (batched per request).")
    async def goal(self, info: Info) -> Goal | None:
        return await _goal(info, self.system_id, self.goal_id)


@strawberry.type(description="The plan on a day: overdue items and each goal's completion.")
class PlanStatus:
    plan_id: UUID
    system_id: UUID
    as_of: date
    items_total: int
    items_done: int
    percent_done: float | None
    overdue: list[OverdueItem]
    goals: list[GoalProgress]
    unanswered_questions: list[str]

    @strawberry.field(description="The plan (batched per request).")
    async def plan(self, info: Info) -> ActionPlan | None:
        return await _plan(info, self.system_id, self.plan_id)

    @strawberry.field(description="The system the plan belongs to (batched per request).")
    async def system(self, info: Info) -> System | None:
        return await loaded(info.context.loaders.systems, self.system_id, system_from_domain)


@strawberry.type(description="A system's action plan: answers to the four planning questions, goals and items.")
class ActionPlan(Node):
    database_id: UUID = strawberry.field(description="The plan's UUID, as REST names it.")
    system_id: UUID
    what_is_possible: str
    what_is_practical: str
    who_can_help: str
    what_is_next: str
    version: int
    updated_at: datetime | None
    goals: list[Goal]
    items: list[ActionItem]

    @strawberry.field(description="The system the plan belongs to (batched per request).")
    async def system(self, info: Info) -> System | None:
        return await loaded(info.context.loaders.systems, self.system_id, system_from_domain)

    @strawberry.field(description="The planning question each answer field answers.")
    def questions(self) -> list[PlanningQuestion]:
        return [PlanningQuestion(field=k, question=v) for k, v in d.PLANNING_QUESTIONS.items()]

    @strawberry.field(description="Overdue items and goal completion on a day (today by default).")
    async def status(self, info: Info, as_of: date | None = None) -> PlanStatus:
        return status_from_domain(await uc.plan_status(await info.context.read_uow(), system_id=self.system_id,
                                                       today=as_of))


def item_from_domain(x: d.ActionItem, system_id: UUID) -> ActionItem:
    """Project an action item of a system's plan."""
    return project(ActionItem, x, id=GlobalId("ActionItem", (system_id, x.id)), database_id=x.id,
                   resources=list(x.resources), system_id=system_id)


def goal_from_domain(x: d.Goal, system_id: UUID) -> Goal:
    """Project a goal of a system's plan."""
    return project(Goal, x, id=GlobalId("Goal", (system_id, x.id)), database_id=x.id, system_id=system_id)


def plan_from_domain(x: PlanContents) -> ActionPlan:
    """Project a plan with its goals and items."""
    sid = x.plan.system_id
    return project(ActionPlan, x.plan, id=GlobalId("ActionPlan", (sid, x.plan.id)), database_id=x.plan.id,
                   goals=[goal_from_domain(g, sid) for g in x.goals], items=[item_from_domain(i, sid) for i in x.items])


def status_from_domain(x: d.PlanStatus) -> PlanStatus:
    """Project a plan's status."""
    sid = x.system_id
    return project(
        PlanStatus, x, unanswered_questions=list(x.unanswered_questions),
        overdue=[OverdueItem(item=item_from_domain(o.item, sid), days_overdue=o.days_overdue) for o in x.overdue],
        goals=[project(GoalProgress, g, system_id=sid) for g in x.goals],
    )


@strawberry.input(description="Answers to the four planning questions (an answer left out is cleared).")
class PlanInput:
    what_is_possible: str = ""
    what_is_practical: str = ""
    who_can_help: str = ""
    what_is_next: str = ""


@strawberry.input
class GoalInput:
    title: str
    description: str = ""
    element_code: str | None = None
    gap_reference: str | None = None


@strawberry.input(description="Only the fields given change.")
class GoalPatchInput:
    title: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    element_code: str | None = strawberry.UNSET
    gap_reference: str | None = strawberry.UNSET


@strawberry.input
class ActionItemInput:
    goal_id: UUID
    description: str
    owner_id: UUID
    due_on: date | None = None
    status: ItemStatusEnum = strawberry.field(  # type: ignore[valid-type]
        default_factory=lambda: ItemStatusEnum("not_started"))
    resources: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given change.")
class ActionItemPatchInput:
    goal_id: UUID | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    owner_id: UUID | None = strawberry.UNSET
    due_on: date | None = strawberry.UNSET
    status: ItemStatusEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    resources: list[str] | None = strawberry.UNSET


@strawberry.input
class NextStepsInput:
    goal_id: UUID
    owner_id: UUID
    due_on: date | None = None
    kinds: list[NextStepKindEnum] | None = None  # type: ignore[valid-type]


@strawberry.type
class ActionItemList:
    items: list[ActionItem]


@strawberry.type
class ActionPlanQuery:
    @strawberry.field(description="A system's action plan, or null while it has none.")
    async def action_plan(self, info: Info, system_id: UUID) -> ActionPlan | None:
        return await lookup(info, lambda uow: uc.get_plan(uow, system_id=system_id), plan_from_domain)




PutActionPlanResult = Annotated[
    ActionPlan | ValidationError | NotFoundError | StaleVersionError, strawberry.union("PutActionPlanResult")]
AddGoalResult = Annotated[Goal | ValidationError | NotFoundError, strawberry.union("AddGoalResult")]
UpdateGoalResult = Annotated[Goal | ValidationError | NotFoundError, strawberry.union("UpdateGoalResult")]
DeleteGoalResult = Annotated[Goal | NotFoundError, strawberry.union("DeleteGoalResult")]
AddActionItemResult = Annotated[
    ActionItem | ValidationError | NotFoundError | ConflictError, strawberry.union("AddActionItemResult")]
UpdateActionItemResult = Annotated[
    ActionItem | ValidationError | NotFoundError | ConflictError, strawberry.union("UpdateActionItemResult")]
DeleteActionItemResult = Annotated[ActionItem | NotFoundError, strawberry.union("DeleteActionItemResult")]
NextStepsToActionsResult = Annotated[
    ActionItemList | ValidationError | NotFoundError | ConflictError, strawberry.union("NextStepsToActionsResult")]


@strawberry.type
class ActionPlanMutation:
    @strawberry.mutation(
        description="Answer the planning questions; creates the plan if needed.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def put_action_plan(
        self, info: Info, system_id: UUID, input: PlanInput, expected_version: int | None = None
    ) -> PutActionPlanResult:
        return await mutate(
            info,
            lambda uow, answers: uc.put_plan(uow, system_id=system_id, answers=answers,
                expected_version=expected_version),
            plan_from_domain,
            given=lambda: PlanIn.model_validate(to_plain(input)).model_dump(), result=PutActionPlanResult)

    @strawberry.mutation(
        description="Add a goal to a system's plan.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def add_goal(self, info: Info, system_id: UUID, input: GoalInput) -> AddGoalResult:
        return await mutate(
            info,
            lambda uow, body: uc.add_goal(uow, system_id=system_id, **body.model_dump()),
            lambda goal: goal_from_domain(goal, system_id),
            given=lambda: GoalIn.model_validate(to_plain(input)), result=AddGoalResult)

    @strawberry.mutation(
        description="Change some fields of a goal.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def update_goal(self, info: Info, system_id: UUID, goal_id: UUID, input: GoalPatchInput) -> UpdateGoalResult:
        return await mutate(
            info,
            lambda uow, changes: uc.update_goal(uow, system_id=system_id, goal_id=goal_id, changes=changes),
            lambda goal: goal_from_domain(goal, system_id),
            given=lambda: GoalPatch.model_validate(to_plain(input)).changes(), result=UpdateGoalResult)

    @strawberry.mutation(
        description="Remove a goal with its action items; returns the goal removed.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def delete_goal(self, info: Info, system_id: UUID, goal_id: UUID) -> DeleteGoalResult:
        return await mutate(
            info,
            lambda uow, _: uc.delete_goal(uow, system_id=system_id, goal_id=goal_id),
            lambda goal: goal_from_domain(goal, system_id), result=DeleteGoalResult)

    @strawberry.mutation(
        description="Add an action item to a goal; its owner must be a member.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def add_action_item(self, info: Info, system_id: UUID, input: ActionItemInput) -> AddActionItemResult:
        return await mutate(
            info,
            lambda uow, body: uc.add_item(uow, system_id=system_id, **body.model_dump()),
            lambda item: item_from_domain(item, system_id),
            given=lambda: ItemIn.model_validate(to_plain(input)), result=AddActionItemResult)

    @strawberry.mutation(
        description="Change some fields of an action item.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def update_action_item(
        self, info: Info, system_id: UUID, item_id: UUID, input: ActionItemPatchInput
    ) -> UpdateActionItemResult:
        return await mutate(
            info,
            lambda uow, changes: uc.update_item(uow, system_id=system_id, item_id=item_id, changes=changes),
            lambda item: item_from_domain(item, system_id),
            given=lambda: ItemPatch.model_validate(to_plain(input)).changes(), result=UpdateActionItemResult)

    @strawberry.mutation(
        description="Remove an action item; returns the item removed.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def delete_action_item(self, info: Info, system_id: UUID, item_id: UUID) -> DeleteActionItemResult:
        return await mutate(
            info,
            lambda uow, _: uc.delete_item(uow, system_id=system_id, item_id=item_id),
            lambda item: item_from_domain(item, system_id), result=DeleteActionItemResult)

    @strawberry.mutation(
        description="Turn a round's next steps into action items of one goal, in one call.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def next_steps_to_actions(
        self, info: Info, round_id: UUID, input: NextStepsInput
    ) -> NextStepsToActionsResult:
        items = await mutate(
            info,
            lambda uow, body: readiness_uc.next_steps_to_actions(uow, round_id=round_id, goal_id=body.goal_id,
                owner_id=body.owner_id, due_on=body.due_on, kinds=body.kinds),
            lambda added: added,
            given=lambda: NextStepsIn.model_validate(to_plain(input)), result=NextStepsToActionsResult)
        if not isinstance(items, list):
            return items  # the typed error
        try:  # the items' global ids name their system: the round's
            round_ = await info.context.loaders.rounds.load(round_id)
        except DomainError as exc:
            raise query_error(exc) from exc
        return ActionItemList(items=[item_from_domain(i, round_.system_id) for i in items])
