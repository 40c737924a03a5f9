"""Career pathways systems over asyncpg: a system loads as one state and saves as a diff of it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from api.domain.errors import FieldProblem, InvalidInput
from api.domain.partners import Jurisdiction, Status
from api.domain.ports import Page
from api.domain.systems import (
    Assignment,
    CareerPathwaysSystem,
    Function,
    FunctionAlreadyHasLead,
    LinkedSystem,
    Member,
    RelationshipConfirmation,
    RoleCatalog,
    StaffSession,
    StaffSessionKind,
    Strength,
    SystemLevel,
    SystemState,
    Team,
    WorkingRelationship,
    role_catalog_from_dicts,
)
from api.repositories._keyset import backwards, keyset_page
from api.repositories.database import json_date

SYSTEM_COLUMNS = """
  s.id, s.name, s.level, s.state, s.local_area, s.vision, s.mission, s.goals, s.target_sectors,
  s.target_occupations, s.target_populations, s.regions, s.working_relationship, s.working_relationship_notes,
  s.review_cadence_months, s.last_reviewed_on, s.intermediary_id, s.version, s.created_at, s.updated_at,
  s.state_system_id, s.vision_review_cadence_months, s.vision_revisited_on, s.target_population_sizes,
  s.relationship_confirmations
"""
_LINKED = """jsonb_build_object('id', {t}.id, 'name', {t}.name, 'level', {t}.level, 'state', {t}.state,
  'local_area', {t}.local_area, 'working_relationship', {t}.working_relationship)"""
# One round trip: the system, its members (with partner types and statuses), its assignments, the systems it is
# linked to and its staff sessions (newest first).
LOAD_STATE = f"""
SELECT {SYSTEM_COLUMNS},
  coalesce((SELECT jsonb_agg(jsonb_build_object(
      'partner_id', m.partner_id, 'representative', m.representative, 'team', m.team,
      'joined_on', m.joined_on, 'partner_type', p.partner_type, 'status', p.status) ORDER BY m.partner_id)
    FROM system_members m JOIN partners p ON p.id = m.partner_id WHERE m.system_id = s.id), '[]') AS members,
  coalesce((SELECT jsonb_agg(jsonb_build_object(
      'id', a.id, 'partner_id', a.partner_id, 'function', a.function, 'strength', a.strength,
      'agreement_id', a.agreement_id, 'atypical', a.atypical) ORDER BY a.function, a.partner_id)
    FROM assignments a WHERE a.system_id = s.id), '[]') AS assignments,
  (SELECT {_LINKED.format(t="t")} FROM systems t WHERE t.id = s.state_system_id) AS state_system,
  coalesce((SELECT jsonb_agg({_LINKED.format(t="l")} ORDER BY l.name, l.id)
    FROM systems l WHERE l.state_system_id = s.id), '[]') AS local_systems,
  coalesce((SELECT jsonb_agg(jsonb_build_object(
      'id', x.id, 'held_on', x.held_on, 'kind', x.kind, 'topic', x.topic, 'level', x.level,
      'created_at', x.created_at, 'agencies', (SELECT coalesce(jsonb_agg(g.partner_id ORDER BY g.position), '[]')
        FROM staff_session_agencies g WHERE g.session_id = x.id)) ORDER BY x.held_on DESC, x.id)
    FROM staff_sessions x WHERE x.system_id = s.id), '[]') AS staff_sessions
FROM systems s WHERE s.id = $1
"""
# The same state for every system of a state (or of one of its local areas), in one round trip.
LOAD_STATES_IN = LOAD_STATE.replace(
    "FROM systems s WHERE s.id = $1",
    "FROM systems s WHERE s.state = $1 AND ($2::text IS NULL OR s.local_area = $2) ORDER BY s.name, s.id")
LOAD_STATES = LOAD_STATE.replace("WHERE s.id = $1", "WHERE s.id = any($1::uuid[])")
INSERT_SYSTEM = """
INSERT INTO systems (id, name, level, state, local_area, vision, mission, goals, target_sectors,
  target_occupations, target_populations, regions, working_relationship, working_relationship_notes,
  review_cadence_months, last_reviewed_on, intermediary_id, version, state_system_id, vision_review_cadence_months,
  vision_revisited_on, target_population_sizes, relationship_confirmations)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
