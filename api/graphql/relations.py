"""Object fields beside foreign ids: the record an id names, read through the request's DataLoaders.

Each loader reads through the use case of the record's own query, so a relation shows exactly what that query
would: a record that does not exist, or that the caller may not see, is null (as ``system(id:)`` answers), and
any other refusal is the coded error of that query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from api.domain.errors import DomainError, NotFound
from api.graphql.errors import query_error

R = TypeVar("R")
P = TypeVar("P")


async def loaded(loader: DataLoader[UUID, Any], key: UUID | None, project: Callable[[R], P]) -> P | None:
    """The projection of the record ``loader`` answers for ``key`` (null for no key, or no record)."""
    if key is None:
        return None
    try:
        found = await loader.load(key)
    except NotFound:
        return None
    except DomainError as exc:
        raise query_error(exc) from exc
    return project(found) if found is not None else None


async def loaded_many(loader: DataLoader[UUID, Any], keys: list[UUID], project: Callable[[R], P]) -> list[P | None]:
    """``loaded`` for many keys at once (one batch), in their order, from a loader that answers None for a missing
    key (a refusal then refuses the whole batch)."""
    try:
        found = await loader.load_many(keys)
    except DomainError as exc:
        raise query_error(exc) from exc
    return [project(x) if x is not None and not isinstance(x, BaseException) else None for x in found]
