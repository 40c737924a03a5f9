"""DTOs of the HSDS transport: the HSDS 3.0 API in OpenAPI (the routes send orjson bytes built by
``api.hsds.mapping``) and the report of an HSDS import."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.domain.sync import SyncMode
from api.hsds.importing import HsdsImport
from api.schemas.bulk import BulkReportOut, LineProblemOut, SyncReportOut


class HsdsAbout(BaseModel):
    """What ``GET /hsds/`` says about this HSDS API."""

    version: str = Field(description="HSDS version of this API.")
    profile: str = Field(description="URL of the HSDS profile this API follows.")
    openapi_url: str = Field(description="URL of the OpenAPI document defining this API.")


class HsdsPage(BaseModel):
    """The HSDS ``Page`` envelope: paging facts and the objects of this page in ``contents``.

    With ``format=ndjson`` the response is instead every matching object, one JSON object a line, unpaged.
    """

    total_items: int = Field(description="Number of objects matching the query.")
    total_pages: int = Field(description="Number of pages of ``per_page`` objects.")
    page_number: int = Field(description="This page's number, from 1.")
    size: int = Field(description="Number of objects on this page.")
    first_page: bool
    last_page: bool
    empty: bool = Field(description="Whether this page holds no object.")
    contents: list[dict[str, Any]] = Field(description="HSDS 3.0 objects (see the HSDS JSON schemas).")


class DroppedFieldOut(BaseModel):
    """HSDS fields the import did not keep, grouped by JSON path (positions as ``[]``) and reason."""

    model_config = ConfigDict(from_attributes=True)

    path: str = Field(description="e.g. organizations[].funding[].source")
    reason: str
    count: int
    examples: list[str] = Field(description="up to three full paths, e.g. organizations[3].funding[0].source "
                                            "(the fourth object of the body)")


class HsdsImportReport(BulkReportOut):
    """An HSDS import: the bulk counts of both runs together, each run (organizations first, then services),
    and the HSDS fields left out by JSON path. ``lines`` counts the HSDS objects read."""

    source: str
    mode: SyncMode
    dry_run: bool = Field(default=False, description="true: a dry run, nothing was written")
    services_retired: int = 0
    partners: SyncReportOut
    services: SyncReportOut
    omitted_fields: int = Field(description="how many HSDS fields were left out in all (see dropped_fields)")
    dropped_fields: list[DroppedFieldOut] = Field(description="the fields left out, grouped and counted")

    @classmethod
    def of(cls, found: HsdsImport) -> HsdsImportReport:
        """The DTO of an import's outcome."""
        counts = {name: found.total(name) for name in
                  ("created", "updated", "unchanged", "duplicates", "retired", "rejected", "services_retired")}
        return cls(
            lines=found.lines, **counts, problems=[LineProblemOut.model_validate(p) for p in found.problems],
            source=found.partners.source, mode=found.partners.mode, dry_run=found.dry_run,
            partners=SyncReportOut.model_validate(found.partners),
            services=SyncReportOut.model_validate(found.services), omitted_fields=found.omitted_fields,
            dropped_fields=[DroppedFieldOut.model_validate(d) for d in found.dropped],
        )
