"""ASGI middleware: request ids and access logs, rate-limit headers, body size limits, security headers, caching
of directory reads."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logging_setup import request_id
from api.problems import problem_type_uri

log = logging.getLogger("pathways.access")
_RID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-site"),
]


RATE_LIMIT_STATE = "rate_limit_headers"
"""The request-state entry where authentication leaves the ``RateLimit-*`` headers of the request's decision."""


class ReadFrom:
    """Where one request read its data: ``primary`` as soon as any of its units of work used the primary."""

    __slots__ = ("where",)

    def __init__(self) -> None:
        self.where: str | None = None

    def note(self, where: str) -> None:
        if self.where != "primary":
            self.where = where


_read_from: ContextVar[ReadFrom | None] = ContextVar("read_from", default=None)


def note_read_from(where: str) -> None:
    """Record, for the ``X-Read-From`` header, that the current request read from ``where``."""
    holder = _read_from.get()
    if holder is not None:
        holder.note(where)


class RequestContext:
    """Honour or mint ``X-Request-ID``, return it, add security, ``RateLimit-*`` and ``X-Read-From`` headers,
    and log one line per request.

    The rate limit is decided while authenticating (``api.deps.get_caller``), which records its headers in the
    request state; they are added here so that every response that went through it carries them, whether the
    handler returned a model, its own ``Response``, a stream or a problem.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _RID_RE.match(incoming) else uuid.uuid4().hex
        token = request_id.set(rid)
        # A holder, not a value: the handler (or a stream's task) runs in a copy of this context and fills it in.
        read_from = ReadFrom()
        read_token = _read_from.set(read_from)
        started = time.perf_counter()
        status = 500
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                limits: dict[str, str] | None = state.get(RATE_LIMIT_STATE)
                if limits and not any(k.lower() == b"ratelimit-limit" for k, _ in headers):
                    headers.extend((k.lower().encode(), v.encode()) for k, v in limits.items())
                headers.append((b"x-request-id", rid.encode()))
                if read_from.where is not None:
                    headers.append((b"x-read-from", read_from.where.encode()))
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
            _read_from.reset(read_token)


class BodyTooLarge(HTTPException):
    """The body grew past its limit (an ``HTTPException``, so FastAPI's body parsing lets it through)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


class BodyTooSlow(HTTPException):
    """The body did not arrive in time."""

    def __init__(self, detail: str) -> None:
        super().__init__(408, detail, headers={"Connection": "close"})


class BodyLimit:
    """Refuse bodies above ``max_bytes`` with 413, whether or not they declare their length, and bodies that do
    not arrive in time with 408.

    A body must keep coming (at most ``idle_timeout_s`` between two pieces) and be complete within
    ``timeout_s`` (``bulk_timeout_s`` on the bulk paths), so a client that stops sending, or trickles, holds a
    worker's slot and its transaction for a bounded time. Whoever reads the body (a handler, or a middleware
    such as ``Idempotency``) meets the refusal as an exception; answered here when nothing was sent yet.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, bulk_prefixes: tuple[str, ...] = (),
                 bulk_max_bytes: int = 0, *, idle_timeout_s: float = 30.0, timeout_s: float = 120.0,
                 bulk_timeout_s: float = 3600.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.bulk_prefixes = bulk_prefixes
        self.bulk_max_bytes = bulk_max_bytes
        self.idle_timeout_s = idle_timeout_s
        self.timeout_s = timeout_s
        self.bulk_timeout_s = bulk_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Bulk endpoints stream their bodies line by line, so they may take far more than a JSON body.
        bulk = scope["path"].startswith(self.bulk_prefixes)
        limit = self.bulk_max_bytes if bulk else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reject(scope, send, 413, "Request body too large", f"the request body exceeds {limit} bytes")
            return
        seen = 0
        complete = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.bulk_timeout_s if bulk else self.timeout_s)
        started = False

        async def limited() -> Message:
            nonlocal seen, complete
            if complete:  # the body is in: what follows is the wait for a disconnect, as long as a response takes
                return await receive()
            wait = min(self.idle_timeout_s, deadline - loop.time())
            try:
                async with asyncio.timeout(max(wait, 0)):
                    message = await receive()
            except TimeoutError:
                raise BodyTooSlow("the request body did not arrive in time: at most "
                                  f"{self.idle_timeout_s:g} s between two pieces and "
                                  f"{self.bulk_timeout_s if bulk else self.timeout_s:g} s in all") from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, watched)
        except (BodyTooLarge, BodyTooSlow) as exc:
            if started:
                raise
            title = "Request body too large" if isinstance(exc, BodyTooLarge) else "Request body too slow"
            await _reject(scope, send, exc.status_code, title, exc.detail)


async def _reject(scope: Scope, send: Send, status: int, title: str, detail: str) -> None:
    import orjson

    slug = "body-too-large" if status == 413 else "body-too-slow"
    body = orjson.dumps({
        "type": problem_type_uri(slug, status), "title": title,
        "status": status, "detail": detail, "instance": scope["path"],
    })
    await send({"type": "http.response.start", "status": status,
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
        # Without credentials there is nothing to replay: every POST it covers needs a key, so the request goes on
        # to be refused (401) rather than claiming, replaying or refusing a stored answer before authentication.
        if (key is None or scope["method"] != "POST" or scope["path"].startswith(self.exempt_prefixes)
                or b"authorization" not in headers):
            await self.app(scope, receive, send)
            return
        key_text = key.decode("latin-1").strip()
        if not _RID_RE.match(key_text):
            await _problem(scope, send, 400, "invalid-idempotency-key", "Invalid Idempotency-Key",
                           "use 1-128 letters, digits, . _ : -")
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        owner = hashlib.sha256(headers[b"authorization"]).hexdigest()
        request_hash = hashlib.sha256(b"\0".join([scope["path"].encode(), scope.get("query_string", b""),
                                                  body])).hexdigest()
        store = scope["app"].state.idempotency
        stored = await store.claim(owner, key_text, request_hash)
        if stored is not None:
            if stored.request_hash != request_hash:
                await _problem(scope, send, 422, "idempotency-key-reused", "Idempotency-Key reused",
                               "this Idempotency-Key was used with a different request")
            elif stored.status is None:
                await _problem(scope, send, 409, "request-in-progress", "Request in progress",
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
        settled = False

        async def settle() -> None:
            # Stored (or released) before the response's last byte leaves: a client that got its answer and
            # retries at once must be replayed that answer, never told the first request is still running.
            nonlocal settled
            if settled:
                return
            settled = True
            if status >= 500:
                await store.release(owner, key_text)
            else:
                await store.store(owner, key_text, status, kept, b"".join(out))

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                kept[:] = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])
                           if k.lower() not in (b"x-request-id", b"date")]
            elif message["type"] == "http.response.body":
                out.append(message.get("body", b""))
                if not message.get("more_body"):
                    await settle()
            await send(message)

        try:
            await self.app(scope, replayed_receive, capture)
        except BaseException:
            if not settled:
                settled = True
                await store.release(owner, key_text)
            raise
        await settle()


async def _problem(scope: Scope, send: Send, status: int, name: str, title: str, detail: str) -> None:
    import orjson

    body = orjson.dumps({"type": problem_type_uri(name, status), "title": title, "status": status, "detail": detail,
                         "instance": scope["path"]})
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class DirectoryCaching:
    """Give directory reads ``Cache-Control`` and an ``ETag``, and answer a matching ``If-None-Match`` with 304.

    Caches may keep a directory page but must revalidate it (``no-cache``): the tag is the content's hash when
    the handler set none (single records carry their version), so a mirror or a portal that polls gets a
    bodiless 304 while nothing changed. Responses to a key are ``private`` (an export is confined to the key's
    jurisdiction). JSON bodies are hashed whole (pages are bounded); streams (NDJSON) only get the header.
    """

    def __init__(self, app: ASGIApp, is_directory_read: Callable[[str], bool]) -> None:
        self.app = app
        self.is_directory_read = is_directory_read

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.is_directory_read(scope["path"]):
            await self.app(scope, receive, send)
            return
        request_headers = dict(scope["headers"])
        cache_control = b"private, no-cache" if b"authorization" in request_headers else b"public, no-cache"
        wanted = {t.strip().removeprefix(b"W/") for t in request_headers.get(b"if-none-match", b"").split(b",")}
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_cached(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                if message["status"] in (200, 304):
                    headers += [(b"cache-control", cache_control), (b"vary", b"Authorization")]
                message = {**message, "headers": headers}
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                has_tag = any(k.lower() == b"etag" for k, _ in headers)
                if message["status"] == 200 and not has_tag and content_type.startswith(b"application/json"):
                    start = message  # held until the body is complete
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            tag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
            if tag in wanted or b"*" in wanted:
                kept = [(k, v) for k, v in start["headers"] if k.lower() not in (b"content-type", b"content-length")]
                await send({**start, "status": 304, "headers": [*kept, (b"etag", tag)]})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": [*start["headers"], (b"etag", tag)]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_cached)
