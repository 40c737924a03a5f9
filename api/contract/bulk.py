"""Bulk bodies declared so that client generators keep them, with the schema of one line.

An NDJSON or CSV body is declared as a binary string (generators then take a file or bytes and send it as it
is), and the schema of one line (or CSV row) is published as a component, referenced from the media type as
``x-itemSchema``: the OpenAPI 3.2 ``itemSchema``, written as an extension in this 3.1 document. The same for the
NDJSON the service streams back (exports, HSDS ``format=ndjson``). Typed figures of gaps are published here too.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.hsds.schemas import HsdsOrganization, HsdsService
from api.schemas.bulk_lines import ObservationLine, TitleLine
from api.schemas.partners import PartnerOut, ServiceOut
from api.schemas.states import StateOverviewCsvRow
from api.schemas.sync import PartnerSyncLine, ServiceSyncLine

NDJSON = "application/x-ndjson"
CSV = "text/csv"
BINARY = {"type": "string", "format": "binary"}
ITEM = "x-itemSchema"

PARTNER_LINE = ('{"external_id": "ORG-1042", "name": "Brightwater Community College", '
                '"partner_type": "educational_institution", "jurisdiction": {"state": "OR"}}\n')
SERVICE_LINE = ('{"external_id": "SVC-7", "partner_external_id": "ORG-1042", "name": "Nursing (ADN)", '
                '"category": "occupational_training", "capacity": 120}\n')
OBSERVATION_LINE = ('{"region": "or-brightwater", "code": "29-1141", "period": "2024-2034", "source": "OR Employment '
                    'Department", "retrieved_at": "2026-11-01T08:00:00Z", "annual_openings": 152}\n')
HSDS_ORGANIZATION = {"id": "a1b2c3d4-0000-4000-8000-000000000001", "name": "Brightwater Food Bank",
                     "description": "Emergency food and benefits enrollment.",
                     "services": [{"id": "a1b2c3d4-0000-4000-8000-000000000002", "name": "SNAP enrollment help",
                                   "status": "active"}]}
GAP_FIGURES: dict[str, tuple[str, str]] = {
    "agreement_id": ("string", "The agreement concerned."),
    "assignment_id": ("string", "The role assignment concerned."),
    "partner_id": ("string", "The partner concerned."),
    "service_id": ("string", "The service concerned."),
    "lead_partner_id": ("string", "The lead partner of the function concerned."),
    "type": ("string", "The agreement's type."),
    "expires_on": ("string", "The day the agreement ends."),
    "review_by": ("string", "The day the agreement is due for review."),
    "due_on": ("string", "The day the team review was due."),
    "days_expired": ("integer", "Days since the agreement expired."),
    "days_past_review": ("integer", "Days past the agreement's review date."),
    "days_to_expiry": ("integer", "Days until the agreement expires."),
    "days_overdue": ("integer", "Days the team review is overdue."),
    "cadence_months": ("integer", "Months between team reviews."),
    "supporters": ("integer", "Members that support the function without a lead."),
    "regions_covered": ("integer", "Target regions some member serves."),
    "regions_total": ("integer", "Target regions in all."),
    "missing": ("string", "What is missing (codes, comma-separated)."),
    "populations": ("string", "Populations concerned (comma-separated)."),
    "recommended_types": ("string", "Partner types worth recruiting (comma-separated)."),
    "candidates": ("string", "Candidates (comma-separated names)."),
    "providers": ("string", "Members whose training counts towards capacity (semicolon-separated)."),
    "regions_without_data": ("string", "Regions with no labour market figures (comma-separated)."),
    "total": ("string", "Total funding, in US dollars."),
    "grant_share": ("number", "Share of the funding that comes from grants (0 to 1)."),
    "annual_openings": ("number", "Annual job openings in the system's regions."),
    "capacity": ("number", "Yearly capacity of the members' training for the occupation."),
    "shortfall": ("number", "Openings the training capacity does not cover."),
    "sources": ("string", "Sources of the labour market figures."),
    "periods": ("string", "Periods of the labour market figures."),
    "retrieved_at": ("string", "When the latest of the figures was retrieved."),
    "regions": ("string", "Regions whose figures were added up."),
    "basis": ("string", "Why the occupation counts: in_demand or target_occupation."),
}


def _components(openapi: dict[str, Any], *models: type[BaseModel]) -> None:
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    _, top = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    for name, schema in top.get("$defs", {}).items():
        schemas.setdefault(name, schema)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(openapi: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = openapi.get("paths", {}).get(path, {}).get(method)
    return found


def declare(openapi: dict[str, Any]) -> None:
    """Declare the bulk bodies of the operations that have them (those present in ``openapi``)."""
    _components(openapi, PartnerSyncLine, ServiceSyncLine, ObservationLine, TitleLine, PartnerOut, ServiceOut,
                HsdsOrganization, HsdsService, StateOverviewCsvRow)
    schemas = openapi["components"]["schemas"]
    schemas["GapFigures"] = {
        "type": "object", "title": "GapFigures",
        "description": "The numbers behind a gap, by name; which ones a gap carries depends on its kind. Values are "
                       "numbers or text.",
        "properties": {name: {"type": kind, "description": text} for name, (kind, text) in GAP_FIGURES.items()},
        "additionalProperties": {"anyOf": [{"type": "number"}, {"type": "string"}]},
    }
    gap = schemas.get("GapOut", {}).get("properties", {})
    if "figures" in gap:
        gap["figures"] = {"$ref": "#/components/schemas/GapFigures",
                          "description": "The numbers behind the gap, by name."}

    if (op := _operation(openapi, "post", "/v1/sync/{kind}")) is not None:
        op["requestBody"] = {
            "required": True,
            "description": "NDJSON, one record a line: `PartnerSyncLine` for `kind=partners`, `ServiceSyncLine` for "
                           "`kind=services` (the schema of one line is in `x-itemSchema`).",
            "content": {NDJSON: {"schema": BINARY, ITEM: {"oneOf": [_ref(PartnerSyncLine), _ref(ServiceSyncLine)]},
                                 "example": PARTNER_LINE}},
        }
    if (op := _operation(openapi, "post", "/v1/sync/hsds")) is not None:
        item = {"anyOf": [_ref(HsdsOrganization), _ref(HsdsService)]}
        op["requestBody"] = {
            "required": True,
            "description": "An HSDS 3.0 dataset: organizations (their services nested or not) and services, as a "
                           "JSON array (or one object, or an HSDS `Page`), or as NDJSON, one object a line.",
            "content": {
                "application/json": {"schema": {"type": "array", "items": item}, "example": [HSDS_ORGANIZATION]},
                NDJSON: {"schema": BINARY, ITEM: item, "example": _ndjson(HSDS_ORGANIZATION)},
            },
        }
    if (op := _operation(openapi, "post", "/v1/labor-market/observations")) is not None:
        body = op.setdefault("requestBody", {"required": True})
        body["content"] = {NDJSON: {"schema": BINARY, ITEM: _ref(ObservationLine), "example": OBSERVATION_LINE}}
    if (op := _operation(openapi, "post", "/v1/labor-market/titles")) is not None:
        body = op.setdefault("requestBody", {"required": True})
        body["content"] = {
            NDJSON: {"schema": BINARY, ITEM: _ref(TitleLine),
                     "example": '{"scheme": "soc", "code": "29-1141", "title": "Registered Nurses"}\n'},
            CSV: {"schema": BINARY, ITEM: _ref(TitleLine),
                  "example": "scheme,code,title\nsoc,29-1141,Registered Nurses\n"},
        }
    if (op := _operation(openapi, "get", "/v1/states/{state}/overview")) is not None:
        content = op["responses"]["200"]["content"]
        content[CSV] = {**content.get(CSV, {}), "schema": BINARY, ITEM: _ref(StateOverviewCsvRow)}
    if (op := _operation(openapi, "get", "/v1/export/{kind}")) is not None:
        op["responses"]["200"] = {
            "description": "NDJSON, one record a line: `PartnerOut` for `kind=partners`, `ServiceOut` for "
                           "`kind=services` (the schema of one line is in `x-itemSchema`).",
            "content": {NDJSON: {"schema": BINARY, ITEM: {"oneOf": [_ref(PartnerOut), _ref(ServiceOut)]},
                                 "example": PARTNER_LINE}},
        }


def _ndjson(obj: dict[str, Any]) -> str:
    import json

    return json.dumps(obj) + "\n"
