"""Cheap construction of domain objects from stored rows.

The domain's records are frozen, slotted dataclasses: their generated ``__init__`` takes keywords only and sets
every field through ``object.__setattr__``. Values read back from the database were validated on their way
in, so the repositories rebuild listed rows with :func:`stored_constructor`: the same object (equal, same type,
same fields) from positional values set straight through the slots. Why it pays, with figures:
``bench/README.md`` (item 12) and ``docs/architecture.md`` ("Speed machinery").
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")
E = TypeVar("E", bound=Enum)

# The off switch (read when the repositories are imported): PATHWAYS_STORED_CONSTRUCTORS=0 builds every row
# through the dataclass's own keyword constructor, the reference the stored constructor is held equal to.
ENABLED = os.environ.get("PATHWAYS_STORED_CONSTRUCTORS", "1").strip().lower() not in ("0", "false", "no", "off")


def plain_constructor(cls: type[T], names: tuple[str, ...]) -> Callable[..., T]:
    """``make(*values)`` through ``cls``'s own keyword constructor: the plain way, and the fallback."""

    def make(*values: Any) -> T:
        return cls(**dict(zip(names, values, strict=True)))

    return make


def stored_constructor(cls: type[T], order: tuple[str, ...], *, enabled: bool | None = None) -> Callable[..., T]:
    """Return ``make(*values)`` building a ``cls`` from its fields' values, positionally in ``order``.

    ``order`` must be the class's field order: each call site spells out the order its row mapper passes
    values in, so a field added to or moved in the class fails at import instead of swapping values. Only
    for frozen, slotted dataclasses without ``__post_init__`` (the constructor would skip it) whose fields are
    all set by ``__init__``; anything else is refused when the constructor is built. With the switch off
    (``ENABLED``, or ``enabled=False``) the same checks hold and the class's own constructor builds the object.
    """
    enabled = ENABLED if enabled is None else enabled
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__} is not a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__} validates in __post_init__; build it with its own constructor")
    fields = dataclasses.fields(cls)
    if any(not f.init for f in fields):
        raise TypeError(f"{cls.__name__} has fields its constructor does not set")
    names = tuple(f.name for f in fields)
    if order != names:
        raise TypeError(f"{cls.__name__}'s fields are {names}, not {order}")
    if not enabled:
        return plain_constructor(cls, names)
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    namespace.update({f"_set_{n}": cls.__dict__[n].__set__ for n in names})  # the slots' member descriptors
    body = "".join(f"    _set_{n}(obj, {n})\n" for n in names)
    source = f"def make({', '.join(names)}):\n    obj = _new(_cls)\n{body}    return obj\n"
    exec(compile(source, f"<stored_constructor {cls.__qualname__}>", "exec"), namespace)
    make: Callable[..., T] = namespace["make"]
    make.__doc__ = f"Build a {cls.__qualname__} from stored values, in field order: {', '.join(names)}."
    return make


def enum_lookup(cls: type[E]) -> Callable[[str], E]:
    """Return a function mapping a stored value to its member (``KeyError`` for an unknown value)."""
    return {member.value: member for member in cls}.__getitem__
