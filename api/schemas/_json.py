"""JSON of an output DTO, written straight from the domain objects: the same bytes, without pydantic.

``PartnerOut.model_validate(partner).model_dump_json()`` validates every field again and then serializes it;
even pydantic's serializer alone, walking a stdlib dataclass, was the largest single cost of a directory
page. :func:`dto_encoder` compiles, once per DTO class, a function that reads the DTO's fields off a domain
object into plain values (nested DTOs become dicts, UUIDs strings); orjson writes them. Only types whose
JSON orjson writes exactly as pydantic does are accepted: compiling refuses any other annotation, so a new
field of an unsupported type fails at import, not in a response. A ``dict[str, ...]`` of plain values (a
union of them too, as a gap's figures are) is handed to orjson when every key is a ``str`` and every value is
exactly one of the declared types; any other dict (a bool among ints, an int where only floats are declared,
an enum member) is validated and written by pydantic for that field alone. :func:`dto_json` writes the whole
DTO through pydantic when orjson cannot (an int beyond 64 bits, text that is not valid Unicode), so the
answer, or the error, is the DTO's. ``tests/rest/test_dto_json.py`` and ``tests/rest/test_gap_report_json.py``
hold the bytes equal to the DTO's own JSON on generated data.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import orjson
from pydantic import BaseModel, TypeAdapter

Encoder = Callable[[Any], dict[str, Any]]
# pydantic writes UTC as "Z"; orjson writes "+00:00" unless asked.
OPTIONS = orjson.OPT_UTC_Z
_PLAIN = (str, int, bool, datetime, date)
# Settings that change what a model accepts or documents, never the JSON it writes.
_NEUTRAL_CONFIG = {"from_attributes", "extra", "frozen", "populate_by_name", "title", "json_schema_extra",
                   "use_attribute_docstrings", "str_strip_whitespace", "str_max_length", "str_min_length"}
_encoders: dict[type[BaseModel], Encoder] = {}


def dumps(value: Any) -> bytes:
    """The JSON of plain values made by the encoders."""
    return orjson.dumps(value, option=OPTIONS)


def dto_json(model: type[BaseModel], obj: Any) -> bytes:
    """``model``'s JSON of ``obj`` (an object carrying the DTO's fields as attributes): the DTO's bytes."""
    try:
        return dumps(dto_encoder(model)(obj))
    except orjson.JSONEncodeError:  # an int beyond 64 bits, text JSON cannot hold: as the DTO does, or fails
        return model.model_validate(obj, from_attributes=True).model_dump_json().encode()


def dto_encoder(model: type[BaseModel]) -> Encoder:
    """A function from an object carrying ``model``'s fields as attributes to the DTO's JSON-ready dict."""
    if model in _encoders:
        return _encoders[model]
    decorators = model.__pydantic_decorators__
    if (decorators.validators or decorators.field_validators or decorators.root_validators
            or decorators.field_serializers or decorators.model_serializers or decorators.model_validators
            or decorators.computed_fields):
        raise TypeError(f"{model.__name__}: validators, serializers and computed fields are not supported")
    if unknown := set(model.model_config) - _NEUTRAL_CONFIG:
        raise TypeError(f"{model.__name__}: model_config {sorted(unknown)} may change its JSON")
    names: dict[str, Any] = {"_str": str, "_float": float, "_plain_dict": _plain_dict}
    items = []
    for i, (name, info) in enumerate(model.model_fields.items()):
        if info.alias not in (None, name) or info.serialization_alias not in (None, name):
            raise TypeError(f"{model.__name__}.{name}: aliases are not supported")
        items.append(f"{name!r}: {_expression(model, name, info.annotation, f'o.{name}', names, i)}")
    source = "def encode(o):\n    return {" + ", ".join(items) + "}\n"
    exec(compile(source, f"<dto_encoder {model.__name__}>", "exec"), names)
    encoder: Encoder = names["encode"]
    _encoders[model] = encoder
    return encoder


