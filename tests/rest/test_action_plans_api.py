"""Action plans over REST: the planning questions, goals, items owned by members, status, and next steps as items."""

from __future__ import annotations

import pytest

from tests.readiness_support import PROBLEM, indicator_codes, partner, respond, start_round, system_with_members


async def _goal(client, system: str, **body: object) -> str:
    r = await client.post(f"/v1/systems/{system}/action-plan/goals", json={"title": "Engage employers", **body})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _item(client, system: str, goal: str, owner: str, **body: object) -> dict:
    r = await client.post(f"/v1/systems/{system}/action-plan/items",
                          json={"goal_id": goal, "owner_id": owner, "description": "Call five employers", **body})
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_plan_is_404_until_its_first_change_and_put_honours_if_match(client):
    system, _ = await system_with_members(client, members=1)
    missing = await client.get(f"/v1/systems/{system}/action-plan")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM

    body = {"what_is_possible": "  A pathway for every adult. "}
    r = await client.put(f"/v1/systems/{system}/action-plan", json=body)
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["what_is_possible"] == "A pathway for every adult."
    assert set(plan["questions"]) == {"what_is_possible", "what_is_practical", "who_can_help", "what_is_next"}
    etag = r.headers["ETag"]
    assert (await client.get(f"/v1/systems/{system}/action-plan", headers={"If-None-Match": etag})).status_code == 304

    ok = await client.put(f"/v1/systems/{system}/action-plan", json={"what_is_next": "Meet in May."},
                          headers={"If-Match": etag})
    assert ok.status_code == 200
    assert ok.json()["what_is_possible"] == ""
    stale = await client.put(f"/v1/systems/{system}/action-plan", json={}, headers={"If-Match": etag})
    assert stale.status_code == 412
    unknown = await client.put(f"/v1/systems/{system}/action-plan", json={"what_is_impossible": "x"})
    assert unknown.status_code == 422


async def test_goals_and_items_are_added_changed_and_removed_and_every_change_is_a_new_plan_version(client):
    system, (owner, other) = await system_with_members(client, members=2)
    goal = await _goal(client, system, element_code="2", gap_reference="2.2")
    plan = (await client.get(f"/v1/systems/{system}/action-plan")).json()
    assert [g["id"] for g in plan["goals"]] == [goal]
    item = await _item(client, system, goal, owner, due_on="2026-12-01", resources=["Employer list"])
    assert item["status"] == "not_started"

    r = await client.patch(f"/v1/systems/{system}/action-plan/items/{item['id']}",
                           json={"status": "in_progress", "owner_id": other})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["owner_id"]) == ("in_progress", other)
    r = await client.patch(f"/v1/systems/{system}/action-plan/goals/{goal}", json={"title": "Engage ten employers"})
    assert r.json()["title"] == "Engage ten employers"
    after = (await client.get(f"/v1/systems/{system}/action-plan")).json()
    assert after["version"] > plan["version"]
    assert after["goals"][0]["items"][0]["resources"] == ["Employer list"]

    assert (await client.delete(f"/v1/systems/{system}/action-plan/items/{item['id']}")).status_code == 204
    assert (await client.delete(f"/v1/systems/{system}/action-plan/items/{item['id']}")).status_code == 404
    await _item(client, system, goal, owner)
    assert (await client.delete(f"/v1/systems/{system}/action-plan/goals/{goal}")).status_code == 204
    assert (await client.get(f"/v1/systems/{system}/action-plan")).json()["goals"] == []


