"""The access policy of every REST operation, in one table, published in OpenAPI as ``x-required-scope``.

The use cases enforce it; this table documents it, and the permission-matrix test checks that what
the service does matches what it declares, for every operation of the live route table.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from fastapi import Request

from api.deps import CallerDep
from api.domain.access import Forbidden, Scope, require

PUBLIC = "public"
# (method pattern, path pattern, required scope); first match wins.
RULES: list[tuple[str, str, str]] = [
    (r"GET", r"^/(healthz|readyz)?$", PUBLIC),
    (r"GET", r"^/problems(/|$)", PUBLIC),
    # GraphQL checks each field and mutation itself (through the same use cases).
    (r"GET|POST", r"^/graphql", PUBLIC),
    (r"GET", r"^/v1/reference/", PUBLIC),
    (r"PUT", r"^/v1/reference/regions/", "directory:write"),
    (r".*", r"^/v1/reference/", "admin"),
    (r".*", r"^/v1/(admin|audit)", "admin"),
    (r"POST", r"^/v1/sync/", "directory:write"),
    (r"GET", r"^/v1/(changes|export/)", "directory:read"),
    # Joining a system from a connection changes the system, not the connection.
    (r"POST", r"^/v1/connections/[^/]+/join-system$", "systems:write"),
    # Connections are between directory partners (use cases check the FROM partner's jurisdiction).
    (r"GET", r"^/v1/connections", "directory:read"),
    (r".*", r"^/v1/connections", "directory:write"),
    # Labour market figures are read like the directory; titles are deployment-wide reference data.
    (r"GET", r"^/v1/labor-market", "directory:read"),
    (r".*", r"^/v1/labor-market/titles", "admin"),
    (r".*", r"^/v1/labor-market", "lmi:write"),
    # The HSDS 3.0 API is a read-only view of the directory.
    (r"GET", r"^/hsds(/|$)", "directory:read"),
    (r"GET", r"^/v1/partners", "directory:read"),
    (r".*", r"^/v1/partners", "directory:write"),
    (r"GET", r"^/v1/(systems|rounds)", "systems:read"),
    (r"GET", r"^/v1/states/", "systems:read"),
    (r".*", r"^/v1/(systems|rounds)", "systems:write"),
]


_COMPILED = [(re.compile(method_re), re.compile(path_re), scope) for method_re, path_re, scope in RULES]


def required_scope(method: str, path: str) -> str | None:
    """The scope an operation needs, ``public``, or None when the policy does not cover it."""
    method = method.upper()
    for method_re, path_re, scope in _COMPILED:
        if method_re.fullmatch(method) and path_re.search(path):
            return scope
    return None


# Every request asks for its route template's scope: remember the answers (templates and methods are few;
# URL paths, asked for only when a route has no template, are not remembered).
_scope_of_route = functools.lru_cache(maxsize=1024)(required_scope)


async def enforce(request: Request, caller: CallerDep) -> None:
    """Refuse a request whose key lacks the operation's scope before its body is even validated.

    Fails closed: an operation the policy does not cover is refused. The use cases check again,
    with the jurisdiction of the records involved.
    """
    template = getattr(request.scope.get("route"), "path", "")
    # Routes carry their template (so ids never match a rule by accident); a router mounted with a
    # prefix at include time (GraphQL) reports only its own part, so fall back to the URL path.
    if template.startswith("/"):
        path, scope = template, _scope_of_route(request.method, template)
    else:
        path = request.url.path
        scope = required_scope(request.method, path)
    if scope == PUBLIC:
        return
    if scope is None:
        raise Forbidden(f"no access policy covers {request.method} {path}")
    require(caller, Scope(scope))


def annotate(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add ``x-required-scope`` to every operation of an OpenAPI document."""
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            scope = required_scope(method, path)
            if scope is not None:
                operation["x-required-scope"] = scope
    return openapi
