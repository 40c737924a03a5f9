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

from api.domain.gap_figures import FIGURES, FigureMeaning, Unit
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


_JSON_TYPES = {int: "integer", float: "number", str: "string"}
_FORMATS = {Unit.DATE: "date", Unit.MOMENT: "date-time", Unit.ID: "uuid"}


def _figure(meaning: FigureMeaning) -> dict[str, str]:
    """The JSON schema of one gap figure, as the rules write it (``api/domain/gap_figures.py``)."""
    schema = {"type": _JSON_TYPES[meaning.written_as], "description": meaning.description}
    if meaning.unit in _FORMATS:
        schema["format"] = _FORMATS[meaning.unit]
    return schema


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
        "properties": {name: _figure(meaning) for name, meaning in FIGURES.items()},
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
