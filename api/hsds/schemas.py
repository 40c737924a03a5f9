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

    total_items: int = Field(description=(
        "Number of objects matching the query: exact up to 10,000 and on the last page; above 10,000 the "
        "database's estimate, never fewer than this page shows exist (`last_page` is always exact)."))
    total_pages: int = Field(description="Number of pages of ``per_page`` objects (from ``total_items``).")
    page_number: int = Field(description="This page's number, from 1.")
    size: int = Field(description="Number of objects on this page.")
    first_page: bool
    last_page: bool
    empty: bool = Field(description="Whether this page holds no object.")
    contents: list[dict[str, Any]] = Field(description="HSDS 3.0 objects (see the HSDS JSON schemas).")


class _HsdsObject(BaseModel):
    """Fields every HSDS object published here has; others follow the HSDS 3.0 JSON schemas."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="The object's HSDS id (a UUID, stable across requests).",
                    examples=["3fa85f64-5717-4562-b3fc-2c963f66afa6"])


class HsdsOrganization(_HsdsObject):
    """An HSDS 3.0 organization: a partner of the directory (one-to-one fields, or fully nested with ``full``)."""

    name: str = Field(description="The organization's name.", examples=["Brightwater Community College"])
    description: str | None = Field(default=None, description="What the organization does.")
    website: str | None = Field(default=None, description="Its website.")
    contacts: list[dict[str, Any]] | None = Field(default=None, description="HSDS contacts (full only).")
    locations: list[dict[str, Any]] | None = Field(default=None, description="HSDS locations (full only).")
    organization_identifiers: list[dict[str, Any]] | None = Field(
        default=None, description="Its identifiers in other systems (full only).")
    funding: list[dict[str, Any]] | None = Field(default=None, description="Funding streams (full only).")
    attributes: list[dict[str, Any]] | None = Field(
        default=None, description="Taxonomy terms: its partner type and populations served (full only).")
    services: list[dict[str, Any]] | None = Field(default=None, description="Its services (with full_service).")
    x_pathways: dict[str, Any] | None = Field(default=None, description="Pathways fields HSDS has no place for.")


class HsdsService(_HsdsObject):
    """An HSDS 3.0 service: a service a partner offers (one-to-one fields, or fully nested with ``full``)."""

    organization_id: str | None = Field(default=None, description="The organization that offers it.")
    name: str | None = Field(default=None, description="The service's name.", examples=["Nursing (ADN)"])
    description: str | None = Field(default=None, description="What the service is.")
    status: str | None = Field(default=None, description="active, inactive or defunct (retired).",
                               examples=["active"])
    last_modified: str | None = Field(default=None, description="When the service or its organization last changed "
                                                                "(RFC 3339).", examples=["2026-11-23T09:30:00Z"])
    organization: HsdsOrganization | None = Field(default=None, description="The organization that offers it.")
    service_areas: list[dict[str, Any]] | None = Field(default=None, description="Regions served (full only).")
    service_at_locations: list[dict[str, Any]] | None = Field(default=None,
                                                              description="Where it is offered (full only).")
    funding: list[dict[str, Any]] | None = Field(default=None, description="Funding streams (full only).")
    attributes: list[dict[str, Any]] | None = Field(
        default=None, description="Taxonomy terms: category, populations, functions (full only).")
    x_pathways: dict[str, Any] | None = Field(default=None, description="Pathways fields HSDS has no place for.")


class HsdsServiceMinimal(_HsdsObject):
    """A service in short (``minimal=true``): its id and when it last changed, to find what to fetch again."""

    last_modified: str | None = Field(default=None, description="When the service or its organization last changed "
                                                                "(RFC 3339).", examples=["2026-11-23T09:30:00Z"])


class HsdsServiceAtLocation(_HsdsObject):
    """An HSDS 3.0 service_at_location: a service at its partner's location."""

    service_id: str | None = Field(default=None, description="The service.")
    location_id: str | None = Field(default=None, description="The location.")
    location: dict[str, Any] | None = Field(default=None, description="The HSDS location.")
    service: HsdsService | None = Field(default=None, description="The service.")


