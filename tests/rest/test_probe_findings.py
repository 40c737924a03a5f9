"""Regression tests of what probing every operation across jurisdictions and with hostile input found (issue 16).

Each section is one numbered finding; the walk over every operation is ``test_jurisdiction_probes.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.main import create_app, install_database
from api.repositories.database import Database
from api.settings import Settings
from tests.conftest import add_region, mint_key, partner_body

OR = Jurisdiction(state="OR")
WA = Jurisdiction(state="WA")
STATE_SCOPES = (Scope.DIRECTORY_WRITE, Scope.SYSTEMS_WRITE, Scope.LMI_WRITE)


def _headers(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
async def private_app(clean_db: Database) -> FastAPI:
    app = create_app(Settings(environment="test", public_directory_read=False), manage_database=False)
    install_database(app, clean_db)
    return app


@pytest.fixture
async def states(clean_db: Database) -> dict[str, dict[str, str]]:
    """Headers of a key of each state holding every scope a state key can have."""
    return {
        "OR": _headers(await mint_key(clean_db, *STATE_SCOPES, jurisdiction=OR, name="OR agency")),
        "WA": _headers(await mint_key(clean_db, *STATE_SCOPES, jurisdiction=WA, name="WA agency")),
    }


@pytest.fixture
async def anyone(private_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a key of its own: each request presents one."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=private_app), base_url="http://test") as c:
        yield c


# --- 1. Region hijack ------------------------------------------------------------------------------------


async def _region(client: httpx.AsyncClient, code: str) -> dict[str, str]:
    regions = (await client.get("/v1/reference/regions")).json()
    return next(r for r in regions if r["code"] == code)


async def test_a_state_key_cannot_take_another_states_region(client, anyone, states):
    await add_region(client, "or-brightwater", "OR")
    await add_region(client, "wa-cascade", "WA")
    for key, taken, other in (("WA", "or-brightwater", "OR"), ("OR", "wa-cascade", "WA")):
        r = await anyone.put(f"/v1/reference/regions/{taken}", json={"name": "Ours now", "state": key},
                             headers=states[key])
        assert r.status_code == 403, r.text
        assert await _region(client, taken) == {"code": taken, "name": f"Region {taken}", "state": other,
                                                "kind": "local_area"}
    mine = partner_body(jurisdiction={"state": "OR", "local_area": "or-brightwater"}, regions_served=["or-brightwater"])
    assert (await anyone.post("/v1/partners", json=mine, headers=states["OR"])).status_code == 201


async def test_a_state_key_cannot_move_its_own_region_to_another_state_but_may_rename_it(client, anyone, states):
    await add_region(client, "or-brightwater", "OR")
    moved = await anyone.put("/v1/reference/regions/or-brightwater", json={"name": "Gone", "state": "WA"},
                             headers=states["OR"])
    assert moved.status_code == 403
    assert "only an admin" in moved.json()["detail"]
    renamed = await anyone.put("/v1/reference/regions/or-brightwater", json={"name": "Brightwater", "state": "OR"},
                               headers=states["OR"])
    assert renamed.status_code == 200, renamed.text
    assert (await _region(client, "or-brightwater"))["name"] == "Brightwater"


async def test_a_state_key_cannot_create_a_region_in_another_state(anyone, states):
    r = await anyone.put("/v1/reference/regions/wa-new", json={"name": "New", "state": "WA"}, headers=states["OR"])
    assert r.status_code == 403
    assert (await anyone.put("/v1/reference/regions/or-new", json={"name": "New", "state": "OR"},
                             headers=states["OR"])).status_code == 200


async def test_a_local_area_key_may_rename_its_own_area_only(client, anyone, clean_db):
    await add_region(client, "or-a")
    await add_region(client, "or-b")
    key = _headers(await mint_key(clean_db, Scope.DIRECTORY_WRITE, jurisdiction=Jurisdiction(state="OR",
                                                                                               local_area="or-a")))
    assert (await anyone.put("/v1/reference/regions/or-a", json={"name": "A", "state": "OR"},
                             headers=key)).status_code == 200
    assert (await anyone.put("/v1/reference/regions/or-b", json={"name": "B", "state": "OR"},
                             headers=key)).status_code == 403
    as_county = await anyone.put("/v1/reference/regions/or-a", json={"name": "A", "state": "OR", "kind": "county"},
                                 headers=key)
    assert as_county.status_code == 403, "a county belongs to the state, not to the local area"


async def test_an_admin_may_move_a_region_and_the_audit_log_keeps_both_states(client):
    await add_region(client, "or-brightwater", "OR")
    r = await client.put("/v1/reference/regions/or-brightwater", json={"name": "Region or-brightwater",
                                                                       "state": "WA"})
    assert r.status_code == 200, r.text
    audit = (await client.get("/v1/audit", params={"kind": "region", "record_id": "or-brightwater"})).json()["items"]
    assert [e["action"] for e in audit] == ["update", "create"]
    assert audit[0]["changes"] == {"state": {"old": "OR", "new": "WA"}}


async def test_two_states_creating_one_region_at_once_give_it_to_one_of_them(anyone, states):
    async def put(state: str) -> httpx.Response:
        return await anyone.put("/v1/reference/regions/contested", json={"name": state, "state": state},
                                headers=states[state])

    results = await asyncio.gather(put("OR"), put("WA"))
    assert sorted(r.status_code for r in results) == [200, 403]
    winner = next(r for r in results if r.status_code == 200).json()
    regions = (await anyone.get("/v1/reference/regions", headers=states["OR"])).json()
    assert next(r for r in regions if r["code"] == "contested") == winner


# --- 2. No ids or existence leak through access errors ----------------------------------------------------


async def _system_with_open_round(client: httpx.AsyncClient, state: str) -> tuple[str, str, str]:
    """A system of ``state`` with one member and an open round: (system id, member id, round id)."""
    partner = await client.post("/v1/partners", json=partner_body(name=f"{state} college",
                                                                  jurisdiction={"state": state},
                                                                  regions_served=[]))
    system = await client.post("/v1/systems", json={"name": f"{state} system", "level": "state",
                                                    "jurisdiction": {"state": state}})
    sid, pid = system.json()["id"], partner.json()["id"]
    member = {"partner_id": pid, "representative": "Pat", "team": "leadership"}
    assert (await client.post(f"/v1/systems/{sid}/members", json=member)).status_code == 201
    rid = (await client.post(f"/v1/systems/{sid}/rounds", json={})).json()["id"]
    return sid, pid, rid


def _same_problem(r: httpx.Response, unknown: httpx.Response, asked: str, unknown_id: str) -> None:
    assert r.status_code == unknown.status_code == 404
    hidden, missing = r.json(), unknown.json()
    assert {k: v for k, v in hidden.items() if k != "instance"} == {
        k: (v.replace(unknown_id, asked) if isinstance(v, str) else v) for k, v in missing.items() if k != "instance"}


async def test_another_states_round_is_reported_exactly_as_an_unknown_one(client, anyone, states):
    sid, pid, rid = await _system_with_open_round(client, "WA")
    unknown = str(uuid.uuid4())
    probes = [
        ("GET", "/v1/rounds/{}", None), ("GET", "/v1/rounds/{}/score", None), ("GET", "/v1/rounds/{}/chart.svg", None),
        ("POST", "/v1/rounds/{}/close", {}),
        ("PUT", "/v1/rounds/{}/responses/" + pid, {"ratings": {"1.1": 2}}),
        ("POST", "/v1/rounds/{}/next-steps/actions", {"goal_id": str(uuid.uuid4()), "owner_id": pid}),
    ]
    for method, template, body in probes:
        hidden = await anyone.request(method, template.format(rid), json=body, headers=states["OR"])
        missing = await anyone.request(method, template.format(unknown), json=body, headers=states["OR"])
        assert sid not in hidden.text, f"{method} {template} names the other state's system"
        _same_problem(hidden, missing, rid, unknown)
    mutations = {
        "closeRound": "mutation($id: UUID!) { closeRound(roundId: $id) "
                      "{ __typename ... on NotFoundError { message } } }",
        "recordResponse": "mutation($id: UUID!, $p: UUID!) { recordResponse(roundId: $id, respondentId: $p, "
                          "input: {ratings: [{indicatorCode: \"1.1\", value: 2}]}) "
                          "{ __typename ... on NotFoundError { message } } }",
        "nextStepsToActions": "mutation($id: UUID!, $p: UUID!) { nextStepsToActions(roundId: $id, "
                              "input: {goalId: $p, ownerId: $p}) { __typename ... on NotFoundError { message } } }",
    }
    for name, mutation in mutations.items():
        answers = []
        for ident in (rid, unknown):
            r = await anyone.post("/graphql", json={"query": mutation, "variables": {"id": ident, "p": pid}},
                                  headers=states["OR"])
            assert "errors" not in r.json(), r.text
            answers.append(r.json()["data"][name])
        assert answers[0] == {k: v.replace(unknown, rid) for k, v in answers[1].items()}, name
        assert answers[0]["__typename"] == "NotFoundError" and sid not in answers[0]["message"]


# --- 6. Concurrent conditional deletes -------------------------------------------------------------------


@pytest.mark.parametrize("conditional", [True, False])
async def test_of_ten_concurrent_deletes_exactly_one_succeeds_and_is_audited_once(client, conditional):
    await add_region(client, "or-test")
    created = await client.post("/v1/partners", json=partner_body())
    pid = created.json()["id"]
    service = await client.post(f"/v1/partners/{pid}/services", json={"name": "Welding", "category": "training"})
    sid = service.json()["id"]
    for path, etag in ((f"/v1/partners/{pid}/services/{sid}", service.headers["etag"]),
                       (f"/v1/partners/{pid}", (await client.get(f"/v1/partners/{pid}")).headers["etag"])):
        headers = {"If-Match": etag} if conditional else {}
        results = await asyncio.gather(*(client.delete(path, headers=headers) for _ in range(10)))
        statuses = sorted(r.status_code for r in results)
        assert statuses.count(204) == 1, statuses
        assert set(statuses) - {204} <= ({412, 404} if conditional else {404}), statuses
        record = path.rsplit("/", 1)[1]
        audit = (await client.get("/v1/audit", params={"record_id": record, "action": "delete"})).json()["items"]
        assert len(audit) == 1


async def test_a_delete_naming_a_version_that_was_updated_meanwhile_is_refused(client):
    await add_region(client, "or-test")
    created = await client.post("/v1/partners", json=partner_body())
    pid, etag = created.json()["id"], created.headers["etag"]
    assert (await client.patch(f"/v1/partners/{pid}", json={"capacity": 3})).status_code == 200
    assert (await client.delete(f"/v1/partners/{pid}", headers={"If-Match": etag})).status_code == 412
    assert (await client.get(f"/v1/partners/{pid}")).status_code == 200


# --- 8. Audit entries carry old and new values ------------------------------------------------------------


async def _audit(client: httpx.AsyncClient, **params: str) -> list[dict[str, object]]:
    return (await client.get("/v1/audit", params=params)).json()["items"]


async def test_member_changes_and_removals_are_audited_with_old_and_new_values(client):
    await add_region(client, "or-test")
    pid = (await client.post("/v1/partners", json=partner_body())).json()["id"]
    sid = (await client.post("/v1/systems", json={"name": "S", "level": "state",
                                                 "jurisdiction": {"state": "OR"}})).json()["id"]
    member = {"partner_id": pid, "representative": "Pat", "team": "leadership"}
    assert (await client.post(f"/v1/systems/{sid}/members", json=member)).status_code == 201
    assert (await client.patch(f"/v1/systems/{sid}/members/{pid}", json={"representative": "Sam"})).status_code == 200
    assert (await client.delete(f"/v1/systems/{sid}/members/{pid}")).status_code == 200
    entries = {e["action"]: e["changes"] for e in await _audit(client, kind="system", record_id=sid)}
    key = f"members[{pid}]"
    as_added = {"partner_id": pid, "representative": "Pat", "team": "leadership", "joined_on": None}
    assert entries["add_member"] == {key: {"old": None, "new": as_added}}
    assert entries["update_member"] == {key: {"old": as_added, "new": {**as_added, "representative": "Sam"}}}
    assert entries["remove_member"] == {key: {"old": {**as_added, "representative": "Sam"}, "new": None}}
    assert (await client.delete(f"/v1/systems/{sid}")).status_code == 204
    removed = next(e for e in await _audit(client, kind="system", record_id=sid) if e["action"] == "delete")
    assert removed["changes"]["name"] == {"old": "S", "new": None}


async def test_every_update_and_removal_in_the_audit_log_names_old_values(client):
    """Walk the audit log after a round of writes: no update or removal lacks an old value."""
    await add_region(client, "or-test")
    await client.put("/v1/reference/regions/or-test", json={"name": "Renamed", "state": "OR"})
    key = (await client.post("/v1/admin/keys", json={"name": "k", "scopes": ["directory:read"],
                                                     "jurisdiction": {"state": "OR"}})).json()
    assert (await client.delete(f"/v1/admin/keys/{key['id']}")).status_code == 200
    assert (await client.delete(f"/v1/admin/keys/{key['id']}")).status_code == 200, "revoking again changes nothing"
    functions = (await client.get("/v1/reference/functions")).json()
    first = functions[0]
    body = {k: first[k] for k in ("name", "description", "core", "element", "service_categories")}
    assert (await client.put(f"/v1/reference/functions/{first['code']}",
                             json={**body, "description": "changed"})).status_code == 200
    entries = await _audit(client, limit="500")
    updates = [e for e in entries if e["action"] not in ("create", "add_member", "start_round")]
    assert {e["kind"] for e in updates} >= {"region", "api_key", "function"}
    for entry in updates:
        assert entry["changes"], entry
        assert all(change["old"] is not None for change in entry["changes"].values()
                   if entry["kind"] != "api_key"), entry
    revocations = [e for e in entries if e["kind"] == "api_key" and e["action"] == "revoke"]
    assert len(revocations) == 1 and revocations[0]["changes"]["revoked_at"]["old"] is None
    assert revocations[0]["changes"]["revoked_at"]["new"]


# --- 4. Client mistakes and aborts are 4xx, a database lost mid-upload a 503 ------------------------------


async def test_a_chunked_body_over_the_limit_with_an_idempotency_key_is_413(client):
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(3):  # 3 MiB without a Content-Length against the 1 MiB limit of the test app
            yield b" " * (1024 * 1024)

    r = await client.post("/v1/partners", content=chunks(), headers={"Idempotency-Key": "big-1",
                                                                     "Content-Type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    again = await client.post("/v1/partners", json=partner_body(jurisdiction={"state": "OR"}, regions_served=[]),
                              headers={"Idempotency-Key": "big-1"})
    assert again.status_code == 201, "the refused request left its key free"


def _forged(*values: object) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


ORDERS = ("name", "q", "near", "systems", "agreements", "allocations", "rounds", "connections", "audit", "lmi",
          "titles:soc", "changes")
INVALID_KEYS: tuple[object, ...] = (10**30, -(2**63), None, [1])  # for every order
ODD_KEYS: tuple[object, ...] = (1e308, -1, "x")  # valid for some orders, never a 5xx


async def test_forged_cursors_with_numbers_too_large_for_the_database_are_422_everywhere(clean_db, admin_key):
    """Every cursor parameter of the route table, and every GraphQL ``after``, against cursors of every order
    holding keys of the wrong type or too large for the database."""
    app = create_app(Settings(environment="test", rate_limit_per_minute=100_000), manage_database=False)
    install_database(app, clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers=_headers(admin_key)) as client:
        await _forge_cursors(app, client)


async def _forge_cursors(app: FastAPI, client: httpx.AsyncClient) -> None:
    sid = (await client.post("/v1/systems", json={"name": "S", "level": "state",
                                                 "jurisdiction": {"state": "OR"}})).json()["id"]
    pid = (await client.post("/v1/partners", json=partner_body(jurisdiction={"state": "OR"},
                                                               regions_served=[]))).json()["id"]
    invalid = [_forged(order, key, str(uuid.uuid4())) for order in ORDERS for key in INVALID_KEYS]
    invalid += [_forged("changes", 10**30, 1), _forged("changes", 1, 2**63), _forged("changes", -1, 1)]
    odd = [_forged(order, key, str(uuid.uuid4())) for order in ORDERS for key in ODD_KEYS]
    probed = 0
    spec = app.openapi()
    shared = spec.get("components", {}).get("parameters", {})
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = [shared[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
                      for p in operation.get("parameters", [])]
            names = [p["name"] for p in params if p["in"] == "query" and p["name"] in ("cursor", "since", "after")]
            if method != "get" or not names:
                continue
            url = path.replace("{system_id}", sid).replace("{partner_id}", pid).replace("{kind}", "partners")
            for cursor in invalid + odd:
                r = await client.get(url, params={names[0]: cursor})
                assert r.status_code == 422 if cursor in invalid else r.status_code < 500, (
                    url, cursor, r.status_code, r.text)
            probed += 1
    assert probed >= 10
    for cursor in invalid:
        r = await client.post("/graphql", json={"query": "query($a: String) { partners(after: $a) { edges { cursor }"
                                                         " } }", "variables": {"a": cursor}})
        assert r.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT", r.text


@pytest.mark.parametrize("path", ["/v1/sync/partners?source=or-wd", "/v1/labor-market/observations",
                                  "/v1/sync/hsds?source=x&state=OR"])
async def test_a_database_connection_lost_while_the_body_uploads_is_a_503_problem(clean_db, admin_key, database_dsn,
                                                                                  path):
    import asyncpg

    app = create_app(Settings(environment="test"), manage_database=False)
    install_database(app, clean_db)
    killed = asyncio.Event()
    first = b"[" if "hsds" in path else b'{"external_id": "a", "name": "A", "partner_type": "employer", ' \
                                         b'"level": "local", "jurisdiction": {"state": "OR"}}\n'

    async def body() -> AsyncIterator[bytes]:
        yield first
        await killed.wait()  # the request holds its transaction, idle, while the client is slow
        yield b"]" if "hsds" in path else b""

    async def kill() -> None:
        conn = await asyncpg.connect(database_dsn)
        try:
            for _ in range(500):
                pids = await conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")
                if pids:
                    break
                await asyncio.sleep(0.02)
            assert pids, "the upload never opened its transaction"
            for row in pids:
                await conn.fetchval("SELECT pg_terminate_backend($1)", row["pid"])
        finally:
            await conn.close()
            killed.set()

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://test", headers=_headers(admin_key)) as c:
        content_type = "application/json" if "hsds" in path else "application/x-ndjson"
        r, _ = await asyncio.gather(c.post(path, content=body(), headers={"Content-Type": content_type}), kill())
        assert r.status_code == 503, r.text
        assert r.json()["type"] == "/problems/database-unavailable"
        assert (await c.get("/v1/partners")).json()["items"] == [], "nothing was applied"


async def test_a_body_that_stops_arriving_is_408_on_every_path_that_reads_one(clean_db, admin_key):
    app = create_app(Settings(environment="test", body_idle_timeout_s=0.2), manage_database=False)
    install_database(app, clean_db)
    never = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield b'{"name": '
        await never.wait()

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers=_headers(admin_key)) as c:
        for path, headers in (("/v1/partners", {}), ("/v1/partners", {"Idempotency-Key": "slow-1"}),
                              ("/v1/sync/partners?source=or-wd", {"Content-Type": "application/x-ndjson"}),
                              ("/graphql", {})):
            r = await c.post(path, content=stalled(), headers={"Content-Type": "application/json", **headers})
            assert r.status_code == 408, (path, r.status_code, r.text)
            assert r.headers["content-type"] == "application/problem+json"
        assert (await c.get("/healthz")).status_code == 200


# --- 5. Bounds: free-text filters, database errors -------------------------------------------------------


FILTERS = [
    # (REST path, parameter, GraphQL document, variable path)
    ("/v1/partners", "q", "query($v: String) { partners(where: {q: $v}) { edges { cursor } } }"),
    ("/v1/reference/occupations", "q", "query($v: String) { codeTitles(scheme: SOC, q: $v) { edges { cursor } } }"),
    ("/v1/partners", "region", "query($v: String) { partners(where: {region: $v}) { edges { cursor } } }"),
    ("/v1/partners", "partner_type",
     "query($v: String) { partners(where: {partnerType: $v}) { edges { cursor } } }"),
    ("/v1/labor-market/observations", "source",
     "query($v: String) { laborMarketObservations(where: {source: $v}) { edges { cursor } } }"),
    ("/v1/partners", "cursor", "query($v: String) { partners(after: $v) { edges { cursor } } }"),
]


@pytest.mark.parametrize(("path", "name", "document"), FILTERS)
async def test_a_filter_has_the_same_maximum_length_in_rest_and_graphql(client, path, name, document):
    from api.domain.filters import MAX_CODE_LENGTH, MAX_CURSOR_LENGTH, MAX_SEARCH_LENGTH

    limit = {"q": MAX_SEARCH_LENGTH, "cursor": MAX_CURSOR_LENGTH}.get(name, MAX_CODE_LENGTH)
    for value, refused in (("a" * limit, False), ("a" * (limit + 1), True), ("a" * 900_000, True)):
        # A URL cannot carry 900 kB (clients and servers refuse it before us); a GraphQL body can.
        rest = await client.get(path, params={name: value[:60_000]})
        gql = (await client.post("/graphql", json={"query": document, "variables": {"v": value}})).json()
        if name == "cursor":  # a cursor of the right length is still not one of ours
            assert rest.status_code == 422 and gql["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
        elif refused:
            assert rest.status_code == 422, rest.text
            assert gql["errors"][0]["extensions"]["code"] == "INVALID_INPUT", gql
            assert gql["errors"][0]["extensions"]["errors"][0]["message"] == f"must be at most {limit} characters"
        else:
            assert rest.status_code == 200, rest.text
            assert "errors" not in gql, gql


async def test_graphql_checks_coordinates_and_radius_as_rest_does(client):
    document = "query($w: PartnerFilterInput) { partners(where: $w) { edges { cursor } } }"
    for where in ({"near": {"lat": 1e308, "lon": 0}}, {"near": {"lat": 45, "lon": -190}},
                  {"near": {"lat": 45, "lon": -120}, "radiusKm": 1e9}, {"radiusKm": 5}, {"jurisdiction": "Oregon"}):
        r = (await client.post("/graphql", json={"query": document, "variables": {"w": where}})).json()
        assert r["errors"][0]["extensions"]["code"] == "INVALID_INPUT", (where, r)


class _Broken:
    """A unit of work whose database fails with ``exc`` (its message must never reach a client)."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def __call__(self, readonly: bool, caller: object) -> _Broken:
        return self

    async def __aenter__(self) -> object:
        raise self.exc

    async def __aexit__(self, *exc: object) -> None:
        return None


