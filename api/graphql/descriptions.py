"""Descriptions for every element of the GraphQL schema, from the same words as the REST contract.

Applied once the schema is built (``describe``), to whatever lacks a description of its own: a type, field,
argument or enum value declared with ``description=`` keeps it. Otherwise the words come, in order, from the
entries below (``Type.field``, ``Type.field.argument``, ``Enum.VALUE``), from the REST DTO the element mirrors
(``Partner`` is ``PartnerOut``, ``PartnerInput`` is ``PartnerCreate``: its ``Field(description=...)`` or its
glossary entry, ``api/contract/glossary.py``), then from the glossary's entry for the name wherever it is used,
then from the GraphQL-only words for the name (``edges``, ``first``...). So REST and GraphQL say the same thing
about the same field, and a word changed in the glossary changes both. ``tests/graphql/test_descriptions.py``
fails naming any element left without one.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from enum import Enum
from functools import cache
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
)
from pydantic import BaseModel

from api.contract import glossary
from api.graphql.vocabulary import ARGUMENTS, ENUM_VALUES, FIELDS, NAMES, TYPES

_INPUT_DTO = (("PatchInput", "Patch"), ("Input", "Create"), ("Input", "In"), ("Input", ""))
_OUTPUT_DTO = ("Out", "", "Report")
# GraphQL types named otherwise than the REST DTO they mirror.
MIRRORS: dict[str, str] = {"RelationshipConfirmation": "ConfirmationOut", "RoundResponse": "ResponseOut",
                           "ConnectionRecord": "ConnectionOut"}


@cache
def _dtos() -> dict[str, type[BaseModel]]:
    """The REST DTOs by class name."""
    import api.schemas.access
    import api.schemas.action_plans
    import api.schemas.agreements
    import api.schemas.connections
    import api.schemas.funding
    import api.schemas.labor_market
    import api.schemas.partners
    import api.schemas.readiness
    import api.schemas.reference
    import api.schemas.systems  # noqa: F401  (loaded for their classes)

    found: dict[str, type[BaseModel]] = {}
    stack: list[type[BaseModel]] = [BaseModel]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("api.schemas."):
                found.setdefault(sub.__name__, sub)
            stack.append(sub)
    return found


def _dto_names(type_name: str, *, input_type: bool) -> list[str]:
    if input_type:
        return [type_name[: -len(end)] + dto for end, dto in _INPUT_DTO if type_name.endswith(end)]
    return [type_name + end for end in _OUTPUT_DTO] + ([MIRRORS[type_name]] if type_name in MIRRORS else [])


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower().replace("_2", "2") if name else name


def _from_dtos(type_name: str, python_name: str, *, input_type: bool) -> str | None:
    dtos = _dtos()
    for dto_name in _dto_names(type_name, input_type=input_type):
        dto = dtos.get(dto_name)
        if dto is None or python_name not in dto.model_fields:
            continue
        text = dto.model_fields[python_name].description or glossary.PROPERTIES.get(f"{dto_name}.{python_name}")
        if text:
            return _sentence(text)
    return None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


@cache
def _domain_enums() -> dict[str, str]:
    """The domain enums' docstrings by class name (the GraphQL enums mirror them)."""
    import api.domain
    for module in pkgutil.iter_modules(api.domain.__path__):
        importlib.import_module(f"api.domain.{module.name}")
    found: dict[str, str] = {}
    stack: list[type[Enum]] = [Enum]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub.__module__.startswith("api.domain.") and sub.__doc__:
                found.setdefault(sub.__name__, _sentence(sub.__doc__.strip().split("\n\n")[0].replace("\n", " ")))
            stack.append(sub)
    return found


def _type_text(name: str, *, input_type: bool) -> str | None:
    if name in TYPES:
        return TYPES[name]
    if name in _domain_enums():
        return _domain_enums()[name]
    for dto_name in _dto_names(name, input_type=input_type):
        if dto_name in glossary.SCHEMAS:
            return glossary.SCHEMAS[dto_name]
        dto = _dtos().get(dto_name)
        if dto is not None and dto.__doc__ and not dto.__doc__.startswith(("Usage docs", "!!!")):
            return _sentence(dto.__doc__.strip().split("\n\n")[0].replace("\n", " "))
    return None


