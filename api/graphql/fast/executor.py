"""A graphql-core executor with a fast path for fields that only read an attribute, and batched resolvers.

graphql-core resolves every field the same way: it builds a ``GraphQLResolveInfo``, calls the resolver
through the middleware, then walks ``complete_value`` down the field's type. A page of 100 partners with
their services is about 12,700 fields, nearly all of them plain attributes of Strawberry types
(``name: str``), at 5-10 us each.

``FastExecutionContext`` plans each selection set once per request. A field that Strawberry resolves with
its default resolver (no resolver, no permission, no field extension, no argument, no directive but
``@include``/``@skip``), while no schema extension wraps resolvers, is read with ``getattr`` and completed
directly:

- a leaf (scalar or enum, nullable or not, or lists of them) is coerced in one step, with a cheap check for
  the common Python types (``str`` for ``String``, ``int`` for ``Int``, a ``UUID`` for a scalar serialized
  with ``str``, a ``datetime`` for Strawberry's ``isoformat`` scalars) and, for Strawberry enums, a memo of
  member to name;
- an object without ``is_type_of``, or of exactly the class an ``isinstance`` check accepts (``Node`` types), or
  a list of them, goes straight to its own planned sub-selection;
- ``__typename`` is the parent type's name.

**Compiled selection sets.** A selection set made only of such fields (and of batched fields, below) is
also compiled into one Python function (``_compile_object``) that reads every attribute, completes every
leaf inline and builds the result with one dict display; sub-selections are functions of their own. Such a
function has no side effect: it returns the completed value, or raises as soon as something needs
graphql-core (a null for a non-null type, an unexpected value, a missing batched value...), and the
selection set is then executed field by field as below, from the start. Functions are cached per schema by
the shape of the selection set (types, fields, response names), so requests sending the same document, or
documents of the same shape, compile nothing.

**Batched fields.** A resolver marked with ``batched`` declares how to answer for many sources at
once. When a value arrives from a resolver (``complete_value``) and its selection reaches batched fields
through attribute fields only (``partners { edges { node { services } } }``), the sources are gathered
first (attribute reads of plain Strawberry objects), each batch is loaded once, and the value is completed
in one synchronous pass where each batched field takes its source's loaded value, if that value completes
without error (pure completion); otherwise, and for sources the batch did not cover, the resolver is called
as graphql-core would call it. A failed batch is forgotten: the resolvers then answer (a loader that
caches, like a DataLoader, answers them from the same load).

Values produced by resolvers are completed the same way (``complete_value`` is overridden).

Whatever the fast path does not know how to finish *before doing anything observable* (a null for a
non-null type, a value of an unexpected type, an awaitable, an abstract type, a missing attribute...) is
handed to graphql-core's own ``execute_field``, ``complete_list_item_value`` or ``complete_value`` for that
field, list item or value, so results, errors, their messages, paths and locations are graphql-core's. The
one difference is timing: a value whose selection has batched fields is completed after its batches are
loaded, so errors of that completion can be recorded after errors of concurrently resolving sibling
fields that graphql-core would have recorded later (the order of such errors already depends on when each
field's data arrive). Fields with resolvers, arguments or permissions, ``@defer``/``@stream`` and
resolving middleware always take the standard path.
"""

from __future__ import annotations

import keyword
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from enum import Enum
from math import isfinite
from typing import Any, Final
from uuid import UUID
from weakref import WeakKeyDictionary

import orjson
from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeNameMetaFieldDef,
    VariableNode,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import collect_iterator_awaitables, to_nodes
from graphql.pyutils import Path, Undefined, gather_with_cancel
from graphql.type.scalars import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    serialize_boolean,
    serialize_float,
    serialize_id,
    serialize_int,
    serialize_string,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.schema.types.base_scalars import isoformat as strawberry_isoformat
from strawberry.types.field import StrawberryField

from api.domain.moments import rfc3339
from api.graphql.batching import BatchLoad, batch_load_of

__all__ = ["FastExecutionContext"]


class _Slow:
    """Answered by a fast completer that cannot finish a value before doing anything observable."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SLOW"


SLOW: Final = _Slow()


class _Bail(Exception):
    """Raised by compiled (pure) completion when graphql-core must decide: nothing was done yet."""


LeafCompleter = Callable[[Any], Any]
# A pure completion of a value: the completed value, or an exception (nothing observable was done).
ValueFunction = Callable[[Any, "_Run"], Any]
# A batched field met by a pure completion before its batch was loaded: the dict to complete, the response name,
# the field (by id), the source, and the value function for the loaded value.
Hole = tuple[dict[str, Any], str, int, Any, ValueFunction]


class _Field:
    """One field of one selection set: what a fallback to graphql-core needs. ``info`` is set when graphql-core
    built it already (``complete_value``); a planned field serves many parents, so its info is built on demand."""

    __slots__ = ("field_def", "field_details_list", "info", "parent_type", "return_type")

    def __init__(self, field_def: GraphQLField | None, field_details_list: FieldDetailsList,
                 parent_type: GraphQLObjectType, return_type: GraphQLOutputType,
                 info: GraphQLResolveInfo | None = None) -> None:
        self.field_def = field_def
        self.field_details_list = field_details_list
        self.parent_type = parent_type
        self.return_type = return_type
        self.info = info


Completer = Callable[["FastExecutionContext", _Field, Path, Any], Any]

# How a planned field is executed.
_LEAF: Final = 0  # attribute read, leaf completion without side effects (may answer SLOW)
_COMPOSITE: Final = 1  # attribute read, object or list completion (SLOW only before side effects)
_TYPENAME: Final = 2  # the parent type's name
_STANDARD: Final = 3  # graphql-core's execute_field
_BATCHED: Final = 4  # a batched resolver: the loaded value if it completes purely, else graphql-core's execute_field
# Response name, mode, attribute name (the type name for __typename), completer, field; for leaves, the Python
# type whose values are their own answer (``str`` for ``String``) and the answer for None (None, or SLOW for a
# non-null type).
PlanEntry = tuple[str, int, str, Any, _Field, type | None, Any]


class _Run:
    """What compiled functions read and write of a request: the loaded batches (by field, then by ``id`` of the
    source), the holes of the pure completion under way (None: a missing batched value fails the completion), and
    the executor's awaitable check."""

    __slots__ = ("batched", "holes", "is_awaitable", "keep", "tried")

    def __init__(self, is_awaitable: Callable[[Any], bool]) -> None:
        self.batched: dict[int, dict[int, Any]] = {}  # by id of the field (fields are not hashable)
        self.tried: dict[int, set[int]] = {}
        self.keep: list[list[Any]] = []  # the sources of the memos, alive as long as their ids are keys
        self.holes: list[Hole] | None = None
        self.is_awaitable = is_awaitable


