"""ASGI middleware: request ids and access logs, body size limits, security headers."""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logging_setup import request_id

log = logging.getLogger("pathways.access")
_RID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-site"),
]


class RequestContext:
    """Honour or mint ``X-Request-ID``, return it, add security headers, and log one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _RID_RE.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", rid.encode()))
                headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info(
                "request",
                extra={"method": scope["method"], "path": scope["path"], "status": status,
                       "duration_ms": round((time.perf_counter() - started) * 1000, 2)},
            )
            request_id.reset(token)


class BodyLimit:
    """Refuse bodies above ``max_bytes`` with 413, whether or not they declare their length."""

    def __init__(self, app: ASGIApp, max_bytes: int, bulk_prefixes: tuple[str, ...] = (),
                 bulk_max_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.bulk_prefixes = bulk_prefixes
        self.bulk_max_bytes = bulk_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Bulk endpoints stream their bodies line by line, so they may take far more than a JSON body.
        limit = self.bulk_max_bytes if scope["path"].startswith(self.bulk_prefixes) else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reject(scope, send, limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, f"the request body exceeds {limit} bytes")
            return message

        await self.app(scope, limited, send)


async def _reject(scope: Scope, send: Send, limit: int) -> None:
    import orjson

    body = orjson.dumps({
        "type": "https://pathways.example/problems/body-too-large", "title": "Request body too large",
        "status": 413, "detail": f"the request body exceeds {limit} bytes", "instance": scope["path"],
    })
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class Idempotency:
    """Answer a retried POST carrying the same ``Idempotency-Key`` with the first response.

    The key is scoped to the caller (a hash of its credentials); the same key with a different request
    is refused (422); a key whose first request is still running is 409. Responses live in PostgreSQL,
    so retries reaching another worker, or arriving after a restart, get the same answer.
    """

    def __init__(self, app: ASGIApp, exempt_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        key = headers.get(b"idempotency-key")
        if (key is None or scope["method"] != "POST" or scope["path"].startswith(self.exempt_prefixes)):
            await self.app(scope, receive, send)
            return
        key_text = key.decode("latin-1").strip()
        if not _RID_RE.match(key_text):
            await _problem(scope, send, 400, "Invalid Idempotency-Key", "use 1-128 letters, digits, . _ : -")
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        client = scope.get("client") or ("unknown", 0)
        credential = headers.get(b"authorization") or f"anonymous:{client[0]}".encode()
        owner = hashlib.sha256(credential).hexdigest()
        request_hash = hashlib.sha256(b"\0".join([scope["path"].encode(), scope.get("query_string", b""),
                                                  body])).hexdigest()
        store = scope["app"].state.idempotency
        stored = await store.claim(owner, key_text, request_hash)
        if stored is not None:
            if stored.request_hash != request_hash:
                await _problem(scope, send, 422, "Idempotency-Key reused",
                               "this Idempotency-Key was used with a different request")
            elif stored.status is None:
                await _problem(scope, send, 409, "Request in progress",
                               "the first request with this Idempotency-Key has not finished; retry later")
            else:
                # A replay is a request too: counted against the rate limit, with today's RateLimit-* headers.
                meter = getattr(scope["app"].state, "meter", None)
                current = await meter(scope) if meter is not None else []
                if not isinstance(current, list):  # refused (rate limit, revoked key): that answer goes out
                    await current(scope, receive, send)
                    return
                replay = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers
                          if not (current and k.lower().startswith("ratelimit-"))]
                await send({"type": "http.response.start", "status": stored.status,
                            "headers": [*replay, *current, (b"idempotent-replayed", b"true")]})
                await send({"type": "http.response.body", "body": stored.body or b""})
            return

        delivered = False

        async def replayed_receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        kept: list[list[str]] = []
        out: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                kept[:] = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])
                           if k.lower() not in (b"x-request-id", b"date")]
            elif message["type"] == "http.response.body":
                out.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replayed_receive, capture)
        except BaseException:
            await store.release(owner, key_text)
            raise
        if status >= 500:
            await store.release(owner, key_text)
        else:
            await store.store(owner, key_text, status, kept, b"".join(out))


async def _problem(scope: Scope, send: Send, status: int, title: str, detail: str) -> None:
    import orjson

    body = orjson.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail,
                         "instance": scope["path"]})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
