"""The HSDS 3.0 (Open Referral) API under ``/hsds``: parameters and ``Page`` envelope of the HSDS reference,
and the import of HSDS datasets (``POST /v1/sync/hsds``).

The publishing use cases return domain objects; bodies are built from them as plain dicts by
``api.hsds.mapping`` and sent as orjson bytes. ``format=ndjson`` streams
every matching object, one a line, without paging, from its own read-only unit of work that lives as long
as the stream; the access check and the first batch run before the response starts, so a refusal is
still a problem+json response and not a broken stream.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable
from contextlib import AsyncExitStack
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import ijson
import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from ijson.common import ObjectBuilder

from api.deps import CallerDep, ReadUowDep, SettingsDep, UowDep, uow_factory
from api.domain.access import Caller
from api.domain.errors import FieldProblem, InvalidInput
from api.domain.filters import MAX_SEARCH_LENGTH
from api.domain.ports import UnitOfWork
from api.domain.sync import OnError, SyncMode
from api.hsds import documents, mapping
from api.hsds.importing import import_hsds
from api.hsds.mapping import Vocabulary
from api.hsds.queries import HsdsQuery, TermQuery, partner_filter, service_filter
from api.hsds.schemas import (
    HsdsAbout,
    HsdsImportReport,
    HsdsOrganization,
    HsdsOrganizationPage,
    HsdsService,
    HsdsServiceAtLocation,
    HsdsServiceAtLocationPage,
    HsdsServicePage,
    HsdsTaxonomy,
    HsdsTaxonomyPage,
    HsdsTaxonomyTerm,
    HsdsTaxonomyTermPage,
)
from api.problems import responses
from api.routers._http import reject_unknown_params
from api.routers._ndjson import BulkLimits, LineTooLong, ndjson_lines
from api.routers.sync import AllowMassRetire, DryRun, MaxRetire, retire_guard
from api.settings import Settings
from api.usecases import publishing as uc

published = APIRouter(prefix="/hsds", tags=["hsds"])
imports = APIRouter(tags=["sync"])

NDJSON = "application/x-ndjson"
Batches = AsyncGenerator[list[dict[str, Any]], None]

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
Minimal = Annotated[bool, Query(description="Only each service's `id` and `last_modified` (HSDS `minimal`), to find "
                                            "what changed; with `format=ndjson`, all of them in one response.")]

LIST_PARAMS = {"search", "page", "per_page", "format"}
SAL_PARAMS = LIST_PARAMS | {"taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full",
                            "postcode", "proximity"}
SERVICE_PARAMS = LIST_PARAMS | {"taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "full",
                                "minimal"}
ORGANIZATION_PARAMS = LIST_PARAMS | {"full", "full_service", "modified_after"}
TERM_PARAMS = LIST_PARAMS | {"taxonomy_id", "top_only", "parent_id"}


def _page_docs(what: str, page: type[Any], item: type[Any]) -> dict[int | str, dict[str, Any]]:
    ndjson = {"schema": {"type": "string", "format": "binary", "description": f"One HSDS {what[:-1]} a line."},
              "x-itemSchema": {"$ref": f"#/components/schemas/{item.__name__}"}}
    return {200: {"model": page, "description": f"A page of HSDS 3.0 {what} (or all of them as NDJSON).",
                  "content": {NDJSON: ndjson}},
            **responses(422)}


def _object_docs(what: str, model: type[Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": f"An HSDS 3.0 {what}, fully nested."}, **responses(304, 404, 422)}


def _minimal(page: dict[str, Any]) -> dict[str, Any]:
    return {**page, "contents": [{"id": c["id"], "last_modified": c.get("last_modified")} for c in page["contents"]]}


async def _minimal_lines(batches: Batches) -> Batches:
    async for batch in batches:
        yield [{"id": c["id"], "last_modified": c.get("last_modified")} for c in batch]


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
    return _json(mapping.paginate(items, page=page, per_page=per_page))


async def _read(request: Request, caller: Caller, run: Callable[[UnitOfWork], Any]) -> Any:
    async with uow_factory(request)(True, caller) as uow:
        return await run(uow)


async def _vocabulary(uow: UnitOfWork) -> Vocabulary:
    return documents.vocabulary(await uc.vocabularies(uow))


def _service_stream(query: HsdsQuery, *, located: bool) -> Callable[[UnitOfWork], Batches]:
    async def produce(uow: UnitOfWork) -> Batches:
        vocab = await _vocabulary(uow)
        flt = service_filter(query, vocab, located=located)
        async for found in uc.stream_services(uow, flt=flt):
            if located:
                yield documents.service_at_locations(found, vocab, full=query.full)
            else:
                yield documents.services(found, vocab, full=query.full)

    return produce


def _organization_stream(query: HsdsQuery) -> Callable[[UnitOfWork], Batches]:
    async def produce(uow: UnitOfWork) -> Batches:
        vocab = await _vocabulary(uow)
        async for found in uc.stream_partners(uow, flt=partner_filter(query),
                                              with_services=query.full or query.full_service):
            yield documents.organizations(found, vocab, query)

    return produce


async def _service_page(uow: UnitOfWork, query: HsdsQuery, page: int, per_page: int, *, located: bool
                        ) -> dict[str, Any]:
    vocab = await _vocabulary(uow)
    found = await uc.service_page(uow, flt=service_filter(query, vocab, located=located), page=page,
                                  per_page=per_page)
    contents = (documents.service_at_locations(found, vocab, full=query.full) if located
                else documents.services(found, vocab, full=query.full))
    return mapping.page_envelope(contents, total_items=found.total, page=page, per_page=per_page)


async def _organization_page(uow: UnitOfWork, query: HsdsQuery, page: int, per_page: int) -> dict[str, Any]:
    vocab = await _vocabulary(uow)
    found = await uc.partner_page(uow, flt=partner_filter(query), page=page, per_page=per_page,
                                  with_services=query.full or query.full_service)
    return mapping.page_envelope(documents.organizations(found, vocab, query), total_items=found.total, page=page,
                                 per_page=per_page)


@published.get("", response_model=HsdsAbout)
@published.get("/", response_model=HsdsAbout, include_in_schema=False)
async def about(request: Request, settings: SettingsDep) -> Response:
    """HSDS version, profile and OpenAPI document of this API."""
    openapi_url = str(request.base_url).rstrip("/") + (request.app.openapi_url or "/openapi.json")
    return _json(mapping.about(profile=settings.hsds_profile_url, openapi_url=openapi_url))


@published.get("/services", response_model=None,
               responses=_page_docs("services", HsdsServicePage, HsdsService))
async def list_services(
    request: Request, caller: CallerDep, settings: SettingsDep, search: Search = None,
    taxonomy_term_id: TermId = None, taxonomy_id: TaxonomyId = None, organization_id: OrganizationId = None,
    modified_after: ModifiedAfter = None, full: Full = False, page: PageNumber = 1, per_page: PerPage = None,
    fmt: Format = "json", minimal: Minimal = False,
) -> Response:
    """Services with their one-to-one fields and organization (``full``: fully nested); retired ones are defunct."""
    reject_unknown_params(request, SERVICE_PARAMS)
    query = HsdsQuery(search=search, taxonomy_term_id=taxonomy_term_id, taxonomy_id=taxonomy_id,
                      organization_id=organization_id, modified_after=modified_after, full=full and not minimal)
    if fmt == "ndjson":
        stream = _service_stream(query, located=False)
        if minimal:
            return await _stream(request, caller, lambda uow: _minimal_lines(stream(uow)))
        return await _stream(request, caller, stream)
    size = _per_page(per_page, settings)
    found = await _read(request, caller, lambda uow: _service_page(uow, query, page, size, located=False))
    return _json(_minimal(found) if minimal else found)


@published.get("/services/{id}", response_model=None,
               responses=_object_docs("service", HsdsService))
async def get_service(id: UUID, request: Request, uow: ReadUowDep) -> Response:
    """One service, fully nested (its organization, location, areas, funding and attributes)."""
    found = await uc.service_with_partner(uow, service_id=id)
    return _single(request, documents.service(found, await _vocabulary(uow)))


@published.get("/organizations", response_model=None,
               responses=_page_docs("organizations", HsdsOrganizationPage, HsdsOrganization))
async def list_organizations(
    request: Request, caller: CallerDep, settings: SettingsDep, search: Search = None, full: Full = False,
    full_service: FullService = False, modified_after: ModifiedAfter = None, page: PageNumber = 1,
    per_page: PerPage = None, fmt: Format = "json",
) -> Response:
    """Organizations (partners) with their one-to-one fields, or fully nested with their services."""
    reject_unknown_params(request, ORGANIZATION_PARAMS)
    query = HsdsQuery(search=search, full=full, full_service=full_service, modified_after=modified_after)
    if fmt == "ndjson":
        return await _stream(request, caller, _organization_stream(query))
    size = _per_page(per_page, settings)
    return _json(await _read(request, caller, lambda uow: _organization_page(uow, query, page, size)))


@published.get("/organizations/{id}", response_model=None,
               responses=_object_docs("organization", HsdsOrganization))
async def get_organization(
    id: UUID, request: Request, uow: ReadUowDep, full_service: FullService = False,
) -> Response:
    """One organization, fully nested, with its services (fully nested with ``full_service``)."""
    reject_unknown_params(request, {"full_service"})
    found = await uc.partner_with_services(uow, partner_id=id, what="organization")
    return _single(request, documents.organization(found, await _vocabulary(uow), full_service=full_service))


@published.get("/service_at_locations", response_model=None,
               responses=_page_docs("service_at_locations", HsdsServiceAtLocationPage, HsdsServiceAtLocation))
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
    query = HsdsQuery(search=search, taxonomy_term_id=taxonomy_term_id, taxonomy_id=taxonomy_id,
                      organization_id=organization_id, modified_after=modified_after, full=full, postcode=postcode)
    if fmt == "ndjson":
        return await _stream(request, caller, _service_stream(query, located=True))
    size = _per_page(per_page, settings)
    return _json(await _read(request, caller, lambda uow: _service_page(uow, query, page, size, located=True)))


@published.get("/service_at_locations/{id}", response_model=None,
               responses=_object_docs("service_at_location", HsdsServiceAtLocation))
async def get_service_at_location(id: UUID, request: Request, uow: ReadUowDep) -> Response:
    """One service at its partner's location, fully nested."""
    found = await uc.service_with_partner(uow, service_id=mapping.service_id_of(id), what="service_at_location")
    return _single(request, documents.service_at_location(found, await _vocabulary(uow), id))


