"""Every paged list is a Relay connection that pages both ways: backward returns forward's items in reverse."""

from __future__ import annotations

import json
from datetime import date, timedelta

import httpx

from tests.conftest import add_region, partner_body
from tests.graphql.helpers import gql
from tests.readiness_support import system_with_members

TODAY = date.today()


async def _walk(client: httpx.AsyncClient, field: str, args: str, node: str, **variables: object) -> None:
    """Page through ``field`` two items at a time forward, then backward; the two must list the same items."""
    declared = "".join(f", ${k}: {t}" for k, t in (("s", "UUID!"),) if "s" in variables)
    query = (f"query($n: Int, $after: String, $m: Int, $before: String{declared}) {{ {field}({args}"
             f"first: $n, after: $after, last: $m, before: $before) {{ edges {{ cursor node {{ {node} }} }} "
             "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }")
    forward: list[object] = []
    after = None
    while True:
        page = (await gql(client, query, n=2, after=after, **variables))[field]
        forward += [e["node"] for e in page["edges"]]
        info = page["pageInfo"]
        assert info["hasPreviousPage"] is (after is not None)
        assert (info["startCursor"], info["endCursor"]) == (page["edges"][0]["cursor"], page["edges"][-1]["cursor"])
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    backward: list[object] = []
    before = None
    while True:
        page = (await gql(client, query, m=2, before=before, **variables))[field]
        backward = [e["node"] for e in page["edges"]] + backward
        info = page["pageInfo"]
        assert info["hasNextPage"] is (before is not None)
        if not info["hasPreviousPage"]:
            break
        before = info["startCursor"]
    assert len(forward) >= 5, forward  # enough for three pages each way
    assert backward == forward
    last_two = (await gql(client, query, m=2, **variables))[field]
    assert [e["node"] for e in last_two["edges"]] == forward[-2:]  # the end of the listing, in its order
    assert last_two["pageInfo"]["hasPreviousPage"] and not last_two["pageInfo"]["hasNextPage"]


async def _system(client: httpx.AsyncClient, name: str = "Valley") -> str:
    r = await client.post("/v1/systems", json={"name": name, "level": "local",
                                               "jurisdiction": {"state": "OR", "local_area": "or-test"}})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_partners_page_backward_as_forward_in_reverse(client):
    await add_region(client)
    names = ("Delta Alpha", "Alpha", "Echo Alpha", "Bravo Alpha", "Charlie Alpha Alpha", "Alpha")
    for name, lat in zip(names, (44.90, 44.91, 44.90, 44.92, 44.93, 44.91), strict=True):  # ties by distance too
        assert (await client.post("/v1/partners", json=partner_body(name=name, latitude=lat))).status_code == 201
    await _walk(client, "partners", "", "id name")
    await _walk(client, "partners", 'where: {q: "alpha"}, ', "id name")  # ranked by search: a descending key
    await _walk(client, "partners", "where: {near: {lat: 44.9, lon: -123.0}, radiusKm: 50}, ", "id name")  # by distance


async def test_systems_and_staff_sessions_page_backward_as_forward_in_reverse(client):
    await add_region(client)
    for name in ("Delta", "Alpha", "Echo", "Bravo", "Charlie"):
        await _system(client, name)
    await _walk(client, "systems", "", "id name")
    system, members = await system_with_members(client, members=1)
    session = """mutation($s: UUID!, $input: StaffSessionInput!) { recordStaffSession(systemId: $s, input: $input) {
      __typename } }"""
    for days in (3, 1, 3, 7, 2, 3):  # newest first, ties by id
        done = await gql(client, session, s=system, input={
            "heldOn": (TODAY - timedelta(days=days)).isoformat(), "kind": "TRAINING", "topic": f"T{days}",
            "level": "LOCAL", "agencies": members})
        assert done["recordStaffSession"]["__typename"] == "StaffSession", done
    query = "query($s: UUID!, $n: Int, $after: String, $m: Int, $before: String) { system(id: $s) { staffSessions("
    query += "first: $n, after: $after, last: $m, before: $before"
    forward = await _sessions(client, query, system, "n", "after", "endCursor", "hasNextPage")
    backward = await _sessions(client, query, system, "m", "before", "startCursor", "hasPreviousPage")
    assert len(forward) == 6 and backward == forward


