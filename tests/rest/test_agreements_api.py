"""Agreements over REST: formalizing leads, signing, expiry, the one-stop MOU check, versions and permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.repositories.database import Database
from tests.conftest import add_region, mint_key, partner_body

PROBLEM = "application/problem+json"
TODAY = datetime.now(UTC).date()


def _day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str) -> str:
    r = await client.post("/v1/partners", json=partner_body(name=name, partner_type=partner_type))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _system(client: httpx.AsyncClient, **extra: object) -> str:
    body = {"name": "Test Valley Pathways", "level": "local", "jurisdiction": {"state": "OR", "local_area": "or-test"},
            **extra}
    r = await client.post("/v1/systems", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _join(client: httpx.AsyncClient, system: str, partner: str) -> None:
    r = await client.post(f"/v1/systems/{system}/members", json={"partner_id": partner, "representative": "Pat"})
    assert r.status_code == 201, r.text


async def _formalization_gaps(client: httpx.AsyncClient, system: str) -> list[dict]:
    r = await client.get(f"/v1/systems/{system}/gaps")
    assert r.status_code == 200, r.text
    return [g for g in r.json()["gaps"] if g["kind"] == "formalization"]


@pytest.fixture
async def led(client: httpx.AsyncClient) -> dict[str, str]:
    """A system whose workforce board leads employer engagement, with a college as the other member."""
    await add_region(client, "or-test")
    system = await _system(client)
    board = await _partner(client, "Willamette WDB", "workforce_agency")
    college = await _partner(client, "Chemeketa CC", "educational_institution")
    await _join(client, system, board)
    await _join(client, system, college)
    r = await client.post(f"/v1/systems/{system}/assignments",
                          json={"partner_id": board, "function": "engage_employers", "strength": "lead"})
    assert r.status_code == 201, r.text
    return {"system": system, "board": board, "college": college, "assignment": r.json()["id"]}


def _mou(led: dict[str, str], **extra: object) -> dict[str, object]:
    return {"type": "mou", "title": "Valley partners MOU", "parties": [led["board"], led["college"]],
            "effective_on": _day(-30), "expires_on": _day(730), "formalizes": [led["assignment"]], **extra}


async def test_a_lead_with_no_active_mou_is_a_gap_that_signing_clears_and_expiry_brings_back(client, led):
    system = led["system"]
    [gap] = await _formalization_gaps(client, system)
    assert (gap["subject"], gap["severity"]) == ("engage_employers", "high")
    assert gap["recommendation"].startswith("Formalize the lead")

    r = await client.post(f"/v1/systems/{system}/agreements", json=_mou(led))
    assert r.status_code == 201, r.text
    draft = r.json()
    assert (draft["status"], draft["in_force"]) == ("draft", False)
    assert r.headers["location"] == f"/v1/systems/{system}/agreements/{draft['id']}"
    [gap] = await _formalization_gaps(client, system)
    assert gap["recommendation"].startswith("Sign the draft agreement 'Valley partners MOU'")

    r = await client.post(f"/v1/systems/{system}/agreements/{draft['id']}/sign", json={"signed_on": _day(-30)})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["recorded_status"], r.json()["in_force"]) == ("active", "active", True)
    assert await _formalization_gaps(client, system) == []

    r = await client.patch(f"/v1/systems/{system}/agreements/{draft['id']}", json={"expires_on": _day(-1)},
                           headers={"If-Match": r.headers["etag"]})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["recorded_status"]) == ("expired", "active")
    gaps = {g["subject"]: g for g in await _formalization_gaps(client, system)}
    assert gaps["engage_employers"]["recommendation"].startswith("Renew 'Valley partners MOU'")
    assert "still recorded as active" in gaps["Valley partners MOU"]["explanation"]


async def test_signing_an_mou_makes_its_parties_formalized_for_suggestions(client, led):
    mou = (await client.post(f"/v1/systems/{led['system']}/agreements",
                             json=_mou(led, status="active", signed_on=_day(-30)))).json()
    assert mou["status"] == "active"
    suggestions = (await client.get(f"/v1/systems/{led['system']}/suggestions")).json()["suggestions"]
    reasons = [reason for s in suggestions for c in s["candidates"] for reason in c["reasons"]]
    assert "already formalized by an active agreement in this system" in reasons


async def test_an_agreement_expiring_within_the_window_is_due_for_renewal(client, led):
    body = _mou(led, status="active", signed_on=_day(-30), expires_on=_day(20))
    assert (await client.post(f"/v1/systems/{led['system']}/agreements", json=body)).status_code == 201
    [gap] = await _formalization_gaps(client, led["system"])
    assert (gap["subject"], gap["severity"], gap["figures"]["days_to_expiry"]) == ("Valley partners MOU", "medium", 20)


async def test_the_one_stop_mou_completeness_check_names_what_is_missing(client, led):
    body = _mou(led, type="one_stop_mou", contents=["cost_sharing", "services_and_coordination"])
    r = await client.post(f"/v1/systems/{led['system']}/agreements", json=body)
    assert r.status_code == 201, r.text
    mou = r.json()
    r = await client.get(f"/v1/systems/{led['system']}/agreements/{mou['id']}/completeness")
    assert r.status_code == 200
    found = r.json()
    assert (found["applies"], found["complete"]) == (True, False)
    assert [s["code"] for s in found["present"]] == ["services_and_coordination", "cost_sharing"]
    assert [s["code"] for s in found["missing"]] == [
        "referral_methods", "access_for_individuals_with_barriers", "duration_and_amendment", "review_and_renewal"]
    assert found["source"].startswith("20 CFR 678.500")


async def test_a_partnership_mou_is_judged_by_the_seeds_checklist_and_a_contract_by_none(client, led):
    system = led["system"]
    r = await client.post(f"/v1/systems/{system}/agreements",
                          json=_mou(led, contents=["parties", "roles_and_responsibilities"]))
    assert r.status_code == 201, r.text
    found = (await client.get(f"/v1/systems/{system}/agreements/{r.json()['id']}/completeness")).json()
    assert (found["applies"], found["complete"], found["checklist"]) == (True, False, "Partnership MOU")
    assert [s["code"] for s in found["missing"]] == ["resources_and_funding", "review_and_amendment"]
    assert all(s["source"].startswith("seed 00") for s in found["present"] + found["missing"])
    r = await client.post(f"/v1/systems/{system}/agreements", json=_mou(led, contents=["cost_sharing"]))
    assert r.status_code == 422
    assert "is not an item of the Partnership MOU checklist" in r.json()["errors"][0]["message"]
    contract = {**_mou(led, type="contract", title="Data contract"), "formalizes": []}
    r = await client.post(f"/v1/systems/{system}/agreements", json=contract)
    assert r.status_code == 201, r.text
    found = (await client.get(f"/v1/systems/{system}/agreements/{r.json()['id']}/completeness")).json()
    assert (found["applies"], found["complete"], found["missing"]) == (False, None, [])
    checklists = {c["kind"]: c for c in (await client.get("/v1/reference/agreement-checklists")).json()}
    assert set(checklists) == {"mou", "state_local_mou", "one_stop_mou"}
    assert all(item["source"] for c in checklists.values() for item in c["items"])


async def test_an_incomplete_agreement_in_force_is_a_gap_until_it_is_amended(client, led):
    system = led["system"]
    body = _mou(led, status="active", signed_on=_day(-30), contents=["parties"])
    mou = (await client.post(f"/v1/systems/{system}/agreements", json=body)).json()
    gaps = (await client.get(f"/v1/systems/{system}/gaps")).json()["gaps"]
    [gap] = [g for g in gaps if g["kind"] == "agreement_completeness"]
    assert (gap["subject"], gap["severity"]) == ("Valley partners MOU", "medium")
    assert gap["figures"]["missing"] == "roles_and_responsibilities, resources_and_funding, review_and_amendment"
    everything = ["parties", "roles_and_responsibilities", "resources_and_funding", "review_and_amendment"]
    r = await client.patch(f"/v1/systems/{system}/agreements/{mou['id']}", json={"contents": everything})
    assert r.status_code == 200, r.text
    gaps = (await client.get(f"/v1/systems/{system}/gaps")).json()["gaps"]
    assert "agreement_completeness" not in {g["kind"] for g in gaps}


async def test_rules_are_problems_named_for_the_rule(client, led):
    system = led["system"]
    outsider = await _partner(client, "Outsider", "employer")
    r = await client.post(f"/v1/systems/{system}/agreements", json=_mou(led, parties=[led["board"], outsider]))
    assert r.status_code == 409
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["type"].endswith("party-not-a-member")
    r = await client.post(f"/v1/systems/{system}/agreements", json=_mou(led, parties=[led["college"]]))
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"parties"}
    r = await client.post(f"/v1/systems/{system}/agreements", json=_mou(led, contents=["nope"]))
    assert r.status_code == 422
    r = await client.post(f"/v1/systems/{system}/agreements", json=_mou(led, colour="blue"))
    assert r.status_code == 422, "unknown fields are refused"
    mou = (await client.post(f"/v1/systems/{system}/agreements", json=_mou(led))).json()
    sign = f"/v1/systems/{system}/agreements/{mou['id']}/sign"
    assert (await client.post(sign)).status_code == 200
    r = await client.post(sign)
    assert r.status_code == 409
    assert r.json()["type"].endswith("agreement-not-draft")


async def test_single_agreements_carry_etags_and_honour_preconditions(client, led):
    system = led["system"]
    created = await client.post(f"/v1/systems/{system}/agreements", json=_mou(led))
    url = f"/v1/systems/{system}/agreements/{created.json()['id']}"
    etag = created.headers["etag"]
    assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304
    assert (await client.patch(url, json={"title": "Renamed"}, headers={"If-Match": etag})).status_code == 200
    stale = await client.patch(url, json={"title": "Again"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    assert (await client.delete(url, headers={"If-Match": etag})).status_code == 412
    listed = (await client.get(f"/v1/systems/{system}/agreements")).json()
    assert [a["title"] for a in listed["items"]] == ["Renamed"]
    assert (await client.get(f"/v1/systems/{await _system(client, name='Other')}/agreements/"
                             f"{created.json()['id']}")).status_code == 404


async def test_an_assignment_may_name_only_an_agreement_of_its_system_and_deleting_it_clears_the_name(client, led):
    system = led["system"]
    mou = (await client.post(f"/v1/systems/{system}/agreements", json=_mou(led, formalizes=[]))).json()
    body = {"partner_id": led["college"], "function": "design_programs", "strength": "lead", "agreement_id": mou["id"]}
    r = await client.post(f"/v1/systems/{system}/assignments", json=body)
    assert r.status_code == 201, r.text
    other = await _system(client, name="Other system")
    r = await client.post(f"/v1/systems/{other}/assignments", json={**body, "function": "engage_employers"})
    assert r.status_code in (409, 422)
    assert (await client.delete(f"/v1/systems/{system}/agreements/{mou['id']}")).status_code == 204
    assignments = (await client.get(f"/v1/systems/{system}/assignments")).json()
    assert {a["function"]: a["agreement_id"] for a in assignments}["design_programs"] is None


async def test_writes_to_agreements_are_audited(client, led):
    mou = (await client.post(f"/v1/systems/{led['system']}/agreements", json=_mou(led))).json()
    r = await client.get("/v1/audit", params={"kind": "agreement", "record_id": mou["id"]})
    assert [e["action"] for e in r.json()["items"]] == ["create"]


async def test_a_read_key_cannot_write_agreements(app: FastAPI, client, led, clean_db: Database):
    key = await mint_key(clean_db, Scope.SYSTEMS_READ, Scope.DIRECTORY_READ, jurisdiction=Jurisdiction(state="OR"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as reader:
        assert (await reader.get(f"/v1/systems/{led['system']}/agreements")).status_code == 200
        r = await reader.post(f"/v1/systems/{led['system']}/agreements", json=_mou(led))
        assert r.status_code == 403
        assert r.headers["content-type"] == PROBLEM
