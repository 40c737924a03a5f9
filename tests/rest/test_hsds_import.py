"""Importing HSDS: every reference example round-trips the fields the model holds; dropped fields are named by
JSON path; an organization held by another source is a clear 409; JSON bodies are read incrementally."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any
from uuid import UUID

import httpx
import orjson
import pytest

from api.hsds import mapping, reading
from api.hsds.router import _json_objects
from api.routers._ndjson import BulkLimits
from tests.rest.test_hsds_api import DIRECTORY_EXAMPLES, NOT_DIRECTORY_RECORDS, REFERENCE

JSON = {"content-type": "application/json"}

# The HSDS fields the directory has a place for (paths inside an organization, positions as []).
ORGANIZATION_HELD = {
    "id", "name", "description", "email", "website", "phones[].number",
    "contacts[].name", "contacts[].title", "contacts[].email", "contacts[].phones[].number",
    "locations[].name", "locations[].latitude", "locations[].longitude",
    "locations[].addresses[].address_1", "locations[].addresses[].address_2", "locations[].addresses[].city",
    "locations[].addresses[].state_province", "locations[].addresses[].postal_code",
}
SERVICE_HELD = {"id", "name", "description", "status"}
LOCATION_HELD = {p.removeprefix("locations[].") for p in ORGANIZATION_HELD if p.startswith("locations[].")}
HELD = {
    "organization": ORGANIZATION_HELD | {f"services[].{p}" for p in SERVICE_HELD},
    "service": SERVICE_HELD | {f"organization.{p}" for p in ORGANIZATION_HELD},
    "service_at_location": {f"service.{p}" for p in SERVICE_HELD}
    | {f"service.organization.{p}" for p in ORGANIZATION_HELD} | {f"location.{p}" for p in LOCATION_HELD},
}


def _example(name: str) -> Any:
    return json.loads((REFERENCE / "examples" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def reference() -> None:
    if not (REFERENCE / "examples").is_dir():
        pytest.skip(f"the HSDS reference examples are not at {REFERENCE} (set HSDS_REFERENCE_DIR)")


def _leaves(obj: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, obj


def _at(obj: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        obj = obj[int(part[1:-1])] if part.startswith("[") else obj[part]
    return obj


def _objects(example: Any) -> list[dict[str, Any]]:
    """The HSDS objects of an example: a Page's contents, or the object itself."""
    return list(example["contents"]) if isinstance(example.get("contents"), list) else [example]