async def _sessions(client: httpx.AsyncClient, query: str, system: str, size: str, cursor_name: str,
                    cursor_field: str, more_field: str) -> list[object]:
    found: list[object] = []
    cursor = None
    while True:
        data = await gql(client, query + ") { edges { node { id heldOn } } pageInfo { hasNextPage "
                          "hasPreviousPage startCursor endCursor } } } }", s=system, **{size: 2, cursor_name: cursor})
        page = data["system"]["staffSessions"]
        nodes = [e["node"] for e in page["edges"]]
        found = found + nodes if cursor_name == "after" else nodes + found
        if not page["pageInfo"][more_field]:
            return found
        cursor = page["pageInfo"][cursor_field]


async def test_rounds_page_backward_as_forward_in_reverse(client):
    system, _ = await system_with_members(client, members=1)
    for started in ("2021-01-01", "2023-01-01", "2022-01-01", "2024-01-01", "2020-01-01"):
        r = await client.post(f"/v1/systems/{system}/rounds", json={"started_on": started})
        assert r.status_code == 201, r.text
        r = await client.post(f"/v1/rounds/{r.json()['id']}/close", json={"closed_on": started[:4] + "-02-01"})
        assert r.status_code == 200, r.text
    await _walk(client, "rounds", "systemId: $s, ", "id startedOn", s=system)


async def test_agreements_and_allocations_page_backward_as_forward_in_reverse(client):
    await add_region(client)
    system = await _system(client)
    parties = []
    for name in ("Board", "College"):
        r = await client.post("/v1/partners", json=partner_body(name=name))
        parties.append(r.json()["id"])
        r = await client.post(f"/v1/systems/{system}/members", json={"partner_id": parties[-1],
                                                                      "representative": "Pat"})
        assert r.status_code in (200, 201), r.text
    create = """mutation($s: UUID!, $input: AgreementInput!) { createAgreement(systemId: $s, input: $input) {
      __typename } }"""
    allocate = """mutation($s: UUID!, $p: String!) { createAllocation(systemId: $s, input: {
        streamCode: "tanf", period: $p, amount: "10", function: "engage_employers"}) { __typename } }"""
    for title, period in (("MOU D", "2026"), ("MOU A", "2024"), ("MOU C", "2026"), ("MOU B", "2025"),
                          ("MOU E", "2023")):
        done = await gql(client, create, s=system, input={"type": "ONE_STOP_MOU", "title": title, "parties": parties})
        assert done["createAgreement"]["__typename"] == "Agreement", done
        done = await gql(client, allocate, s=system, p=period)
        assert done["createAllocation"]["__typename"] == "Allocation", done
    await _walk(client, "agreements", "systemId: $s, ", "id title", s=system)
    await _walk(client, "allocations", "systemId: $s, ", "id period", s=system)


async def test_observations_and_code_titles_page_backward_as_forward_in_reverse(client):
    await add_region(client, "or-test")
    await add_region(client, "or-two")
    rows = [{"region": region, "code": code, "period": period, "source": "bls", "annual_openings": 10,
             "growth_percent": 1.0, "retrieved_at": "2026-01-05T00:00:00Z", "outlook": "Average"}
            for region in ("or-test", "or-two") for code in ("29-1141", "31-1131")
            for period in ("2022-2032", "2024-2034")]
    r = await client.post("/v1/labor-market/observations",
                          content=b"".join(json.dumps(x).encode() + b"\n" for x in rows),
                          headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    await _walk(client, "laborMarketObservations", "", "region code period source")
    await _walk(client, "codeTitles", "scheme: NAICS, ", "code title")


async def test_a_page_asked_both_ways_at_once_is_refused(client):
    r = await client.post("/graphql", json={"query": "{ partners(first: 2, last: 2) { edges { cursor } } }"})
    assert "not both" in r.json()["errors"][0]["message"]
    r = await client.post("/graphql", json={"query": "{ partners(last: 0) { edges { cursor } } }"})
    assert r.json()["errors"][0]["message"] == "last must be between 1 and 500"
