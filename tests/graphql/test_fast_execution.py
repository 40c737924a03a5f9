"""The fast executor answers exactly what graphql-core's standard executor answers: data, errors, order.

Each query runs on two schemas built from the same Strawberry types, one with ``FastExecutionContext`` and one
with Strawberry's standard execution context; the responses must serialize to the same bytes. The sources are
plain objects, so they can break the types' promises (a null for a non-null field, a number for a string, a
property that raises) the way a bug would.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from types import SimpleNamespace
from typing import Annotated, Any
from uuid import UUID

import pytest
import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from graphql.pyutils import Path
from strawberry.extensions import SchemaExtension

from api.domain.moments import rfc3339
from api.graphql.fast import FastExecutionContext
from api.graphql.ids import GlobalId
from api.graphql.node import Node
from api.graphql.scalars import SCALAR_OVERRIDES


@strawberry.enum
class Color(Enum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Leafy:
    name: str
    maybe: str | None
    count: int
    ratio: float | None
    flag: bool
    color: Color
    colors: list[Color]
    tags: list[str]
    maybe_tags: list[str | None] | None
    grid: list[list[int]]
    when: datetime
    uid: UUID
    ident: strawberry.ID


@strawberry.type
class Child:
    label: str
    child: Child | None


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Dog(Named):
    barks: bool


@strawberry.type
class Cat(Named):
    lives: int


Pet = Annotated[Dog | Cat, strawberry.union("Pet")]


@strawberry.type
class Holder:
    leaf: Leafy
    leaves: list[Leafy]
    maybe_leaf: Leafy | None
    strict_leaves: list[Leafy] | None
    children: list[Child | None]
    named: Named
    pets: list[Pet]

    @strawberry.field
    def doubled(self, n: int = 1) -> int:
        return 2 * n

    @strawberry.field
    async def later(self) -> list[Leafy]:
        await asyncio.sleep(0)
        return list(self.leaves)

    @strawberry.field
    def broken(self) -> str | None:
        raise RuntimeError("the resolver failed")


@strawberry.type
class Query:
    holder: Holder
    holders: list[Holder]
    some_holders: list[Holder | None]
    maybe_holder: Holder | None


FAST = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext)
STANDARD = strawberry.Schema(query=Query)


def leafy(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "name": "a", "maybe": None, "count": 3, "ratio": 0.5, "flag": True, "color": Color.RED,
        "colors": [Color.GREEN, Color.RED], "tags": ["x", "y"], "maybe_tags": ["p", None], "grid": [[1, 2], [3]],
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "uid": UUID(int=7), "ident": "id-1",
    }
    return SimpleNamespace(**(values | overrides))


def holder(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "leaf": leafy(), "leaves": [leafy(name="b"), leafy(name="c", maybe="m")], "maybe_leaf": None,
        "strict_leaves": (leafy(name="t"),), "children": [Child(label="1", child=Child(label="2", child=None)), None],
        "named": Dog(name="rex", barks=True), "pets": [Cat(name="tom", lives=9), Dog(name="fido", barks=False)],
    }
    return Holder(**(values | overrides))


def root(*holders: Any, maybe: Any = None) -> Any:
    listed = list(holders) or [holder()]
    return SimpleNamespace(holder=listed[0], holders=listed, some_holders=listed, maybe_holder=maybe)


LEAF_FIELDS = "name maybe count ratio flag color colors tags maybeTags grid when uid ident"


def execute(schema: strawberry.Schema, query: str, root_value: Any, variables: dict[str, Any] | None) -> bytes:
    result = asyncio.run(schema.execute(query, root_value=root_value, variable_values=variables))
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [error.formatted for error in result.errors]
    return json.dumps(response).encode()


def assert_same(query: str, make_root: Callable[[], Any], variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the query on both schemas, each on sources of its own (an iterator or a coroutine is used once)."""
    fast = execute(FAST, query, make_root(), variables)
    standard = execute(STANDARD, query, make_root(), variables)
    assert fast == standard
    return dict(json.loads(fast))


