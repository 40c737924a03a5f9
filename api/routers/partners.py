"""REST routes of the partner directory and its services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request, Response, status

from api.deps import ReadUowDep, SettingsDep, UowDep
from api.domain.errors import FieldProblem, InvalidInput
from api.domain.filters import MAX_CODE_LENGTH, MAX_CURSOR_LENGTH, MAX_SEARCH_LENGTH
from api.domain.ports import PartnerFilter
from api.problems import responses
from api.routers._http import (
    etag,
    expected_version,
    json_bytes,
    not_modified,
    reject_unknown_params,
    set_next_link,
)
from api.schemas.partners import (
    PartnerCreate,
    PartnerOut,
    PartnerPage,
    PartnerPatch,
    ServiceCreate,
    ServiceList,
    ServiceOut,
    ServicePatch,
    partner_page_json,
    patch_changes,
)
from api.usecases import partners as uc

router = APIRouter(prefix="/v1/partners", tags=["partners"])

LIST_PARAMS = {
    "q", "partner_type", "population", "service_category", "region", "jurisdiction", "local_area", "status",
    "near", "radius_km", "updated_since", "limit", "cursor", "include_total",
}
IfMatch = Annotated[str | None, Header(alias="If-Match", description="ETag from a previous read")]


def parse_near(near: str | None, radius_km: float | None) -> tuple[float, float] | None:
    """Parse ``near=lat,lon``."""
    if near is None:
        if radius_km is not None:
            raise InvalidInput(FieldProblem("radius_km", "needs near=lat,lon"))
        return None
    try:
        lat_s, lon_s = near.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise InvalidInput(FieldProblem("near", "must be 'lat,lon' in decimal degrees")) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(FieldProblem("near", "latitude must be within ±90 and longitude within ±180"))
    return lat, lon


@router.get("", response_model=PartnerPage, responses=responses(422))
async def list_partners(
    request: Request,
    response: Response,
    uow: ReadUowDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(max_length=MAX_SEARCH_LENGTH, description=(
        "Full-text search, ranked. A very common term is ranked among the first 1,000 partners that match it "
        "(a more specific search ranks every match); `include_total` then counts those 1,000."))] = None,
    partner_type: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    population: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    service_category: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    region: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$", description="USPS state code")] = None,
    local_area: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    status_: Annotated[str | None, Query(alias="status", pattern=r"^(active|inactive|retired)$")] = None,
    near: Annotated[str | None, Query(description="lat,lon; results ordered by distance")] = None,
    radius_km: Annotated[float | None, Query(gt=0, le=5000)] = None,
    updated_since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
    include_total: bool = False,
) -> Response:
    """List partners, filtered (AND), ordered by name, rank (``q``) or distance (``near``)."""
    reject_unknown_params(request, LIST_PARAMS)
    flt = PartnerFilter(
        q=q, partner_type=partner_type, population=population, service_category=service_category, region=region,
        state=jurisdiction.upper() if jurisdiction else None, local_area=local_area, status=status_,
        near=parse_near(near, radius_km), radius_km=radius_km, updated_since=updated_since,
    )
    page = await uc.list_partners(uow, flt=flt, limit=min(limit, settings.max_page_size), cursor=cursor,
                                  with_total=include_total)
    set_next_link(request, response, page.next_cursor)
    return json_bytes(partner_page_json(page.items, next_cursor=page.next_cursor, total=page.total), response)


@router.post("", response_model=PartnerOut, status_code=status.HTTP_201_CREATED,
             responses=responses(400, 409, 413, 422))
async def create_partner(body: PartnerCreate, response: Response, uow: UowDep) -> PartnerOut:
    """Create a partner."""
    partner = await uc.create_partner(uow, partner=body.to_domain())
    response.headers["Location"] = f"/v1/partners/{partner.id}"
    response.headers["ETag"] = etag(partner.version)
    return PartnerOut.model_validate(partner)


@router.get("/{partner_id}", response_model=PartnerOut, responses=responses(304, 404))
async def get_partner(partner_id: UUID, request: Request, response: Response, uow: ReadUowDep) -> PartnerOut | Response:
    """Read one partner; honours ``If-None-Match``."""
    partner = await uc.get_partner(uow, partner_id=partner_id)
    if not_modified(request, partner.version):
        return Response(status_code=304, headers={"ETag": etag(partner.version)})
    response.headers["ETag"] = etag(partner.version)
    return PartnerOut.model_validate(partner)


@router.patch("/{partner_id}", response_model=PartnerOut, responses=responses(400, 404, 409, 412, 422))
async def update_partner(
    partner_id: UUID, body: PartnerPatch, response: Response, uow: UowDep, if_match: IfMatch = None
) -> PartnerOut:
    """Change some fields of a partner; send ``If-Match`` to refuse lost updates."""
    partner = await uc.update_partner(
        uow, partner_id=partner_id, changes=patch_changes(body),
        expected_version=expected_version(if_match, "partner", partner_id),
    )
    response.headers["ETag"] = etag(partner.version)
    return PartnerOut.model_validate(partner)


@router.delete("/{partner_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 409, 412))
async def delete_partner(partner_id: UUID, uow: UowDep, if_match: IfMatch = None) -> Response:
    """Delete a partner and its services."""
    await uc.delete_partner(uow, partner_id=partner_id,
                            expected_version=expected_version(if_match, "partner", partner_id))
    return Response(status_code=204)


@router.get("/{partner_id}/services", response_model=ServiceList, responses=responses(404))
async def list_services(partner_id: UUID, uow: ReadUowDep) -> ServiceList:
    """List the services a partner offers."""
    services = await uc.list_services(uow, partner_id=partner_id)
    return ServiceList(items=[ServiceOut.model_validate(s) for s in services])


@router.post("/{partner_id}/services", response_model=ServiceOut, status_code=status.HTTP_201_CREATED,
             responses=responses(400, 404, 409, 413, 422))
async def create_service(partner_id: UUID, body: ServiceCreate, response: Response, uow: UowDep) -> ServiceOut:
    """Add a service to a partner."""
    service = await uc.create_service(uow, service=body.to_domain(partner_id))
    response.headers["Location"] = f"/v1/partners/{partner_id}/services/{service.id}"
    response.headers["ETag"] = etag(service.version)
    return ServiceOut.model_validate(service)


@router.get("/{partner_id}/services/{service_id}", response_model=ServiceOut, responses=responses(304, 404))
async def get_service(
    partner_id: UUID, service_id: UUID, request: Request, response: Response, uow: ReadUowDep
) -> ServiceOut | Response:
    """Read one service."""
    service = await uc.get_service(uow, partner_id=partner_id, service_id=service_id)
    if not_modified(request, service.version):
        return Response(status_code=304, headers={"ETag": etag(service.version)})
    response.headers["ETag"] = etag(service.version)
    return ServiceOut.model_validate(service)


@router.patch("/{partner_id}/services/{service_id}", response_model=ServiceOut,
              responses=responses(400, 404, 409, 412, 422))
async def update_service(
    partner_id: UUID, service_id: UUID, body: ServicePatch, response: Response, uow: UowDep,
    if_match: IfMatch = None,
) -> ServiceOut:
    """Change some fields of a service."""
    service = await uc.update_service(
        uow, partner_id=partner_id, service_id=service_id, changes=patch_changes(body),
        expected_version=expected_version(if_match, "service", service_id),
    )
    response.headers["ETag"] = etag(service.version)
    return ServiceOut.model_validate(service)


@router.delete("/{partner_id}/services/{service_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=responses(404, 412))
async def delete_service(partner_id: UUID, service_id: UUID, uow: UowDep, if_match: IfMatch = None) -> Response:
    """Delete a service."""
    await uc.delete_service(uow, partner_id=partner_id, service_id=service_id,
                            expected_version=expected_version(if_match, "service", service_id))
    return Response(status_code=204)
