"""A staffer's morning (issue 22): a local system targeting veterans and people with disabilities reads its gap
report, and the report names the organizations of the directory that could close each gap, the local ones first
with their distances, never the retired or the out-of-area ones; the filters, labels and summary hold."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from tests.conftest import add_region, mint_key, partner_body

SALEM = (44.94, -123.03)


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str, area: str, where: tuple[float, float],
                   populations: list[str], **extra: object) -> str:
    body = partner_body(name=name, partner_type=partner_type, jurisdiction={"state": "OR", "local_area": area},
                        regions_served=[area], populations_served=populations, latitude=where[0],
                        longitude=where[1], **extra)
    r = await client.post("/v1/partners", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
async def morning(client: httpx.AsyncClient) -> dict[str, str]:
    """Brightwater Pathways (or-north) with a board and a college; the directory around it."""
    for code in ("or-north", "or-east", "or-south"):
        await add_region(client, code)
    ids = {
        "board": await _partner(client, "Brightwater Workforce Board", "workforce_agency", "or-north", SALEM,
                                ["low_income"]),
        "college": await _partner(client, "Brightwater Community College", "educational_institution", "or-north",
                                  (44.93, -123.04), ["low_income"]),
        # In the area: what staff want found.
        "vets": await _partner(client, "Brightwater Veterans Employment Office", "veterans_services", "or-north",
                               (44.96, -123.05), ["veteran"]),
        "vr": await _partner(client, "Brightwater Vocational Rehabilitation", "vocational_rehabilitation",
                             "or-north", (44.92, -123.00), ["disability"]),
        # Outside the system's region but close by (about 25 km): a candidate, after the local ones.
        "near_vr": await _partner(client, "Eastside Vocational Rehabilitation", "vocational_rehabilitation",
                                  "or-east", (44.94, -122.72), ["disability"]),
        # Across the state: never a candidate.
        "far_vets": await _partner(client, "Rogue Valley Veterans Office", "veterans_services", "or-south",
                                   (42.33, -122.87), ["veteran"]),
        "far_vr": await _partner(client, "Rogue Valley Vocational Rehabilitation", "vocational_rehabilitation",
                                 "or-south", (42.32, -122.86), ["disability"]),
        # In the area but retired: never a candidate.
        "retired": await _partner(client, "Old Brightwater Veterans Post", "veterans_services", "or-north",
                                  (44.94, -123.03), ["veteran"]),
    }
    for who in ("vr", "far_vr"):
        r = await client.post(f"/v1/partners/{ids[who]}/services",
                              json={"name": "Disability employment supports", "category": "disability_services",
                                    "populations": ["disability"], "capacity": 120})
        assert r.status_code == 201, r.text
    r = await client.patch(f"/v1/partners/{ids['retired']}", json={"status": "retired"})
    assert r.status_code == 200, r.text
    r = await client.post("/v1/systems", json={
        "name": "Brightwater Pathways", "level": "local", "jurisdiction": {"state": "OR", "local_area": "or-north"},
        "regions": ["or-north"], "target_populations": ["veteran", "disability"]})
    assert r.status_code == 201, r.text
    ids["system"] = r.json()["id"]
    for member in ("board", "college"):
        r = await client.post(f"/v1/systems/{ids['system']}/members",
                              json={"partner_id": ids[member], "representative": "Pat Doe", "team": "leadership"})
        assert r.status_code == 201, r.text
    return ids


async def test_a_staffers_morning_the_gap_report_names_the_local_offices_first_with_distances(client, morning):
    system = morning["system"]
    r = await client.get(f"/v1/systems/{system}/gaps", params={"candidates": 3, "kind": "unserved_population"})
    assert r.status_code == 200, r.text
    report = r.json()
    gaps = {g["subject"]: g for g in report["gaps"]}
    assert set(gaps) == {"veteran", "disability"}

    veterans = gaps["veteran"]
    assert veterans["subject_label"] == "Veterans"
    assert "'Veterans'" in veterans["explanation"] and "'veteran'" not in veterans["explanation"]
    assert "Veterans services" in veterans["recommendation"]
    assert [c["name"] for c in veterans["candidates"]] == ["Brightwater Veterans Employment Office"]
    [office] = veterans["candidates"]
    assert office["partner_type_label"] == "Veterans services" and office["member"] is False
    assert 0 < office["distance_km"] < 5
    assert "serves Veterans" in office["reasons"] and "serves the system's area" in office["reasons"]

    disability = gaps["disability"]
    assert disability["subject_label"] == "Individuals with disabilities, including youth with disabilities"
    names = [c["name"] for c in disability["candidates"]]
    assert names == ["Brightwater Vocational Rehabilitation", "Eastside Vocational Rehabilitation"]
    local, near = disability["candidates"]
    assert local["distance_km"] < 5 < near["distance_km"] < 50
    assert local["score"] > near["score"]
    assert any(reason.startswith("is near the system's members") for reason in near["reasons"])

    everyone = {c["name"] for g in report["gaps"] for c in g["candidates"]}
    assert not everyone & {"Rogue Valley Veterans Office", "Rogue Valley Vocational Rehabilitation",
                           "Old Brightwater Veterans Post"}


async def test_candidates_are_asked_for_and_members_that_could_lead_an_unled_function_come_first(client, morning):
    system = morning["system"]
    plain = (await client.get(f"/v1/systems/{system}/gaps")).json()
    assert all(g["candidates"] == [] for g in plain["gaps"])
    r = await client.get(f"/v1/systems/{system}/gaps",
                         params={"candidates": 2, "kind": "uncovered_function", "subject": "engage_employers"})
    assert r.status_code == 200, r.text
    [gap] = r.json()["gaps"]
    assert gap["subject_label"] != gap["subject"]
    [first, *_] = gap["candidates"]
    assert first["name"] == "Brightwater Workforce Board" and first["member"] is True
    assert first["distance_km"] is None and "already a member" in first["reasons"]


async def test_the_report_filters_by_severity_kind_and_subject_and_sums_up(client, morning):
    system = morning["system"]
    everything = (await client.get(f"/v1/systems/{system}/gaps")).json()
    summary = everything["summary"]
    assert summary["total"] == len(everything["gaps"]) == sum(summary["by_severity"].values())
    assert sum(summary["by_kind"].values()) == summary["total"]
    assert list(summary["by_severity"]) == ["critical", "high", "medium", "low"]
    assert 0 < len(summary["top_actions"]) <= 5
    assert summary["top_actions"][0]["severity"] == everything["gaps"][0]["severity"]

    high = (await client.get(f"/v1/systems/{system}/gaps", params={"severity": "high"})).json()
    assert high["gaps"] and {g["severity"] for g in high["gaps"]} <= {"critical", "high"}
    assert len(high["gaps"]) == summary["by_severity"]["critical"] + summary["by_severity"]["high"]

    r = await client.get(f"/v1/systems/{system}/gaps?kind=unserved_population&kind=team_composition")
    assert {g["kind"] for g in r.json()["gaps"]} == {"unserved_population", "team_composition"}
    r = await client.get(f"/v1/systems/{system}/gaps", params={"subject": "Veterans"})  # its label works too
    assert [g["subject"] for g in r.json()["gaps"]] == ["veteran"]
    label = "Individuals with disabilities, including youth with disabilities"  # longer than a code may be
    r = await client.get(f"/v1/systems/{system}/gaps", params={"subject": label})
    assert [g["subject"] for g in r.json()["gaps"]] == ["disability"]
    r = await client.get(f"/v1/systems/{system}/gaps", params={"subject": "x" * 201})
    assert r.status_code == 422

    r = await client.get(f"/v1/systems/{system}/gaps", params={"kind": "weather"})
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["kind[0]"]
    r = await client.get(f"/v1/systems/{system}/gaps", params={"candidates": 11})
    assert r.status_code == 422
    r = await client.get(f"/v1/systems/{system}/gaps", params={"sevrity": "high"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "sevrity"


async def test_the_review_is_evaluated_as_of_a_date_with_no_one_days_ago(client, morning):
    system = morning["system"]
    today = date.today()
    r = await client.post(f"/v1/systems/{system}/review", json={"reviewed_on": today.isoformat()})
    assert r.status_code == 200, r.text
    now = (await client.get(f"/v1/systems/{system}/review")).json()
    assert now["overdue"] is False and now["as_of"] == today.isoformat()
    due = date.fromisoformat(now["due_on"])
    later = (await client.get(f"/v1/systems/{system}/review",
                              params={"as_of": (due + timedelta(days=1)).isoformat(),
                                      "kind": "unserved_population"})).json()
    assert later["overdue"] is True and later["days_overdue"] == 1
    assert later["summary"]["by_kind"] == {"unserved_population": 2}
    assert {g["subject_label"] for g in later["gaps"]} >= {"Veterans"}
    gaps = (await client.get(f"/v1/systems/{system}/gaps",
                             params={"as_of": (due + timedelta(days=1)).isoformat(),
                                     "kind": "membership_review"})).json()
    assert gaps["as_of"] == (due + timedelta(days=1)).isoformat()
    [gap] = gaps["gaps"]
    assert gap["explanation"].endswith(", 1 day ago.") and gap["subject_label"] == "Membership review"
    gaps = (await client.get(f"/v1/systems/{system}/gaps",
                             params={"as_of": (due + timedelta(days=3)).isoformat(),
                                     "kind": "membership_review"})).json()
    assert gaps["gaps"][0]["explanation"].endswith(", 3 days ago.")


async def test_suggestions_name_organizations_of_the_directory_beside_the_types_to_recruit(client, morning):
    r = await client.get(f"/v1/systems/{morning['system']}/suggestions")
    assert r.status_code == 200, r.text
    by_function = {s["function"]: s for s in r.json()["suggestions"]}
    employers = by_function["provide_employment"]
    assert employers["function_label"] == "Provide employment/internships"
    assert employers["recruit"][0] == "employer" and employers["recruit_labels"][0] == "Employer"
    assert len(employers["recruit_labels"]) == len(employers["recruit"])
    support = by_function["provide_support_services"]
    [vr] = [p for p in support["prospects"] if "offers Disability and accessibility services" in p["reasons"]]
    assert vr["name"] == "Brightwater Vocational Rehabilitation" and vr["distance_km"] < 5
    assert support["prospects"][0] == vr  # it fits best: a usual type that offers the service, in the area
    assert all(not p["member"] for s in by_function.values() for p in s["prospects"])
    none = (await client.get(f"/v1/systems/{morning['system']}/suggestions", params={"candidates": 0})).json()
    assert all(s["prospects"] == [] for s in none["suggestions"])


async def test_graphql_gives_the_same_candidates_labels_and_summary(client, morning):
    query = """query($id: UUID!) { system(id: $id) {
      gaps(kinds: [UNSERVED_POPULATION], candidates: 2) { subject subjectLabel
        candidates { name member distanceKm partnerTypeLabel } }
      gapSummary(severity: HIGH) { total bySeverity { key count } topActions { subjectLabel recommendation } }
    } }"""
    r = await client.post("/graphql", json={"query": query, "variables": {"id": morning["system"]}})
    body = r.json()
    assert "errors" not in body, body
    gaps = {g["subject"]: g for g in body["data"]["system"]["gaps"]}
    assert gaps["veteran"]["subjectLabel"] == "Veterans"
    assert [c["name"] for c in gaps["veteran"]["candidates"]] == ["Brightwater Veterans Employment Office"]
    assert [c["name"] for c in gaps["disability"]["candidates"]] == [
        "Brightwater Vocational Rehabilitation", "Eastside Vocational Rehabilitation"]
    summary = body["data"]["system"]["gapSummary"]
    assert summary["total"] == sum(c["count"] for c in summary["bySeverity"])
    bad = await client.post("/graphql", json={"query": """query($id: UUID!) { system(id: $id) {
      gaps(candidates: 99) { subject } } }""", "variables": {"id": morning["system"]}})
    assert bad.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_candidates_come_from_the_directory_so_a_key_that_may_not_read_it_gets_none(app, clean_db, morning):
    key = await mint_key(clean_db, Scope.SYSTEMS_READ, jurisdiction=Jurisdiction(state="OR", local_area="or-north"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as staff:
        assert (await staff.get(f"/v1/systems/{morning['system']}/gaps")).status_code == 200
        r = await staff.get(f"/v1/systems/{morning['system']}/gaps", params={"candidates": 3})
        assert r.status_code == 403 and "directory:read" in r.json()["detail"]
        r = await staff.get(f"/v1/systems/{morning['system']}/suggestions")
        assert r.status_code == 200 and all(s["prospects"] == [] for s in r.json()["suggestions"])
