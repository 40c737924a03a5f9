"""A state agency's sync job meeting the safety rails: empty bodies, the complete-set guard, dry runs, the feed's
operations, exports with their feed cursor, services retired with their partner, one report shape, bounds."""

from __future__ import annotations

import httpx
import orjson
import pytest

from api.main import create_app, install_database
from api.settings import Settings

NDJSON = {"content-type": "application/x-ndjson"}


def _partner(i: int, **extra: object) -> dict[str, object]:
    return {"external_id": f"P{i:04d}", "name": f"Provider {i:04d}", "partner_type": "community_based_organization",
            "level": "local", "jurisdiction": {"state": "OR"}, **extra}


def _service(i: int, partner: int, **extra: object) -> dict[str, object]:
    return {"external_id": f"S{i:04d}", "partner_external_id": f"P{partner:04d}", "name": f"Service {i}",
            "category": "transportation", **extra}


def _body(rows: list[dict[str, object]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


async def _sync(client: httpx.AsyncClient, rows: list[dict[str, object]] | bytes, kind: str = "partners",
                **params: str) -> httpx.Response:
    body = rows if isinstance(rows, bytes) else _body(rows)
    return await client.post(f"/v1/sync/{kind}", params={"source": "or-wd", **params}, content=body, headers=NDJSON)


async def _export(client: httpx.AsyncClient, kind: str = "partners", **params: str) -> dict[str, dict]:
    r = await client.get(f"/v1/export/{kind}", params=params)
    assert r.status_code == 200, r.text
    return {rec["id"]: rec for rec in map(orjson.loads, r.text.splitlines())}


async def _feed(client: httpx.AsyncClient, since: str | None = None, **params: str) -> tuple[list[dict], str]:
    changes: list[dict] = []
    while True:
        page = (await client.get("/v1/changes", params={**params, **({"since": since} if since else {})})).json()
        changes += page["changes"]
        since = page["next"]
        if not page["changes"]:
            return changes, since


@pytest.mark.parametrize("body", [b"", b"\n", b"\n  \n\r\n"])
@pytest.mark.parametrize("mode", ["complete", "upsert"])
async def test_an_empty_body_is_refused_and_leaves_the_directory_and_the_feed_untouched(client, body, mode):
    assert (await _sync(client, [_partner(i) for i in range(20)])).status_code == 200
    before, (_, cursor) = await _export(client), await _feed(client)
    r = await _sync(client, body, mode=mode)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/empty-body")
    assert await _export(client) == before
    assert (await _feed(client, cursor))[0] == []


@pytest.mark.parametrize("path", ["/v1/sync/services?source=x", "/v1/sync/hsds?source=x",
                                  "/v1/labor-market/observations", "/v1/labor-market/titles?scheme=soc"])
async def test_every_bulk_endpoint_refuses_an_empty_body(client, path):
    for body, headers in ((b"", NDJSON), (b"\n\n", NDJSON), (b"[]", {"content-type": "application/json"})):
        if body == b"[]" and not path.startswith("/v1/sync/hsds"):
            continue  # a JSON array is an HSDS form; elsewhere "[]" is a line (not an object)
        r = await client.post(path, content=body, headers=headers)
        assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (422, "empty-body"), (path, body, r.text)


async def test_a_complete_set_that_would_retire_60_percent_is_refused_with_the_count_then_accepted_when_confirmed(
        client):
    assert (await _sync(client, [_partner(i) for i in range(50)])).status_code == 200
    before, (_, cursor) = await _export(client), await _feed(client)
    kept = [_partner(i) for i in range(20)]  # an upstream export cut short: 30 of 50 missing
    r = await _sync(client, kept, mode="complete")
    assert r.status_code == 409
    problem = r.json()
    assert problem["type"].endswith("/mass-retirement")
    assert (problem["would_retire"], problem["active"], problem["allowed"]) == (30, 50, 5)
    assert "30 of the 50" in problem["detail"] and "max_retire=30" in problem["detail"]
    assert await _export(client) == before and (await _feed(client, cursor))[0] == []
    too_few = await _sync(client, kept, mode="complete", max_retire="29")
    assert too_few.status_code == 409 and too_few.json()["would_retire"] == 30
    ok = await _sync(client, kept, mode="complete", max_retire="30")
    assert ok.status_code == 200 and ok.json()["retired"] == 30
    assert sum(p["status"] == "retired" for p in (await _export(client)).values()) == 30


async def test_a_small_retirement_within_the_share_needs_no_confirmation_and_the_share_is_a_setting(client, clean_db):
    await _sync(client, [_partner(i) for i in range(50)])
    r = await _sync(client, [_partner(i) for i in range(45)], mode="complete")
    assert (r.status_code, r.json()["retired"]) == (200, 5)
    strict = create_app(Settings(environment="test", complete_sync_max_retire_share=0.0), manage_database=False)
    install_database(strict, clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://test",
                                 headers=client.headers) as other:
        refused = await _sync(other, [_partner(i) for i in range(44)], mode="complete")
        assert (refused.status_code, refused.json()["allowed"]) == (409, 0)
        assert (await _sync(other, [_partner(i) for i in range(44)], mode="complete",
                            allow_mass_retire="true")).json()["retired"] == 1


async def test_a_dry_run_reports_the_same_counts_as_the_real_run_that_follows_and_writes_nothing(client):
    await _sync(client, [_partner(i) for i in range(30)])
    await _sync(client, [_service(i, i) for i in range(30)], kind="services")
    before, (_, cursor) = await _export(client), await _feed(client)
    services_before = await _export(client, "services")
    rows = [_partner(i, name=f"Renamed {i}") if i < 5 else _partner(i) for i in range(27)] + [_partner(99)]
    rows[10] = _partner(10, status="retired")
    params = {"mode": "complete", "max_retire": "3"}
    dry = await _sync(client, rows, dry_run="true", **params)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert await _export(client) == before and await _export(client, "services") == services_before
    assert (await _feed(client, cursor))[0] == [], "a dry run leaves no feed entry"
    real = await _sync(client, rows, **params)
    counts = ("lines", "created", "updated", "unchanged", "duplicates", "retired", "rejected", "services_retired")
    assert {k: dry.json()[k] for k in counts} == {k: real.json()[k] for k in counts}
    assert (real.json()["created"], real.json()["updated"], real.json()["retired"],
            real.json()["services_retired"]) == (1, 6, 3, 4)
    assert real.json()["dry_run"] is False


async def test_a_dry_run_answers_a_mass_retirement_as_the_real_run_would(client):
    await _sync(client, [_partner(i) for i in range(10)])
    r = await _sync(client, [_partner(0)], mode="complete", dry_run="true")
    assert (r.status_code, r.json()["would_retire"]) == (409, 9)


async def test_the_feed_tells_a_retirement_from_a_deletion_and_a_reactivation_is_an_update(client):
    await _sync(client, [_partner(i) for i in range(3)])
    _, cursor = await _feed(client)
    ids = {rec["name"]: pid for pid, rec in (await _export(client)).items()}
    await _sync(client, [_partner(0), _partner(1)], mode="complete", allow_mass_retire="true")
    assert (await client.delete(f"/v1/partners/{ids['Provider 0001']}")).status_code == 204
    await _sync(client, [_partner(2)])  # reactivated by a later sync
    changes, _ = await _feed(client, cursor, kind="partner")
    ops = [(c["op"], c["id"]) for c in changes]
    assert ops == [("retire", ids["Provider 0002"]), ("delete", ids["Provider 0001"]),
                   ("update", ids["Provider 0002"])]
    retire, delete, update = changes
    assert (retire["partner"]["id"] == ids["Provider 0002"] and "external_ids" not in retire) or \
        retire["external_ids"] is None
    assert delete["partner"] is None
    assert delete["external_ids"] == [{"source": "or-wd", "id": "P0001"}]
    assert update["partner"]["status"] == "active"


async def test_retiring_a_partner_retires_its_services_with_their_own_feed_entries(client):
    await _sync(client, [_partner(i) for i in range(3)])
    await _sync(client, [_service(i, i % 3) for i in range(6)], kind="services")
    _, cursor = await _feed(client)
    partners = {rec["name"]: rec for rec in (await _export(client)).values()}
    # by sync
    r = await _sync(client, [_partner(0, status="retired")])
    assert r.json()["services_retired"] == 2
    # by PATCH
    p1 = partners["Provider 0001"]
    patched = await client.patch(f"/v1/partners/{p1['id']}", json={"status": "retired"},
                                 headers={"If-Match": f'"v{p1["version"]}"'})
    assert patched.status_code == 200, patched.text
    # by complete set
    done = await _sync(client, [_partner(0, status="retired"), _partner(1, status="retired")], mode="complete",
                       allow_mass_retire="true")
    assert (done.json()["retired"], done.json()["services_retired"]) == (1, 2)
    services = await _export(client, "services")
    assert {s["status"] for s in services.values()} == {"retired"}
    changes, _ = await _feed(client, cursor, kind="service")
    assert sorted(c["id"] for c in changes if c["op"] == "retire") == sorted(services)


async def test_a_partner_reactivated_by_a_sync_does_not_bring_back_services_its_source_did_not_send(client):
    await _sync(client, [_partner(1)])
    await _sync(client, [_service(1, 1), _service(2, 1)], kind="services")
    await _sync(client, [_partner(1, status="retired")])
    await _sync(client, [_partner(1)])  # back
    await _sync(client, [_service(1, 1)], kind="services")  # the source sends one service again
    statuses = {s["name"]: s["status"] for s in (await _export(client, "services")).values()}
    assert statuses == {"Service 1": "active", "Service 2": "retired"}


async def test_an_export_states_its_feed_cursor_and_filters_by_status_keeping_all_as_the_default(client):
    await _sync(client, [_partner(i) for i in range(10)])
    await _sync(client, [_partner(i) for i in range(9)], mode="complete")
    r = await client.get("/v1/export/partners")
    assert r.headers["pathways-feed-cursor"]
    assert len(r.text.splitlines()) == 10
    assert len(await _export(client, status="retired")) == 1
    assert len(await _export(client, status="active")) == 9
    assert len(await _export(client, status="all")) == 10
    assert (await client.get("/v1/export/partners", params={"status": "gone"})).status_code == 422
    changes, _ = await _feed(client, r.headers["pathways-feed-cursor"])
    assert changes == [], "nothing changed after the export"


async def test_one_report_shape_for_every_bulk_endpoint(client):
    bad = b'{"external_id": "X"}\n'
    shapes = {}
    for path, body in (("/v1/sync/partners?source=s", _body([_partner(1)]) + bad),
                       ("/v1/sync/hsds?source=s&state=OR", b'{"id": "o1", "name": "Org"}\n{"nope": 1}\n'),
                       ("/v1/labor-market/observations", b'{"region": "nowhere"}\n'),
                       ("/v1/labor-market/titles?scheme=soc", b'{"code": "11-1011", "title": "Chief"}\n{"code": 1}\n')):
        refused = await client.post(path, content=body, headers=NDJSON)
        skipped = await client.post(path + ("&" if "?" in path else "?") + "on_error=skip", content=body,
                                    headers=NDJSON)
        assert refused.status_code == 422 and skipped.status_code == 200, (path, refused.text, skipped.text)
        assert refused.json()["report"]["problems"] == refused.json()["errors"] == skipped.json()["problems"]
        assert all(set(e) == {"line", "field", "message"} for e in refused.json()["errors"])
        shapes[path] = {"lines", "created", "updated", "unchanged", "duplicates", "retired", "rejected",
                        "problems"} <= set(skipped.json())
    assert all(shapes.values()), shapes


async def test_an_idempotent_replay_carries_the_current_rate_limit_headers(client):
    headers = {"Idempotency-Key": "create-once"}
    body = {k: v for k, v in _partner(1).items() if k != "external_id"}
    first = await client.post("/v1/partners", json=body, headers=headers)
    assert first.status_code == 201, first.text
    await client.get("/v1/partners")
    replay = await client.post("/v1/partners", json=body, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert int(replay.headers["ratelimit-remaining"]) == int(first.headers["ratelimit-remaining"]) - 2
    assert replay.headers.get_list("ratelimit-remaining") == [replay.headers["ratelimit-remaining"]]


async def test_a_body_with_more_lines_than_allowed_blank_ones_included_is_413_and_writes_nothing(client, clean_db):
    small = create_app(Settings(environment="test", max_bulk_lines=5), manage_database=False)
    install_database(small, clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=small), base_url="http://test",
                                 headers=client.headers) as other:
        ok = await _sync(other, _body([_partner(1)]) + b"\n\n\n")
        assert ok.status_code == 200
        r = await _sync(other, _body([_partner(2)]) + b"\n" * 10)
        assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (413, "too-many-lines")
        lmi = await other.post("/v1/labor-market/titles", params={"scheme": "soc"}, content=b"\n" * 6,
                               headers=NDJSON)
        assert lmi.status_code == 413
    assert len(await _export(client)) == 1


async def test_a_bulk_request_past_its_time_budget_is_413_and_writes_nothing(client, clean_db):
    hasty = create_app(Settings(environment="test", bulk_time_budget_s=1e-9), manage_database=False)
    install_database(hasty, clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hasty), base_url="http://test",
                                 headers=client.headers) as other:
        r = await _sync(other, [_partner(i) for i in range(3)])
        assert (r.status_code, r.json()["type"].rsplit("/", 1)[-1]) == (413, "bulk-time-budget-exceeded")
    assert await _export(client) == {}


async def test_names_are_trimmed(client):
    await _sync(client, [_partner(1, name="  Padded Name \t")])
    assert [p["name"] for p in (await _export(client)).values()] == ["Padded Name"]


async def test_a_tombstone_shows_only_inside_the_jurisdiction_the_record_was_in(client, clean_db, app):
    from api.domain.access import Scope
    from api.domain.partners import Jurisdiction
    from tests.conftest import mint_key

    await _sync(client, [_partner(1), _partner(2, jurisdiction={"state": "WA"})])
    await _sync(client, [_service(1, 1), _service(2, 2)], kind="services")
    ids = {rec["name"]: pid for pid, rec in (await _export(client)).items()}
    for name in ("Provider 0001", "Provider 0002"):  # their services go with them, by cascade
        assert (await client.delete(f"/v1/partners/{ids[name]}")).status_code == 204
    seen = {}
    for state in ("OR", "WA"):
        key = await mint_key(clean_db, Scope.DIRECTORY_READ, jurisdiction=Jurisdiction(state=state))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                     headers={"Authorization": f"Bearer {key}"}) as scoped:
            changes, _ = await _feed(scoped)
        seen[state] = sorted((c["kind"], c["external_ids"][0]["id"]) for c in changes if c["op"] == "delete")
    assert seen == {"OR": [("partner", "P0001"), ("service", "S0001")],
                    "WA": [("partner", "P0002"), ("service", "S0002")]}
