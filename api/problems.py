"""One place that turns errors into RFC 9457 problem+json responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.domain.access import Forbidden, RateLimited, Unauthenticated
from api.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation, VersionMismatch
from api.domain.sync import SyncRejected
from api.schemas.problems import Problem

log = logging.getLogger("pathways.errors")
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://pathways.example/problems/"

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
        instance=request.url.path, errors=errors,
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
    return problem_response(request, exc.status_code, title, str(exc.detail), headers=getattr(exc, "headers", None))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(request, 500, "Internal server error", "an unexpected error occurred; it was logged")


def install(app: FastAPI) -> None:
    """Register the problem handlers on ``app``."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


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
