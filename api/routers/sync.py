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
from api.domain.sync import OnError, RetireGuard, SyncMode
from api.problems import responses
from api.routers._http import reject_unknown_params
from api.routers._ndjson import BulkLimits, ndjson_lines
from api.schemas.bulk import SyncReportOut
from api.schemas.partners import ExternalIdOut, PartnerOut, ServiceOut
from api.schemas.sync import ChangeOut, ChangePage, sync_item
from api.settings import Settings
from api.usecases import sync as uc

router = APIRouter(tags=["sync"])
Kind = Literal["partners", "services"]
NDJSON = "application/x-ndjson"


async def _items(request: Request, kind: Kind, max_line_bytes: int, limits: BulkLimits
                 ) -> AsyncIterator[uc.SyncItem]:
    async for line, value in ndjson_lines(request, max_line_bytes, limits):
        yield sync_item(kind, line, value)  # type: ignore[misc]


DryRun = Annotated[bool, Query(description="Report what the run would do, and write nothing (no feed entries).")]
MaxRetire = Annotated[int | None, Query(
    ge=0, description="mode=complete: confirm retiring up to this many records (beyond the deployment's share).")]
AllowMassRetire = Annotated[bool, Query(
    description="mode=complete: confirm retiring any number of records (the body is the whole directory).")]
SYNC_PARAMS = {"source", "mode", "on_error", "dry_run", "max_retire", "allow_mass_retire"}


def retire_guard(settings: Settings, max_retire: int | None, allow_mass_retire: bool) -> RetireGuard:
    """The complete-set guard of a request: the deployment's share, or what the request confirms."""
    return RetireGuard(share=settings.complete_sync_max_retire_share, max_retire=max_retire,
                       allow_mass_retire=allow_mass_retire)


@router.post("/v1/sync/{kind}", response_model=SyncReportOut, responses=responses(401, 403, 409, 413, 422),
             openapi_extra={"requestBody": {"required": True, "content": {NDJSON: {"schema": {"type": "string"}}}}})
async def sync(
    kind: Kind, request: Request, uow: UowDep, settings: SettingsDep,
    source: Annotated[str, Query(min_length=1, max_length=64, description="the syncing system's name")],
    mode: SyncMode = SyncMode.UPSERT,
    on_error: OnError = OnError.REJECT,
    dry_run: DryRun = False,
    max_retire: MaxRetire = None,
    allow_mass_retire: AllowMassRetire = False,
) -> SyncReportOut:
    """Upsert partners or services from NDJSON (one object a line) keyed by ``(source, external_id)``.

    Streams the body. Atomic by default: one invalid line rejects the request (422 listing every invalid
    line with its field, and the report) and nothing is written; ``on_error=skip`` applies the valid lines.
    A body with no record (empty, or only blank lines) is a 422 ``empty-body`` and changes nothing.
    ``mode=complete`` retires the source's records that the body does not contain, but refuses (409
    ``mass-retirement``, nothing written) to retire more than the deployment's share of them (10 % by
    default) unless confirmed with ``max_retire=N`` or ``allow_mass_retire=true``. Retiring a partner
    retires its services. ``dry_run=true`` answers as the run would, and writes nothing. Sending the same
    body again changes nothing.
    """
    reject_unknown_params(request, SYNC_PARAMS)
    limits = BulkLimits.of(settings)
    report = await uc.sync_directory(
        uow, kind=kind.rstrip("s"), source=source, mode=mode, on_error=on_error,
        items=limits.bounded(_items(request, kind, settings.max_ndjson_line_bytes, limits)),
        batch_size=settings.sync_batch_size, dry_run=dry_run,
        guard=retire_guard(settings, max_retire, allow_mass_retire),
    )
    limits.check_time()
    return SyncReportOut.model_validate(report)


@router.get("/v1/changes", response_model=ChangePage, responses=responses(401, 403, 422))
async def changes(
    request: Request, uow: ReadUowDep,
    since: Annotated[str | None, Query(max_length=200, description="cursor from the previous page")] = None,
    kind: Literal["partner", "service"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> ChangePage:
    """Creations, updates, retirements and deletions (tombstones) in commit order, for mirroring the directory.

    Each change carries the record as it is now; ``retire`` keeps the record (status ``retired``), ``delete``
    is a tombstone with the id and the record's source keys, and a reactivation is an ``update``. Start from
    an export's ``Pathways-Feed-Cursor`` to bring a copy of that export up to date.
    """
    reject_unknown_params(request, {"since", "kind", "limit"})
    found, cursor = await uc.changes_since(uow, cursor=since, kind=kind, limit=limit)
    out = []
    for c in found:
        item = ChangeOut(kind=c.kind, id=c.record_id, op=c.op, at=c.at)  # type: ignore[arg-type]
        if c.op == "delete":
            item.external_ids = [ExternalIdOut(source=e.source, id=e.id) for e in c.external_ids]
        if c.record is not None:
            if isinstance(c.record, Partner):
                item.partner = PartnerOut.model_validate(c.record)
            else:
                item.service = ServiceOut.model_validate(c.record)
        out.append(item)
    return ChangePage(changes=out, next=cursor)


FEED_CURSOR = "Pathways-Feed-Cursor"
EXPORT_DOCS: dict[int | str, dict[str, Any]] = {
    **responses(401, 403, 422),
    200: {"description": "The records, one JSON object a line.", "content": {NDJSON: {}},
          "headers": {FEED_CURSOR: {"description": "The change feed position this export is consistent with: "
                                                   "pass it as `since` to /v1/changes to follow on from it.",
                                    "schema": {"type": "string"}}}},
}


@router.get("/v1/export/{kind}", responses=EXPORT_DOCS)
async def export(
    kind: Kind, request: Request, caller: CallerDep,
    jurisdiction: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    local_area: Annotated[str | None, Query(max_length=64)] = None,
    source: Annotated[str | None, Query(max_length=64)] = None,
    updated_since: datetime | None = None,
    status: Annotated[Literal["active", "inactive", "retired", "all"], Query(
        description="Only records of this status; `all` (the default, as before this parameter) includes "
                    "retired records.")] = "all",
) -> StreamingResponse:
    """Stream the directory as NDJSON, one record a line (optionally filtered), read in one snapshot.

    The ``Pathways-Feed-Cursor`` header is the change feed position of that snapshot: an export followed by
    the feed from that cursor reproduces the directory exactly.
    """
    reject_unknown_params(request, {"jurisdiction", "local_area", "source", "updated_since", "status"})
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
        opened = await uc.export_directory(uow, kind=kind.rstrip("s"), state=state, local_area=local_area,
                                           source=source, updated_since=updated_since, status=status)
        batches = opened.batches
        stack.push_async_callback(batches.aclose)  # ends the export's snapshot before the connection goes back
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
            await stack.aclose()

    return StreamingResponse(body(), media_type=NDJSON, headers={FEED_CURSOR: opened.cursor})
