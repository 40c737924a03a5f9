"""The HSDS 3.0 API: every object validates against the official schemas; paging, filters, NDJSON; the mapping.

The HSDS reference (JSON schemas and examples) is read from ``HSDS_REFERENCE_DIR``, by default
``../shared/reference/hsds-3.0`` next to the repository; the tests that need it are skipped, saying so,
where it is absent.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import httpx
import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from api import reference_data
from api.domain.errors import InvalidInput
from api.domain.partners import Address, Contact, DeliveryMode, ExternalId, Jurisdiction, Level, Partner, Service
from api.domain.partners import Status as RecordStatus
from api.domain.reference import Catalog, PartnerType, Population, Region, ServiceCategory
from api.domain.systems import role_catalog_from_dicts
from api.hsds import mapping as hsds
from api.hsds import reading
from api.schemas.partners import PartnerCreate, ServiceCreate
from tests.conftest import add_region, partner_body

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = Path(os.environ.get("HSDS_REFERENCE_DIR") or ROOT.parent / "shared" / "reference" / "hsds-3.0")
BASE = "https://hsds.invalid/schema/"
NDJSON = "application/x-ndjson"


# --- the official schemas ------------------------------------------------------------------------------------


def _format_checker() -> FormatChecker:
    checker = FormatChecker()  # uuid, email, date, ... from jsonschema; uri and date-time added here

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and bool(parts.netloc or parts.path) and " " not in value

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.tzinfo is not None and "T" in value

    return checker


@cache
def _registry() -> Registry:
    resources = []
    for folder, prefix in ((REFERENCE, ""), (REFERENCE / "compiled", "compiled/")):
        for file in sorted(folder.glob("*.json")):
            if file.name == "openapi.json":
                continue
            contents = json.loads(file.read_text(encoding="utf-8"))
            resources.append((BASE + prefix + file.name, Resource.from_contents(contents, DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def _validator(schema: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": BASE + schema}, registry=_registry(), format_checker=_format_checker())


@pytest.fixture(scope="module")
def reference() -> Path:
    if not (REFERENCE / "organization.json").is_file():
        pytest.skip(f"the HSDS 3.0 reference is not at {REFERENCE} (set HSDS_REFERENCE_DIR to the folder holding "
                    "organization.json, service.json, ... and examples/)")
    return REFERENCE


def assert_valid(schema: str, obj: dict[str, Any]) -> None:
    """Validate ``obj`` against an HSDS schema, and what it nests beyond the schema against theirs."""
    errors = sorted(_validator(schema).iter_errors(obj), key=lambda e: list(e.path))
    assert not errors, f"{schema}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    for s in obj.get("services", []):  # organizations nest their services (as in the HSDS examples)
        assert_valid("service.json", s)
    if isinstance(obj.get("service"), dict):  # service_at_locations nest their service
        assert_valid("service.json", obj["service"])


LIST_SCHEMAS = {
    "services": ("service.json", "compiled/service_list.json"),
    "organizations": ("organization.json", "compiled/organization_list.json"),
    "service_at_locations": ("service_at_location.json", "compiled/service_at_location_list.json"),
    "taxonomies": ("taxonomy.json",),
    "taxonomy_terms": ("taxonomy_term.json",),
}


def assert_all_valid(endpoint: str, objects: list[dict[str, Any]], *, full: bool) -> None:
    schemas = LIST_SCHEMAS[endpoint] if not full else LIST_SCHEMAS[endpoint][:1]
    for obj in objects:
        for schema in schemas:
            assert_valid(schema, obj)


# --- a small directory ---------------------------------------------------------------------------------------


async def _partner(client: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    r = await client.post("/v1/partners", json=partner_body(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


async def _service(client: httpx.AsyncClient, partner_id: str, **body: Any) -> dict[str, Any]:
    r = await client.post(f"/v1/partners/{partner_id}/services", json=body)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
async def directory(client: httpx.AsyncClient) -> dict[str, Any]:
    await add_region(client, "or-test")
    college = await _partner(
        client, address={"street": "1 College Way", "city": "Salem", "state": "OR", "postal_code": "97301"},
        contacts=[{"name": "Ana Ruiz", "title": "Dean", "email": "ana@cascade.example.edu", "phone": "503-555-0100"},
                  {"name": "Lee Park"}],
        external_ids=[{"source": "or-wd", "id": "A1"}], funding_streams=["perkins_v"], capacity=400,
        website="https://cascade.example.edu", assets="Welding lab", populations_served=["low_income", "veteran"],
    )
    welding = await _service(
        client, college["id"], name="Welding certificate", category="occupational_training",
        description="Two-term welding program", populations=["low_income"], regions=["or-test"],
        funding_streams=["wioa_title_i_adult"], program_cip="48.0508", occupations=["51-4121"],
        credential="AWS D1.1", capacity=24, delivery_mode="hybrid", external_ids=[{"source": "or-etpl", "id": "W9"}],
    )
    childcare = await _service(client, college["id"], name="Campus child care", category="child_care",
                               status="retired")
    agency = await _partner(client, name="Salem Job Center", partner_type="workforce_agency", latitude=None,
                            longitude=None, populations_served=[], description="American Job Center")
    job_search = await _service(client, agency["id"], name="Job search workshop", category="job_search",
                                populations=["veteran"])
    gone = await _partner(client, name="Closed Nonprofit", partner_type="community_based_organization",
                          status="retired")
    await _service(client, gone["id"], name="Closed service", category="housing")
    return {"college": college, "agency": agency, "welding": welding, "childcare": childcare,
            "job_search": job_search, "gone": gone}


async def _get(client: httpx.AsyncClient, url: str, **params: Any) -> dict[str, Any]:
    r = await client.get(url, params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return r.json()


async def _ndjson(client: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    r = await client.get(url, params={**params, "format": "ndjson"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith(NDJSON)
    assert r.text.endswith("\n") or r.text == ""
    return [json.loads(line) for line in r.text.splitlines()]


async def _term_id(client: httpx.AsyncClient, taxonomy: str, code: str) -> str:
    terms = await _ndjson(client, "/hsds/taxonomy_terms")
    return next(t["id"] for t in terms if t["term_uri"] == f"urn:pathways:{taxonomy}:{code}")


# --- validation against the official schemas -----------------------------------------------------------------


async def test_every_object_of_every_endpoint_validates_against_the_hsds_schemas(client, directory, reference):
    checked: dict[str, int] = {}
    for endpoint in LIST_SCHEMAS:
        variants: list[dict[str, Any]] = [{}]
        if endpoint in ("services", "organizations", "service_at_locations"):
            variants += [{"full": "true"}]
        if endpoint == "organizations":
            variants += [{"full_service": "true"}]
        for params in variants:
            full = bool(params)
            page = await _get(client, f"/hsds/{endpoint}", per_page=500, **params)
            assert page["contents"], f"/hsds/{endpoint} {params} returned nothing to validate"
            assert_all_valid(endpoint, page["contents"], full=full)
            assert_all_valid(endpoint, await _ndjson(client, f"/hsds/{endpoint}", **params), full=full)
            for obj in page["contents"]:
                single = await _get(client, f"/hsds/{endpoint}/{obj['id']}")
                assert_valid(LIST_SCHEMAS[endpoint][0], single)
                checked[endpoint] = checked.get(endpoint, 0) + 1
    assert {k: v for k, v in checked.items() if k != "taxonomy_terms"} == {
        "services": 6, "organizations": 6, "service_at_locations": 4, "taxonomies": 4}
    assert checked["taxonomy_terms"] > 60


async def test_a_fully_nested_service_carries_what_we_know_about_it(client, directory):
    welding, college = directory["welding"], directory["college"]
    s = await _get(client, f"/hsds/services/{welding['id']}")
    assert s["organization_id"] == college["id"] and s["organization"]["id"] == college["id"]
    assert s["status"] == "active" and s["last_modified"].endswith("Z")
    assert [a["uri"] for a in s["service_areas"]] == ["urn:pathways:region:or-test"]
    assert s["service_areas"][0]["name"] == "Region or-test"
    assert [f["source"] for f in s["funding"]] == ["wioa_title_i_adult"]
    terms = {a["taxonomy_term"]["term_uri"] for a in s["attributes"]}
    assert {"urn:pathways:service_category:occupational_training", "urn:pathways:population:low_income"} <= terms
    assert any(t.startswith("urn:pathways:function:") for t in terms)  # training supports some functions
    (sal,) = s["service_at_locations"]
    assert sal["id"] == str(hsds.service_at_location_id(UUID(welding["id"])))
    assert sal["location"]["addresses"][0]["address_1"] == "1 College Way"
    assert s["x_pathways"] == {"delivery_mode": "hybrid", "capacity": 24, "program_cip": "48.0508",
                               "occupations": ["51-4121"], "credential": "AWS D1.1",
                               "external_ids": [{"source": "or-etpl", "id": "W9"}]}
    org = s["organization"]
    assert org["organization_identifiers"][0]["identifier"] == "A1"
    assert org["contacts"][0]["phones"][0]["number"] == "503-555-0100"
    assert org["x_pathways"]["jurisdiction"] == {"state": "OR", "local_area": "or-test"}


async def test_retired_services_are_defunct_and_retired_partners_are_not_published(client, directory):
    services = {s["name"]: s for s in await _ndjson(client, "/hsds/services")}
    assert services["Campus child care"]["status"] == "defunct"
    assert "Closed service" not in services
    assert {o["name"] for o in await _ndjson(client, "/hsds/organizations")} == {
        "Cascade Community College", "Salem Job Center"}


async def test_service_at_locations_exist_only_where_the_partner_has_a_location(client, directory):
    sals = await _ndjson(client, "/hsds/service_at_locations")
    assert {s["service_id"] for s in sals} == {directory["welding"]["id"], directory["childcare"]["id"]}
    job_search = hsds.service_at_location_id(UUID(directory["job_search"]["id"]))
    r = await client.get(f"/hsds/service_at_locations/{job_search}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    sal = await _get(client, f"/hsds/service_at_locations/{sals[0]['id']}")
    assert sal["service"]["id"] == sals[0]["service_id"]
    zip_match = await _get(client, "/hsds/service_at_locations", postcode="97301")
    assert zip_match["total_items"] == 2
    assert (await _get(client, "/hsds/service_at_locations", postcode="99999"))["empty"] is True
    r = await client.get("/hsds/service_at_locations", params={"postcode": "97301", "proximity": "1000"})
    assert r.status_code == 422 and "proximity" in r.text


# --- filters -------------------------------------------------------------------------------------------------


async def _names(client: httpx.AsyncClient, url: str = "/hsds/services", **params: Any) -> set[str]:
    return {s.get("name") or s["service"]["name"] for s in (await _get(client, url, **params))["contents"]}


async def test_taxonomy_filters_follow_our_vocabularies(client, directory):
    training = await _term_id(client, "service_category", "training")
    assert await _names(client, taxonomy_term_id=training) == {"Welding certificate"}  # narrower terms count
    low_income = await _term_id(client, "population", "low_income")
    assert await _names(client, taxonomy_term_id=low_income) == {"Welding certificate"}
    agency_type = await _term_id(client, "partner_type", "workforce_agency")
    assert await _names(client, taxonomy_term_id=agency_type) == {"Job search workshop"}
    job_search = await _term_id(client, "function", "provide_job_search_assistance")
    assert await _names(client, taxonomy_term_id=job_search) == {"Job search workshop"}
    populations = str(hsds.taxonomy_id("population"))
    assert await _names(client, taxonomy_id=populations) == {"Welding certificate", "Job search workshop"}
    assert await _names(client, taxonomy_id=populations, taxonomy_term_id=low_income) == {"Welding certificate"}
    assert await _names(client, taxonomy_term_id=str(uuid4())) == set()
    assert await _names(client, "/hsds/service_at_locations", taxonomy_term_id=training) == {"Welding certificate"}


async def test_organization_and_search_filters(client, directory):
    agency = directory["agency"]["id"]
    assert await _names(client, organization_id=agency) == {"Job search workshop"}
    assert await _names(client, search="welding") == {"Welding certificate"}
    assert await _names(client, search="Salem Job Center") == {"Job search workshop"}  # via its partner
    orgs = await _get(client, "/hsds/organizations", search="job center")
    assert [o["id"] for o in orgs["contents"]] == [agency]
    r = await client.get("/hsds/services", params={"organization_id": "not-a-uuid"})
    assert r.status_code == 422


async def test_modified_after_sees_changes_of_the_service_and_of_its_organization(client, directory):
    welding = directory["welding"]
    cut = (await client.get(f"/v1/partners/{directory['agency']['id']}")).json()["updated_at"]
    assert await _names(client, modified_after=cut) == {"Job search workshop"}  # created last among partners
    r = await client.patch(f"/v1/partners/{welding['partner_id']}/services/{welding['id']}",
                           json={"description": "Now three terms"})
    assert r.status_code == 200
    changed = r.json()["updated_at"]
    assert await _names(client, modified_after=changed) == {"Welding certificate"}
    r = await client.patch(f"/v1/partners/{directory['agency']['id']}", json={"description": "Moved"})
    assert await _names(client, modified_after=changed) == {"Welding certificate", "Job search workshop"}
    future = datetime(2999, 1, 1).isoformat()  # no offset: read as UTC
    assert (await _get(client, "/hsds/services", modified_after=future))["empty"] is True
    orgs = await _get(client, "/hsds/organizations", modified_after=r.json()["updated_at"])
    assert [o["name"] for o in orgs["contents"]] == ["Salem Job Center"]


async def test_taxonomy_terms_publish_hierarchy_and_ceds_codes(client, directory):
    categories = str(hsds.taxonomy_id("service_category"))
    page = await _get(client, "/hsds/taxonomy_terms", taxonomy_id=categories, per_page=500)
    assert page["total_items"] == len(reference_data.load("service_categories"))
    training = await _term_id(client, "service_category", "training")
    children = await _get(client, "/hsds/taxonomy_terms", parent_id=training, per_page=500)
    assert "occupational_training" in {t["code"] for t in children["contents"]}
    assert all(t["parent_id"] == training for t in children["contents"])
    top = await _get(client, "/hsds/taxonomy_terms", taxonomy_id=categories, top_only="true", per_page=500)
    assert all("parent_id" not in t for t in top["contents"]) and top["total_items"] < page["total_items"]
    low_income = await _get(client, f"/hsds/taxonomy_terms/{await _term_id(client, 'population', 'low_income')}")
    assert low_income["code"] == "802" and low_income["name"] == "Low-income individuals"
    assert (await _get(client, "/hsds/taxonomies", search="population"))["total_items"] == 1
    tax = await _get(client, f"/hsds/taxonomies/{categories}")
    assert tax["name"] == "Pathways service categories"
    assert (await client.get(f"/hsds/taxonomies/{uuid4()}")).status_code == 404
    assert (await client.get(f"/hsds/taxonomy_terms/{uuid4()}")).status_code == 404


# --- paging, NDJSON, the rest of the protocol ----------------------------------------------------------------


@pytest.mark.parametrize(("total", "per_page", "page", "expected"), [
    (10, 3, 1, (4, 3, True, False, False)),
    (10, 3, 4, (4, 1, False, True, False)),
    (10, 3, 5, (4, 0, False, True, True)),
    (9, 3, 3, (3, 3, False, True, False)),
    (0, 50, 1, (0, 0, True, True, True)),
])
def test_page_envelope_arithmetic(total, per_page, page, expected):
    items = [{"id": str(i)} for i in range(total)]
    env = hsds.paginate(items, page=page, per_page=per_page)
    assert (env["total_pages"], env["size"], env["first_page"], env["last_page"], env["empty"]) == expected
    assert env["total_items"] == total and env["page_number"] == page and len(env["contents"]) == env["size"]


async def test_pages_walk_the_whole_list_without_gaps_or_repeats(client, directory):
    agency = directory["agency"]["id"]
    for i in range(6):
        await _service(client, agency, name=f"Workshop {i}", category="job_search")
    seen: list[str] = []
    first = await _get(client, "/hsds/services", per_page=3)
    assert (first["total_items"], first["total_pages"], first["size"]) == (9, 3, 3)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    for n in range(1, first["total_pages"] + 2):
        page = await _get(client, "/hsds/services", per_page=3, page=n)
        assert page["page_number"] == n and page["last_page"] == (n >= 3) and page["empty"] == (n > 3)
        seen += [s["id"] for s in page["contents"]]
    assert len(seen) == len(set(seen)) == 9
    assert [s["id"] for s in await _ndjson(client, "/hsds/services", per_page=3)] == seen  # NDJSON is unpaged
    orgs = await _get(client, "/hsds/organizations", per_page=1, page=2)
    assert (orgs["total_items"], orgs["total_pages"], orgs["size"], orgs["last_page"]) == (2, 2, 1, True)


async def test_ndjson_streams_every_object_in_batches(client, directory, monkeypatch):
    from api.usecases import publishing as uc

    monkeypatch.setattr(uc, "STREAM_BATCH", 1)  # several keyset batches even on a small directory
    services = await _ndjson(client, "/hsds/services", full="true")
    assert len(services) == 3 and all("service_at_locations" in s for s in services)
    assert len({s["id"] for s in services}) == 3
    assert [o["name"] for o in await _ndjson(client, "/hsds/organizations")] == [
        "Cascade Community College", "Salem Job Center"]
    assert len(await _ndjson(client, "/hsds/taxonomies")) == 4


async def test_bad_parameters_are_problems(client, directory):
    for params in ({"per_page": 501}, {"page": 0}, {"format": "xml"}, {"colour": "red"},
                   {"modified_after": "yesterday"}, {"taxonomy_id": "x"}):
        r = await client.get("/hsds/services", params=params)
        assert r.status_code == 422, params
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(f"/hsds/services/{uuid4()}")).status_code == 404
    assert (await client.get(f"/hsds/organizations/{uuid4()}")).status_code == 404


async def test_single_objects_carry_an_etag_and_honour_if_none_match(client, directory):
    url = f"/hsds/organizations/{directory['college']['id']}"
    r = await client.get(url)
    assert r.status_code == 200 and r.headers["etag"]
    assert [s["name"] for s in r.json()["services"]] == ["Campus child care", "Welding certificate"]
    again = await client.get(url, headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    await client.patch(f"/v1/partners/{directory['college']['id']}", json={"description": "Changed"})
    assert (await client.get(url, headers={"If-None-Match": r.headers["etag"]})).status_code == 200


async def test_about_names_the_version_profile_and_openapi(anon_client, clean_db):
    body = (await anon_client.get("/hsds/")).json()
    assert body["version"] == "3.0"
    assert body["profile"].startswith("https://")
    assert body["openapi_url"] == "http://test/openapi.json"
    assert "/hsds/services" in (await anon_client.get("/openapi.json")).json()["paths"]


async def test_hsds_is_a_directory_read(anon_client, clean_db, directory):
    assert (await anon_client.get("/hsds/services")).status_code == 200  # public directory by default


# --- the mapping: HSDS examples in, our records round trip ---------------------------------------------------


@cache
def _catalog() -> Catalog:
    return Catalog(
        partner_types={d["code"]: PartnerType(**d) for d in reference_data.load("partner_types")},
        service_categories={d["code"]: ServiceCategory(**d) for d in reference_data.load("service_categories")},
        populations={d["code"]: Population(**d) for d in reference_data.load("populations")},
        regions={"or-test": Region(code="or-test", name="Oregon test area", state="OR")},
    )


@cache
def _vocabulary() -> hsds.Vocabulary:
    roles = role_catalog_from_dicts(reference_data.load("functions"), {}, {}, {}, {})
    return hsds.vocabulary(_catalog(), roles.functions)


def _example(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE / "examples" / f"{name}.json").read_text(encoding="utf-8"))


def _paths(obj: Any, path: str = "", anchor: tuple[str, str] = ("", "")) -> Iterator[tuple[str, tuple[str, str]]]:
    """Every field path of a JSON value (``a.b[0].c``) with its anchor: (id of the nearest object, path from it)."""
    if isinstance(obj, dict):
        owner = (str(obj["id"]), "") if isinstance(obj.get("id"), str) else anchor
        for k, v in obj.items():
            sub = f"{path}.{k}" if path else k
            key = (owner[0], f"{owner[1]}.{k}")
            yield sub, key
            yield from _paths(v, sub, key)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, f"{path}[{i}]", (anchor[0], f"{anchor[1]}[{i}]"))


DIRECTORY_EXAMPLES = ("organization_full", "organization_list", "service_full", "service_list",
                      "service_at_location_full", "service_at_location_list")
NOT_DIRECTORY_RECORDS = ("base", "location", "tabular", "taxonomy", "taxonomy_list", "taxonomy_term",
                         "taxonomy_term_list")


def test_every_reference_example_is_either_a_directory_record_or_not_one(reference):
    names = {p.stem for p in (reference / "examples").glob("*.json")}
    assert names == set(DIRECTORY_EXAMPLES) | set(NOT_DIRECTORY_RECORDS)
    for name in NOT_DIRECTORY_RECORDS:
        if name:
            with pytest.raises(InvalidInput):
                reading.records_from_hsds(_example(name), source="ref")


@pytest.mark.parametrize("name", DIRECTORY_EXAMPLES)
def test_reference_examples_import_without_loss_of_the_fields_we_model(reference, name):
    example = _example(name)
    records = reading.records_from_hsds(example, source="ref", defaults=reading.ImportDefaults(state="OR"))
    (partner,) = [r for r in records if r.kind == "partner"]
    services = [r for r in records if r.kind == "service"]
    assert len(services) == (0 if name == "organization_list" else 1)
    org = _example("organization_full")
    svc = _example("service_full")
    # Bodies are valid REST create bodies; HSDS ids are kept as external identifiers.
    p = PartnerCreate.model_validate(partner.body)
    assert partner.source == "hsds:ref"
    assert (partner.external_id, partner.id) == (org["id"], UUID(org["id"]))
    assert p.external_ids[0].model_dump() == {"source": "hsds:ref", "id": org["id"]}
    assert (p.name, p.description, p.website) == (org["name"], org["description"], org["website"])
    for service in services:  # services name their organization
        s = ServiceCreate.model_validate(service.body)
        assert service.source == "hsds:ref" and service.external_id == svc["id"]
        assert service.partner_external_id == org["id"]
        assert (s.name, s.description, s.status.value) == (svc["name"], svc["description"], svc["status"])
    if name.endswith("_full"):
        contact = org["contacts"][0]
        assert [c.model_dump() for c in p.contacts] == [{"name": contact["name"], "title": contact["title"],
                                                         "email": contact["email"],
                                                         "phone": contact["phones"][0]["number"]}]
        address = org["locations"][0]["addresses"][0]
        assert p.address is not None
        assert (p.address.street, p.address.street_2, p.address.city, p.address.postal_code) == (
            address["address_1"], address["address_2"], address["city"], address["postal_code"])
        assert (p.email, p.phone) == (org["email"], org["phones"][0]["number"])  # the organization's own
        assert p.location_name == org["locations"][0]["name"]
        ident = org["organization_identifiers"][0]
        assert {"source": ident["identifier_scheme"], "id": ident["identifier"]} in [
            e.model_dump() for e in p.external_ids]
    # Every field of the example is accounted for: mapped, or reported with a reason.
    omitted = {o.path for r in records for o in r.omitted}
    assert "email" not in {o.path.split(".")[-1] for o in partner.omitted}  # the organization's email is kept
    walked = list(_paths(example))
    by_anchor: dict[tuple[str, str], list[str]] = {}
    for path, anchor in walked:
        by_anchor.setdefault(anchor, []).append(path)

    def reported(path: str) -> bool:
        leaf = path.rsplit(".", 1)[-1].split("[")[0]
        return (leaf in MAPPED or leaf in STRUCTURAL or leaf in PAGE
                or any(path == o or path.startswith((o + ".", o + "[")) for o in omitted))

    for path, anchor in walked:
        # A nested object repeated elsewhere (same HSDS id) is accounted for where it was read.
        assert any(reported(p) for p in by_anchor[anchor]), f"{name}: {path} is neither mapped nor reported"


MAPPED = {"name", "description", "website", "status", "contacts", "title", "email", "phones", "number",
          "locations", "location", "addresses", "address_1", "address_2", "city", "postal_code", "state_province",
          "country", "address_type", "latitude", "longitude", "location_type", "organization_identifiers",
          "identifier_scheme", "identifier_type", "identifier", "services", "service", "organization",
          "service_at_locations", "contents", "attributes", "funding", "service_areas", "source"}
STRUCTURAL = {"id", "organization_id", "service_id", "location_id", "last_modified"}
PAGE = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty"}


def test_unusable_values_are_reported_not_imported(reference):
    (partner, _service) = reading.records_from_hsds(_example("service_full"), source="ref")
    reasons = {o.path: o.reason for o in partner.omitted}
    assert reasons["organization.locations[0].latitude"].startswith("invalid")  # latitude 100 in the example
    assert reasons["organization.locations[0].addresses[0].state_province"] == "not a USPS state code"
    assert "jurisdiction" not in partner.body  # no USPS state anywhere, and no default given


def _a_partner(**overrides: Any) -> Partner:
    fields: dict[str, Any] = {
        "id": uuid4(), "name": "Cascade Community College", "partner_type": "educational_institution",
        "level": Level.LOCAL, "jurisdiction": Jurisdiction(state="OR", local_area="or-test"),
        "description": "Nursing and welding", "regions_served": ("or-test",),
        "populations_served": ("low_income", "veteran"), "capacity": 400, "funding_streams": ("perkins_v",),
        "industries": ("61",),
        "contacts": (Contact(name="Ana Ruiz", title="Dean", email="ana@example.edu", phone="503-555-0100"),
                     Contact(name="Lee Park")),
        "address": Address(street="1 College Way", city="Salem", state="OR", postal_code="97301"),
        "latitude": 44.9, "longitude": -123.0, "website": "https://cascade.example.edu", "assets": "Welding lab",
        "limitations": "No evening classes", "external_ids": (ExternalId(source="or-wd", id="A1"),),
        "updated_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    fields.update(overrides)
    return Partner(**fields)


def _a_service(partner: Partner, **overrides: Any) -> Service:
    fields: dict[str, Any] = {
        "id": uuid4(), "partner_id": partner.id, "name": "Welding certificate", "category": "occupational_training",
        "description": "Two terms", "populations": ("low_income",), "regions": ("or-test",),
        "delivery_mode": DeliveryMode.HYBRID, "capacity": 24, "funding_streams": ("wioa_title_i_adult",),
        "program_cip": "48.0508", "occupations": ("51-4121",), "credential": "AWS D1.1",
        "external_ids": (ExternalId(source="or-etpl", id="W9"),),
    }
    fields.update(overrides)
    return Service(**fields)


def _round_trip(partner: Partner, services: list[Service]) -> tuple[Partner, list[Service]]:
    org = hsds.organization(partner, _vocabulary(), full=True, services=services, full_services=True)
    if (REFERENCE / "organization.json").is_file():  # where the schemas are at hand, check them too
        assert_valid("organization.json", org)
    records = reading.records_from_hsds(json.loads(orjson.dumps(org)), source="rt", vocabulary=None)
    assert all(not r.omitted for r in records), [r.omitted for r in records]
    p_rec, *s_recs = records
    assert set(p_rec.body) == set(PartnerCreate.model_fields)  # a field added to partners must be mapped too
    assert all(set(r.body) == set(ServiceCreate.model_fields) for r in s_recs)
    back = PartnerCreate.model_validate(p_rec.body).to_domain(p_rec.id)
    key = ExternalId(source="hsds:rt", id=str(partner.id))
    assert back.external_ids[0] == key
    back = replace(back, external_ids=back.external_ids[1:])
    back_services = []
    for r in s_recs:
        s = ServiceCreate.model_validate(r.body).to_domain(partner.id, r.id)
        assert s.external_ids[0].source == "hsds:rt" and r.partner_external_id == str(partner.id)
        back_services.append(replace(s, external_ids=s.external_ids[1:]))
    return back, back_services


def _comparable(record: Any) -> Any:
    """The record without what the database owns (version and timestamps)."""
    return replace(record, version=1, created_at=None, updated_at=None)


@pytest.mark.parametrize("variant", [
    {},
    {"address": None, "latitude": None, "longitude": None, "website": None, "capacity": None, "contacts": (),
     "external_ids": (), "populations_served": (), "funding_streams": (), "status": RecordStatus.INACTIVE},
    {"address": Address(city="Salem"), "latitude": None, "longitude": None, "level": Level.STATE,
     "jurisdiction": Jurisdiction(state="OR"), "status": RecordStatus.RETIRED},
    {"latitude": 45.5, "longitude": -122.6, "address": None, "description": "  spaced  \n text "},
])
def test_our_records_survive_a_round_trip_through_hsds(variant):
    partner = _a_partner(**variant)
    services = [_a_service(partner),
                _a_service(partner, name="Child care", category="child_care", status=RecordStatus.RETIRED,
                           populations=(), regions=(), funding_streams=(), program_cip=None, occupations=(),
                           credential=None, capacity=None, external_ids=(), delivery_mode=DeliveryMode.ONLINE)]
    back, back_services = _round_trip(partner, services)
    assert _comparable(back) == _comparable(partner)
    assert [_comparable(s) for s in back_services] == [_comparable(s) for s in services]


def test_an_exported_hsds_id_is_not_published_twice():
    partner = _a_partner()
    imported = replace(partner, external_ids=(ExternalId(source="hsds:rt", id=str(partner.id)),
                                              *partner.external_ids))
    org = hsds.organization(imported, _vocabulary(), full=True)
    assert [i["identifier_scheme"] for i in org["organization_identifiers"]] == ["or-wd"]
    assert org == hsds.organization(partner, _vocabulary(), full=True)


def test_derived_ids_are_stable_and_service_at_location_ids_lead_back_to_their_service():
    service_id = uuid4()
    sal = hsds.service_at_location_id(service_id)
    assert sal != service_id and hsds.service_id_of(sal) == service_id and sal.version == service_id.version
    assert hsds.derived_id("location", service_id) == hsds.derived_id("location", service_id)
    assert hsds.location_id(service_id) != hsds.derived_id("address", service_id)


async def test_the_api_export_maps_back_onto_the_stored_records(client, directory):
    """Export as HSDS, read it back: the records equal what the REST API stores (the import half of a round trip)."""
    for org in await _ndjson(client, "/hsds/organizations", full_service="true"):
        partner_rec, *service_recs = reading.records_from_hsds(org, source="rt", kind="organization")
        stored = (await client.get(f"/v1/partners/{org['id']}")).json()
        body = PartnerCreate.model_validate(partner_rec.body).model_dump(mode="json")
        body["external_ids"] = body["external_ids"][1:]
        assert body == PartnerCreate.model_validate(
            {k: v for k, v in stored.items() if k in PartnerCreate.model_fields}).model_dump(mode="json")
        for rec in service_recs:
            got = (await client.get(f"/v1/partners/{org['id']}/services/{rec.external_id}")).json()
            body = ServiceCreate.model_validate(rec.body).model_dump(mode="json")
            body["external_ids"] = body["external_ids"][1:]
            assert body == ServiceCreate.model_validate(
                {k: v for k, v in got.items() if k in ServiceCreate.model_fields}).model_dump(mode="json")
