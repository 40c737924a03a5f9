"""Examples for every request body and main response, built from the schemas so that they always validate.

A field's own ``examples`` (``Field(examples=[...])``) win; otherwise a value is made from the field's name and
constraints (enums, formats, bounds). ``tests/rest/test_openapi_contract.py`` validates every example against
its schema, and Spectral does again in CI.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 6
UUIDS = ("3fa85f64-5717-4562-b3fc-2c963f66afa6",)
BY_NAME: dict[str, Any] = {
    "name": "Brightwater Community College",
    "title": "Registered nurses",
    "email": "alex.rivera@brightwater.example.org",
    "phone": "+1 503 555 0100",
    "website": "https://brightwater.example.org",
    "street": "100 Main St",
    "city": "Brightwater",
    "state": "OR",
    "postal_code": "97301",
    "region": "or-brightwater",
    "local_area": "or-brightwater",
    "source": "or-wd",
    "external_id": "ORG-1042",
    "partner_external_id": "ORG-1042",
    "partner_type": "educational_institution",
    "category": "occupational_training",
    "population": "veterans",
    "code": "29-1141",
    "program_cip": "51.3801",
    "period": "2024-2034",
    "next_cursor": None,
    "cursor": None,
    "description": "Two-year college offering nursing and advanced manufacturing programs.",
    "detail": "the request does not match the schema",
    "message": "must be an http(s) URL",
    "reason": "partner_external_id: unknown partner",
    "field": "website",
    "key": "pw_AbCdEfGh_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH",
    "prefix": "AbCdEfGh",
    "version": 3,
}


def add(openapi: dict[str, Any]) -> None:
    """Give every request body and main (first 2xx) response an example, unless it has one."""
    schemas = openapi.get("components", {}).get("schemas", {})
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            targets = list(operation.get("requestBody", {}).get("content", {}).values())
            successes = sorted(s for s in operation.get("responses", {}) if s.startswith("2"))
            if successes:
                targets += list(operation["responses"][successes[0]].get("content", {}).values())
            for media in targets:
                if "example" in media or "examples" in media or "schema" not in media:
                    continue
                media["example"] = example(media["schema"], schemas)


def example(schema: dict[str, Any], schemas: dict[str, Any], name: str = "", depth: int = 0) -> Any:
    """A value valid against ``schema`` (references resolved in ``schemas``), made from its name and rules."""
    if "$ref" in schema:
        target = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return example(target, schemas, name, depth + 1)
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [b for b in schema[key] if b.get("type") != "null"] or schema[key]
            return example(branches[0], schemas, name, depth)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example(part, schemas, name, depth)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return _object(schema, schemas, depth)
    if kind == "array":
        if depth > MAX_DEPTH:
            return []
        item = example(schema.get("items", {}), schemas, name, depth + 1)
        return [item] * max(1, schema.get("minItems", 1))
    if kind in ("integer", "number"):
        return _number(schema, name, kind)
    if kind == "boolean":
        return schema.get("default", False) if isinstance(schema.get("default"), bool) else False
    if kind == "string":
        return _string(schema, name)
    if kind == "null":
        return None
    return BY_NAME.get(name, "text")


def _object(schema: dict[str, Any], schemas: dict[str, Any], depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    required = set(schema.get("required", []))
    for prop, definition in schema.get("properties", {}).items():
        if depth > MAX_DEPTH and prop not in required:
            continue
        out[prop] = example(definition, schemas, prop, depth + 1)
    extra = schema.get("additionalProperties")
    if not out and isinstance(extra, dict):
        out["key"] = example(extra, schemas, "", depth + 1)
    return out


def _number(schema: dict[str, Any], name: str, kind: str) -> int | float:
    value: float = BY_NAME.get(name) if isinstance(BY_NAME.get(name), int | float) else 1  # type: ignore[assignment]
    if name.endswith(("capacity", "openings", "employment")):
        value = 120
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and value <= low:
        value = low + (1 if "exclusiveMinimum" in schema else 0)
    if high is not None and value >= high:
        value = high - (1 if "exclusiveMaximum" in schema else 0)
    return int(value) if kind == "integer" else float(value)


def _string(schema: dict[str, Any], name: str) -> str:
    fmt = schema.get("format")
    if fmt == "uuid":
        return UUIDS[0]
    if fmt == "date-time" or name.endswith("_at"):
        return "2026-11-23T09:30:00Z"
    if fmt == "date" or name.endswith("_on") or name.endswith("_by"):
        return "2026-11-23"
    if fmt == "email":
        return BY_NAME["email"]
    if fmt in ("uri", "url") or "url" in name:
        return BY_NAME["website"]
    if fmt == "binary":
        return ""
    if schema.get("pattern") == r"^\d{4}(-\d{4})?$":
        return "2024-2034"
    value = BY_NAME.get(name)
    text = value if isinstance(value, str) else name.replace("_", " ") or "text"
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if len(text) < low:
        text = text.ljust(low, "x")
    if high is not None:
        text = text[:high]
    return text
