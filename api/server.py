"""Serving under uvicorn: the server's bounds on a request head, and which proxies it trusts, from the settings.

uvicorn's httptools parser accepts a request head of any size and any number of headers (a 100 MB header
took 19.6 s to refuse nothing); the protocol here counts the head as it arrives and answers ``431`` once it
passes ``PATHWAYS_MAX_HEADER_BYTES`` or ``PATHWAYS_MAX_HEADER_COUNT``. Without httptools, uvicorn's h11
protocol bounds the head's size itself (``h11_max_incomplete_event_size``).

The subclass overrides the parser callbacks of uvicorn's ``HttpToolsProtocol`` (``on_url``, ``on_header``,
``on_headers_complete``, ``on_body``, ``on_message_complete``), which are not a documented API: tested with
uvicorn 0.55.0 and httptools 0.9.0, and held to its behaviour by ``tests/reliability/test_server_limits.py``
on a real server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from api.problems import problem_type_uri
from api.settings import Settings, get_settings

HttpToolsProtocol: Any
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - uvicorn[standard] brings httptools
    HttpToolsProtocol = None


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options that put the settings' limits and proxy trust in force."""
    options: dict[str, Any] = {"h11_max_incomplete_event_size": settings.max_header_bytes}
    if HttpToolsProtocol is not None:
        options["http"] = BoundedHttpToolsProtocol
    # X-Forwarded-For names the client only when the peer is a proxy the operator listed: trusted from anyone
    # (or from 127.0.0.1, uvicorn's default), it would let any client choose its rate-limit bucket.
    if settings.forwarded_allow_ips:
        options.update(proxy_headers=True, forwarded_allow_ips=",".join(settings.forwarded_allow_ips))
    else:
        options["proxy_headers"] = False
    return options


def _refusal(detail: str) -> bytes:
    body = orjson.dumps({"type": problem_type_uri("request-head-too-large", 431),
                         "title": "Request header fields too large", "status": 431, "detail": detail})
    return (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/problem+json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)


if HttpToolsProtocol is not None:

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, refusing a request head that is too large or has too many headers."""

        def __init__(self, config: Any, server_state: Any, app_state: dict[str, Any],
                     _loop: asyncio.AbstractEventLoop | None = None) -> None:
            super().__init__(config, server_state, app_state, _loop)
            settings = get_settings()
            self.max_head_bytes = settings.max_header_bytes
            self.max_header_count = settings.max_header_count
            self._in_head = True  # between the start of a request and the end of its headers
            self._head_bytes = 0  # bytes received while in the head (the parser buffers a header until it ends)
            self._head_size = 0
            self._header_count = 0
            self._refused = False

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            if self._in_head:
                self._head_bytes += len(data)
            super().data_received(data)
            if self._in_head and not self._refused and self._head_bytes > self.max_head_bytes:
                self._refuse(f"the request head exceeds {self.max_head_bytes} bytes")

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_size, self._header_count = True, 0, 0

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            self._head_size += len(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            super().on_header(name, value)
            self._head_size += len(name) + len(value) + 4
            self._header_count += 1

        def on_headers_complete(self) -> None:
            self._in_head = False
            if self._header_count > self.max_header_count:
                self._refuse(f"the request has more than {self.max_header_count} header fields")
            elif self._head_size > self.max_head_bytes:
                self._refuse(f"the request head exceeds {self.max_head_bytes} bytes")
            else:
                super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if not self._refused:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if not self._refused:
                super().on_message_complete()
                self._in_head, self._head_bytes = True, 0

        def send_400_response(self, msg: str) -> None:
            if not self._refused:
                super().send_400_response(msg)

        def _refuse(self, detail: str) -> None:
            self._refused = True
            self.logger.warning("refused a request head: %s", detail)
            self.transport.write(_refusal(detail))
            self.transport.close()
