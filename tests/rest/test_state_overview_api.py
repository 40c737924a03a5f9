"""The statewide roll-up over REST, for a state with three local systems whose matrix is known by construction.

East leads every core function, serves its target population, closed a readiness round rated 3 throughout and
holds an MOU that lapsed while still recorded as active. West has only its intermediary: it leads coordination,
supports employer engagement, and leads nothing else; its target population is unserved. South has no members.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.repositories.database import Database, QueryCounter
from tests.conftest import add_region, mint_key, partner_body
from tests.readiness_support import indicator_codes, respond, start_round

PROBLEM = "application/problem+json"
TODAY = datetime.now(UTC).date()
CORE = ["assess_skills", "coordinate_collaboration", "design_programs", "develop_curricula", "engage_employers",
        "provide_employment", "provide_labor_market_information", "provide_support_services", "provide_trainers",
        "recruit_and_refer"]
EAST_LEADS = {
    "workforce": ["provide_labor_market_information", "engage_employers", "recruit_and_refer",
                  "provide_support_services", "assess_skills"],
    "college": ["design_programs", "develop_curricula"],
    "employer": ["provide_trainers", "provide_employment"],
}


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


async def _partner(client: httpx.AsyncClient, area: str, name: str, partner_type: str, populations: list[str]) -> str:
    r = await client.post("/v1/partners", json=partner_body(
        name=name, partner_type=partner_type, jurisdiction={"state": "OR", "local_area": area},
        regions_served=[area], populations_served=populations))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _system(client: httpx.AsyncClient, area: str, name: str, populations: list[str]) -> str:
    r = await client.post("/v1/systems", json={
        "name": name, "level": "local", "jurisdiction": {"state": "OR", "local_area": area}, "regions": [area],
        "target_populations": populations})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _join(client: httpx.AsyncClient, system: str, partner: str) -> None:
    r = await client.post(f"/v1/systems/{system}/members",
                          json={"partner_id": partner, "representative": "Pat Doe", "team": "leadership"})
    assert r.status_code == 201, r.text


async def _assign(client: httpx.AsyncClient, system: str, partner: str, function: str, strength: str) -> str:
    r = await client.post(f"/v1/systems/{system}/assignments",
                          json={"partner_id": partner, "function": function, "strength": strength})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
async def state(client: httpx.AsyncClient) -> dict[str, str]:
    for area in ("or-east", "or-west", "or-south"):
        await add_region(client, area)
    east = await _system(client, "or-east", "East Pathways", ["veteran"])
    members = {
        "workforce": await _partner(client, "or-east", "East Workforce Board", "workforce_agency", ["veteran"]),
        "college": await _partner(client, "or-east", "East College", "educational_institution", ["low_income"]),
        "employer": await _partner(client, "or-east", "East Hospital", "employer", []),
    }
    for pid in members.values():
        await _join(client, east, pid)
    r = await client.put(f"/v1/systems/{east}/intermediary", json={"partner_id": members["workforce"]})
    assert r.status_code == 200, r.text
    for who, functions in EAST_LEADS.items():
        for function in functions:
            await _assign(client, east, members[who], function, "lead")
    r = await client.post(f"/v1/systems/{east}/agreements", json={
        "type": "mou", "title": "East partners MOU", "parties": [members["workforce"], members["college"]],
        "effective_on": _day(-400), "expires_on": _day(-5), "status": "active",
        "signed_on": _day(-400)})
    assert r.status_code == 201, r.text
    codes = await indicator_codes(client)
    round_id = await start_round(client, east, _day(-60))
    assert (await respond(client, round_id, members["workforce"], ratings=dict.fromkeys(codes, 3))).status_code == 200
    assert (await client.post(f"/v1/rounds/{round_id}/close", json={"closed_on": _day(-50)})).status_code == 200

    west = await _system(client, "or-west", "West Pathways", ["disability"])
    board = await _partner(client, "or-west", "West Workforce Board", "workforce_agency", ["low_income"])
    await _join(client, west, board)
    assert (await client.put(f"/v1/systems/{west}/intermediary", json={"partner_id": board})).status_code == 200
    await _assign(client, west, board, "engage_employers", "support")

    south = await _system(client, "or-south", "South Pathways", ["veteran"])
    return {"east": east, "west": west, "south": south, "round": round_id}


def _matrix(body: dict) -> dict[str, dict[str, str]]:
    return {a["label"]: {f["function"]: f["status"] for f in a["functions"]} for a in body["areas"]}


async def test_the_matrix_of_core_functions_by_area_is_the_one_built(client, state):
    r = await client.get("/v1/states/OR/overview")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["code"] for c in body["core_functions"]] == CORE
    assert [a["label"] for a in body["areas"]] == ["or-east", "or-south", "or-west"]
    matrix = _matrix(body)
    assert matrix["or-east"] == dict.fromkeys(CORE, "led")
    assert matrix["or-south"] == dict.fromkeys(CORE, "unled")
    assert matrix["or-west"] == {**dict.fromkeys(CORE, "unled"), "coordinate_collaboration": "led",
                                 "engage_employers": "supported_only"}
    totals = {t["function"]: (t["led"], t["supported_only"], t["unled"]) for t in body["function_totals"]}
    assert totals["engage_employers"] == (1, 1, 1)
    assert totals["coordinate_collaboration"] == (2, 0, 1)
    assert totals["assess_skills"] == (1, 0, 2)


async def test_populations_readiness_and_agreements_are_read_per_area(client, state):
    body = (await client.get("/v1/states/OR/overview")).json()
    areas = {a["label"]: a for a in body["areas"]}
    served = {label: {p["population"]: p["served"] for p in a["populations"]} for label, a in areas.items()}
    assert served == {"or-east": {"veteran": True}, "or-west": {"disability": False}, "or-south": {"veteran": False}}

    east = areas["or-east"]
    assert east["systems"][0]["latest_round_id"] == state["round"]
    assert [(e["mean"], e["phase"]["label"], e["systems_scored"]) for e in east["readiness"]] == [
        (3.0, "Implementation Phase", 1)] * 6
    assert all(e["mean"] is None and e["systems_scored"] == 0 for e in areas["or-west"]["readiness"])
    assert [(d["title"], d["state"], d["expires_on"]) for d in east["agreements"]] == [
        ("East partners MOU", "expired", _day(-5))]
    assert areas["or-west"]["agreements"] == [] and areas["or-south"]["agreements"] == []


async def test_gap_counts_are_each_systems_own_gap_report_counted(client, state):
    body = (await client.get("/v1/states/OR/overview")).json()
    assert body["rules_left_out"] == ["training_capacity"]
    for label, key in (("or-east", "east"), ("or-west", "west"), ("or-south", "south")):
        own = (await client.get(f"/v1/systems/{state[key]}/gaps")).json()["gaps"]
        expected = Counter((g["kind"], g["severity"]) for g in own if g["kind"] != "training_capacity")
        area = next(a for a in body["areas"] if a["label"] == label)
        assert {(c["kind"], c["severity"]): c["count"] for c in area["gap_counts"]} == dict(expected), label
        assert area["gaps_total"] == sum(expected.values())
    west = next(a for a in body["areas"] if a["label"] == "or-west")
    assert {(c["kind"], c["severity"]): c["count"] for c in west["gap_counts"]}[("uncovered_function", "critical")] \
        == 8  # the eight core functions nobody carries


async def test_the_csv_opens_with_the_same_numbers(client, state):
    as_json = (await client.get("/v1/states/OR/overview")).json()
    r = await client.get("/v1/states/OR/overview", headers={"Accept": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert set(rows[0]) == {"section", "local_area", "code", "name", "status", "count", "value"}
    functions = {(row["local_area"], row["code"]): row["status"] for row in rows if row["section"] == "function"}
    assert functions == {(label, f): s for label, cells in _matrix(as_json).items() for f, s in cells.items()}
    gaps = {(row["local_area"], row["code"], row["status"]): int(row["count"]) for row in rows
            if row["section"] == "gaps"}
    assert gaps == {(a["label"], c["kind"], c["severity"]): c["count"] for a in as_json["areas"]
                    for c in a["gap_counts"]}
    populations = {(row["local_area"], row["code"]): row["status"] for row in rows if row["section"] == "population"}
    assert populations == {("or-east", "veteran"): "served", ("or-west", "disability"): "unserved",
                           ("or-south", "veteran"): "unserved"}
    readiness = [(row["local_area"], row["status"], row["value"]) for row in rows if row["section"] == "readiness"]
    assert readiness[:6] == [("or-east", "Implementation Phase", "3.00")] * 6
    assert [row["status"] for row in rows if row["section"] == "agreement"] == ["expired"]
    # JSON stays the answer when CSV is not asked for above it.
    both = await client.get("/v1/states/OR/overview", headers={"Accept": "application/json, text/csv;q=0.5"})
    assert both.headers["content-type"] == "application/json"


async def test_the_chart_shows_each_areas_functions_led_supported_and_unled(client, state):
    r = await client.get("/v1/states/OR/overview/chart.svg")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert "or-west: 1 led, 1 supported only, 8 unled" in r.text
    assert "or-east: 10 led, 0 supported only, 0 unled" in r.text


async def test_the_roll_up_is_read_in_a_bounded_number_of_queries(client, state, clean_db: Database):
    counts = []
    for _ in range(2):
        counter = QueryCounter()
        clean_db.query_observer = counter
        assert (await client.get("/v1/states/OR/overview")).status_code == 200
        clean_db.query_observer = None
        counts.append(counter.count)
        # A fourth and fifth system must not add a query.
        for area in ("or-north", "or-coast"):
            await add_region(client, area)
            system = await _system(client, area, f"{area} Pathways", ["veteran"])
            await _join(client, system, await _partner(client, area, f"{area} board", "workforce_agency", []))
    assert counts[0] == counts[1] <= 15, counts


async def test_keys_see_their_own_state_and_area_only(app: FastAPI, state, clean_db: Database):
    transport = httpx.ASGITransport(app=app)

    async def get(key: str, path: str = "/v1/states/OR/overview") -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                     headers={"Authorization": f"Bearer {key}"}) as c:
            return await c.get(path)

    washington = await mint_key(clean_db, Scope.SYSTEMS_READ, jurisdiction=Jurisdiction(state="WA"))
    r = await get(washington)
    assert (r.status_code, r.headers["content-type"]) == (404, PROBLEM)
    assert (await get(washington, "/v1/states/OR/overview/chart.svg")).status_code == 404
    east = await mint_key(clean_db, Scope.SYSTEMS_READ, jurisdiction=Jurisdiction(state="OR", local_area="or-east"))
    r = await get(east)
    assert r.status_code == 200, r.text
    assert [a["label"] for a in r.json()["areas"]] == ["or-east"]
    oregon = await mint_key(clean_db, Scope.SYSTEMS_READ, jurisdiction=Jurisdiction(state="OR"))
    assert len((await get(oregon)).json()["areas"]) == 3
    directory = await mint_key(clean_db, Scope.DIRECTORY_READ, jurisdiction=Jurisdiction(state="OR"))
    assert (await get(directory)).status_code == 403


async def test_a_state_code_that_is_not_one_is_a_422_problem(client):
    for bad in ("ZZ", "or"):
        r = await client.get(f"/v1/states/{bad}/overview")
        assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM), bad
    assert (await client.get("/v1/states/OR/overview", params={"severity": "high"})).status_code == 422
    empty = (await client.get("/v1/states/WA/overview")).json()
    assert empty["areas"] == [] and len(empty["function_totals"]) == len(CORE)
