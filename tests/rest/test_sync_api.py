"""Directory sync: NDJSON bulk upserts, complete sets, the change feed and exports."""

from __future__ import annotations

import httpx
import orjson
import pytest

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from tests.conftest import add_region, mint_key

NDJSON = {"content-type": "application/x-ndjson"}


def _partner(i: int, **extra: object) -> dict[str, object]:
    return {"external_id": f"P{i:05d}", "name": f"Provider {i:05d}", "partner_type": "community_based_organization",
            "level": "local", "jurisdiction": {"state": "OR"}, "populations_served": ["low_income"],
            "latitude": 44.0 + i / 10_000, "longitude": -123.0, **extra}


def _body(rows: list[dict[str, object]]) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in rows) + b"\n"


async def _sync(client: httpx.AsyncClient, rows: list[dict[str, object]], kind: str = "partners",
                **params: str) -> httpx.Response:
    return await client.post(f"/v1/sync/{kind}", params={"source": "or-wd", **params}, content=_body(rows),
                             headers=NDJSON)


async def _total(client: httpx.AsyncClient, **params: str) -> int:
    r = await client.get("/v1/partners", params={"include_total": "true", "limit": 1, **params})
    return int(r.json()["total"])


async def _mirror(client: httpx.AsyncClient, state: dict[str, dict], cursor: str | None, limit: int) -> str:
    """Apply the feed to a local mirror (id -> record) until it is exhausted; return the new cursor."""
    while True:
        params = {"limit": str(limit), "kind": "partner"}
        if cursor:
            params["since"] = cursor
        page = (await client.get("/v1/changes", params=params)).json()
        for change in page["changes"]:
            if change["op"] == "delete" or change["partner"] is None:  # deleted (since)
                state.pop(change["id"], None)
            else:  # create, update, retire: the record as it is now
                state[change["id"]] = change["partner"]
        cursor = page["next"]
        if not page["changes"]:
            return cursor


async def test_sending_the_same_file_twice_reports_everything_unchanged(client):
    rows = [_partner(i) for i in range(300)]
    first = await _sync(client, rows)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["updated"], first.json()["unchanged"]) == (300, 0, 0)
    second = (await _sync(client, rows)).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 300)
    changed = [_partner(0, name="Provider renamed"), *rows[1:]]
    third = (await _sync(client, changed)).json()
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 299)


async def test_a_bad_line_37_of_1000_rejects_the_request_names_the_line_and_writes_nothing(client):
    rows = [_partner(i) for i in range(1000)]
    rows[36] = _partner(36, partner_type="space_agency")
    r = await _sync(client, rows)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"] == [{"line": 37, "field": "partner_type",
                                   "message": "unknown partner type 'space_agency'"}]
    report = r.json()["report"]
    assert (report["lines"], report["rejected"], report["created"]) == (1000, 1, 0)
    assert report["problems"] == r.json()["errors"]
    assert await _total(client) == 0


async def test_every_invalid_line_is_listed_and_skip_applies_the_valid_ones(client):
    body = _body([_partner(1), {"external_id": "X"}, _partner(3, latitude=200)]) + b"{not json\n[1]\n"
    r = await client.post("/v1/sync/partners", params={"source": "or-wd"}, content=body, headers=NDJSON)
    assert sorted({e["line"] for e in r.json()["errors"]}) == [2, 3, 4, 5]
    assert {"line": 3, "field": "latitude", "message": "Input should be less than or equal to 90"} in r.json()["errors"]
    skipped = await client.post("/v1/sync/partners", params={"source": "or-wd", "on_error": "skip"},
                                content=body, headers=NDJSON)
    assert skipped.status_code == 200
    assert (skipped.json()["lines"], skipped.json()["created"], skipped.json()["rejected"]) == (5, 1, 4)
    assert skipped.json()["problems"] == r.json()["errors"], "the skip report lists what the 422 listed"
    assert skipped.json()["rejected"] == r.json()["report"]["rejected"]


async def test_complete_set_retires_exactly_the_missing_records_and_the_feed_shows_retirements(client):
    await _sync(client, [_partner(i) for i in range(10)])
    feed = await client.get("/v1/changes", params={"kind": "partner"})
    cursor = feed.json()["next"]
    r = await _sync(client, [_partner(i) for i in range(10) if i not in (3, 7)], mode="complete", max_retire="2")
    assert r.json()["retired"] == 2
    assert await _total(client) == 8
    changes = (await client.get("/v1/changes", params={"since": cursor})).json()["changes"]
    assert sorted((c["op"], c["partner"]["status"]) for c in changes) == [("retire", "retired"), ("retire", "retired")]
    retired = await client.get("/v1/partners", params={"status": "retired"})
    assert sorted(p["name"] for p in retired.json()["items"]) == ["Provider 00003", "Provider 00007"]
    again = await _sync(client, [_partner(i) for i in range(10) if i not in (3, 7)], mode="complete")
    assert again.status_code == 200 and again.json()["retired"] == 0


