"""Keyset pages in both directions: a listing's statement read backwards, and rows put back in its order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from api.domain.ports import Page

T = TypeVar("T")


def backwards(sql: str, *swaps: tuple[str, str]) -> str:
    """``sql`` with each ``(forward, backward)`` text swapped: the keyset comparison and the ORDER BY turned
    round, so that it reads the rows before a key, nearest first. Refuses a swap that is not in ``sql``."""
    for forward, backward in swaps:
        if sql.count(forward) != 1:
            raise ValueError(f"{forward!r} is not once in the statement")
        sql = sql.replace(forward, backward)
    return sql


def keyset_page(rows: Sequence[Any], limit: int, *, backward: bool, key: Callable[[Any], tuple[object, ...]],
                item: Callable[[Any], T]) -> Page[T]:
    """The page of ``limit + 1`` rows read in the direction of travel, in the listing's own order; ``next_after``
    is the key to go on from in that direction (the first row's going backwards)."""
    more = len(rows) > limit
    kept = list(rows[:limit])
    if backward:
        kept.reverse()
    keys = [key(r) for r in kept]
    next_after = (keys[0] if backward else keys[-1]) if more and keys else None
    return Page(items=[item(r) for r in kept], keys=keys, next_after=next_after)
