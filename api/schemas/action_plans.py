"""DTOs of action plans: the four planning questions, goals, action items and plan status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain.action_plans import MAX_TEXT_LENGTH, PLANNING_QUESTIONS, ItemStatus
from api.domain.gaps import GapKind
from api.domain.ports import PlanContents
from api.schemas.partners import Code

Answer = Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH)]
Title = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH, strip_whitespace=True)]
Resources = Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH)]],
                      Field(max_length=50)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _changes(patch: BaseModel, nullable: frozenset[str]) -> dict[str, Any]:
    """The fields a PATCH body sets; null clears only the fields that may be empty."""
    out: dict[str, Any] = {}
    for key, value in patch.model_dump(exclude_unset=True).items():
        if value is None and key not in nullable:
            continue
        out[key] = tuple(value) if isinstance(value, list) else value
    return out


class PlanIn(_In):
    """The answers to the four planning questions (an answer left out is cleared)."""

    what_is_possible: Answer = Field(default="", description=PLANNING_QUESTIONS["what_is_possible"])
    what_is_practical: Answer = Field(default="", description=PLANNING_QUESTIONS["what_is_practical"])
    who_can_help: Answer = Field(default="", description=PLANNING_QUESTIONS["who_can_help"])
    what_is_next: Answer = Field(default="", description=PLANNING_QUESTIONS["what_is_next"])


class GoalIn(_In):
    """A goal, linked to a readiness element (its code) and/or a gap (e.g. an indicator code)."""

    title: Title
    description: Answer = ""
    element_code: Code | None = None
    gap_reference: Code | None = None


class GoalFromGapIn(_In):
    """A goal made from a gap of the system's current gap report, found by its kind and subject."""

    kind: GapKind = Field(description="The gap's kind, as the gap report gives it")
    subject: Title = Field(description="The gap's subject, as the gap report gives it (a function, population, "
                                       "partner type or agreement title...)")
    title: Title | None = Field(default=None, description="The goal's title; the gap's explanation if left out")
    description: Answer = Field(default="", description="The goal's description; the gap's recommendation if "
                                                        "left out")
    element_code: Code | None = Field(default=None, description="A readiness element the goal also serves")


class GoalPatch(_In):
    title: Title | None = None
    description: Answer | None = None
    element_code: Code | None = None
    gap_reference: Code | None = None

    def changes(self) -> dict[str, Any]:
        return _changes(self, frozenset({"element_code", "gap_reference"}))


class ItemIn(_In):
    """A step toward a goal: what, who (a member partner) and by when."""

    goal_id: UUID
    description: Title
    owner_id: UUID
    due_on: date | None = None
    status: ItemStatus = ItemStatus.NOT_STARTED
    resources: Resources = Field(default_factory=list)


class ItemPatch(_In):
    goal_id: UUID | None = None
    description: Title | None = None
    owner_id: UUID | None = None
    due_on: date | None = None
    status: ItemStatus | None = None
    resources: Resources | None = None

    def changes(self) -> dict[str, Any]:
        return _changes(self, frozenset({"due_on"}))


class GoalOut(_Out):
    id: UUID
    plan_id: UUID
    title: str
    description: str
    element_code: str | None
    gap_reference: str | None
    gap_kind: str | None = Field(default=None, description="The kind of the gap the goal was made from (with "
                                                            "gap_subject, a reference to the gap report)")
    gap_subject: str | None = Field(default=None, description="The subject of the gap the goal was made from")


class GoalGapOut(_Out):
    """A goal made from a gap, and whether that gap is still in the system's current gap report."""

    goal_id: UUID = Field(description="The goal")
    title: str = Field(description="The goal's title")
    gap_kind: str = Field(description="The gap's kind")
    gap_subject: str = Field(description="The gap's subject")
    open: bool = Field(description="Whether the gap is still in the current gap report (false: it closed)")


class ItemOut(_Out):
    id: UUID
    goal_id: UUID
    description: str
    owner_id: UUID
    due_on: date | None
    status: ItemStatus
    resources: list[str]


class PlanGoalOut(GoalOut):
    items: list[ItemOut]


class PlanOut(BaseModel):
    """A system's action plan: the planning questions with their answers, and its goals with their items."""

    id: UUID
    system_id: UUID
    questions: dict[str, str] = Field(description="The planning question each answer field answers")
    what_is_possible: str
    what_is_practical: str
    who_can_help: str
    what_is_next: str
    version: int
    updated_at: datetime | None
    goals: list[PlanGoalOut]

    @classmethod
    def of(cls, contents: PlanContents) -> PlanOut:
        p = contents.plan
        goals = [
            PlanGoalOut.model_validate({**GoalOut.model_validate(g).model_dump(),
                                        "items": [ItemOut.model_validate(i) for i in contents.items
                                                  if i.goal_id == g.id]})
            for g in contents.goals
        ]
        return cls(id=p.id, system_id=p.system_id, questions=dict(PLANNING_QUESTIONS),
                   what_is_possible=p.what_is_possible, what_is_practical=p.what_is_practical,
                   who_can_help=p.who_can_help, what_is_next=p.what_is_next, version=p.version,
                   updated_at=p.updated_at, goals=goals)


class OverdueItemOut(_Out):
    item: ItemOut
    days_overdue: int


class GoalProgressOut(_Out):
    goal_id: UUID
    title: str
    element_code: str | None
    items_total: int
    items_done: int
    items_blocked: int
    items_overdue: int
    percent_done: float | None


class PlanStatusOut(_Out):
    """The plan on a day: overdue items (unfinished, due before that day) and each goal's completion."""

    plan_id: UUID
    system_id: UUID
    as_of: date
    items_total: int
    items_done: int
    percent_done: float | None
    overdue: list[OverdueItemOut]
    goals: list[GoalProgressOut]
    unanswered_questions: list[str]
    gaps: list[GoalGapOut] = Field(default_factory=list, description="Each goal made from a gap, and whether the "
                                                                     "gap is still open")