@published.get("/taxonomies", response_model=None,
               responses=_page_docs("taxonomies", HsdsTaxonomyPage, HsdsTaxonomy))
async def list_taxonomies(
    request: Request, caller: CallerDep, settings: SettingsDep, search: Search = None, page: PageNumber = 1,
    per_page: PerPage = None, fmt: Format = "json",
) -> Response:
    """The taxonomies of partner types, service categories, populations and functions."""
    reject_unknown_params(request, LIST_PARAMS)
    await _read(request, caller, uc.may_read)
    return _in_memory(documents.taxonomies(search), fmt, page, _per_page(per_page, settings))


@published.get("/taxonomies/{id}", response_model=None,
               responses=_object_docs("taxonomy", HsdsTaxonomy))
async def get_taxonomy(id: UUID, request: Request, uow: ReadUowDep) -> Response:
    """One taxonomy."""
    await uc.may_read(uow)
    return _single(request, documents.taxonomy(id))


@published.get("/taxonomy_terms", response_model=None,
               responses=_page_docs("taxonomy_terms", HsdsTaxonomyTermPage, HsdsTaxonomyTerm))
async def list_taxonomy_terms(
    request: Request, caller: CallerDep, settings: SettingsDep, search: Search = None,
    taxonomy_id: Annotated[UUID | None, Query(description="Only terms of this taxonomy.")] = None,
    top_only: Annotated[bool, Query(description="Only top-level terms (without a parent).")] = False,
    parent_id: Annotated[UUID | None, Query(description="Only the terms directly under this term.")] = None,
    page: PageNumber = 1, per_page: PerPage = None, fmt: Format = "json",
) -> Response:
    """Terms of our taxonomies; population terms carry their CEDS code in ``code`` where one exists."""
    reject_unknown_params(request, TERM_PARAMS)
    query = TermQuery(search=search, taxonomy_id=taxonomy_id, parent_id=parent_id, top_only=top_only)
    vocab = await _read(request, caller, _vocabulary)
    return _in_memory(documents.taxonomy_terms(vocab, query), fmt, page, _per_page(per_page, settings))


