"""What property-based testing (``make fuzz``) found, each pinned by the smallest request that showed it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.deps import UNMETERED_PATHS
from tests.conftest import add_region, partner_body
from tests.readiness_support import partner, system_with_members

ROOT = Path(__file__).resolve().parents[2]
PROBLEM = "application/problem+json"


@pytest.fixture
async def region(client) -> str:
    await add_region(client, "or-test")
    return "or-test"


def _is_invalid_input_problem(r) -> bool:
    return (r.status_code, r.headers["content-type"], r.json()["type"]) == (
        422, PROBLEM, "/problems/invalid-input")


async def test_a_csv_title_line_with_a_bare_carriage_return_is_a_422_naming_the_line_not_a_500(client):
    body = b"code,title\r\n29-1141,Registered Nurses\r\n\r\xc3\xb6Y;V\r\n"
    r = await client.post("/v1/labor-market/titles", params={"scheme": "soc"}, content=body,
                          headers={"content-type": "text/csv"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"line": 3, "field": "", "message": r.json()["errors"][0]["message"]}]
    assert "not valid CSV" in r.json()["errors"][0]["message"]
    titles = await client.get("/v1/reference/occupations", params={"level": "detailed"})
    assert titles.json()["items"] == [], "an atomic load that failed wrote nothing"


async def test_null_for_a_required_system_field_in_a_patch_is_a_422_naming_each_field_not_a_500(client, region):
    created = await client.post("/v1/systems", json={"name": "Test Valley Pathways", "level": "local",
                                                     "jurisdiction": {"state": "OR", "local_area": region}})
    assert created.status_code == 201, created.text
    system = created.json()
    r = await client.patch(f"/v1/systems/{system['id']}",
                           json={"goals": None, "review_cadence_months": None, "jurisdiction": None, "vision": "v"})
    assert _is_invalid_input_problem(r), r.text
    assert sorted(e["field"] for e in r.json()["errors"]) == ["goals", "jurisdiction", "review_cadence_months"]
    after = (await client.get(f"/v1/systems/{system['id']}")).json()
    assert (after["version"], after["vision"]) == (system["version"], system["vision"])


@pytest.mark.parametrize("request_args", [
    ("POST", "/v1/partners", {"json": partner_body(name="Cascade\x00College")}),
    ("POST", "/v1/partners", {"json": partner_body(contacts=[{"name": "Pat\x00"}])}),
    ("GET", "/v1/partners", {"params": {"q": "nurs\x00ing"}}),
    ("GET", "/v1/labor-market/in-demand", {"params": {"region": "or\x00test"}}),
], ids=["text-column", "jsonb-document", "search", "query-filter"])
async def test_a_nul_character_in_any_text_is_a_422_problem_and_stores_nothing(client, region, request_args):
    method, url, kwargs = request_args
    r = await client.request(method, url, **kwargs)
    assert _is_invalid_input_problem(r), r.text
    assert "NUL" in r.json()["detail"]
    assert (await client.get("/v1/partners")).json()["items"] == []


async def test_405_lists_every_method_the_path_serves_in_allow(client):
    r = await client.put("/v1/partners/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 405
    assert r.headers["content-type"] == PROBLEM
    assert r.headers["allow"] == "DELETE, GET, PATCH"
    r = await client.delete("/v1/partners")
    assert r.headers["allow"] == "GET, POST"


async def test_patch_or_delete_on_goals_from_gap_is_405_not_a_malformed_goal_id(client):
    """goals/from-gap sits beside goals/{goal_id}: only a UUID is a goal id, so other methods there are 405."""
    path = "/v1/systems/3fa85f64-5717-4562-b3fc-2c963f66afa6/action-plan/goals/from-gap"
    for method in ("PATCH", "DELETE"):
        r = await client.request(method, path, json={"title": "x"})
        assert r.status_code == 405, r.text
        assert r.headers["allow"] == "POST"
        assert r.headers["content-type"] == "application/problem+json"


def test_every_operation_documents_the_problems_any_request_can_meet():
    # The committed description (tests/test_contracts.py proves it is what the code generates).
    spec = json.loads((ROOT / "openapi" / "openapi.json").read_text())
    assert "HTTPValidationError" not in spec["components"]["schemas"], "the service never sends FastAPI's default"
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            responses = op["responses"]
            if path in UNMETERED_PATHS:
                assert not {"401", "403", "429"} & set(responses), f"{where}: probes neither authenticate nor count"
                continue
            for status in ("401", "429", *(["403"] if op.get("x-required-scope") != "public" else [])):
                assert PROBLEM in responses.get(status, {}).get("content", {}), f"{where} does not document {status}"
            if "requestBody" in op:
                assert "413" in responses, f"{where} does not document 413"
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                assert "400" in responses, f"{where} does not document malformed JSON (400)"
            if "422" in responses:
                assert set(responses["422"]["content"]) >= {PROBLEM}, f"{where}: 422 is problem+json"


async def test_an_export_whose_query_the_database_refuses_is_a_problem_not_a_cut_stream(client):
    r = await client.get("/v1/export/partners", params={"local_area": "\x00", "updated_since": "2000-01-01T00:00:00Z"})
    assert _is_invalid_input_problem(r), r.text
    ok = await client.get("/v1/export/partners")
    assert (ok.status_code, ok.text) == (200, "")


async def test_the_first_and_last_dates_of_the_calendar_are_stored_and_read_back_as_sent(client):
    system, (first,) = await system_with_members(client, members=1)
    extra = await partner(client, "Member joined at the dawn of time")
    r = await client.post(f"/v1/systems/{system}/members",
                          json={"partner_id": extra, "representative": "Pat", "joined_on": "0001-01-01"})
    assert r.status_code == 201, r.text
    members = {m["partner_id"]: m for m in (await client.get(f"/v1/systems/{system}")).json()["members"]}
    assert members[extra]["joined_on"] == "0001-01-01"
    goal = await client.post(f"/v1/systems/{system}/action-plan/goals", json={"title": "Engage employers"})
    item = await client.post(f"/v1/systems/{system}/action-plan/items",
                             json={"goal_id": goal.json()["id"], "owner_id": first, "description": "Call",
                                   "due_on": "9999-12-31"})
    assert item.status_code == 201, item.text
    plan = (await client.get(f"/v1/systems/{system}/action-plan")).json()
    assert [i["due_on"] for g in plan["goals"] for i in g["items"]] == ["9999-12-31"]


async def test_a_post_without_a_key_is_a_401_whatever_idempotency_key_it_carries(anon_client):
    for body in (partner_body(), partner_body(name="Another College"), partner_body()):
        r = await anon_client.post("/v1/partners", json=body, headers={"Idempotency-Key": "same-key"})
        assert (r.status_code, r.json()["type"]) == (401, "/problems/unauthenticated"), r.text