def _python_name(element: Any, graphql_name: str) -> str:
    definition = (element.extensions or {}).get("strawberry-definition")
    return getattr(definition, "python_name", None) or _snake(graphql_name)


def _field_text(type_name: str, name: str, python_name: str, *, input_type: bool, global_id: bool) -> str | None:
    if global_id:  # Relay's id is not REST's: the REST words for ``id`` (a UUID) would mislead
        return FIELDS.get(f"{type_name}.{name}") or NAMES["id: ID"]
    return (FIELDS.get(f"{type_name}.{name}")
            or _from_dtos(type_name, python_name, input_type=input_type)
            or glossary.PROPERTIES.get(python_name)
            or NAMES.get(name))


def _argument_text(type_name: str, field_name: str, name: str) -> str | None:
    return (ARGUMENTS.get(f"{type_name}.{field_name}.{name}") or ARGUMENTS.get(name)
            or glossary.PROPERTIES.get(_snake(name)) or NAMES.get(name))


def _structural(schema: GraphQLSchema) -> dict[str, str]:
    """Words for the types whose meaning is their shape: connections, edges and mutation results."""
    words: dict[str, str] = {}
    for name, gtype in schema.type_map.items():
        if isinstance(gtype, GraphQLObjectType) and name.endswith("Edge") and "node" in gtype.fields:
            words[name] = f"One `{get_named_type(gtype.fields['node'].type)}` of a page, with its cursor."
        elif isinstance(gtype, GraphQLObjectType) and name.endswith("Connection") and "edges" in gtype.fields:
            node = get_named_type(get_named_type(gtype.fields["edges"].type).fields["node"].type)  # type: ignore[union-attr]
            words[name] = f"A page of `{node}` records, as a Relay connection: `edges`, then `pageInfo`."
    if schema.mutation_type is not None:
        for field_name, field in schema.mutation_type.fields.items():
            result = get_named_type(field.type)
            if isinstance(result, GraphQLUnionType):
                errors = [t.name for t in result.types if t.name.endswith("Error")]
                success = next(t.name for t in result.types if t.name not in errors)
                words[result.name] = (f"What `{field_name}` returns: the `{success}`, or one of the errors it can "
                                      f"produce ({', '.join(f'`{e}`' for e in errors)}), all of them `Error`s.")
    return words


def describe(schema: GraphQLSchema) -> None:
    """Give every type, field, argument and enum value without a description its words (in place)."""
    structural = _structural(schema)
    for name, gtype in schema.type_map.items():
        if name.startswith("__") or (isinstance(gtype, GraphQLScalarType) and name in _BUILT_IN):
            continue
        input_type = isinstance(gtype, GraphQLInputObjectType)
        if not gtype.description:
            gtype.description = structural.get(name) or _type_text(name, input_type=input_type)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    field.description = _field_text(
                        name, field_name, _python_name(field, field_name), input_type=input_type,
                        global_id=field_name == "id" and get_named_type(field.type) is GraphQLID)
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        arg.description = _argument_text(name, field_name, arg_name)
        if isinstance(gtype, GraphQLEnumType):
            for value_name, value in gtype.values.items():
                if not value.description:
                    value.description = ENUM_VALUES.get(f"{name}.{value_name}")


_BUILT_IN = frozenset({"String", "Int", "Float", "Boolean", "ID"})


def undescribed(schema: GraphQLSchema) -> list[str]:
    """Every type, field, argument and enum value that has no description, by its coordinate."""
    missing: list[str] = []
    for name, gtype in schema.type_map.items():
        if name.startswith("__") or name in _BUILT_IN:
            continue
        if not gtype.description:
            missing.append(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in gtype.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                missing += [f"{name}.{field_name}({a}:)" for a, arg in getattr(field, "args", {}).items()
                            if not arg.description]
        elif isinstance(gtype, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in gtype.values.items() if not value.description]
        elif not isinstance(gtype, GraphQLScalarType | GraphQLUnionType):
            raise TypeError(f"{name}: an unexpected kind of type")
    return missing
