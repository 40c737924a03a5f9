"""REST routes of readiness assessment: the framework, rounds, responses, scores and the chart."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import ReadUowDep, UowDep
from api.domain.filters import MAX_CURSOR_LENGTH
from api.problems import responses
from api.rendering.charts import radar_chart_svg
from api.routers._http import etag, expected_version, not_modified, reject_unknown_params, set_next_link
from api.routers.partners import IfMatch
from api.schemas.readiness import (
    CloseRoundIn,
    FrameworkIn,
    FrameworkOut,
    ResponseIn,
    ResponseOut,
    RoundDetailOut,
    RoundIn,
    RoundOut,
    RoundPage,
    RoundScoreOut,
)
from api.usecases import readiness as uc

router = APIRouter(tags=["readiness"])
SVG = "image/svg+xml"
CHART_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "A radar chart of the element scores on the phase scale (its rings are the phases: "
                         "Initiation, Planning, Implementation, Sustained), each value printed at its point, this "
                         "round against the previous closed one (dashed)",
          "content": {SVG: {"schema": {"type": "string"}}}},
}


@router.get("/v1/reference/readiness-framework", response_model=FrameworkOut, responses=responses(304, 404))
async def get_framework(request: Request, response: Response, uow: ReadUowDep) -> FrameworkOut | Response:
    """The current readiness framework: the six key elements, their indicators and the four-point phase scale."""
    framework = await uc.current_framework(uow)
    if not_modified(request, framework.version):
        return Response(status_code=304, headers={"ETag": etag(framework.version)})
    response.headers["ETag"] = etag(framework.version)
    return FrameworkOut.model_validate(framework)


@router.put("/v1/reference/readiness-framework", response_model=FrameworkOut,
            responses=responses(400, 404, 412, 413, 422))
async def put_framework(body: FrameworkIn, response: Response, uow: UowDep, if_match: IfMatch = None) -> FrameworkOut:
    """Edit the framework: the body becomes its next version; rounds already started keep the version they use."""
    framework = await uc.revise_framework(
        uow, changes=body.changes(), expected_version=expected_version(if_match, "readiness framework", "current"))
    response.headers["ETag"] = etag(framework.version)
    return FrameworkOut.model_validate(framework)


@router.get("/v1/systems/{system_id}/rounds", response_model=RoundPage, responses=responses(404, 422))
async def list_rounds(
    system_id: UUID,
    request: Request,
    response: Response,
    uow: ReadUowDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> RoundPage:
    """The system's assessment rounds, the latest first."""
    reject_unknown_params(request, {"limit", "cursor"})
    page = await uc.list_rounds(uow, system_id=system_id, limit=limit, cursor=cursor)
    set_next_link(request, response, page.next_cursor)
    return RoundPage(items=[RoundOut.model_validate(r) for r in page.items], next_cursor=page.next_cursor)


@router.post("/v1/systems/{system_id}/rounds", response_model=RoundOut, status_code=status.HTTP_201_CREATED,
             responses=responses(400, 404, 409, 422))
async def start_round(system_id: UUID, response: Response, uow: UowDep, body: RoundIn | None = None) -> RoundOut:
    """Start an assessment round on the current framework version; a system has one open round at a time."""
    round_ = await uc.start_round(uow, system_id=system_id, started_on=body.started_on if body else None)
    response.headers["Location"] = f"/v1/rounds/{round_.id}"
    return RoundOut.model_validate(round_)


@router.get("/v1/rounds/{round_id}", response_model=RoundDetailOut, responses=responses(404))
async def get_round(round_id: UUID, uow: ReadUowDep) -> RoundDetailOut:
    """A round with every member's responses."""
    round_, answers = await uc.get_round(uow, round_id=round_id)
    return RoundDetailOut.of(round_, answers)


@router.put("/v1/rounds/{round_id}/responses/{partner_id}", response_model=ResponseOut,
            responses=responses(400, 404, 409, 413, 422))
async def put_response(round_id: UUID, partner_id: UUID, body: ResponseIn, uow: UowDep) -> ResponseOut:
    """Record or replace a member's answers; only members respond, and only while the round is open (else 409)."""
    answer = await uc.record_response(
        uow, round_id=round_id, respondent_id=partner_id, ratings=body.ratings, priorities=body.priorities,
        technical_assistance=body.technical_assistance, notes=body.notes)
    return ResponseOut.of(answer)


@router.post("/v1/rounds/{round_id}/close", response_model=RoundOut, responses=responses(400, 404, 409, 422))
async def close_round(round_id: UUID, uow: UowDep, body: CloseRoundIn | None = None) -> RoundOut:
    """Close a round; from then on its responses are read-only."""
    return RoundOut.model_validate(
        await uc.close_round(uow, round_id=round_id, closed_on=body.closed_on if body else None))


@router.get("/v1/rounds/{round_id}/score", response_model=RoundScoreOut, responses=responses(404))
async def score_round(round_id: UUID, uow: ReadUowDep) -> RoundScoreOut:
    """Scores against the round's own framework version: indicators, elements, overall, change and summary."""
    return RoundScoreOut.model_validate(await uc.score_round(uow, round_id=round_id))


@router.get("/v1/rounds/{round_id}/chart.svg", response_class=Response, responses={**CHART_RESPONSE, **responses(404)})
async def round_chart(round_id: UUID, uow: ReadUowDep) -> Response:
    """A self-contained SVG radar chart of the six element scores, this round against the previous one."""
    chart = await uc.round_chart(uow, round_id=round_id)
    svg = radar_chart_svg(chart.element_labels, chart.current, chart.previous, chart.title, scale=chart.scale,
                          phases=chart.phases, current_label=chart.current_label,
                          previous_label=chart.previous_label)
    return Response(content=svg, media_type=SVG)
