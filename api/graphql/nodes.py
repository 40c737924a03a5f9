"""``node(id:)`` and ``nodes(ids:)``: any record by its global id, read by the use case of the type's own query.

Each type's key is what its own lookup takes (``api/graphql/ids.py``), so a record is fetched again exactly as
its own query fetches it, under the same access rules. What the caller may not see answers as what does not
exist: null, with a ``NOT_FOUND`` error naming the global id asked for (never the system it hangs off).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

import strawberry
from graphql import GraphQLError

from api.domain.errors import DomainError, FieldProblem, InvalidInput, NotFound
from api.domain.ports import UnitOfWork
from api.graphql.action_plans import goal_from_domain, item_from_domain, plan_from_domain
from api.graphql.agreements import agreement_from_domain, allocation_from_domain, stream_from_domain
from api.graphql.connections import connection_from_domain
from api.graphql.context import Context
from api.graphql.errors import query_error
from api.graphql.ids import decode, malformed, uuid_parts
from api.graphql.limits import MAX_NODES
from api.graphql.node import Node
from api.graphql.readiness import framework_from_domain, round_from_domain
from api.graphql.systems import assignment_from_domain, staff_session_from_domain, system_from_domain
from api.graphql.types import partner_from_domain, service_from_domain
from api.usecases import action_plans as plans_uc
from api.usecases import agreements as agreements_uc
from api.usecases import connections as connections_uc
from api.usecases import funding as funding_uc
from api.usecases import partners as partners_uc
from api.usecases import readiness as readiness_uc
from api.usecases import systems as systems_uc

Info = strawberry.Info[Context, None]

# The type's name, the number of UUIDs in its key, and how its own query reads it (the key's UUIDs in order).
Read = Callable[[UnitOfWork, list[UUID]], Awaitable[Node]]


async def _plan(uow: UnitOfWork, key: list[UUID]) -> Node:
    contents = await plans_uc.get_plan(uow, system_id=key[0])
    if contents.plan.id != key[1]:
        raise NotFound("action plan", key[1])
    return plan_from_domain(contents)


async def _partner(uow: UnitOfWork, key: list[UUID]) -> Node:
    return partner_from_domain(await partners_uc.get_partner(uow, partner_id=key[0]))


async def _service(uow: UnitOfWork, key: list[UUID]) -> Node:
    return service_from_domain(await partners_uc.get_service(uow, partner_id=key[0], service_id=key[1]))


async def _system(uow: UnitOfWork, key: list[UUID]) -> Node:
    return system_from_domain(await systems_uc.get_system(uow, system_id=key[0]))


async def _assignment(uow: UnitOfWork, key: list[UUID]) -> Node:
    return assignment_from_domain(await systems_uc.get_assignment(uow, system_id=key[0], assignment_id=key[1]))


async def _staff_session(uow: UnitOfWork, key: list[UUID]) -> Node:
    return staff_session_from_domain(await systems_uc.get_staff_session(uow, system_id=key[0], session_id=key[1]))


async def _agreement(uow: UnitOfWork, key: list[UUID]) -> Node:
    return agreement_from_domain(await agreements_uc.get_agreement(uow, system_id=key[0], agreement_id=key[1]))


async def _allocation(uow: UnitOfWork, key: list[UUID]) -> Node:
    return allocation_from_domain(await funding_uc.get_allocation(uow, system_id=key[0], allocation_id=key[1]))


async def _round(uow: UnitOfWork, key: list[UUID]) -> Node:
    return round_from_domain((await readiness_uc.get_round(uow, round_id=key[0]))[0])


async def _framework(uow: UnitOfWork, key: list[UUID]) -> Node:
    return framework_from_domain(await readiness_uc.get_framework(uow, framework_id=key[0]))


async def _goal(uow: UnitOfWork, key: list[UUID]) -> Node:
    return goal_from_domain(await plans_uc.get_goal(uow, system_id=key[0], goal_id=key[1]), key[0])


async def _item(uow: UnitOfWork, key: list[UUID]) -> Node:
    return item_from_domain(await plans_uc.get_item(uow, system_id=key[0], item_id=key[1]), key[0])


async def _connection(uow: UnitOfWork, key: list[UUID]) -> Node:
    return connection_from_domain(await connections_uc.get_connection(uow, connection_id=key[0]))


READERS: dict[str, tuple[int, Read]] = {
    "Partner": (1, _partner),
    "Service": (2, _service),
    "System": (1, _system),
    "Assignment": (2, _assignment),
    "StaffSession": (2, _staff_session),
    "Agreement": (2, _agreement),
    "Allocation": (2, _allocation),
    "Round": (1, _round),
    "Framework": (1, _framework),
    "ActionPlan": (2, _plan),
    "Goal": (2, _goal),
    "ActionItem": (2, _item),
    "ConnectionRecord": (1, _connection),
}


async def fetch(info: Info, value: str, field: str) -> Node:
    """The record a global id names, as its type's own query reads it; or InvalidInput, or NotFound naming the
    global id."""
    type_name, parts = decode(value, field)
    uow = await info.context.read_uow()
    try:
        if type_name == "FundingStream":  # keyed by its code, not by UUIDs
            if len(parts) != 1:
                raise malformed(value, field)
            return stream_from_domain(await funding_uc.get_stream(uow, code=parts[0]))
        known = READERS.get(type_name)
        if known is None:
            raise malformed(value, field)
        count, read = known
        return await read(uow, uuid_parts(parts, count, value, field))
    except NotFound as exc:
        raise NotFound(type_name, value) from exc


async def _answer(info: Info, value: str, field: str) -> Node | GraphQLError:
    try:
        return await fetch(info, value, field)
    except DomainError as exc:
        return query_error(exc)


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any record by its global id (`id` of a `Node`), under the same access rules as "
                                  "its type's own query; null, with an error, when it does not exist or the caller "
                                  "may not see it.")
    async def node(
        self, info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id, as a record's `id` gives it.")],
    ) -> Node | None:
        answer = await _answer(info, id, "id")
        if isinstance(answer, GraphQLError):
            raise answer
        return answer

    @strawberry.field(description=f"Records by their global ids, in the order asked (at most {MAX_NODES}); each one "
                                  "the caller may not see, or that does not exist, is null with an error at its "
                                  "index.")
    async def nodes(
        self, info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global ids, as records' `id` give them.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise query_error(InvalidInput(FieldProblem("ids", f"at most {MAX_NODES} ids at once, not {len(ids)}")))
        return [await _answer(info, value, f"ids[{i}]") for i, value in enumerate(ids)]  # type: ignore[misc]
