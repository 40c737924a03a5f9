"""Relay object identification: global ids, ``node(id:)`` / ``nodes(ids:)`` under each type's access rules, and
object fields beside foreign ids, walked in a bounded number of round trips."""

from __future__ import annotations

import base64
from uuid import UUID, uuid4

import httpx
import pytest

from api.domain.access import Scope, system_caller
from api.domain.partners import Jurisdiction, Level, Partner, Service
from api.domain.systems import (
    Assignment,
    CareerPathwaysSystem,
    Member,
    Strength,
    SystemLevel,
    SystemState,
)
from api.main import create_app, install_database
from api.repositories.database import Database, QueryCounter
from api.repositories.uow import PgUnitOfWork
from api.settings import Settings
from tests.conftest import add_region, mint_key, partner_body
from tests.readiness_support import respond, start_round

NODE_TYPES = ("Partner", "Service", "System", "Assignment", "StaffSession", "Agreement", "Allocation", "Round",
              "Framework", "ActionPlan", "Goal", "ActionItem", "ConnectionRecord", "FundingStream")
REFETCH = """query($id: ID!) { node(id: $id) { __typename id
  ... on Partner { databaseId name } ... on Service { databaseId name } ... on System { databaseId name }
  ... on Assignment { databaseId function } ... on StaffSession { databaseId topic }
  ... on Agreement { databaseId title } ... on Allocation { databaseId amount } ... on Round { databaseId status }
  ... on Framework { databaseId version } ... on ActionPlan { databaseId whatIsNext }
  ... on Goal { databaseId title } ... on ActionItem { databaseId description }
  ... on ConnectionRecord { databaseId stage } ... on FundingStream { code name } } }"""
# Every record of the world as the API gives it out (id, databaseId and the field REFETCH reads of its type).
LISTED = """query($s: UUID!, $p: UUID!, $r: UUID!, $c: UUID!) {
  system(id: $s) { __typename id databaseId name
    assignments { __typename id databaseId function partner { __typename id databaseId name } }
    staffSessions(first: 5) { edges { node { __typename id databaseId topic } } } }
  partner(id: $p) { services { __typename id databaseId name } }
  agreements(systemId: $s) { edges { node { __typename id databaseId title } } }
  allocations(systemId: $s) { edges { node { __typename id databaseId amount } } }
  round(id: $r) { __typename id databaseId status framework { __typename id databaseId version } }
  actionPlan(systemId: $s) { __typename id databaseId whatIsNext
    goals { __typename id databaseId title } items { __typename id databaseId description } }
  connectionRecord(id: $c) { __typename id databaseId stage }
  fundingStreams { __typename id code name }
}"""


async def _gql(client: httpx.AsyncClient, query: str, **variables: object) -> dict:
    r = await client.post("/graphql", json={"query": query, "variables": variables})
    assert r.status_code == 200, r.text
    return r.json()


async def _data(client: httpx.AsyncClient, query: str, **variables: object) -> dict:
    body = await _gql(client, query, **variables)
    assert "errors" not in body, body
    return body["data"]


async def _ok(r: httpx.Response) -> dict:
    assert r.status_code in (200, 201), r.text
    return r.json()


