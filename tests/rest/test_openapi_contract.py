"""The REST contract says everything the service does, by rules over the whole route table.

Each test walks every operation of the live application (so a route added anywhere is held to the rules at
merge): names, security, headers, statuses, descriptions, examples, bulk bodies, problem types, the one rule
for query parameters, caching of directory reads, CORS.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi import FastAPI

from api.contract import HEADERS
from api.contract.operations import OPERATION_ID_RE, OPERATION_IDS
from api.deps import UNMETERED_PATHS
from api.main import EXPOSED_HEADERS, IDEMPOTENCY_EXEMPT, create_app, install_database
from api.problems import HTTP_SLUGS, STATUS_OF, problem_types
from api.repositories.database import Database
from api.settings import Settings
from tests.conftest import add_region, partner_body

METHODS = {"get", "put", "post", "delete", "patch"}
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return create_app(Settings(environment="test"), manage_database=False).openapi()  # type: ignore[call-arg]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items() if m in METHODS]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        kind, name = node["$ref"].split("/")[-2:]
        node = spec["components"][kind][name]
    return node


def test_every_operation_has_a_short_unique_operation_id_in_the_convention(spec):
    seen: dict[str, str] = {}
    for method, path, op in _operations(spec):
        assert (method, path) in OPERATION_IDS, f"{method} {path} has no operationId in api/contract/operations.py"
        name = op["operationId"]
        assert OPERATION_ID_RE.match(name) and len(name) <= 40, f"{method} {path}: {name}"
        assert name not in seen, f"{name} names both {seen[name]} and {method} {path}"
        seen[name] = f"{method} {path}"
    stale = set(OPERATION_IDS) - {(m, p) for m, p, _ in _operations(spec)}
    assert not stale, f"operationIds of operations that no longer exist: {stale}"


def test_every_tag_is_declared_with_a_description(spec):
    declared = {t["name"]: t.get("description") for t in spec["tags"]}
    assert all(declared.values())
    used = {t for _, _, op in _operations(spec) for t in op.get("tags", [])}
    assert used <= set(declared), f"undeclared tags: {used - set(declared)}"


def test_the_description_names_its_servers_contact_and_licence(spec):
    assert spec["servers"] and spec["info"]["contact"]["name"] and spec["info"]["license"]["name"]


def test_every_operation_declares_the_security_its_access_policy_enforces(spec):
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {**spec["components"]["securitySchemes"]
                                                                   ["bearerAuth"], "type": "http", "scheme": "bearer"}
    for method, path, op in _operations(spec):
        scope = op.get("x-required-scope")
        if scope == "public":
            assert op["security"] == [], f"{method} {path}"
        elif scope == "directory:read":
            assert op["security"] == [{"bearerAuth": []}, {}], f"{method} {path}: anonymous reads are allowed"
        else:
            assert op["security"] == [{"bearerAuth": []}], f"{method} {path}"
            assert f"`{scope}`" in op["description"], f"{method} {path} does not name its scope"


def test_a_closed_directory_says_directory_reads_need_a_key():
    closed = create_app(Settings(environment="test", public_directory_read=False),  # type: ignore[call-arg]
                        manage_database=False).openapi()
    assert closed["paths"]["/v1/partners"]["get"]["security"] == [{"bearerAuth": []}]


def test_every_operation_has_a_description_and_every_schema_and_property_too(spec):
    for method, path, op in _operations(spec):
        assert op.get("description"), f"{method} {path} has no description"
    missing = []
    for name, schema in spec["components"]["schemas"].items():
        if not schema.get("description"):
            missing.append(name)
        missing += [f"{name}.{prop}" for prop, d in schema.get("properties", {}).items() if not d.get("description")]
    assert not missing, ("describe these in the model (Field(description=...)) or in api/contract/glossary.py: "
                         f"{missing}")


def _validator(spec: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    root = {"components": spec["components"], **schema}
    return jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())


def test_every_request_body_and_main_response_has_an_example_that_matches_its_schema(spec):
    for method, path, op in _operations(spec):
        media = list(op.get("requestBody", {}).get("content", {}).items())
        main = sorted(s for s in op["responses"] if s.startswith("2"))[0]
        media += list(op["responses"][main].get("content", {}).items())
        for media_type, content in media:
            assert "example" in content, f"{method} {path} {media_type} has no example"
            errors = list(_validator(spec, content["schema"]).iter_errors(content["example"]))
            assert not errors, f"{method} {path} {media_type}: {errors[0].message}"


def test_closed_lists_of_values_are_enums_not_patterns(spec):
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            assert not re.fullmatch(r"\^\([\w |-]+\)\$", str(node.get("pattern", ""))), where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")
    walk(spec, "#")


def test_problems_are_documented_as_problem_json_only_and_every_metered_operation_can_answer_429_and_503(spec):
    for method, path, op in _operations(spec):
        for status, response in op["responses"].items():
            if status[0] in "45" and not (path == "/readyz" and status == "503"):
                assert list(response["content"]) == [PROBLEM], f"{method} {path} {status}"
            assert "X-Request-ID" in response["headers"], f"{method} {path} {status}"
        if path in UNMETERED_PATHS:
            continue
        for status in ("429", "503"):
            assert status in op["responses"], f"{method} {path} does not document {status}"
            assert _resolve(spec, op["responses"][status]["headers"]["Retry-After"])["required"]
        assert "RateLimit-Remaining" in op["responses"][sorted(op["responses"])[0]]["headers"]


def _parameter_names(spec: dict[str, Any], op: dict[str, Any]) -> set[str]:
    return {_resolve(spec, p)["name"] for p in op.get("parameters", [])}


def test_request_headers_are_declared_where_they_are_honoured(spec):
    for method, path, op in _operations(spec):
        names = _parameter_names(spec, op)
        if method == "POST" and not path.startswith(IDEMPOTENCY_EXEMPT):
            assert "Idempotency-Key" in names, f"{method} {path}"
            assert "Idempotent-Replayed" in op["responses"][sorted(op["responses"])[0]]["headers"]
        if "304" in op["responses"]:
            assert "If-None-Match" in names, f"{method} {path}"
            assert "ETag" in op["responses"]["304"]["headers"], f"{method} {path}"
        versioned = "304" in spec["paths"][path].get("get", {}).get("responses", {})
        if method == "PATCH" and versioned and path.startswith("/v1/"):
            assert "If-Match" in names, f"{method} {path} changes a versioned record without If-Match"
        for status, response in op["responses"].items():
            if status == "201":
                assert "Location" in response["headers"], f"{method} {path}"


def test_bulk_bodies_are_binary_with_the_schema_of_one_line(spec):
    bulk = 0
    for method, path, op in _operations(spec):
        contents = list(op.get("requestBody", {}).get("content", {}).items())
        contents += [(t, c) for r in op["responses"].values() for t, c in r.get("content", {}).items()]
        for media_type, content in contents:
            if media_type in ("application/x-ndjson", "text/csv"):
                bulk += 1
                assert content["schema"] == {"type": "string", "format": "binary"} or (
                    content["schema"].get("format") == "binary"), f"{method} {path} {media_type}"
                item = content["x-itemSchema"]
                for ref in [item, *item.get("oneOf", []), *item.get("anyOf", [])]:
                    if "$ref" in ref:
                        assert _resolve(spec, ref).get("properties"), f"{method} {path}: {ref}"
    assert bulk >= 10
    assert "requestBody" in spec["paths"]["/v1/sync/hsds"]["post"]


def test_cors_exposes_every_response_header_the_description_documents(spec):
    documented = {name for _, _, op in _operations(spec) for r in op["responses"].values() for name in
                  r.get("headers", {})}
    assert documented <= set(EXPOSED_HEADERS) | {"Cache-Control"}
    assert set(HEADERS) <= set(EXPOSED_HEADERS)


def test_every_problem_type_the_service_sends_has_a_page_listed_in_the_description(spec):
    names = set(problem_types())
    assert {slug for _, _, slug in STATUS_OF} <= names
    assert set(HTTP_SLUGS.values()) <= names
    assert {"function-already-has-lead", "duplicate-external-id", "database-unavailable"} <= names
    for name in names:
        assert f"(/problems/{name})" in spec["info"]["description"]


def test_list_settings_take_comma_separated_values_as_well_as_json(monkeypatch):
    monkeypatch.setenv("PATHWAYS_CORS_ORIGINS", "https://portal.example, https://app.example")
    assert Settings().cors_origins == ["https://portal.example", "https://app.example"]
    monkeypatch.setenv("PATHWAYS_CORS_ORIGINS", '["https://portal.example"]')
    assert Settings().cors_origins == ["https://portal.example"]


# --- against a running application -----------------------------------------------------------------------------


def _url(spec: dict[str, Any], path: str, op: dict[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        param = next(_resolve(spec, p) for p in op.get("parameters", []) if _resolve(spec, p)["name"] == match[1])
        schema = param["schema"]
        return str(schema["enum"][0]) if "enum" in schema else "x" if schema.get("format") != "uuid" else str(
            uuid.uuid4())
    return re.sub(r"\{([^}]+)\}", value, path)


async def test_an_unknown_query_parameter_is_a_422_naming_it_on_every_operation(client, spec):
    wrong = []
    for method, path, op in _operations(spec):
        r = await client.request(method, _url(spec, path, op), params={"severty": "high"})
        fields = [e["field"] for e in r.json().get("errors", [])] if r.headers.get("content-type") == PROBLEM else []
        if r.status_code != 422 or "severty" not in fields:
            wrong.append(f"{method} {path}: {r.status_code} {fields}")
    assert not wrong, "\n".join(wrong)


async def test_gaps_refuse_a_filter_they_do_not_have_instead_of_returning_every_gap(client):
    r = await client.get(f"/v1/systems/{uuid.uuid4()}/gaps", params={"severity": "high", "region": "or-north"})
    assert r.status_code == 422 and r.json()["errors"] == [{"field": "region",
                                                            "message": "is not a parameter of this operation"}]
    r = await client.get(f"/v1/systems/{uuid.uuid4()}/review", params={"as_of": "2026-01-01", "severity": "urgent"})
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["severity"]


async def test_each_problem_type_resolves_to_a_page_saying_what_to_do(client):
    r = await client.post("/v1/partners", json={"name": ""})
    assert r.status_code == 422
    page = await client.get(r.json()["type"])
    assert page.status_code == 200 and page.json()["name"] == "invalid-input" and page.json()["action"]
    html = await client.get(r.json()["type"], headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "What to do" in html.text
    assert (await client.get("/problems/no-such-thing")).status_code == 404
    listed = (await client.get("/problems")).json()
    assert {p["name"] for p in listed} == set(problem_types())
    assert (await client.get("/v1/nowhere")).json()["type"] == "/problems/not-found"


async def test_directory_reads_carry_cache_control_and_an_etag_that_revalidates(client, anon_client):
    await add_region(client, "or-test")
    assert (await client.post("/v1/partners", json=partner_body())).status_code == 201
    first = await anon_client.get("/v1/partners")
    assert first.headers["cache-control"] == "public, no-cache" and first.headers["etag"]
    again = await anon_client.get("/v1/partners", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == first.headers["etag"]
    assert again.headers["ratelimit-limit"], "every metered response says its rate limit"
    keyed = await client.get("/v1/partners")
    assert keyed.headers["cache-control"] == "private, no-cache"
    assert (await client.post("/v1/partners", json=partner_body(name="Other College"))).status_code == 201
    changed = await anon_client.get("/v1/partners", headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]


async def test_hsds_minimal_lists_only_ids_and_modification_times(client, anon_client):
    await add_region(client, "or-test")
    partner = (await client.post("/v1/partners", json=partner_body())).json()
    r = await client.post(f"/v1/partners/{partner['id']}/services",
                          json={"name": "Nursing", "category": "occupational_training"})
    assert r.status_code == 201, r.text
    page = await anon_client.get("/hsds/services", params={"minimal": "true"})
    assert page.status_code == 200, page.text
    assert [set(c) for c in page.json()["contents"]] == [{"id", "last_modified"}]
    lines = await anon_client.get("/hsds/services", params={"minimal": "true", "format": "ndjson"})
    assert lines.text.count("\n") == 1 and '"name"' not in lines.text


async def test_cors_lets_browser_clients_read_rate_limits_and_replays(clean_db: Database, admin_key):
    app: FastAPI = create_app(Settings(environment="test", cors_origins=["https://portal.example"]),  # type: ignore[call-arg]
                              manage_database=False)
    install_database(app, clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        r = await c.get("/v1/partners", headers={"Origin": "https://portal.example"})
    exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
    assert {"ratelimit-remaining", "retry-after", "idempotent-replayed", "etag", "link", "x-request-id"} <= exposed
