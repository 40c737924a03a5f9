"""GraphQL projection of readiness assessment: the framework, rounds, responses and scores."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.domain import readiness as d
from api.domain.access import Scope
from api.domain.errors import DomainError
from api.graphql.context import Context
from api.graphql.convert import mirror_enum, project, to_plain
from api.graphql.errors import ConflictError, NotFoundError, StaleVersionError, ValidationError, query_error
from api.graphql.ids import GlobalId
from api.graphql.node import Node
from api.graphql.permissions import requires
from api.graphql.relations import loaded
from api.graphql.resolve import After, Before, First, Last, lookup, mutate, paginate
from api.graphql.systems import System, system_from_domain
from api.graphql.types import PageInfo, Partner, partner_from_domain
from api.schemas.readiness import FrameworkIn, ResponseIn
from api.usecases import readiness as uc

Info = strawberry.Info[Context, None]

RoundStatusEnum = mirror_enum(d.RoundStatus)
ScoreStatusEnum = mirror_enum(d.ScoreStatus)
NextStepKindEnum = mirror_enum(d.NextStepKind)


@strawberry.type
class Indicator:
    code: str
    text: str
    description: str


@strawberry.type
class Element:
    code: str
    name: str
    description: str
    source: str
    indicators: list[Indicator]


@strawberry.type(description="A point of the four-point scale of development phases.")
class ScaleLevel:
    value: int
    label: str
    description: str
    source: str


@strawberry.type(description="One version of the readiness framework.")
class Framework(Node):
    database_id: UUID = strawberry.field(description="The framework version's UUID, as REST names it.")
    version: int
    name: str
    description: str
    based_on: UUID | None
    elements: list[Element]
    scale: list[ScaleLevel]


def framework_from_domain(x: d.Framework) -> Framework:
    """Project a framework version."""
    elements = [project(Element, e, indicators=[project(Indicator, i) for i in e.indicators]) for e in x.elements]
    return project(Framework, x, id=GlobalId("Framework", x.id), database_id=x.id, elements=elements,
                   scale=[project(ScaleLevel, s) for s in x.scale])


@strawberry.type
class Rating:
    indicator_code: str
    value: int | None = strawberry.field(description="1-4, or null: not rated")


@strawberry.type
class Note:
    indicator_code: str
    text: str


@strawberry.type(description="A member's answers in a round.")
class RoundResponse:
    round_id: UUID
    respondent_id: UUID
    ratings: list[Rating]
    priorities: list[str]
    technical_assistance: list[str]
    notes: list[Note]
    submitted_at: datetime
    revised_at: datetime | None

    @strawberry.field(description="The round the answers belong to (batched per request).")
    async def round(self, info: Info) -> Round | None:
        return await loaded(info.context.loaders.rounds, self.round_id, round_from_domain)

    @strawberry.field(description="The member who answered (batched per request).")
    async def respondent(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.respondent_id, partner_from_domain)


def response_from_domain(x: d.Response) -> RoundResponse:
    """Project a response."""
    return project(
        RoundResponse, x, ratings=[Rating(indicator_code=k, value=v) for k, v in x.ratings.items()],
        priorities=sorted(x.priorities), technical_assistance=sorted(x.technical_assistance),
        notes=[Note(indicator_code=k, text=v) for k, v in x.notes.items()],
    )


@strawberry.type(description="An assessment of a system by its members, against one framework version.")
class Round(Node):
    database_id: UUID = strawberry.field(description="The round's UUID, as REST names it.")
    system_id: UUID
    framework_id: UUID
    framework_version: int
    started_on: date
    closed_on: date | None
    status: RoundStatusEnum  # type: ignore[valid-type]

    @strawberry.field(description="The members' responses (batched per request).")
    async def responses(self, info: Info) -> list[RoundResponse]:
        return [response_from_domain(r) for r in await info.context.loaders.round_responses.load(self.database_id)]

    @strawberry.field(description="The system assessed (batched per request).")
    async def system(self, info: Info) -> System | None:
        return await loaded(info.context.loaders.systems, self.system_id, system_from_domain)

    @strawberry.field(description="The framework version the round was started with (batched per request).")
    async def framework(self, info: Info) -> Framework | None:
        return await loaded(info.context.loaders.frameworks, self.framework_id, framework_from_domain)


def round_from_domain(x: d.Round) -> Round:
    """Project a round."""
    return project(Round, x, id=GlobalId("Round", x.id), database_id=x.id)


@strawberry.type
class RoundEdge:
    node: Round
    cursor: str


@strawberry.type
class RoundConnection:
    edges: list[RoundEdge]
    page_info: PageInfo


@strawberry.type
class IndicatorScore:
    code: str
    element_code: str
    text: str
    status: ScoreStatusEnum  # type: ignore[valid-type]
    n_rated: int
    n_not_rated: int
    mean: float | None
    lowest: int | None
    highest: int | None
    spread: int | None
    disagreement: bool
    phase: ScaleLevel | None
    priority_count: int
    technical_assistance_count: int
    notes: list[str]


@strawberry.type
class ElementScore:
    code: str
    name: str
    status: ScoreStatusEnum  # type: ignore[valid-type]
    indicators_scored: int
    indicators_total: int
    coverage: float
    mean: float | None
    percent: float | None
    phase: ScaleLevel | None
    previous_mean: float | None
    change: float | None
    change_percent: float | None


@strawberry.type
class Progress:
    element_code: str
    element_name: str
    previous_mean: float
    mean: float
    change: float


@strawberry.type
class FlaggedIndicator:
    code: str
    text: str
    count: int


@strawberry.type
class Priority:
    element_code: str
    element_name: str
    count: int
    indicators: list[FlaggedIndicator]


@strawberry.type
class ReadinessGap:
    indicator_code: str
    element_code: str
    text: str
    mean: float
    phase: ScaleLevel


@strawberry.type
class TechnicalAssistanceNeed:
    indicator_code: str
    element_code: str
    text: str
    count: int


@strawberry.type
class NextStep:
    kind: NextStepKindEnum  # type: ignore[valid-type]
    element_code: str
    indicator_code: str | None
    text: str


@strawberry.type(description="The round in the toolkit's terms.")
class Summary:
    progress: list[Progress]
    priorities: list[Priority]
    gaps: list[ReadinessGap]
    technical_assistance: list[TechnicalAssistanceNeed]
    next_steps: list[NextStep]


@strawberry.type(description="A round's scores against the framework version it was started with.")
class RoundScore:
    round_id: UUID | None
    framework_id: UUID
    framework_version: int
    respondents: int
    status: ScoreStatusEnum  # type: ignore[valid-type]
    elements_scored: int
    mean: float | None
    percent: float | None
    phase: ScaleLevel | None
    previous_mean: float | None
    change: float | None
    elements: list[ElementScore]
    indicators: list[IndicatorScore]
    summary: Summary

    @strawberry.field(description="The round scored, if the score is of a stored round (batched per request).")
    async def round(self, info: Info) -> Round | None:
        return await loaded(info.context.loaders.rounds, self.round_id, round_from_domain)

    @strawberry.field(description="The framework version scored against (batched per request).")
    async def framework(self, info: Info) -> Framework | None:
        return await loaded(info.context.loaders.frameworks, self.framework_id, framework_from_domain)


def _phase(level: d.ScaleLevel | None) -> ScaleLevel | None:
    return project(ScaleLevel, level) if level is not None else None


def score_from_domain(x: d.RoundScore) -> RoundScore:
    """Project a round's scores."""
    s = x.summary
    summary = Summary(
        progress=[project(Progress, p) for p in s.progress],
        priorities=[project(Priority, p, indicators=[project(FlaggedIndicator, i) for i in p.indicators])
                    for p in s.priorities],
        gaps=[project(ReadinessGap, g, phase=_phase(g.phase)) for g in s.gaps],
        technical_assistance=[project(TechnicalAssistanceNeed, t) for t in s.technical_assistance],
        next_steps=[project(NextStep, n) for n in s.next_steps],
    )
    return project(
        RoundScore, x, phase=_phase(x.phase), summary=summary,
        elements=[project(ElementScore, e, phase=_phase(e.phase)) for e in x.elements],
        indicators=[project(IndicatorScore, i, phase=_phase(i.phase), notes=list(i.notes)) for i in x.indicators],
    )


