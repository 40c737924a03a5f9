"""The seeds' partnership rules through REST: a state system and its local systems, retired partners, the
periodic review, staff sessions, the vision's revisits, the role chart and the win/win."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx
import pytest

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.repositories.database import Database
from tests.conftest import add_region, mint_key, partner_body

PROBLEM = "application/problem+json"


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str, area: str = "or-north",
                   **extra: object) -> str:
    body = partner_body(name=name, partner_type=partner_type, jurisdiction={"state": "OR", "local_area": area},
                        regions_served=[area], **extra)
    r = await client.post("/v1/partners", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _system(client: httpx.AsyncClient, name: str, **extra: object) -> dict:
    body = {"name": name, "level": "local", "jurisdiction": {"state": "OR"}, **extra}
    r = await client.post("/v1/systems", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def _join(client: httpx.AsyncClient, system: str, partner: str, team: str = "leadership") -> None:
    r = await client.post(f"/v1/systems/{system}/members",
                          json={"partner_id": partner, "representative": "Pat Doe", "team": team})
    assert r.status_code == 201, r.text


async def _gaps(client: httpx.AsyncClient, system: str, kind: str) -> dict[str, dict]:
    r = await client.get(f"/v1/systems/{system}/gaps")
    assert r.status_code == 200, r.text
    return {g["subject"]: g for g in r.json()["gaps"] if g["kind"] == kind}


@pytest.fixture
async def areas(client: httpx.AsyncClient) -> tuple[str, str]:
    await add_region(client, "or-north")
    await add_region(client, "or-south")
    return "or-north", "or-south"


async def _state_local_mou(client: httpx.AsyncClient, system: str, parties: list[str], relationship: str) -> dict:
    body = {"type": "state_local_mou", "title": "State/local working agreement", "parties": parties,
            "effective_on": _day(-60), "status": "active", "signed_on": _day(-60),
            "working_relationship": relationship,
            "contents": ["parties", "roles_and_responsibilities", "working_relationship", "resources_and_funding",
                         "review_and_amendment"]}
    r = await client.post(f"/v1/systems/{system}/agreements", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_state_system_with_two_local_systems_one_contradicting_its_mou(client, areas):
    north, south = areas
    state = await _system(client, "Oregon Pathways", level="state", working_relationship="shared")
    assert state["local_systems"] == [] and state["state_system_id"] is None
    board_n, college_n = await _partner(client, "North Board", "workforce_agency"), await _partner(
        client, "North College", "educational_institution")
    board_s, college_s = (await _partner(client, "South Board", "workforce_agency", south),
                          await _partner(client, "South College", "educational_institution", south))
    north_sys = await _system(client, "North Pathways", jurisdiction={"state": "OR", "local_area": north},
                              state_system_id=state["id"], working_relationship="locally_directed")
    south_sys = await _system(client, "South Pathways", jurisdiction={"state": "OR", "local_area": south},
                              state_system_id=state["id"], working_relationship="state_directed")
    for system, members in ((north_sys["id"], (board_n, college_n)), (south_sys["id"], (board_s, college_s))):
        for member in members:
            await _join(client, system, member)

    # The state system lists its local systems; each local one names its state system.
    r = await client.get(f"/v1/systems/{state['id']}")
    assert [(s["name"], s["working_relationship"]) for s in r.json()["local_systems"]] == [
        ("North Pathways", "locally_directed"), ("South Pathways", "state_directed")]
    south_now = (await client.get(f"/v1/systems/{south_sys['id']}")).json()
    assert south_now["state_system"]["id"] == state["id"] and south_now["state_system"]["level"] == "state"
    listed = (await client.get("/v1/systems", params={"jurisdiction": "OR"})).json()["items"]
    assert {s["name"]: s["state_system_id"] for s in listed}["North Pathways"] == state["id"]

    # Before any agreement: the state-directed local system has a high formalization gap.
    gaps = await _gaps(client, south_sys["id"], "working_relationship")
    assert gaps["formalization"]["severity"] == "high"
    assert gaps["confirmation"]["figures"]["unconfirmed_levels"] == "state and local"
    assert await _gaps(client, state["id"], "working_relationship") == {}

    await _state_local_mou(client, north_sys["id"], [board_n, college_n], "locally_directed")
    await _state_local_mou(client, south_sys["id"], [board_s, college_s], "locally_directed")
    north_gaps = await _gaps(client, north_sys["id"], "working_relationship")
    assert "formalization" not in north_gaps and not [s for s in north_gaps if s.startswith("agreement:")]
    south_gaps = await _gaps(client, south_sys["id"], "working_relationship")
    contradiction = south_gaps["agreement:State/local working agreement"]
    assert contradiction["severity"] == "high"
    assert contradiction["figures"]["agreement_relationship"] == "locally_directed"
    assert contradiction["figures"]["working_relationship"] == "state_directed"

    # Roles confirmed at both levels, dated and by whom: the confirmation gap goes.
    for level, who in (("local", "North chair"), ("state", "State coordinator")):
        r = await client.post(f"/v1/systems/{north_sys['id']}/relationship/confirmations",
                              json={"level": level, "confirmed_on": _day(-1), "confirmed_by": who})
        assert r.status_code == 200, r.text
    confirmations = r.json()["relationship_confirmations"]
    assert [(c["level"], c["confirmed_by"], c["current"]) for c in confirmations] == [
        ("state", "State coordinator", True), ("local", "North chair", True)]
    assert await _gaps(client, north_sys["id"], "working_relationship") == {}

    # Correcting the contradiction on the system's side clears it; confirmations then hold for that relationship.
    r = await client.patch(f"/v1/systems/{south_sys['id']}", json={"working_relationship": "locally_directed"})
    assert r.status_code == 200, r.text
    assert not [s for s in await _gaps(client, south_sys["id"], "working_relationship") if s.startswith("agreement:")]

    # Changing the north relationship makes its confirmations stale.
    r = await client.patch(f"/v1/systems/{north_sys['id']}", json={"working_relationship": "shared"})
    assert [c["current"] for c in r.json()["relationship_confirmations"]] == [False, False]
    assert "confirmation" in await _gaps(client, north_sys["id"], "working_relationship")


async def test_links_to_a_state_system_are_checked(client, areas):
    north, _ = areas
    state = await _system(client, "Oregon Pathways", level="state")
    local = await _system(client, "North Pathways", jurisdiction={"state": "OR", "local_area": north},
                          state_system_id=state["id"])
    for bad in (local["id"], "00000000-0000-0000-0000-000000000001"):
        r = await client.post("/v1/systems", json={"name": "X", "level": "local", "jurisdiction": {"state": "OR"},
                                                   "state_system_id": bad})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "state_system_id"
    r = await client.post("/v1/systems", json={"name": "W", "level": "state", "jurisdiction": {"state": "OR"},
                                               "state_system_id": state["id"]})
    assert r.status_code == 422
    washington = await _system(client, "Washington Pathways", level="state", jurisdiction={"state": "WA"})
    r = await client.patch(f"/v1/systems/{local['id']}", json={"state_system_id": washington["id"]})
    assert r.status_code == 422
    r = await client.patch(f"/v1/systems/{state['id']}", json={"level": "local"})
    assert r.status_code == 409
    assert r.json()["type"].endswith("system-has-local-systems")
    r = await client.patch(f"/v1/systems/{local['id']}", json={"state_system_id": None})
    assert r.status_code == 200 and r.json()["state_system"] is None
    r = await client.post(f"/v1/systems/{local['id']}/relationship/confirmations",
                          json={"level": "state", "confirmed_on": _day(0), "confirmed_by": "Someone"})
    assert r.status_code == 422
    r = await client.post(f"/v1/systems/{local['id']}/relationship/confirmations",
                          json={"level": "local", "confirmed_on": _day(3), "confirmed_by": "Someone"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "confirmed_on"
    assert (await client.delete(f"/v1/systems/{state['id']}")).status_code == 204


async def test_the_state_level_is_confirmed_only_by_those_who_may_change_the_state_system(
    app, client, clean_db: Database, areas,
):
    north, _ = areas
    state = await _system(client, "Oregon Pathways", level="state")
    local = await _system(client, "North Pathways", jurisdiction={"state": "OR", "local_area": north},
                          state_system_id=state["id"])
    key = await mint_key(clean_db, Scope.SYSTEMS_READ, Scope.SYSTEMS_WRITE,
                         jurisdiction=Jurisdiction(state="OR", local_area=north))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as local_client:
        path = f"/v1/systems/{local['id']}/relationship/confirmations"
        r = await local_client.post(path, json={"level": "local", "confirmed_on": _day(0), "confirmed_by": "Chair"})
        assert r.status_code == 200, r.text
        r = await local_client.post(path, json={"level": "state", "confirmed_on": _day(0), "confirmed_by": "Me"})
        assert r.status_code in (403, 404), r.text
        assert r.headers["content-type"] == PROBLEM


async def test_a_partner_retired_in_the_directory_raises_gaps_and_takes_no_new_role(client, areas):
    system = (await _system(client, "North Pathways"))["id"]
    board, college = await _partner(client, "North Board", "workforce_agency"), await _partner(
        client, "North College", "educational_institution")
    for partner in (board, college):
        await _join(client, system, partner)
    assert (await client.put(f"/v1/systems/{system}/intermediary", json={"partner_id": board})).status_code == 200
    r = await client.post(f"/v1/systems/{system}/assignments",
                          json={"partner_id": college, "function": "design_programs", "strength": "lead"})
    assert r.status_code == 201
    before = (await client.get(f"/v1/systems/{system}/gaps")).content
    r = await client.patch(f"/v1/partners/{college}", json={"status": "retired"})
    assert r.status_code == 200, r.text
    assert (await client.get(f"/v1/systems/{system}/gaps")).content != before
    retired = await _gaps(client, system, "retired_partner")
    assert retired["design_programs"]["severity"] == "critical"
    r = await client.post(f"/v1/systems/{system}/assignments",
                          json={"partner_id": college, "function": "develop_curricula", "strength": "support"})
    assert r.status_code == 409 and r.json()["type"].endswith("partner-retired")
    r = await client.put(f"/v1/systems/{system}/intermediary", json={"partner_id": college})
    assert r.status_code == 409
    review = (await client.get(f"/v1/systems/{system}/review")).json()
    assert review["retired_members"] == [college]
    assert review["champion_id"] == board
    members = (await client.get(f"/v1/systems/{system}")).json()["members"]
    assert {m["partner_id"]: m["status"] for m in members}[college] == "retired"

    r = await client.patch(f"/v1/partners/{board}", json={"status": "retired"})
    assert r.status_code == 200
    retired = await _gaps(client, system, "retired_partner")
    assert retired["intermediary"]["severity"] == "high"


async def test_a_partner_retired_by_a_complete_set_sync_raises_the_same_gaps(client, areas):
    records = [partner_body(name=n, partner_type=t, jurisdiction={"state": "OR", "local_area": "or-north"},
                            regions_served=["or-north"], external_id=n)
               for n, t in (("Sync Board", "workforce_agency"), ("Sync College", "educational_institution"))]
    body = "\n".join(json.dumps(r) for r in records)
    headers = {"Content-Type": "application/x-ndjson"}
    r = await client.post("/v1/sync/partners", params={"source": "state"}, content=body, headers=headers)
    assert r.status_code == 200, r.text
    ids = {p["name"]: p["id"] for p in (await client.get("/v1/partners", params={"q": "Sync"})).json()["items"]}
    system = (await _system(client, "Synced Pathways"))["id"]
    for pid in ids.values():
        await _join(client, system, pid)
    r = await client.post(f"/v1/systems/{system}/assignments",
                          json={"partner_id": ids["Sync College"], "function": "design_programs", "strength": "lead"})
    assert r.status_code == 201
    r = await client.post("/v1/sync/partners", params={"source": "state", "mode": "complete", "max_retire": 1},
                          content=json.dumps(records[0]), headers=headers)
    assert r.status_code == 200, r.text
    assert (await _gaps(client, system, "retired_partner"))["design_programs"]["severity"] == "critical"


async def test_the_review_covers_what_the_seed_says_and_its_dates_are_kept_honest(client, areas):
    system = (await _system(client, "North Pathways", target_populations=["disability"],
                            last_reviewed_on=_day(-400)))["id"]
    await _join(client, system, await _partner(client, "North Board", "workforce_agency"))
    review = (await client.get(f"/v1/systems/{system}/review")).json()
    kinds = {(g["kind"], g["subject"]) for g in review["gaps"]}
    assert ("unserved_population", "disability") in kinds
    assert len([k for k, _ in kinds if k == "uncovered_function"]) >= 6
    assert ("team_composition", "employer") in kinds

    r = await client.post(f"/v1/systems/{system}/review", json={"reviewed_on": _day(365)})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = await client.post("/v1/systems", json={"name": "Future", "level": "local", "jurisdiction": {"state": "OR"},
                                               "last_reviewed_on": _day(30)})
    assert r.status_code == 422
    r = await client.post(f"/v1/systems/{system}/review", json={"reviewed_on": _day(0)})
    assert r.status_code == 200
    r = await client.put(f"/v1/systems/{system}/review", json={"reviewed_on": _day(-10), "reason": ""})
    assert r.status_code == 422
    r = await client.put(f"/v1/systems/{system}/review",
                         json={"reviewed_on": _day(-10), "reason": "The meeting was on the 10th, not today"})
    assert r.status_code == 200, r.text
    assert r.json()["last_reviewed_on"] == _day(-10)
    audit = (await client.get("/v1/audit", params={"kind": "system", "record_id": system,
                                                    "action": "correct_review"})).json()["items"]
    [entry] = audit
    assert entry["changes"]["last_reviewed_on"] == {"old": _day(0), "new": _day(-10)}
    assert entry["changes"]["reason"]["new"] == "The meeting was on the 10th, not today"


async def test_vision_and_mission_are_asked_for_and_revisited_on_a_cadence(client, areas):
    system = await _system(client, "North Pathways", vision_review_cadence_months=6)
    assert system["vision_revisited_on"] is None
    gaps = await _gaps(client, system["id"], "shared_vision")
    assert set(gaps) == {"vision", "mission", "goals"}
    r = await client.patch(f"/v1/systems/{system['id']}", json={"vision": "Every worker on a pathway",
                                                                 "mission": "Align training and jobs"})
    assert r.json()["vision_revisited_on"] == _day(0)
    assert await _gaps(client, system["id"], "vision_review") == {}
    r = await client.put(f"/v1/systems/{system['id']}/vision-review",
                         json={"revisited_on": _day(-400), "reason": "The vision was adopted last year"})
    assert r.status_code == 200, r.text
    assert (await _gaps(client, system["id"], "vision_review"))["vision_review"]["severity"] == "medium"
    r = await client.post(f"/v1/systems/{system['id']}/vision-review", json={"revisited_on": _day(2)})
    assert r.status_code == 422
    r = await client.post(f"/v1/systems/{system['id']}/vision-review", json={"revisited_on": _day(0)})
    assert r.status_code == 200 and await _gaps(client, system["id"], "vision_review") == {}


async def test_staff_sessions_are_recorded_paged_and_close_the_training_gap(client, areas):
    system = (await _system(client, "North Pathways"))["id"]
    board, college = await _partner(client, "North Board", "workforce_agency"), await _partner(
        client, "North College", "educational_institution")
    outsider = await _partner(client, "Elsewhere", "employer")
    for partner in (board, college):
        await _join(client, system, partner)
    gaps = await _gaps(client, system, "staff_training")
    assert set(gaps) == {"staff_informed", "joint_training"}
    path = f"/v1/systems/{system}/staff-sessions"
    body = {"held_on": _day(-30), "kind": "training", "topic": "The pathway and its referrals", "level": "local",
            "agencies": [board, college]}
    r = await client.post(path, json=body)
    assert r.status_code == 201, r.text
    session = r.json()
    assert r.headers["location"].endswith(session["id"])
    assert await _gaps(client, system, "staff_training") == {}
    assert (await client.post(path, json={**body, "agencies": [outsider]})).status_code == 409
    assert (await client.post(path, json={**body, "held_on": _day(5)})).status_code == 422
    assert (await client.post(path, json={**body, "kind": "party"})).status_code == 422
    r = await client.post(path, json={**body, "held_on": _day(-60), "kind": "information", "agencies": [board]})
    assert r.status_code == 201
    first = await client.get(path, params={"limit": 1})
    assert [s["held_on"] for s in first.json()["items"]] == [_day(-30)]
    second = await client.get(path, params={"limit": 1, "cursor": first.json()["next_cursor"]})
    assert [s["held_on"] for s in second.json()["items"]] == [_day(-60)]
    assert (await client.get(path, params={"cursor": "bm9wZQ"})).status_code == 422
    assert (await client.delete(f"{path}/{session['id']}")).status_code == 204
    assert (await client.delete(f"{path}/{session['id']}")).status_code == 404
    assert "joint_training" in await _gaps(client, system, "staff_training")


async def test_support_without_capacity_is_no_support_and_capacity_is_shown_against_the_population(client, areas):
    system = (await _system(client, "North Pathways", target_populations=["single_parent"],
                            target_population_sizes={"single_parent": 500}))["id"]
    cbo = await _partner(client, "North Neighbors", "community_based_organization")
    await _join(client, system, cbo)
    for category, capacity in (("child_care", 0), ("transportation", 40), ("financial_aid", 1000)):
        r = await client.post(f"/v1/partners/{cbo}/services",
                              json={"name": category, "category": category, "capacity": capacity})
        assert r.status_code == 201, r.text
    gaps = await _gaps(client, system, "support_service")
    assert gaps["child_care"]["severity"] == "high"
    assert gaps["child_care"]["figures"]["services_without_capacity"] == 1
    assert (gaps["transportation"]["figures"]["capacity"], gaps["transportation"]["figures"]["population_size"]) == (
        40, 500)
    assert "financial_aid" not in gaps
    r = await client.patch(f"/v1/systems/{system}", json={"target_population_sizes": {"youth": 5}})
    assert r.status_code == 422


async def test_the_reference_endpoint_shows_the_seeds_chart_alone_and_every_addition_with_its_source(client):
    full = (await client.get("/v1/reference/role-matrix")).json()
    seed = (await client.get("/v1/reference/role-matrix", params={"seed_only": "true"})).json()
    assert seed["additions"] == []
    assert seed["usual_functions"]["employer"] == [
        "develop_curricula", "provide_employment", "provide_trainers", "provide_training_facilities"]
    assert "provide_trainers" not in seed["usual_functions"]["educational_institution"]
    assert set(seed["usual_functions"]) == {"workforce_agency", "educational_institution",
                                            "economic_development_agency", "human_services_agency",
                                            "community_based_organization", "employer"}
    additions = {(a["partner_type"], a["function"]): a["source"] for a in full["additions"]}
    assert additions[("educational_institution", "provide_trainers")].startswith("project:")
    assert all(source for source in additions.values())
    r = await client.put("/v1/reference/role-matrix/employer",
                         json={"functions": ["provide_employment", "engage_employers"]})
    assert r.status_code == 200
    added = {(a["partner_type"], a["function"]): a["source"] for a in r.json()["additions"]}
    assert added[("employer", "engage_employers")] == "deployment"
    assert ("employer", "provide_employment") not in added  # kept, still the seed's
    requirements = (await client.get("/v1/reference/team-requirements")).json()
    tiers = {r["partner_type"]: (r["tier"], r["severity"]) for r in requirements["leadership_team"]}
    assert tiers["employer"] == ("essential", "high") and tiers["human_services_agency"] == ("recommended", "medium")
    assert requirements["champion_function"] == "champion_system"


async def test_matches_weigh_assets_against_limitations_and_ignore_the_general_public(client, areas):
    college = await _partner(client, "North College", "educational_institution",
                             populations_served=["general_public"], description="Train nurses and welders.",
                             assets="Instructors and financial aid.", limitations="No clinical training sites.")
    hospital = await _partner(client, "North Hospital", "employer", populations_served=["general_public"],
                              description="Train and hire nurses.", assets="Clinical training sites and jobs.",
                              limitations="No instructors.")
    await _partner(client, "North Mill", "employer", populations_served=["general_public"],
                   description="Cut timber.", assets="Jobs.", limitations="No trucks.")
    report = (await client.get(f"/v1/partners/{college}/matches", params={"min_score": 0})).json()
    assert sum(report["weights"].values()) == 100
    [first, second] = report["matches"]
    assert first["partner"]["id"] == hospital and first["score"] > second["score"]
    assert first["shared_populations"] == 0 and first["complementary_assets"] > 0
    assert "North Hospital brings clinical, site, training, which North College lacks" in first["reasons"]
    assert first["reasons"] != second["reasons"]


async def test_the_demo_shows_each_partnership_rule_fire(client, clean_db: Database):
    from api.demo import LOCAL_SYSTEM_ID, SECOND_LOCAL_SYSTEM_ID, STATE_SYSTEM_ID, load_demo
    from api.domain.access import system_caller
    from api.repositories.uow import PgUnitOfWork

    for _ in range(2):  # loading twice changes nothing
        async with PgUnitOfWork(clean_db, caller=system_caller("demo")) as uow:
            await load_demo(uow)
            await uow.commit()
    state = (await client.get(f"/v1/systems/{STATE_SYSTEM_ID}")).json()
    assert [s["id"] for s in state["local_systems"]] == [str(LOCAL_SYSTEM_ID), str(SECOND_LOCAL_SYSTEM_ID)]
    gaps = (await client.get(f"/v1/systems/{STATE_SYSTEM_ID}/gaps")).json()["gaps"]
    by_kind: dict[str, list[dict]] = {}
    for gap in gaps:
        by_kind.setdefault(gap["kind"], []).append(gap)
    [retired] = by_kind["retired_partner"]
    assert (retired["subject"], retired["severity"]) == ("provide_labor_market_information", "critical")
    assert [g["subject"] for g in by_kind["agreement_completeness"]] == ["Oregon pathways partners MOU (demo)"]
    assert "staff_informed" in {g["subject"] for g in by_kind["staff_training"]}
    assert "vision_review" in by_kind
    assert any("population_size" in g["figures"] for g in by_kind["support_service"])
    sessions = (await client.get(f"/v1/systems/{STATE_SYSTEM_ID}/staff-sessions")).json()["items"]
    assert [s["kind"] for s in sessions] == ["training"]

    contradicted = await _gaps(client, str(SECOND_LOCAL_SYSTEM_ID), "working_relationship")
    assert contradicted["agreement:Elk Hollow state/local working agreement (demo)"]["severity"] == "high"
    assert "confirmation" in contradicted
    assert await _gaps(client, str(LOCAL_SYSTEM_ID), "working_relationship") == {}

    college = next(m["partner_id"] for m in state["members"] if m["partner_type"] == "educational_institution")
    matches = (await client.get(f"/v1/partners/{college}/matches", params={"limit": 100})).json()["matches"]
    employers = [m for m in matches if m["partner"]["partner_type"] == "employer"
                 and m["partner"]["jurisdiction"]["local_area"] == "or-elk-hollow"]
    assert len(employers) == 3
    assert len({m["score"] for m in employers}) == 3 and len({tuple(m["reasons"]) for m in employers}) == 3
