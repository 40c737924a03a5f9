"""The change feed over GraphQL: the same records, order and access rules as REST's /v1/changes."""

from __future__ import annotations

import httpx
import orjson
from fastapi import FastAPI

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.repositories.database import Database
from tests.conftest import add_region, mint_key, partner_body

FEED = """query($first: Int, $after: String, $kind: ChangeKind) { changes(first: $first, after: $after, kind: $kind) {
  edges { cursor node { kind recordId op at partner { name } service { name } externalIds { source id } } }
  pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def _feed(client: httpx.AsyncClient, **variables: object) -> dict:
    r = await client.post("/graphql", json={"query": FEED, "variables": variables})
    body = r.json()
    assert "errors" not in body, body
    return body["data"]["changes"]


def _same_as_rest(rest: list[dict], edges: list[dict]) -> None:
    assert [(c["kind"], c["id"], c["op"]) for c in rest] == [
        (e["node"]["kind"].lower(), e["node"]["recordId"], e["node"]["op"].lower()) for e in edges]
    assert [(c.get("partner") or {}).get("name") for c in rest] == [
        (e["node"]["partner"] or {}).get("name") for e in edges]
    assert [(c.get("service") or {}).get("name") for c in rest] == [
        (e["node"]["service"] or {}).get("name") for e in edges]


async def test_the_feed_lists_what_rest_lists_and_pages_with_its_cursors(client):
    await add_region(client)
    partner = (await client.post("/v1/partners", json=partner_body(name="Lane CC"))).json()
    r = await client.post(f"/v1/partners/{partner['id']}/services", json={"name": "Welding", "category": "training"})
    assert r.status_code == 201, r.text
    assert (await client.patch(f"/v1/partners/{partner['id']}", json={"name": "Lane Community College"})).is_success
    other = (await client.post("/v1/partners", json=partner_body(name="Gone"))).json()
    assert (await client.delete(f"/v1/partners/{other['id']}")).is_success
    rest = (await client.get("/v1/changes")).json()["changes"]
    assert len(rest) >= 4
    everything = await _feed(client)
    _same_as_rest(rest, everything["edges"])
    assert not everything["pageInfo"]["hasNextPage"] and not everything["pageInfo"]["hasPreviousPage"]
    # One at a time, each edge's cursor (or the page's end cursor) resumes after it.
    walked, after = [], None
    while True:
        page = await _feed(client, first=1, after=after)
        walked += page["edges"]
        if not page["edges"]:
            break
        assert page["pageInfo"]["endCursor"] == page["edges"][0]["cursor"]
        after = page["pageInfo"]["endCursor"]
    assert [e["node"] for e in walked] == [e["node"] for e in everything["edges"]]
    assert after is not None and (await _feed(client, after=after))["pageInfo"]["endCursor"] == after
    services = await _feed(client, kind="SERVICE")
    _same_as_rest((await client.get("/v1/changes", params={"kind": "service"})).json()["changes"], services["edges"])
    deleted = [e["node"] for e in everything["edges"] if e["node"]["op"] == "DELETE"]
    assert deleted and all(n["partner"] is None and n["externalIds"] == [] for n in deleted)


async def test_a_local_area_key_reads_only_its_area_in_the_feed_as_in_rest(client, clean_db: Database, app: FastAPI):
    await add_region(client, "or-a")
    await add_region(client, "or-b")
    rows = [{"external_id": f"{area}-1", "name": f"Provider in {area}", "partner_type": "employer",
             "level": "local", "jurisdiction": {"state": "OR", "local_area": area}} for area in ("or-a", "or-b")]
    body = b"\n".join(orjson.dumps(r) for r in rows)
    assert (await client.post("/v1/sync/partners", params={"source": "or-wd"}, content=body)).status_code == 200
    key = await mint_key(clean_db, Scope.DIRECTORY_READ, jurisdiction=Jurisdiction(state="OR", local_area="or-a"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as local:
        rest = (await local.get("/v1/changes")).json()["changes"]
        feed = await _feed(local)
    assert [c["partner"]["name"] for c in rest] == ["Provider in or-a"]
    _same_as_rest(rest, feed["edges"])


async def test_a_cursor_that_is_not_of_the_feed_is_an_invalid_input_error(client):
    r = await client.post("/graphql", json={"query": FEED, "variables": {"after": "bm90IGEgY3Vyc29y"}})
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert [e["field"] for e in error["extensions"]["errors"]] == ["after"]
