"""Funding over REST: the public stream catalogue, braided allocations, the braiding analysis and funding gaps."""

from __future__ import annotations

import httpx
import pytest

from api.repositories.database import Database
from tests.conftest import add_region, partner_body

PROBLEM = "application/problem+json"


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str) -> str:
    r = await client.post("/v1/partners", json=partner_body(name=name, partner_type=partner_type))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _service(client: httpx.AsyncClient, partner: str, name: str, category: str) -> str:
    r = await client.post(f"/v1/partners/{partner}/services", json={"name": name, "category": category})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
async def single_parents(client: httpx.AsyncClient) -> dict[str, str]:
    """A system serving low-income single parents, with a community-based partner offering job search."""
    await add_region(client, "or-test")
    r = await client.post("/v1/systems", json={
        "name": "Family Pathways", "level": "local", "jurisdiction": {"state": "OR", "local_area": "or-test"},
        "target_populations": ["low_income", "single_parent"]})
    assert r.status_code == 201, r.text
    system = r.json()["id"]
    cbo = await _partner(client, "Hope Community Services", "community_based_organization")
    college = await _partner(client, "Chemeketa CC", "educational_institution")
    for partner in (cbo, college):
        r = await client.post(f"/v1/systems/{system}/members", json={"partner_id": partner, "representative": "Pat"})
        assert r.status_code == 201, r.text
    job_search = await _service(client, cbo, "Job search club", "job_search")
    return {"system": system, "cbo": cbo, "college": college, "job_search": job_search}


async def test_the_stream_catalogue_is_public_reference_data(anon_client):
    r = await anon_client.get("/v1/reference/funding-streams")
    assert r.status_code == 200
    streams = {s["code"]: s for s in r.json()}
    assert {"snap_et", "tanf", "wioa_title_i_adult", "perkins_v", "philanthropy"} <= set(streams)
    assert streams["snap_et"]["kind"] == "formula"
    assert "low_income" in streams["tanf"]["eligible_populations"]


async def test_low_income_single_parents_with_a_cbo_offering_job_search_are_shown_snap_et_and_tanf(
    client, single_parents
):
    system = single_parents["system"]
    r = await client.get(f"/v1/systems/{system}/funding")
    assert r.status_code == 200, r.text
    funding = r.json()
    untapped = {u["stream_code"]: u for u in funding["untapped"]}
    assert {"snap_et", "tanf"} <= set(untapped)
    assert untapped["snap_et"]["candidates"][0]["partner_id"] == single_parents["cbo"]
    assert untapped["tanf"]["populations"] == ["low_income", "single_parent"]
    assert (funding["total"], funding["formula_share"], funding["grant_only"]) == ("0", None, False)
    assert [s["service_id"] for s in funding["unfunded_services"]] == [single_parents["job_search"]]

    gaps = (await client.get(f"/v1/systems/{system}/gaps")).json()["gaps"]
    funding_gaps = {g["subject"]: g for g in gaps if g["kind"] == "funding"}
    assert {"snap_et", "tanf"} <= set(funding_gaps)
    assert "Hope Community Services" in funding_gaps["snap_et"]["recommendation"]


