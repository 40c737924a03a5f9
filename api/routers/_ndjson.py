"""Reading NDJSON request bodies as a stream: one line at a time, with a cap on each line's size, and the
bounds of a bulk request (lines, blank ones included, and a time budget)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypeVar

import orjson
from fastapi import Request

from api.domain.bulk import BulkTimeBudgetExceeded, TooManyLines
from api.settings import Settings

T = TypeVar("T")

RUN_LINES = 256
"""The most lines handed out at once: a piece of the body may be large (one piece for all of it in process)."""


class LineTooLong(ValueError):
    """A line exceeded the per-line limit; the rest of it was skipped."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkLimits:
    """What one bulk request may make the service do: lines (blank lines count) and time from its start."""

    max_lines: int | None = None
    budget_s: float | None = None
    started: float = 0.0

    @classmethod
    def of(cls, settings: Settings) -> BulkLimits:
        """The deployment's bounds, the clock starting now."""
        return cls(max_lines=settings.max_bulk_lines, budget_s=settings.bulk_time_budget_s, started=time.monotonic())

    def check_lines(self, lines: int) -> None:
        """Refuse (413) a body that has gone past the most lines a request may carry."""
        if self.max_lines is not None and lines > self.max_lines:
            raise TooManyLines(self.max_lines)

    def check_time(self) -> None:
        """Stop (413) a request that has used up its time budget."""
        if self.budget_s is not None and time.monotonic() - self.started > self.budget_s:
            raise BulkTimeBudgetExceeded(self.budget_s)

    async def bounded(self, items: AsyncIterator[T], every: int = 256) -> AsyncIterator[T]:
        """Pass ``items`` through, checking the time budget every ``every`` of them."""
        count = 0
        async for item in items:
            count += 1
            if not count % every:
                self.check_time()
            yield item
        self.check_time()


async def body_line_runs(request: Request, max_line_bytes: int, limits: BulkLimits | None = None
                         ) -> AsyncIterator[list[tuple[int, bytes | None]]]:
    """Yield the lines each piece of the body completes (up to RUN_LINES at a time) as (line number, bytes), or
    (line number, None) for a line over the limit.

    Never buffers the body, nor more than ``max_line_bytes`` of a line: the rest of a long line is skipped.
    With ``limits``, a body going past the most lines (blank ones count) or past the time budget raises
    before any line beyond the bound is handed out.
    A line that lies whole inside one piece is a slice of it; only a line split across pieces is gathered.
    One list per piece rather than one step per line: a bulk load of 200,000 lines took as much time
    stepping through its generators as reading them.
    """
    buffer = bytearray()
    number = 0
    skipping = False
    async for chunk in request.stream():
        if limits is not None:
            limits.check_time()
        run: list[tuple[int, bytes | None]] = []
        start = 0
        find = chunk.find
        while True:
            end = find(b"\n", start)
            if end < 0:
                if not skipping:
                    buffer += chunk[start:]
                    if len(buffer) > max_line_bytes:
                        skipping = True
                        buffer.clear()
                break
            number += 1
            if buffer or skipping:
                if not skipping:
                    buffer += chunk[start:end]
                    if len(buffer) > max_line_bytes:
                        skipping = True
                run.append((number, None if skipping else bytes(buffer)))
                skipping = False
                buffer.clear()
            else:
                run.append((number, chunk[start:end] if end - start <= max_line_bytes else None))
            start = end + 1
            if len(run) >= RUN_LINES:
                if limits is not None:
                    limits.check_lines(number)
                yield run
                run = []
        if run:
            if limits is not None:
                limits.check_lines(number)
            yield run
    if skipping or buffer:
        if limits is not None:
            limits.check_lines(number + 1)
        yield [(number + 1, None if skipping else bytes(buffer))]


async def body_lines(request: Request, max_line_bytes: int, limits: BulkLimits | None = None
                     ) -> AsyncIterator[tuple[int, bytes | None]]:
    """Yield (line number, bytes) for every line of the body, or (line number, None) for a line over the limit.

    Never buffers the body, nor more than ``max_line_bytes`` of a line: the rest of a long line is skipped.
    """
    async for run in body_line_runs(request, max_line_bytes, limits):
        for line in run:
            yield line


async def ndjson_runs(request: Request, max_line_bytes: int, limits: BulkLimits | None = None
                      ) -> AsyncIterator[list[tuple[int, object | Exception]]]:
    """Yield the non-blank lines each piece of the body completes as (line number, parsed JSON value or the
    error), a list at a time (``body_line_runs``), never buffering the body."""
    too_long = f"the line exceeds {max_line_bytes} bytes"
    loads, invalid = orjson.loads, orjson.JSONDecodeError
    async for run in body_line_runs(request, max_line_bytes, limits):
        parsed: list[tuple[int, object | Exception]] = []
        for number, raw in run:
            if raw is None:
                parsed.append((number, LineTooLong(too_long)))
                continue
            try:
                parsed.append((number, loads(raw)))
            except invalid as exc:
                if raw.strip():  # a blank line is skipped, and never parses
                    parsed.append((number, ValueError(f"not valid JSON ({exc})")))
        if parsed:
            yield parsed


async def ndjson_lines(request: Request, max_line_bytes: int, limits: BulkLimits | None = None
                       ) -> AsyncIterator[tuple[int, object | Exception]]:
    """Yield (line number, parsed JSON value or the error) for every non-blank line, never buffering the body."""
    async for run in ndjson_runs(request, max_line_bytes, limits):
        for line in run:
            yield line
