"""A cost limit for GraphQL documents, on top of Strawberry's depth, alias and token limits.

The cost estimates the number of objects a query can resolve: each field costs one, multiplied by
the page sizes above it. A page size comes from ``first`` or ``last`` (a variable counts as the largest page);
connections without either use their default page, and nested lists an estimate.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
)

NESTED_LIST_ESTIMATE = 20
MAX_NODES = 100  # nodes(ids:) takes at most this many ids (api/graphql/nodes.py)
# Every field answering a connection: without ``first`` or ``last`` it answers a default page.
CONNECTIONS = frozenset({"partners", "systems", "staffSessions", "rounds", "agreements", "allocations",
                         "laborMarketObservations", "codeTitles", "changes"})
NESTED_LISTS = frozenset({"services", "members", "assignments", "gaps", "suggestions", "responses", "goals", "items"})


def page_estimate(field: FieldNode, *, default_page: int, max_page: int) -> int:
    """How many items a field's list may hold: its ``first``/``last``, a connection's default page, ``nodes``'s
    ids, an estimate."""
    if field.name.value == "nodes":  # one record per id asked for
        for arg in field.arguments or ():
            if arg.name.value == "ids":
                return max(1, len(arg.value.values)) if isinstance(arg.value, ListValueNode) else MAX_NODES
    for arg in field.arguments or ():
        if arg.name.value in ("first", "last"):
            if isinstance(arg.value, IntValueNode):
                return max(1, min(int(arg.value.value), max_page))
            if isinstance(arg.value, VariableNode):
                return max_page
    if field.name.value in CONNECTIONS:
        return default_page
    return NESTED_LIST_ESTIMATE if field.name.value in NESTED_LISTS else 1


@cache
def cost_rule(max_cost: int, default_page: int = 50, max_page: int = 500) -> type[ValidationRule]:
    """The validation rule refusing documents whose estimated cost exceeds ``max_cost``, counting a connection
    without ``first``/``last`` at ``default_page`` items and any page at most at ``max_page`` (the settings REST
    pages with).

    One class per limit: validation results are cached by rule classes (``ValidationCache``), so a class made
    for each request would never hit the cache.
    """

    class CostLimit(ValidationRule):
        def _cost(self, selection_set: SelectionSetNode | None, seen: frozenset[str]) -> int:
            total = 0
            for selection in selection_set.selections if selection_set else ():
                if isinstance(selection, FieldNode):
                    total += 1 + page_estimate(selection, default_page=default_page, max_page=max_page) * self._cost(
                        selection.selection_set, seen)
                elif isinstance(selection, InlineFragmentNode):
                    total += self._cost(selection.selection_set, seen)
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                    fragment = self.context.get_fragment(selection.name.value)
                    if fragment is not None:
                        total += self._cost(fragment.selection_set, seen | {selection.name.value})
            return total

        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = self._cost(node.selection_set, frozenset())
            if cost > max_cost:
                self.report_error(GraphQLError(
                    f"the query's estimated cost {cost} exceeds the limit of {max_cost}; ask for smaller pages "
                    "or fewer nested lists", node))

    return CostLimit
