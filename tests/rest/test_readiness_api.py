"""Readiness assessment over REST: the framework as versioned data, rounds, responses, scores and the chart."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import httpx
import pytest

from api.demo import STATE_SYSTEM_ID, load_demo
from api.domain.access import system_caller
from api.repositories.uow import PgUnitOfWork
from tests.readiness_support import PROBLEM, indicator_codes, respond, start_round, system_with_members

SVG_NS = "{http://www.w3.org/2000/svg}"


async def test_the_shipped_framework_has_six_elements_a_four_point_scale_and_an_etag(client):
    r = await client.get("/v1/reference/readiness-framework")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["version"] == 1
    assert len(body["elements"]) == 6
    assert all(len(e["indicators"]) >= 3 for e in body["elements"])
    assert [s["value"] for s in body["scale"]] == [1, 2, 3, 4]
    assert body["scale"][0]["label"] == "Initiation Phase"
    again = await client.get("/v1/reference/readiness-framework", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


async def test_a_round_takes_responses_until_it_closes_and_is_read_only_afterwards(client):
    system, (a, b, _) = await system_with_members(client)
    round_id = await start_round(client, system)
    second = await client.post(f"/v1/systems/{system}/rounds", json={})
    assert second.status_code == 409
    assert second.json()["type"].endswith("round-already-open")

    first = await respond(client, round_id, a, ratings={"1.1": 2, "1.2": None}, priorities=["1.1"],
                          notes={"1.1": "We meet only twice a year."})
    assert first.status_code == 200, first.text
    revised = await respond(client, round_id, a, ratings={"1.1": 3}, technical_assistance=["4.3"])
    assert revised.status_code == 200, revised.text
    assert revised.json()["ratings"] == {"1.1": 3}
    assert revised.json()["submitted_at"] == first.json()["submitted_at"]
    assert revised.json()["revised_at"] is not None
    assert (await respond(client, round_id, b, ratings={"1.1": 1})).status_code == 200

    detail = (await client.get(f"/v1/rounds/{round_id}")).json()
    assert detail["status"] == "open"
    assert sorted(r["respondent_id"] for r in detail["responses"]) == sorted([a, b])

    closed = await client.post(f"/v1/rounds/{round_id}/close", json={"closed_on": "2026-02-10"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    late = await respond(client, round_id, b, ratings={"1.1": 4})
    assert late.status_code == 409
    assert late.headers["content-type"] == PROBLEM
    assert late.json()["type"].endswith("round-closed")
    assert (await client.post(f"/v1/rounds/{round_id}/close")).status_code == 409
    assert (await client.post(f"/v1/systems/{system}/rounds", json={"started_on": "2026-03-01"})).status_code == 201


async def test_a_partner_that_is_not_a_member_cannot_respond(client):
    system, _ = await system_with_members(client, members=1)
    round_id = await start_round(client, system)
    outsider = (await client.post("/v1/partners", json={
        "name": "Outsider", "partner_type": "employer", "level": "local", "jurisdiction": {"state": "OR"}})).json()
    r = await respond(client, round_id, outsider["id"], ratings={"1.1": 2})
    assert r.status_code == 409
    assert r.json()["type"].endswith("not-a-respondent")


async def test_a_rating_outside_the_scale_or_on_an_unknown_indicator_is_422(client):
    system, (a,) = await system_with_members(client, members=1)
    round_id = await start_round(client, system)
    r = await respond(client, round_id, a, ratings={"1.1": 5})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["errors"][0]["field"].startswith("ratings")
    r = await respond(client, round_id, a, ratings={"9.9": 2})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "ratings.9.9", "message": "unknown indicator '9.9'"}]


async def test_closing_a_round_then_editing_the_framework_leaves_the_closed_rounds_scores_unchanged(client):
    system, members = await system_with_members(client)
    codes = await indicator_codes(client)
    round_id = await start_round(client, system)
    for n, member in enumerate(members):
        assert (await respond(client, round_id, member, ratings={c: 1 + (n + i) % 4 for i, c in enumerate(codes)},
                              priorities=codes[:2])).status_code == 200
    assert (await client.post(f"/v1/rounds/{round_id}/close", json={"closed_on": "2026-02-01"})).status_code == 200
    before = (await client.get(f"/v1/rounds/{round_id}/score")).json()

    current = await client.get("/v1/reference/readiness-framework")
    framework = current.json()
    edited = copy.deepcopy({k: framework[k] for k in ("name", "description", "elements", "scale")})
    edited["elements"][0]["name"] = "Build partnerships"
    edited["elements"][0]["indicators"] = edited["elements"][0]["indicators"][:3]
    edited["elements"][1]["indicators"][0]["text"] = "Sectors were chosen with labor market data."
    if_match = {"If-Match": current.headers["ETag"]}
    r = await client.put("/v1/reference/readiness-framework", json=edited, headers=if_match)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2
    assert r.json()["based_on"] == framework["id"]
    assert r.json()["id"] != framework["id"]
    stale = await client.put("/v1/reference/readiness-framework", json=edited, headers=if_match)
    assert stale.status_code == 412

    after = (await client.get(f"/v1/rounds/{round_id}/score")).json()
    assert after == before
    assert after["framework_version"] == 1
    assert after["elements"][0]["name"] == framework["elements"][0]["name"]
    assert (await client.get("/v1/reference/readiness-framework")).json()["version"] == 2
    new_round = (await client.post(f"/v1/systems/{system}/rounds", json={"started_on": "2026-03-01"})).json()
    assert new_round["framework_version"] == 2


async def test_an_invalid_framework_edit_is_422_and_makes_no_version(client):
    framework = (await client.get("/v1/reference/readiness-framework")).json()
    edited = {k: framework[k] for k in ("name", "description", "elements", "scale")}
    edited["scale"] = edited["scale"][:3]
    r = await client.put("/v1/reference/readiness-framework", json=edited)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "scale"
    assert (await client.get("/v1/reference/readiness-framework")).json()["version"] == 1


async def test_scores_show_change_since_the_previous_closed_round_and_withhold_thin_elements(client):
    system, members = await system_with_members(client)
    codes = await indicator_codes(client)
    element_one = [c for c in codes if c.startswith("1.")]
    first = await start_round(client, system, "2026-01-10")
    for member in members:
        await respond(client, first, member, ratings=dict.fromkeys(codes, 2))
    await client.post(f"/v1/rounds/{first}/close", json={"closed_on": "2026-02-01"})
    second = await start_round(client, system, "2026-06-01")
    for member in members:
        ratings = {c: (3 if c in element_one else 2) for c in codes if not c.startswith("6.")}
        await respond(client, second, member, ratings={**ratings, "6.1": 4})

    score = (await client.get(f"/v1/rounds/{second}/score")).json()
    by_code = {e["code"]: e for e in score["elements"]}
    assert by_code["1"]["change"] == 1.0
    assert by_code["1"]["percent"] == pytest.approx(200 / 3)
    assert by_code["2"]["change"] == 0.0
    assert by_code["6"]["status"] == "insufficient_data"
    assert by_code["6"]["mean"] is None
    assert [p["element_code"] for p in score["summary"]["progress"]] == ["1"]
    assert any(s["kind"] == "insufficient_data" and s["element_code"] == "6" for s in score["summary"]["next_steps"])
    assert score["respondents"] == 3


async def test_the_chart_is_svg_with_six_axes_and_the_previous_round_drawn_behind(client):
    system, (a, b, _) = await system_with_members(client)
    codes = await indicator_codes(client)
    first = await start_round(client, system, "2026-01-10")
    await respond(client, first, a, ratings=dict.fromkeys(codes, 2))
    await client.post(f"/v1/rounds/{first}/close", json={"closed_on": "2026-01-20"})
    second = await start_round(client, system, "2026-05-01")
    await respond(client, second, b, ratings=dict.fromkeys(codes, 3))

    r = await client.get(f"/v1/rounds/{second}/chart.svg")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(r.text)
    assert root.tag == f"{SVG_NS}svg"
    assert len([line for line in root.iter(f"{SVG_NS}line") if line.get("class") == "axis"]) == 6
    series = {p.get("class") for p in root.iter(f"{SVG_NS}path")}
    assert {"series current", "series previous"} <= series
    assert [t.text for t in root.iter(f"{SVG_NS}text") if t.get("class") == "value"] == ["3.0"] * 6
    rings = [t.text for t in root.iter(f"{SVG_NS}text") if t.get("class") == "ring-label"]
    assert rings == ["1 Initiation Phase", "2 Planning Phase", "3 Implementation Phase", "4 Sustained Phase"]

    only = ET.fromstring((await client.get(f"/v1/rounds/{first}/chart.svg")).text)
    assert "series previous" not in {p.get("class") for p in only.iter(f"{SVG_NS}path")}


async def test_rounds_are_listed_latest_first_one_page_at_a_time(client):
    system, _ = await system_with_members(client, members=1)
    for started, closed in (("2025-01-01", "2025-01-31"), ("2025-06-01", "2025-06-30")):
        rid = await start_round(client, system, started)
        await client.post(f"/v1/rounds/{rid}/close", json={"closed_on": closed})
    await start_round(client, system, "2026-01-01")
    page = await client.get(f"/v1/systems/{system}/rounds", params={"limit": 2})
    assert [r["started_on"] for r in page.json()["items"]] == ["2026-01-01", "2025-06-01"]
    assert 'rel="next"' in page.headers["Link"]
    rest = await client.get(f"/v1/systems/{system}/rounds", params={"limit": 2, "cursor": page.json()["next_cursor"]})
    assert [r["started_on"] for r in rest.json()["items"]] == ["2025-01-01"]
    assert rest.json()["next_cursor"] is None


async def test_unknown_rounds_and_systems_are_404_problems(client: httpx.AsyncClient):
    missing = "00000000-0000-0000-0000-000000000001"
    for path in (f"/v1/rounds/{missing}", f"/v1/rounds/{missing}/score", f"/v1/rounds/{missing}/chart.svg",
                 f"/v1/systems/{missing}/rounds"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"] == PROBLEM
    assert (await client.post(f"/v1/systems/{missing}/rounds", json={})).status_code == 404


def test_the_chart_operation_is_documented_as_svg(app):
    op = app.openapi()["paths"]["/v1/rounds/{round_id}/chart.svg"]["get"]
    assert "image/svg+xml" in op["responses"]["200"]["content"]
    assert "404" in op["responses"]


async def test_the_demo_state_system_has_two_closed_rounds_an_open_one_and_a_plan_with_overdue_items(client, clean_db):
    for _ in range(2):  # loading twice changes nothing
        async with PgUnitOfWork(clean_db, caller=system_caller("demo")) as uow:
            await load_demo(uow)
            await uow.commit()
    rounds = (await client.get(f"/v1/systems/{STATE_SYSTEM_ID}/rounds")).json()["items"]
    assert [r["status"] for r in rounds] == ["open", "closed", "closed"]
    latest = (await client.get(f"/v1/rounds/{rounds[0]['id']}/score")).json()
    assert latest["respondents"] > 0
    assert any(e["change"] is not None for e in latest["elements"])
    status = (await client.get(f"/v1/systems/{STATE_SYSTEM_ID}/action-plan/status",
                               params={"as_of": "2026-11-23"})).json()
    assert len(status["goals"]) == 3
    assert len(status["overdue"]) == 3
    assert ET.fromstring((await client.get(f"/v1/rounds/{rounds[1]['id']}/chart.svg")).text) is not None