async def test_allocations_are_braided_per_stream_and_a_used_stream_is_no_longer_untapped(client, single_parents):
    system = single_parents["system"]
    base = f"/v1/systems/{system}/allocations"
    tanf = {"stream_code": "tanf", "period": "2026", "amount": "12000.50", "service_id": single_parents["job_search"],
            "partner_id": single_parents["cbo"]}
    r = await client.post(base, json=tanf)
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == "12000.50"
    assert r.headers["location"] == f"{base}/{r.json()['id']}"
    r = await client.post(base, json={**tanf, "stream_code": "philanthropy", "amount": 3000})
    assert r.status_code == 201, r.text
    r = await client.post(base, json={"stream_code": "wioa_title_i_adult", "period": "2025", "amount": "500",
                                      "function": "engage_employers"})
    assert r.status_code == 201, r.text

    funding = (await client.get(f"/v1/systems/{system}/funding", params={"period": "2026"})).json()
    assert funding["total"] == "15000.50"
    assert [(s["stream_code"], s["amount"]) for s in funding["by_stream"]] == [("tanf", "12000.50"),
                                                                              ("philanthropy", "3000.00")]
    [target] = funding["by_target"]
    assert [(s["stream_code"], s["amount"]) for s in target["streams"]] == [("philanthropy", "3000.00"),
                                                                           ("tanf", "12000.50")]
    kinds = {k["kind"]: k for k in funding["by_kind"]}
    assert kinds["formula"]["streams"] == ["tanf"] and kinds["private"]["streams"] == ["philanthropy"]
    untapped = {u["stream_code"] for u in funding["untapped"]}
    assert "tanf" not in untapped and "snap_et" in untapped
    assert "wioa_title_i_adult" not in untapped, "a stream used in any period is not untapped"
    listed = (await client.get(base, params={"period": "2026"})).json()["items"]
    assert len(listed) == 2


async def test_an_allocation_targets_one_service_or_function_with_exact_money(client, single_parents):
    base = f"/v1/systems/{single_parents['system']}/allocations"
    both = {"stream_code": "tanf", "period": "2026", "amount": "1", "service_id": single_parents["job_search"],
            "function": "engage_employers"}
    r = await client.post(base, json=both)
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM
    assert {e["field"] for e in r.json()["errors"]} == {"service_id"}
    r = await client.post(base, json={**both, "function": None, "stream_code": "nope"})
    assert {e["field"] for e in r.json()["errors"]} == {"stream_code"}
    r = await client.post(base, json={**both, "function": None, "amount": "1.005"})
    assert r.status_code == 422
    r = await client.post(base, json={**both, "function": None, "period": "26"})
    assert r.status_code == 422
    outsider = await _partner(client, "Outsider", "employer")
    r = await client.post(base, json={**both, "function": None, "partner_id": outsider})
    assert {e["field"] for e in r.json()["errors"]} == {"partner_id"}
    assert (await client.get(f"/v1/systems/{single_parents['system']}/funding",
                             params={"period": "someday"})).status_code == 422


async def test_single_allocations_carry_etags_and_honour_preconditions(client, single_parents):
    base = f"/v1/systems/{single_parents['system']}/allocations"
    created = await client.post(base, json={"stream_code": "tanf", "period": "2026", "amount": "10",
                                            "function": "provide_support_services"})
    url = f"{base}/{created.json()['id']}"
    etag = created.headers["etag"]
    assert (await client.get(url, headers={"If-None-Match": etag})).status_code == 304
    r = await client.patch(url, json={"amount": "20"}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["amount"] == "20.00"
    assert (await client.patch(url, json={"amount": "30"}, headers={"If-Match": etag})).status_code == 412
    assert (await client.delete(url, headers={"If-Match": r.headers["etag"]})).status_code == 204
    assert (await client.get(url)).status_code == 404


async def test_the_catalogue_is_editable_by_an_admin_and_checked_against_the_vocabularies(
    client, anon_client, clean_db: Database
):
    body = {"name": "County workforce levy", "kind": "state", "administering_agency_type": "workforce_agency",
            "eligible_populations": ["veteran"], "allowed_service_categories": ["career_counseling"]}
    try:
        r = await client.put("/v1/reference/funding-streams/county_levy", json=body)
        assert r.status_code == 200, r.text
        assert (await anon_client.put("/v1/reference/funding-streams/county_levy", json=body)).status_code == 401
        r = await client.put("/v1/reference/funding-streams/county_levy",
                             json={**body, "eligible_populations": ["martians"]})
        assert r.status_code == 422
        assert {e["field"] for e in r.json()["errors"]} == {"eligible_populations[0]"}
        codes = [s["code"] for s in (await anon_client.get("/v1/reference/funding-streams")).json()]
        assert "county_levy" in codes
    finally:
        async with clean_db.pool.acquire() as conn:
            await conn.execute("DELETE FROM funding_streams WHERE code = 'county_levy'")
