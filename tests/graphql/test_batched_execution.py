"""Compiled selections and batched resolvers answer exactly what graphql-core's standard executor answers.

As in test_fast_execution.py, each query runs on a schema with ``FastExecutionContext`` and on one with
Strawberry's standard execution context, each on sources of its own; the responses must serialize to the same
bytes (data, errors, their order). The standard executor calls a batched field's resolver per source; the fast one
loads the batch once, so the tests also count the loads.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st

import api.graphql.fast.executor as executor
from api.graphql.batching import batched
from api.graphql.fast import FastExecutionContext


@dataclass
class Store:
    """What a request's loads read, and how they misbehave."""

    toys: dict[str, list[Any]] = field(default_factory=dict)
    pets: dict[str, list[Any]] = field(default_factory=dict)
    mode: str = "ok"  # ok, raise, short (one answer too few), slow (yields to the loop first)
    loads: list[tuple[str, int]] = field(default_factory=list)


async def load_pets(owners: Sequence[Any], store: Store) -> list[list[Any]]:
    store.loads.append(("pets", len(owners)))
    if store.mode == "slow":
        await asyncio.sleep(0)
    if store.mode == "raise":
        raise RuntimeError("the pet store is closed")
    answers = [list(store.pets.get(owner.name, [])) for owner in owners]
    return answers[:-1] if store.mode == "short" else answers


async def load_best(owners: Sequence[Any], store: Store) -> list[Any]:
    store.loads.append(("best", len(owners)))
    return [next(iter(store.pets.get(owner.name, [])), None) for owner in owners]


async def load_toys(animals: Sequence[Any], store: Store) -> list[list[Any]]:
    store.loads.append(("toys", len(animals)))
    return [list(store.toys.get(animal.name, [])) for animal in animals]


@strawberry.type
class Toy:
    label: str
    bought: date | None = None


@strawberry.type
class Animal:
    name: str
    legs: int
    born: datetime | None = None
    uid: UUID | None = None

    @strawberry.field
    @batched(load_toys)
    async def toys(self, info: strawberry.Info) -> list[Toy]:
        return (await load_toys([self], info.context))[0]


@strawberry.type
class Owner:
    name: str
    nickname: str | None = None

    @strawberry.field
    @batched(load_pets)
    async def pets(self, info: strawberry.Info) -> list[Animal]:
        return (await load_pets([self], info.context))[0]

    @strawberry.field
    @batched(load_best)
    async def best(self, info: strawberry.Info) -> Animal | None:
        return (await load_best([self], info.context))[0]


@strawberry.type
class Edge:
    node: Owner
    maybe: Owner | None = None


@strawberry.type
class Query:
    @strawberry.field
    async def edges(self, info: strawberry.Info) -> list[Edge]:
        return info.root_value["edges"]()

    @strawberry.field
    async def loose(self, info: strawberry.Info) -> list[Edge | None] | None:
        return info.root_value["edges"]()

    @strawberry.field
    async def failing(self) -> str | None:
        await asyncio.sleep(0)
        raise RuntimeError("a sibling failed")


FAST = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext)
STANDARD = strawberry.Schema(query=Query)

T0 = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)


def store(**overrides: Any) -> Store:
    pets = {
        "ann": [Animal(name="rex", legs=4, born=T0, uid=UUID(int=1)), Animal(name="tweety", legs=2)],
        "bob": [],
        "cid": [Animal(name="nemo", legs=0, born=T0.replace(tzinfo=None))],
    }
    toys = {"rex": [Toy(label="ball", bought=date(2025, 5, 1))], "nemo": [Toy(label="castle")]}
    values: dict[str, Any] = {"pets": pets, "toys": toys}
    return Store(**(values | overrides))


def owners(*names: str) -> list[Edge]:
    return [Edge(node=Owner(name=n), maybe=Owner(name=n, nickname="n-" + n) if i % 2 else None)
            for i, n in enumerate(names or ("ann", "bob", "cid"))]


def execute(schema: strawberry.Schema, query: str, make_store: Any, make_edges: Any,
            variables: dict[str, Any] | None = None) -> tuple[bytes, Store]:
    context = make_store()
    result = asyncio.run(schema.execute(query, root_value={"edges": make_edges}, context_value=context,
                                        variable_values=variables))
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [error.formatted for error in result.errors]
    return json.dumps(response).encode(), context