async def _world(client: httpx.AsyncClient) -> dict[str, str]:
    """One record of every type, in Oregon (or-test), made through REST; their REST ids by name."""
    await add_region(client, "or-test")
    board = (await _ok(await client.post("/v1/partners", json=partner_body(
        name="Lane Workforce Board", partner_type="workforce_agency"))))["id"]
    college = (await _ok(await client.post("/v1/partners", json=partner_body(
        name="Lane College", partner_type="educational_institution"))))["id"]
    await _ok(await client.post(f"/v1/partners/{board}/services", json={"name": "Job search help",
                                                                        "category": "career_services"}))
    system = (await _ok(await client.post("/v1/systems", json={
        "name": "Lane Pathways", "level": "local", "jurisdiction": {"state": "OR", "local_area": "or-test"}})))["id"]
    for pid in (board, college):
        await _ok(await client.post(f"/v1/systems/{system}/members", json={"partner_id": pid, "representative": "Pat"}))
    await _ok(await client.post(f"/v1/systems/{system}/assignments", json={
        "partner_id": board, "function": "engage_employers", "strength": "lead"}))
    await _ok(await client.post(f"/v1/systems/{system}/staff-sessions", json={
        "held_on": "2026-03-01", "kind": "information", "topic": "What the system is", "level": "local",
        "agencies": [board]}))
    await _ok(await client.post(f"/v1/systems/{system}/agreements", json={
        "type": "mou", "title": "Lane MOU", "parties": [board, college]}))
    await _ok(await client.post(f"/v1/systems/{system}/allocations", json={
        "stream_code": "wioa_title_i_adult", "period": "2026", "amount": "1000.00", "function": "engage_employers"}))
    round_id = await start_round(client, system)
    await respond(client, round_id, board, ratings={"1.1": 2})
    await _ok(await client.put(f"/v1/systems/{system}/action-plan", json={"what_is_next": "Meet employers"}))
    goal = (await _ok(await client.post(f"/v1/systems/{system}/action-plan/goals", json={"title": "Employers"})))
    await _ok(await client.post(f"/v1/systems/{system}/action-plan/items", json={
        "goal_id": goal["id"], "description": "Call ten employers", "owner_id": board}))
    connection = (await _ok(await client.post("/v1/connections", json={
        "from_partner": college, "to_partner": board, "interest": "gain_insight"})))["id"]
    return {"system": system, "board": board, "college": college, "round": round_id, "connection": connection}


