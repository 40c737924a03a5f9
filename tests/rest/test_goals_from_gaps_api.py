"""Gaps into goals over REST: a goal made from a gap references it by kind and subject, and the plan's status
says whether that gap is still open."""

from __future__ import annotations

import httpx

from tests.conftest import add_region, partner_body

PROBLEM = "application/problem+json"


async def _setup(client: httpx.AsyncClient) -> tuple[str, str]:
    await add_region(client, "or-test")
    r = await client.post("/v1/systems", json={"name": "Test Valley Pathways", "level": "local",
                                               "jurisdiction": {"state": "OR", "local_area": "or-test"},
                                               "regions": ["or-test"], "target_populations": ["disability"]})
    assert r.status_code == 201, r.text
    system = r.json()["id"]
    r = await client.post("/v1/partners", json=partner_body(name="Board", partner_type="workforce_agency"))
    board = r.json()["id"]
    r = await client.post(f"/v1/systems/{system}/members", json={"partner_id": board, "representative": "Pat"})
    assert r.status_code == 201, r.text
    return system, board


async def _status_gaps(client: httpx.AsyncClient, system: str) -> list[dict]:
    r = await client.get(f"/v1/systems/{system}/action-plan/status")
    assert r.status_code == 200, r.text
    return r.json()["gaps"]


async def test_a_gap_becomes_a_goal_that_references_it_and_shows_when_it_closes(client):
    system, _ = await _setup(client)
    gaps = (await client.get(f"/v1/systems/{system}/gaps")).json()["gaps"]
    gap = next(g for g in gaps if g["kind"] == "unserved_population")
    r = await client.post(f"/v1/systems/{system}/action-plan/goals/from-gap",
                          json={"kind": "unserved_population", "subject": "disability"})
    assert r.status_code == 201, r.text
    goal = r.json()
    assert (goal["gap_kind"], goal["gap_subject"]) == ("unserved_population", "disability")
    assert (goal["title"], goal["description"]) == (gap["explanation"], gap["recommendation"])
    assert r.headers["location"] == f"/v1/systems/{system}/action-plan/goals/{goal['id']}"
    plan = (await client.get(f"/v1/systems/{system}/action-plan")).json()
    assert [(g["gap_kind"], g["gap_subject"]) for g in plan["goals"]] == [("unserved_population", "disability")]
    assert await _status_gaps(client, system) == [{"goal_id": goal["id"], "title": goal["title"],
                                                   "gap_kind": "unserved_population", "gap_subject": "disability",
                                                   "open": True}]

    r = await client.post("/v1/partners", json=partner_body(
        name="State VR Office", partner_type="vocational_rehabilitation", populations_served=["disability"]))
    vr = r.json()["id"]
    r = await client.post(f"/v1/systems/{system}/members", json={"partner_id": vr, "representative": "Sam"})
    assert r.status_code == 201, r.text
    [closed] = await _status_gaps(client, system)
    assert (closed["goal_id"], closed["open"]) == (goal["id"], False)


async def test_a_gap_not_in_the_current_report_is_a_422_naming_it(client):
    system, _ = await _setup(client)
    r = await client.post(f"/v1/systems/{system}/action-plan/goals/from-gap",
                          json={"kind": "unserved_population", "subject": "veteran", "title": "Reach veterans"})
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM)
    assert [e["field"] for e in r.json()["errors"]] == ["subject"]
    assert "veteran" in r.json()["errors"][0]["message"]
    r = await client.post(f"/v1/systems/{system}/action-plan/goals/from-gap",
                          json={"kind": "no_such_kind", "subject": "disability"})
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM)
    assert (await client.get(f"/v1/systems/{system}/action-plan")).status_code == 404  # nothing was written
    assert await _status_gaps_or_none(client, system) is None


async def _status_gaps_or_none(client: httpx.AsyncClient, system: str) -> list[dict] | None:
    r = await client.get(f"/v1/systems/{system}/action-plan/status")
    return r.json()["gaps"] if r.status_code == 200 else None


async def test_an_unknown_system_is_a_404(client):
    missing = "00000000-0000-0000-0000-000000000001"
    r = await client.post(f"/v1/systems/{missing}/action-plan/goals/from-gap",
                          json={"kind": "unserved_population", "subject": "disability"})
    assert (r.status_code, r.headers["content-type"]) == (404, PROBLEM)
