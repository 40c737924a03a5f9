"""The partner directory over GraphQL: connections, nested services in bounded round trips, typed errors."""

from __future__ import annotations

from uuid import uuid4

import httpx

from api.domain.access import system_caller
from api.domain.partners import Jurisdiction, Level, Partner, Service
from api.domain.reference import Region
from api.repositories.database import Database, QueryCounter
from api.repositories.uow import PgUnitOfWork
from tests.conftest import add_region

PARTNERS_WITH_SERVICES = """
query($first: Int!, $after: String, $where: PartnerFilterInput) {
  partners(first: $first, after: $after, where: $where) {
    edges { cursor node { id name partnerType jurisdiction { state localArea }
                          services { name category capacity } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _gql(client: httpx.AsyncClient, query: str, **variables: object) -> dict:
    r = await client.post("/graphql", json={"query": query, "variables": variables})
    assert r.status_code == 200, r.text
    return r.json()


async def _seed(db: Database, n: int, services_each: int = 2) -> None:
    async with PgUnitOfWork(db, caller=system_caller("demo")) as uow:
        await uow.reference.upsert_region(Region(code="or-test", name="Test", state="OR"))
        for i in range(n):
            pid = uuid4()
            await uow.partners.add(Partner(id=pid, name=f"Partner {i:03d}", partner_type="employer",
                                           level=Level.LOCAL, jurisdiction=Jurisdiction(state="OR")))
            for j in range(services_each):
                await uow.partners.add_service(Service(id=uuid4(), partner_id=pid, name=f"S{j}", category="training"))
        await uow.commit()


async def test_hundred_partners_with_services_cost_a_fixed_number_of_round_trips(anon_client, clean_db):
    """Counted on the request's data connection; every request also pays one rate-limit statement
    (and, with a key, one key lookup), whatever it asks for."""
    client = anon_client
    await _seed(clean_db, 100)
    counter = QueryCounter()
    clean_db.query_observer = counter
    data = await _gql(client, PARTNERS_WITH_SERVICES, first=100)
    clean_db.query_observer = None
    edges = data["data"]["partners"]["edges"]
    assert len(edges) == 100
    assert all(len(e["node"]["services"]) == 2 for e in edges)
    assert counter.count <= 3, [" ".join(q.split())[:70] for q in counter.queries]


async def test_round_trips_do_not_grow_with_page_size(anon_client, clean_db):
    client = anon_client
    await _seed(clean_db, 30, services_each=1)
    counts = []
    for first in (5, 30):
        counter = QueryCounter()
        clean_db.query_observer = counter
        await _gql(client, PARTNERS_WITH_SERVICES, first=first)
        counts.append(counter.count)
    clean_db.query_observer = None
    assert counts[0] == counts[1]


async def test_connection_pages_with_after_cursor(client, clean_db):
    await _seed(clean_db, 5, services_each=0)
    first = await _gql(client, PARTNERS_WITH_SERVICES, first=3)
    page = first["data"]["partners"]
    assert page["pageInfo"]["hasNextPage"] is True
    second = await _gql(client, PARTNERS_WITH_SERVICES, first=3, after=page["pageInfo"]["endCursor"])
    names = [e["node"]["name"] for e in page["edges"] + second["data"]["partners"]["edges"]]
    assert names == [f"Partner {i:03d}" for i in range(5)]
    assert second["data"]["partners"]["pageInfo"]["hasNextPage"] is False


async def test_cursors_read_through_aliases_and_fragments_are_the_edges_cursors(client, clean_db):
    """Cursors are encoded only when the query may read them; every way of reading one gets it."""
    await _seed(clean_db, 4, services_each=0)
    plain = await _gql(client, "{ partners(first: 4) { edges { cursor } pageInfo { endCursor } } }")
    cursors = [e["cursor"] for e in plain["data"]["partners"]["edges"]]
    assert len(set(cursors)) == 4 and cursors[-1] == plain["data"]["partners"]["pageInfo"]["endCursor"]
    query = """
    query($no: Boolean!) {
      a: partners(first: 4) { e: edges { c: cursor } }
      b: partners(first: 4) { ...Page }
      c: partners(first: 4) { edges { ... on PartnerEdge { cursor @skip(if: $no) } } }
      d: partners(first: 4) { edges { node { name } } }
    }
    fragment Page on PartnerConnection { edges { ...Edge } }
    fragment Edge on PartnerEdge { cursor }
    """
    data = (await _gql(client, query, no=False))["data"]
    assert [e["c"] for e in data["a"]["e"]] == cursors
    assert [e["cursor"] for e in data["b"]["edges"]] == cursors
    assert [e["cursor"] for e in data["c"]["edges"]] == cursors
    assert [e["node"]["name"] for e in data["d"]["edges"]] == [f"Partner {i:03d}" for i in range(4)]


async def test_filters_are_the_same_as_rest(client, clean_db):
    await _seed(clean_db, 3, services_each=0)
    data = await _gql(client, PARTNERS_WITH_SERVICES, first=10, where={"q": "Partner 001"})
    assert next(e["node"]["name"] for e in data["data"]["partners"]["edges"]) == "Partner 001"
    data = await _gql(client, PARTNERS_WITH_SERVICES, first=10, where={"partnerType": "workforce_agency"})
    assert data["data"]["partners"]["edges"] == []


CREATE = """
mutation($input: PartnerInput!) {
  createPartner(input: $input) {
    __typename
    ... on Partner { databaseId name version }
    ... on ValidationError { message errors { field message } }
  }
}
"""


async def test_create_partner_mutation_returns_the_partner(client, clean_db):
    await add_region(client)
    data = await _gql(client, CREATE, input={"name": "Board", "partnerType": "workforce_agency", "level": "LOCAL",
                                             "jurisdiction": {"state": "OR", "localArea": "or-test"}})
    result = data["data"]["createPartner"]
    assert result["__typename"] == "Partner"
    r = await client.get(f"/v1/partners/{result['databaseId']}")
    assert r.json()["name"] == "Board"


async def test_invalid_mutation_input_is_a_typed_error_and_writes_nothing(client, clean_db):
    data = await _gql(client, CREATE, input={"name": "X", "partnerType": "nope", "level": "LOCAL",
                                             "jurisdiction": {"state": "OR"}, "latitude": 200.0})
    result = data["data"]["createPartner"]
    assert result["__typename"] == "ValidationError"
    assert "latitude" in [e["field"] for e in result["errors"]]
    data = await _gql(client, CREATE, input={"name": "X", "partnerType": "nope", "level": "LOCAL",
                                             "jurisdiction": {"state": "OR"}})
    assert data["data"]["createPartner"]["errors"][0]["field"] == "partnerType"
    listing = await client.get("/v1/partners", params={"include_total": "true"})
    assert listing.json()["total"] == 0


async def test_update_with_stale_version_is_a_typed_error(client, clean_db):
    await add_region(client)
    created = await _gql(client, CREATE, input={"name": "Board", "partnerType": "workforce_agency",
                                                "level": "LOCAL", "jurisdiction": {"state": "OR"}})
    pid = created["data"]["createPartner"]["databaseId"]
    mutation = """
    mutation($id: UUID!, $v: Int) {
      updatePartner(id: $id, input: {capacity: 5}, expectedVersion: $v) {
        __typename ... on Partner { version capacity } ... on StaleVersionError { message }
      }
    }"""
    ok = await _gql(client, mutation, id=pid, v=1)
    assert ok["data"]["updatePartner"] == {"__typename": "Partner", "version": 2, "capacity": 5}
    stale = await _gql(client, mutation, id=pid, v=1)
    assert stale["data"]["updatePartner"]["__typename"] == "StaleVersionError"


async def test_alias_bomb_is_refused_with_a_clear_error(client, clean_db):
    query = "query { " + " ".join(f"a{i}: partners(first: 1) {{ edges {{ cursor }} }}" for i in range(40)) + " }"
    r = await client.post("/graphql", json={"query": query})
    errors = r.json()["errors"]
    assert "aliases" in errors[0]["message"].lower()
    assert r.json().get("data") is None


async def test_invalid_cursor_is_a_coded_error(client, clean_db):
    r = await client.post("/graphql", json={"query": '{ partners(after: "zzz") { edges { cursor } } }'})
    body = r.json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_the_endpoint_reads_and_writes_json_with_orjson_and_still_refuses_bad_json(client, clean_db):
    await _seed(clean_db, 1)
    r = await client.post("/graphql", json={"query": "mutation($n: String!) { createPartner(input: {name: $n, "
                                                     "partnerType: \"employer\", level: LOCAL, "
                                                     "jurisdiction: {state: \"OR\"}}) { __typename } }",
                                            "variables": {"n": "Café Ñandú 🚀"}})
    assert r.status_code == 200, r.text
    data = await _gql(client, "{ partners(first: 10) { edges { node { name } } } }")
    assert "Café Ñandú 🚀" in [e["node"]["name"] for e in data["data"]["partners"]["edges"]]
    assert "Café Ñandú 🚀".encode() in (await client.post(
        "/graphql", json={"query": "{ partners(first: 10) { edges { node { name } } } }"})).content
    bad = await client.post("/graphql", content=b'{"query": "{ partners', headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