async def _get(client: httpx.AsyncClient, url: str, **params: str) -> dict[str, Any]:
    r = await client.get(url, params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def _exported(client: httpx.AsyncClient, obj: dict[str, Any]) -> dict[str, Any]:
    """The export of what ``obj`` was imported into, shaped as ``obj`` (an HSDS object of the same kind)."""
    kind = reading.kind_of(obj)
    if kind == "organization":
        return await _get(client, f"/hsds/organizations/{obj['id']}", full_service="true")
    if kind == "service":
        return await _get(client, f"/hsds/services/{obj['id']}")
    # A service_at_location's id is derived from its service's; its location is its partner's.
    service = await _get(client, f"/hsds/services/{obj['service']['id']}")
    sal = mapping.service_at_location_id(UUID(obj["service"]["id"]))
    found = await client.get(f"/hsds/service_at_locations/{sal}")
    return {"service": service, "location": found.json()["location"] if found.status_code == 200 else {}}


@pytest.mark.parametrize("name", sorted(DIRECTORY_EXAMPLES + NOT_DIRECTORY_RECORDS))
async def test_every_hsds_example_imports_into_an_empty_directory_and_exports_the_same_held_values(
        client, reference, name):
    example = _example(name)
    r = await client.post("/v1/sync/hsds", params={"source": "rt", "state": "OR", "on_error": "skip"},
                          content=orjson.dumps(example), headers=JSON)
    assert r.status_code == 200, r.text
    report = r.json()
    if name in NOT_DIRECTORY_RECORDS:  # nothing in it the directory holds: refused line by line, by name
        assert report["created"] == 0 and report["rejected"] >= 1
        assert all(p["message"] for p in report["problems"])
        assert (await client.get("/hsds/organizations")).json()["total_items"] == 0
        return
    assert report["created"] >= 1 and report["rejected"] == 0, report
    compared = 0
    for obj in _objects(example):
        dropped = {o.path for rec in reading.records_from_hsds(obj, source="rt", keep_identifiers=False)
                   for o in rec.omitted}
        location = obj.get("location") if isinstance(obj.get("location"), dict) else {}
        own = ((obj.get("service") or {}).get("organization") or {}).get("locations") or [{}]
        if location.get("id") and location.get("id") == own[0].get("id"):  # read once, as the organization's
            inner = "service.organization.locations[0]."
            dropped |= {"location." + d.removeprefix(inner) for d in dropped if d.startswith(inner)}
        exported = await _exported(client, obj)
        if isinstance(exported.get("services"), list) and isinstance(obj.get("services"), list):
            by_id = {s["id"]: s for s in exported["services"]}  # compare services by id, whatever the order
            exported["services"] = [by_id[s["id"]] for s in obj["services"]]
        held = HELD[reading.kind_of(obj) or ""]
        for path, value in _leaves(obj):
            general = re.sub(r"\[\d+\]", "[]", path)
            if general not in held or any(path == d or path.startswith((d + ".", d + "[")) for d in dropped):
                continue
            if re.search(r"\[[1-9]\d*\]", path) and general.rsplit("[]", 1)[0].endswith(("phones", "addresses",
                                                                                           "locations")):
                continue  # one phone, one address, one location: the later ones are reported as dropped
            assert _at(exported, path) == value, f"{name}: {path}"
            compared += 1
    assert compared >= 3, f"{name}: too few held fields compared ({compared})"


async def test_an_imported_organization_keeps_its_email_phone_both_address_lines_and_location_name(
        client, reference):
    org = _example("organization_full")
    r = await client.post("/v1/sync/hsds", params={"source": "rt", "state": "OR", "on_error": "skip"},
                          content=orjson.dumps(org), headers=JSON)
    assert r.status_code == 200, r.text
    out = (await client.get(f"/hsds/organizations/{org['id']}")).json()
    address = out["locations"][0]["addresses"][0]
    assert (out["email"], out["phones"][0]["number"]) == (org["email"], org["phones"][0]["number"])
    assert (address["address_1"], address["address_2"]) == ("1-30 Main Street", "MyVillage")
    assert out["locations"][0]["name"] == "MyCity Civic Center"
    partner = (await client.get(f"/v1/partners/{org['id']}")).json()
    assert (partner["email"], partner["location_name"], partner["address"]["street_2"]) == (
        "email@example.com", "MyCity Civic Center", "MyVillage")


async def test_the_report_lists_dropped_fields_by_json_path_grouped_and_counted(client, reference):
    orgs = [_example("organization_full"), {**_example("organization_full"), "id": "org-two"}]
    r = await client.post("/v1/sync/hsds", params={"source": "rt", "state": "OR", "on_error": "skip"},
                          content=orjson.dumps(orgs), headers=JSON)
    assert r.status_code == 200, r.text
    report = r.json()
    groups = {(d["path"], d["reason"]): d for d in report["dropped_fields"]}
    funding = groups[("organizations[].funding[].source",
                      "not modelled: free-text funding source (funding stream codes only)")]
    assert funding["count"] == 2
    assert funding["examples"] == ["organizations[0].funding[0].source", "organizations[1].funding[0].source"]
    assert report["omitted_fields"] == sum(d["count"] for d in report["dropped_fields"])
    assert ("organizations[].email", "not modelled") not in groups


async def test_the_same_organization_from_a_second_source_is_a_409_naming_the_source_that_holds_it(client, reference):
    org = orjson.dumps(_example("organization_full"))
    first = await client.post("/v1/sync/hsds", params={"source": "county-211", "state": "OR"}, content=org,
                              headers=JSON)
    assert first.status_code == 200, first.text
    for attempt in range(2):  # a retry fails the same way: the message says so
        r = await client.post("/v1/sync/hsds", params={"source": "state-211", "state": "OR"}, content=org,
                              headers=JSON)
        assert r.status_code == 409, (attempt, r.text)
        problem = r.json()
        assert problem["type"].endswith("/record-owned-elsewhere")
        assert "hsds:county-211:d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610" in problem["detail"]
        assert "retrying will not help" in problem["detail"] and "send it again" not in problem["detail"]
    orgs = (await client.get("/hsds/organizations")).json()
    assert orgs["total_items"] == 1


async def test_an_hsds_dry_run_reports_without_writing(client, reference):
    body = orjson.dumps(_example("organization_full"))
    dry = await client.post("/v1/sync/hsds", params={"source": "rt", "state": "OR", "dry_run": "true"},
                            content=body, headers=JSON)
    assert dry.status_code == 200, dry.text
    assert (dry.json()["dry_run"], dry.json()["created"]) == (True, 2)
    assert (await client.get("/hsds/organizations")).json()["total_items"] == 0
    real = await client.post("/v1/sync/hsds", params={"source": "rt", "state": "OR"}, content=body, headers=JSON)
    assert real.json()["created"] == dry.json()["created"]


class _Pieces:
    """A request whose body arrives in pieces; it notes how many pieces were read."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces
        self.read = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            self.read += 1
            await asyncio.sleep(0)
            yield piece
        yield b""


async def _collect(request: _Pieces, limit: int = 1 << 20) -> list[tuple[int, object, int]]:
    out = []
    async for line, obj in _json_objects(request, limit, BulkLimits()):  # type: ignore[arg-type]
        out.append((line, obj, request.read))
    return out


async def test_a_json_array_is_read_object_by_object_before_the_body_ends():
    objects = [{"id": f"o{i}", "name": f"Org {i}", "phones": [{"number": "1"}]} for i in range(200)]
    raw = orjson.dumps(objects)
    pieces = [raw[i:i + 512] for i in range(0, len(raw), 512)]
    got = await _collect(_Pieces(pieces))
    assert [(line, obj) for line, obj, _ in got] == [(i + 1, o) for i, o in enumerate(objects)]
    assert got[0][2] < len(pieces) / 2, "the first object came out long before the body was read"


async def test_a_page_and_a_single_object_and_bad_json_are_read_as_such():
    page = {"total_items": 2, "contents": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}], "size": 2}
    assert [(n, o) for n, o, _ in await _collect(_Pieces([orjson.dumps(page)]))] == [
        (1, {"id": "a", "name": "A"}), (2, {"id": "b", "name": "B"})]
    assert [(n, o) for n, o, _ in await _collect(_Pieces([b'{"id": "x",', b' "name": "X"}']))] == [
        (1, {"id": "x", "name": "X"})]
    assert await _collect(_Pieces([b'{"total_items": 0, "contents": []}'])) == []
    bad = await _collect(_Pieces([b'[{"id": "a"}, {"id": ']))
    assert bad[0][:2] == (1, {"id": "a"}) and isinstance(bad[1][1], ValueError)


async def test_an_object_larger_than_the_limit_is_reported_not_built():
    huge = {"id": "big", "name": "x" * 50_000}
    got = await _collect(_Pieces([orjson.dumps([{"id": "s", "name": "S"}, huge])[i:i + 4096]
                                  for i in range(0, 60_000, 4096)]), limit=10_000)
    assert got[0][1] == {"id": "s", "name": "S"}
    assert got[1][0] == 2 and "exceeds" in str(got[1][1])
