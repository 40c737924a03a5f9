"""HTTP helpers shared by the routes: ETags, preconditions, paging links, strict query parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import Request, Response, params
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute

from api.domain.errors import FieldProblem, InvalidInput, VersionMismatch

_ETAG_RE = re.compile(r'^(?:W/)?"v(\d{1,10})"$')


def etag(version: int) -> str:
    """The entity tag of a record at ``version``."""
    return f'"v{version}"'


def expected_version(if_match: str | None, kind: str, ident: object) -> int | None:
    """The version an ``If-Match`` header asks for; a tag we never issued can match nothing."""
    if if_match is None or if_match.strip() == "*":
        return None
    m = _ETAG_RE.match(if_match.strip())
    if m is None:
        raise VersionMismatch(kind, ident, None, None)
    return int(m.group(1))


def not_modified(request: Request, version: int) -> bool:
    """Say whether ``If-None-Match`` already names this version."""
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    tags = {t.strip() for t in header.split(",")}
    return "*" in tags or etag(version) in tags or f"W/{etag(version)}" in tags


def set_next_link(request: Request, response: Response, cursor: str | None) -> None:
    """Add ``Link: <...>; rel="next"`` pointing at the next page."""
    if cursor:
        url = request.url.include_query_params(cursor=cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'


def json_bytes(content: bytes, response: Response) -> Response:
    """A JSON response of ready-made bytes that keeps the headers set on ``response`` (rate limits, Link)."""
    out = Response(content, media_type="application/json")
    out.headers.raw.extend(response.headers.raw)  # what FastAPI does when it builds the response itself
    return out


def reject_unknown_params(request: Request, allowed: Iterable[str]) -> None:
    """Refuse query parameters the operation does not know, so a typo never silently widens a filter."""
    unknown = sorted(set(request.query_params) - set(allowed))
    if unknown:
        raise InvalidInput([FieldProblem(name, "is not a parameter of this operation") for name in unknown])


_declared: dict[tuple[object, str], frozenset[str]] = {}


def declared_query_params(route: APIRoute) -> frozenset[str]:
    """The query parameters an operation declares, its dependencies' included (remembered per endpoint)."""
    key = (route.endpoint, route.path_format)
    found = _declared.get(key)
    if found is None:
        found = _declared[key] = frozenset(field.alias for field in get_flat_params(route.dependant)
                                           if isinstance(field.field_info, params.Query))
    return found


async def known_query_params_only(request: Request) -> None:
    """One rule for every documented operation: a query parameter it does not declare is a 422 naming it.

    Installed on the whole application (``api.main``), so a new route follows it without a line of its own.
    Left alone: routes outside the OpenAPI description, and GraphQL (mounted with a prefix at include time, so
    its route knows no absolute path), which reads its own query parameters (GraphiQL's ``?q=`` share links).
    ``tests/rest/test_openapi_contract.py`` sends an unknown parameter to every documented operation.
    """
    route = request.scope.get("route")
    if (request.query_params and isinstance(route, APIRoute) and route.include_in_schema
            and route.path_format.startswith("/")):
        reject_unknown_params(request, declared_query_params(route))