async def test_database_errors_are_never_echoed_to_clients(app):
    import asyncpg

    secret = 'relation "partners_secret" does not exist at character 42: SELECT password FROM api_keys'
    for exc, status, code in ((asyncpg.UndefinedTableError(secret), 500, "INTERNAL_SERVER_ERROR"),
                              (RuntimeError(secret), 500, "INTERNAL_SERVER_ERROR"),
                              (ConnectionRefusedError(secret), 503, "DATABASE_UNAVAILABLE")):
        app.state.uow_factory = _Broken(exc)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                     base_url="http://test") as anon:
            rest = await anon.get("/v1/partners")
            gql = await anon.post("/graphql", json={"query": "{ partners { edges { cursor } } }"})
        assert rest.status_code == status and rest.headers["content-type"] == "application/problem+json"
        assert gql.json()["errors"][0]["extensions"] == {"code": code}
        for r in (rest, gql):
            assert "partners_secret" not in r.text and "password" not in r.text, r.text


# --- 8. GraphQL transport errors are problems ------------------------------------------------------------


@pytest.mark.parametrize(("method", "content", "headers", "status"), [
    ("POST", b"{not json", {"Content-Type": "application/json"}, 400),
    ("POST", b"{}", {"Content-Type": "application/json"}, 400),
    ("POST", b"query=1", {"Content-Type": "text/plain"}, 400),
    ("GET", None, {"Accept": "application/json"}, 400),
    ("PUT", b"{}", {"Content-Type": "application/json"}, 405),
])
async def test_graphql_transport_errors_are_problem_json(client, method, content, headers, status):
    params = {"query": "mutation { deletePartner(id: \"x\") { __typename } }"} if method == "GET" else None
    r = await client.request(method, "/graphql", content=content, headers=headers, params=params)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json", (r.status_code, r.text)
    assert r.json()["status"] == r.status_code


