"""Importing an HSDS dataset: its objects read into directory records, then synced like any other source.

Organizations are synced first, then the services that name them, each as one sync run keyed under the
source ``hsds:<dataset>``. Used by ``POST /v1/sync/hsds`` and by ``pathways import --kind hsds``.

The report names every HSDS field the import left out by its JSON path (``organizations[3].funding[0].source``:
the fourth object of the body, an organization), grouped by the path without positions and counted.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace

from api.domain.bulk import EmptyBody, InvalidLine, LineProblem
from api.domain.errors import InvalidInput
from api.domain.ports import UnitOfWork
from api.domain.sync import OnError, RetireGuard, SyncMode, SyncReport
from api.hsds import documents, reading
from api.hsds.mapping import hsds_source
from api.hsds.reading import ImportDefaults, ImportRecord, Omission
from api.schemas.sync import sync_item
from api.usecases import publishing
from api.usecases import sync as sync_uc

MAX_EXAMPLES = 3
_POSITION = re.compile(r"\[\d+\]")
_PLURAL = {"organization": "organizations", "service": "services", "service_at_location": "service_at_locations"}


@dataclass(slots=True, kw_only=True)
class DroppedField:
    """HSDS fields at one path (positions left out) that the import did not keep, how many, and why."""

    path: str
    reason: str
    count: int = 0
    examples: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class HsdsImport:
    """What an HSDS import did: the partner run, the service run, and the HSDS fields it left out."""

    lines: int
    partners: SyncReport
    services: SyncReport
    dropped: list[DroppedField]
    dry_run: bool = False

    @property
    def omitted_fields(self) -> int:
        """How many HSDS fields were left out in all."""
        return sum(d.count for d in self.dropped)

    def total(self, name: str) -> int:
        """A count of both runs together."""
        return int(getattr(self.partners, name)) + int(getattr(self.services, name))

    @property
    def problems(self) -> list[LineProblem]:
        """The rejected lines of both runs, in line order."""
        return sorted([*self.partners.problems, *self.services.problems], key=lambda p: p.line)


class _Dropped:
    """The omissions of an import, grouped by path without positions and reason."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], DroppedField] = {}

    def add(self, omissions: tuple[Omission, ...]) -> None:
        for o in omissions:
            key = (_POSITION.sub("[]", o.path), o.reason)
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = DroppedField(path=key[0], reason=o.reason)
            group.count += 1
            if len(group.examples) < MAX_EXAMPLES:
                group.examples.append(o.path)

    def listed(self) -> list[DroppedField]:
        return sorted(self.groups.values(), key=lambda d: (-d.count, d.path, d.reason))


def _located(record: ImportRecord, prefix: str) -> ImportRecord:
    """The record with its omissions' paths made absolute (``prefix`` names the object in the body)."""
    if not record.omitted:
        return record
    return replace(record, omitted=tuple(
        Omission(path=f"{prefix}.{o.path}" if o.path else prefix, reason=o.reason) for o in record.omitted))


async def records(
    uow: UnitOfWork, *, source: str, objects: AsyncIterator[tuple[int, object]],
    defaults: ImportDefaults | None = None,
) -> AsyncIterator[tuple[int, ImportRecord | InvalidLine]]:
    """Map a stream of HSDS objects to directory records (partners before their services), line by line."""
    vocab = documents.vocabulary(await publishing.vocabularies(uow, for_import=True))
    index = -1
    async for line, obj in objects:
        index += 1
        if isinstance(obj, Exception):
            yield line, InvalidLine.whole(line, str(obj))
            continue
        if not isinstance(obj, dict):
            yield line, InvalidLine.whole(line, "each HSDS object must be a JSON object")
            continue
        prefix = f"{_PLURAL.get(reading.kind_of(obj) or '', 'objects')}[{index}]"
        try:
            for record in reading.records_from_hsds(obj, source=source, defaults=defaults, vocabulary=vocab,
                                                    keep_identifiers=False):
                yield line, _located(record, prefix)
        except InvalidInput as exc:
            yield line, InvalidLine(line, tuple(exc.problems))


async def _peeked(objects: AsyncIterator[tuple[int, object]]) -> AsyncIterator[tuple[int, object]]:
    """The same objects; an import without any is refused before anything runs."""
    first = await anext(objects, None)
    if first is None:
        raise EmptyBody("HSDS object")
    yield first
    async for item in objects:
        yield item


async def import_hsds(
    uow: UnitOfWork, *, objects: AsyncIterator[tuple[int, object]], source: str, state: str | None,
    mode: SyncMode, on_error: OnError, batch_size: int, dry_run: bool = False, guard: RetireGuard | None = None,
    bounded: Callable[[AsyncIterator[sync_uc.SyncItem]], AsyncIterator[sync_uc.SyncItem]] | None = None,
) -> HsdsImport:
    """Sync HSDS objects: their organizations first, then their services (``dry_run``: report, write nothing).

    ``bounded`` wraps the services' stream (read from memory after the body) with the request's time budget.
    """
    defaults = ImportDefaults(state=state.upper() if state else None)
    services: list[sync_uc.SyncItem] = []
    dropped = _Dropped()
    read = 0
    body = _peeked(objects)  # read by the partner run: an empty body is refused before anything is written

    async def partners() -> AsyncIterator[sync_uc.SyncItem]:
        nonlocal read
        last = 0
        async for line, record in records(uow, source=source, defaults=defaults, objects=body):
            if line != last:
                read, last = read + 1, line
            if isinstance(record, InvalidLine):
                yield line, None, record
                continue
            dropped.add(record.omitted)
            value = {k: v for k, v in record.body.items() if k != "external_ids"}
            if record.kind == "partner":
                yield sync_item("partners", line, {**value, "external_id": record.external_id},  # type: ignore[misc]
                                record.id)
            else:
                value = {**value, "external_id": record.external_id,
                         "partner_external_id": record.partner_external_id}
                services.append(sync_item("services", line, value, record.id))  # type: ignore[arg-type]

    async def queued() -> AsyncIterator[sync_uc.SyncItem]:
        for item in services:
            yield item

    key_source = hsds_source(source)

    async def run() -> tuple[SyncReport, SyncReport]:
        partner_report = await sync_uc.sync_directory(
            uow, kind="partner", source=key_source, items=partners(), mode=mode, on_error=on_error,
            batch_size=batch_size, guard=guard, allow_empty=True)
        service_items = queued() if bounded is None else bounded(queued())
        service_report = await sync_uc.sync_directory(
            uow, kind="service", source=key_source, items=service_items, mode=mode, on_error=on_error,
            batch_size=batch_size, guard=guard, allow_empty=True)
        return partner_report, service_report

    if dry_run:
        async with sync_uc.dry_runs(uow, source=key_source):
            partner_report, service_report = await run()
        partner_report.dry_run = service_report.dry_run = True
    else:
        partner_report, service_report = await run()
    return HsdsImport(lines=read, partners=partner_report, services=service_report, dropped=dropped.listed(),
                      dry_run=dry_run)
