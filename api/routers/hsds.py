"""The HSDS 3.0 (Open Referral) API under ``/hsds``: parameters and ``Page`` envelope of the HSDS reference.

Bodies are built as plain dicts by ``api.domain.hsds`` and sent as orjson bytes. ``format=ndjson`` streams
every matching object, one a line, without paging, from its own read-only unit of work that lives as long
as the stream; the access check and the first batch run before the response starts, so a refusal is
still a problem+json response and not a broken stream.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from api.deps import CallerDep, ReadUowDep, SettingsDep, uow_factory
from api.domain import hsds
from api.domain.access import Caller
from api.domain.errors import FieldProblem, InvalidInput
from api.domain.filters import MAX_SEARCH_LENGTH
from api.domain.ports import UnitOfWork
from api.problems import responses
from api.routers._http import reject_unknown_params
from api.schemas.hsds import HsdsAbout, HsdsPage
from api.settings import Settings
from api.usecases import hsds as uc

router = APIRouter(prefix="/hsds", tags=["hsds"])

NDJSON = "application/x-ndjson"
Batches = AsyncIterator[list[dict[str, Any]]]

PageNumber = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")]
PerPage = Annotated[int | None, Query(ge=1, le=500, description="Objects per page (default 50, at most 500).")]
Format = Annotated[Literal["json", "ndjson"], Query(
    alias="format",
    description="`json` (default): one page in the `Page` envelope; `ndjson`: every result, one object a line, "
                "streamed without paging.")]
Search = Annotated[str | None, Query(max_length=MAX_SEARCH_LENGTH, description="Full-text search.")]
TermId = Annotated[UUID | None, Query(description="Only objects carrying this taxonomy term (or a narrower one).")]
TaxonomyId = Annotated[UUID | None, Query(description="Only objects carrying a term of this taxonomy.")]
OrganizationId = Annotated[UUID | None, Query(description="Only services of this organization.")]
ModifiedAfter = Annotated[datetime | None, Query(
    description="Only objects modified on or after this time (RFC 3339; UTC when no offset is given).")]
Full = Annotated[bool, Query(description="Fully nested objects instead of their one-to-one fields.")]
FullService = Annotated[bool, Query(description="Fully nested organizations whose services are fully nested.")]

LIST_PARAMS = {"search", "page", "per_page", "format"}
SERVICE_PARAMS = LIST_PARAMS | {"taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full"}
SAL_PARAMS = SERVICE_PARAMS | {"postcode", "proximity"}
ORGANIZATION_PARAMS = LIST_PARAMS | {"full", "full_service", "modified_after"}
TERM_PARAMS = LIST_PARAMS | {"taxonomy_id", "top_only", "parent_id"}


def _page_docs(what: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"model": HsdsPage, "description": f"A page of HSDS 3.0 {what} (or all of them as NDJSON).",
              "content": {NDJSON: {"schema": {"type": "string", "description": f"One HSDS {what[:-1]} a line."}}}},
        **responses(422),
    }


def _object_docs(what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": f"An HSDS 3.0 {what}, fully nested.",
                  "content": {"application/json": {"schema": {"type": "object"}}}},
            **responses(304, 404, 422)}


def _json(body: Any) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


def _single(request: Request, body: dict[str, Any]) -> Response:
    """One object with an ETag of its content; ``If-None-Match`` with that tag gives 304."""
    raw = orjson.dumps(body)
    tag = f'"{hashlib.blake2b(raw, digest_size=16).hexdigest()}"'
    tags = {t.strip().removeprefix("W/") for t in request.headers.get("if-none-match", "").split(",")}
    if tag in tags or "*" in tags:
        return Response(status_code=304, headers={"ETag": tag})
    return Response(raw, media_type="application/json", headers={"ETag": tag})


def _per_page(per_page: int | None, settings: Settings) -> int:
    return min(per_page or settings.default_page_size, settings.max_page_size)


def _lines(batch: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(obj) + b"\n" for obj in batch)


async def _stream(request: Request, caller: Caller, produce: Callable[[UnitOfWork], Batches]) -> Response:
    """Stream batches as NDJSON from a unit of work that lives as long as the response body."""
    stack = AsyncExitStack()
    try:
        uow = await stack.enter_async_context(uow_factory(request)(True, caller))
        batches = produce(uow)
        first = await anext(batches, None)
    except BaseException:
        await stack.aclose()
        raise

    async def body() -> AsyncIterator[bytes]:
        try:
            if first:
                yield _lines(first)
            async for batch in batches:
                if batch:
                    yield _lines(batch)
        finally:
            await batches.aclose()
            await stack.aclose()

    return StreamingResponse(body(), media_type=NDJSON)


def _in_memory(items: list[dict[str, Any]], fmt: str, page: int, per_page: int) -> Response:
    if fmt == "ndjson":
        return Response(_lines(items), media_type=NDJSON)
    return _json(hsds.paginate(items, page=page, per_page=per_page))


async def _read(request: Request, caller: Caller, run: Callable[[UnitOfWork], Any]) -> Any:
    async with uow_factory(request)(True, caller) as uow:
        return await run(uow)


@router.get("/", response_model=HsdsAbout)
async def about(request: Request, settings: SettingsDep) -> Response:
    """HSDS version, profile and OpenAPI document of this API."""
    openapi_url = str(request.base_url).rstrip("/") + (request.app.openapi_url or "/openapi.json")
    return _json(hsds.about(profile=settings.hsds_profile_url, openapi_url=openapi_url))


@router.get("/services", response_model=None, responses=_page_docs("services"))
async def list_services(
    request: Request, caller: CallerDep, settings: SettingsDep, search: Search = None,
    taxonomy_term_id: TermId = None, taxonomy_id: TaxonomyId = None, organization_id: OrganizationId = None,
    modified_after: ModifiedAfter = None, full: Full = False, page: PageNumber = 1, per_page: PerPage = None,
    fmt: Format = "json",
) -> Response:
    """Services with their one-to-one fields and organization (``full``: fully nested); retired ones are defunct."""
    reject_unknown_params(request, SERVICE_PARAMS)
    query = uc.HsdsQuery(search=search, taxonomy_term_id=taxonomy_term_id, taxonomy_id=taxonomy_id,
                         organization_id=organization_id, modified_after=modified_after, full=full)
    if fmt == "ndjson":
        return await _stream(request, caller, lambda uow: uc.stream_services(uow, query=query))
    size = _per_page(per_page, settings)
    return _json(await _read(request, caller,
                             lambda uow: uc.list_services(uow, query=query, page=page, per_page=size)))


@router.get("/services/{id}", response_model=None, responses=_object_docs("service"))
async def get_service(id: UUID, request: Request, uow: ReadUowDep) -> Response:
    """One service, fully nested (its organization, location, areas, funding and attributes)."""
    return _single(request, await uc.get_service(uow, service_id=id))


@router.get("/organizations", response_model=None, responses=_page_docs("organizations"))
async def list_organizations(
    request: Request, caller: CallerDep, settings: SettingsDep, search: Search = None, full: Full = False,
    full_service: FullService = False, modified_after: ModifiedAfter = None, page: PageNumber = 1,
    per_page: PerPage = None, fmt: Format = "json",
) -> Response:
    """Organizations (partners) with their one-to-one fields, or fully nested with their services."""
    reject_unknown_params(request, ORGANIZATION_PARAMS)
    query = uc.HsdsQuery(search=search, full=full, full_service=full_service, modified_after=modified_after)
    if fmt == "ndjson":
        return await _stream(request, caller, lambda uow: uc.stream_organizations(uow, query=query))
    size = _per_page(per_page, settings)
    return _json(await _read(request, caller,
                             lambda uow: uc.list_organizations(uow, query=query, page=page, per_page=size)))


@router.get("/organizations/{id}", response_model=None, responses=_object_docs("organization"))
async def get_organization(
    id: UUID, request: Request, uow: ReadUowDep, full_service: FullService = False,
) -> Response:
    """One organization, fully nested, with its services (fully nested with ``full_service``)."""
    reject_unknown_params(request, {"full_service"})
    return _single(request, await uc.get_organization(uow, organization_id=id, full_service=full_service))


@router.get("/service_at_locations", response_model=None, responses=_page_docs("service_at_locations"))
async def list_service_at_locations(
    request: Request, caller: CallerDep, settings: SettingsDep, search: Search = None,
    taxonomy_term_id: TermId = None, taxonomy_id: TaxonomyId = None, organization_id: OrganizationId = None,
    modified_after: ModifiedAfter = None, full: Full = False, page: PageNumber = 1, per_page: PerPage = None,
    fmt: Format = "json",
    postcode: Annotated[str | None, Query(max_length=10, description="Only at an address with this ZIP code.")]
    = None,
    proximity: Annotated[str | None, Query(description="Not supported: needs postcode geocoding.")] = None,
) -> Response:
    """Each service at its partner's location (services of partners without a location have none)."""
    reject_unknown_params(request, SAL_PARAMS)
    if proximity is not None:
        raise InvalidInput(FieldProblem("proximity", "is not supported: this API cannot geocode postcodes; use "
                                                     "/v1/partners?near=lat,lon&radius_km= instead"))
    query = uc.HsdsQuery(search=search, taxonomy_term_id=taxonomy_term_id, taxonomy_id=taxonomy_id,
                         organization_id=organization_id, modified_after=modified_after, full=full, postcode=postcode)
    if fmt == "ndjson":
        return await _stream(request, caller, lambda uow: uc.stream_services(uow, query=query, located=True))
    size = _per_page(per_page, settings)
    return _json(await _read(request, caller,
                             lambda uow: uc.list_service_at_locations(uow, query=query, page=page, per_page=size)))


