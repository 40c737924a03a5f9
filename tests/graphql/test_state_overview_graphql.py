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