# --- 7. Least privilege in the database ------------------------------------------------------------------


async def test_the_service_role_owns_nothing_and_may_only_read_and_write_rows(clean_db, admin_db):
    import asyncpg

    async with clean_db.pool.acquire() as conn:
        me = await conn.fetchval("SELECT current_user")
        assert me == "pathways_service"
        assert not await conn.fetchval("SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles "
                                       "WHERE rolname = current_user")
        owned = await conn.fetch("SELECT relname FROM pg_class WHERE relowner = to_regrole(current_user) "
                                 "AND relnamespace = 'public'::regnamespace")
        assert owned == []
        refused = [
            "TRUNCATE audit_log", "UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "TRUNCATE partners",
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", "ALTER TABLE partners ADD COLUMN x int",
            "DROP TABLE rate_limits", "CREATE TABLE public.mine (x int)", "SET session_replication_role = replica",
            "UPDATE alembic_version SET version_num = 'x'", "CREATE TRIGGER t BEFORE DELETE ON partners "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        ]
        for statement in refused:
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                async with conn.transaction():
                    await conn.execute(statement)
        async with conn.transaction():  # what it may do: add to the log, read it
            await conn.execute("INSERT INTO audit_log (id, actor, action, kind, record_id, changes) "
                               "VALUES (gen_random_uuid(), 'test', 'probe', 'test', 'x', '{}')")
            assert await conn.fetchval("SELECT count(*) FROM audit_log") == 1
    async with admin_db.pool.acquire() as conn:
        owners = {r["owner"] for r in await conn.fetch(
            "SELECT tableowner AS owner FROM pg_tables WHERE schemaname = 'public'")}
        assert owners == {"pathways_owner"}, "migrations ran as the owner role"
        functions = {r["owner"] for r in await conn.fetch(
            "SELECT proowner::regrole::text AS owner FROM pg_proc WHERE pronamespace = 'public'::regnamespace")}
        assert functions == {"pathways_owner"}