async def test_goal_links_and_item_owners_are_checked(client):
    system, (owner,) = await system_with_members(client, members=1)
    r = await client.post(f"/v1/systems/{system}/action-plan/goals", json={"title": "X", "element_code": "9"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "element_code"
    goal = await _goal(client, system)
    outsider = await partner(client, "Outsider", "employer")
    r = await client.post(f"/v1/systems/{system}/action-plan/items",
                          json={"goal_id": goal, "owner_id": outsider, "description": "Step"})
    assert r.status_code == 409
    assert r.json()["type"].endswith("owner-not-a-member")
    r = await client.post(f"/v1/systems/{system}/action-plan/items",
                          json={"goal_id": goal, "owner_id": owner, "description": "Step", "status": "finished"})
    assert r.status_code == 422
    r = await client.post(f"/v1/systems/{system}/action-plan/items",
                          json={"goal_id": owner, "owner_id": owner, "description": "Step"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "goal_id"


async def test_unfinished_items_past_their_due_date_appear_as_overdue_in_the_plan_status(client):
    system, (owner,) = await system_with_members(client, members=1)
    goal = await _goal(client, system)
    late = await _item(client, system, goal, owner, description="Sign the MOU", due_on="2026-03-01")
    await _item(client, system, goal, owner, description="Done already", due_on="2026-02-01", status="done")
    await _item(client, system, goal, owner, description="Later", due_on="2026-09-01")

    r = await client.get(f"/v1/systems/{system}/action-plan/status", params={"as_of": "2026-04-01"})
    assert r.status_code == 200, r.text
    status = r.json()
    assert [(o["item"]["id"], o["days_overdue"]) for o in status["overdue"]] == [(late["id"], 31)]
    assert status["items_total"] == 3
    assert status["items_done"] == 1
    assert status["goals"][0]["items_overdue"] == 1
    assert status["goals"][0]["percent_done"] == pytest.approx(100 / 3)
    assert len(status["unanswered_questions"]) == 4
    today = (await client.get(f"/v1/systems/{system}/action-plan/status")).json()
    assert {o["item"]["description"] for o in today["overdue"]} == {"Sign the MOU", "Later"}


async def test_a_rounds_next_steps_become_action_items_of_a_goal_in_one_call(client):
    system, (owner, member) = await system_with_members(client, members=2)
    codes = await indicator_codes(client)
    round_id = await start_round(client, system)
    await respond(client, round_id, owner, ratings={**dict.fromkeys(codes, 3), "2.1": 1, "4.3": 2})
    await respond(client, round_id, member, ratings={**dict.fromkeys(codes, 3), "2.1": 1, "4.3": 1})
    steps = (await client.get(f"/v1/rounds/{round_id}/score")).json()["summary"]["next_steps"]
    assert [s["indicator_code"] for s in steps] == ["2.1", "4.3"]
    goal = await _goal(client, system)

    r = await client.post(f"/v1/rounds/{round_id}/next-steps/actions",
                          json={"goal_id": goal, "owner_id": owner, "due_on": "2027-01-31"})
    assert r.status_code == 201, r.text
    items = r.json()
    assert [i["description"] for i in items] == [s["text"] for s in steps]
    assert all(i["status"] == "not_started" and i["due_on"] == "2027-01-31" for i in items)
    plan = (await client.get(f"/v1/systems/{system}/action-plan")).json()
    assert len(plan["goals"][0]["items"]) == 2

    outsider = await partner(client, "Outsider", "employer")
    r = await client.post(f"/v1/rounds/{round_id}/next-steps/actions", json={"goal_id": goal, "owner_id": outsider})
    assert r.status_code == 409
    r = await client.post(f"/v1/rounds/{round_id}/next-steps/actions", json={"goal_id": owner, "owner_id": owner})
    assert r.status_code == 422
    r = await client.post(f"/v1/rounds/{round_id}/next-steps/actions",
                          json={"goal_id": goal, "owner_id": owner, "kinds": ["priority"]})
    assert r.status_code == 201
    assert r.json() == []


async def test_a_partner_owning_action_items_cannot_be_deleted_after_leaving_the_system(client):
    system, (owner,) = await system_with_members(client, members=1)
    await _item(client, system, await _goal(client, system), owner)
    assert (await client.delete(f"/v1/systems/{system}/members/{owner}")).status_code == 200
    r = await client.delete(f"/v1/partners/{owner}")
    assert r.status_code == 409
    assert "action items" in r.json()["detail"]