async def test_two_consumers_following_the_feed_end_with_the_same_directory_as_the_source(client):
    mirror_a: dict[str, dict] = {}
    mirror_b: dict[str, dict] = {}
    cursor_a = cursor_b = None
    await _sync(client, [_partner(i) for i in range(50)])
    cursor_a = await _mirror(client, mirror_a, cursor_a, limit=7)
    await _sync(client, [_partner(i, capacity=i) for i in range(25, 60)])
    await _sync(client, [_partner(i) for i in range(0, 60, 2)], mode="complete", allow_mass_retire="true")
    cursor_a = await _mirror(client, mirror_a, cursor_a, limit=13)
    cursor_b = await _mirror(client, mirror_b, cursor_b, limit=100)
    source = {}
    r = await client.get("/v1/export/partners")
    for line in r.text.splitlines():
        record = orjson.loads(line)
        source[record["id"]] = record  # retired records included: the feed says "retire", not "delete"
    assert mirror_a.keys() == mirror_b.keys() == source.keys()
    assert mirror_a == mirror_b == source


async def test_services_sync_links_to_partners_of_the_same_source(client):
    await _sync(client, [_partner(1)])
    rows = [{"external_id": "S1", "partner_external_id": "P00001", "name": "Bus passes", "category": "transportation"},
            {"external_id": "S2", "partner_external_id": "NOPE", "name": "Orphan", "category": "transportation"}]
    r = await _sync(client, rows, kind="services")
    assert r.status_code == 422
    assert r.json()["errors"] == [{"line": 2, "field": "partner_external_id",
                                   "message": "names a partner external id this source has not synced"}]
    ok = await _sync(client, rows[:1], kind="services")
    assert ok.json()["created"] == 1
    partner = (await client.get("/v1/partners")).json()["items"][0]
    assert [s["name"] for s in (await client.get(f"/v1/partners/{partner['id']}/services")).json()["items"]] == [
        "Bus passes"]


async def test_a_state_key_cannot_sync_records_of_another_state(client, clean_db, app):
    await add_region(client, "or-test")
    key = await mint_key(clean_db, Scope.DIRECTORY_WRITE, jurisdiction=Jurisdiction(state="WA"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as wa:
        r = await _sync(wa, [_partner(1)])
        assert r.status_code == 422
        assert "jurisdiction" in r.json()["errors"][0]["message"].lower() or "may not" in r.json()["errors"][0][
            "message"]
    await _sync(client, [_partner(1)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as wa:
        moved = await _sync(wa, [_partner(1, jurisdiction={"state": "WA"})])
        assert moved.status_code == 422, "a WA key may not take over an OR record"
        assert (await wa.get("/v1/export/partners")).text == ""


async def test_an_oversized_line_is_rejected_naming_it(client, app):
    huge = orjson.dumps(_partner(2, description="x" * 2_000_000))
    body = _body([_partner(1)]) + huge + b"\n" + _body([_partner(3)])
    r = await client.post("/v1/sync/partners", params={"source": "or-wd"}, content=body, headers=NDJSON)
    assert r.status_code == 422
    assert (r.json()["errors"][0]["line"], r.json()["errors"][0]["field"]) == (2, "")
    assert "exceeds" in r.json()["errors"][0]["message"]
    assert (await client.get("/healthz")).status_code == 200


@pytest.mark.parametrize("params", [{"source": "bad source!"}, {"source": "ok", "mode": "everything"}])
async def test_bad_sync_parameters_are_422(client, params):
    r = await client.post("/v1/sync/partners", params=params, content=_body([_partner(1)]), headers=NDJSON)
    assert r.status_code == 422


async def test_hsds_export_imports_into_an_empty_directory_and_exports_the_same(client, admin_db):
    await _sync(client, [_partner(i, website=f"https://p{i}.example.org", description=f"Provider {i}")
                         for i in range(5)])
    partners = (await client.get("/v1/partners")).json()["items"]
    await client.post(f"/v1/partners/{partners[0]['id']}/services",
                      json={"name": "Bus passes", "category": "transportation", "populations": ["low_income"]})
    exported = (await client.get("/hsds/organizations", params={"full_service": "true", "per_page": 100})).json()
    organizations = exported["contents"]
    assert len(organizations) == 5
    async with admin_db.pool.acquire() as conn:  # the service's own role may not truncate
        await conn.execute("TRUNCATE partners, services, partner_external_ids, service_external_ids CASCADE")
    body = b"\n".join(orjson.dumps(o) for o in organizations) + b"\n"
    r = await client.post("/v1/sync/hsds", params={"source": "roundtrip", "state": "OR"}, content=body,
                          headers=NDJSON)
    assert r.status_code == 200, r.text
    assert r.json()["partners"]["created"] == 5
    assert r.json()["services"]["created"] == 1
    again = (await client.get("/hsds/organizations", params={"full_service": "true", "per_page": 100})).json()

    def essential(org: dict) -> tuple:
        return (org["id"], org["name"], org["description"], org["website"],
                sorted((s["id"], s["name"]) for s in org.get("services") or []))

    assert sorted(map(essential, again["contents"])) == sorted(map(essential, organizations))
    repeat = await client.post("/v1/sync/hsds", params={"source": "roundtrip", "state": "OR"}, content=body,
                               headers=NDJSON)
    assert repeat.json()["partners"]["unchanged"] == 5


@pytest.mark.parametrize("since", ["garbage", "WyJuYW1lIiwiYSIsIjEiXQ"])
async def test_a_cursor_that_is_not_of_the_feed_is_422(client, since):
    r = await client.get("/v1/changes", params={"since": since})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "since"
