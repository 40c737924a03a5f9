"""DTOs of readiness assessment: the framework, rounds, responses, scores and next steps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from api.domain.readiness import (
    Element,
    Indicator,
    NextStepKind,
    Response,
    Round,
    RoundStatus,
    ScaleLevel,
    ScoreStatus,
)
from api.schemas.partners import Code, Name, Text

Rating = Annotated[StrictInt, Field(ge=1, le=4, description="1 (initiation) to 4 (sustained)")]
Note = Annotated[str, StringConstraints(max_length=4000)]
IndicatorCodes = Annotated[list[Code], Field(max_length=500)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class IndicatorIn(_In):
    code: Code
    text: Text
    description: Text = ""


class ElementIn(_In):
    code: Code
    name: Name
    description: Text = ""
    source: Text = ""
    indicators: Annotated[list[IndicatorIn], Field(max_length=100)]


class ScaleLevelIn(_In):
    value: StrictInt
    label: Name
    description: Text = ""
    source: Text = ""


class FrameworkIn(_In):
    """The whole framework as it should read from now on; storing it makes the next version."""

    name: Name
    description: Text = ""
    elements: Annotated[list[ElementIn], Field(max_length=50)]
    scale: Annotated[list[ScaleLevelIn], Field(max_length=10)]

    def changes(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "elements": tuple(
                Element(code=e.code, name=e.name, description=e.description, source=e.source,
                        indicators=tuple(Indicator(**i.model_dump()) for i in e.indicators))
                for e in self.elements
            ),
            "scale": tuple(ScaleLevel(**s.model_dump()) for s in self.scale),
        }


class IndicatorOut(_Out):
    code: str
    text: str
    description: str


class ElementOut(_Out):
    code: str
    name: str
    description: str
    source: str
    indicators: list[IndicatorOut]


class ScaleLevelOut(_Out):
    value: int
    label: str
    description: str
    source: str


class FrameworkOut(_Out):
    """One version of the readiness framework: the six key elements, their indicators and the phase scale."""

    id: UUID
    version: int
    name: str
    description: str
    based_on: UUID | None
    elements: list[ElementOut]
    scale: list[ScaleLevelOut]


class RoundIn(_In):
    """A new round; it uses the current framework version."""

    started_on: date | None = Field(default=None, description="today (UTC) when left out")


class CloseRoundIn(_In):
    closed_on: date | None = Field(default=None, description="today (UTC) when left out")


class ResponseIn(_In):
    """A member's answers, replacing any earlier ones: a rating per indicator (null: not rated), flags, notes."""

    ratings: Annotated[dict[Code, Rating | None], Field(max_length=500)] = Field(default_factory=dict)
    priorities: IndicatorCodes = Field(default_factory=list)
    technical_assistance: IndicatorCodes = Field(default_factory=list)
    notes: Annotated[dict[Code, Note], Field(max_length=500)] = Field(default_factory=dict)


class RoundOut(_Out):
    id: UUID
    system_id: UUID
    framework_id: UUID
    framework_version: int
    started_on: date
    closed_on: date | None
    status: RoundStatus


class ResponseOut(_Out):
    round_id: UUID
    respondent_id: UUID
    ratings: dict[str, int | None]
    priorities: list[str]
    technical_assistance: list[str]
    notes: dict[str, str]
    submitted_at: datetime
    revised_at: datetime | None

    @classmethod
    def of(cls, r: Response) -> ResponseOut:
        return cls(round_id=r.round_id, respondent_id=r.respondent_id, ratings=dict(r.ratings),
                   priorities=sorted(r.priorities), technical_assistance=sorted(r.technical_assistance),
                   notes=dict(r.notes), submitted_at=r.submitted_at, revised_at=r.revised_at)


class RoundDetailOut(RoundOut):
    """A round with every member's responses."""

    responses: list[ResponseOut]

    @classmethod
    def of(cls, round_: Round, responses: list[Response]) -> RoundDetailOut:
        return cls.model_validate({**RoundOut.model_validate(round_).model_dump(),
                                   "responses": [ResponseOut.of(r) for r in responses]})


class RoundPage(BaseModel):
    items: list[RoundOut]
    next_cursor: str | None


class IndicatorScoreOut(_Out):
    """How respondents rated one indicator; ``spread`` is highest minus lowest, ``disagreement`` when wide."""

    code: str
    element_code: str
    text: str
    status: ScoreStatus
    n_rated: int
    n_not_rated: int
    mean: float | None
    lowest: int | None
    highest: int | None
    spread: int | None
    disagreement: bool
    phase: ScaleLevelOut | None
    priority_count: int
    technical_assistance_count: int
    notes: list[str]


class ElementScoreOut(_Out):
    """An element's mean (1-4) and percent (0-100), or insufficient data, with the change since the last round."""

    code: str
    name: str
    status: ScoreStatus
    indicators_scored: int
    indicators_total: int
    coverage: float
    mean: float | None
    percent: float | None
    phase: ScaleLevelOut | None
    previous_mean: float | None
    change: float | None
    change_percent: float | None


class ProgressOut(_Out):
    element_code: str
    element_name: str
    previous_mean: float
    mean: float
    change: float


class FlaggedIndicatorOut(_Out):
    code: str
    text: str
    count: int


class PriorityOut(_Out):
    element_code: str
    element_name: str
    count: int
    indicators: list[FlaggedIndicatorOut]


class ReadinessGapOut(_Out):
    indicator_code: str
    element_code: str
    text: str
    mean: float
    phase: ScaleLevelOut


class TechnicalAssistanceNeedOut(_Out):
    indicator_code: str
    element_code: str
    text: str
    count: int


class NextStepOut(_Out):
    kind: NextStepKind
    element_code: str
    indicator_code: str | None
    text: str


class SummaryOut(_Out):
    """The round in the toolkit's terms."""

    progress: list[ProgressOut]
    priorities: list[PriorityOut]
    gaps: list[ReadinessGapOut]
    technical_assistance: list[TechnicalAssistanceNeedOut]
    next_steps: list[NextStepOut]


class RoundScoreOut(_Out):
    """A round's scores against the framework version it was started with."""

    round_id: UUID | None
    framework_id: UUID
    framework_version: int
    respondents: int
    status: ScoreStatus
    elements_scored: int
    mean: float | None
    percent: float | None
    phase: ScaleLevelOut | None
    previous_mean: float | None
    change: float | None
    elements: list[ElementScoreOut]
    indicators: list[IndicatorScoreOut]
    summary: SummaryOut


class NextStepsIn(_In):
    """Turn the round's next steps (optionally only some kinds) into action items of one goal."""

    goal_id: UUID
    owner_id: UUID
    due_on: date | None = None
    kinds: Annotated[list[NextStepKind], Field(max_length=10)] | None = None
