"""A graphql-core executor with a fast path for fields that only read an attribute.

graphql-core resolves every field the same way: it builds a ``GraphQLResolveInfo``, calls the resolver
through the middleware, then walks ``complete_value`` down the field's type. A page of 100 partners with
their services is about 12,700 fields, nearly all of them plain attributes of Strawberry types
(``name: str``), at 5-10 us each.

``FastExecutionContext`` plans each selection set once per request. A field that Strawberry resolves with
its default resolver (no resolver, no permission, no field extension, no argument, no directive but
``@include``/``@skip``), while no schema extension wraps resolvers, is read with ``getattr`` and completed
directly:

- a leaf (scalar or enum, nullable or not, or lists of them) is coerced in one step, with a cheap check for
  the common Python types (``str`` for ``String``, ``int`` for ``Int``...) and, for Strawberry enums, a
  memo of member to name;
- an object without ``is_type_of`` (or a list of them) goes straight to its own planned sub-selection;
- ``__typename`` is the parent type's name.

Values produced by resolvers (``services`` of a partner, say) are completed the same way
(``complete_value`` is overridden).

Whatever the fast path does not know how to finish *before doing anything observable* (a null for a
non-null type, a value of an unexpected type, an awaitable, an abstract type, a missing attribute...) is
handed to graphql-core's own ``execute_field``, ``complete_list_item_value`` or ``complete_value`` for that
field, list item or value, so results, errors, their messages, paths and locations are graphql-core's.
Fields with resolvers, arguments or permissions, ``@defer``/``@stream`` and resolving middleware always take
the standard path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from enum import Enum
from math import isfinite
from typing import Any, Final
from weakref import WeakKeyDictionary

from graphql import (
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
    TypeNameMetaFieldDef,
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
from strawberry.types.field import StrawberryField

__all__ = ["FastExecutionContext"]


class _Slow:
    """Answered by a fast completer that cannot finish a value before doing anything observable."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "SLOW"


SLOW: Final = _Slow()

LeafCompleter = Callable[[Any], Any]


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
# Response name, mode, attribute name (the type name for __typename), completer, field; for leaves, the Python
# type whose values are their own answer (``str`` for ``String``) and the answer for None (None, or SLOW for a
# non-null type).
PlanEntry = tuple[str, int, str, Any, _Field, type | None, Any]


# --- leaves: completers that never raise and never have side effects ------------------------------------------

def _is_string(leaf_type: GraphQLOutputType) -> bool:
    return isinstance(leaf_type, GraphQLScalarType) and (
        leaf_type.coerce_output_value is serialize_string or leaf_type.coerce_output_value is serialize_id)


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
    """``[String!]`` or ``[String]``: a list of plain strings is its own answer."""
    fallback = _leaf_list(inner, nullable)

    def complete(value: Any) -> Any:
        if type(value) is list or type(value) is tuple:
            for item in value:
                if type(item) is not str:
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
    if isinstance(return_type, GraphQLObjectType) and return_type.is_type_of is None:
        object_type = return_type
        plain = _plain_class(object_type)

        def complete_object(executor: FastExecutionContext, field: _Field, path: Path, value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            if type(value) is not plain and (isinstance(value, Exception) or executor.is_awaitable(value)):
                return SLOW
            return executor.execute_object(object_type, field.field_details_list, path, value)

        return complete_object
    # Abstract types and objects with is_type_of need the resolve info: graphql-core's way.
    return lambda _executor, _field, _path, _value: SLOW


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


class _Completers:
    """The completers of a schema's output types, made once: they hold nothing of a request (an enum's memo
    maps its members to their names)."""

    __slots__ = ("composite", "leaf")

    def __init__(self) -> None:
        self.leaf: dict[GraphQLOutputType, LeafCompleter | None] = {}
        self.composite: dict[GraphQLOutputType, Completer] = {}


_COMPLETERS: WeakKeyDictionary[GraphQLSchema, _Completers] = WeakKeyDictionary()


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with a fast path for attribute fields (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # A schema extension implementing ``resolve`` (or a schema directive) wraps every resolver: then every
        # field must go through it, and the fast path is off.
        self._fast = (manager is None or not manager.middlewares) and self.schema.get_directive("stream") is None
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[GroupedFieldSet, list[PlanEntry]]] = {}
        self._object_plans: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, Any, Any, Any]] = {}
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

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> list[PlanEntry]:
        key = (parent_type, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan: list[PlanEntry] = []
        for response_name, field_details_list in grouped_field_set.items():
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            if field_def is None:
                continue  # not a field of the type: graphql-core leaves it out without a trace
            field = _Field(field_def, field_details_list, parent_type, field_def.type)
            if field_def is TypeNameMetaFieldDef:
                plan.append((response_name, _TYPENAME, parent_type.name, None, field, None, None))
                continue
            attribute = _attribute_name(field_def) if _plain(field_details_list) else None
            if attribute is None:
                plan.append((response_name, _STANDARD, "", None, field, None, None))
                continue
            leaf = self._leaf_completer(field_def.type)
            if leaf is None:
                plan.append((response_name, _COMPOSITE, attribute, self._completer(field_def.type), field, None,
                             None))
            else:
                non_null = isinstance(field_def.type, GraphQLNonNull)
                named = field_def.type.of_type if non_null else field_def.type
                plan.append((response_name, _LEAF, attribute, leaf, field, _exact_type(named),
                             SLOW if non_null else None))
        # The grouped field set stays alive with its plan, so that its id is not reused during the execution.
        self._plans[key] = (grouped_field_set, plan)
        return plan

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
        key = (object_type, id(field_details_list))
        cached = self._object_plans.get(key)
        if cached is None:
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, field_details_list)
            plan = None if new_defer_usages else self._plan(object_type, grouped_field_set)
            cached = self._object_plans[key] = (field_details_list, plan, grouped_field_set, new_defer_usages)
        _, plan, grouped_field_set, new_defer_usages = cached
        if plan is None:
            return self.execute_collected_subfields(object_type, value, path, grouped_field_set, new_defer_usages,
                                                    None)
        return self._run_plan(object_type, value, path, plan)

    def _run_plan(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None,
                  plan: list[PlanEntry]) -> Any:
        """``execute_fields`` over a plan: the same results, in the same order, with the same errors."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, mode, attribute, complete, field, exact, null in plan:
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
        """Values from resolvers (and graphql-core's own recursion) through the fast completers too."""
        if self._fast and position_context is None:
            field = _Field(None, field_details_list, info.parent_type, return_type, info)
            completed = self._completer(return_type)(self, field, path, result)
            if completed is not SLOW:
                return completed
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

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
