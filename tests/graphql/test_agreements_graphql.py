"""Agreements, funding and connections over GraphQL: the same rules as REST, through the same use cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.repositories.database import Database
from tests.conftest import add_region, mint_key, partner_body
from tests.graphql.helpers import gql

TODAY = datetime.now(UTC).date()


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str) -> str:
    r = await client.post("/v1/partners", json=partner_body(name=name, partner_type=partner_type))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _led_system(client: httpx.AsyncClient) -> dict[str, str]:
    await add_region(client, "or-test")
    r = await client.post("/v1/systems", json={
        "name": "Valley", "level": "local", "jurisdiction": {"state": "OR", "local_area": "or-test"},
        "target_populations": ["low_income", "single_parent"]})
    system = r.json()["id"]
    board = await _partner(client, "Willamette WDB", "workforce_agency")
    cbo = await _partner(client, "Hope Community Services", "community_based_organization")
    for partner in (board, cbo):
        await client.post(f"/v1/systems/{system}/members", json={"partner_id": partner, "representative": "Pat"})
    r = await client.post(f"/v1/partners/{cbo}/services", json={"name": "Job search club", "category": "job_search"})
    assert r.status_code == 201, r.text
    r = await client.post(f"/v1/systems/{system}/assignments",
                          json={"partner_id": board, "function": "engage_employers", "strength": "lead"})
    return {"system": system, "board": board, "cbo": cbo, "assignment": r.json()["id"]}


CREATE = """
mutation($s: UUID!, $input: AgreementInput!) {
  createAgreement(systemId: $s, input: $input) {
    __typename ... on Agreement { databaseId status version } ... on ConflictError { rule }
    ... on ValidationError { message }
  }
}"""
SIGN = """
mutation($s: UUID!, $id: UUID!, $on: Date) {
  signAgreement(systemId: $s, id: $id, signedOn: $on) {
    __typename ... on Agreement { status inForce } ... on ConflictError { rule }
  }
}"""
GAPS = "query($id: UUID!) { system(id: $id) { gaps { kind subject } } }"


async def test_signing_an_mou_through_graphql_clears_the_formalization_gap(client):
    led = await _led_system(client)
    before = (await gql(client, GAPS, id=led["system"]))["system"]["gaps"]
    assert {"kind": "FORMALIZATION", "subject": "engage_employers"} in before
    mou = {"type": "ONE_STOP_MOU", "title": "Valley MOU", "parties": [led["board"], led["cbo"]],
           "effectiveOn": (TODAY - timedelta(days=10)).isoformat(),
           "expiresOn": (TODAY + timedelta(days=700)).isoformat(), "formalizes": [led["assignment"]],
           "contents": ["cost_sharing"]}
    created = (await gql(client, CREATE, s=led["system"], input=mou))["createAgreement"]
    assert (created["__typename"], created["status"]) == ("Agreement", "DRAFT")
    signed = (await gql(client, SIGN, s=led["system"], id=created["databaseId"],
                         on=(TODAY - timedelta(days=10)).isoformat()))["signAgreement"]
    assert signed == {"__typename": "Agreement", "status": "ACTIVE", "inForce": True}
    after = (await gql(client, GAPS, id=led["system"]))["system"]["gaps"]
    assert not [g for g in after if g["kind"] == "FORMALIZATION"]
    again = (await gql(client, SIGN, s=led["system"], id=created["databaseId"], on=None))["signAgreement"]
    assert again == {"__typename": "ConflictError", "rule": "AgreementNotDraft"}
    listed = await gql(client, """query($s: UUID!) { agreements(systemId: $s) { edges { node {
        title status completeness { complete missing { code } } } } } }""", s=led["system"])
    [edge] = listed["agreements"]["edges"]
    assert edge["node"]["completeness"]["complete"] is False
    assert len(edge["node"]["completeness"]["missing"]) == 5


async def test_funding_untapped_streams_and_allocations_through_graphql(client):
    led = await _led_system(client)
    query = """query($s: UUID!) { funding(systemId: $s) { total untapped { streamCode candidates { name } } } }"""
    untapped = {u["streamCode"] for u in (await gql(client, query, s=led["system"]))["funding"]["untapped"]}
    assert {"snap_et", "tanf"} <= untapped
    created = await gql(client, """mutation($s: UUID!) { createAllocation(systemId: $s, input: {
        streamCode: "tanf", period: "2026", amount: "2500.25", function: "engage_employers"}) {
        __typename ... on Allocation { amount } } }""", s=led["system"])
    assert created["createAllocation"] == {"__typename": "Allocation", "amount": "2500.25"}
    funding = (await gql(client, query, s=led["system"]))["funding"]
    assert funding["total"] == "2500.25"
    assert "tanf" not in {u["streamCode"] for u in funding["untapped"]}
    page = await gql(client, """query($s: UUID!) { allocations(systemId: $s, period: "2026") {
        edges { node { streamCode amount } } pageInfo { hasNextPage } } }""", s=led["system"])
    assert page["allocations"] == {"edges": [{"node": {"streamCode": "tanf", "amount": "2500.25"}}],
                                   "pageInfo": {"hasNextPage": False}}
    streams = (await gql(client, "{ fundingStreams { code kind } }"))["fundingStreams"]
    assert {"code": "snap_et", "kind": "FORMULA"} in streams


async def test_connections_and_matches_through_graphql(client):
    led = await _led_system(client)
    recorded = await gql(client, """mutation($f: UUID!, $t: UUID!) { recordInterest(input: {
        fromPartner: $f, toPartner: $t, interest: PURSUE_PARTNERSHIP}) {
        __typename ... on ConnectionRecord { databaseId stage } } }""", f=led["cbo"], t=led["board"])
    connection = recorded["recordInterest"]
    assert connection["stage"] == "INTEREST_DEFINED"
    skipped = await gql(client, """mutation($id: UUID!) { advanceConnection(id: $id, stage: PLANNING) {
        __typename ... on ConflictError { rule } } }""", id=connection["databaseId"])
    assert skipped["advanceConnection"] == {"__typename": "ConflictError", "rule": "StageSkipped"}
    matches = await gql(client, """query($p: UUID!) { matches(partnerId: $p, minScore: 0) {
        partnerId score reasons partner { name } } }""", p=led["cbo"])
    assert [m["partner"]["name"] for m in matches["matches"]] == ["Willamette WDB"]
    back = await gql(client, "query($p: UUID!) { matches(partnerId: $p, minScore: 0) { partnerId score } }",
                      p=led["board"])
    assert back["matches"] == [{"partnerId": led["cbo"], "score": matches["matches"][0]["score"]}]


async def test_a_read_key_cannot_create_agreements_through_graphql(app: FastAPI, client, clean_db: Database):
    led = await _led_system(client)
    key = await mint_key(clean_db, Scope.SYSTEMS_READ, Scope.DIRECTORY_READ, jurisdiction=Jurisdiction(state="OR"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as reader:
        r = await reader.post("/graphql", json={"query": CREATE, "variables": {"s": led["system"], "input": {
            "type": "MOU", "title": "x", "parties": [led["board"], led["cbo"]]}}})
    assert "scope" in r.json()["errors"][0]["message"]