def test_plain_fields_give_the_same_bytes():
    out = assert_same(f"{{ holder {{ leaf {{ {LEAF_FIELDS} }} leaves {{ {LEAF_FIELDS} }} }} }}", root)
    assert out["data"]["holder"]["leaf"]["color"] == "RED"
    assert "errors" not in out


def test_aliases_fragments_typename_and_directives_give_the_same_bytes():
    query = """
    query($yes: Boolean!, $no: Boolean!) {
      first: holder { ...H  again: leaf { n: name name __typename } }
      holders { __typename
                leaf { ... on Leafy { count @include(if: $yes) ratio @skip(if: $yes) name @skip(if: $no) } } }
    }
    fragment H on Holder { __typename leaf { ...L tags } leaves { ...L } maybeLeaf { ...L } }
    fragment L on Leafy { name uid color c2: color when tags }
    """
    out = assert_same(query, lambda: root(holder(), holder(maybe_leaf=leafy(name="z"))), {"yes": True, "no": False})
    assert out["data"]["first"]["again"] == {"n": "a", "name": "a", "__typename": "Leafy"}


def test_resolvers_arguments_abstract_types_and_async_lists_give_the_same_bytes():
    query = """
    { holder { doubled d3: doubled(n: 3) named { __typename name ... on Dog { barks } }
               pets { __typename ... on Cat { name lives } ... on Dog { name barks } }
               later { name colors } children { label child { label child { label } } } } }
    """
    out = assert_same(query, root)
    assert out["data"]["holder"]["d3"] == 6


@pytest.mark.parametrize("bad", [
    {"name": None},  # null for a non-null String
    {"count": None},  # null for a non-null Int
    {"count": 2**40},  # an Int out of range
    {"count": "12"},  # a string for an Int (coerced)
    {"name": 12},  # a number for a String (coerced)
    {"name": [1]},  # a value a String cannot represent
    {"ratio": float("inf")},  # a Float that is not finite
    {"flag": 0},  # a number for a Boolean (coerced)
    {"color": "red"},  # a value for an enum
    {"color": "purple"},  # not a value of the enum
    {"colors": None},  # null for a non-null list
    {"colors": [Color.RED, None]},  # null for a non-null item
    {"tags": ["x", None, "z"]},  # null for a non-null String item
    {"tags": ["x", 5]},  # a number in a list of strings (coerced)
    {"tags": "xy"},  # a string for a list
    {"tags": "iterator"},  # an iterator for a list
    {"maybe_tags": [None, None]},
    {"grid": [[1, None], None]},
    {"when": "yesterday"},
    {"uid": None},
    {"ident": 42},
])
def test_broken_values_give_the_same_data_and_errors(bad: dict[str, Any]):
    def broken() -> Any:
        values = {"tags": iter(["x", "y"])} if bad == {"tags": "iterator"} else bad
        return leafy(**values)

    query = f"{{ holder {{ leaf {{ {LEAF_FIELDS} }} leaves {{ {LEAF_FIELDS} }} maybeLeaf {{ {LEAF_FIELDS} }} }} }}"
    assert_same(query, lambda: root(holder(leaf=broken(), leaves=[leafy(), broken()], maybe_leaf=broken())))


class Failing:
    """A source whose attribute raises."""

    @property
    def name(self) -> str:
        raise RuntimeError("cannot read the name")

    def __getattr__(self, attribute: str) -> Any:
        return getattr(leafy(), attribute)


