"""NDJSON bodies split into lines however the body arrives in pieces, as the line-by-line reader split them.

``body_line_runs`` hands out the lines each piece completes (slices of the piece where it can) and
``_json_records`` parses them in one generator; both are held here to the plain readers they replaced,
kept below as the reference, on generated bodies cut into generated pieces.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from api.routers._ndjson import RUN_LINES, BulkLimits, body_line_runs, body_lines, ndjson_lines
from api.routers.labor_market import _json_records
from tests.hypothesis_profiles import examples


class Body:
    """Just enough of a request for the readers: its body, in the given pieces."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = pieces

    async def stream(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


async def reference_lines(request: Any, max_line_bytes: int) -> AsyncIterator[tuple[int, bytes | None]]:
    """The line reader as it was: every line gathered in a buffer."""
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


async def reference_records(request: Any, max_line_bytes: int) -> list[tuple[int, Any, str | None]]:
    """The observation records as ndjson_lines and the old _json_records read them."""
    out: list[tuple[int, Any, str | None]] = []
    async for number, raw in reference_lines(request, max_line_bytes):
        if raw is None:
            out.append((number, None, f"the line exceeds {max_line_bytes} bytes"))
        elif raw.strip():
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                out.append((number, None, f"not valid JSON ({exc})"))
                continue
            if isinstance(value, dict):
                out.append((number, value, None))
            else:
                out.append((number, None, "each line must be a JSON object"))
    return out


async def collect(lines: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in lines]


lines = st.one_of(
    st.sampled_from([b"", b" ", b"\t", b"\r", b"{}", b'{"a":1}', b'{"a":"x\\ny"}', b"[1]", b"3", b"not json", b"{",
                     b'{"region":"or","employment":"27,505"}', b" {\"a\": 1} \r", b"\xff", b"\x0c"]),
    st.binary(max_size=40).filter(lambda b: b"\n" not in b),
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[list[bytes], int]:
    body = b"\n".join(draw(st.lists(lines, max_size=12)))
    if draw(st.integers(0, 19)) == 0:  # more lines than a run holds
        body = b"\n".join([body] * draw(st.integers(30, 70)))
    if draw(st.booleans()):
        body += b"\n"
    cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=6)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    return pieces, draw(st.sampled_from([0, 1, 3, 8, 16, 64, 1000]))


@settings(max_examples=examples(500))
@given(bodies())
def test_lines_come_out_as_the_buffering_reader_gave_them(case: tuple[list[bytes], int]) -> None:
    pieces, limit = case
    expected = asyncio.run(collect(reference_lines(Body(pieces), limit)))
    runs = asyncio.run(collect(body_line_runs(Body(pieces), limit)))  # type: ignore[arg-type]
    assert all(0 < len(run) <= RUN_LINES for run in runs) and [line for run in runs for line in run] == expected
    assert all(type(raw) is bytes for run in runs for _, raw in run if raw is not None)
    assert asyncio.run(collect(body_lines(Body(pieces), limit))) == expected  # type: ignore[arg-type]


@settings(max_examples=examples(500))
@given(bodies())
def test_records_and_json_lines_come_out_as_before(case: tuple[list[bytes], int]) -> None:
    pieces, limit = case
    expected = asyncio.run(reference_records(Body(pieces), limit))
    got = asyncio.run(collect(_json_records(Body(pieces), limit, BulkLimits())))  # type: ignore[arg-type]
    assert [(r.line, r.fields, r.error) for r in got] == expected


async def reference_json_lines(request: Any, max_line_bytes: int) -> list[tuple[int, Any]]:
    """What ndjson_lines gave: each non-blank line's value, or its error's class and message."""
    out: list[tuple[int, Any]] = []
    async for number, raw in reference_lines(request, max_line_bytes):
        if raw is None:
            out.append((number, ("LineTooLong", f"the line exceeds {max_line_bytes} bytes")))
        elif raw.strip():
            try:
                out.append((number, orjson.loads(raw)))
            except orjson.JSONDecodeError as exc:
                out.append((number, ("ValueError", f"not valid JSON ({exc})")))
    return out


@settings(max_examples=examples(300))
@given(bodies())
def test_json_lines_come_out_as_before(case: tuple[list[bytes], int]) -> None:
    pieces, limit = case
    got = asyncio.run(collect(ndjson_lines(Body(pieces), limit)))  # type: ignore[arg-type]
    normalized = [(n, (type(v).__name__, str(v)) if isinstance(v, Exception) else v) for n, v in got]
    assert normalized == asyncio.run(reference_json_lines(Body(pieces), limit))
