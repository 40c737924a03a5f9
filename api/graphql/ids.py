"""Global ids: the opaque, stable ``ID`` of every GraphQL object that implements ``Node``.

A global id is the base64 of ``<Type>:<key>``, where the key is what the type's own lookup takes, its parts
joined by ``/`` (``Partner:<uuid>``; ``Agreement:<system uuid>/<agreement uuid>``; ``FundingStream:<code>``).
Only the canonical spelling an id was given out in decodes: a global id names one record, and one record has
one global id.
"""

from __future__ import annotations

import binascii
from uuid import UUID

from api.domain.errors import FieldProblem, InvalidInput

MAX_LENGTH = 400
Part = UUID | str


def encode(type_name: str, key: Part | tuple[Part, ...]) -> str:
    """The global id of the record of ``type_name`` with ``key``."""
    text = "/".join([str(p) for p in key]) if isinstance(key, tuple) else str(key)
    return binascii.b2a_base64(f"{type_name}:{text}".encode(), newline=False).decode("ascii")


class GlobalId:
    """A global id, encoded when it is read: projections make one per record, and most queries read few."""

    __slots__ = ("key", "type_name")

    def __init__(self, type_name: str, key: Part | tuple[Part, ...]) -> None:
        self.type_name = type_name
        self.key = key

    def __str__(self) -> str:
        return encode(self.type_name, self.key)

    def __repr__(self) -> str:
        return f"GlobalId({self.type_name!r}, {self.key!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, GlobalId) and self.type_name == other.type_name and self.key == other.key) or (
            isinstance(other, str) and str(self) == other)

    def __hash__(self) -> int:
        return hash(str(self))


def malformed(value: object, field: str = "id") -> InvalidInput:
    """The error for a string that is not a global id this API gave out."""
    shown = value if isinstance(value, str) and len(value) <= 80 else "the value given"
    return InvalidInput(FieldProblem(field, f"{shown!r} is not a global id of this API"),
                        detail=f"'{field}' is not a global id of this API")


def decode(value: str, field: str = "id") -> tuple[str, list[str]]:
    """The type name and key parts of a global id, or InvalidInput naming ``field``."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_LENGTH:
        raise malformed(value, field)
    try:
        text = binascii.a2b_base64(value.encode("ascii"), strict_mode=True).decode("utf-8")
    except (ValueError, UnicodeError) as exc:  # binascii.Error is a ValueError
        raise malformed(value, field) from exc
    type_name, colon, key = text.partition(":")
    if not colon or not type_name or not key:
        raise malformed(value, field)
    parts = key.split("/")
    if encode(type_name, tuple(parts)) != value:  # only the canonical spelling
        raise malformed(value, field)
    return type_name, parts


def uuid_parts(parts: list[str], count: int, value: str, field: str = "id") -> list[UUID]:
    """``count`` UUIDs in their canonical text, or InvalidInput."""
    if len(parts) != count:
        raise malformed(value, field)
    out = []
    for part in parts:
        try:
            parsed = UUID(part)
        except ValueError as exc:
            raise malformed(value, field) from exc
        if str(parsed) != part:
            raise malformed(value, field)
        out.append(parsed)
    return out
