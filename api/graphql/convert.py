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


_TWINS: dict[type[Enum], Any] = {}
T = TypeVar("T")


def mirror_enum(domain: type[Enum]) -> Any:
    """A strawberry copy of a domain enum (domain classes are never decorated), known to ``project``."""
    twin = strawberry.enum(Enum(domain.__name__, {m.name: m.value for m in domain}))
    _TWINS[domain] = twin
    return twin


def project(cls: type[T], obj: object, **overrides: object) -> T:
    """Build a strawberry type from the same-named attributes of a domain object; enums become their twins."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.init:
            value = overrides[f.name] if f.name in overrides else getattr(obj, f.name)
            values[f.name] = _TWINS[type(value)](value.value) if type(value) in _TWINS else value
    return cls(**values)
