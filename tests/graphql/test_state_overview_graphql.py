"""The statewide roll-up over GraphQL: the same use case and numbers as REST, and the same access rules."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.repositories.database import Database
from tests.conftest import mint_key
from tests.rest.test_state_overview_api import state  # noqa: F401  (the three-system state, as a fixture)

OVERVIEW = """query($s: String!) { stateOverview(state: $s) {
  state coreFunctions { code }
  areas { label functions { function status } populations { population served }
          gapCounts { kind severity count } gapsTotal readiness { code mean phase { label } }
          agreements { title state } }
  functionTotals { function led supportedOnly unled } rulesLeftOut } }"""


async def test_the_roll_up_answers_as_the_rest_one_does(client: httpx.AsyncClient, state):  # noqa: F811
    r = await client.post("/graphql", json={"query": OVERVIEW, "variables": {"s": "OR"}})
    assert r.status_code == 200, r.text
    assert "errors" not in r.json(), r.json()
    got = r.json()["data"]["stateOverview"]
    rest = (await client.get("/v1/states/OR/overview")).json()
    assert [a["label"] for a in got["areas"]] == [a["label"] for a in rest["areas"]]
    for mine, theirs in zip(got["areas"], rest["areas"], strict=True):
        assert {f["function"]: f["status"] for f in mine["functions"]} == {
            f["function"]: f["status"].upper() for f in theirs["functions"]}
        assert {(c["kind"].lower(), c["severity"].lower()): c["count"] for c in mine["gapCounts"]} == {
            (c["kind"], c["severity"]): c["count"] for c in theirs["gap_counts"]}
        assert mine["gapsTotal"] == theirs["gaps_total"]
    east = got["areas"][0]
    assert [(e["mean"], e["phase"]["label"]) for e in east["readiness"]] == [(3.0, "Implementation Phase")] * 6
    assert east["agreements"] == [{"title": "East partners MOU", "state": "EXPIRED"}]
    assert got["rulesLeftOut"] == ["training_capacity"]


async def test_a_key_of_another_state_gets_an_error_and_no_data(app: FastAPI, state, clean_db: Database):  # noqa: F811
    key = await mint_key(clean_db, Scope.SYSTEMS_READ, jurisdiction=Jurisdiction(state="WA"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as c:
        r = await c.post("/graphql", json={"query": OVERVIEW, "variables": {"s": "OR"}})
    body = r.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


ADD_FROM_GAP = """mutation($s: UUID!, $k: GapKind!, $subject: String!) {
  addGoalFromGap(systemId: $s, kind: $k, subject: $subject) {
    __typename ... on GoalGap { goalId gapKind gapSubject open } ... on ValidationError { errors { field } } } }"""
GOAL_GAPS = "query($s: UUID!) { goalGaps(systemId: $s) { gapKind gapSubject open } }"


async def test_a_gap_becomes_a_goal_and_its_closing_shows(client: httpx.AsyncClient, state):  # noqa: F811
    west = state["west"]

    async def gql(query: str, **variables: object) -> dict:
        r = await client.post("/graphql", json={"query": query, "variables": variables})
        assert r.status_code == 200 and "errors" not in r.json(), r.text
        return r.json()["data"]

    made = (await gql(ADD_FROM_GAP, s=west, k="UNCOVERED_FUNCTION", subject="assess_skills"))["addGoalFromGap"]
    assert (made["__typename"], made["gapKind"], made["gapSubject"], made["open"]) == (
        "GoalGap", "uncovered_function", "assess_skills", True)
    refused = (await gql(ADD_FROM_GAP, s=west, k="UNCOVERED_FUNCTION", subject="coordinate_collaboration"))
    assert refused["addGoalFromGap"] == {"__typename": "ValidationError", "errors": [{"field": "subject"}]}
    board = (await client.get(f"/v1/systems/{west}")).json()["intermediary_id"]
    r = await client.post(f"/v1/systems/{west}/assignments",
                          json={"partner_id": board, "function": "assess_skills", "strength": "lead"})
    assert r.status_code == 201, r.text
    assert (await gql(GOAL_GAPS, s=west))["goalGaps"] == [
        {"gapKind": "uncovered_function", "gapSubject": "assess_skills", "open": False}]
