"""The partner directory over REST: CRUD, paging, filters, preconditions, and problem+json for bad input."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import add_region, partner_body

PROBLEM = "application/problem+json"


@pytest.fixture
async def region(client: httpx.AsyncClient) -> str:
    await add_region(client, "or-test")
    return "or-test"


async def _create(client: httpx.AsyncClient, **overrides: object) -> dict[str, object]:
    r = await client.post("/v1/partners", json=partner_body(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


async def _count(client: httpx.AsyncClient) -> int:
    r = await client.get("/v1/partners", params={"include_total": "true", "limit": 1})
    return int(r.json()["total"])


async def test_created_partner_can_be_read_back_with_location_and_etag(client, region):
    r = await client.post("/v1/partners", json=partner_body(external_ids=[{"source": "or-wd", "id": "A1"}]))
    assert r.status_code == 201
    assert r.headers["location"] == f"/v1/partners/{r.json()['id']}"
    assert r.headers["etag"] == '"v1"'
    got = await client.get(r.headers["location"])
    assert got.status_code == 200
    assert got.json()["name"] == "Cascade Community College"
    assert got.json()["external_ids"] == [{"source": "or-wd", "id": "A1"}]
    assert got.headers["etag"] == '"v1"'


async def test_patch_changes_only_given_fields_and_bumps_the_etag(client, region):
    p = await _create(client)
    r = await client.patch(f"/v1/partners/{p['id']}", json={"capacity": 300}, headers={"If-Match": '"v1"'})
    assert r.status_code == 200, r.text
    assert r.json()["capacity"] == 300
    assert r.json()["name"] == p["name"]
    assert r.headers["etag"] == '"v2"'


async def test_stale_if_match_is_412_and_changes_nothing(client, region):
    p = await _create(client)
    await client.patch(f"/v1/partners/{p['id']}", json={"capacity": 10})
    r = await client.patch(f"/v1/partners/{p['id']}", json={"capacity": 99}, headers={"If-Match": '"v1"'})
    assert r.status_code == 412
    assert r.headers["content-type"] == PROBLEM
    assert (await client.get(f"/v1/partners/{p['id']}")).json()["capacity"] == 10


async def test_if_none_match_with_current_etag_is_304(client, region):
    p = await _create(client)
    r = await client.get(f"/v1/partners/{p['id']}", headers={"If-None-Match": '"v1"'})
    assert r.status_code == 304
    assert r.content == b""


async def test_delete_removes_partner_and_then_it_is_404(client, region):
    p = await _create(client)
    assert (await client.delete(f"/v1/partners/{p['id']}")).status_code == 204
    r = await client.get(f"/v1/partners/{p['id']}")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["status"] == 404


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("{not json", 400, None),
        (partner_body(capacity="many"), 422, "capacity"),
        (partner_body(partner_type="space_agency"), 422, "partner_type"),
        (partner_body(latitude=200), 422, "latitude"),
        (partner_body(level="galactic"), 422, "level"),
        (partner_body(jurisdiction={"state": "ZZ"}), 422, "jurisdiction.state"),
        (partner_body(populations_served=["martians"]), 422, "populations_served[0]"),
        (partner_body(unexpected="x"), 422, "unexpected"),
        (partner_body(website="not a url"), 422, "website"),
    ],
)
async def test_bad_input_is_a_problem_and_writes_nothing(client, region, body, status, field):
    content = body if isinstance(body, str) else None
    r = await client.post("/v1/partners", content=content, json=None if content else body,
                          headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert {"type", "title", "status", "detail", "instance"} <= problem.keys()
    if field:
        assert field in [e["field"] for e in problem["errors"]], problem
    assert await _count(client) == 0


async def test_unknown_id_and_malformed_id_are_4xx(client, region):
    assert (await client.get("/v1/partners/00000000-0000-0000-0000-000000000000")).status_code == 404
    assert (await client.get("/v1/partners/not-a-uuid")).status_code == 422
    r = await client.patch("/v1/partners/00000000-0000-0000-0000-000000000000", json={"capacity": 1})
    assert r.status_code == 404


async def test_null_for_a_required_field_in_patch_is_422(client, region):
    p = await _create(client)
    r = await client.patch(f"/v1/partners/{p['id']}", json={"name": None})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "name"


async def test_duplicate_external_id_is_409(client, region):
    await _create(client, external_ids=[{"source": "or-wd", "id": "A1"}])
    body = partner_body(name="Other", external_ids=[{"source": "or-wd", "id": "A1"}])
    r = await client.post("/v1/partners", json=body)
    assert r.status_code == 409
    assert await _count(client) == 1


async def test_paging_walks_every_partner_once_with_link_headers(client, region):
    for i in range(7):
        await _create(client, name=f"Partner {i:02d}")
    seen: list[str] = []
    url: str | None = "/v1/partners?limit=3"
    while url:
        r = await client.get(url)
        assert r.status_code == 200
        seen += [p["name"] for p in r.json()["items"]]
        link = r.headers.get("link")
        url = link[1 : link.index(">")] if link else None
        assert (link is None) == (r.json()["next_cursor"] is None)
    assert seen == [f"Partner {i:02d}" for i in range(7)]


async def test_forged_cursor_is_422(client, region):
    r = await client.get("/v1/partners", params={"cursor": "garbage"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "cursor"


async def test_unknown_query_parameter_is_422(client, region):
    r = await client.get("/v1/partners", params={"partnertype": "employer"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "partnertype"


async def test_filters_combine_with_and(client, region):
    await _create(client, name="A college", partner_type="educational_institution", populations_served=["youth"])
    await _create(client, name="A board", partner_type="workforce_agency", populations_served=["youth"])
    await _create(client, name="B college", partner_type="educational_institution", populations_served=["veteran"])
    r = await client.get("/v1/partners", params={"partner_type": "educational_institution", "population": "youth"})
    assert [p["name"] for p in r.json()["items"]] == ["A college"]


async def test_service_category_filter_includes_child_categories(client, region):
    p = await _create(client, name="Helper")
    await _create(client, name="Other")
    r = await client.post(f"/v1/partners/{p['id']}/services", json={"name": "Bus passes", "category": "transportation"})
    assert r.status_code == 201, r.text
    r = await client.get("/v1/partners", params={"service_category": "support_services"})
    assert [x["name"] for x in r.json()["items"]] == ["Helper"]


async def test_near_orders_by_distance_and_radius_bounds(client, region):
    await _create(client, name="Far", latitude=45.52, longitude=-122.68)   # ~70 km away
    await _create(client, name="Near", latitude=44.95, longitude=-123.03)  # ~6 km away
    await _create(client, name="Nowhere", latitude=None, longitude=None)
    r = await client.get("/v1/partners", params={"near": "44.9,-123.0"})
    assert [x["name"] for x in r.json()["items"]] == ["Near", "Far"]
    r = await client.get("/v1/partners", params={"near": "44.9,-123.0", "radius_km": 20})
    assert [x["name"] for x in r.json()["items"]] == ["Near"]
    assert (await client.get("/v1/partners", params={"near": "200,0"})).status_code == 422


async def test_full_text_search_ranks_name_matches_first(client, region):
    await _create(client, name="Welding Institute", description="Metal trades")
    await _create(client, name="General College", description="Offers welding among many programs")
    await _create(client, name="Bakery", description="Bread")
    r = await client.get("/v1/partners", params={"q": "welding"})
    assert [x["name"] for x in r.json()["items"]] == ["Welding Institute", "General College"]


async def test_services_crud_under_partner(client, region):
    p = await _create(client)
    base = f"/v1/partners/{p['id']}/services"
    r = await client.post(base, json={"name": "CNA program", "category": "occupational_training", "capacity": 40,
                                      "occupations": ["29-1141"], "program_cip": "51.3902"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert (await client.get(base)).json()["items"][0]["name"] == "CNA program"
    r = await client.patch(f"{base}/{sid}", json={"capacity": 60}, headers={"If-Match": '"v1"'})
    assert r.json()["capacity"] == 60
    assert (await client.post(base, json={"name": "x", "category": "nope"})).status_code == 422
    assert (await client.delete(f"{base}/{sid}")).status_code == 204
    assert (await client.get(f"{base}/{sid}")).status_code == 404


async def test_oversized_body_is_413_problem(client, region):
    r = await client.post("/v1/partners", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                          headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"] == PROBLEM


async def test_request_id_is_honoured_and_returned(client, region):
    r = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"


async def test_readyz_reports_database_at_head(client):
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


async def test_reference_vocabularies_are_served(client):
    types = (await client.get("/v1/reference/partner-types")).json()
    assert {"employer", "vocational_rehabilitation", "workforce_agency"} <= {t["code"] for t in types}
    pops = {p["code"]: p for p in (await client.get("/v1/reference/populations")).json()}
    assert pops["disability"]["ceds_code"] == "202"
    assert pops["ex_offender"]["ceds_code"] == "801"


async def test_service_codes_are_validated_and_normalized(client, region):
    p = await _create(client)
    base = f"/v1/partners/{p['id']}/services"
    r = await client.post(base, json={"name": "RN", "category": "occupational_training",
                                      "occupations": ["291141", "29-1141.00"], "program_cip": "513801"})
    assert r.status_code == 201, r.text
    assert r.json()["occupations"] == ["29-1141"]
    assert r.json()["program_cip"] == "51.3801"
    r = await client.post(base, json={"name": "Bad", "category": "training", "occupations": ["29-11"]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "occupations[0]"
    r = await client.post(base, json={"name": "Bad", "category": "training", "program_cip": "5"})
    assert r.json()["errors"][0]["field"] == "program_cip"
