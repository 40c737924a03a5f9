"""Career pathways systems over REST, in the words of the seed: members, roles, gaps, suggestions, review.

The membership and role rules themselves are tested against fakes in tests/usecases/test_system_usecases.py;
these tests are about what HTTP adds: status codes, problem types, response shapes and round trips.
"""

from __future__ import annotations

import httpx
import pytest

from api.domain.access import system_caller
from api.repositories.database import Database, QueryCounter
from tests.conftest import add_region, partner_body

PROBLEM = "application/problem+json"


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str, **extra: object) -> str:
    r = await client.post("/v1/partners", json=partner_body(name=name, partner_type=partner_type, **extra))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _system(client: httpx.AsyncClient, **extra: object) -> str:
    body = {"name": "Test Valley Pathways", "level": "local", "jurisdiction": {"state": "OR", "local_area": "or-test"},
            "regions": ["or-test"], **extra}
    r = await client.post("/v1/systems", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _join(client: httpx.AsyncClient, system: str, partner: str, team: str = "leadership") -> None:
    r = await client.post(f"/v1/systems/{system}/members",
                          json={"partner_id": partner, "representative": "Pat Doe", "team": team})
    assert r.status_code == 201, r.text


async def _gaps(client: httpx.AsyncClient, system: str) -> list[dict]:
    r = await client.get(f"/v1/systems/{system}/gaps")
    assert r.status_code == 200, r.text
    return r.json()["gaps"]


@pytest.fixture
async def region(client: httpx.AsyncClient) -> str:
    await add_region(client, "or-test")
    return "or-test"


async def test_system_targeting_disability_without_vr_gets_a_gap_recommending_vr(client, region):
    system = await _system(client, target_populations=["disability"])
    await _join(client, system, await _partner(client, "Board", "workforce_agency"))
    gaps = [g for g in await _gaps(client, system) if g["kind"] == "unserved_population"]
    assert [g["subject"] for g in gaps] == ["disability"]
    assert "vocational" in gaps[0]["recommendation"].lower()
    vr = await _partner(client, "State VR Office", "vocational_rehabilitation", populations_served=["disability"])
    await _join(client, system, vr, team="operations")
    assert not [g for g in await _gaps(client, system) if g["kind"] == "unserved_population"]


async def test_no_employer_on_leadership_team_is_a_composition_gap_cleared_by_adding_and_assigning_one(
    client, region
):
    system = await _system(client)
    await _join(client, system, await _partner(client, "Board", "workforce_agency"))
    subjects = [g["subject"] for g in await _gaps(client, system) if g["kind"] == "team_composition"]
    assert "employer" in subjects
    employer = await _partner(client, "Regional Hospital", "employer")
    await _join(client, system, employer)
    r = await client.post(f"/v1/systems/{system}/assignments",
                          json={"partner_id": employer, "function": "provide_employment", "strength": "lead"})
    assert r.status_code == 201, r.text
    assert r.json()["atypical"] is False
    gaps = await _gaps(client, system)
    assert "employer" not in [g["subject"] for g in gaps if g["kind"] == "team_composition"]
    assert "provide_employment" not in [g["subject"] for g in gaps if g["kind"] == "uncovered_function"]


async def test_second_lead_for_a_function_is_409_named_for_the_rule(client, region):
    system = await _system(client)
    a = await _partner(client, "Board A", "workforce_agency")
    b = await _partner(client, "Board B", "workforce_agency")
    await _join(client, system, a)
    await _join(client, system, b)
    body = {"partner_id": a, "function": "engage_employers", "strength": "lead"}
    assert (await client.post(f"/v1/systems/{system}/assignments", json=body)).status_code == 201
    r = await client.post(f"/v1/systems/{system}/assignments", json={**body, "partner_id": b})
    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("function-already-has-lead")
    support = await client.post(f"/v1/systems/{system}/assignments", json={**body, "partner_id": b,
                                                                          "strength": "support"})
    assert support.status_code == 201


async def test_removing_a_member_with_assignments_is_blocked_unless_cascaded(client, region):
    system = await _system(client)
    college = await _partner(client, "College", "educational_institution")
    await _join(client, system, college)
    await client.post(f"/v1/systems/{system}/assignments",
                      json={"partner_id": college, "function": "design_programs", "strength": "lead"})
    blocked = await client.delete(f"/v1/systems/{system}/members/{college}")
    assert blocked.status_code == 409
    assert blocked.json()["type"].endswith("member-has-assignments")
    assert len((await client.get(f"/v1/systems/{system}")).json()["assignments"]) == 1
    r = await client.delete(f"/v1/systems/{system}/members/{college}", params={"cascade": "true"})
    assert r.status_code == 200
    assert [a["function"] for a in r.json()["removed_assignments"]] == ["design_programs"]
    assert r.json()["system"]["members"] == []


async def test_partner_that_is_a_member_cannot_be_deleted(client, region):
    system = await _system(client)
    board = await _partner(client, "Board", "workforce_agency")
    await _join(client, system, board)
    r = await client.delete(f"/v1/partners/{board}")
    assert r.status_code == 409
    assert (await client.get(f"/v1/partners/{board}")).status_code == 200


async def test_suggestions_rank_usual_members_and_name_types_to_recruit(client, region):
    system = await _system(client)
    college = await _partner(client, "College", "educational_institution")
    await _join(client, system, college)
    r = await client.get(f"/v1/systems/{system}/suggestions")
    assert r.status_code == 200
    by_function = {s["function"]: s for s in r.json()["suggestions"]}
    design = by_function["design_programs"]
    assert design["candidates"][0]["partner_id"] == college
    assert design["candidates"][0]["reasons"]
    assert "employer" in by_function["provide_employment"]["recruit"]


async def test_invalid_codes_in_a_system_name_the_field(client, region):
    r = await client.post("/v1/systems", json={"name": "X", "level": "local", "jurisdiction": {"state": "OR"},
                                               "target_occupations": ["29-11"], "target_sectors": ["99"]})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"target_occupations[0]", "target_sectors[0]"} <= fields


