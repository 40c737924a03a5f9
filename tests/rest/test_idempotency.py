"""Idempotency-Key on creating POSTs: a retry gets the first response, held in the database."""

from __future__ import annotations

import httpx

from api.main import create_app, install_database
from api.settings import Settings
from tests.conftest import add_region, partner_body


async def _count(client: httpx.AsyncClient) -> int:
    r = await client.get("/v1/partners", params={"include_total": "true", "limit": 1})
    return int(r.json()["total"])


async def test_a_retry_with_the_same_key_and_body_returns_the_first_response_and_creates_once(client):
    await add_region(client)
    headers = {"Idempotency-Key": "create-cascade-1"}
    first = await client.post("/v1/partners", json=partner_body(), headers=headers)
    second = await client.post("/v1/partners", json=partner_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert await _count(client) == 1


async def test_the_same_key_with_a_different_body_is_422(client):
    await add_region(client)
    headers = {"Idempotency-Key": "create-cascade-2"}
    await client.post("/v1/partners", json=partner_body(), headers=headers)
    r = await client.post("/v1/partners", json=partner_body(name="Other"), headers=headers)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert await _count(client) == 1


async def test_keys_hold_across_app_instances_sharing_the_database(client, clean_db, admin_key):
    await add_region(client)
    headers = {"Idempotency-Key": "across-workers"}
    first = await client.post("/v1/partners", json=partner_body(), headers=headers)
    other = create_app(Settings(environment="test"), manage_database=False)
    install_database(other, clean_db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://test",
                                 headers={"Authorization": f"Bearer {admin_key}"}) as second_worker:
        again = await second_worker.post("/v1/partners", json=partner_body(), headers=headers)
    assert again.json()["id"] == first.json()["id"]
    assert await _count(client) == 1


async def test_keys_are_scoped_to_the_caller(client, anon_client):
    await add_region(client)
    headers = {"Idempotency-Key": "shared-name"}
    mine = await client.post("/v1/partners", json=partner_body(), headers=headers)
    theirs = await anon_client.post("/v1/partners", json=partner_body(), headers=headers)
    assert mine.status_code == 201
    assert theirs.status_code == 401, "another caller's key never replays someone else's response"


async def test_the_answer_is_stored_before_its_last_byte_reaches_the_client():
    """A client that got its 201 and retries at once is replayed that answer, never told "in progress"."""
    from types import SimpleNamespace

    from api.middleware import Idempotency

    events: list[str] = []

    class Store:
        async def claim(self, owner, key, request_hash):
            return None

        async def store(self, owner, key, status, headers, body):
            events.append(f"stored {status}")

        async def release(self, owner, key):
            events.append("released")

    async def handler(scope, receive, send):
        await receive()
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"{", "more_body": True})
        await send({"type": "http.response.body", "body": b"}"})

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.body" and not message.get("more_body"):
            events.append("last byte sent")

    scope = {"type": "http", "method": "POST", "path": "/v1/partners", "query_string": b"",
             "headers": [(b"idempotency-key", b"k-1"), (b"authorization", b"Bearer x")],
             "app": SimpleNamespace(state=SimpleNamespace(idempotency=Store()))}
    await Idempotency(handler)(scope, receive, send)
    assert events == ["stored 201", "last byte sent"]