def test_errors_propagate_to_the_nearest_nullable_parent_as_in_graphql_core():
    cases = lambda: [  # noqa: E731
        holder(leaf=None),  # null for a non-null object: the holder becomes null
        holder(leaves=[leafy(), None]),  # null for a non-null object item: the list's owner becomes null
        holder(strict_leaves=[leafy(name=None)]),  # a nullable list of non-null objects becomes null
        holder(children=[Child(label=None, child=None), Child(label="ok", child=None)]),  # type: ignore[arg-type]
        holder(leaf=Failing()),  # an attribute that raises
        holder(leaves=None),  # null for a non-null list
        holder(leaves=5),  # not a list
        holder(named=SimpleNamespace(name="ghost")),  # an interface value of no known type
        holder(pets=[Cat(name=None, lives=1)]),  # type: ignore[arg-type]
    ]
    query = """{ someHolders { leaf { name count } leaves { name } strictLeaves { name }
                 children { label } named { name } pets { ... on Cat { name } } broken }
                 maybeHolder { leaf { name } } }"""
    out = assert_same(query, lambda: root(*cases(), maybe=holder(leaf=Failing())))
    assert len(out["errors"]) > len(cases())


@pytest.mark.parametrize("when", [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 7), datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
    datetime(2026, 1, 2, tzinfo=timezone(timedelta(0))),
])
def test_the_services_datetime_gives_the_same_bytes_and_writes_utc_with_z(when: datetime):
    fast = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext,
                             scalar_overrides=SCALAR_OVERRIDES)
    standard = strawberry.Schema(query=Query, scalar_overrides=SCALAR_OVERRIDES)
    query = f"{{ holder {{ leaf {{ when }} leaves {{ {LEAF_FIELDS} }} }} }}"
    make = lambda: root(holder(leaf=leafy(when=when), leaves=[leafy(when=when)]))  # noqa: E731
    out = execute(fast, query, make(), None)
    assert out == execute(standard, query, make(), None)
    written = json.loads(out)["data"]["holder"]["leaf"]["when"]
    assert written == rfc3339(when)
    assert written.endswith("Z") == (when.utcoffset() == timedelta(0))


def test_a_missing_attribute_is_the_same_error():
    assert_same("{ holder { leaf { name count } } }", lambda: root(holder(leaf=SimpleNamespace(name="only a name"))))


def test_awaitable_attributes_and_tuples_are_completed_as_graphql_core_does():
    async def later_leaf() -> Any:
        return leafy(name="awaited")

    async def later_name() -> str:
        return "awaited name"

    out = assert_same("{ holder { leaf { name } leaves { name tags } maybeLeaf { name } } }",
                      lambda: root(holder(leaf=later_leaf(), leaves=(leafy(name=later_name()), leafy(tags=("t",))))))
    assert out["data"]["holder"]["leaves"][0]["name"] == "awaited name"


class Shout(SchemaExtension):
    """A schema extension that wraps every resolver."""

    def resolve(self, _next: Any, root: Any, info: GraphQLResolveInfo, *args: Any, **kwargs: Any) -> Any:
        value = _next(root, info, *args, **kwargs)
        return value.upper() if isinstance(value, str) else value


def test_a_schema_extension_that_wraps_resolvers_still_sees_every_field():
    fast = strawberry.Schema(query=Query, execution_context_class=FastExecutionContext, extensions=[Shout])
    standard = strawberry.Schema(query=Query, extensions=[Shout])
    query = "{ holder { leaf { name tags } leaves { name } } }"
    assert execute(fast, query, root(), None) == execute(standard, query, root(), None)
    assert json.loads(execute(fast, query, root(), None))["data"]["holder"]["leaf"]["name"] == "A"


class CountingContext(FastExecutionContext):
    """Counts the resolve infos built: graphql-core builds one per field."""

    built: int = 0

    def build_resolve_info(self, field_def: GraphQLField, field_nodes: Any, parent_type: GraphQLObjectType,
                           path: Path) -> GraphQLResolveInfo:
        CountingContext.built += 1
        return super().build_resolve_info(field_def, field_nodes, parent_type, path)


@pytest.fixture
def counting() -> Iterator[strawberry.Schema]:
    CountingContext.built = 0
    yield strawberry.Schema(query=Query, execution_context_class=CountingContext)


