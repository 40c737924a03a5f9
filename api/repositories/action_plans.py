"""Action plans over asyncpg: a plan loads with its goals and items in one round trip."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from api.domain.action_plans import ActionItem, ActionPlan, Goal, ItemStatus
from api.domain.ports import PlanContents
from api.repositories.database import json_date

PLAN_COLUMNS = "p.id, p.system_id, p.what_is_possible, p.what_is_practical, p.who_can_help, p.what_is_next"
LOAD_PLAN = f"""
SELECT {PLAN_COLUMNS}, p.version, p.updated_at,
  coalesce((SELECT jsonb_agg(jsonb_build_object(
      'id', g.id, 'title', g.title, 'description', g.description, 'element_code', g.element_code,
      'gap_reference', g.gap_reference, 'gap_kind', g.gap_kind, 'gap_subject', g.gap_subject)
      ORDER BY g.created_at, g.id)
    FROM plan_goals g WHERE g.plan_id = p.id), '[]') AS goals,
  coalesce((SELECT jsonb_agg(jsonb_build_object(
      'id', i.id, 'goal_id', i.goal_id, 'description', i.description, 'owner_id', i.owner_id, 'due_on', i.due_on,
      'status', i.status, 'resources', i.resources) ORDER BY i.due_on NULLS LAST, i.created_at, i.id)
    FROM action_items i JOIN plan_goals g ON g.id = i.goal_id WHERE g.plan_id = p.id), '[]') AS items
FROM action_plans p WHERE p.system_id = $1
"""
LOCK_PLAN = "SELECT id FROM action_plans WHERE system_id = $1 FOR UPDATE"
INSERT_PLAN = """
INSERT INTO action_plans (id, system_id, what_is_possible, what_is_practical, who_can_help, what_is_next, version)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""
UPDATE_PLAN = """
UPDATE action_plans SET what_is_possible = $2, what_is_practical = $3, who_can_help = $4, what_is_next = $5,
  version = $6, updated_at = now()
WHERE id = $1 AND version = $7
"""
# Goals and items are parts of the plan: changing one makes a new version of the plan (and its ETag).
TOUCH_PLAN = "UPDATE action_plans SET version = version + 1, updated_at = now() WHERE id = $1"
UPSERT_GOAL = """
INSERT INTO plan_goals (id, plan_id, title, description, element_code, gap_reference, gap_kind, gap_subject)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description,
  element_code = excluded.element_code, gap_reference = excluded.gap_reference, gap_kind = excluded.gap_kind,
  gap_subject = excluded.gap_subject
"""
DELETE_GOAL = "DELETE FROM plan_goals WHERE id = $1"
UPSERT_ITEMS = """
INSERT INTO action_items (id, goal_id, description, owner_id, due_on, status, resources)
SELECT i.id, i.goal_id, i.description, i.owner_id, i.due_on, i.status,
  array(SELECT jsonb_array_elements_text(i.res::jsonb))
FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::date[], $6::text[], $7::text[])
  AS i(id, goal_id, description, owner_id, due_on, status, res)
ON CONFLICT (id) DO UPDATE SET goal_id = excluded.goal_id, description = excluded.description,
  owner_id = excluded.owner_id, due_on = excluded.due_on, status = excluded.status, resources = excluded.resources
"""
DELETE_ITEM = "DELETE FROM action_items WHERE id = $1"


def _plan(r: Mapping[str, Any]) -> ActionPlan:
    return ActionPlan(
        id=r["id"], system_id=r["system_id"], what_is_possible=r["what_is_possible"],
        what_is_practical=r["what_is_practical"], who_can_help=r["who_can_help"], what_is_next=r["what_is_next"],
        version=r["version"], updated_at=r["updated_at"],
    )


def _goal(plan_id: UUID, g: Mapping[str, Any]) -> Goal:
    return Goal(id=UUID(g["id"]), plan_id=plan_id, title=g["title"], description=g["description"],
                element_code=g["element_code"], gap_reference=g["gap_reference"], gap_kind=g.get("gap_kind"),
                gap_subject=g.get("gap_subject"))


def _item(i: Mapping[str, Any]) -> ActionItem:
    return ActionItem(
        id=UUID(i["id"]), goal_id=UUID(i["goal_id"]), description=i["description"], owner_id=UUID(i["owner_id"]),
        due_on=json_date(i["due_on"]), status=ItemStatus(i["status"]),
        resources=tuple(i["resources"]),
    )


def _contents(r: Mapping[str, Any]) -> PlanContents:
    plan = _plan(r)
    return PlanContents(plan=plan, goals=tuple(_goal(plan.id, g) for g in r["goals"]),
                        items=tuple(_item(i) for i in r["items"]))


class PgActionPlanRepository:
    """Action plans, goals and action items, bound to one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def load(self, system_id: UUID, *, for_update: bool = False) -> PlanContents | None:
        # Serialize writers of one plan: every change bumps the plan's version.
        if for_update and await self._conn.fetchval(LOCK_PLAN, system_id) is None:
            return None
        row = await self._conn.fetchrow(LOAD_PLAN, system_id)
        return _contents(row) if row else None

    async def add(self, plan: ActionPlan) -> None:
        await self._conn.execute(
            INSERT_PLAN, plan.id, plan.system_id, plan.what_is_possible, plan.what_is_practical, plan.who_can_help,
            plan.what_is_next, plan.version,
        )

    async def save(self, plan: ActionPlan, *, expected_version: int) -> bool:
        """Write the plan's answers; False when it moved on since ``expected_version`` was read."""
        status = await self._conn.execute(
            UPDATE_PLAN, plan.id, plan.what_is_possible, plan.what_is_practical, plan.who_can_help,
            plan.what_is_next, plan.version, expected_version,
        )
        return status == "UPDATE 1"

    async def touch(self, plan_id: UUID) -> None:
        await self._conn.execute(TOUCH_PLAN, plan_id)

    async def put_goal(self, goal: Goal) -> None:
        await self._conn.execute(UPSERT_GOAL, goal.id, goal.plan_id, goal.title, goal.description,
                                 goal.element_code, goal.gap_reference, goal.gap_kind, goal.gap_subject)

    async def delete_goal(self, goal_id: UUID) -> bool:
        return await self._conn.execute(DELETE_GOAL, goal_id) == "DELETE 1"

    async def put_items(self, items: Sequence[ActionItem]) -> None:
        if not items:
            return
        # Resources travel as one JSON array per item: unnest cannot carry an array of arrays of mixed length.
        await self._conn.execute(
            UPSERT_ITEMS, [i.id for i in items], [i.goal_id for i in items], [i.description for i in items],
            [i.owner_id for i in items], [i.due_on for i in items], [i.status.value for i in items],
            [json.dumps(list(i.resources)) for i in items],
        )

    async def delete_item(self, item_id: UUID) -> bool:
        return await self._conn.execute(DELETE_ITEM, item_id) == "DELETE 1"
