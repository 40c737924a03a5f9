"""One place that turns errors into RFC 9457 problem+json responses."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

import api.domain
from api.domain.access import Forbidden, RateLimited, Unauthenticated
from api.domain.bulk import BulkRejected, BulkTimeBudgetExceeded, EmptyBody, TooManyLines
from api.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation, VersionMismatch
from api.domain.sync import MassRetirement
from api.schemas.bulk import report_out
from api.schemas.problems import FieldError, Problem

log = logging.getLogger("pathways.errors")
PROBLEM_JSON = "application/problem+json"
# Problem types are URI references resolved against the request's URL: each names a page this service serves
# itself (``GET /problems/{name}``), whatever host or proxy it is reached through.
TYPE_BASE = "/problems/"
RETRY_AFTER_UNAVAILABLE_S = 5

STATUS_OF: list[tuple[type[DomainError], int, str]] = [
    (Unauthenticated, 401, "unauthenticated"),
    (Forbidden, 403, "forbidden"),
    (RateLimited, 429, "rate-limited"),
    (NotFound, 404, "not-found"),
    (InvalidInput, 422, "invalid-input"),
    (BulkRejected, 422, "invalid-lines"),
    (EmptyBody, 422, "empty-body"),
    (TooManyLines, 413, "too-many-lines"),
    (BulkTimeBudgetExceeded, 413, "bulk-time-budget-exceeded"),
    (VersionMismatch, 412, "stale-version"),
    (RuleViolation, 409, "rule-violated"),
    (DomainError, 400, "bad-request"),
]


@dataclass(frozen=True, slots=True)
class ProblemType:
    """What one problem ``type`` means and what a client should do about it."""

    name: str
    title: str
    status: int
    meaning: str
    action: str

    @property
    def uri(self) -> str:
        """The ``type`` URI the service sends."""
        return TYPE_BASE + self.name


_FIXED_TYPES = [
    ProblemType("bad-request", "Bad request", 400, "The request breaks a rule of the service that has no more "
                "specific type.", "Read `detail`, correct the request and send it again."),
    ProblemType("malformed-json", "Malformed JSON", 400, "The body is not valid JSON.",
                "Send a body that parses as JSON, with `Content-Type: application/json`."),
    ProblemType("invalid-idempotency-key", "Invalid Idempotency-Key", 400, "The `Idempotency-Key` header is not "
                "1-128 letters, digits, `.`, `_`, `:` or `-`.", "Send a key of that form (a UUID is a good choice)."),
    ProblemType("unauthenticated", "Authentication required", 401, "The operation needs an API key and the "
                "request carried none, or one that is unknown, malformed or revoked.",
                "Send `Authorization: Bearer <key>` with a valid key (`pathways keys create`)."),
    ProblemType("forbidden", "Forbidden", 403, "The key lacks the scope the operation needs, or the record lies "
                "outside the key's jurisdiction.", "Use a key with the scope named in `detail` and the jurisdiction "
                "of the record."),
    ProblemType("not-found", "Not found", 404, "No such record or path (records outside the key's jurisdiction do "
                "not exist for it).", "Check the identifier; list the collection to find it."),
    ProblemType("method-not-allowed", "Method not allowed", 405, "The path exists but does not take this method.",
                "Use one of the methods in the `Allow` header."),
    ProblemType("rule-violated", "Rule violated", 409, "A business rule forbids the change in the record's current "
                "state.", "Read `detail`, change what the rule names, and retry."),
    ProblemType("request-in-progress", "Request in progress", 409, "The first request with this "
                "`Idempotency-Key` has not finished.", "Retry the same request a little later to get its response."),
    ProblemType("stale-version", "Precondition failed", 412, "`If-Match` names a version that is no longer "
                "current: the record changed since it was read.", "Read the record again (new `ETag`), reapply "
                "the change and send it with the new tag."),
    ProblemType("body-too-large", "Request body too large", 413, "The body exceeds the service's limit "
                "(`PATHWAYS_MAX_BODY_BYTES`, or `PATHWAYS_MAX_BULK_BODY_BYTES` for bulk uploads).",
                "Send a smaller body, or split a bulk upload into several requests."),
    ProblemType("body-too-slow", "Request body too slow", 408, "The body did not arrive in time: too long "
                "between two pieces of it (`PATHWAYS_BODY_IDLE_TIMEOUT_S`) or in all (`PATHWAYS_BODY_TIMEOUT_S`, "
                "`PATHWAYS_BULK_BODY_TIMEOUT_S` for bulk uploads).", "Send the body without pauses, or split a "
                "bulk upload into several requests."),
    ProblemType("unsupported-media-type", "Unsupported media type", 415, "The body's `Content-Type` is not one "
                "the operation accepts.", "Send one of the media types the operation documents."),
    ProblemType("request-head-too-large", "Request header fields too large", 431, "The request line and "
                "headers exceed `PATHWAYS_MAX_HEADER_BYTES` bytes or `PATHWAYS_MAX_HEADER_COUNT` fields.",
                "Send fewer or shorter headers."),
    ProblemType("invalid-input", "Invalid input", 422, "Fields, parameters or codes break a validation rule; "
                "`errors[]` names each (`field`, `message`). Unknown query parameters are refused here too.",
                "Correct every field listed in `errors` and send the request again."),
    ProblemType("idempotency-key-reused", "Idempotency-Key reused", 422, "This `Idempotency-Key` was used with a "
                "different request.", "Use a new key for a new request; reuse a key only to retry the same one."),
    ProblemType("invalid-lines", "Invalid lines", 422, "A bulk load (sync, HSDS import, labour market "
                "figures or titles) found invalid lines and, being atomic, wrote nothing; `errors[]` lists each "
                "(`line`, `field`, `message`) and `report` holds the load's report.",
                "Fix the lines listed, or send `on_error=skip` to apply the valid lines only."),
    ProblemType("empty-body", "Empty body", 422, "A bulk load's body holds no record (it is empty or only blank "
                "lines); nothing was changed. An empty file is how a failed upstream export usually looks.",
                "Check the export that produced the body and send it again with its records."),
    ProblemType("too-many-lines", "Too many lines", 413, "A bulk body has more lines than "
                "`PATHWAYS_MAX_BULK_LINES` (blank lines count); nothing was written.",
                "Split the body into several requests."),
    ProblemType("bulk-time-budget-exceeded", "Bulk time budget exceeded", 413, "A bulk load took longer than "
                "`PATHWAYS_BULK_TIME_BUDGET_S`; nothing was written.", "Split the body into several requests."),
    ProblemType("rate-limited", "Rate limit reached", 429, "The key (or the client address, without a key) sent "
                "more requests this minute than its limit.", "Wait the `Retry-After` seconds, then retry."),
    ProblemType("internal-error", "Internal server error", 500, "The service failed unexpectedly; the error was "
                "logged with the request's `X-Request-ID`.", "Retry later; report the `X-Request-ID` if it persists."),
    ProblemType("database-unavailable", "Database unavailable", 503, "The database cannot be reached or dropped "
                "the connection; the service reconnects by itself.", "Retry after `Retry-After` seconds (a sync, or "
                "a POST with the same `Idempotency-Key`, is safe to send again)."),
]


def _rule_classes() -> list[type[RuleViolation]]:
    for module in pkgutil.iter_modules(api.domain.__path__):  # every rule is defined under api.domain
        importlib.import_module(f"api.domain.{module.name}")
    found: list[type[RuleViolation]] = []
    todo: list[type[RuleViolation]] = [RuleViolation]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


@cache
def problem_types() -> dict[str, ProblemType]:
    """Every problem type the service sends, by name: the fixed ones and one per business rule."""
    types = {t.name: t for t in _FIXED_TYPES}
    for cls in sorted(_rule_classes(), key=lambda c: c.__name__):
        meaning = (cls.__doc__ or cls.title).strip().splitlines()[0]
        types[_rule_slug(cls.__name__)] = ProblemType(
            _rule_slug(cls.__name__), cls.title if cls.title != RuleViolation.title else cls.__name__, 409,
            meaning, "Read `detail`, change what the rule names (the record's current state), and retry.")
    return types


def problem_type_uri(name: str, status: int) -> str:
    """The ``type`` URI of a problem; a name missing from the catalogue (a test prevents it) falls back to the
    generic type of its status rather than failing while an error is being reported."""
    if name not in problem_types():
        log.error("problem type %r is not in the catalogue (api/problems.py)", name)
        name = HTTP_SLUGS.get(status, "rule-violated" if status == 409 else "bad-request" if status < 500
                              else "internal-error")
    return TYPE_BASE + name


def status_of(exc: DomainError) -> tuple[int, str]:
    """The HTTP status and problem type slug of a domain error."""
    for cls, status, slug in STATUS_OF:
        if isinstance(exc, cls):
            return status, slug
    return 400, "bad-request"


HTTP_SLUGS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed", 408: "body-too-slow",
              413: "body-too-large", 415: "unsupported-media-type", 431: "request-head-too-large"}


def problem_response(
    request: Request, status: int, title: str, detail: str | None = None, *, slug: str,
    errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """Build a problem+json response of the type named ``slug`` (``extra``: extension members of this kind of
    problem)."""
    body = Problem(
        type=problem_type_uri(slug, status), title=title, status=status, detail=detail,
        instance=request.url.path, errors=None if errors is None else [FieldError(**e) for e in errors],
        **(extra or {}),
    ).model_dump(mode="json", exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    status, slug = status_of(exc)
    title = type(exc).title if type(exc).title != DomainError.title else type(exc).__name__
    errors: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidInput):
        errors = [{"field": p.field, "message": p.message} for p in exc.problems]
    if isinstance(exc, BulkRejected):  # the same line problems and counts as a skip report
        errors = [{"line": p.line, "field": p.field, "message": p.message} for p in exc.problems]
        extra["report"] = report_out(exc.report)
    if isinstance(exc, MassRetirement):
        extra.update(would_retire=exc.would_retire, active=exc.active, allowed=exc.allowed)
    rule = type(exc).__name__ if isinstance(exc, RuleViolation) else None
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="pathways"'
    if isinstance(exc, RateLimited):
        d = exc.decision
        headers.update({"Retry-After": str(d.reset_seconds), "RateLimit-Limit": str(d.limit),
                        "RateLimit-Remaining": "0", "RateLimit-Reset": str(d.reset_seconds)})
    return problem_response(request, status, title, exc.detail, slug=_rule_slug(rule) if rule else slug,
                            errors=errors, headers=headers or None, extra=extra)


def domain_error_response(request: Request, exc: DomainError) -> JSONResponse:
    """The problem response of a domain error raised outside the routes (e.g. by a middleware's check)."""
    return _domain_error(request, exc)


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
    title = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 408: "Request body too slow",
             413: "Request body too large", 415: "Unsupported media type"}.get(exc.status_code, "HTTP error")
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(request, exc.status_code, title, str(exc.detail), headers=headers or None,
                            slug=HTTP_SLUGS.get(exc.status_code, "bad-request" if exc.status_code < 500
                                                else "internal-error"))


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (the router names only the first route that matched it)."""
    routes = request.app.router.routes
    return ", ".join(method for method in ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
                     if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes))


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, getattr(request.app.state, "unavailable_errors", ())):
        return _unavailable(request, exc)  # raised outside the routes (middleware): same answer
    log.exception("unhandled error", exc_info=exc)
    return problem_response(request, 500, "Internal server error", "an unexpected error occurred; it was logged",
                            slug="internal-error")


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
    scope (403), bodies may be malformed (400), too slow (408) or too large (413), and invalid input is a problem+json
    422, never FastAPI's default ``HTTPValidationError`` (which the service never sends). ``unmetered``
    paths (the probes) neither authenticate nor count against a rate limit.
    """
    problem = {"$ref": "#/components/schemas/Problem"}
    content = {"application/json": {"schema": problem}, PROBLEM_JSON: {"schema": problem}}
    described = {400: "Malformed request", 401: "No valid API key", 403: "The key lacks the scope or the jurisdiction",
                 408: "The body did not arrive in time", 413: "Body too large", 422: "Invalid input",
                 429: "Rate limit reached"}
    for path, operations in openapi.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = set() if path in unmetered else {401, 429}
            if operation.get("x-required-scope", "public") != "public":
                statuses.add(403)
            body = operation.get("requestBody")
            if body is not None:
                statuses.update((408, 413))
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
