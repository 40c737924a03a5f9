"""Security and tenancy: the permission matrix of every operation, jurisdictions, audit, limits, abuse."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import orjson
import pytest
from fastapi import FastAPI

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.graphql.schema import schema
from api.main import create_app, install_database
from api.repositories.database import Database
from api.routers.access_policy import PUBLIC
from api.settings import Settings
from tests.conftest import add_region, mint_key, partner_body

OR = Jurisdiction(state="OR")
WA = Jurisdiction(state="WA")
KEY_KINDS = ("none", "read", "write_other", "write_this", "admin")
READS = {Scope.DIRECTORY_READ, Scope.SYSTEMS_READ}
WRITES = {Scope.DIRECTORY_WRITE, Scope.SYSTEMS_WRITE, Scope.LMI_WRITE}


def _app(db: Database, **settings: object) -> FastAPI:
    app = create_app(Settings(environment="test", **settings), manage_database=False)  # type: ignore[arg-type]
    install_database(app, db)
    return app


@pytest.fixture
async def private_app(clean_db: Database) -> FastAPI:
    return _app(clean_db, public_directory_read=False)


@pytest.fixture
async def keys(clean_db: Database) -> dict[str, str | None]:
    return {
        "none": None,
        "read": await mint_key(clean_db, *READS, jurisdiction=OR, name="portal read"),
        "write_other": await mint_key(clean_db, *WRITES, jurisdiction=WA, name="WA agency"),
        "write_this": await mint_key(clean_db, *WRITES, jurisdiction=OR, name="OR agency"),
        "admin": await mint_key(clean_db, Scope.ADMIN, name="admin"),
    }


@pytest.fixture
async def private_client(private_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=private_app), base_url="http://test") as c:
        yield c


def _headers(key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"} if key else {}


def _expected(scope: str, kind: str) -> set[int] | None:
    """Statuses the policy demands (None: anything but 401/403, since the request may fail later on)."""
    if scope == PUBLIC or kind == "admin":
        return None
    needed = Scope(scope)
    granted = {"none": set(), "read": READS, "write_other": WRITES | READS, "write_this": WRITES | READS}[kind]
    if needed in granted:
        return None
    return {401} if kind == "none" else {403}


def _operations(app: FastAPI) -> list[tuple[str, str, str]]:
    ops = []
    for path, methods in app.openapi()["paths"].items():
        for method, op in methods.items():
            ops.append((method.upper(), path, op.get("x-required-scope")))
    return ops


async def test_every_operation_declares_a_scope(private_app):
    undeclared = [(m, p) for m, p, scope in _operations(private_app) if scope is None]
    assert not undeclared, f"operations without an access policy: {undeclared}"


async def test_permission_matrix_over_the_live_route_table(private_client, private_app, keys):
    failures = []
    for method, path, scope in _operations(private_app):
        url = re.sub(r"\{[^}]+\}", lambda m: str(uuid.uuid4()) if "id" in m.group(0) else "zz-none", path)
        for kind in KEY_KINDS:
            r = await private_client.request(method, url, headers=_headers(keys[kind]),
                                             json={} if method in {"POST", "PUT", "PATCH"} else None)
            expected = _expected(scope, kind)
            ok = r.status_code in expected if expected else r.status_code not in (401, 403)
            if not ok or r.status_code >= 500:
                failures.append(f"{method} {path} as {kind}: {r.status_code} (policy {scope})")
    assert not failures, "\n".join(failures)


async def test_problem_for_missing_key_says_how_to_authenticate(private_client):
    r = await private_client.get("/v1/partners")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith("Bearer")


async def test_a_bad_or_revoked_key_is_401(client, private_client, keys):
    assert (await private_client.get("/v1/partners", headers=_headers("pw_abcdefgh_" + "x" * 43))).status_code == 401
    assert (await private_client.get("/v1/partners", headers={"Authorization": "Basic abc"})).status_code == 401
    listed = (await client.get("/v1/admin/keys")).json()
    read_key = next(k for k in listed if k["name"] == "portal read")
    assert (await client.delete(f"/v1/admin/keys/{read_key['id']}")).status_code == 200
    assert (await private_client.get("/v1/partners", headers=_headers(keys["read"]))).status_code == 401


async def test_keys_are_shown_once_and_stored_hashed(client, clean_db):
    r = await client.post("/v1/admin/keys", json={"name": "OR sync", "scopes": ["directory:write"],
                                                  "jurisdiction": {"state": "OR"}})
    assert r.status_code == 201, r.text
    full = r.json()["key"]
    assert "key" not in (await client.get("/v1/admin/keys")).json()[0]
    async with clean_db.pool.acquire() as conn:
        stored = await conn.fetch("SELECT secret_hash, prefix FROM api_keys")
    assert all(full.split("_", 2)[2] not in row["secret_hash"] for row in stored)
    r = await client.post("/v1/admin/keys", json={"name": "x", "scopes": ["directory:write"]})
    assert r.status_code == 422, "only admin keys may span every jurisdiction"


async def test_a_state_key_cannot_write_another_states_partners(private_client, client, keys):
    await add_region(client, "or-test")
    created = await client.post("/v1/partners", json=partner_body())
    pid = created.json()["id"]
    wa = _headers(keys["write_other"])
    r = await private_client.post("/v1/partners", json=partner_body(), headers=wa)
    assert r.status_code == 403
    assert (await private_client.patch(f"/v1/partners/{pid}", json={"capacity": 1}, headers=wa)).status_code == 403
    assert (await private_client.delete(f"/v1/partners/{pid}", headers=wa)).status_code == 403
    mine = _headers(keys["write_this"])
    assert (await private_client.patch(f"/v1/partners/{pid}", json={"capacity": 1}, headers=mine)).status_code == 200
    r = await private_client.patch(f"/v1/partners/{pid}", json={"jurisdiction": {"state": "WA"}}, headers=mine)
    assert r.status_code == 403, "a key cannot move a record out of its jurisdiction"


async def test_a_local_area_key_cannot_read_or_change_another_local_areas_systems(client, clean_db, private_client):
    await add_region(client, "or-a")
    await add_region(client, "or-b")
    body = {"name": "B system", "level": "local", "jurisdiction": {"state": "OR", "local_area": "or-b"}}
    other = (await client.post("/v1/systems", json=body)).json()["id"]
    mine_body = {**body, "name": "A system", "jurisdiction": {"state": "OR", "local_area": "or-a"}}
    mine = (await client.post("/v1/systems", json=mine_body)).json()["id"]
    key = _headers(await mint_key(clean_db, Scope.SYSTEMS_WRITE, jurisdiction=Jurisdiction(state="OR",
                                                                                             local_area="or-a")))
    assert (await private_client.get(f"/v1/systems/{mine}", headers=key)).status_code == 200
    assert (await private_client.get(f"/v1/systems/{other}", headers=key)).status_code == 404
    assert (await private_client.get(f"/v1/systems/{other}/gaps", headers=key)).status_code == 404
    r = await private_client.patch(f"/v1/systems/{other}", json={"vision": "taken over"}, headers=key)
    assert r.status_code == 404
    listed = (await private_client.get("/v1/systems", headers=key)).json()["items"]
    assert [s["name"] for s in listed] == ["A system"]
    assert (await private_client.post("/v1/systems", json=body, headers=key)).status_code == 403
    query = "query($id: UUID!) { system(id: $id) { name } }"
    gql = await private_client.post("/graphql", json={"query": query, "variables": {"id": other}}, headers=key)
    assert gql.json()["data"]["system"] is None
    listing = await private_client.post("/graphql", json={"query": "{ systems { edges { node { name } } } }"},
                                        headers=key)
    assert [e["node"]["name"] for e in listing.json()["data"]["systems"]["edges"]] == ["A system"]
    mutation = 'mutation($id: UUID!) { updateSystem(id: $id, input: {vision: "x"}) { __typename } }'
    r = await private_client.post("/graphql", json={"query": mutation, "variables": {"id": other}}, headers=key)
    assert r.json()["data"]["updateSystem"]["__typename"] == "NotFoundError"


async def test_systems_are_never_public(anon_client):
    assert (await anon_client.get("/v1/partners")).status_code == 200, "the directory is public by default"
    assert (await anon_client.get("/v1/systems")).status_code == 401
    r = await anon_client.post("/graphql", json={"query": "{ systems { edges { cursor } } }"})
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_every_graphql_mutation_declares_its_permission():
    mutation = schema.get_type_by_name("Mutation")
    missing = [f.name for f in mutation.fields if not f.permission_classes]
    assert mutation.fields and not missing, f"mutations without a declared permission: {missing}"


async def test_a_read_key_cannot_run_mutations(private_client, keys):
    r = await private_client.post("/graphql", headers=_headers(keys["read"]), json={"query": """
        mutation { createPartner(input: {name: "x", partnerType: "employer", level: LOCAL,
                                         jurisdiction: {state: "OR"}}) { __typename } }"""})
    assert "scope" in r.json()["errors"][0]["message"]


async def test_every_write_is_audited_with_old_and_new_values(client, clean_db, admin_db):
    await add_region(client, "or-test")
    pid = (await client.post("/v1/partners", json=partner_body())).json()["id"]
    await client.patch(f"/v1/partners/{pid}", json={"capacity": 42})
    r = await client.get("/v1/audit", params={"kind": "partner", "record_id": pid})
    assert r.status_code == 200
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == ["update", "create"]
    assert entries[0]["changes"] == {"capacity": {"old": None, "new": 42}}
    assert entries[0]["actor"] == "test admin" and entries[0]["key_id"]
    async with clean_db.pool.acquire() as conn:  # the service's own role may not even try
        for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await conn.execute(statement)
    async with admin_db.pool.acquire() as conn, conn.transaction():  # nor may the owner of the table
        await conn.execute("SET LOCAL ROLE pathways_owner")
        for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(asyncpg.PostgresError, match="append-only"):
                async with conn.transaction():
                    await conn.execute(statement)


async def test_rate_limit_answers_429_with_retry_after_and_is_per_key(clean_db):
    app = _app(clean_db, rate_limit_per_minute=3, anonymous_rate_limit_per_minute=2)
    one, two = await mint_key(clean_db, *READS, jurisdiction=OR), await mint_key(clean_db, *READS, jurisdiction=OR)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        statuses = [(await c.get("/v1/partners", headers=_headers(one))).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = await c.get("/v1/partners", headers=_headers(one))
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.headers["ratelimit-remaining"] == "0"
        assert limited.headers["content-type"] == "application/problem+json"
        ok = await c.get("/v1/partners", headers=_headers(two))
        assert ok.status_code == 200 and ok.headers["ratelimit-limit"] == "3"
        anon = [(await c.get("/v1/partners")).status_code for _ in range(3)]
        assert anon == [200, 200, 429]


async def test_deep_query_is_refused_with_a_clear_error_and_the_service_keeps_answering(clean_db, admin_key):
    app = _app(clean_db, graphql_max_depth=3)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers=_headers(admin_key)) as c:
        deep = "{ systems { edges { node { members { partner { services { name } } } } } } }"
        r = await c.post("/graphql", json={"query": deep})
        assert "exceeds maximum operation depth" in r.json()["errors"][0]["message"]
        assert (await c.post("/graphql", json={"query": "{ partners { edges { cursor } } }"})).status_code == 200


async def test_huge_body_is_413_while_other_requests_still_succeed(app, client):
    async def huge() -> httpx.Response:
        return await client.post("/v1/partners", content=b"[" + b"1," * (25 * 1024 * 1024) + b"1]",
                                  headers={"content-type": "application/json"})

    big, health = await asyncio.gather(huge(), client.get("/healthz"))
    assert big.status_code == 413
    assert health.status_code == 200


async def test_responses_carry_security_headers(anon_client):
    r = await anon_client.get("/healthz")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"


async def test_cors_exposes_the_headers_clients_need(clean_db):
    app = _app(clean_db, cors_origins=["https://portal.example"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        r = await c.get("/v1/reference/populations", headers={"Origin": "https://portal.example"})
        assert r.headers["access-control-allow-origin"] == "https://portal.example"
        exposed = r.headers["access-control-expose-headers"].lower()
        assert {"etag", "link", "location"} <= {h.strip() for h in exposed.split(",")}
        other = await c.get("/v1/reference/populations", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_expensive_query_is_refused_by_the_cost_limit(clean_db, admin_key):
    app = _app(clean_db, graphql_max_cost=5_000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers=_headers(admin_key)) as c:
        costly = "{ partners(first: 500) { edges { node { name services { name category } } } } }"
        r = await c.post("/graphql", json={"query": costly})
        assert "exceeds the limit" in r.json()["errors"][0]["message"]
        cheap = "{ partners(first: 20) { edges { node { name services { name } } } } }"
        assert "errors" not in (await c.post("/graphql", json={"query": cheap})).json()


async def test_a_local_area_key_sees_only_its_area_through_sync_export_and_the_change_feed(client, clean_db, app):
    await add_region(client, "or-a")
    await add_region(client, "or-b")
    rows = [{"external_id": f"{area}-1", "name": f"Provider in {area}", "partner_type": "employer",
             "level": "local", "jurisdiction": {"state": "OR", "local_area": area}} for area in ("or-a", "or-b")]
    body = b"\n".join(orjson.dumps(r) for r in rows)
    assert (await client.post("/v1/sync/partners", params={"source": "or-wd"}, content=body)).status_code == 200
    area_a = Jurisdiction(state="OR", local_area="or-a")
    key = _headers(await mint_key(clean_db, Scope.DIRECTORY_WRITE, jurisdiction=area_a))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                                 headers=key) as local:
        exported = [orjson.loads(line)["name"] for line in (await local.get("/v1/export/partners")).text.splitlines()]
        assert exported == ["Provider in or-a"]
        feed = (await local.get("/v1/changes")).json()["changes"]
        assert [c["partner"]["name"] for c in feed] == ["Provider in or-a"]
        takeover = {**rows[1], "name": "Taken over"}
        r = await local.post("/v1/sync/partners", params={"source": "or-wd"}, content=orjson.dumps(takeover))
        assert r.status_code == 422
        assert "may not change" in r.json()["errors"][0]["message"]
        empty = await local.post("/v1/sync/partners", params={"source": "or-wd", "mode": "complete"}, content=b"")
        assert empty.status_code == 422, "an empty complete set is refused, never a wipe"
        newcomer = orjson.dumps({**rows[0], "external_id": "or-a-2", "name": "Newcomer in or-a"})
        complete = await local.post("/v1/sync/partners", params={"source": "or-wd", "mode": "complete",
                                                                 "allow_mass_retire": "true"}, content=newcomer)
        assert complete.json()["retired"] == 1, "complete mode retires only inside the key's own area"
    names = {p["name"]: p["status"] for p in (await client.get("/v1/partners", params={"status": "active"})).json()[
        "items"]}
    assert names == {"Provider in or-b": "active", "Newcomer in or-a": "active"}


async def test_a_10_mb_ndjson_line_is_rejected_while_the_service_keeps_answering(client):
    line = orjson.dumps({"external_id": "big", "name": "x", "description": "y" * (10 * 1024 * 1024)})

    async def big() -> httpx.Response:
        return await client.post("/v1/sync/partners", params={"source": "or-wd"}, content=line + b"\n")

    r, health = await asyncio.gather(big(), client.get("/healthz"))
    assert r.status_code == 422
    assert r.json()["errors"] == [{"line": 1, "field": "", "message": r.json()["errors"][0]["message"]}]
    assert "exceeds" in r.json()["errors"][0]["message"]
    assert health.status_code == 200
