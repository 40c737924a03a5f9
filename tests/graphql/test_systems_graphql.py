"""Career pathways systems over GraphQL: the same rules and errors as REST, through the same use cases."""

from __future__ import annotations

import httpx

from api.repositories.database import QueryCounter
from tests.conftest import add_region, partner_body
from tests.graphql.helpers import gql


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str, **extra: object) -> str:
    r = await client.post("/v1/partners", json=partner_body(name=name, partner_type=partner_type, **extra))
    assert r.status_code == 201, r.text
    return r.json()["id"]


CREATE = """
mutation($input: SystemInput!) {
  createSystem(input: $input) {
    __typename ... on System { databaseId version } ... on ValidationError { errors { field } }
  }
}"""
ADD = """
mutation($s: UUID!, $p: UUID!, $team: Team!) {
  addMember(systemId: $s, input: {partnerId: $p, representative: "Rep", team: $team}) {
    __typename ... on System { members { partnerId partner { name } } } ... on ConflictError { rule }
  }
}"""
ASSIGN = """
mutation($s: UUID!, $p: UUID!, $f: String!, $st: Strength!) {
  assignRole(systemId: $s, input: {partnerId: $p, function: $f, strength: $st}) {
    __typename ... on Assignment { databaseId atypical } ... on ConflictError { rule message }
  }
}"""
SYSTEM = """
query($id: UUID!) {
  system(id: $id) {
    name members { team partner { name partnerType } }
    gaps { kind severity subject recommendation figures { daysOverdue cadenceMonths recommendedTypes } }
    review { overdue gaps { subject } }
    suggestions { function recruit candidates { name score reasons } }
  }
}"""


async def _setup(client: httpx.AsyncClient) -> str:
    await add_region(client)
    data = await gql(client, CREATE, input={
        "name": "GraphQL Pathways", "level": "LOCAL", "jurisdiction": {"state": "OR", "localArea": "or-test"},
        "regions": ["or-test"], "targetPopulations": ["disability"],
    })
    assert data["createSystem"]["__typename"] == "System"
    return data["createSystem"]["databaseId"]


async def test_system_gaps_and_suggestions_are_queryable_with_members_resolved(client, clean_db):
    system = await _setup(client)
    board = await _partner(client, "Board", "workforce_agency")
    added = await gql(client, ADD, s=system, p=board, team="LEADERSHIP")
    assert added["addMember"]["members"][0]["partner"]["name"] == "Board"
    data = await gql(client, SYSTEM, id=system)
    gaps = data["system"]["gaps"]
    assert "disability" in [g["subject"] for g in gaps if g["kind"] == "UNSERVED_POPULATION"]
    assert "employer" in [g["subject"] for g in data["system"]["review"]["gaps"]]
    functions = {s["function"]: s for s in data["system"]["suggestions"]}
    assert functions["provide_employment"]["recruit"]


async def test_rule_violations_are_typed_errors_named_for_the_rule(client, clean_db):
    system = await _setup(client)
    a = await _partner(client, "A", "workforce_agency")
    b = await _partner(client, "B", "workforce_agency")
    outsider = await _partner(client, "C", "employer")
    await gql(client, ADD, s=system, p=a, team="LEADERSHIP")
    await gql(client, ADD, s=system, p=b, team="OPERATIONS")
    first = await gql(client, ASSIGN, s=system, p=a, f="engage_employers", st="LEAD")
    assert first["assignRole"]["__typename"] == "Assignment"
    second = await gql(client, ASSIGN, s=system, p=b, f="engage_employers", st="LEAD")
    assert second["assignRole"] == {"__typename": "ConflictError", "rule": "FunctionAlreadyHasLead",
                                    "message": second["assignRole"]["message"]}
    outside = await gql(client, ASSIGN, s=system, p=outsider, f="engage_employers", st="SUPPORT")
    assert outside["assignRole"]["rule"] == "NotAMember"
    again = await gql(client, ADD, s=system, p=a, team="LEADERSHIP")
    assert again["addMember"]["rule"] == "AlreadyAMember"


async def test_invalid_system_input_is_a_validation_error_naming_the_field(client, clean_db):
    data = await gql(client, CREATE, input={"name": "X", "level": "STATE", "jurisdiction": {"state": "OR"},
                                             "targetOccupations": ["nurse"]})
    assert data["createSystem"]["__typename"] == "ValidationError"
    assert data["createSystem"]["errors"][0]["field"] == "targetOccupations.0"


async def test_a_page_of_systems_costs_the_same_round_trips_whatever_its_size(client, clean_db):
    await add_region(client)
    for n in range(12):
        r = await client.post("/v1/systems", json={"name": f"System {n:02}", "level": "local",
                                                   "jurisdiction": {"state": "OR", "local_area": "or-test"}})
        assert r.status_code == 201, r.text
    counts = []
    for first in (2, 12):
        counter = QueryCounter()
        clean_db.query_observer = counter
        data = await gql(client, "query($n: Int!) { systems(first: $n) { edges { node { name members { partnerId } "
                                  "assignments { id } } } } }", n=first)
        clean_db.query_observer = None
        assert len(data["systems"]["edges"]) == first
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