def test_plain_fields_take_the_fast_path(counting: strawberry.Schema):
    holders = [holder() for _ in range(20)]
    execute(counting, f"{{ holders {{ leaf {{ {LEAF_FIELDS} }} leaves {{ {LEAF_FIELDS} }} doubled }} }}",
            root(*holders), None)
    assert CountingContext.built == len(holders)  # only the resolver field ``doubled`` needs one


# --- types implementing Node: graphql-core checks their values with is_type_of -----------------------------------

@strawberry.type
class Record(Node):
    name: str
    child: Record | None


class RecordKind(Record):
    """A subclass: is_type_of accepts it, but it is not the class the fast path completes without asking."""


@strawberry.type
class RecordQuery:
    record: Record
    records: list[Record]
    maybe_records: list[Record | None]
    node: Node | None


RECORD_FAST = strawberry.Schema(query=RecordQuery, types=[Record], execution_context_class=CountingContext)
RECORD_STANDARD = strawberry.Schema(query=RecordQuery, types=[Record])


def _record(name: str, child: Any = None, cls: type = Record) -> Any:
    return cls(id=GlobalId("Record", UUID(int=len(name))), name=name, child=child)


@pytest.mark.parametrize("make", [
    lambda: [_record("a", _record("b")), _record("c")],  # values of the type's own class
    lambda: [_record("a", cls=RecordKind), _record("b", _record("c", cls=RecordKind))],  # a subclass
    lambda: [_record("a"), SimpleNamespace(id="x", name="stranger", child=None)],  # not a Record at all
    lambda: [_record("a", SimpleNamespace(id="x", name="stranger", child=None))],
])
def test_node_types_give_the_same_bytes_whatever_their_values(make: Callable[[], list[Any]]):
    query = """{ record { __typename id name child { id name } } records { __typename id name child { name } }
                 maybeRecords { id name } node { __typename id ... on Record { name } } }"""

    def make_root() -> Any:
        values = make()
        return SimpleNamespace(record=values[0], records=values, maybe_records=values, node=values[0])

    fast = execute(RECORD_FAST, query, make_root(), None)
    assert fast == execute(RECORD_STANDARD, query, make_root(), None)


def test_values_of_a_node_types_own_class_take_the_fast_path():
    CountingContext.built = 0
    values = [_record(f"r{i}", _record("child")) for i in range(20)]
    execute(RECORD_FAST, "{ records { __typename id name child { id name } } }",
            SimpleNamespace(records=values), None)
    assert CountingContext.built == 0


# --- the service's own schema, on PostgreSQL --------------------------------------------------------------------

PARTNER_PAGE = """
query($where: PartnerFilterInput) {
  partners(first: FIRST, where: $where, includeTotal: true) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { __typename ...P services { __typename ...S } } }
  }
}
fragment P on Partner { id databaseId name partnerType level jurisdiction { state localArea } description regionsServed
  populationsServed capacity fundingStreams industries contacts { name title email phone }
  address { street city state postalCode } latitude longitude website assets limitations status
  externalIds { source id } version createdAt updatedAt }
fragment S on Service { id databaseId partnerId name category description populations regions deliveryMode capacity
  fundingStreams programCip occupations credential status externalIds { source id } version createdAt updatedAt
  partner { __typename id name } }
"""
ALIASED = """
query($id: UUID!, $missing: UUID!) {
  one: partner(id: $id) { n: name t: __typename kind: level s: services { c: category m: deliveryMode } }
  none: partner(id: $missing) { name }
  partners(first: 2) { edges { node { name } } }
}
"""