# --- leaves: completers that never raise and never have side effects ------------------------------------------

def _is_string(leaf_type: GraphQLOutputType) -> bool:
    return isinstance(leaf_type, GraphQLScalarType) and (
        leaf_type.coerce_output_value is serialize_string or leaf_type.coerce_output_value is serialize_id)


_UTC: Final = UTC
_EMPTY: Final[dict[Any, Any]] = {}  # never written
_MISSING: Final = object()


def _iso(value: datetime, option: int = 0) -> str:
    """``value.isoformat()`` (``rfc3339(value)`` with ``OPT_UTC_Z``) for a ``datetime`` whose tzinfo is None or
    UTC: orjson writes the same text (tests/graphql/test_fast_execution.py holds them equal) in a third of the
    time."""
    return orjson.dumps(value, option=option)[1:-1].decode()


def _iso_option(coerce: object) -> int | None:
    """The orjson option that writes as ``coerce`` does, for the datetime serializers known here."""
    if coerce is strawberry_isoformat:
        return 0
    return orjson.OPT_UTC_Z if coerce is rfc3339 else None


def _leaf(leaf_type: GraphQLLeafType, nullable: bool) -> LeafCompleter:
    """Complete a leaf as ``complete_value`` would, or answer SLOW (a null for a non-null type included)."""
    coerce = leaf_type.coerce_output_value
    null: Any = None if nullable else SLOW

    def generic(value: Any) -> Any:
        if value is None or value is Undefined:
            return null
        if isinstance(value, Exception):
            return SLOW
        try:
            coerced = coerce(value)
        except Exception:
            return SLOW
        return SLOW if coerced is None or coerced is Undefined else coerced

    if _is_string(leaf_type):

        def complete_str(value: Any) -> Any:
            return value if type(value) is str else generic(value)

        return complete_str
    if coerce is serialize_int:

        def complete_int(value: Any) -> Any:
            return value if type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT else generic(value)

        return complete_int
    if coerce is serialize_float:

        def complete_float(value: Any) -> Any:
            return value if type(value) is float and isfinite(value) else generic(value)

        return complete_float
    if coerce is serialize_boolean:

        def complete_bool(value: Any) -> Any:
            return value if type(value) is bool else generic(value)

        return complete_bool
    if coerce is str:
        # Strawberry's UUID: ``str`` itself. A UUID is never None nor an exception, and str() never answers None.

        def complete_uuid(value: Any) -> Any:
            return str(value) if isinstance(value, UUID) else generic(value)

        return complete_uuid
    if (option := _iso_option(coerce)) is not None:

        def complete_iso(value: Any) -> Any:
            if type(value) is datetime:
                tz = value.tzinfo
                return _iso(value, option) if tz is None or tz is _UTC else coerce(value)
            return generic(value)

        return complete_iso
    member_type = getattr(leaf_type, "wrapped_cls", None)
    if isinstance(leaf_type, GraphQLEnumType) and isinstance(member_type, type) and issubclass(member_type, Enum):
        # A member of the enum's own class always coerces to the same name: remember it, by identity (members
        # live as long as their class).
        names: dict[int, str] = {}

        def complete_enum(value: Any) -> Any:
            if type(value) is member_type:
                name = names.get(id(value))
                if name is None:
                    name = generic(value)
                    if name is not SLOW:
                        names[id(value)] = name
                return name
            return generic(value)

        return complete_enum
    return generic


def _leaf_list(inner: LeafCompleter, nullable: bool) -> LeafCompleter:
    null: Any = None if nullable else SLOW

    def complete(value: Any) -> Any:
        if type(value) is not list and type(value) is not tuple:
            return null if value is None or value is Undefined else SLOW
        out = []
        for item in value:
            completed = inner(item)
            if completed is SLOW:
                return SLOW
            out.append(completed)
        return out

    return complete


def _str_list(inner: LeafCompleter, nullable: bool) -> LeafCompleter:
    """``[String!]`` or ``[String]``: a list of strings is its own answer (``serialize_string`` answers a
    ``str``, of a subclass too, unchanged). ``"".join`` checks that every item is one, in C."""
    fallback = _leaf_list(inner, nullable)
    join = "".join

    def complete(value: Any) -> Any:
        if type(value) is list or type(value) is tuple:
            try:
                join(value)
            except TypeError:
                return fallback(value)
            return list(value)
        return fallback(value)

    return complete


