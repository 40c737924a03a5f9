"""Declaring that a resolver can answer for many sources at once (read by the fast path when it is on).

The mark is plain data on the resolver: without the fast path (``api/graphql/fast/``) the resolver runs per
source, as graphql-core calls it, and answers the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

BatchLoad = Callable[[list[Any], Any], Awaitable[Sequence[Any]]]
F = TypeVar("F", bound=Callable[..., Any])


def batched(load: BatchLoad) -> Callable[[F], F]:
    """Declare ``load(sources, context)`` as the answers of the decorated resolver for many sources at once.

    ``load`` answers one value per source, in order, and the resolver must answer for its own source what
    ``load([self], info.context)`` answers for it (simplest: ``return (await load([self], info.context))[0]``).
    The fast executor calls ``load`` once for all the sources of a page instead of the resolver per source (only
    for fields without arguments, permissions or extensions), so both must be reads. Loading through a caching
    loader (a request's DataLoader) keeps the resolvers, should they still run, on the same data without another
    query.
    """

    def mark(resolver: F) -> F:
        resolver.batch_load = load  # type: ignore[attr-defined]
        return resolver

    return mark


def batch_load_of(resolver: object) -> BatchLoad | None:
    """The ``load`` a resolver was marked with by :func:`batched`, if any."""
    load = getattr(resolver, "batch_load", None)
    return load if callable(load) else None
