"""Importing an HSDS dataset: its objects read into directory records, then synced like any other source.

Organizations are synced first, then the services that name them, each as one sync run keyed under the
source ``hsds:<dataset>``. Used by ``POST /v1/sync/hsds`` and by ``pathways import --kind hsds``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from api.domain.errors import InvalidInput
from api.domain.ports import UnitOfWork
from api.domain.sync import LineError, OnError, SyncMode, SyncReport
from api.hsds import documents, reading
from api.hsds.mapping import hsds_source
from api.hsds.reading import ImportDefaults, ImportRecord
from api.schemas.sync import sync_item
from api.usecases import publishing
from api.usecases import sync as sync_uc


@dataclass(frozen=True, slots=True, kw_only=True)
class HsdsImport:
    """What an HSDS import did: the partner run, the service run, and how many HSDS fields it left out."""

    partners: SyncReport
    services: SyncReport
    omitted_fields: int


async def records(
    uow: UnitOfWork, *, source: str, objects: AsyncIterator[tuple[int, object]],
    defaults: ImportDefaults | None = None,
) -> AsyncIterator[tuple[int, ImportRecord | LineError]]:
    """Map a stream of HSDS objects to directory records (partners before their services), line by line."""
    vocab = documents.vocabulary(await publishing.vocabularies(uow, for_import=True))
    async for line, obj in objects:
        if isinstance(obj, Exception):
            yield line, LineError(line, str(obj))
            continue
        if not isinstance(obj, dict):
            yield line, LineError(line, "each HSDS object must be a JSON object")
            continue
        try:
            for record in reading.records_from_hsds(obj, source=source, defaults=defaults, vocabulary=vocab):
                yield line, record
        except InvalidInput as exc:
            yield line, LineError(line, exc.detail)


async def import_hsds(
    uow: UnitOfWork, *, objects: AsyncIterator[tuple[int, object]], source: str, state: str | None,
    mode: SyncMode, on_error: OnError, batch_size: int,
) -> HsdsImport:
    """Sync HSDS objects: their organizations first, then their services."""
    defaults = ImportDefaults(state=state.upper() if state else None)
    services: list[sync_uc.SyncItem] = []
    omitted = 0

    async def partners() -> AsyncIterator[sync_uc.SyncItem]:
        nonlocal omitted
        async for line, record in records(uow, source=source, defaults=defaults, objects=objects):
            if isinstance(record, LineError):
                yield line, None, record
                continue
            omitted += len(record.omitted)
            body = {k: v for k, v in record.body.items() if k != "external_ids"}
            if record.kind == "partner":
                yield sync_item("partners", line, {**body, "external_id": record.external_id},  # type: ignore[misc]
                                record.id)
            else:
                value = {**body, "external_id": record.external_id,
                         "partner_external_id": record.partner_external_id}
                services.append(sync_item("services", line, value, record.id))  # type: ignore[arg-type]

    async def queued() -> AsyncIterator[sync_uc.SyncItem]:
        for item in services:
            yield item

    key_source = hsds_source(source)
    partner_report = await sync_uc.sync_directory(uow, kind="partner", source=key_source, items=partners(),
                                                  mode=mode, on_error=on_error, batch_size=batch_size)
    service_report = await sync_uc.sync_directory(uow, kind="service", source=key_source, items=queued(),
                                                  mode=mode, on_error=on_error, batch_size=batch_size)
    return HsdsImport(partners=partner_report, services=service_report, omitted_fields=omitted)
