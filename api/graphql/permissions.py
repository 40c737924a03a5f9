"""Permissions declared on every mutation (and checked again by the use case it calls)."""

from __future__ import annotations

from functools import cache
from typing import Any

from strawberry.permission import BasePermission

from api.domain.access import Scope


@cache
def requires(scope: Scope) -> type[BasePermission]:
    """The permission class that lets a mutation run only for callers holding ``scope``."""

    class Requires(BasePermission):
        message = f"this mutation needs an API key with the '{scope}' scope"
        required_scope = scope

        def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            return bool(info.context.caller.has(scope))

    Requires.__name__ = f"Requires_{scope.value.replace(':', '_')}"
    return Requires
