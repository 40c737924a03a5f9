"""Reading NDJSON request bodies as a stream: one line at a time, with a cap on each line's size."""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
from fastapi import Request


class LineTooLong(ValueError):
    """A line exceeded the per-line limit; the rest of it was skipped."""


async def body_lines(request: Request, max_line_bytes: int) -> AsyncIterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes) for every line of the body, or (line number, None) for a line over the limit.

    Never buffers the body, nor more than ``max_line_bytes`` of a line: the rest of a long line is skipped.
    """
    buffer = bytearray()
    number = 0
    skipping = False
    async for chunk in request.stream():
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            if not skipping:
                buffer += piece
                if len(buffer) > max_line_bytes:
                    skipping = True
                    buffer.clear()
            if end < 0:
                break
            number += 1
            yield number, None if skipping else bytes(buffer)
            skipping = False
            buffer.clear()
            start = end + 1
    if skipping or buffer:
        yield number + 1, None if skipping else bytes(buffer)


async def ndjson_lines(request: Request, max_line_bytes: int) -> AsyncIterator[tuple[int, object | Exception]]:
    """Yield (line number, parsed JSON value or the error) for every non-blank line, never buffering the body."""
    async for number, raw in body_lines(request, max_line_bytes):
        if raw is None:
            yield number, LineTooLong(f"the line exceeds {max_line_bytes} bytes")
        elif raw.strip():
            yield number, _parse(raw)


def _parse(raw: bytes) -> object | Exception:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return ValueError(f"not valid JSON ({exc})")
