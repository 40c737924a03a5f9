"""One place that turns errors into RFC 9457 problem+json responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from api.domain.access import Forbidden, RateLimited, Unauthenticated
from api.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation, VersionMismatch
from api.domain.sync import SyncRejected
from api.schemas.problems import FieldError, Problem

log = logging.getLogger("pathways.errors")
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://pathways.example/problems/"
RETRY_AFTER_UNAVAILABLE_S = 5

STATUS_OF: list[tuple[type[DomainError], int, str]] = [
    (Unauthenticated, 401, "unauthenticated"),
    (Forbidden, 403, "forbidden"),
    (RateLimited, 429, "rate-limited"),
    (NotFound, 404, "not-found"),
    (InvalidInput, 422, "invalid-input"),
    (SyncRejected, 422, "sync-rejected"),
    (VersionMismatch, 412, "stale-version"),
    (RuleViolation, 409, "rule-violated"),
    (DomainError, 400, "bad-request"),
]


def status_of(exc: DomainError) -> tuple[int, str]:
    """The HTTP status and problem type slug of a domain error."""
    for cls, status, slug in STATUS_OF:
        if isinstance(exc, cls):
            return status, slug
    return 400, "bad-request"


def problem_response(
    request: Request, status: int, title: str, detail: str | None = None, *, slug: str | None = None,
    errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a problem+json response."""
    body = Problem(
        type=TYPE_BASE + slug if slug else "about:blank", title=title, status=status, detail=detail,
        instance=request.url.path, errors=None if errors is None else [FieldError(**e) for e in errors],
    ).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status, slug = status_of(exc)
    title = type(exc).title if type(exc).title != DomainError.title else type(exc).__name__
    errors = None
    if isinstance(exc, InvalidInput):
        errors = [{"field": p.field, "message": p.message} for p in exc.problems]
    if isinstance(exc, SyncRejected):
        errors = [{"field": f"line {e.line}", "message": e.reason} for e in exc.report.errors]
    rule = type(exc).__name__ if isinstance(exc, RuleViolation) else None
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="pathways"'
    if isinstance(exc, RateLimited):
        d = exc.decision
        headers.update({"Retry-After": str(d.reset_seconds), "RateLimit-Limit": str(d.limit),
                        "RateLimit-Remaining": "0", "RateLimit-Reset": str(d.reset_seconds)})
    return problem_response(request, status, title, exc.detail, slug=_rule_slug(rule) if rule else slug,
                            errors=errors, headers=headers or None)


def _rule_slug(rule: str) -> str:
    return "".join("-" + c.lower() if c.isupper() else c for c in rule).lstrip("-")


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or ".".join(str(p) for p in loc)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _loc(tuple(e.get("loc", ()))), "message": e.get("msg", "invalid")} for e in exc.errors()]
    malformed = any(e.get("type") == "json_invalid" for e in exc.errors())
    if malformed:
        return problem_response(request, 400, "Malformed JSON", "the request body is not valid JSON",
                                slug="malformed-json", errors=errors)
    return problem_response(request, 422, "Invalid input", "the request does not match the schema",
                            slug="invalid-input", errors=errors)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}.get(
        exc.status_code, "HTTP error")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(request, exc.status_code, title, str(exc.detail), headers=headers or None)


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (the router names only the first route that matched it)."""
    routes = request.app.router.routes
    return ", ".join(method for method in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
                     if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, getattr(request.app.state, "unavailable_errors", ())):
        return _unavailable(request, exc)  # raised outside the routes (middleware): same answer
    log.exception("unhandled error", exc_info=exc)
    return problem_response(request, 500, "Internal server error", "an unexpected error occurred; it was logged")


def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
    return problem_response(request, 503, "Database unavailable",
                            "the database cannot be reached or dropped the connection; retry shortly (a sync, "
                            "or a POST with the same Idempotency-Key, is safe to send again)",
                            slug="database-unavailable", headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE_S)})


def _unstorable_text(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, "Invalid input",
                            "a text value contains the NUL character (U+0000), which cannot be stored",
                            slug="invalid-input")


def install(app: FastAPI, *, unavailable: tuple[type[Exception], ...] = (),
            unstorable_text: tuple[type[Exception], ...] = ()) -> None:
    """Register the problem handlers on ``app``.

    ``unavailable`` are the storage's connection failures (503); ``unstorable_text`` its refusals of text
    it cannot hold (422: bad input, never a 500).
    """
    app.state.unavailable_errors = unavailable
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for cls in unavailable:
        app.add_exception_handler(cls, _unavailable)
    for cls in unstorable_text:
        app.add_exception_handler(cls, _unstorable_text)
    app.add_exception_handler(Exception, _unexpected)


def document_problems(openapi: dict[str, Any], *, unmetered: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Document in every operation the problems any request can meet, whatever its handler does.

    Authentication and rate limits run on every route (401, 429), scoped routes refuse keys without the
    scope (403), bodies may be malformed (400) or too large (413), and invalid input is a problem+json
    422, never FastAPI's default ``HTTPValidationError`` (which the service never sends). ``unmetered``
    paths (the probes) neither authenticate nor count against a rate limit.
    """
    problem = {"$ref": "#/components/schemas/Problem"}
    content = {"application/json": {"schema": problem}, PROBLEM_JSON: {"schema": problem}}
    described = {400: "Malformed request", 401: "No valid API key", 403: "The key lacks the scope or the jurisdiction",
                 413: "Body too large", 422: "Invalid input", 429: "Rate limit reached"}
    for path, operations in openapi.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = set() if path in unmetered else {401, 429}
            if operation.get("x-required-scope", "public") != "public":
                statuses.add(403)
            body = operation.get("requestBody")
            if body is not None:
                statuses.add(413)
                if "application/json" in body.get("content", {}):
                    statuses.add(400)
            declared = operation["responses"]
            if "422" in declared or body is not None or operation.get("parameters"):
                statuses.add(422)
            for status in sorted(statuses):
                current = declared.get(str(status))
                if current is None or PROBLEM_JSON not in current.get("content", {}):
                    declared[str(status)] = {"description": described[status], "content": dict(content)}
            operation["responses"] = dict(sorted(declared.items()))
    schemas = openapi.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return openapi


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the problems an operation can return."""
    described = {
        400: "Malformed request", 404: "Not found", 409: "A rule forbids the change", 412: "Stale If-Match",
        413: "Body too large", 422: "Invalid input", 304: "Not modified", 401: "No valid API key",
        403: "The key lacks the scope or the jurisdiction", 429: "Rate limit reached",
    }
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        if s == 304:
            out[s] = {"description": described[s]}
        else:
            out[s] = {"model": Problem, "description": described.get(s, "Problem"),
                      "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    return out