async def test_preparing_databases_in_parallel_creates_the_roles_once_and_grants_each(server_dsn):
    """Roles belong to the whole server: concurrent preparations (parallel test runs, several processes
    starting at once) must neither fail nor leave a database without its grants."""
    import sys

    import asyncpg

    from tests.conftest import create_database, drop_database

    made = [await create_database(server_dsn) for _ in range(3)]
    script = ("import asyncio, sys; from api.repositories import bootstrap; "
              "print(asyncio.run(bootstrap.prepare(sys.argv[1])))")

    async def prepare_elsewhere(dsn: str) -> str:  # one process each, as parallel test runs or servers are
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", script, dsn,
                                                       stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        return out.decode().strip()

    try:
        served = await asyncio.gather(*(prepare_elsewhere(dsn) for _, dsn in made))
        for dsn in served:
            conn = await asyncpg.connect(dsn)
            try:
                assert await conn.fetchval("SELECT current_user") == "pathways_service"
                assert await conn.fetchval("SELECT count(*) FROM partner_types") > 0
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute("TRUNCATE audit_log")
            finally:
                await conn.close()
    finally:
        for name, _ in made:
            await drop_database(server_dsn, name)


async def test_a_database_made_before_the_roles_is_handed_to_the_owner(server_dsn):
    """An existing deployment (tables owned by the superuser that migrated them) is taken over on start."""
    import asyncpg

    from api.repositories import bootstrap
    from api.repositories.database import migrate
    from tests.conftest import create_database, drop_database

    name, dsn = await create_database(server_dsn)
    try:
        await asyncio.to_thread(migrate, dsn)  # as the superuser, as before roles existed
        served = await bootstrap.prepare(dsn)
        conn = await asyncpg.connect(dsn)
        try:
            owners = {r[0] for r in await conn.fetch("SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")}
            assert owners == {"pathways_owner"}
        finally:
            await conn.close()
        service = await asyncpg.connect(served)
        try:
            await service.execute("INSERT INTO rate_limits (bucket, window_start, hits) VALUES ('x', now(), 1)")
        finally:
            await service.close()
    finally:
        await drop_database(server_dsn, name)
