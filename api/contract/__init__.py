"""The OpenAPI description as client generators and explorers need it, completed in one place.

FastAPI writes the paths, parameters and schemas from the routes; this package adds what the routes cannot say
on their own, by rules over the whole route table (so a route added anywhere gets them too): operationIds
(``operations.py``), declared tags, the bearer security scheme and each operation's ``security`` (from the
access policy), the headers each operation sends and honours, the statuses every operation can answer (429,
503), problem responses as ``application/problem+json`` only, enums for closed lists of values, bulk bodies
with the schema of one line, and descriptions and examples (``glossary.py``, ``examples.py``).
``tests/rest/test_openapi_contract.py`` holds every rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from api.contract import bulk, examples, glossary
from api.contract.operations import OPERATION_IDS, TAGS

BEARER = "bearerAuth"
PUBLIC = "public"
PROBLEM_JSON = "application/problem+json"
STREAMED = ("application/x-ndjson", "text/csv", "image/svg+xml")

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {"description": "The request's id: the `X-Request-ID` the client sent (1-128 letters, digits, "
                                    "`.`, `_`, `:`, `-`) or one the service made; it is in the service's log line.",
                     "schema": {"type": "string", "maxLength": 128}, "required": True},
    "RateLimit-Limit": {"description": "Requests allowed per minute to this key (or client address, without a key).",
                        "schema": {"type": "integer", "minimum": 0}},
    "RateLimit-Remaining": {"description": "Requests left in the current minute.",
                            "schema": {"type": "integer", "minimum": 0}},
    "RateLimit-Reset": {"description": "Seconds until the current window ends.",
                        "schema": {"type": "integer", "minimum": 0}},
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 0},
                    "required": True},
    "WWW-Authenticate": {"description": "How to authenticate: `Bearer realm=\"pathways\"`.",
                         "schema": {"type": "string"}, "required": True},
    "ETag": {"description": "The entity tag of the representation: send it in `If-None-Match` to revalidate "
                            "(304 while unchanged) or in `If-Match` to change the record only if nobody else did.",
             "schema": {"type": "string"}},
    "Location": {"description": "The path of the record created.", "schema": {"type": "string"}},
    "Link": {"description": "`<url>; rel=\"next\"`: the next page, when there is one.", "schema": {"type": "string"}},
    "Cache-Control": {"description": "Caches may store the response but must revalidate it (`no-cache`) with its "
                                     "`ETag`; `private` for responses to a key.", "schema": {"type": "string"},
                      "required": True},
    "X-Read-From": {"description": "Where this response's data was read, for debugging: `replica` (a read "
                                   "replica, which may lag the primary by a moment) or `primary` (every write, and "
                                   "every read by a key within `PATHWAYS_READ_YOUR_WRITES_SECONDS` of its last "
                                   "write, or while the replica does not answer). Absent when nothing was read.",
                    "schema": {"type": "string", "enum": ["primary", "replica"]}},
    "Idempotent-Replayed": {"description": "`true` when this response is the stored answer to an earlier request "
                                           "with the same `Idempotency-Key`.",
                            "schema": {"type": "string", "enum": ["true"]}},
}
PARAMETERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {
        "name": "Idempotency-Key", "in": "header", "required": False,
        "description": "Makes the request safe to retry: a retry with the same key and body gets the first "
                       "response (marked `Idempotent-Replayed: true`); the same key with another body is a 422. "
                       "1-128 letters, digits, `.`, `_`, `:`, `-` (a UUID is a good choice); kept per API key.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[A-Za-z0-9._:-]{1,128}$"},
        "example": "3f0c2d4e-5b8a-4c1e-9a77-2d6f0e1b9c55",
    },
    "If-None-Match": {
        "name": "If-None-Match", "in": "header", "required": False,
        "description": "An `ETag` from an earlier response: the service answers 304 with no body while the "
                       "representation still has that tag.",
        "schema": {"type": "string", "maxLength": 1000}, "example": "\"v3\"",
    },
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def document(
    openapi: dict[str, Any], *, public_directory_read: bool, idempotent: Callable[[str, str], bool],
    unmetered: frozenset[str], directory_read: Callable[[str, str], bool],
    contact: dict[str, str], license_info: dict[str, str],
) -> dict[str, Any]:
    """Complete the description FastAPI generated (in place) and return it."""
    info = openapi.setdefault("info", {})
    info["contact"] = contact
    info["license"] = license_info
    openapi["servers"] = [{"url": "/", "description": "This service (the host that served this description)."}]
    openapi["tags"] = TAGS
    components = openapi.setdefault("components", {})
    components["securitySchemes"] = {BEARER: {
        "type": "http", "scheme": "bearer", "bearerFormat": "pw_<prefix>_<secret>",
        "description": "An API key (`pathways keys create`) sent as `Authorization: Bearer <key>`. Each operation "
                       "lists the scope it needs; directory reads also work without a key where the deployment "
                       "publishes its directory (the default).",
    }}
    components["headers"] = dict(HEADERS)
    components["parameters"] = dict(PARAMETERS)
    openapi["security"] = [{BEARER: []}]
    bulk.declare(openapi)
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            method_u = method.upper()
            operation["operationId"] = OPERATION_IDS.get((method_u, path), operation.get("operationId"))
            _security(operation, public_directory_read)
            metered = path not in unmetered
            _statuses(operation, metered=metered, idempotent=idempotent(method_u, path))
            _headers(method_u, operation, metered=metered, idempotent=idempotent(method_u, path),
                     directory_read=directory_read(method_u, path))
            operation["responses"] = dict(sorted(operation["responses"].items()))
    _enums(openapi)
    glossary.describe(openapi)
    examples.add(openapi)
    return openapi


def _security(operation: dict[str, Any], public_directory_read: bool) -> None:
    scope = operation.get("x-required-scope")
    if scope == PUBLIC:
        operation["security"] = []
    elif scope == "directory:read" and public_directory_read:
        operation["security"] = [{BEARER: []}, {}]
    elif scope is not None:
        operation["security"] = [{BEARER: []}]
    if scope not in (None, PUBLIC):  # tools read the scope from the description (bearer has no scopes in 3.0)
        note = f"Needs a key with the `{scope}` scope" + (" (or none: the directory is public)."
                                                          if operation["security"][-1] == {} else ".")
        description = operation.get("description", "").rstrip()
        if note not in description:
            operation["description"] = f"{description}\n\n{note}".lstrip()


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {"schema": _ref("schemas", "Problem")}}}


def _statuses(operation: dict[str, Any], *, metered: bool, idempotent: bool) -> None:
    responses = operation["responses"]
    for status, response in responses.items():
        content = response.get("content", {})
        if status[0] in "45" and PROBLEM_JSON in content:  # problems are sent as problem+json only
            content.pop("application/json", None)
    if metered:  # authenticating and counting the request needs the database
        responses.setdefault("503", _problem("The database is unavailable; retry after `Retry-After` seconds."))
    body = operation.get("requestBody", {}).get("content", {})
    if body:  # bodies declared here (bulk) get what api.problems.document_problems gives declared ones
        responses.setdefault("413", _problem("Body too large"))
        responses.setdefault("422", _problem("Invalid input"))
    if "application/json" in body:
        responses.setdefault("400", _problem("Malformed request"))
    if idempotent:
        responses.setdefault("400", _problem("Malformed request, or an invalid `Idempotency-Key`"))
        responses.setdefault("409", _problem("The first request with this `Idempotency-Key` has not finished"))


def _header(response: dict[str, Any], name: str, *, required: bool | None = None) -> None:
    """Document header ``name`` on ``response``: by reference, or inline where it is (not) required only here."""
    headers = response.setdefault("headers", {})
    usual = HEADERS[name].get("required", False)
    if required is None or required == usual:
        headers[name] = _ref("headers", name)
    else:
        headers[name] = {**HEADERS[name], "required": required}


def _headers(method: str, operation: dict[str, Any], *, metered: bool, idempotent: bool,
             directory_read: bool) -> None:
    responses = operation["responses"]
    params = operation.setdefault("parameters", [])
    names = {p.get("name", "").lower() for p in params if isinstance(p, dict)}
    conditional = "304" in responses
    paged = "cursor" in names
    streamed = any(t in STREAMED for r in responses.values() for t in r.get("content", {}))
    cached = directory_read and "application/json" in responses.get("200", {}).get("content", {})
    if idempotent and "idempotency-key" not in names:
        params.append(_ref("parameters", "Idempotency-Key"))
    if cached:  # api.middleware.DirectoryCaching
        conditional = True
        responses.setdefault("304", {"description": "Not modified: the representation still has the `ETag` sent "
                                                    "in `If-None-Match`."})
    if conditional and "if-none-match" not in names:
        params.append(_ref("parameters", "If-None-Match"))
    for status, response in responses.items():
        _header(response, "X-Request-ID")
        if metered:
            _header(response, "X-Read-From")
            for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
                _header(response, name, required=status == "429")
        if status in ("429", "503"):
            _header(response, "Retry-After")
        if status == "401":
            _header(response, "WWW-Authenticate")
        if not status.startswith(("2", "3")):
            continue
        if cached and status in ("200", "304"):
            _header(response, "Cache-Control")
        if conditional and status in ("200", "304"):
            _header(response, "ETag", required=status == "304" or not streamed)
        elif status in ("200", "201") and method in ("POST", "PUT", "PATCH") and "content" in response:
            _header(response, "ETag")
        if status == "201":
            _header(response, "Location")
        if paged and status == "200":
            _header(response, "Link")
        if idempotent:
            _header(response, "Idempotent-Replayed")
    operation["parameters"] = params
    if not params:
        operation.pop("parameters")


_ALTERNATION = re.compile(r"^\^\(([A-Za-z0-9_ -]+(?:\|[A-Za-z0-9_ -]+)+)\)\$$")


def _enums(node: Any) -> None:
    """Turn ``pattern: ^(a|b|c)$`` (a closed list written as a regular expression) into ``enum``."""
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if node.get("type") == "string" and isinstance(pattern, str) and (m := _ALTERNATION.match(pattern)):
            node.pop("pattern")
            node["enum"] = m.group(1).split("|")
        for value in node.values():
            _enums(value)
    elif isinstance(node, list):
        for value in node:
            _enums(value)
