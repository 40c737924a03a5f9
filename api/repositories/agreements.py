"""Agreements over asyncpg: an agreement loads with its parties and formalized assignments in one query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from api.domain.agreements import Agreement, AgreementStatus, AgreementType
from api.domain.ports import Page
from api.domain.systems import WorkingRelationship
from api.repositories._keyset import backwards, keyset_page

AGREEMENT_COLUMNS = """
  a.id, a.system_id, a.type, a.title, a.effective_on, a.expires_on, a.review_by, a.status, a.signed_on,
  a.working_relationship, a.contents, a.version, a.created_at, a.updated_at,
  array(SELECT p.partner_id FROM agreement_parties p WHERE p.agreement_id = a.id ORDER BY p.position) AS parties,
  array(SELECT f.assignment_id FROM agreement_assignments f WHERE f.agreement_id = a.id
        ORDER BY f.assignment_id) AS formalizes
"""
OF_SYSTEM = f"SELECT {AGREEMENT_COLUMNS} FROM agreements a WHERE a.system_id = $1 ORDER BY a.title, a.id"
OF_SYSTEMS = f"""
SELECT {AGREEMENT_COLUMNS} FROM agreements a WHERE a.system_id = any($1::uuid[]) ORDER BY a.system_id, a.title, a.id
"""
LIST = f"""
SELECT {AGREEMENT_COLUMNS} FROM agreements a
WHERE a.system_id = $1 AND ($2::text IS NULL OR (a.title, a.id) > ($2, $3::uuid))
ORDER BY a.title, a.id LIMIT $4
"""
LIST_BEFORE = backwards(LIST, ("(a.title, a.id) > ($2, $3::uuid)", "(a.title, a.id) < ($2, $3::uuid)"),
                        ("ORDER BY a.title, a.id", "ORDER BY a.title DESC, a.id DESC"))
GET = f"SELECT {AGREEMENT_COLUMNS} FROM agreements a WHERE a.id = $1"
LOCK = "SELECT id FROM agreements WHERE id = $1 FOR UPDATE"
INSERT = """
INSERT INTO agreements (id, system_id, type, title, effective_on, expires_on, review_by, status, signed_on,
  working_relationship, contents, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
"""
UPDATE = """
UPDATE agreements SET type = $3, title = $4, effective_on = $5, expires_on = $6, review_by = $7, status = $8,
  signed_on = $9, working_relationship = $10, contents = $11, version = $12, updated_at = now()
WHERE id = $1 AND system_id = $2 AND version = $13
"""
DELETE_PARTIES = "DELETE FROM agreement_parties WHERE agreement_id = $1"
INSERT_PARTIES = """
INSERT INTO agreement_parties (agreement_id, partner_id, position)
SELECT $1, p.partner_id, p.position FROM unnest($2::uuid[]) WITH ORDINALITY AS p(partner_id, position)
"""
DELETE_FORMALIZES = "DELETE FROM agreement_assignments WHERE agreement_id = $1"
INSERT_FORMALIZES = "INSERT INTO agreement_assignments (agreement_id, assignment_id) SELECT $1, unnest($2::uuid[])"


def _agreement(r: Mapping[str, Any]) -> Agreement:
    relationship = r["working_relationship"]
    return Agreement(
        id=r["id"], system_id=r["system_id"], type=AgreementType(r["type"]), title=r["title"],
        parties=tuple(r["parties"]), effective_on=r["effective_on"], expires_on=r["expires_on"],
        review_by=r["review_by"], status=AgreementStatus(r["status"]), signed_on=r["signed_on"],
        formalizes=tuple(r["formalizes"]),
        working_relationship=WorkingRelationship(relationship) if relationship else None,
        contents=frozenset(r["contents"]), version=r["version"], created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def _params(a: Agreement) -> list[Any]:
    return [
        a.id, a.system_id, a.type.value, a.title, a.effective_on, a.expires_on, a.review_by, a.status.value,
        a.signed_on, a.working_relationship.value if a.working_relationship else None, sorted(a.contents),
        a.version,
    ]


class PgAgreementRepository:
    """Agreements, their parties and formalized assignments, bound to one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def of_system(self, system_id: UUID) -> list[Agreement]:
        return [_agreement(r) for r in await self._conn.fetch(OF_SYSTEM, system_id)]

    async def of_systems(self, system_ids: Sequence[UUID]) -> dict[UUID, list[Agreement]]:
        out: dict[UUID, list[Agreement]] = {sid: [] for sid in system_ids}
        for r in await self._conn.fetch(OF_SYSTEMS, list(system_ids)):
            out[r["system_id"]].append(_agreement(r))
        return out

    async def list_agreements(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[Agreement]:
        title, last = (after[0], after[1]) if after else (None, None)
        rows = await self._conn.fetch(LIST_BEFORE if backward else LIST, system_id, title, last, limit + 1)
        return keyset_page(rows, limit, backward=backward, key=lambda r: (r["title"], str(r["id"])), item=_agreement)

    async def get(self, agreement_id: UUID, *, for_update: bool = False) -> Agreement | None:
        if for_update and await self._conn.fetchval(LOCK, agreement_id) is None:
            return None
        row = await self._conn.fetchrow(GET, agreement_id)
        return _agreement(row) if row else None

    async def add(self, agreement: Agreement) -> None:
        await self._conn.execute(INSERT, *_params(agreement))
        await self._write_links(agreement, None)

    async def save(self, old: Agreement, new: Agreement) -> bool:
        """Write what changed since ``old`` was read; False when the agreement moved on in the meantime."""
        status = await self._conn.execute(UPDATE, *_params(new), old.version)
        if status != "UPDATE 1":
            return False
        await self._write_links(new, old)
        return True

    async def _write_links(self, new: Agreement, old: Agreement | None) -> None:
        if old is None or old.parties != new.parties:
            if old is not None:
                await self._conn.execute(DELETE_PARTIES, new.id)
            if new.parties:
                await self._conn.execute(INSERT_PARTIES, new.id, list(new.parties))
        if old is None or set(old.formalizes) != set(new.formalizes):
            if old is not None:
                await self._conn.execute(DELETE_FORMALIZES, new.id)
            if new.formalizes:
                await self._conn.execute(INSERT_FORMALIZES, new.id, list(dict.fromkeys(new.formalizes)))

    async def delete(self, agreement_id: UUID) -> bool:
        return await self._conn.execute("DELETE FROM agreements WHERE id = $1", agreement_id) == "DELETE 1"