@router.get("/service_at_locations/{id}", response_model=None, responses=_object_docs("service_at_location"))
async def get_service_at_location(id: UUID, request: Request, uow: ReadUowDep) -> Response:
    """One service at its partner's location, fully nested."""
    return _single(request, await uc.get_service_at_location(uow, service_at_location_id=id))


@router.get("/taxonomies", response_model=None, responses=_page_docs("taxonomies"))
async def list_taxonomies(
    request: Request, caller: CallerDep, settings: SettingsDep, search: Search = None, page: PageNumber = 1,
    per_page: PerPage = None, fmt: Format = "json",
) -> Response:
    """The taxonomies of partner types, service categories, populations and functions."""
    reject_unknown_params(request, LIST_PARAMS)
    items = await _read(request, caller, lambda uow: uc.taxonomies(uow, search=search))
    return _in_memory(items, fmt, page, _per_page(per_page, settings))


@router.get("/taxonomies/{id}", response_model=None, responses=_object_docs("taxonomy"))
async def get_taxonomy(id: UUID, request: Request, uow: ReadUowDep) -> Response:
    """One taxonomy."""
    return _single(request, await uc.get_taxonomy(uow, taxonomy_id=id))


@router.get("/taxonomy_terms", response_model=None, responses=_page_docs("taxonomy_terms"))
async def list_taxonomy_terms(
    request: Request, caller: CallerDep, settings: SettingsDep, search: Search = None,
    taxonomy_id: Annotated[UUID | None, Query(description="Only terms of this taxonomy.")] = None,
    top_only: Annotated[bool, Query(description="Only top-level terms (without a parent).")] = False,
    parent_id: Annotated[UUID | None, Query(description="Only the terms directly under this term.")] = None,
    page: PageNumber = 1, per_page: PerPage = None, fmt: Format = "json",
) -> Response:
    """Terms of our taxonomies; population terms carry their CEDS code in ``code`` where one exists."""
    reject_unknown_params(request, TERM_PARAMS)
    query = uc.TermQuery(search=search, taxonomy_id=taxonomy_id, parent_id=parent_id, top_only=top_only)
    items = await _read(request, caller, lambda uow: uc.taxonomy_terms(uow, query=query))
    return _in_memory(items, fmt, page, _per_page(per_page, settings))


@router.get("/taxonomy_terms/{id}", response_model=None, responses=_object_docs("taxonomy_term"))
async def get_taxonomy_term(id: UUID, request: Request, uow: ReadUowDep) -> Response:
    """One taxonomy term."""
    return _single(request, await uc.get_taxonomy_term(uow, term_id=id))