@strawberry.input
class IndicatorInput:
    code: str
    text: str
    description: str = ""


@strawberry.input
class ElementInput:
    code: str
    name: str
    indicators: list[IndicatorInput]
    description: str = ""
    source: str = ""


@strawberry.input
class ScaleLevelInput:
    value: int
    label: str
    description: str = ""
    source: str = ""


@strawberry.input(description="The whole framework as it should read from now on.")
class FrameworkInput:
    name: str
    elements: list[ElementInput]
    scale: list[ScaleLevelInput]
    description: str = ""


@strawberry.input
class RatingInput:
    indicator_code: str
    value: int | None = None


@strawberry.input
class NoteInput:
    indicator_code: str
    text: str


@strawberry.input(description="A member's answers; they replace any earlier ones.")
class ResponseInput:
    ratings: list[RatingInput] = strawberry.field(default_factory=list)
    priorities: list[str] = strawberry.field(default_factory=list)
    technical_assistance: list[str] = strawberry.field(default_factory=list)
    notes: list[NoteInput] = strawberry.field(default_factory=list)


def _response_in(input: ResponseInput) -> ResponseIn:
    plain = to_plain(input)
    plain["ratings"] = {r["indicator_code"]: r["value"] for r in plain["ratings"]}
    plain["notes"] = {n["indicator_code"]: n["text"] for n in plain["notes"]}
    return ResponseIn.model_validate(plain)