"""
UPDATE_SYSTEM = """
UPDATE systems SET name = $2, level = $3, state = $4, local_area = $5, vision = $6, mission = $7, goals = $8,
  target_sectors = $9, target_occupations = $10, target_populations = $11, regions = $12,
  working_relationship = $13, working_relationship_notes = $14, review_cadence_months = $15,
  last_reviewed_on = $16, intermediary_id = $17, version = $18, state_system_id = $19,
  vision_review_cadence_months = $20, vision_revisited_on = $21, target_population_sizes = $22,
  relationship_confirmations = $23, updated_at = now()
WHERE id = $1 AND version = $24
"""
SESSION_COLUMNS = """
  x.id, x.system_id, x.held_on, x.kind, x.topic, x.level, x.created_at,
  array(SELECT g.partner_id FROM staff_session_agencies g WHERE g.session_id = x.id ORDER BY g.position) AS agencies
"""
INSERT_SESSION = """
INSERT INTO staff_sessions (id, system_id, held_on, kind, topic, level) VALUES ($1, $2, $3, $4, $5, $6)
"""
INSERT_SESSION_AGENCIES = """
INSERT INTO staff_session_agencies (session_id, partner_id, position)
SELECT $1, g.partner_id, g.position FROM unnest($2::uuid[]) WITH ORDINALITY AS g(partner_id, position)
"""
GET_SESSION = f"SELECT {SESSION_COLUMNS} FROM staff_sessions x WHERE x.id = $1"
# Newest first: the keyset walks down the dates, and up the ids within a date.
LIST_SESSIONS = f"""
SELECT {SESSION_COLUMNS} FROM staff_sessions x
WHERE x.system_id = $1 AND ($2::date IS NULL OR x.held_on < $2 OR (x.held_on = $2 AND x.id > $3::uuid))
ORDER BY x.held_on DESC, x.id LIMIT $4
"""
LIST_SESSIONS_BEFORE = backwards(
    LIST_SESSIONS, ("x.held_on < $2 OR (x.held_on = $2 AND x.id > $3::uuid)",
                    "x.held_on > $2 OR (x.held_on = $2 AND x.id < $3::uuid)"),
    ("ORDER BY x.held_on DESC, x.id", "ORDER BY x.held_on, x.id DESC"))
TOUCH_SYSTEM = "UPDATE systems SET updated_at = now() WHERE id = $1"
UPSERT_MEMBERS = """
INSERT INTO system_members (system_id, partner_id, representative, team, joined_on)
SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::date[])
ON CONFLICT (system_id, partner_id) DO UPDATE
  SET representative = excluded.representative, team = excluded.team, joined_on = excluded.joined_on
"""
DELETE_MEMBERS = "DELETE FROM system_members WHERE system_id = $1 AND partner_id = any($2::uuid[])"
DELETE_ASSIGNMENTS = "DELETE FROM assignments WHERE id = any($1::uuid[])"
INSERT_ASSIGNMENTS = """
INSERT INTO assignments (id, system_id, partner_id, function, strength, agreement_id, atypical)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::bool[])
"""
LIST_SYSTEMS = f"""
SELECT {SYSTEM_COLUMNS} FROM systems s
WHERE ($1::text IS NULL OR s.state = $1) AND ($2::text IS NULL OR s.local_area = $2)
  AND ($3::text IS NULL OR (s.name, s.id) > ($3, $4::uuid))
ORDER BY s.name, s.id LIMIT $5
"""
LIST_SYSTEMS_BEFORE = backwards(LIST_SYSTEMS, ("(s.name, s.id) > ($3, $4::uuid)", "(s.name, s.id) < ($3, $4::uuid)"),
                                ("ORDER BY s.name, s.id", "ORDER BY s.name DESC, s.id DESC"))
ROLE_CATALOG = """
SELECT
  (SELECT coalesce(jsonb_agg(to_jsonb(f) ORDER BY f.code), '[]') FROM functions f) AS functions,
  (SELECT coalesce(jsonb_object_agg(t.partner_type, t.functions), '{}') FROM (
     SELECT partner_type, jsonb_agg(jsonb_build_object('function', function, 'source', source) ORDER BY function)
       AS functions
     FROM usual_functions GROUP BY partner_type) t) AS matrix,
  (SELECT coalesce(jsonb_object_agg(name, body), '{}') FROM reference_documents) AS documents
