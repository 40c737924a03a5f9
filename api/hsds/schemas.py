"""DTOs of the HSDS transport: the HSDS 3.0 API in OpenAPI (the routes send orjson bytes built by
``api.hsds.mapping``) and the report of an HSDS import."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from api.schemas.sync import SyncReportOut


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


class HsdsImportReport(BaseModel):
    """An HSDS import: the partner run and the service run (organizations first), and fields not modelled."""

    partners: SyncReportOut
    services: SyncReportOut
    omitted_fields: int = Field(description="HSDS fields read but not modelled (see the HSDS mapping notes)")

    @classmethod
    def of(cls, found: object) -> HsdsImportReport:
        """The DTO of an import's outcome (``api.hsds.importing.HsdsImport``)."""
        return cls.model_validate(found, from_attributes=True)