class HsdsTaxonomy(_HsdsObject):
    """An HSDS 3.0 taxonomy: partner types, service categories, populations or functions."""

    name: str | None = Field(default=None, description="The taxonomy's name.")
    description: str | None = Field(default=None, description="What it classifies.")
    uri: str | None = Field(default=None, description="The taxonomy's URI.")


class HsdsTaxonomyTerm(_HsdsObject):
    """An HSDS 3.0 taxonomy term: one code of one of our taxonomies."""

    code: str | None = Field(default=None, description="An external code for the term (CEDS code for populations).")
    name: str | None = Field(default=None, description="The term's name.")
    description: str | None = Field(default=None, description="What the term means.")
    parent_id: str | None = Field(default=None, description="The broader term.")
    taxonomy: str | None = Field(default=None, description="The taxonomy's URI.")
    taxonomy_detail: dict[str, Any] | None = Field(default=None, description="The taxonomy.")
    language: str | None = Field(default=None, description="The language of name and description.")
    taxonomy_id: str | None = Field(default=None, description="The taxonomy's id.")
    term_uri: str | None = Field(default=None, description="The term's URI.")


class HsdsServicePage(HsdsPage):
    """A page of HSDS services."""

    contents: list[HsdsService | HsdsServiceMinimal] = Field(  # type: ignore[assignment]
        description="The services of this page (id and last_modified only with minimal=true).")


class HsdsOrganizationPage(HsdsPage):
    """A page of HSDS organizations."""

    contents: list[HsdsOrganization] = Field(description="The organizations of this page.")  # type: ignore[assignment]


class HsdsServiceAtLocationPage(HsdsPage):
    """A page of HSDS service_at_locations."""

    contents: list[HsdsServiceAtLocation] = Field(  # type: ignore[assignment]
        description="The service_at_locations of this page.")


class HsdsTaxonomyPage(HsdsPage):
    """A page of HSDS taxonomies."""

    contents: list[HsdsTaxonomy] = Field(description="The taxonomies of this page.")  # type: ignore[assignment]


class HsdsTaxonomyTermPage(HsdsPage):
    """A page of HSDS taxonomy terms."""

    contents: list[HsdsTaxonomyTerm] = Field(description="The terms of this page.")  # type: ignore[assignment]



class DroppedFieldOut(BaseModel):
    """HSDS fields the import did not keep, grouped by JSON path (positions as ``[]``) and reason."""

    model_config = ConfigDict(from_attributes=True)

    path: str = Field(description="The JSON path of the field, positions as `[]`.",
                      examples=["organizations[].funding[].source"])
    reason: str = Field(description="Why it was not kept.", examples=["not modelled"])
    count: int = Field(description="How many times the import met it.", examples=[3])
    examples: list[str] = Field(description="Up to three full paths, e.g. organizations[3].funding[0].source "
                                            "(the fourth object of the body).")


class HsdsImportReport(BulkReportOut):
    """An HSDS import: the bulk counts of both runs together, each run (organizations first, then services),
    and the HSDS fields left out by JSON path. ``lines`` counts the HSDS objects read."""

    source: str = Field(description="The HSDS dataset's name (records are keyed under `hsds:<source>`).",
                        examples=["211-data"])
    mode: SyncMode = Field(description="upsert, or complete (records of the source missing from the body are "
                                       "retired).")
    dry_run: bool = Field(default=False, description="True: a dry run, nothing was written.")
    services_retired: int = Field(default=0, description="Services retired with their retired partners.")
    partners: SyncReportOut = Field(description="The run over the organizations.")
    services: SyncReportOut = Field(description="The run over the services.")
    omitted_fields: int = Field(description="How many HSDS fields were left out in all (see `dropped_fields`).")
    dropped_fields: list[DroppedFieldOut] = Field(description="The fields left out, grouped and counted.")

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