@published.get("/taxonomy_terms/{id}", response_model=None,
               responses=_object_docs("taxonomy_term", HsdsTaxonomyTerm))
async def get_taxonomy_term(id: UUID, request: Request, uow: ReadUowDep) -> Response:
    """One taxonomy term."""
    return _single(request, documents.taxonomy_term(await _vocabulary(uow), id))


# --- import --------------------------------------------------------------------------------------------------


class _BodyReader:
    """The request body as a file for ijson: ``read`` hands out the next piece, counting bytes and time."""

    def __init__(self, request: Request, limits: BulkLimits) -> None:
        self._chunks = request.stream().__aiter__()
        self._limits = limits
        self.consumed = 0

    async def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson asks for nothing first, to learn whether the file gives bytes or text
            return b""
        self._limits.check_time()
        chunk: bytes | None = b""
        while not chunk:  # an empty piece is not the end of the body; only the stream running out is
            chunk = await anext(self._chunks, None)
            if chunk is None:
                return b""
        self.consumed += len(chunk)
        return chunk


async def _json_objects(request: Request, max_object_bytes: int, limits: BulkLimits
                        ) -> AsyncIterator[tuple[int, object]]:
    """HSDS input as application/json, parsed incrementally (memory stays flat however large the body):
    an array of objects, a ``Page`` (its ``contents``) or one object; each numbered from 1 as its line.

    An object larger than ``max_object_bytes`` is not built: it is reported as too long, like an NDJSON line.
    """
    reader = _BodyReader(request, limits)
    events = ijson.parse_async(reader, use_float=True)
    number = 0
    top: ObjectBuilder | None = None  # a single object (or the paging facts of a Page)
    builder: ObjectBuilder | None = None  # the item being read
    depth = 0
    started = 0
    item_prefix: str | None = None
    page = False  # the top object has ``contents``: a Page, whose items are the objects
    try:
        async for prefix, event, value in events:
            if item_prefix is None:  # the first event says what the body is
                if event == "start_array":
                    item_prefix = "item"
                    continue
                if event == "start_map":
                    item_prefix, top = "contents.item", ObjectBuilder()
                else:
                    yield 1, ValueError("an HSDS body is a JSON object, a Page or an array of objects")
                    return
            if builder is None and prefix == item_prefix and event in ("start_map", "start_array", "string",
                                                                       "number", "boolean", "null"):
                number += 1
                limits.check_lines(number)
                builder, depth, started = ObjectBuilder(), 0, reader.consumed
            if builder is not None:
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                if builder is not _TOO_LONG:
                    if reader.consumed - started > max_object_bytes:
                        builder = _TOO_LONG
                    else:
                        builder.event(event, value)
                if depth == 0:
                    if builder is _TOO_LONG:
                        yield number, LineTooLong(f"the object exceeds {max_object_bytes} bytes")
                    else:
                        yield number, builder.value
                    builder = None
                continue
            if prefix == "contents" and event == "start_array":
                page = True
            if top is not None and prefix != "contents" and not prefix.startswith("contents."):
                if reader.consumed > max_object_bytes:  # one object (not a Page) too large to hold
                    yield 1, LineTooLong(f"the object exceeds {max_object_bytes} bytes")
                    return
                top.event(event, value)
    except ijson.JSONError as exc:
        yield number + 1, ValueError(f"not valid JSON ({exc})")
        return
    if top is not None and not page:
        yield 1, top.value