def _records(listed: dict) -> list[dict]:
    """Every record object of the LISTED answer that has an id."""
    found: list[dict] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if "id" in value and "__typename" in value:
                found.append(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(listed)
    return found


async def test_every_entity_type_is_refetched_by_its_global_id(client):
    world = await _world(client)
    listed = await _data(client, LISTED, s=world["system"], p=world["board"], r=world["round"],
                         c=world["connection"])
    records = _records(listed)
    assert {r["__typename"] for r in records} == set(NODE_TYPES)
    for record in records:
        refetched = (await _data(client, REFETCH, id=record["id"]))["node"]
        assert {k: v for k, v in record.items() if not isinstance(v, dict | list)} == refetched
    system = listed["system"]
    assert base64.b64decode(system["id"]).decode() == f"System:{world['system']}"
    assert system["databaseId"] == world["system"]
    assert len({r["id"] for r in records}) == len({(r["__typename"], r.get("databaseId", r.get("code")))
                                                  for r in records}), "one global id per record"
    ids = [r["id"] for r in records]
    many = (await _data(client, "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }", ids=ids))["nodes"]
    assert many == [{"__typename": r["__typename"], "id": r["id"]} for r in records]


def _gid(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


async def test_node_refuses_what_the_key_may_not_see_exactly_as_a_record_of_nothing(app, client, clean_db):
    world = await _world(client)
    listed = await _data(client, LISTED, s=world["system"], p=world["board"], r=world["round"],
                         c=world["connection"])
    # The directory (partners, services, connections between them) and reference data are read everywhere.
    hidden = [r for r in _records(listed) if r["__typename"] not in ("Partner", "Service", "ConnectionRecord",
                                                                     "Framework", "FundingStream")]
    washington = await mint_key(clean_db, Scope.DIRECTORY_READ, Scope.SYSTEMS_READ,
                                jurisdiction=Jurisdiction(state="WA"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {washington}"}) as other:
        for record in hidden:
            seen = await _gql(other, REFETCH, id=record["id"])
            assert seen["data"] == {"node": None}, record
            (error,) = seen["errors"]
            assert error["path"] == ["node"] and error["extensions"]["code"] == "NOT_FOUND"
            assert world["system"] not in str(seen) and "Lane" not in str(seen)
            # the same answer as for an id of nothing, but for the id itself
            key = base64.b64decode(record["id"]).decode().split(":", 1)[1]
            nothing = _gid(record["__typename"], "/".join(str(uuid4()) for _ in key.split("/")))
            unknown = await _gql(other, REFETCH, id=nothing)
            assert str(unknown).replace(nothing, "ID") == str(seen).replace(record["id"], "ID")
        # as their own queries answer: a connection between partners is read everywhere, a system is not
        for own, node in (("connectionRecord", listed["connectionRecord"]), ("system", listed["system"])):
            theirs = await _gql(other, f"query($id: UUID!) {{ {own}(id: $id) {{ databaseId }} }}",
                                id=node["databaseId"])
            mine = await _gql(other, "query($id: ID!) { node(id: $id) { ... on Node { id } } }", id=node["id"])
            assert (theirs["data"][own] is None) == (mine["data"]["node"] is None), own
        # the directory is readable everywhere; the system is not
        system_id = listed["system"]["id"]
        partner_id = listed["system"]["assignments"][0]["partner"]["id"]
        mixed = await _gql(other, "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }",
                           ids=[partner_id, system_id])
        assert mixed["data"] == {"nodes": [{"__typename": "Partner", "id": partner_id}, None]}
        assert [(e["path"], e["extensions"]["code"]) for e in mixed["errors"]] == [(["nodes", 1], "NOT_FOUND")]
        # a relation walks no further than the key may see: the partner, never the system it serves in
        walked = await _gql(other, """query($id: ID!) { node(id: $id) { ... on Partner { name } } }""",
                            id=partner_id)
        assert walked == {"data": {"node": {"name": "Lane Workforce Board"}}}


@pytest.mark.parametrize("bad", [
    "not a global id", "", "UGFydG5lcg==", _gid("Partner", "not-a-uuid"), _gid("Nothing", str(UUID(int=1))),
    _gid("Partner", str(UUID(int=0xABCDEF)).upper()), _gid("Partner", str(UUID(int=1))).rstrip("="),
    _gid("Agreement", str(UUID(int=1))), _gid("System", f"{UUID(int=1)}/{UUID(int=2)}"), "x" * 500,
])
async def test_a_malformed_global_id_is_a_typed_error_not_a_server_error(client, bad):
    answer = await _gql(client, REFETCH, id=bad)
    assert answer["data"] == {"node": None}
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT", error
    assert error["extensions"]["errors"][0]["field"] == "id"
    many = await _gql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=[bad])
    assert many["data"] == {"nodes": [None]}
    assert [(e["path"], e["extensions"]["errors"][0]["field"]) for e in many["errors"]] == [(["nodes", 0], "ids.0")]


async def test_nodes_refuses_more_ids_than_a_page(client):
    answer = await _gql(client, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                        ids=[_gid("Partner", str(uuid4())) for _ in range(101)])
    assert answer["data"] is None
    assert answer["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_the_cost_rule_counts_each_id_of_nodes_as_a_record(app, admin_key):
    """A node is a whole record: nodes(ids:) costs what that many records cost, not one."""
    heavy = " ".join(f"g{i}: gaps {{ kind subject explanation recommendation figures {{ agreementId assignmentId }} }}"
                     for i in range(20))
    query = f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on System {{ {heavy} }} }} }}"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {admin_key}"}) as client:
        refused = await _gql(client, query, ids=[_gid("System", str(uuid4()))])
        assert "estimated cost" in refused["errors"][0]["message"]
        one = query.replace("query($ids: [ID!]!) ", "").replace("$ids", f'["{_gid("System", str(uuid4()))}"]')
        answered = await _gql(client, one)
        assert answered["data"] == {"nodes": [None]}


# --- a walk from systems to their assignments, their partners and those partners' services ----------------------

WALK = """query($first: Int!) { systems(first: $first) { edges { node { name
  assignments { function partner { name services { name partner { name } } } } } } } }"""


async def _seed_systems(db: Database, n: int) -> None:
    """``n`` systems, each with two members carrying a function, each member offering two services."""
    async with PgUnitOfWork(db, caller=system_caller("demo")) as uow:
        for i in range(n):
            sid, members = uuid4(), []
            for j in range(2):
                pid = uuid4()
                await uow.partners.add(Partner(id=pid, name=f"Partner {i:03d}-{j}", partner_type="employer",
                                               level=Level.LOCAL, jurisdiction=Jurisdiction(state="OR")))
                for k in range(2):
                    await uow.partners.add_service(Service(id=uuid4(), partner_id=pid, name=f"S{k}",
                                                           category="training"))
                members.append(pid)
            await uow.systems.add(SystemState(
                system=CareerPathwaysSystem(id=sid, name=f"System {i:03d}", level=SystemLevel.LOCAL,
                                            jurisdiction=Jurisdiction(state="OR")),
                members=tuple(Member(partner_id=p, representative="Pat") for p in members),
                assignments=tuple(Assignment(id=uuid4(), system_id=sid, partner_id=p, function=f,
                                             strength=Strength.LEAD)
                                  for p, f in zip(members, ("engage_employers", "provide_support_services"),
                                                  strict=True)),
            ))
        await uow.commit()


