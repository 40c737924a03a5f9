"""Between Strawberry and the rest: inputs to plain data for the DTOs (so both transports validate alike),
and domain objects to Strawberry types."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any, TypeVar

import strawberry


def to_plain(value: Any) -> Any:
    """Turn Strawberry input objects into plain data for the REST DTOs, dropping unset fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not strawberry.UNSET
        }
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


_TWINS: dict[type[Enum], dict[Any, Any]] = {}
_FIELDS: dict[type, tuple[str, ...]] = {}
T = TypeVar("T")
_new = object.__new__


def mirror_enum(domain: type[Enum], *, name: str | None = None) -> Any:
    """The Strawberry copy of a domain enum (domain classes are never decorated), named ``name`` (by default as the
    domain enum). The first copy of a domain enum is the one :func:`twins` and :func:`project` answer."""
    twin = strawberry.enum(Enum(name or domain.__name__, {m.name: m.value for m in domain}))
    _TWINS.setdefault(domain, {member: twin(member.value) for member in domain})
    return twin


def twins(domain: type[Enum]) -> dict[Any, Any]:
    """Domain enum members to the members of their Strawberry copy: a dictionary lookup (projections of a page
    run it for every record)."""
    return _TWINS[domain]


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        if "__slots__" in cls.__dict__ or hasattr(cls, "__post_init__"):
            raise TypeError(f"{cls.__name__}: projections set the instance dictionary; build it with its __init__")
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    return names


def build(cls: type[T], fields: dict[str, Any]) -> T:
    """The object ``cls(**fields)`` builds, for the values of all its fields, at half the cost.

    Strawberry types are plain dataclasses (no slots, no ``__post_init__``: checked once per class), so the keyword
    ``__init__`` only stores the fields in the instance dictionary. tests/graphql/test_projections.py holds the
    projections equal to their keyword constructors.
    """
    _field_names(cls)
    obj = _new(cls)
    obj.__dict__ = fields
    return obj


def project(cls: type[T], obj: object, **overrides: object) -> T:
    """Build a Strawberry type from the same-named attributes of a domain object; enums become their twins."""
    values: dict[str, Any] = {}
    for name in _field_names(cls):
        value = overrides[name] if name in overrides else getattr(obj, name)
        mirrored = _TWINS.get(type(value))
        values[name] = mirrored[value] if mirrored is not None else value
    return build(cls, values)
