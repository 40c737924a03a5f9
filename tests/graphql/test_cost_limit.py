"""The cost limit counts every connection's default page when ``first``/``last`` is omitted."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from api.graphql.schema import build_schema

SYSTEM = '"00000000-0000-0000-0000-000000000001"'
# Each selects one leaf under edges/node: 1 + page x (edges 1 + node 1 + leaf 1) = 1 + 3 x page.
CONNECTIONS = {
    "agreements": f"agreements(systemId: {SYSTEM}ARGS) {{ edges {{ node {{ title }} }} }}",
    "allocations": f"allocations(systemId: {SYSTEM}ARGS) {{ edges {{ node {{ period }} }} }}",
    "codeTitles": "codeTitles(scheme: SOCARGS) { edges { node { code } } }",
    "laborMarketObservations": "laborMarketObservations(ARGS) { edges { node { region } } }",
    "partners": "partners(ARGS) { edges { node { name } } }",
    "systems": "systems(ARGS) { edges { node { name } } }",
    "rounds": f"rounds(systemId: {SYSTEM}ARGS) {{ edges {{ node {{ status }} }} }}",
}


def _cost(schema: Any, query: str) -> int | None:
    result = asyncio.run(schema.execute(query, context_value=None))
    for error in result.errors or []:
        found = re.search(r"estimated cost (\d+)", error.message)
        if found:
            return int(found.group(1))
    return None


def _field(name: str, args: str) -> str:
    text = CONNECTIONS[name]
    if args and "(ARGS)" in text:
        return "{ " + text.replace("(ARGS)", f"({args})") + " }"
    return "{ " + text.replace("(ARGS)", "").replace("ARGS", f", {args}" if args else "") + " }"


@pytest.mark.parametrize("name", sorted(CONNECTIONS))
def test_a_connection_without_first_costs_its_default_page(name: str):
    schema = build_schema(max_cost=1, default_page=40, max_page=300)
    assert _cost(schema, _field(name, "")) == 1 + 3 * 40
    assert _cost(schema, _field(name, "first: 7")) == 1 + 3 * 7
    assert _cost(schema, _field(name, "last: 9")) == 1 + 3 * 9
    assert _cost(schema, _field(name, "first: 100000")) == 1 + 3 * 300
