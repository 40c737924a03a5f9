"""Use cases of directory sync: bulk upserts keyed by a source's own identifiers, complete sets, the feed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from api.domain.access import Forbidden, Scope, require, require_within
from api.domain.bulk import EmptyBody, InvalidLine
from api.domain.errors import FieldProblem, InvalidInput
from api.domain.filters import MAX_CURSOR_LENGTH
from api.domain.partners import SOURCE_RE, Partner, Service, Status, validate_partner, validate_service
from api.domain.ports import Change, UnitOfWork
from api.domain.sync import OnError, RecordOwnedElsewhere, RetireGuard, SyncMode, SyncReport
from api.usecases import policy
from api.usecases.paging import MAX_BIGINT, encode_cursor, unwrap

# What the transport yields per line: the line number, the caller's external id, and the parsed record
# (a Partner, or (partner external id, Service)) or why the line could not be parsed.
SyncItem = tuple[int, str | None, "Partner | tuple[str, Service] | InvalidLine"]


async def sync_directory(
    uow: UnitOfWork, *, kind: str, source: str, items: AsyncIterator[SyncItem], mode: SyncMode = SyncMode.UPSERT,
    on_error: OnError = OnError.REJECT, batch_size: int = 5000, dry_run: bool = False,
    guard: RetireGuard | None = None, allow_empty: bool = False,
) -> SyncReport:
    """Apply a stream of records in batches; atomic unless ``on_error=skip``; ``complete`` retires the rest.

    A body with no record is refused (EmptyBody) unless ``allow_empty``. A complete set may retire only
    what ``guard`` allows (MassRetirement otherwise, nothing written). ``dry_run`` does everything, reports
    it, and undoes it: nothing is written and the feed gets no entry.

    ``items`` must not use the unit of work's connection after its first item: batches are written on it
    while the stream is read.
    """
    _check_source(uow, source)
    await uow.sync.lock_source(source)  # before a dry run's savepoint: held until the transaction ends
    if not dry_run:
        return await _sync(uow, kind=kind, source=source, items=items, mode=mode, on_error=on_error,
                           batch_size=batch_size, guard=guard or RetireGuard(), allow_empty=allow_empty)
    async with uow.trial():
        report = await _sync(uow, kind=kind, source=source, items=items, mode=mode, on_error=on_error,
                             batch_size=batch_size, guard=guard or RetireGuard(), allow_empty=allow_empty)
    report.dry_run = True
    return report


def _check_source(uow: UnitOfWork, source: str) -> None:
    require(uow.caller, Scope.DIRECTORY_WRITE)
    if not SOURCE_RE.match(source):
        raise InvalidInput(FieldProblem("source", "must be 1-64 letters, digits, . _ : -"))


@asynccontextmanager
async def dry_runs(uow: UnitOfWork, *, source: str) -> AsyncIterator[None]:
    """Make the runs of ``source`` inside one dry run together (a later run sees what an earlier one did);
    afterwards nothing of them is written."""
    _check_source(uow, source)
    await uow.sync.lock_source(source)
    async with uow.trial():
        yield


async def _sync(
    uow: UnitOfWork, *, kind: str, source: str, items: AsyncIterator[SyncItem], mode: SyncMode, on_error: OnError,
    batch_size: int, guard: RetireGuard, allow_empty: bool,
) -> SyncReport:
    catalog = await uow.reference.catalog()
    within = uow.caller.jurisdiction
    active = await uow.sync.count_retirable(kind, source, within, missing=False) if mode is SyncMode.COMPLETE else 0
    report = SyncReport(kind=kind, source=source, mode=mode)
    atomic = on_error is OnError.REJECT
    batch: list[tuple[int, str, Any]] = []
    applying: asyncio.Task[None] | None = None

    async def apply(rows: list[tuple[int, str, Any]]) -> None:
        if atomic and report.rejected:  # once an atomic run has failed, only the report matters
            return
        await uow.sync.load(kind, rows)
        taken = await uow.sync.taken_ids(kind, source)
        if taken:
            raise _owned_elsewhere(kind, source, taken)
        refused = await uow.sync.refused_lines(kind, source, within)
        for line, (field, reason) in sorted(refused.items()):
            report.reject(line, [FieldProblem(field, reason)])
        if not (atomic and report.rejected):
            created, updated, unchanged, duplicates = await uow.sync.upsert(
                kind, source, sent=len(rows), skip_lines=list(refused))
            report.created += created
            report.updated += updated
            report.unchanged += unchanged
            report.duplicates += duplicates
            if kind == "partner" and any(p.status is Status.RETIRED for _, _, p in rows):
                report.services_retired += await uow.sync.retire_services_of_retired(source)

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
            report.lines += 1
            if applying is not None and not line % 128:
                await asyncio.sleep(0)  # a buffered body never suspends the loop: let the write take its next step
            if isinstance(item, InvalidLine):
                report.reject(line, item.problems)
                continue
            try:
                if external_id is None or not external_id.strip() or len(external_id) > 200:
                    raise InvalidInput(FieldProblem("external_id", "is required (1-200 characters)"))
                if isinstance(item, Partner):
                    record: Any = validate_partner(item, catalog)
                    require_within(uow.caller, record.jurisdiction, what="directory records")
                else:
                    record = (item[0], validate_service(item[1], catalog))
            except InvalidInput as exc:
                report.reject(line, exc.problems)
                continue
            except Forbidden as exc:
                report.reject(line, [FieldProblem("jurisdiction", exc.detail)])
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
    report.problems.sort(key=lambda p: p.line)
    if not report.lines and not allow_empty:
        raise EmptyBody(f"{kind} record")
    if atomic and report.rejected:
        raise report.refusal()
    if mode is SyncMode.COMPLETE:
        would_retire = await uow.sync.count_retirable(kind, source, within, missing=True)
        guard.check(kind=kind, source=source, would_retire=would_retire, active=active)
        report.retired, services = await uow.sync.retire_missing(kind, source, within)
        report.services_retired += services
    await policy.audit(uow, action=f"sync_{mode.value}", kind=f"{kind}_sync", record_id=source,
                       new={"created": report.created, "updated": report.updated, "retired": report.retired,
                            "services_retired": report.services_retired, "rejected": report.rejected})
    return report


def _owned_elsewhere(kind: str, source: str, taken: list[tuple[int, str, str]]) -> RecordOwnedElsewhere:
    line, ident, owners = taken[0]
    holder = f"source key(s) {owners}" if owners else "no source (it was created directly, not by a sync)"
    more = f" ({len(taken) - 1} more line(s) of this batch likewise)" if len(taken) > 1 else ""
    return RecordOwnedElsewhere(
        f"line {line}: the {kind} {ident} already exists and is held by {holder}{more}; a record belongs to one "
        f"source, so {source!r} cannot take it over and retrying will not help. Sync it under the source that "
        f"holds it, or have that source delete it (or drop it from its complete set) first; nothing was written")


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


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedPage:
    """A page of the change feed with a cursor per change: ``resume`` goes on after the last change read (seen or
    not), and ``full`` says the feed had a whole page to give, so more may follow at once."""

    changes: list[Change]
    cursors: list[str]
    resume: str
    full: bool


async def feed_page(uow: UnitOfWork, *, cursor: str | None, kind: str | None = None, limit: int = 100) -> FeedPage:
    """What :func:`changes_since` answers, with a cursor for each change (GraphQL's edges)."""
    policy.read_directory(uow)
    after = _feed_position(cursor)
    changes, position = await uow.changes.since(after, kind=kind, limit=limit)
    visible = [c for c in changes if _visible(uow, c)]
    return FeedPage(changes=visible, cursors=[encode_cursor("changes", c.position) for c in visible],
                    resume=encode_cursor("changes", position) if position else "", full=len(changes) >= limit)


def _visible(uow: UnitOfWork, change: Change) -> bool:
    mine = uow.caller.jurisdiction
    if mine is None:
        return True
    if change.op == "delete":  # a tombstone shows only where the record was
        return change.jurisdiction is not None and mine.contains(change.jurisdiction)
    if change.record is None or not isinstance(change.record, Partner):
        return True
    return mine.contains(change.record.jurisdiction)


def _feed_position(cursor: str | None) -> tuple[int, int] | None:
    if not cursor:
        return None
    raw = unwrap(cursor) if len(cursor) <= MAX_CURSOR_LENGTH else None
    if (isinstance(raw, list) and len(raw) == 3 and raw[0] == "changes"
            and all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_BIGINT for v in raw[1:])):
        return int(raw[1]), int(raw[2])
    raise InvalidInput(FieldProblem("since", "is not a cursor of the change feed; start without it"))


EXPORT_STATUSES = ("active", "inactive", "retired", "all")
"""What an export may be limited to; ``all`` (every record, retired ones included) is the default."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryExport:
    """An export: its records in batches, read in one snapshot, and the feed cursor of that snapshot.

    Following the change feed from ``cursor`` brings a copy of the export up to date (changes already in the
    export may come again; each carries the record as it is now, so applying it twice changes nothing).
    """

    cursor: str
    batches: AsyncGenerator[list[Partner] | list[Service], None]


async def export_directory(
    uow: UnitOfWork, *, kind: str, state: str | None = None, local_area: str | None = None,
    source: str | None = None, updated_since: datetime | None = None, status: str = "all", batch: int = 1000,
) -> DirectoryExport:
    """Open an export of the whole directory (or a filtered part), with the feed cursor it is consistent with."""
    policy.read_directory(uow)
    if status not in EXPORT_STATUSES:
        raise InvalidInput(FieldProblem("status", f"must be one of {', '.join(EXPORT_STATUSES)}"))
    position, batches = await uow.changes.export(
        kind, state=state, local_area=local_area, source=source, updated_since=updated_since,
        status=None if status == "all" else status, batch=batch)
    return DirectoryExport(cursor=encode_cursor("changes", position), batches=batches)
