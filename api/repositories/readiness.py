"""Readiness over asyncpg: framework versions, assessment rounds and their responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any
from uuid import UUID

import asyncpg

from api.domain.ports import Page
from api.domain.readiness import Framework, Response, Round, RoundStatus, framework_from_dict
from api.repositories._keyset import backwards, keyset_page

FRAMEWORK_COLUMNS = "id, version, name, description, based_on, body"
CURRENT_FRAMEWORK = f"SELECT {FRAMEWORK_COLUMNS} FROM readiness_frameworks ORDER BY version DESC LIMIT 1"
FRAMEWORKS = f"SELECT {FRAMEWORK_COLUMNS} FROM readiness_frameworks WHERE id = any($1::uuid[])"
# A version number already taken means another edit won the race: nothing is written, the caller re-reads.
INSERT_FRAMEWORK = """
INSERT INTO readiness_frameworks (id, version, name, description, based_on, body)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
"""
ROUND_COLUMNS = "id, system_id, framework_id, framework_version, started_on, closed_on, status"
GET_ROUND = f"SELECT {ROUND_COLUMNS} FROM rounds WHERE id = $1"
LOCK_ROUND = f"{GET_ROUND} FOR UPDATE"
ROUNDS_OF = f"SELECT {ROUND_COLUMNS} FROM rounds WHERE system_id = $1 ORDER BY started_on, id"
LATEST_CLOSED = f"""
SELECT DISTINCT ON (system_id) {ROUND_COLUMNS} FROM rounds
WHERE system_id = any($1::uuid[]) AND closed_on IS NOT NULL
ORDER BY system_id, closed_on DESC, started_on DESC, id DESC
"""
LIST_ROUNDS = f"""
SELECT {ROUND_COLUMNS} FROM rounds
WHERE system_id = $1 AND ($2::date IS NULL OR (started_on, id) < ($2, $3::uuid))
ORDER BY started_on DESC, id DESC LIMIT $4
"""
LIST_ROUNDS_BEFORE = backwards(LIST_ROUNDS, ("(started_on, id) < ($2, $3::uuid)", "(started_on, id) > ($2, $3::uuid)"),
                               ("ORDER BY started_on DESC, id DESC", "ORDER BY started_on, id"))
INSERT_ROUND = f"INSERT INTO rounds ({ROUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
UPDATE_ROUND = "UPDATE rounds SET closed_on = $2, status = $3 WHERE id = $1"
RESPONSE_COLUMNS = "round_id, respondent_id, ratings, priorities, technical_assistance, notes, submitted_at, revised_at"
RESPONSES = f"""
SELECT {RESPONSE_COLUMNS} FROM round_responses WHERE round_id = any($1::uuid[]) ORDER BY round_id, respondent_id
"""
UPSERT_RESPONSE = f"""
INSERT INTO round_responses ({RESPONSE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (round_id, respondent_id) DO UPDATE SET ratings = excluded.ratings, priorities = excluded.priorities,
  technical_assistance = excluded.technical_assistance, notes = excluded.notes, revised_at = excluded.revised_at
"""


def _framework(r: Mapping[str, Any]) -> Framework:
    data = {"version": r["version"], "name": r["name"], "description": r["description"], **r["body"]}
    return replace(framework_from_dict(data, id=r["id"]), based_on=r["based_on"])


def _body(framework: Framework) -> dict[str, Any]:
    return {"elements": [asdict(e) for e in framework.elements], "scale": [asdict(s) for s in framework.scale]}


def _round(r: Mapping[str, Any]) -> Round:
    return Round(
        id=r["id"], system_id=r["system_id"], framework_id=r["framework_id"],
        framework_version=r["framework_version"], started_on=r["started_on"], closed_on=r["closed_on"],
        status=RoundStatus(r["status"]),
    )


def _response(r: Mapping[str, Any]) -> Response:
    return Response(
        round_id=r["round_id"], respondent_id=r["respondent_id"], ratings=dict(r["ratings"]),
        priorities=frozenset(r["priorities"]), technical_assistance=frozenset(r["technical_assistance"]),
        notes=dict(r["notes"]), submitted_at=r["submitted_at"], revised_at=r["revised_at"],
    )


class PgReadinessRepository:
    """Framework versions, rounds and responses, bound to one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def current_framework(self) -> Framework | None:
        row = await self._conn.fetchrow(CURRENT_FRAMEWORK)
        return _framework(row) if row else None

    async def frameworks(self, framework_ids: Sequence[UUID]) -> dict[UUID, Framework]:
        rows = await self._conn.fetch(FRAMEWORKS, list(framework_ids))
        return {r["id"]: _framework(r) for r in rows}

    async def add_framework(self, framework: Framework) -> bool:
        """Store a new version; False when its id or version number is already taken."""
        status = await self._conn.execute(
            INSERT_FRAMEWORK, framework.id, framework.version, framework.name, framework.description,
            framework.based_on, _body(framework),
        )
        return status == "INSERT 0 1"

    async def get_round(self, round_id: UUID, *, for_update: bool = False) -> Round | None:
        row = await self._conn.fetchrow(LOCK_ROUND if for_update else GET_ROUND, round_id)
        return _round(row) if row else None

    async def rounds_of(self, system_id: UUID) -> list[Round]:
        return [_round(r) for r in await self._conn.fetch(ROUNDS_OF, system_id)]

    async def latest_closed_rounds(self, system_ids: Sequence[UUID]) -> dict[UUID, Round]:
        return {r["system_id"]: _round(r) for r in await self._conn.fetch(LATEST_CLOSED, list(system_ids))}

    async def list_rounds(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[Round]:
        started, last = after if after else (None, None)
        rows = await self._conn.fetch(LIST_ROUNDS_BEFORE if backward else LIST_ROUNDS, system_id, started, last,
                                      limit + 1)
        return keyset_page(rows, limit, backward=backward, key=lambda r: (r["started_on"].isoformat(), str(r["id"])),
                           item=_round)

    async def add_round(self, round_: Round) -> None:
        await self._conn.execute(
            INSERT_ROUND, round_.id, round_.system_id, round_.framework_id, round_.framework_version,
            round_.started_on, round_.closed_on, round_.status.value,
        )

    async def save_round(self, round_: Round) -> None:
        await self._conn.execute(UPDATE_ROUND, round_.id, round_.closed_on, round_.status.value)

    async def responses(self, round_ids: Sequence[UUID]) -> dict[UUID, list[Response]]:
        out: dict[UUID, list[Response]] = {rid: [] for rid in round_ids}
        for r in await self._conn.fetch(RESPONSES, list(round_ids)):
            out[r["round_id"]].append(_response(r))
        return out

    async def put_response(self, response: Response) -> None:
        await self._conn.execute(
            UPSERT_RESPONSE, response.round_id, response.respondent_id, dict(response.ratings),
            sorted(response.priorities), sorted(response.technical_assistance), dict(response.notes),
            response.submitted_at, response.revised_at,
        )