async def test_gap_analysis_runs_in_a_bounded_number_of_queries(client, region, clean_db: Database):
    system = await _system(client, target_populations=["disability", "low_income"])
    counts = []
    for n in (2, 12):
        while len((await client.get(f"/v1/systems/{system}")).json()["members"]) < n:
            pid = await _partner(client, f"Partner {n}-{len(counts)}-{id(object())}", "community_based_organization")
            await _join(client, system, pid)
        counter = QueryCounter()
        clean_db.query_observer = counter
        await _gaps(client, system)
        clean_db.query_observer = None
        counts.append(counter.count)
    # +2 for gap kinds 6 and 7: the system's agreements, and its funding basis (allocations and catalogue).
    assert counts[0] == counts[1] <= 12, counts


async def test_role_matrix_and_functions_are_editable_reference_data(client, region):
    functions = {f["code"]: f for f in (await client.get("/v1/reference/functions")).json()}
    assert functions["coordinate_collaboration"]["core"] is True
    matrix = (await client.get("/v1/reference/role-matrix")).json()["usual_functions"]
    assert "provide_employment" in matrix["employer"]
    r = await client.put("/v1/reference/role-matrix/employer", json={"functions": ["provide_employment", "nope"]})
    assert r.status_code == 422
    r = await client.put("/v1/reference/role-matrix/employer", json={"functions": ["provide_employment"]})
    assert r.json()["usual_functions"]["employer"] == ["provide_employment"]


async def test_gap_analysis_of_the_larger_demo_system_costs_a_fixed_number_of_queries(client, clean_db: Database):
    from api.demo import STATE_SYSTEM_ID, load_demo
    from api.repositories.uow import PgUnitOfWork

    async with PgUnitOfWork(clean_db, caller=system_caller("demo")) as uow:
        await load_demo(uow)
        await uow.commit()
    counter = QueryCounter()
    clean_db.query_observer = counter
    gaps = await _gaps(client, str(STATE_SYSTEM_ID))
    clean_db.query_observer = None
    assert gaps, "the demo state system is meant to show gaps"
    assert {"unserved_population", "membership_review"} <= {g["kind"] for g in gaps}
    nurses = [g for g in gaps if g["kind"] == "training_capacity" and g["subject"] == "29-1141"]
    assert nurses and nurses[0]["subject_label"] == "Registered Nurses"  # the demo loads the titles it uses
    assert "Registered Nurses (29-1141)" in nurses[0]["explanation"]
    # +2 for gap kinds 6 and 7: the system's agreements, and its funding basis (allocations and catalogue);
    # +1 for the labels of the codes (the vocabularies, issue 22).
    assert counter.count <= 9, [" ".join(q.split())[:60] for q in counter.queries]
    counter = QueryCounter()
    clean_db.query_observer = counter
    r = await client.get(f"/v1/systems/{STATE_SYSTEM_ID}/gaps", params={"candidates": 3})
    clean_db.query_observer = None
    assert r.status_code == 200, r.text
    assert counter.count <= 10, "candidates for every gap cost one more query, whatever the number of gaps"
