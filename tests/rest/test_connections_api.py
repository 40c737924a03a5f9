"""Connections over REST: interests, one stage at a time, the planning questions, joining a system, matches.

The rules themselves are tested against fakes in tests/usecases/test_connection_usecases.py.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.repositories.database import Database
from tests.conftest import add_region, mint_key, partner_body

PROBLEM = "application/problem+json"
ANSWERS = {"what_is_possible": "Every parent we serve enters a nursing pathway.",
           "what_is_practical": "Two joint information sessions this spring.",
           "who_can_help": "The college's workforce dean.", "what_is_next": "Agree the calendar by May 1."}


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str, **extra: object) -> str:
    r = await client.post("/v1/partners", json=partner_body(name=name, partner_type=partner_type, **extra))
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
async def orgs(client: httpx.AsyncClient) -> dict[str, str]:
    await add_region(client, "or-test")
    return {
        "board": await _partner(client, "Willamette WDB", "workforce_agency"),
        "college": await _partner(client, "Chemeketa CC", "educational_institution"),
        "cbo": await _partner(client, "Hope Community Services", "community_based_organization",
                              populations_served=["low_income", "single_parent"]),
    }


async def _connect(client: httpx.AsyncClient, orgs: dict[str, str], **extra: object) -> dict:
    body = {"from_partner": orgs["cbo"], "to_partner": orgs["college"], "interest": "pursue_partnership", **extra}
    r = await client.post("/v1/connections", json=body)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/v1/connections/{r.json()['id']}"
    return r.json()


async def _advance(client: httpx.AsyncClient, connection: str, stage: str) -> httpx.Response:
    return await client.post(f"/v1/connections/{connection}/advance", json={"stage": stage})


async def test_match_scores_are_symmetric_and_never_include_the_partner_itself(client, orgs):
    scores = {}
    for who in orgs.values():
        r = await client.get(f"/v1/partners/{who}/matches", params={"min_score": 0})
        assert r.status_code == 200, r.text
        report = r.json()
        assert sum(report["weights"].values()) == 100
        ids = [m["partner"]["id"] for m in report["matches"]]
        assert who not in ids
        assert [m["score"] for m in report["matches"]] == sorted((m["score"] for m in report["matches"]),
                                                                  reverse=True)
        for m in report["matches"]:
            scores[(who, m["partner"]["id"])] = (m["score"], m["reasons"])
    assert scores, "the three organizations match one another"
    for (a, b), (score, reasons) in scores.items():
        assert scores[(b, a)] == (score, reasons)
    board_college = scores[(orgs["board"], orgs["college"])]
    assert board_college[0] > 0 and any("usually carries" in reason for reason in board_college[1])


async def test_matches_of_an_unknown_partner_are_404(client, orgs):
    r = await client.get("/v1/partners/00000000-0000-0000-0000-000000000001/matches")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM


async def test_a_connection_moves_one_stage_at_a_time_and_skipping_is_409_named_for_the_rule(client, orgs):
    connection = await _connect(client, orgs)
    assert (connection["stage"], connection["version"]) == ("interest_defined", 1)
    r = await _advance(client, connection["id"], "exploring")
    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("stage-skipped")
    for stage in ("contacted", "exploring", "planning"):
        r = await _advance(client, connection["id"], stage)
        assert r.status_code == 200, r.text
        assert r.json()["stage"] == stage
    r = await _advance(client, connection["id"], "partnered")
    assert r.status_code == 409
    assert r.json()["type"].endswith("planning-questions-unanswered")


async def test_a_partnered_connection_adds_the_organization_to_a_system(client, orgs):
    r = await client.post("/v1/systems", json={"name": "Valley", "level": "local",
                                               "jurisdiction": {"state": "OR", "local_area": "or-test"}})
    system = r.json()["id"]
    connection = await _connect(client, orgs)
    join = {"system_id": system, "representative": "Dean Lee", "team": "operations"}
    early = await client.post(f"/v1/connections/{connection['id']}/join-system", json=join)
    assert early.status_code == 409
    assert early.json()["type"].endswith("connection-not-partnered")

    r = await client.patch(f"/v1/connections/{connection['id']}", json=ANSWERS)
    assert r.status_code == 200, r.text
    for stage in ("contacted", "exploring", "planning", "partnered"):
        assert (await _advance(client, connection["id"], stage)).status_code == 200
    r = await client.post(f"/v1/connections/{connection['id']}/join-system", json=join)
    assert r.status_code == 201, r.text
    members = {m["partner_id"]: m for m in r.json()["members"]}
    assert members[orgs["college"]]["team"] == "operations"


async def test_connections_carry_etags_and_are_listed_for_either_partner(client, orgs):
    connection = await _connect(client, orgs, notes="Met at the regional convening.")
    url = f"/v1/connections/{connection['id']}"
    got = await client.get(url)
    etag = got.headers["etag"]
    assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304
    assert (await client.patch(url, json={"notes": "Called the dean."}, headers={"If-Match": etag})).status_code == 200
    stale = await client.patch(url, json={"notes": "Again."}, headers={"If-Match": etag})
    assert stale.status_code == 412
    for side in ("cbo", "college"):
        listed = (await client.get(f"/v1/partners/{orgs[side]}/connections")).json()["items"]
        assert [c["id"] for c in listed] == [connection["id"]]
    assert (await client.get(f"/v1/partners/{orgs['board']}/connections")).json()["items"] == []


async def test_an_organization_cannot_connect_with_itself_or_a_stranger(client, orgs):
    r = await client.post("/v1/connections", json={"from_partner": orgs["cbo"], "to_partner": orgs["cbo"],
                                                   "interest": "gain_insight"})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"to_partner"}
    r = await client.post("/v1/connections", json={"from_partner": orgs["cbo"], "interest": "gain_insight",
                                                   "to_partner": "00000000-0000-0000-0000-000000000001"})
    assert r.status_code == 422
    r = await client.post("/v1/connections", json={"from_partner": orgs["cbo"], "to_partner": orgs["board"],
                                                   "interest": "make_friends"})
    assert r.status_code == 422


async def test_recording_a_connection_needs_directory_write_within_the_from_partners_state(
    app: FastAPI, client, orgs, clean_db: Database
):
    reader = await mint_key(clean_db, Scope.DIRECTORY_READ, Scope.SYSTEMS_READ, jurisdiction=Jurisdiction(state="OR"))
    other_state = await mint_key(clean_db, Scope.DIRECTORY_WRITE, jurisdiction=Jurisdiction(state="WA"))
    body = {"from_partner": orgs["cbo"], "to_partner": orgs["college"], "interest": "gain_insight"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        for key in (reader, other_state):
            r = await c.post("/v1/connections", json=body, headers={"Authorization": f"Bearer {key}"})
            assert r.status_code == 403, r.text
        r = await c.get(f"/v1/partners/{orgs['cbo']}/matches", headers={"Authorization": f"Bearer {reader}"})
        assert r.status_code == 200
