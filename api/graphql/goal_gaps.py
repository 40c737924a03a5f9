"""GraphQL for gaps into goals: make a goal from a gap of the current report, and see whether it closed."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.domain import action_plans as d
from api.domain.access import Scope
from api.domain.errors import DomainError
from api.graphql.context import Context
from api.graphql.errors import NotFoundError, ValidationError, query_error
from api.graphql.permissions import requires
from api.graphql.resolve import mutate, settings_of
from api.graphql.systems import GapKindEnum
from api.schemas.action_plans import GoalFromGapIn
from api.usecases import action_plans as uc

Info = strawberry.Info[Context, None]


@strawberry.type(description="A goal made from a gap, and whether that gap is still in the current gap report.")
class GoalGap:
    goal_id: UUID = strawberry.field(description="The goal.")
    title: str = strawberry.field(description="The goal's title.")
    gap_kind: str = strawberry.field(description="The kind of the gap the goal was made from.")
    gap_subject: str = strawberry.field(description="The subject of the gap the goal was made from.")
    open: bool = strawberry.field(description="Whether the gap is still in the current gap report (false: closed).")


AddGoalFromGapResult = Annotated[GoalGap | ValidationError | NotFoundError, strawberry.union(
    "AddGoalFromGapResult", description="The goal made from the gap, or why it could not be made.")]


def _settings(info: Info) -> dict[str, object]:
    settings = settings_of(info)
    return {"expiry_window_days": settings.agreement_expiry_window_days, "in_demand": settings.in_demand_rule(),
            "staff_period_months": settings.staff_training_period_months}


def _project(g: d.GoalGap) -> GoalGap:
    return GoalGap(goal_id=g.goal_id, title=g.title, gap_kind=g.gap_kind, gap_subject=g.gap_subject, open=g.open)


@strawberry.type
class GoalGapQuery:
    @strawberry.field(description="For each goal of a system's plan made from a gap, whether the gap is still open.")
    async def goal_gaps(
        self, info: Info,
        system_id: Annotated[UUID, strawberry.argument(description="The system whose plan to read.")],
    ) -> list[GoalGap]:
        try:
            found = await uc.goal_gaps(await info.context.read_uow(), system_id=system_id,
                                       gap_settings=_settings(info))
        except DomainError as exc:
            raise query_error(exc) from exc
        return [_project(g) for g in found]


@strawberry.type
class GoalGapMutation:
    @strawberry.mutation(
        description="Make a goal of the system's plan from a gap of its current gap report, found by kind and "
                    "subject; a gap not in the report is a validation error.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def add_goal_from_gap(
        self, info: Info,
        system_id: Annotated[UUID, strawberry.argument(description="The system whose plan gets the goal.")],
        kind: Annotated[GapKindEnum, strawberry.argument(  # type: ignore[valid-type]
            description="The gap's kind, as the gap report gives it.")],
        subject: Annotated[str, strawberry.argument(description="The gap's subject, as the gap report gives it.")],
        title: Annotated[str | None, strawberry.argument(
            description="The goal's title; the gap's explanation if left out.")] = None,
        description: Annotated[str, strawberry.argument(
            description="The goal's description; the gap's recommendation if left out.")] = "",
        element_code: Annotated[str | None, strawberry.argument(
            description="A readiness element the goal also serves.")] = None,
    ) -> AddGoalFromGapResult:
        def answer(goal: d.Goal) -> GoalGap:
            assert goal.gap_kind is not None and goal.gap_subject is not None
            return GoalGap(goal_id=goal.id, title=goal.title, gap_kind=goal.gap_kind, gap_subject=goal.gap_subject,
                           open=True)

        # Validated as REST's body is (lengths, codes), before any connection is taken.
        return await mutate(
            info,
            lambda uow, body: uc.add_goal_from_gap(
                uow, system_id=system_id, kind=body.kind.value, subject=body.subject, title=body.title,
                description=body.description, element_code=body.element_code, gap_settings=_settings(info)),
            answer, result=AddGoalFromGapResult,
            given=lambda: GoalFromGapIn.model_validate({"kind": kind.value, "subject": subject, "title": title,
                                                        "description": description, "element_code": element_code}))