async def test_a_walk_from_systems_to_partners_services_costs_the_same_round_trips_at_any_page_size(
        clean_db, admin_key):
    """Counted on every statement of the request (the key lookup and the rate limit included)."""
    await _seed_systems(clean_db, 100)
    # The cost rule estimates 20 items for every nested list; this walk is well within what it guards against.
    app = create_app(Settings(environment="test", graphql_max_cost=10_000_000), manage_database=False)
    install_database(app, clean_db)
    counts = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {admin_key}"}) as client:
        for first in (10, 100):
            counter = QueryCounter()
            clean_db.query_observer = counter
            data = await _data(client, WALK, first=first)
            clean_db.query_observer = None
            counts.append(counter.count)
            _check_walk(data, first)
    assert counts[0] == counts[1] <= 5, counts


def _check_walk(data: dict, first: int) -> None:
    edges = data["systems"]["edges"]
    assert len(edges) == first
    assert all(len(a["partner"]["services"]) == 2 and a["partner"]["services"][0]["partner"] == {
        "name": a["partner"]["name"]} for e in edges for a in e["node"]["assignments"])
    assert sum(len(e["node"]["assignments"]) for e in edges) == 2 * first


# --- object fields beside foreign ids -------------------------------------------------------------------------

RELATIONS = """query($s: UUID!, $p: UUID!, $r: UUID!, $c: UUID!) {
  system(id: $s) { intermediaryId intermediary { databaseId }
    assignments { partnerId partner { databaseId } agreementId agreement { databaseId } }
    review { championId champion { databaseId } } suggestions { candidates { partnerId partner { databaseId } } }
    staffSessions(first: 5) { edges { node { systemId system { databaseId } } } } }
  agreements(systemId: $s) { edges { node { systemId system { databaseId } } } }
  allocations(systemId: $s) { edges { node { systemId system { databaseId } } } }
  funding(systemId: $s) { systemId system { databaseId } unfundedServices { serviceId service { databaseId }
    partnerId partner { databaseId } } unfundedFunctions { leadPartnerId leadPartner { databaseId } }
    untapped { candidates { partnerId partner { databaseId } } } }
  round(id: $r) { systemId system { databaseId } frameworkId framework { databaseId }
    responses { roundId round { databaseId } respondentId respondent { databaseId } } }
  roundScore(roundId: $r) { roundId round { databaseId } frameworkId framework { databaseId } }
  actionPlan(systemId: $s) { systemId system { databaseId }
    goals { planId plan { databaseId } } items { goalId goal { databaseId } ownerId owner { databaseId } }
    status { planId plan { databaseId } systemId system { databaseId } goals { goalId goal { databaseId } } } }
  connectionRecord(id: $c) { fromPartner fromOrganization { databaseId } toPartner toOrganization { databaseId } }
  partnerLaborMarket(partnerId: $p) { partnerId partner { databaseId } }
  partner(id: $p) { services { partnerId partner { databaseId } } }
}"""
PAIRS = {"fromPartner": "fromOrganization", "toPartner": "toOrganization", "ownerId": "owner"}


async def test_every_object_field_beside_a_foreign_id_is_the_record_that_id_names(client):
    world = await _world(client)
    await _ok(await client.put(f"/v1/systems/{world['system']}/intermediary", json={"partner_id": world["board"]}))
    data = await _data(client, RELATIONS, s=world["system"], p=world["board"], r=world["round"],
                       c=world["connection"])
    checked: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, ident in value.items():
                name = PAIRS.get(key) or (key[:-2] if key.endswith("Id") else None)
                if name is not None and name in value:
                    assert (value[name] or {}).get("databaseId") == ident, (key, value)
                    checked.append(key if ident is not None else f"{key}=null")
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    named = {c for c in checked if not c.endswith("=null")}
    assert named >= {"intermediaryId", "partnerId", "systemId", "frameworkId", "roundId", "respondentId", "planId",
                     "goalId", "ownerId", "fromPartner", "toPartner", "leadPartnerId"}, checked
