"""Directory sync for state systems: NDJSON bulk upserts, the change feed, and NDJSON exports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.deps import CallerDep, ReadUowDep, SettingsDep, UowDep, uow_factory
from api.domain.partners import Partner
from api.domain.sync import OnError, SyncMode
from api.problems import responses
from api.routers._http import reject_unknown_params
from api.routers._ndjson import ndjson_lines
from api.schemas.partners import PartnerOut, ServiceOut
from api.schemas.sync import ChangeOut, ChangePage, SyncReportOut, sync_item
from api.usecases import sync as uc

router = APIRouter(tags=["sync"])
Kind = Literal["partners", "services"]
NDJSON = "application/x-ndjson"


async def _items(request: Request, kind: Kind, max_line_bytes: int) -> AsyncIterator[uc.SyncItem]:
    async for line, value in ndjson_lines(request, max_line_bytes):
        yield sync_item(kind, line, value)  # type: ignore[misc]


@router.post("/v1/sync/{kind}", response_model=SyncReportOut, responses=responses(401, 403, 409, 413, 422),
             openapi_extra={"requestBody": {"required": True, "content": {NDJSON: {"schema": {"type": "string"}}}}})
async def sync(
    kind: Kind, request: Request, uow: UowDep, settings: SettingsDep,
    source: Annotated[str, Query(min_length=1, max_length=64, description="the syncing system's name")],
    mode: SyncMode = SyncMode.UPSERT,
    on_error: OnError = OnError.REJECT,
) -> SyncReportOut:
    """Upsert partners or services from NDJSON (one object a line) keyed by ``(source, external_id)``.

    Streams the body. Atomic by default: one invalid line rejects the request (422 listing every invalid
    line) and nothing is written; ``on_error=skip`` applies the valid lines. ``mode=complete`` retires the
    source's records that the body does not contain. Sending the same body again changes nothing.
    """
    reject_unknown_params(request, {"source", "mode", "on_error"})
    report = await uc.sync_directory(
        uow, kind=kind.rstrip("s"), source=source, mode=mode, on_error=on_error,
        items=_items(request, kind, settings.max_ndjson_line_bytes), batch_size=settings.sync_batch_size,
    )
    return SyncReportOut.model_validate(report, from_attributes=True)


@router.get("/v1/changes", response_model=ChangePage, responses=responses(401, 403, 422))
async def changes(
    request: Request, uow: ReadUowDep,
    since: Annotated[str | None, Query(max_length=200, description="cursor from the previous page")] = None,
    kind: Literal["partner", "service"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ChangePage:
    """Creations, updates and deletions (tombstones) in a stable order, for mirroring the directory."""
    reject_unknown_params(request, {"since", "kind", "limit"})
    found, cursor = await uc.changes_since(uow, cursor=since, kind=kind, limit=limit)
    out = []
    for c in found:
        item = ChangeOut(kind=c.kind, id=c.record_id, op=c.op, at=c.at)
        if c.record is not None:
            if isinstance(c.record, Partner):
                item.partner = PartnerOut.model_validate(c.record)
            else:
                item.service = ServiceOut.model_validate(c.record)
        out.append(item)
    return ChangePage(changes=out, next=cursor)


@router.get("/v1/export/{kind}", responses={**responses(401, 403, 422), 200: {"content": {NDJSON: {}}}})
async def export(
    kind: Kind, request: Request, caller: CallerDep,
    jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    local_area: Annotated[str | None, Query(max_length=64)] = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    updated_since: datetime | None = None,
) -> StreamingResponse:
    """Stream the directory as NDJSON, one record a line (optionally filtered)."""
    reject_unknown_params(request, {"jurisdiction", "local_area", "source", "updated_since"})
    factory = uow_factory(request)
    mine = caller.jurisdiction
    state = jurisdiction.upper() if jurisdiction else None
    if mine is not None:  # a key exports only its own jurisdiction
        state, local_area = mine.state, mine.local_area or local_area
    out_model = PartnerOut if kind == "partners" else ServiceOut

    # The scope was checked before the handler ran (route policy); the stream holds its own connection
    # for as long as the response lasts, and the use case checks the caller again. The first batch is read
    # before the 200 goes out, so a query the database refuses is a problem response, not a cut stream.
    stack = AsyncExitStack()
    try:
        uow = await stack.enter_async_context(factory(True, caller))
        batches = uc.export_directory(uow, kind=kind.rstrip("s"), state=state, local_area=local_area, source=source,
                                      updated_since=updated_since)
        first = await anext(batches, None)
    except BaseException:
        await stack.aclose()
        raise

    def lines(records: list[Any]) -> bytes:
        return b"".join(orjson.dumps(out_model.model_validate(r).model_dump(mode="json")) + b"\n" for r in records)

    async def body() -> AsyncIterator[bytes]:
        try:
            if first:
                yield lines(first)
            async for records in batches:
                yield lines(records)
        finally:
            await batches.aclose()
            await stack.aclose()

    return StreamingResponse(body(), media_type=NDJSON)