def assert_same(query: str, make_store: Any = store, make_edges: Any = owners,
                variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], Store]:
    fast, fast_store = execute(FAST, query, make_store, make_edges, variables)
    standard, _ = execute(STANDARD, query, make_store, make_edges, variables)
    assert fast == standard
    return json.loads(fast), fast_store


PETS = "edges { node { name pets { name legs born uid toys { label bought } } } }"


def test_a_page_of_batched_fields_gives_the_same_bytes_with_one_load_per_level():
    out, loaded = assert_same(f"{{ {PETS} }}")
    assert "errors" not in out
    assert out["data"]["edges"][0]["node"]["pets"][0]["toys"] == [{"label": "ball", "bought": "2025-05-01"}]
    assert loaded.loads == [("pets", 3), ("toys", 3)]  # the standard executor loads once per owner and animal


def test_aliases_fragments_directives_and_variables_on_batched_fields_give_the_same_bytes():
    query = """
    query($yes: Boolean!, $no: Boolean!) {
      a: edges { node { ...O  again: pets { n: name } } maybe { name best { name legs } } }
      b: edges { node { pets @include(if: $yes) { __typename name } best @skip(if: $yes) { name } } }
      c: edges { node { pets @include(if: $no) { name } } }
    }
    fragment O on Owner { name pets { ...A } best { ...A toys { label } } }
    fragment A on Animal { name legs born }
    """
    out, loaded = assert_same(query, variables={"yes": True, "no": False})
    assert "errors" not in out
    assert out["data"]["a"][0]["node"]["again"] == [{"n": "rex"}, {"n": "tweety"}]
    assert ("pets", 3) in loaded.loads and ("best", 4) in loaded.loads  # three nodes and one maybe (``ann`` twice)


@pytest.mark.parametrize("mode", ["raise", "short", "slow"])
def test_a_failing_or_misshapen_batch_gives_the_resolvers_answers(mode: str):
    out, _ = assert_same(f"{{ {PETS} }}", lambda: store(mode=mode))
    if mode == "raise":
        assert out["data"] is None and out["errors"][0]["message"] == "the pet store is closed"


@pytest.mark.parametrize(("pets", "errors"), [
    ({"ann": [Animal(name=None, legs=4)]}, True),  # type: ignore[arg-type] # null for a non-null field
    ({"ann": [Animal(name="x", legs="four")]}, True),  # type: ignore[arg-type] # a value Int cannot represent
    ({"ann": [Animal(name="x", legs="4")]}, False),  # type: ignore[arg-type] # a value Int coerces
    ({"ann": [None]}, True),  # a null item in a list of non-null animals
    ({"ann": None}, True),  # null for a non-null list
    ({"ann": (Animal(name="x", legs=4),)}, False),  # a tuple for a list
    ({"ann": [Animal(name="x", legs=4, born="yesterday")]}, True),  # type: ignore[arg-type]
    ({"bob": [Animal(name="y", legs=2, uid="not a uuid")]}, False),  # type: ignore[arg-type] # UUID is str()
])
def test_loaded_values_that_break_the_schema_give_the_same_data_and_errors(pets: dict[str, Any], errors: bool):
    out, _ = assert_same(f"{{ {PETS} loose {{ maybe {{ name pets {{ name legs uid }} }} }} }}",
                         lambda: store(pets=pets))
    assert ("errors" in out) is errors


def test_errors_of_the_page_and_of_concurrent_fields_come_in_the_same_order():
    def broken_edges() -> list[Any]:
        edges: list[Any] = owners("ann", "bob")
        edges.append(Edge(node=Owner(name=None)))  # type: ignore[arg-type] # a null name: the page's own error
        return edges

    query = f"{{ failing loose {{ node {{ name pets {{ name }} }} }} {PETS} }}"
    for mode in ("ok", "slow", "raise"):
        out, _ = assert_same(query, lambda mode=mode: store(mode=mode), broken_edges)  # type: ignore[misc]
        assert len(out["errors"]) >= 2