"""
UPSERT_FUNCTION = """
INSERT INTO functions (code, name, description, core, element, service_categories)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (code) DO UPDATE SET name = excluded.name, description = excluded.description, core = excluded.core,
  element = excluded.element, service_categories = excluded.service_categories
"""


def _confirmation(d: Mapping[str, Any]) -> RelationshipConfirmation:
    confirmed_on = json_date(d["confirmed_on"])
    assert confirmed_on is not None
    return RelationshipConfirmation(level=SystemLevel(d["level"]), confirmed_on=confirmed_on,
                                    confirmed_by=d["confirmed_by"],
                                    relationship=WorkingRelationship(d["relationship"]))


def _system(r: Mapping[str, Any]) -> CareerPathwaysSystem:
    return CareerPathwaysSystem(
        id=r["id"], name=r["name"], level=SystemLevel(r["level"]),
        jurisdiction=Jurisdiction(state=r["state"], local_area=r["local_area"]), vision=r["vision"],
        mission=r["mission"], goals=tuple(r["goals"]), target_sectors=tuple(r["target_sectors"]),
        target_occupations=tuple(r["target_occupations"]), target_populations=tuple(r["target_populations"]),
        regions=tuple(r["regions"]), working_relationship=WorkingRelationship(r["working_relationship"]),
        working_relationship_notes=r["working_relationship_notes"],
        review_cadence_months=r["review_cadence_months"], last_reviewed_on=r["last_reviewed_on"],
        intermediary_id=r["intermediary_id"], version=r["version"], created_at=r["created_at"],
        updated_at=r["updated_at"], state_system_id=r["state_system_id"],
        vision_review_cadence_months=r["vision_review_cadence_months"],
        vision_revisited_on=r["vision_revisited_on"],
        target_population_sizes=dict(sorted(r["target_population_sizes"].items())),
        relationship_confirmations=tuple(_confirmation(c) for c in r["relationship_confirmations"]),
    )


def _linked(d: Mapping[str, Any]) -> LinkedSystem:
    return LinkedSystem(id=UUID(d["id"]), name=d["name"], level=SystemLevel(d["level"]),
                        jurisdiction=Jurisdiction(state=d["state"], local_area=d["local_area"]),
                        working_relationship=WorkingRelationship(d["working_relationship"]))


def _session(r: Mapping[str, Any], system_id: UUID | None = None) -> StaffSession:
    """A staff session from a row, or from the jsonb of a loaded state (then ``system_id`` is the system's)."""
    if system_id is None:
        return StaffSession(id=r["id"], system_id=r["system_id"], held_on=r["held_on"],
                            kind=StaffSessionKind(r["kind"]), topic=r["topic"], level=SystemLevel(r["level"]),
                            agencies=tuple(r["agencies"]), created_at=r["created_at"])
    held_on = json_date(r["held_on"])
    assert held_on is not None
    return StaffSession(id=UUID(r["id"]), system_id=system_id, held_on=held_on, kind=StaffSessionKind(r["kind"]),
                        topic=r["topic"], level=SystemLevel(r["level"]),
                        agencies=tuple(UUID(a) for a in r["agencies"]),
                        created_at=datetime.fromisoformat(r["created_at"]) if r["created_at"] else None)


def _date(value: str | None) -> date | None:
    return json_date(value)


def _state(r: Mapping[str, Any]) -> SystemState:
    system = _system(r)
    stored = r["members"]
    members = tuple(
        Member(partner_id=UUID(m["partner_id"]), representative=m["representative"], team=Team(m["team"]),
               joined_on=_date(m["joined_on"]))
        for m in stored
    )
    assignments = tuple(
        Assignment(id=UUID(a["id"]), system_id=system.id, partner_id=UUID(a["partner_id"]), function=a["function"],
                   strength=Strength(a["strength"]),
                   agreement_id=UUID(a["agreement_id"]) if a["agreement_id"] else None, atypical=a["atypical"])
        for a in r["assignments"]
    )
    types = {member.partner_id: m["partner_type"] for member, m in zip(members, stored, strict=True)}
    statuses = {member.partner_id: Status(m["status"]) for member, m in zip(members, stored, strict=True)}
    return SystemState(
        system=system, members=members, assignments=assignments, partner_types=types, partner_statuses=statuses,
        state_system=_linked(r["state_system"]) if r["state_system"] else None,
        local_systems=tuple(_linked(d) for d in r["local_systems"]),
        staff_sessions=tuple(_session(d, system.id) for d in r["staff_sessions"]),
    )


def _system_params(s: CareerPathwaysSystem) -> list[Any]:
    return [
        s.id, s.name, s.level.value, s.jurisdiction.state, s.jurisdiction.local_area, s.vision, s.mission,
        list(s.goals), list(s.target_sectors), list(s.target_occupations), list(s.target_populations),
        list(s.regions), s.working_relationship.value, s.working_relationship_notes, s.review_cadence_months,
        s.last_reviewed_on, s.intermediary_id, s.version, s.state_system_id, s.vision_review_cadence_months,
        s.vision_revisited_on, dict(s.target_population_sizes),
        [{"level": c.level.value, "confirmed_on": c.confirmed_on.isoformat(), "confirmed_by": c.confirmed_by,
          "relationship": c.relationship.value} for c in s.relationship_confirmations],
    ]


class PgSystemRepository:
    """Systems, members and assignments, bound to one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def list_systems(
        self, *, state: str | None, local_area: str | None, limit: int, after: tuple[object, ...] | None,
        backward: bool = False,
    ) -> Page[CareerPathwaysSystem]:
        name, last = (after[0], after[1]) if after else (None, None)
        rows = await self._conn.fetch(LIST_SYSTEMS_BEFORE if backward else LIST_SYSTEMS, state, local_area, name, last,
                                      limit + 1)
        return keyset_page(rows, limit, backward=backward, key=lambda r: (r["name"], str(r["id"])), item=_system)

    async def load(self, system_id: UUID, *, for_update: bool = False) -> SystemState | None:
        if for_update:
            # Serialize writers of one system: rules like "one lead per function" read then write.
            locked = await self._conn.fetchval("SELECT id FROM systems WHERE id = $1 FOR UPDATE", system_id)
            if locked is None:
                return None
        row = await self._conn.fetchrow(LOAD_STATE, system_id)
        return _state(row) if row else None

    async def load_in(self, *, state: str, local_area: str | None = None) -> list[SystemState]:
        return [_state(r) for r in await self._conn.fetch(LOAD_STATES_IN, state, local_area)]
    async def load_many(self, system_ids: Sequence[UUID]) -> dict[UUID, SystemState]:
        rows = await self._conn.fetch(LOAD_STATES, list(system_ids))
        return {row["id"]: _state(row) for row in rows}

    async def jurisdiction_of(self, system_id: UUID) -> Jurisdiction | None:
        row = await self._conn.fetchrow("SELECT state, local_area FROM systems WHERE id = $1", system_id)
        return Jurisdiction(state=row["state"], local_area=row["local_area"]) if row else None

    async def add(self, state: SystemState) -> None:
        await self._conn.execute(INSERT_SYSTEM, *_system_params(state.system))
        await self._write_diff(SystemState(system=state.system), state)

    async def save(self, old: SystemState, new: SystemState) -> bool:
        """Write what changed between two states; False when the system moved on since ``old`` was read."""
        if new.system != old.system:
            status = await self._conn.execute(UPDATE_SYSTEM, *_system_params(new.system), old.system.version)
            if status != "UPDATE 1":
                return False
        await self._write_diff(old, new)
        return True

    async def _write_diff(self, old: SystemState, new: SystemState) -> None:
        sid = new.system.id
        old_assignments = {a.id: a for a in old.assignments}
        new_assignments = {a.id: a for a in new.assignments}
        gone = [aid for aid, a in old_assignments.items() if new_assignments.get(aid) != a]
        added = [a for aid, a in new_assignments.items() if old_assignments.get(aid) != a]
        old_members = {m.partner_id: m for m in old.members}
        new_members = {m.partner_id: m for m in new.members}
        left = [pid for pid in old_members if pid not in new_members]
        changed = [m for pid, m in new_members.items() if old_members.get(pid) != m]
        if gone:
            await self._conn.execute(DELETE_ASSIGNMENTS, gone)
        if left:
            await self._conn.execute(DELETE_MEMBERS, sid, left)
        if changed:
            await self._conn.execute(
                UPSERT_MEMBERS, sid, [m.partner_id for m in changed], [m.representative for m in changed],
                [m.team.value for m in changed], [m.joined_on for m in changed],
            )
        if added:
            try:
                await self._conn.execute(
                    INSERT_ASSIGNMENTS, [a.id for a in added], [sid] * len(added), [a.partner_id for a in added],
                    [a.function for a in added], [a.strength.value for a in added],
                    [a.agreement_id for a in added], [a.atypical for a in added],
                )
            except asyncpg.UniqueViolationError as exc:
                raise FunctionAlreadyHasLead(f"a function already has a lead in this system ({exc.detail})") from exc
        if (gone or left or changed or added) and new.system == old.system:
            await self._conn.execute(TOUCH_SYSTEM, sid)

    async def delete(self, system_id: UUID) -> bool:
        return await self._conn.execute("DELETE FROM systems WHERE id = $1", system_id) == "DELETE 1"

    async def role_catalog(self) -> RoleCatalog:
        row = await self._conn.fetchrow(ROLE_CATALOG)
        assert row is not None
        docs = row["documents"]
        return role_catalog_from_dicts(
            row["functions"], row["matrix"], docs.get("population_partner_types", {}),
            docs.get("support_needs", {}), docs.get("team_requirements", {}), docs.get("agreement_checklists", {}),
        )

    async def put_function(self, function: Function) -> None:
        await self._conn.execute(
            UPSERT_FUNCTION, function.code, function.name, function.description, function.core, function.element,
            list(function.service_categories),
        )

    async def put_usual_functions(self, partner_type: str, functions: Sequence[str]) -> None:
        await self._conn.execute(
            "DELETE FROM usual_functions WHERE partner_type = $1 AND NOT function = any($2::text[])",
            partner_type, list(functions),
        )
        await self._conn.execute(
            """INSERT INTO usual_functions (partner_type, function, source) SELECT $1, unnest($2::text[]), 'deployment'
               ON CONFLICT (partner_type, function) DO NOTHING""",
            partner_type, list(functions),
        )

    async def add_staff_session(self, session: StaffSession) -> None:
        await self._conn.execute(INSERT_SESSION, session.id, session.system_id, session.held_on, session.kind.value,
                                 session.topic, session.level.value)
        await self._conn.execute(INSERT_SESSION_AGENCIES, session.id, list(session.agencies))
        await self._conn.execute(TOUCH_SYSTEM, session.system_id)

    async def get_staff_session(self, session_id: UUID) -> StaffSession | None:
        row = await self._conn.fetchrow(GET_SESSION, session_id)
        return _session(row) if row else None

    async def list_staff_sessions(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[StaffSession]:
        held_on, last = None, None
        if after:
            try:
                held_on, last = date.fromisoformat(str(after[0])), after[1]
            except ValueError:
                problem = FieldProblem("cursor", "is not a cursor of this listing; start again without it")
                raise InvalidInput(problem) from None
        rows = await self._conn.fetch(LIST_SESSIONS_BEFORE if backward else LIST_SESSIONS, system_id, held_on, last,
                                      limit + 1)
        return keyset_page(rows, limit, backward=backward, key=lambda r: (r["held_on"].isoformat(), str(r["id"])),
                           item=_session)

    async def delete_staff_session(self, session_id: UUID) -> bool:
        system_id = await self._conn.fetchval("DELETE FROM staff_sessions WHERE id = $1 RETURNING system_id",
                                              session_id)
        if system_id is not None:
            await self._conn.execute(TOUCH_SYSTEM, system_id)
        return system_id is not None
