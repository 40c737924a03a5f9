"""REST routes of funding: the stream catalogue, a system's allocations, and the braiding analysis."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response, status

from api.deps import ReadUowDep, UowDep
from api.domain.filters import MAX_CURSOR_LENGTH
from api.domain.funding import Allocation
from api.problems import responses
from api.routers._http import etag, expected_version, not_modified, reject_unknown_params, set_next_link
from api.routers.partners import IfMatch
from api.schemas.funding import (
    AllocationIn,
    AllocationOut,
    AllocationPage,
    AllocationPatch,
    FundingOut,
    FundingStreamIn,
    FundingStreamOut,
    Period,
)
from api.usecases import funding as uc

router = APIRouter(tags=["funding"])
ALLOCATIONS = "/v1/systems/{system_id}/allocations"
StreamCode = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")]


def _out(response: Response, allocation: Allocation) -> AllocationOut:
    response.headers["ETag"] = etag(allocation.version)
    return AllocationOut.model_validate(allocation)


@router.get("/v1/reference/funding-streams", response_model=list[FundingStreamOut])
async def funding_streams(uow: ReadUowDep) -> list[FundingStreamOut]:
    """The funding stream catalogue: kind, administering agency type, eligible populations, allowed services."""
    return [FundingStreamOut.model_validate(s) for s in await uc.list_streams(uow)]


@router.put("/v1/reference/funding-streams/{code}", response_model=FundingStreamOut, responses=responses(413, 422))
async def put_funding_stream(code: StreamCode, body: FundingStreamIn, uow: UowDep) -> FundingStreamOut:
    """Create or replace a stream of the catalogue."""
    return FundingStreamOut.model_validate(await uc.put_stream(uow, stream=body.to_domain(code)))


@router.get(ALLOCATIONS, response_model=AllocationPage, responses=responses(404, 422))
async def list_allocations(
    system_id: UUID,
    request: Request,
    response: Response,
    uow: ReadUowDep,
    period: Annotated[Period | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> AllocationPage:
    """The system's allocations by period, each of one stream to one service or function."""
    reject_unknown_params(request, {"period", "limit", "cursor"})
    page = await uc.list_allocations(uow, system_id=system_id, period=period, limit=limit, cursor=cursor)
    set_next_link(request, response, page.next_cursor)
    return AllocationPage(items=[AllocationOut.model_validate(a) for a in page.items], next_cursor=page.next_cursor)


@router.post(ALLOCATIONS, response_model=AllocationOut, status_code=status.HTTP_201_CREATED,
             responses=responses(400, 404, 413, 422))
async def create_allocation(system_id: UUID, body: AllocationIn, response: Response, uow: UowDep) -> AllocationOut:
    """Allocate an amount of one stream, for one period, to one service or one function (kept separate)."""
    allocation = await uc.create_allocation(uow, allocation=body.to_domain(system_id))
    response.headers["Location"] = f"/v1/systems/{system_id}/allocations/{allocation.id}"
    return _out(response, allocation)


@router.get(ALLOCATIONS + "/{allocation_id}", response_model=AllocationOut, responses=responses(304, 404))
async def get_allocation(
    system_id: UUID, allocation_id: UUID, request: Request, response: Response, uow: ReadUowDep
) -> AllocationOut | Response:
    """One allocation."""
    allocation = await uc.get_allocation(uow, system_id=system_id, allocation_id=allocation_id)
    if not_modified(request, allocation.version):
        return Response(status_code=304, headers={"ETag": etag(allocation.version)})
    return _out(response, allocation)


@router.patch(ALLOCATIONS + "/{allocation_id}", response_model=AllocationOut,
              responses=responses(400, 404, 412, 413, 422))
async def update_allocation(
    system_id: UUID, allocation_id: UUID, body: AllocationPatch, response: Response, uow: UowDep,
    if_match: IfMatch = None,
) -> AllocationOut:
    """Change an allocation's stream, period, amount, target, partner or note."""
    allocation = await uc.update_allocation(
        uow, system_id=system_id, allocation_id=allocation_id, changes=body.changes(),
        expected_version=expected_version(if_match, "allocation", allocation_id))
    return _out(response, allocation)


@router.delete(ALLOCATIONS + "/{allocation_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=responses(404, 412))
async def delete_allocation(system_id: UUID, allocation_id: UUID, uow: UowDep, if_match: IfMatch = None) -> Response:
    """Delete an allocation."""
    await uc.delete_allocation(uow, system_id=system_id, allocation_id=allocation_id,
                               expected_version=expected_version(if_match, "allocation", allocation_id))
    return Response(status_code=204)


@router.get("/v1/systems/{system_id}/funding", response_model=FundingOut, responses=responses(404, 422))
async def funding(
    system_id: UUID, request: Request, uow: ReadUowDep, period: Annotated[Period | None, Query()] = None
) -> FundingOut:
    """The braiding analysis: totals per stream and kind, the formula-versus-grant share, services and functions
    with no stream, and streams the system's populations and services qualify for that no member draws on."""
    reject_unknown_params(request, {"period"})
    return FundingOut.of(await uc.analyse(uow, system_id=system_id, period=period))
