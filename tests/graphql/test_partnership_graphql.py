"""The seeds' partnership rules over GraphQL: the same use cases as REST, the same answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import add_region, partner_body
from tests.graphql.helpers import gql

TODAY = datetime.now(UTC).date()


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str) -> str:
    r = await client.post("/v1/partners", json=partner_body(name=name, partner_type=partner_type))
    assert r.status_code == 201, r.text
    return r.json()["id"]


CREATE_SYSTEM = """
mutation($input: SystemInput!) {
  createSystem(input: $input) {
    __typename ... on System { databaseId stateSystemId localSystems { databaseId }
                               targetPopulationSizes { population size } }
    ... on ValidationError { message }
  }
}"""
SYSTEM = """
query($id: UUID!) { system(id: $id) {
  localSystems { name workingRelationship } stateSystem { databaseId name }
  relationshipConfirmations { level confirmedBy current }
  members { partnerId status }
  gaps { kind subject severity }
  review { retiredMembers championId gaps { kind } }
  staffSessions(first: 5) { edges { node { topic kind agencies } } pageInfo { hasNextPage } }
} }"""


async def test_a_state_system_its_local_systems_and_their_relationship_over_graphql(client):
    await add_region(client, "or-test")
    state = (await gql(client, CREATE_SYSTEM, input={"name": "Oregon", "level": "STATE",
                                                       "jurisdiction": {"state": "OR"}}))["createSystem"]
    local = (await gql(client, CREATE_SYSTEM, input={
        "name": "Valley", "level": "LOCAL", "jurisdiction": {"state": "OR", "localArea": "or-test"},
        "stateSystemId": state["databaseId"], "workingRelationship": "STATE_DIRECTED",
        "targetPopulations": ["low_income"], "targetPopulationSizes": [{"population": "low_income", "size": 900}],
    }))["createSystem"]
    assert local["__typename"] == "System", local
    assert local["stateSystemId"] == state["databaseId"]
    assert local["targetPopulationSizes"] == [{"population": "low_income", "size": 900}]
    board, college = await _partner(client, "Board", "workforce_agency"), await _partner(
        client, "College", "educational_institution")
    for partner in (board, college):
        r = await client.post(f"/v1/systems/{local['databaseId']}/members", json={"partner_id": partner,
                                                                          "representative": "Pat"})
        assert r.status_code == 201

    found = (await gql(client, SYSTEM, id=state["databaseId"]))["system"]
    assert found["localSystems"] == [{"name": "Valley", "workingRelationship": "STATE_DIRECTED"}]
    found = (await gql(client, SYSTEM, id=local["databaseId"]))["system"]
    assert found["stateSystem"] == {"databaseId": state["databaseId"], "name": "Oregon"}
    relationship = {g["subject"]: g["severity"] for g in found["gaps"] if g["kind"] == "WORKING_RELATIONSHIP"}
    assert relationship["formalization"] == "HIGH" and "confirmation" in relationship
    assert {"STAFF_TRAINING", "SHARED_VISION"} <= {g["kind"] for g in found["gaps"]}

    confirm = """mutation($s: UUID!, $level: SystemLevel!, $on: Date!, $by: String!) {
      confirmRelationship(systemId: $s, level: $level, confirmedOn: $on, confirmedBy: $by) {
        __typename ... on System { relationshipConfirmations { level confirmedBy current } }
        ... on ValidationError { message } } }"""
    for level, who in (("LOCAL", "Valley chair"), ("STATE", "State coordinator")):
        done = (await gql(client, confirm, s=local["databaseId"], level=level, on=TODAY.isoformat(), by=who))
        assert done["confirmRelationship"]["__typename"] == "System", done
    future = (await gql(client, confirm, s=local["databaseId"], level="LOCAL",
                         on=(TODAY + timedelta(days=3)).isoformat(), by="x"))["confirmRelationship"]
    assert future["__typename"] == "ValidationError"

    session = """mutation($s: UUID!, $input: StaffSessionInput!) { recordStaffSession(systemId: $s, input: $input) {
      __typename ... on StaffSession { databaseId topic } ... on ConflictError { rule } } }"""
    recorded = (await gql(client, session, s=local["databaseId"], input={
        "heldOn": TODAY.isoformat(), "kind": "TRAINING", "topic": "Our pathway", "level": "LOCAL",
        "agencies": [board, college]}))["recordStaffSession"]
    assert recorded["__typename"] == "StaffSession"

    r = await client.patch(f"/v1/partners/{college}", json={"status": "retired"})
    assert r.status_code == 200
    found = (await gql(client, SYSTEM, id=local["databaseId"]))["system"]
    kinds = {g["kind"] for g in found["gaps"]}
    assert "STAFF_TRAINING" not in kinds and "RETIRED_PARTNER" in kinds
    assert found["review"]["retiredMembers"] == [college]
    assert {m["partnerId"]: m["status"] for m in found["members"]}[college] == "RETIRED"
    assert [e["node"]["topic"] for e in found["staffSessions"]["edges"]] == ["Our pathway"]
    assert {c["level"]: c["current"] for c in found["relationshipConfirmations"]} == {"STATE": True, "LOCAL": True}

    retired = (await gql(client, confirm, s=local["databaseId"], level="LOCAL", on=TODAY.isoformat(), by="x"))
    assert retired["confirmRelationship"]["__typename"] == "System"
    assign = """mutation($s: UUID!, $input: AssignmentInput!) { assignRole(systemId: $s, input: $input) {
      __typename ... on ConflictError { rule } } }"""
    refused = (await gql(client, assign, s=local["databaseId"], input={
        "partnerId": college, "function": "design_programs", "strength": "LEAD"}))["assignRole"]
    assert refused == {"__typename": "ConflictError", "rule": "PartnerRetired"}


async def test_reviews_are_corrected_and_vision_revisits_recorded_over_graphql(client):
    system = (await gql(client, CREATE_SYSTEM, input={"name": "Valley", "level": "LOCAL",
                                                        "jurisdiction": {"state": "OR"}}))["createSystem"]
    correct = """mutation($s: UUID!, $on: Date, $why: String!) { correctReview(systemId: $s, reviewedOn: $on,
      reason: $why) { __typename ... on System { lastReviewedOn } ... on ValidationError { message } } }"""
    done = (await gql(client, correct, s=system["databaseId"], on=(TODAY - timedelta(days=5)).isoformat(),
                       why="held last week"))["correctReview"]
    assert done == {"__typename": "System", "lastReviewedOn": (TODAY - timedelta(days=5)).isoformat()}
    refused = (await gql(client, correct, s=system["databaseId"], on=(TODAY + timedelta(days=5)).isoformat(),
                          why="typo"))["correctReview"]
    assert refused["__typename"] == "ValidationError"
    revisit = """mutation($s: UUID!, $on: Date!) { recordVisionReview(systemId: $s, revisitedOn: $on) {
      __typename ... on System { visionRevisitedOn } } }"""
    assert (await gql(client, revisit, s=system["databaseId"], on=TODAY.isoformat()))["recordVisionReview"] == {
        "__typename": "System", "visionRevisitedOn": TODAY.isoformat()}


async def test_the_seeds_chart_checklists_and_team_tiers_are_readable_over_graphql(client):
    data = await gql(client, """{ roleMatrix(seedOnly: true) { partnerType function source }
      all: roleMatrix { partnerType function source }
      teamRequirements { partnerType tier severity }
      agreementChecklists { kind items { code source } } }""")
    assert {e["source"] for e in data["roleMatrix"]} == {"seed"}
    assert len(data["roleMatrix"]) == 26
    assert {"partnerType": "educational_institution", "function": "provide_trainers"} in [
        {"partnerType": e["partnerType"], "function": e["function"]} for e in data["all"]
        if e["source"].startswith("project:")]
    assert {"partnerType": "community_based_organization", "tier": "recommended", "severity": "MEDIUM"} in data[
        "teamRequirements"]
    assert {c["kind"] for c in data["agreementChecklists"]} == {"mou", "state_local_mou", "one_stop_mou"}
