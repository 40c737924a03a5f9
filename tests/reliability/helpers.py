"""What the reliability tests share: directory records to sync, a feed consumer, and the directory's state."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx
import orjson

NDJSON = {"content-type": "application/x-ndjson"}
WAIT_S = 15.0


def provider(ext: str, **extra: object) -> dict[str, object]:
    """A valid partner line of a directory sync, keyed by the source's own id ``ext``."""
    return {"external_id": ext, "name": f"Provider {ext}", "partner_type": "community_based_organization",
            "level": "local", "jurisdiction": {"state": "OR"}, "populations_served": ["low_income"], **extra}


def ndjson(rows: list[dict[str, object]]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in rows)


async def export(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """Every partner of the directory, by id, as the NDJSON export has it."""
    return (await export_with_cursor(client))[0]


async def export_with_cursor(client: httpx.AsyncClient) -> tuple[dict[str, dict[str, Any]], str]:
    """Every partner of the directory, by id, and the feed cursor the export states."""
    r = await client.get("/v1/export/partners")
    assert r.status_code == 200, r.text
    return {record["id"]: record for record in map(orjson.loads, r.text.splitlines())}, r.headers[
        "pathways-feed-cursor"]


class FeedMirror:
    """A consumer of ``/v1/changes`` keeping its own copy of the partners (id -> record), retired ones included.

    It may start from an export and the export's ``Pathways-Feed-Cursor`` (``records`` and ``cursor``).
    """

    def __init__(self, client: httpx.AsyncClient, *, page: int, records: dict[str, dict[str, Any]] | None = None,
                 cursor: str | None = None) -> None:
        self.client = client
        self.page = page
        self.cursor = cursor
        self.records: dict[str, dict[str, Any]] = dict(records or {})
        self.applied = 0

    async def poll(self) -> int:
        """Apply one page of changes; return how many it held."""
        params = {"limit": str(self.page), "kind": "partner", **({"since": self.cursor} if self.cursor else {})}
        r = await self.client.get("/v1/changes", params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        for change in page["changes"]:
            if change["op"] == "delete" or change["partner"] is None:  # deleted (since: its delete follows)
                self.records.pop(change["id"], None)
            else:  # create, update, retire: the record as it is now
                self.records[change["id"]] = change["partner"]
        self.cursor = page["next"] or self.cursor
        self.applied += len(page["changes"])
        return len(page["changes"])

    async def drain(self) -> None:
        """Follow the feed until it has nothing more."""
        while await self.poll():
            pass


async def writer_backend(conn: asyncpg.Connection) -> int:
    """The backend of a transaction that has written into ``partners`` and not committed yet (waits for one)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        pid = await conn.fetchval(
            """SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
               WHERE c.relname = 'partners' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())""")
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.01)
    raise AssertionError("no sync transaction started writing")
