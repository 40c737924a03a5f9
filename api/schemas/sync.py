"""DTOs of directory sync, the change feed and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints, ValidationError, model_validator

from api.domain.bulk import InvalidLine
from api.domain.errors import FieldProblem
from api.schemas.partners import ExternalIdOut, PartnerCreate, PartnerOut, ServiceCreate, ServiceOut

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


class ChangeOut(BaseModel):
    """One change of the directory, in commit order.

    ``op``: ``create``, ``update`` (a reactivation too), ``retire`` (the record stays, with status ``retired``)
    or ``delete`` (a tombstone: the id and, in ``external_ids``, the record's source keys). ``partner`` or
    ``service`` is the record as it is now: absent for a deletion, and for a record deleted since (its
    ``delete`` follows later in the feed).
    """

    kind: Literal["partner", "service"]
    id: UUID
    op: Literal["create", "update", "retire", "delete"]
    at: datetime
    partner: PartnerOut | None = None
    service: ServiceOut | None = None
    external_ids: list[ExternalIdOut] | None = Field(
        default=None, description="a deletion's source keys (the tombstone); absent for other operations")


class ChangePage(BaseModel):
    """A page of the change feed; pass ``next`` as ``since`` to continue (also when the page is empty)."""

    changes: list[ChangeOut]
    next: str


def _problems(exc: ValidationError) -> tuple[FieldProblem, ...]:
    return tuple(FieldProblem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors())


NIL = UUID(int=0)


def sync_item(kind: str, line: int, value: object, record_id: UUID | None = None) -> tuple[int, str | None, object]:
    """Turn one parsed NDJSON value into what the sync use case consumes (a record, or why not)."""
    if isinstance(value, Exception):
        return line, None, InvalidLine.whole(line, str(value))
    if not isinstance(value, dict):
        return line, None, InvalidLine.whole(line, "each line must be a JSON object")
    try:
        if kind == "partners":
            p = PartnerSyncLine.model_validate(value)
            return line, p.external_id, p.to_domain(record_id)
        s = ServiceSyncLine.model_validate(value)
        return line, s.external_id, (s.partner_external_id, s.to_domain(NIL, record_id))
    except ValidationError as exc:
        return line, None, InvalidLine(line, _problems(exc))
