"""DTOs of directory sync, the change feed and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints, ValidationError, model_validator

from api.domain.sync import LineError, SyncMode
from api.schemas.partners import PartnerCreate, PartnerOut, ServiceCreate, ServiceOut

ExternalKey = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class _NoExternalIds:
    @model_validator(mode="after")
    def _one_identifier(self):
        if getattr(self, "external_ids", None):
            raise ValueError("use external_id: the source of a sync line comes from the URL")
        return self


class PartnerSyncLine(_NoExternalIds, PartnerCreate):
    """One NDJSON line of a partner sync: a partner plus the caller's own identifier for it."""

    external_id: ExternalKey


class ServiceSyncLine(_NoExternalIds, ServiceCreate):
    """One NDJSON line of a service sync: a service, its identifier and its partner's identifier (same source)."""

    external_id: ExternalKey
    partner_external_id: ExternalKey


class LineErrorOut(BaseModel):
    line: int
    reason: str


class SyncReportOut(BaseModel):
    """What a sync run did."""

    kind: str
    source: str
    mode: SyncMode
    created: int
    updated: int
    unchanged: int
    duplicates: int = Field(description="lines whose external id appeared again later in the same batch")
    retired: int
    rejected: int
    errors: list[LineErrorOut]


class ChangeOut(BaseModel):
    """One change: ``record`` is the record as it is now (absent for a deletion)."""

    kind: str
    id: UUID
    op: str
    at: datetime
    partner: PartnerOut | None = None
    service: ServiceOut | None = None


class ChangePage(BaseModel):
    """A page of the change feed; pass ``next`` as ``since`` to continue (also when the page is empty)."""

    changes: list[ChangeOut]
    next: str


def _reason(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'line'}: {e['msg']}" for e in exc.errors())


NIL = UUID(int=0)


def sync_item(kind: str, line: int, value: object, record_id: UUID | None = None) -> tuple[int, str | None, object]:
    """Turn one parsed NDJSON value into what the sync use case consumes (a record, or why not)."""
    if isinstance(value, Exception):
        return line, None, LineError(line, str(value))
    if not isinstance(value, dict):
        return line, None, LineError(line, "each line must be a JSON object")
    try:
        if kind == "partners":
            p = PartnerSyncLine.model_validate(value)
            return line, p.external_id, p.to_domain(record_id)
        s = ServiceSyncLine.model_validate(value)
        return line, s.external_id, (s.partner_external_id, s.to_domain(NIL, record_id))
    except ValidationError as exc:
        return line, None, LineError(line, _reason(exc))


class HsdsImportReport(BaseModel):
    """An HSDS import: the partner run and the service run (organizations first), and fields not modelled."""

    partners: SyncReportOut
    services: SyncReportOut
    omitted_fields: int = Field(description="HSDS fields read but not modelled (see the HSDS mapping notes)")
