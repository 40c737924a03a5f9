"""The server's own bounds, on a real ``pathways serve``: request heads, and whom X-Forwarded-For is trusted from.

These live below the application (in the HTTP protocol and uvicorn's proxy handling), so only a real server
shows them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import orjson
import pytest

from api.server import uvicorn_options
from api.settings import Settings
from tests.reliability.live import LiveServer

ANONYMOUS_LIMIT = 3


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    running = LiveServer(env={"PATHWAYS_ANONYMOUS_RATE_LIMIT_PER_MINUTE": str(ANONYMOUS_LIMIT),
                              "PATHWAYS_MAX_HEADER_BYTES": "16384", "PATHWAYS_MAX_HEADER_COUNT": "50"})
    try:
        yield running.start()
    finally:
        running.close()


def _raw(server: LiveServer, head: bytes, *, pieces: int = 1) -> bytes:
    """Send ``head`` (in ``pieces``) on a new connection and return whatever the server answers."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        size = max(1, len(head) // pieces)
        try:
            for start in range(0, len(head), size):
                sock.sendall(head[start:start + size])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the rest arrived, as it should
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer


def _problem(answer: bytes) -> dict[str, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"content-type: application/problem+json" in head.lower(), head
    problem: dict[str, object] = orjson.loads(body)
    return problem


def test_a_header_larger_than_the_limit_is_refused_with_431_and_the_server_keeps_answering(server):
    for size, pieces in ((20_000, 1), (5_000_000, 200)):  # at once, and trickled in like a large upload
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
        answer = _raw(server, head, pieces=pieces)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        assert _problem(answer)["status"] == 431
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200


def test_more_header_fields_than_the_limit_are_refused_with_431(server):
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(60))
    answer = _raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert "header fields" in str(_problem(answer)["detail"])
    fewer = b"".join(b"X-F%d: v\r\n" % i for i in range(40))
    assert _raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + fewer + b"\r\n").startswith(
        b"HTTP/1.1 200 ")


def test_requests_within_the_limits_work_on_a_kept_alive_connection(server):
    with httpx.Client(base_url=server.base_url) as client:
        for _ in range(3):  # /healthz counts against no rate limit, so the limit test below is left alone
            r = client.get("/healthz", headers={"X-Pad": "p" * 8000})
            assert r.status_code == 200, r.text


def test_x_forwarded_for_from_an_unlisted_address_does_not_change_the_clients_bucket(server):
    statuses = []
    for i in range(ANONYMOUS_LIMIT + 2):
        r = httpx.get(f"{server.base_url}/v1/reference/populations",
                      headers={"X-Forwarded-For": f"203.0.113.{i}"})
        statuses.append(r.status_code)
    assert statuses[-1] == 429, statuses


def test_proxy_headers_are_trusted_only_from_the_addresses_the_operator_lists():
    assert uvicorn_options(Settings())["proxy_headers"] is False
    listed = uvicorn_options(Settings(forwarded_allow_ips="10.0.0.1, 10.1.0.0/16"))  # type: ignore[arg-type]
    assert listed["proxy_headers"] is True and listed["forwarded_allow_ips"] == "10.0.0.1,10.1.0.0/16"