def leaf_completer(return_type: GraphQLOutputType) -> LeafCompleter | None:
    """A completer for a type made only of leaves, lists and non-nulls (None for other types).

    It answers what ``complete_value`` would, or SLOW where graphql-core must decide (a null for a non-null
    type, an unexpected value); it never raises and has no side effect.
    """
    nullable = not isinstance(return_type, GraphQLNonNull)
    named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    if isinstance(named, GraphQLList):
        item_type = named.of_type
        inner = leaf_completer(item_type)
        if inner is None:
            return None
        item_named = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        return _str_list(inner, nullable) if _is_string(item_named) else _leaf_list(inner, nullable)
    if isinstance(named, GraphQLLeafType):
        return _leaf(named, nullable)
    return None


# --- objects and lists of them -----------------------------------------------------------------------------------

def composite_completer(return_type: GraphQLOutputType) -> Completer:
    """A completer for any output type.

    It answers SLOW only before it has done anything observable (then graphql-core completes the value);
    once it has started a sub-selection, it raises as ``complete_value`` would.
    """
    leaf = leaf_completer(return_type)
    if leaf is not None:
        return lambda _executor, _field, _path, value: leaf(value)
    if isinstance(return_type, GraphQLNonNull):
        inner = composite_completer(return_type.of_type)

        def complete_non_null(executor: FastExecutionContext, field: _Field, path: Path, value: Any) -> Any:
            if value is None or value is Undefined:
                return SLOW  # graphql-core raises the non-null error
            return inner(executor, field, path, value)

        return complete_non_null
    if isinstance(return_type, GraphQLList):
        item_type = return_type.of_type
        item = composite_completer(item_type)
        plain_items = _plain_class(item_type)

        def complete_list(executor: FastExecutionContext, field: _Field, path: Path, value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if type(value) is not list and type(value) is not tuple:
                return SLOW
            return executor.complete_items(item_type, item, field, path, value, plain_items)

        return complete_list
    if isinstance(return_type, GraphQLObjectType) and _completes_plainly(return_type):
        object_type = return_type
        plain = _plain_class(object_type)
        checked = object_type.is_type_of is not None

        def complete_object(executor: FastExecutionContext, field: _Field, path: Path, value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if type(value) is not plain and (checked or isinstance(value, Exception) or executor.is_awaitable(value)):
                return SLOW
            return executor.execute_object(object_type, field.field_details_list, path, value)

        return complete_object
    # Abstract types and objects with any other is_type_of need the resolve info: graphql-core's way.
    return lambda _executor, _field, _path, _value: SLOW


def _completes_plainly(object_type: GraphQLObjectType) -> bool:
    """Whether a value of the type's own class completes without graphql-core's ``is_type_of`` check: the type has
    none, or its check is an ``isinstance`` of that very class (a classmethod marked ``answers_isinstance``, as
    ``Node.is_type_of`` in api/graphql/node.py), which such a value passes. Values of any other class go to
    graphql-core, which asks the check."""
    check = object_type.is_type_of
    if check is None:
        return True
    if not getattr(getattr(check, "__func__", None), "answers_isinstance", False):
        return False
    plain = _plain_class(object_type)
    return plain is not None and getattr(check, "__self__", None) is plain


def _exact_type(leaf_type: GraphQLOutputType) -> type | None:
    """The Python type whose values a leaf type answers unchanged (``complete_value`` returns them as they are)."""
    if _is_string(leaf_type):
        return str
    if isinstance(leaf_type, GraphQLScalarType) and leaf_type.coerce_output_value is serialize_boolean:
        return bool
    return None


def _plain_class(output_type: GraphQLOutputType) -> type | None:
    """The Strawberry class behind an object type, when its instances are plainly not awaitable (no
    ``__await__``), nor exceptions: such a value needs no ``is_awaitable`` check."""
    named = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
    if not isinstance(named, GraphQLObjectType):
        return None
    definition = (named.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None)
    if not isinstance(origin, type) or hasattr(origin, "__await__") or issubclass(origin, BaseException):
        return None
    return origin


def _attribute_name(field_def: GraphQLField) -> str | None:
    """The attribute a field reads when Strawberry resolves it with ``getattr`` and nothing else."""
    if field_def.args or not getattr(field_def.resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (not isinstance(definition, StrawberryField) or not definition.is_basic_field
            or definition.default_resolver is not getattr or definition.permission_classes):
        return None
    name = definition.python_name
    return name if isinstance(name, str) else None


def _batch_load(field_def: GraphQLField, schema: GraphQLSchema) -> BatchLoad | None:
    """The ``load`` of a field whose resolver is marked with ``batched``, when the resolver is all there is
    to the field: no argument, permission, field extension or exception handler (which could answer differently
    from the resolver)."""
    if field_def.args:
        return None
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (not isinstance(definition, StrawberryField) or definition.base_resolver is None or definition.extensions
            or definition.permission_classes):
        return None
    load = batch_load_of(definition.base_resolver.wrapped_func)
    if load is None:
        return None
    # Strawberry's exception handlers turn a resolver's exception into a value; only without any (the attribute is
    # Strawberry's; should it move, nothing is batched).
    converter = getattr(getattr(schema, "_strawberry_schema", None), "schema_converter", None)
    if getattr(converter, "_exception_handler_specs", None) != ():
        return None
    return load


def _plain(field_details_list: FieldDetailsList) -> bool:
    """No argument and no directive but @include/@skip (already applied when the fields were collected)."""
    return all(
        not details.node.arguments
        and all(directive.name.value in ("include", "skip") for directive in details.node.directives or ())
        for details in field_details_list
    )


def _field_path(path: Path) -> Path:
    """The path of the field a list item belongs to."""
    while isinstance(path.key, int) and path.prev is not None:
        path = path.prev
    return path


# --- compiled (pure) completion ----------------------------------------------------------------------------------

def _value_function(return_type: GraphQLOutputType, object_function: ValueFunction,
                    plain: type | None) -> ValueFunction:
    """Complete a value of an object type (or a list or non-null of it) with the compiled function of its
    selection, or raise (nothing observable done) where graphql-core must decide."""
    if isinstance(return_type, GraphQLNonNull):
        inner = _value_function(return_type.of_type, object_function, plain)

        def non_null(value: Any, run: _Run) -> Any:
            if value is None or value is Undefined:
                raise _Bail
            return inner(value, run)

        return non_null
    if isinstance(return_type, GraphQLList):
        item_type = return_type.of_type
        item = _value_function(item_type, object_function, plain)

        def items(value: Any, run: _Run) -> Any:
            if type(value) is list or type(value) is tuple:
                return [object_function(x, run) if type(x) is plain else item(x, run) for x in value]
            if value is None or value is Undefined:
                return None
            raise _Bail

        return items

    checked = isinstance(return_type, GraphQLObjectType) and return_type.is_type_of is not None

    def object_value(value: Any, run: _Run) -> Any:
        if type(value) is not plain:
            if value is None or value is Undefined:
                return None
            if checked or isinstance(value, Exception) or run.is_awaitable(value):
                raise _Bail
        return object_function(value, run)

    return object_value


def _named(return_type: GraphQLOutputType) -> Any:
    while isinstance(return_type, GraphQLNonNull | GraphQLList):
        return_type = return_type.of_type
    return return_type


def _leaf_code(i: int, return_type: GraphQLOutputType, completer: LeafCompleter,
               namespace: dict[str, Any]) -> list[str]:
    """Lines completing the leaf in local ``v{i}`` in place: the common types inline, anything else through the
    leaf's completer, a SLOW answer raised."""
    v, c = f"v{i}", f"c{i}"
    namespace[c] = completer
    nullable = not isinstance(return_type, GraphQLNonNull)
    named = return_type.of_type if not nullable else return_type  # type: ignore[union-attr]
    call = [f"        {v} = {c}({v})", f"        if {v} is SLOW: raise Bail"]
    coerce = getattr(named, "coerce_output_value", None)
    if isinstance(named, GraphQLList) and _is_string(_named(named)) and not isinstance(named.of_type, GraphQLList):
        # A list or tuple of strings is its own answer (see ``_str_list``); join raises (then graphql-core decides)
        # when an item is not a string.
        return [f"    if type({v}) is list or type({v}) is tuple:", f"        join({v})", f"        {v} = list({v})",
                f"    elif {v} is not None:" if nullable else "    else:", *call]
    if isinstance(named, GraphQLList) or coerce is None:
        return [f"    if {v} is not None:" if nullable else "    if True:", *call]
    exact = {serialize_string: "str", serialize_id: "str", serialize_boolean: "bool"}.get(coerce)
    if exact is not None:
        test = f"type({v}) is not {exact}" + (f" and {v} is not None" if nullable else "")
        return [f"    if {test}:", *call]
    if coerce is serialize_int:
        test = f"type({v}) is not int or {v} > MAX or {v} < MIN"
        return [f"    if {v} is not None and ({test}):" if nullable else f"    if {test}:", *call]
    if coerce is serialize_float:
        test = f"type({v}) is not float or not isfinite({v})"
        return [f"    if {v} is not None and ({test}):" if nullable else f"    if {test}:", *call]
    otherwise = [f"    elif {v} is not None:" if nullable else "    else:", *call]
    if coerce is str:
        return [f"    if isinstance({v}, UUID):", f"        {v} = str({v})", *otherwise]
    if (option := _iso_option(coerce)) is not None:
        namespace[f"I{i}"] = coerce
        return [f"    if type({v}) is datetime:", f"        tz = {v}.tzinfo",
                f"        {v} = dumps({v}, option={option})[1:-1].decode() if tz is None or tz is UTC else I{i}({v})",
                *otherwise]
    member_type = getattr(named, "wrapped_cls", None)
    if isinstance(named, GraphQLEnumType) and isinstance(member_type, type) and issubclass(member_type, Enum):
        names: dict[int, str] = {}
        for member in member_type:
            try:
                name = coerce(member)
            except Exception:
                break
            if not isinstance(name, str):
                break
            names[id(member)] = name
        else:  # every member has its name: read them by identity
            namespace[f"E{i}"], namespace[f"N{i}"] = member_type, names
            return [f"    if type({v}) is E{i}:", f"        {v} = N{i}[id({v})]", *otherwise]
    return [f"    if {v} is not None:" if nullable else "    if True:", *call]


def _value_code(i: int, value: tuple[GraphQLOutputType, ValueFunction, ValueFunction],
                namespace: dict[str, Any]) -> list[str]:
    """Lines completing an object (or list of objects) in local ``v{i}``: a plain object or a list of plain objects
    straight through the sub-selection's function, anything else through the value function."""
    return_type, object_function, value_function = value
    v = f"v{i}"
    namespace[f"V{i}"], namespace[f"P{i}"] = value_function, object_function
    inner = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    plain = _plain_class(_named(return_type))
    if plain is None:
        return [f"    {v} = V{i}({v}, run)"]
    namespace[f"C{i}"] = plain
    if isinstance(inner, GraphQLObjectType):
        return [f"    {v} = P{i}({v}, run) if type({v}) is C{i} else V{i}({v}, run)"]
    item_type = inner.of_type if isinstance(inner, GraphQLList) else None
    if isinstance(item_type, GraphQLNonNull) and isinstance(item_type.of_type, GraphQLObjectType):
        namespace[f"Q{i}"] = _value_function(item_type, object_function, plain)
        return [f"    if type({v}) is list or type({v}) is tuple:",
                f"        {v} = [P{i}(x, run) if type(x) is C{i} else Q{i}(x, run) for x in {v}] if {v} else []",
                "    else:", f"        {v} = V{i}({v}, run)"]
    return [f"    {v} = V{i}({v}, run)"]


# What compiled functions read besides their own constants.
_GLOBALS: Final = {
    "SLOW": SLOW, "Bail": _Bail, "UUID": UUID, "datetime": datetime, "UTC": _UTC, "dumps": orjson.dumps,
    "join": "".join, "EMPTY": _EMPTY, "MISSING": _MISSING, "isfinite": isfinite, "MAX": GRAPHQL_MAX_INT,
    "MIN": GRAPHQL_MIN_INT,
}

# One field of a compiled selection: response name, kind, then the kind's data.
Spec = tuple[str, str, Any, Any]


def _compile_object(type_name: str, specs: list[Spec]) -> ValueFunction:
    """A function completing a source for a selection set: attribute reads, leaves inline, sub-selections by
    their value functions, batched fields from the request's loaded values; one dict display."""
    namespace: dict[str, Any] = dict(_GLOBALS)
    reads: list[str] = []
    completions: list[str] = []
    holes: list[str] = []
    items: list[str] = []
    for i, (response_name, kind, first, second) in enumerate(specs):
        v = f"v{i}"
        if kind == "typename":
            namespace[f"t{i}"] = first
            items.append(f"{response_name!r}: t{i}")
            continue
        items.append(f"{response_name!r}: {v}")
        if kind == "batched":
            # The loaded value; before the batch is loaded, a hole to fill (or a failure outside hole mode).
            namespace[f"K{i}"], namespace[f"V{i}"] = first, second
            completions += [f"    {v} = run.batched.get(K{i}, EMPTY).get(id(s), MISSING)",
                            f"    if {v} is not MISSING:", f"        {v} = V{i}({v}, run)",
                            "    elif run.holes is None: raise Bail"]
            holes.append(f"    if {v} is MISSING: run.holes.append((d, {response_name!r}, K{i}, s, V{i}))")
            continue
        attribute: str = first
        if attribute.isidentifier() and not keyword.iskeyword(attribute):
            reads.append(f"    {v} = s.{attribute}")
        else:
            namespace[f"a{i}"] = attribute
            reads.append(f"    {v} = getattr(s, a{i})")
        if kind == "value":
            completions.extend(_value_code(i, second, namespace))
        else:  # a leaf: (return type, completer)
            completions.extend(_leaf_code(i, second[0], second[1], namespace))
    result = f"{{{', '.join(items)}}}"
    ending = [f"    d = {result}", *holes, "    return d"] if holes else [f"    return {result}"]
    body = [*reads, *completions, *ending]
    source = "def complete(s, run):\n" + "\n".join(body) + "\n"
    exec(compile(source, f"<selection on {type_name}>", "exec"), namespace)
    function: ValueFunction = namespace["complete"]
    return function


class _Completers:
    """What is made once per schema: completers of output types, compiled selection sets by their shape, value
    functions, batch loads. None of it holds anything of a request (an enum's memo maps its members to names)."""

    __slots__ = ("batch_loads", "composite", "directive_variables", "fields", "leaf", "objects", "values")

    LIMIT: Final = 2_000  # compiled selection shapes kept (a new one compiles in about 0.1-0.5 ms)

    def __init__(self) -> None:
        self.leaf: dict[GraphQLOutputType, LeafCompleter | None] = {}
        self.composite: dict[GraphQLOutputType, Completer] = {}
        self.objects: dict[tuple[Any, ...], ValueFunction] = {}
        self.values: dict[tuple[GraphQLOutputType, ValueFunction], ValueFunction] = {}
        self.batch_loads: dict[int, tuple[GraphQLField, BatchLoad | None]] = {}  # by id of the field
        # Across requests: the pure functions of a field's values, by the field's nodes in a (parsed once) document
        # and the values of the variables its directives read; the variables each operation's directives read.
        self.fields: dict[tuple[Any, ...], tuple[tuple[FieldNode, ...], ValueFunction | None,
                                                  ValueFunction | None]] = {}
        self.directive_variables: dict[int, tuple[OperationDefinitionNode, tuple[str, ...]]] = {}

    def object_function(self, object_type: GraphQLObjectType, shape: tuple[Any, ...],
                        specs: list[Spec]) -> ValueFunction:
        key = (object_type, shape)
        function = self.objects.get(key)
        if function is None:
            if len(self.objects) >= self.LIMIT:
                self.objects.clear()
                self.values.clear()
            function = self.objects[key] = _compile_object(object_type.name, specs)
        return function

    def remember(self, key: tuple[Any, ...], value: tuple[tuple[FieldNode, ...], ValueFunction | None,
                                                            ValueFunction | None]) -> None:
        if len(self.fields) >= self.LIMIT:
            self.fields.clear()
            self.directive_variables.clear()
        self.fields[key] = value

    def value_function(self, return_type: GraphQLOutputType, object_function: ValueFunction) -> ValueFunction:
        key = (return_type, object_function)
        function = self.values.get(key)
        if function is None:
            function = self.values[key] = _value_function(return_type, object_function,
                                                          _plain_class(_named(return_type)))
        return function


_COMPLETERS: WeakKeyDictionary[GraphQLSchema, _Completers] = WeakKeyDictionary()


class _Plan:
    """A selection set of an object type, planned for one request: its entries, and once finished its compiled
    function (None when some field needs graphql-core)."""

    __slots__ = ("entries", "finished", "grouped_field_set", "parent_type", "pure")

    def __init__(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet,
                 entries: list[PlanEntry]) -> None:
        self.parent_type = parent_type
        self.grouped_field_set = grouped_field_set  # alive with the plan, so that its id is not reused
        self.entries = entries
        self.finished = False
        self.pure: ValueFunction | None = None


class _ValuePlan:
    """How a value of a field type with a given selection completes purely: the value's function, and the
    sub-selection's (None when graphql-core must complete it)."""

    __slots__ = ("field_details_list", "object_pure", "pure")

    def __init__(self, field_details_list: FieldDetailsList, pure: ValueFunction | None,
                 object_pure: ValueFunction | None) -> None:
        self.field_details_list = field_details_list  # alive with the plan, so that its id is not reused
        self.pure = pure
        self.object_pure = object_pure


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with a fast path for attribute fields (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # A schema extension implementing ``resolve`` (or a schema directive) wraps every resolver: then every
        # field must go through it, and the fast path is off.
        self._fast = (manager is None or not manager.middlewares) and self.schema.get_directive("stream") is None
        self._plans: dict[tuple[GraphQLObjectType, int], _Plan] = {}
        self._object_plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, _Plan | None, Any, Any]] = {}
        self._value_plans: dict[tuple[GraphQLOutputType, int], _ValuePlan] = {}
        self._run = _Run(self.is_awaitable)
        completers = _COMPLETERS.get(self.schema)
        if completers is None:
            completers = _COMPLETERS[self.schema] = _Completers()
        self._completers = completers

    # --- planning --------------------------------------------------------------------------------------------

    def _completer(self, return_type: GraphQLOutputType) -> Completer:
        """The completer of a type, made once per schema."""
        completer = self._completers.composite.get(return_type)
        if completer is None:
            completer = self._completers.composite[return_type] = composite_completer(return_type)
        return completer

    def _leaf_completer(self, return_type: GraphQLOutputType) -> LeafCompleter | None:
        """The leaf completer of a type (None if it is not made of leaves), made once per schema."""
        leaves = self._completers.leaf
        if return_type not in leaves:
            leaves[return_type] = leaf_completer(return_type)
        return leaves[return_type]

    def _batch(self, field_def: GraphQLField) -> BatchLoad | None:
        loads = self._completers.batch_loads
        known = loads.get(id(field_def))
        if known is None:
            known = loads[id(field_def)] = (field_def, _batch_load(field_def, self.schema))
        return known[1]

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> _Plan:
        key = (parent_type, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None:
            return cached
        entries: list[PlanEntry] = []
        for response_name, field_details_list in grouped_field_set.items():
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            if field_def is None:
                continue  # not a field of the type: graphql-core leaves it out without a trace
            field = _Field(field_def, field_details_list, parent_type, field_def.type)
            if field_def is TypeNameMetaFieldDef:
                entries.append((response_name, _TYPENAME, parent_type.name, None, field, None, None))
                continue
            plain = _plain(field_details_list)
            attribute = _attribute_name(field_def) if plain else None
            if attribute is None:
                mode = _BATCHED if plain and self._batch(field_def) is not None else _STANDARD
                entries.append((response_name, mode, "", None, field, None, None))
                continue
            leaf = self._leaf_completer(field_def.type)
            if leaf is None:
                entries.append((response_name, _COMPOSITE, attribute, self._completer(field_def.type), field, None,
                                None))
            else:
                non_null = isinstance(field_def.type, GraphQLNonNull)
                named = field_def.type.of_type if non_null else field_def.type
                entries.append((response_name, _LEAF, attribute, leaf, field, _exact_type(named),
                                SLOW if non_null else None))
        plan = self._plans[key] = _Plan(parent_type, grouped_field_set, entries)
        return plan

    def _object_plan(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> _Plan | None:
        """The plan of a field's sub-selection on an object type (None with ``@defer``), remembered by field."""
        key = (object_type, id(field_details_list))
        cached = self._object_plans.get(key)
        if cached is None:
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
            plan = None if new_defer_usages else self._plan(object_type, grouped_field_set)
            cached = self._object_plans[key] = (field_details_list, plan, grouped_field_set, new_defer_usages)
        return cached[1]

    def _value_plan(self, return_type: GraphQLOutputType, field_details_list: FieldDetailsList) -> _ValuePlan:
        """The pure functions of a field type's values, for the field's sub-selection."""
        key = (return_type, id(field_details_list))
        cached = self._value_plans.get(key)
        if cached is not None:
            return cached
        shared_key = self._shared_key(return_type, field_details_list)
        if shared_key is not None:
            known = self._completers.fields.get(shared_key)
            if known is not None and len(known[0]) == len(field_details_list) and all(
                    node is details.node for node, details in zip(known[0], field_details_list, strict=True)):
                cached = self._value_plans[key] = _ValuePlan(field_details_list, known[2], known[1])
                return cached
        pure = object_pure = None
        named = _named(return_type)
        if isinstance(named, GraphQLObjectType) and _completes_plainly(named):
            try:
                plan = self._object_plan(named, field_details_list)
            except Exception:  # graphql-core meets it again where it executes the field
                plan = None
            if plan is not None:
                self._finish(plan)
                if plan.pure is not None:
                    object_pure = plan.pure
                    pure = self._completers.value_function(return_type, plan.pure)
        cached = self._value_plans[key] = _ValuePlan(field_details_list, pure, object_pure)
        if shared_key is not None:
            self._completers.remember(shared_key, (tuple(d.node for d in field_details_list), object_pure, pure))
        return cached

    def _shared_key(self, return_type: GraphQLOutputType, field_details_list: FieldDetailsList) -> Any:
        """What a field's sub-selection depends on, the same in every request: the field's nodes (Strawberry's
        ParserCache answers the same document for the same text) and the variables its directives read. None
        with ``@defer`` or fragment arguments."""
        ids = []
        for details in field_details_list:
            if details.defer_usage is not None or details.fragment_variable_values is not None:
                return None
            ids.append(id(details.node))
        names = self._directive_variable_names()
        coerced = self.variable_values.coerced
        key = (return_type, tuple(ids), tuple([coerced.get(name, Undefined) for name in names]))
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def _directive_variable_names(self) -> tuple[str, ...]:
        """The variables read by the directives of the operation and its fragments (``@include(if: $x)``)."""
        operation = self.operation
        known = self._completers.directive_variables.get(id(operation))
        if known is not None and known[0] is operation:
            return known[1]
        names: set[str] = set()

        def visit(node: Any) -> None:
            for directive in getattr(node, "directives", None) or ():
                for argument in directive.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        names.add(argument.value.name.value)
            selection_set = getattr(node, "selection_set", None)
            for selection in selection_set.selections if selection_set else ():
                visit(selection)

        visit(operation)
        for fragment in self.fragment_definitions.values():
            visit(fragment)
        found = tuple(sorted(names))
        self._completers.directive_variables[id(operation)] = (operation, found)
        return found

    def _finish(self, plan: _Plan) -> None:
        """Compile the plan, when every field can complete purely."""
        if plan.finished:
            return
        plan.finished = True
        shape: list[Any] = []
        specs: list[Spec] = []
        pure = True
        for response_name, mode, attribute, _complete, field, _exact, _null in plan.entries:
            if mode == _TYPENAME:
                shape.append((response_name,))
                specs.append((response_name, "typename", attribute, None))
            elif mode == _LEAF:
                shape.append((response_name, attribute, field.return_type))
                leaf = self._leaf_completer(field.return_type)
                specs.append((response_name, "leaf", attribute, (field.return_type, leaf)))
            elif mode in (_COMPOSITE, _BATCHED):
                value_plan = self._value_plan(field.return_type, field.field_details_list)
                if value_plan.pure is None:
                    pure = False
                elif mode == _BATCHED:
                    shape.append((response_name, id(field.field_def), value_plan.pure))
                    specs.append((response_name, "batched", id(field.field_def), value_plan.pure))
                else:
                    shape.append((response_name, attribute, value_plan.pure))
                    specs.append((response_name, "value", attribute,
                                  (field.return_type, value_plan.object_pure, value_plan.pure)))
            else:
                pure = False
        if pure:
            plan.pure = self._completers.object_function(plan.parent_type, tuple(shape), specs)

    # --- batches -----------------------------------------------------------------------------------------------

    async def _load(self, holes: list[Hole]) -> None:
        """Load the batches the holes need, each source once; a batch that fails or answers out of shape is
        forgotten (the resolvers answer)."""
        run = self._run
        pending: dict[int, dict[int, Any]] = {}
        for _, _, key, source, _ in holes:
            ident = id(source)
            if ident not in run.batched.get(key, _EMPTY) and ident not in run.tried.get(key, _EMPTY):
                pending.setdefault(key, {})[ident] = source
        for key, by_id in pending.items():
            sources = list(by_id.values())
            run.tried.setdefault(key, set()).update(map(id, sources))
            run.keep.append(sources)
            load = self._completers.batch_loads[key][1]
            assert load is not None
            try:
                values = await load(sources, self.context_value)
            except Exception:
                continue
            if not isinstance(values, list | tuple) or len(values) != len(sources):
                continue
            memo = run.batched.setdefault(key, {})
            for source, value in zip(sources, values, strict=True):
                memo[id(source)] = value

    # --- execution ---------------------------------------------------------------------------------------------

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if not self._fast or position_context is not None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        return self._run_plan(parent_type, source_value, path, self._plan(parent_type, grouped_field_set))

    def execute_object(self, object_type: GraphQLObjectType, field_details_list: FieldDetailsList, path: Path,
                       value: Any) -> Any:
        """``collect_and_execute_subfields``, with the sub-selection's plan remembered by field."""
        plan = self._object_plan(object_type, field_details_list)
        if plan is None:
            _, _, grouped_field_set, new_defer_usages = self._object_plans[(object_type, id(field_details_list))]
            return self.execute_collected_subfields(object_type, value, path, grouped_field_set, new_defer_usages,
                                                    None)
        return self._run_plan(object_type, value, path, plan)

    def _run_plan(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None, plan: _Plan) -> Any:
        """``execute_fields`` over a plan: the same results, in the same order, with the same errors."""
        if not plan.finished:
            self._finish(plan)
        if plan.pure is not None:
            try:
                return plan.pure(source_value, self._run)
            except Exception:
                pass
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, mode, attribute, complete, field, exact, null in plan.entries:
                if mode == _LEAF:
                    try:
                        value = getattr(source_value, attribute)
                    except Exception:  # graphql-core reports it
                        value = SLOW
                    else:
                        if type(value) is not exact:  # a value of the exact type is its own answer
                            value = null if value is None else complete(value)
                    if value is not SLOW:
                        results[response_name] = value
                        continue
                    result = self.execute_field(parent_type, source_value, field.field_details_list,
                                                Path(path, response_name, parent_type.name), None)
                elif mode == _COMPOSITE:
                    result = self._execute_composite(complete, field, source_value,
                                                     Path(path, response_name, parent_type.name), attribute)
                elif mode == _TYPENAME:
                    results[response_name] = attribute
                    continue
                elif mode == _BATCHED and self._loaded(field, source_value, results, response_name):
                    continue
                else:
                    result = self.execute_field(parent_type, source_value, field.field_details_list,
                                                Path(path, response_name, parent_type.name), None)
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                name = awaitable_fields[0]
                results[name] = await results[name]
            else:
                awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _loaded(self, field: _Field, source: Any, results: dict[str, Any], response_name: str) -> bool:
        """Answer a batched field from its loaded value when that completes purely (nothing else observable)."""
        assert field.field_def is not None
        memo = self._run.batched.get(id(field.field_def))
        if memo is None or id(source) not in memo:
            return False
        pure = self._value_plan(field.return_type, field.field_details_list).pure
        if pure is None:
            return False
        try:
            results[response_name] = pure(memo[id(source)], self._run)
        except Exception:
            return False
        return True

    def _execute_composite(self, complete: Completer, field: _Field, source: Any, path: Path,
                           attribute: str) -> Any:
        """``execute_field`` for an attribute of object or list type."""
        try:
            value = getattr(source, attribute)
        except Exception:
            value = SLOW
        if value is not SLOW:
            try:
                completed = complete(self, field, path, value)
                if completed is not SLOW:
                    if self.is_awaitable(completed):
                        return self._await_completed(completed, field.return_type, field, path)
                    return completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, field.return_type, field.field_details_list, path)
                return None
        return self.execute_field(field.parent_type, source, field.field_details_list, path, None)

    async def _await_completed(self, completed: Awaitable[Any], return_type: GraphQLOutputType, field: _Field,
                               path: Path) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field.field_details_list, path)
            return None

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """Values from resolvers (and graphql-core's own recursion) through the fast completers too.

        A value whose pure completion meets batched fields not loaded yet (holes) is finished once their batches
        are loaded; should a hole then not complete purely, the value is completed again from the start, the
        standard way. The pure pass records nothing and calls no resolver, so graphql-core would have recorded
        nothing before its batched resolvers' values arrived either.
        """
        if self._fast and position_context is None:
            value_plan = self._value_plan(return_type, field_details_list)
            pure = value_plan.pure
            if pure is not None:
                run = self._run
                holes: list[Hole] = []
                run.holes = holes
                try:
                    completed = pure(result, run)
                except Exception:  # nothing was done: completed step by step below
                    completed = SLOW
                finally:
                    run.holes = None
                if completed is not SLOW:
                    if holes:
                        return self._fill(holes, completed, value_plan, return_type, field_details_list, info, path,
                                          result)
                    return completed
            return self._complete_step_by_step(return_type, field_details_list, info, path, result)
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    async def _fill(self, holes: list[Hole], completed: Any, value_plan: _ValuePlan, return_type: GraphQLOutputType,
                    field_details_list: FieldDetailsList, info: GraphQLResolveInfo, path: Path, result: Any) -> Any:
        """Load the holes' batches and complete their values (which may leave holes of their own), or complete the
        value again the standard way."""
        run = self._run
        while holes:
            await self._load(holes)
            filled, holes = holes, []
            run.holes = holes
            try:
                for into, response_name, key, source, value_function in filled:
                    into[response_name] = value_function(run.batched[key][id(source)], run)
            except Exception:
                completed = SLOW
                break
            finally:
                run.holes = None
        if completed is SLOW:
            completed = self._complete_step_by_step(return_type, field_details_list, info, path, result)
            if self.is_awaitable(completed):
                return await completed
        return completed

    def _complete_step_by_step(self, return_type: GraphQLOutputType, field_details_list: FieldDetailsList,
                               info: GraphQLResolveInfo, path: Path, result: Any) -> Any:
        field = _Field(None, field_details_list, info.parent_type, return_type, info)
        completed = self._completer(return_type)(self, field, path, result)
        if completed is not SLOW:
            return completed
        return super().complete_value(return_type, field_details_list, info, path, result, None)

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """Let go of the loaded batches with the response (they refer to records of the whole page)."""
        self._run = _Run(self.is_awaitable)
        return super().build_response(data)

    def _info(self, field: _Field, path: Path) -> GraphQLResolveInfo:
        """The resolve info graphql-core would have built for the field (only a fallback needs it)."""
        if field.info is not None:
            return field.info
        assert field.field_def is not None
        return self.build_resolve_info(field.field_def, to_nodes(field.field_details_list), field.parent_type,
                                       _field_path(path))

    def complete_items(self, item_type: GraphQLOutputType, complete_item: Completer, field: _Field, path: Path,
                       items: list[Any] | tuple[Any, ...], plain: type | None) -> Any:
        """``complete_iterable_value`` for a list or tuple (no ``@stream``: the schema has no such directive).

        Items of the ``plain`` class are known not to be awaitable."""
        is_awaitable = self.is_awaitable
        field_details_list = field.field_details_list
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        iterator: Iterator[Any] = iter(items)
        index = 0
        try:
            for item in iterator:
                item_path = Path(path, index, None)
                if type(item) is not plain and is_awaitable(item):
                    append(self.complete_awaitable_list_item_value(
                        item, item_type, field_details_list, self._info(field, item_path), item_path, None))
                    awaitable_indices.append(index)
                    index += 1
                    continue
                try:
                    completed = complete_item(self, field, item_path, item)
                except Exception as raw_error:  # as complete_list_item_value handles it
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    completed = None
                else:
                    if completed is SLOW:  # nothing done yet: graphql-core completes the item
                        if self.complete_list_item_value(item, completed_results, item_type, field_details_list,
                                                         self._info(field, item_path), item_path, None):
                            awaitable_indices.append(index)
                        index += 1
                        continue
                    if is_awaitable(completed):
                        completed = self._await_completed(completed, item_type, field, item_path)
                        awaitable_indices.append(index)
                append(completed)
                index += 1
        except Exception:
            pending = [completed_results[i] for i in awaitable_indices]
            pending.extend(collect_iterator_awaitables(iterator, is_awaitable))
            if pending:
                self.settle_in_background(pending)
            raise

        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                i = awaitable_indices[0]
                completed_results[i] = await completed_results[i]
            else:
                awaited = await gather_with_cancel(*(completed_results[i] for i in awaitable_indices))
                for i, value in zip(awaitable_indices, awaited, strict=True):
                    completed_results[i] = value
            return completed_results

        return get_completed_results()