def test_sources_of_unexpected_types_go_through_the_resolvers():
    @dataclass
    class NotAnOwner:
        name: str
        nickname: str | None = None

    def odd_edges() -> list[Any]:
        return [Edge(node=NotAnOwner(name="ann")), Edge(node=Owner(name="cid"))]  # type: ignore[arg-type]

    out, _ = assert_same(f"{{ {PETS} }}", store, odd_edges)
    assert out["data"]["edges"][0]["node"]["pets"][0]["name"] == "rex"


# --- compiled selections ------------------------------------------------------------------------------------------

def test_a_selection_is_compiled_once_for_every_request_of_the_same_shape(monkeypatch: pytest.MonkeyPatch):
    schema = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext)
    compiled: list[str] = []
    compile_object = executor._compile_object

    def counted(type_name: str, specs: Any) -> Any:
        compiled.append(type_name)
        return compile_object(type_name, specs)

    monkeypatch.setattr(executor, "_compile_object", counted)
    for _ in range(3):
        execute(schema, f"{{ {PETS} }}", store, owners)
    assert sorted(compiled) == ["Animal", "Edge", "Owner", "Toy"]


@pytest.mark.parametrize("when", [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-7))),
    datetime(2026, 1, 2, 3, 4, 5, 120, tzinfo=timezone(timedelta(seconds=30))),
    datetime(2026, 7, 1, 12, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(2026, 7, 1, 12, tzinfo=ZoneInfo("UTC")),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime.max,
    date(2026, 1, 2),
    "2026-01-02",
])
def test_dates_and_times_of_every_kind_give_the_same_text(when: Any):
    assert_same("{ edges { node { pets { born } } } }",
                lambda: store(pets={"ann": [Animal(name="a", legs=1, born=when)]}))


@settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=st.sampled_from([None, UTC])))
def test_the_fast_datetime_text_is_isoformat(when: datetime):
    assert executor._iso(when) == when.isoformat()


class Tag(str):
    """A string subclass: serialize_string answers it as it is."""


@strawberry.type
class Tagged:
    tags: list[str]
    maybe: list[str | None] | None


@strawberry.type
class TagQuery:
    @strawberry.field
    def tagged(self, info: strawberry.Info) -> list[Tagged]:
        tags = info.root_value
        return [Tagged(tags=tags, maybe=tags), Tagged(tags=["ok"], maybe=None)]


@pytest.mark.parametrize("tags", [("a", "b"), ["a", Tag("b")], ("a", 1), [], ("a", None), "ab"])
def test_lists_of_strings_of_every_kind_give_the_same_bytes(tags: Any):
    fast = strawberry.Schema(query=TagQuery, execution_context_class=FastExecutionContext)
    standard = strawberry.Schema(query=TagQuery)
    answers = [asyncio.run(s.execute("{ tagged { tags maybe } }", root_value=tags)) for s in (fast, standard)]
    assert answers[0].data == answers[1].data
    assert [e.formatted for e in answers[0].errors or []] == [e.formatted for e in answers[1].errors or []]


def test_a_document_sent_again_is_planned_once_for_each_value_of_its_directive_variables(
        monkeypatch: pytest.MonkeyPatch):
    from strawberry.extensions import ParserCache

    cached = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext,
                               extensions=[lambda: ParserCache(maxsize=8)])
    planned: list[str] = []
    object_plan = FastExecutionContext._object_plan

    def counted(self: FastExecutionContext, object_type: Any, field_details_list: Any) -> Any:
        planned.append(object_type.name)
        return object_plan(self, object_type, field_details_list)

    monkeypatch.setattr(FastExecutionContext, "_object_plan", counted)
    query = ("query($a: Boolean!) { edges { node { name pets @include(if: $a) { name legs } "
             "best @skip(if: $a) { name } } } }")
    answers = {}
    for a in (True, False, True, False, True):
        planned.clear()
        fast, _ = execute(cached, query, store, owners, {"a": a})
        standard, _ = execute(STANDARD, query, store, owners, {"a": a})
        assert fast == standard
        answers.setdefault(a, []).append(planned[:])
    assert answers[True][0] and answers[False][0]  # planned the first time with each value
    assert answers[True][1:] == [[], []] and answers[False][1:] == [[]]  # then not again
