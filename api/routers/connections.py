"""REST routes of connections between organizations, and of the win/win matches of a partner."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import ReadUowDep, UowDep
from api.domain.connections import Connection
from api.domain.filters import MAX_CURSOR_LENGTH
from api.problems import responses
from api.routers._http import etag, expected_version, not_modified, reject_unknown_params, set_next_link
from api.routers.partners import IfMatch
from api.schemas.connections import (
    AdvanceIn,
    ConnectionIn,
    ConnectionOut,
    ConnectionPage,
    ConnectionPatch,
    JoinSystemIn,
    MatchOut,
    MatchReport,
    MatchWeightsOut,
)
from api.schemas.systems import SystemOut
from api.usecases import connections as uc

router = APIRouter(tags=["connections"])


def _out(response: Response, connection: Connection) -> ConnectionOut:
    response.headers["ETag"] = etag(connection.version)
    return ConnectionOut.model_validate(connection)


@router.post("/v1/connections", response_model=ConnectionOut, status_code=status.HTTP_201_CREATED,
             responses=responses(400, 403, 413, 422))
async def record_interest(body: ConnectionIn, response: Response, uow: UowDep) -> ConnectionOut:
    """Record an organization's interest in connecting with another: gain insight, find a local initiative,
    pursue a partnership, or connect its target populations."""
    connection = await uc.record_interest(uow, connection=body.to_domain())
    response.headers["Location"] = f"/v1/connections/{connection.id}"
    return _out(response, connection)


@router.get("/v1/connections/{connection_id}", response_model=ConnectionOut, responses=responses(304, 404))
async def get_connection(
    connection_id: UUID, request: Request, response: Response, uow: ReadUowDep
) -> ConnectionOut | Response:
    """One connection: its interest, stage and answers to the four planning questions."""
    connection = await uc.get_connection(uow, connection_id=connection_id)
    if not_modified(request, connection.version):
        return Response(status_code=304, headers={"ETag": etag(connection.version)})
    return _out(response, connection)


@router.patch("/v1/connections/{connection_id}", response_model=ConnectionOut,
              responses=responses(400, 403, 404, 412, 413, 422))
async def revise_connection(
    connection_id: UUID, body: ConnectionPatch, response: Response, uow: UowDep, if_match: IfMatch = None
) -> ConnectionOut:
    """Change the interest, the notes or the answers to the four planning questions."""
    connection = await uc.revise_connection(
        uow, connection_id=connection_id, changes=body.changes(),
        expected_version=expected_version(if_match, "connection", connection_id))
    return _out(response, connection)


@router.post("/v1/connections/{connection_id}/advance", response_model=ConnectionOut,
             responses=responses(400, 403, 404, 409, 412, 422))
async def advance(
    connection_id: UUID, body: AdvanceIn, response: Response, uow: UowDep, if_match: IfMatch = None
) -> ConnectionOut:
    """Move the connection one stage on (interest defined, contacted, exploring, planning, partnered) or back
    one; skipping a stage is 409, and partnering needs the four planning answers."""
    connection = await uc.advance(uow, connection_id=connection_id, stage=body.stage,
                                  expected_version=expected_version(if_match, "connection", connection_id))
    return _out(response, connection)


@router.post("/v1/connections/{connection_id}/join-system", response_model=SystemOut,
             status_code=status.HTTP_201_CREATED, responses=responses(400, 403, 404, 409, 422))
async def join_system(connection_id: UUID, body: JoinSystemIn, response: Response, uow: UowDep) -> SystemOut:
    """Add an organization of a partnered connection (the TO partner unless told) to a system as a member."""
    state = await uc.join_system(uow, connection_id=connection_id, system_id=body.system_id,
                                 representative=body.representative, team=body.team, partner_id=body.partner_id,
                                 joined_on=body.joined_on)
    response.headers["ETag"] = etag(state.system.version)
    response.headers["Location"] = f"/v1/systems/{state.system.id}"
    return SystemOut.of(state)


@router.get("/v1/partners/{partner_id}/connections", response_model=ConnectionPage, responses=responses(404, 422))
async def connections_of(
    partner_id: UUID,
    request: Request,
    response: Response,
    uow: ReadUowDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> ConnectionPage:
    """The partner's connections, whichever side it is on, oldest first."""
    reject_unknown_params(request, {"limit", "cursor"})
    page = await uc.connections_of(uow, partner_id=partner_id, limit=limit, cursor=cursor)
    set_next_link(request, response, page.next_cursor)
    return ConnectionPage(items=[ConnectionOut.model_validate(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/v1/partners/{partner_id}/matches", response_model=MatchReport, responses=responses(404, 422))
async def matches(
    partner_id: UUID,
    request: Request,
    uow: ReadUowDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    min_score: Annotated[int, Query(ge=0, le=100)] = 1,
) -> MatchReport:
    """Other active organizations of the partner's state ranked by a symmetric win/win score (complementary
    functions 40, shared populations 25, shared regions 20, compatible level 15), each with its reasons."""
    reject_unknown_params(request, {"limit", "min_score"})
    found = await uc.matches(uow, partner_id=partner_id, limit=limit, min_score=min_score)
    return MatchReport(partner_id=partner_id, weights=MatchWeightsOut(), matches=[MatchOut.of(m) for m in found])
