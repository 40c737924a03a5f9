"""Use cases of directory sync: bulk upserts keyed by a source's own identifiers, complete sets, the feed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime
from typing import Any

from api.domain.access import Forbidden, Scope, require, require_within
from api.domain.errors import FieldProblem, InvalidInput
from api.domain.partners import SOURCE_RE, Partner, Service, validate_partner, validate_service
from api.domain.ports import Change, UnitOfWork
from api.domain.sync import LineError, OnError, SyncMode, SyncRejected, SyncReport
from api.usecases import policy
from api.usecases.paging import encode_cursor, unwrap

# What the transport yields per line: the line number, the caller's external id, and the parsed record
# (a Partner, or (partner external id, Service)) or why the line could not be parsed.
SyncItem = tuple[int, str | None, "Partner | tuple[str, Service] | LineError"]


async def sync_directory(
    uow: UnitOfWork, *, kind: str, source: str, items: AsyncIterator[SyncItem], mode: SyncMode = SyncMode.UPSERT,
    on_error: OnError = OnError.REJECT, batch_size: int = 5000,
) -> SyncReport:
    """Apply a stream of records in batches; atomic unless ``on_error=skip``; ``complete`` retires the rest.

    ``items`` must not use the unit of work's connection after its first item: batches are written on it
    while the stream is read.
    """
    require(uow.caller, Scope.DIRECTORY_WRITE)
    if not SOURCE_RE.match(source):
        raise InvalidInput(FieldProblem("source", "must be 1-64 letters, digits, . _ : -"))
    await uow.sync.lock_source(source)
    catalog = await uow.reference.catalog()
    report = SyncReport(kind=kind, source=source, mode=mode)
    atomic = on_error is OnError.REJECT
    batch: list[tuple[int, str, Any]] = []
    applying: asyncio.Task[None] | None = None

    async def apply(rows: list[tuple[int, str, Any]]) -> None:
        if atomic and report.rejected:  # once an atomic run has failed, only the report matters
            return
        await uow.sync.load(kind, rows)
        refused = await uow.sync.refused_lines(kind, source, uow.caller.jurisdiction)
        for line, reason in sorted(refused.items()):
            report.reject(LineError(line, reason))
        if not (atomic and report.rejected):
            created, updated, unchanged, duplicates = await uow.sync.upsert(
                kind, source, sent=len(rows), skip_lines=list(refused))
            report.created += created
            report.updated += updated
            report.unchanged += unchanged
            report.duplicates += duplicates

    async def flush() -> None:
        # One batch is written while the next is parsed and validated, so PostgreSQL and Python work at the
        # same time instead of taking turns; batches still apply one at a time, in order.
        nonlocal batch, applying
        if applying is not None:
            await applying
            applying = None
        if batch:
            applying = asyncio.ensure_future(apply(batch))
            batch = []

    try:
        async for line, external_id, item in items:
            if applying is not None and not line % 128:
                await asyncio.sleep(0)  # a buffered body never suspends the loop: let the write take its next step
            if isinstance(item, LineError):
                report.reject(item)
                continue
            try:
                if external_id is None or not external_id.strip() or len(external_id) > 200:
                    raise InvalidInput(FieldProblem("external_id", "is required (1-200 characters)"))
                if isinstance(item, Partner):
                    record: Any = validate_partner(item, catalog)
                    require_within(uow.caller, record.jurisdiction, what="directory records")
                else:
                    record = (item[0], validate_service(item[1], catalog))
            except (InvalidInput, Forbidden) as exc:
                report.reject(LineError(line, exc.detail))
                continue
            batch.append((line, external_id, record))
            if len(batch) >= batch_size:
                await flush()
        await flush()  # starts the last batch
        await flush()  # and waits for it
    finally:
        if applying is not None:  # the stream failed while a batch was being written
            applying.cancel()
            await asyncio.wait([applying])
            if not applying.cancelled():
                applying.exception()  # retrieved; the stream's own error is the one that propagates
    report.errors.sort(key=lambda e: e.line)
    if atomic and report.rejected:
        raise SyncRejected(report)
    if mode is SyncMode.COMPLETE:
        report.retired = await uow.sync.retire_missing(kind, source, uow.caller.jurisdiction)
    await policy.audit(uow, action=f"sync_{mode.value}", kind=f"{kind}_sync", record_id=source,
                       new={"created": report.created, "updated": report.updated, "retired": report.retired,
                            "rejected": report.rejected})
    return report


async def changes_since(
    uow: UnitOfWork, *, cursor: str | None, kind: str | None = None, limit: int = 100
) -> tuple[list[Change], str]:
    """Changes after ``cursor`` in a stable order; the returned cursor resumes after the last one.

    Records outside the caller's jurisdiction are left out of the page, but the cursor still moves past
    them, so a consumer never sees them and never misses anything else.
    """
    policy.read_directory(uow)
    after = _feed_position(cursor)
    changes, position = await uow.changes.since(after, kind=kind, limit=limit)
    visible = [c for c in changes if _visible(uow, c)]
    return visible, encode_cursor("changes", (position[0], position[1])) if position else ""


def _visible(uow: UnitOfWork, change: Change) -> bool:
    mine = uow.caller.jurisdiction
    if mine is None or change.record is None or not isinstance(change.record, Partner):
        return True
    return mine.contains(change.record.jurisdiction)


def _feed_position(cursor: str | None) -> tuple[int, int] | None:
    if not cursor:
        return None
    raw = unwrap(cursor)
    if (isinstance(raw, list) and len(raw) == 3 and raw[0] == "changes"
            and all(isinstance(v, int) and not isinstance(v, bool) for v in raw[1:])):
        return int(raw[1]), int(raw[2])
    raise InvalidInput(FieldProblem("since", "is not a cursor of the change feed; start without it"))


async def export_directory(
    uow: UnitOfWork, *, kind: str, state: str | None = None, local_area: str | None = None,
    source: str | None = None, updated_since: datetime | None = None, batch: int = 1000,
) -> AsyncGenerator[list[Partner] | list[Service], None]:
    """Stream the whole directory (or a filtered part) in batches."""
    policy.read_directory(uow)
    async for records in uow.changes.export(kind, state=state, local_area=local_area, source=source,
                                            updated_since=updated_since, batch=batch):
        yield records
