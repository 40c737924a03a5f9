"""The access policy of every REST operation, in one table, published in OpenAPI as ``x-required-scope``.

The use cases enforce it; this table documents it, and the permission-matrix test checks that what
the service does matches what it declares, for every operation of the live route table.
"""

from __future__ import annotations

import re
from typing import Any

PUBLIC = "public"
# (method pattern, path pattern, required scope); first match wins.
RULES: list[tuple[str, str, str]] = [
    (r"GET", r"^/(healthz|readyz)?$", PUBLIC),
    (r"GET", r"^/v1/reference/", PUBLIC),
    (r"PUT", r"^/v1/reference/regions/", "directory:write"),
    (r".*", r"^/v1/reference/", "admin"),
    (r".*", r"^/v1/(admin|audit)", "admin"),
    (r"GET", r"^/v1/partners", "directory:read"),
    (r".*", r"^/v1/partners", "directory:write"),
    (r"GET", r"^/v1/(systems|rounds)", "systems:read"),
    (r".*", r"^/v1/(systems|rounds)", "systems:write"),
]


def required_scope(method: str, path: str) -> str | None:
    """The scope an operation needs, ``public``, or None when the policy does not cover it."""
    for method_re, path_re, scope in RULES:
        if re.fullmatch(method_re, method.upper()) and re.search(path_re, path):
            return scope
    return None


def annotate(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add ``x-required-scope`` to every operation of an OpenAPI document."""
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            scope = required_scope(method, path)
            if scope is not None:
                operation["x-required-scope"] = scope
    return openapi