async def _seed_directory(db: Any) -> list[UUID]:
    from uuid import uuid4

    from api.domain import partners as d
    from api.domain.access import system_caller
    from api.domain.reference import Region
    from api.repositories.uow import PgUnitOfWork

    ids = []
    async with PgUnitOfWork(db, caller=system_caller("demo")) as uow:
        await uow.reference.upsert_region(Region(code="or-test", name="Test", state="OR"))
        for i in range(12):
            pid = uuid4()
            ids.append(pid)
            await uow.partners.add(d.Partner(
                id=pid, name=f"Partner {i:02d} \u00e9\u4e2d", partner_type="employer", level=list(d.Level)[i % 3],
                jurisdiction=d.Jurisdiction(state="OR", local_area="or-test" if i % 2 else None),
                description="" if i % 3 else f"line\nbreak \"quoted\" {i}", capacity=None if i % 2 else i * 10,
                contacts=tuple(d.Contact(name=f"C{j}", title=None if j else "Lead", email=f"c{j}@x.test")
                               for j in range(i % 3)),
                address=d.Address(city="Salem", postal_code="97301") if i % 2 else None,
                latitude=44.9 + i / 100 if i % 4 else None, longitude=-123.0 if i % 4 else None,
                website=None if i % 2 else "https://x.test", status=list(d.Status)[i % 3],
                external_ids=(d.ExternalId(source="or-wd", id=f"P{i}"),) if i % 2 else (),
            ))
            for j in range(i % 4):
                await uow.partners.add_service(d.Service(
                    id=uuid4(), partner_id=pid, name=f"S{j}", category="training", capacity=j or None,
                    delivery_mode=list(d.DeliveryMode)[j % 3], status=list(d.Status)[j % 3],
                    program_cip="11.0101" if j % 2 else None, credential=None,
                ))
        await uow.commit()
    return ids


async def test_the_service_schema_answers_the_same_bytes_with_either_executor(clean_db, admin_key, monkeypatch):
    import functools

    import httpx

    import api.main
    from api.graphql.schema import build_schema
    from api.main import create_app, install_database
    from api.settings import Settings

    ids = await _seed_directory(clean_db)
    apps = []
    for fast in (True, False):
        monkeypatch.setattr(api.main, "build_schema", functools.partial(build_schema, fast_fields=fast))
        # The page reads every field, services' partners included: more than the cost rule lets a client ask for.
        app = create_app(Settings(environment="test", graphql_max_cost=100_000), manage_database=False)
        install_database(app, clean_db)
        apps.append(app)
    requests: list[dict[str, Any]] = [
        {"query": PARTNER_PAGE.replace("FIRST", "100")},
        {"query": PARTNER_PAGE.replace("FIRST", "5"), "variables": {"where": {"status": "ACTIVE"}}},
        {"query": ALIASED, "variables": {"id": str(ids[3]), "missing": "00000000-0000-0000-0000-000000000000"}},
        {"query": "{ partners(first: 1000) { edges { cursor } } }"},  # an error of the resolver
        {"query": "{ partners { edges { node { nope } } } }"},  # a validation error
    ]
    answers = []
    for app in apps:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers={"Authorization": f"Bearer {admin_key}"}) as client:
            answers.append([(await client.post("/graphql", json=body)).content for body in requests])
    fast, standard = answers
    assert fast == standard
    assert b"errors" not in fast[0], fast[0][:2000]
    page = json.loads(fast[0])["data"]["partners"]
    assert page["totalCount"] == 8  # retired partners are not listed
    assert sum(len(e["node"]["services"]) for e in page["edges"]) == 12


async def test_loaded_records_are_released_when_the_request_ends(client, clean_db):
    """DataLoader batches and futures refer to each other: without ``Loaders.forget`` the loaded records would
    wait for the cyclic garbage collector, which a serving process runs rarely."""
    import gc

    from api.domain.partners import Service as DomainService

    await _seed_directory(clean_db)
    query = "{ partners(first: 20) { edges { node { name services { name } } } } }"
    gc.collect()
    gc.disable()
    try:
        r = await client.post("/graphql", json={"query": query})
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left_to_the_collector = [o for o in gc.garbage if isinstance(o, DomainService)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert r.status_code == 200 and "errors" not in r.json()
    assert left_to_the_collector == []