@strawberry.type
class ReadinessQuery:
    @strawberry.field(description="The current readiness framework version.")
    async def readiness_framework(self, info: Info) -> Framework:
        try:
            return framework_from_domain(await uc.current_framework(await info.context.read_uow()))
        except DomainError as exc:
            raise query_error(exc) from exc

    @strawberry.field(description="A system's assessment rounds, the latest first, as a Relay connection.")
    async def rounds(self, info: Info, system_id: UUID, first: First = None, after: After = None,
                     last: Last = None, before: Before = None) -> RoundConnection:
        page = await paginate(
            info, lambda uow, r: uc.list_rounds(uow, system_id=system_id, limit=r.limit, cursor=r.cursor,
                                                backward=r.backward),
            lambda x, c: RoundEdge(node=round_from_domain(x), cursor=c),
            first=first, after=after, last=last, before=before)
        return RoundConnection(edges=page.edges, page_info=page.page_info)

    @strawberry.field(description="One round, or null.")
    async def round(self, info: Info, id: UUID) -> Round | None:
        return await lookup(info, lambda uow: uc.get_round(uow, round_id=id), lambda found: round_from_domain(found[0]))

    @strawberry.field(description="A round's scores, change since the previous closed round and summary, or null.")
    async def round_score(self, info: Info, round_id: UUID) -> RoundScore | None:
        return await lookup(info, lambda uow: uc.score_round(uow, round_id=round_id), score_from_domain)




ReviseReadinessFrameworkResult = Annotated[
    Framework | ValidationError | NotFoundError | StaleVersionError, strawberry.union("ReviseReadinessFrameworkResult")]
StartRoundResult = Annotated[
    Round | ValidationError | NotFoundError | ConflictError, strawberry.union("StartRoundResult")]
RecordResponseResult = Annotated[
    RoundResponse | ValidationError | NotFoundError | ConflictError, strawberry.union("RecordResponseResult")]
CloseRoundResult = Annotated[
    Round | ValidationError | NotFoundError | ConflictError, strawberry.union("CloseRoundResult")]


@strawberry.type
class ReadinessMutation:
    @strawberry.mutation(
        description="Edit the framework: the input becomes its next version.",
        permission_classes=[requires(Scope.ADMIN)],
    )
    async def revise_readiness_framework(
        self, info: Info, input: FrameworkInput, expected_version: int | None = None
    ) -> ReviseReadinessFrameworkResult:
        return await mutate(
            info,
            lambda uow, changes: uc.revise_framework(uow, changes=changes, expected_version=expected_version),
            framework_from_domain,
            given=lambda: FrameworkIn.model_validate(to_plain(input)).changes(),
            result=ReviseReadinessFrameworkResult)

    @strawberry.mutation(
        description="Start a round on the current framework version.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def start_round(self, info: Info, system_id: UUID, started_on: date | None = None) -> StartRoundResult:
        return await mutate(
            info,
            lambda uow, _: uc.start_round(uow, system_id=system_id, started_on=started_on),
            lambda found: round_from_domain(found), result=StartRoundResult)

    @strawberry.mutation(
        description="Record or replace a member's answers in an open round.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def record_response(
        self, info: Info, round_id: UUID, respondent_id: UUID, input: ResponseInput
    ) -> RecordResponseResult:
        return await mutate(
            info,
            lambda uow, body: uc.record_response(uow, round_id=round_id, respondent_id=respondent_id,
                ratings=body.ratings, priorities=body.priorities, technical_assistance=body.technical_assistance,
                notes=body.notes),
            response_from_domain,
            given=lambda: _response_in(input), result=RecordResponseResult)

    @strawberry.mutation(
        description="Close a round; its responses become read-only.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def close_round(self, info: Info, round_id: UUID, closed_on: date | None = None) -> CloseRoundResult:
        return await mutate(
            info,
            lambda uow, _: uc.close_round(uow, round_id=round_id, closed_on=closed_on),
            lambda found: round_from_domain(found), result=CloseRoundResult)
