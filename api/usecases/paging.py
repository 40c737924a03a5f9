"""Opaque keyset cursors: the last row's sort key, tagged with the order it belongs to."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, overload
from uuid import UUID

from api.domain.errors import FieldProblem, InvalidInput
from api.domain.filters import MAX_CURSOR_LENGTH

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Paged(Generic[T]):
    """A page as the transports see it: items, the cursor of the next page, and an optional total."""

    items: list[T]
    next_cursor: str | None
    cursors: Sequence[str]
    total: int | None = None


class LazyCursors(Sequence[str]):
    """The cursor of each item, encoded only when read (REST needs none of them, GraphQL edges do)."""

    __slots__ = ("_keys", "_order")

    def __init__(self, order: str, keys: Sequence[tuple[object, ...]]) -> None:
        self._order = order
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [encode_cursor(self._order, key) for key in self._keys[index]]
        return encode_cursor(self._order, self._keys[index])


def encode_cursor(order: str, after: tuple[object, ...]) -> str:
    """Wrap a sort position (sort key, id) into an opaque, URL-safe cursor."""
    raw = json.dumps([order, *after], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# The largest integer PostgreSQL's bigint holds: a cursor is sent back to the database, so its numbers must fit.
MAX_BIGINT = 2**63 - 1
# Microseconds from 1970 to the last instant a timestamp (and Python's datetime) can name.
MAX_EPOCH_MICROSECONDS = 253_402_300_799_999_999


def text_key(value: object) -> str:
    """A sort key that is text (a name, a title, a date)."""
    if not isinstance(value, str):
        raise ValueError("not text")
    return value


def number_key(value: object) -> float:
    """A sort key that is a finite number (a rank, a distance)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not -MAX_BIGINT <= value <= MAX_BIGINT:
        raise ValueError("not a finite number")
    return float(value)


def microseconds_key(value: object) -> int:
    """A sort key that is a timestamp as microseconds since 1970."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_EPOCH_MICROSECONDS:
        raise ValueError("not a timestamp")
    return value


def decode_cursor(
    order: str, cursor: str | None, *, key: Callable[[object], object] = text_key
) -> tuple[object, ...] | None:
    """Unwrap a cursor for ``order`` whose sort key ``key`` accepts; a forged, damaged or foreign cursor
    (a key of the wrong type, or a number the database cannot hold) is invalid input."""
    if cursor is None:
        return None
    data = unwrap(cursor) if len(cursor) <= MAX_CURSOR_LENGTH else None
    if isinstance(data, list) and len(data) == 3 and data[0] == order and _is_uuid(data[2]):
        try:
            return key(data[1]), data[2]
        except ValueError:
            pass
    raise InvalidInput(FieldProblem("cursor", "is not a cursor of this listing; start again without it"))


def unwrap(cursor: str) -> object:
    """The JSON inside a cursor, or None when it is not one of ours."""
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return None


def _is_uuid(value: object) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)