def _expression(model: type[BaseModel], name: str, annotation: Any, value: str, names: dict[str, Any],
                index: int) -> str:
    """Python source turning ``value`` (of ``annotation``) into what orjson writes as pydantic would."""
    try:
        optional, inner = _unwrap_optional(annotation)
    except TypeError as exc:
        raise TypeError(f"{model.__name__}.{name}: {exc}") from None
    origin = typing.get_origin(inner)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        names[f"_e{index}"] = dto_encoder(inner)
        converted = f"_e{index}({value})"
    elif origin in (list, Sequence, tuple) and _element(inner) is not None:
        element = _element(inner)
        if isinstance(element, type) and issubclass(element, BaseModel):
            names[f"_e{index}"] = dto_encoder(element)
            converted = f"[_e{index}(x) for x in {value}]"
        elif _is_plain(element):
            return value  # orjson writes tuples and lists of plain values as arrays; None stays null
        else:
            raise TypeError(f"{model.__name__}.{name}: list of {element!r} is not supported")
    elif origin is dict:
        ok = _dict_values(inner)
        if ok is None:
            raise TypeError(f"{model.__name__}.{name}: {annotation!r} is not supported")
        names[f"_ok{index}"] = ok
        names[f"_f{index}"] = _pydantic_fragment(inner)
        converted = f"({value} if _plain_dict({value}, _ok{index}) else _f{index}({value}))"
    elif inner is UUID:
        converted = f"_str({value})"  # asyncpg's UUID type is not one orjson knows
    elif inner is float:
        converted = f"_float({value})"  # pydantic writes 44 given to a float field as 44.0
    elif _is_plain(inner):
        return value
    else:
        raise TypeError(f"{model.__name__}.{name}: {annotation!r} is not supported")
    return f"(None if {value} is None else {converted})" if optional else converted


def _plain_dict(value: Any, ok: frozenset[type]) -> bool:
    """Whether orjson writes ``value`` as pydantic writes it: a dict of ``str`` keys and values of ``ok`` types."""
    return type(value) is dict and ok.issuperset(map(type, value.values())) and _STR.issuperset(map(type, value))


_STR = frozenset({str})


def _dict_values(annotation: Any) -> frozenset[type] | None:
    """The value types of a ``dict[str, V]`` passed to orjson as they are (V plain, or a union of plain types)."""
    args = typing.get_args(annotation)
    if len(args) != 2 or _strip_annotated(args[0]) is not str:
        return None
    value = _strip_annotated(args[1])
    members = typing.get_args(value) if typing.get_origin(value) in (typing.Union, types.UnionType) else (value,)
    members = tuple(_strip_annotated(m) for m in members)
    if not all(_is_plain(m) or m is float or m is type(None) for m in members):
        return None
    return frozenset(members)


def _pydantic_fragment(annotation: Any) -> Callable[[Any], orjson.Fragment]:
    """What pydantic writes for a value of ``annotation``, validated as the DTO would validate it."""
    adapter = TypeAdapter(annotation)
    return lambda value: orjson.Fragment(adapter.dump_json(adapter.validate_python(value)))


def _unwrap_optional(annotation: Any) -> tuple[bool, Any]:
    annotation = _strip_annotated(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return True, _strip_annotated(args[0])
        raise TypeError(f"unions are not supported: {annotation!r}")
    return False, annotation


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _element(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is tuple:
        return _strip_annotated(args[0]) if len(args) == 2 and args[1] is Ellipsis else None
    return _strip_annotated(args[0]) if len(args) == 1 else None


def _is_plain(annotation: Any) -> bool:
    """Types orjson writes exactly as pydantic's JSON mode does (str enums write their value)."""
    if not isinstance(annotation, type):
        return False
    if issubclass(annotation, Enum):
        return all(isinstance(m.value, str) for m in annotation)
    return annotation in _PLAIN