_TOO_LONG = ObjectBuilder()  # marks an item that grew past the size limit and is no longer built


async def _hsds_objects(request: Request, settings: Settings, limits: BulkLimits) -> AsyncIterator[tuple[int, object]]:
    """HSDS input: JSON (an array, a Page or one object) as application/json, otherwise NDJSON."""
    if request.headers.get("content-type", "").startswith("application/json"):
        async for item in _json_objects(request, settings.max_ndjson_line_bytes, limits):
            yield item
        return
    async for line, value in ndjson_lines(request, settings.max_ndjson_line_bytes, limits):
        yield line, value


@imports.post("/v1/sync/hsds", response_model=HsdsImportReport, responses=responses(401, 403, 409, 413, 422))
async def sync_hsds(
    request: Request, uow: UowDep, settings: SettingsDep,
    source: Annotated[str, Query(min_length=1, max_length=59, description="the HSDS dataset's name")],
    state: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$",
                                       description="state for records whose address names none")] = None,
    mode: SyncMode = SyncMode.UPSERT,
    on_error: OnError = OnError.REJECT,
    dry_run: DryRun = False,
    max_retire: MaxRetire = None,
    allow_mass_retire: AllowMassRetire = False,
) -> HsdsImportReport:
    """Import an HSDS 3.0 dataset (organizations and/or services; JSON array, Page or object, or NDJSON),
    keyed by HSDS ids.

    Records are keyed under the source ``hsds:<source>``; re-importing the same dataset changes nothing. The
    body is read incrementally, JSON included. The report lists the HSDS fields left out, by JSON path. An
    organization that another source holds is a 409 naming that source. Empty bodies, complete sets and
    dry runs behave as in ``/v1/sync/{kind}``.
    """
    reject_unknown_params(request, {"source", "state", "mode", "on_error", "dry_run", "max_retire",
                                    "allow_mass_retire"})
    limits = BulkLimits.of(settings)
    found = await import_hsds(uow, objects=_hsds_objects(request, settings, limits), source=source, state=state,
                              mode=mode, on_error=on_error, batch_size=settings.sync_batch_size, dry_run=dry_run,
                              guard=retire_guard(settings, max_retire, allow_mass_retire), bounded=limits.bounded)
    limits.check_time()
    return HsdsImportReport.of(found)


router = APIRouter()
router.include_router(published)
router.include_router(imports)
