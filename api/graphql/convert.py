"""Turning Strawberry inputs into plain data for the REST DTOs, so both transports validate alike."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

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
