"""RFC 9457 problem details, as documented in OpenAPI."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.bulk import BulkReportOut, SyncReportOut


class FieldError(BaseModel):
    """One invalid field (``line``: of a bulk body, for a problem refusing its invalid lines)."""

    line: int | None = None
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    report: SyncReportOut | BulkReportOut | None = Field(
        default=None, description="a refused bulk load: the report of the load (the same as with on_error=skip, "
                                  "nothing written); the sync fields only for syncs")
    would_retire: int | None = Field(default=None, description="a refused complete set: records it would retire")
    active: int | None = Field(default=None, description="a refused complete set: the source's records not retired")
    allowed: int | None = Field(default=None, description="a refused complete set: how many it may retire")
