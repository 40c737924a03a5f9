"""The change feed and streaming exports of the directory."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from api.domain.partners import ExternalId, Jurisdiction, Partner, Service
from api.domain.ports import Change
from api.repositories.database import stream
from api.repositories.partners import PARTNER_COLUMNS, SERVICE_COLUMNS, _partner, _service

# Only transactions older than every transaction still running are shown: a change committed later by
# an older transaction can then never land behind a consumer's cursor.
FEED = f"""
WITH horizon AS (SELECT (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint AS xmin),
page AS (
  SELECT c.seq, c.txid, c.kind, c.record_id, c.op, c.at, c.external_ids, c.state, c.local_area
  FROM changes c, horizon h
  WHERE c.txid < h.xmin AND ($1::bigint IS NULL OR (c.txid, c.seq) > ($1, $2))
    AND ($3::text IS NULL OR c.kind = $3)
  ORDER BY c.txid, c.seq LIMIT $4
)
SELECT page.*,
  CASE WHEN page.kind = 'partner' THEN
    (SELECT to_jsonb(x) FROM (SELECT {PARTNER_COLUMNS} FROM partners p WHERE p.id = page.record_id) x) END AS partner,
  CASE WHEN page.kind = 'service' THEN
    (SELECT to_jsonb(x) FROM (SELECT {SERVICE_COLUMNS} FROM services s WHERE s.id = page.record_id) x) END AS service
FROM page ORDER BY page.txid, page.seq
"""
# The feed position an export is consistent with: every transaction older than the oldest one running when
# the export's snapshot was taken is in it; anything else comes after this position in the feed.
SNAPSHOT_POSITION = "SELECT (pg_snapshot_xmin(pg_current_snapshot())::text)::bigint"
EXPORT = {
    "partner": f"""SELECT {PARTNER_COLUMNS} FROM partners p
      WHERE ($1::text IS NULL OR p.state = $1) AND ($2::text IS NULL OR p.local_area = $2)
        AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM partner_external_ids e WHERE e.partner_id = p.id
                                          AND e.source = $3))
        AND ($4::timestamptz IS NULL OR p.updated_at >= $4) AND ($5::text IS NULL OR p.status = $5)
      ORDER BY p.id""",
    "service": f"""SELECT {SERVICE_COLUMNS} FROM services s JOIN partners p ON p.id = s.partner_id
      WHERE ($1::text IS NULL OR p.state = $1) AND ($2::text IS NULL OR p.local_area = $2)
        AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM service_external_ids e WHERE e.service_id = s.id
                                          AND e.source = $3))
        AND ($4::timestamptz IS NULL OR s.updated_at >= $4) AND ($5::text IS NULL OR s.status = $5)
      ORDER BY s.id""",
}


def _record(row: Any) -> Partner | Service | None:
    if row["partner"] is not None:
        return _partner(_revive(row["partner"]))
    if row["service"] is not None:
        return _service(_revive(row["service"]))
    return None


def _keys(raw: Any) -> tuple[ExternalId, ...]:
    return tuple(ExternalId(source=e["source"], id=e["id"]) for e in raw or ())


def _revive(data: dict[str, Any]) -> dict[str, Any]:
    """Turn a to_jsonb row back into the Python types the record mappers expect."""
    out = dict(data)
    for key in ("id", "partner_id"):
        if isinstance(out.get(key), str):
            out[key] = UUID(out[key])
    for key in ("created_at", "updated_at"):
        if isinstance(out.get(key), str):
            out[key] = datetime.fromisoformat(out[key])
    return out


class PgChangeFeed:
    """Reads of the change feed and of whole-directory exports."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def since(
        self, after: tuple[int, int] | None, *, kind: str | None, limit: int
    ) -> tuple[list[Change], tuple[int, int] | None]:
        txid, seq = after if after else (None, None)
        rows = await self._conn.fetch(FEED, txid, seq, kind, limit)
        changes = [Change(position=(r["txid"], r["seq"]), kind=r["kind"], record_id=r["record_id"], op=r["op"],
                          at=r["at"], record=None if r["op"] == "delete" else _record(r),
                          external_ids=_keys(r["external_ids"]),
                          jurisdiction=Jurisdiction(state=r["state"], local_area=r["local_area"])
                          if r["state"] is not None else None) for r in rows]
        return changes, (changes[-1].position if changes else after)

    async def export(
        self, kind: str, *, state: str | None, local_area: str | None, source: str | None,
        updated_since: datetime | None, status: str | None, batch: int,
    ) -> tuple[tuple[int, int], AsyncGenerator[list[Partner] | list[Service], None]]:
        rows = self._export(kind, state=state, local_area=local_area, source=source, updated_since=updated_since,
                            status=status, batch=batch)
        position = await anext(rows)
        assert isinstance(position, tuple)
        # Every item after the first is a batch of records.
        return position, cast("AsyncGenerator[list[Partner] | list[Service], None]", rows)

    async def _export(
        self, kind: str, *, state: str | None, local_area: str | None, source: str | None,
        updated_since: datetime | None, status: str | None, batch: int,
    ) -> AsyncGenerator[tuple[int, int] | list[Partner] | list[Service], None]:
        # One snapshot for the position and the rows (repeatable read: the first statement takes it); a
        # server-side cursor streams the table in batches, so memory stays flat whatever its size. Inside a
        # transaction already begun (the command line's), the position is still read before the rows: what
        # commits between the two is in both, and replaying a change onto its own result changes nothing.
        nested = self._conn.is_in_transaction()
        tx = self._conn.transaction() if nested else self._conn.transaction(readonly=True, isolation="repeatable_read")
        async with tx:
            xmin = await self._conn.fetchval(SNAPSHOT_POSITION)
            yield (int(xmin), 0)  # seq starts at 1: every change of transaction xmin comes after it
            async for rows in stream(self._conn, EXPORT[kind], (state, local_area, source, updated_since, status),
                                     batch):
                yield [_partner(r) for r in rows] if kind == "partner" else [_service(r) for r in rows]
