"""Use cases of connections between organizations: interests, stages, planning answers and win/win matches."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from api.domain import connections as rules
from api.domain.access import AuditEntry
from api.domain.connections import Connection, ConnectionStage, PartnerMatch
from api.domain.errors import FieldProblem, InvalidInput, NotFound, VersionMismatch
from api.domain.partners import Partner
from api.domain.ports import UnitOfWork
from api.domain.systems import Member, SystemState, Team
from api.usecases import policy
from api.usecases import systems as systems_uc
from api.usecases.paging import Paged, decode_cursor, encode_cursor, microseconds_key

MAX_MATCH_CANDIDATES = 1000
"""How many organizations a match considers at most: the most promising of the partner's state."""


async def _partner(uow: UnitOfWork, partner_id: UUID, field_name: str) -> Partner:
    partner = await uow.partners.get(partner_id)
    if partner is None:
        raise InvalidInput(FieldProblem(field_name, f"partner {partner_id} does not exist"))
    return partner


async def _writable(uow: UnitOfWork, connection_id: UUID, expected_version: int | None) -> Connection:
    """A connection the caller may change: a directory writer within the jurisdiction of its FROM partner."""
    policy.write_directory(uow)
    connection = await uow.connections.get(connection_id, for_update=True)
    if connection is None:
        raise NotFound("connection", connection_id)
    origin = await uow.partners.get(connection.from_partner)
    if origin is not None:
        policy.write_directory(uow, origin.jurisdiction)
    if expected_version is not None and expected_version != connection.version:
        raise VersionMismatch("connection", connection_id, expected_version, connection.version)
    return connection


async def _save(uow: UnitOfWork, old: Connection, new: Connection, action: str) -> Connection:
    if new == old:
        return old
    if not await uow.connections.update(new, expected_version=old.version):
        raise VersionMismatch("connection", old.id, old.version, None)
    await policy.audit(uow, action=action, kind="connection", record_id=new.id, old=old, new=new)
    return await get_connection(uow, connection_id=new.id)


async def record_interest(uow: UnitOfWork, *, connection: Connection) -> Connection:
    """Record an organization's interest in connecting with another (the first stage)."""
    policy.write_directory(uow)
    origin = await _partner(uow, connection.from_partner, "from_partner")
    policy.write_directory(uow, origin.jurisdiction)
    await _partner(uow, connection.to_partner, "to_partner")
    connection = rules.validate_connection(connection)
    if connection.stage is not ConnectionStage.INTEREST_DEFINED:
        raise InvalidInput(FieldProblem("stage", "a new connection starts at 'interest_defined'"))
    await uow.connections.add(connection)
    await policy.audit(uow, action="create", kind="connection", record_id=connection.id, new=connection)
    return await get_connection(uow, connection_id=connection.id)


async def get_connection(uow: UnitOfWork, *, connection_id: UUID) -> Connection:
    """Return one connection."""
    policy.read_directory(uow)
    connection = await uow.connections.get(connection_id)
    if connection is None:
        raise NotFound("connection", connection_id)
    return connection


async def connections_of(
    uow: UnitOfWork, *, partner_id: UUID, limit: int = 50, cursor: str | None = None
) -> Paged[Connection]:
    """List a partner's connections, either way round, oldest first."""
    policy.read_directory(uow)
    if await uow.partners.get(partner_id) is None:
        raise NotFound("partner", partner_id)
    after = decode_cursor("connections", cursor, key=microseconds_key)
    page = await uow.connections.of_partner(partner_id, limit=limit, after=after)
    return Paged(
        items=list(page.items),
        next_cursor=encode_cursor("connections", page.next_after) if page.next_after else None,
        cursors=[encode_cursor("connections", k) for k in page.keys],
    )


async def revise_connection(
    uow: UnitOfWork, *, connection_id: UUID, changes: Mapping[str, Any], expected_version: int | None = None
) -> Connection:
    """Change a connection's interest, notes or answers to the four planning questions."""
    before = await _writable(uow, connection_id, expected_version)
    return await _save(uow, before, rules.revise_connection(before, changes), "update")


async def advance(
    uow: UnitOfWork, *, connection_id: UUID, stage: ConnectionStage, expected_version: int | None = None
) -> Connection:
    """Move a connection to its next stage (or back one); partnering needs the four planning answers."""
    before = await _writable(uow, connection_id, expected_version)
    return await _save(uow, before, rules.advance_connection(before, stage), "advance")


async def join_system(
    uow: UnitOfWork, *, connection_id: UUID, system_id: UUID, representative: str, team: Team = Team.LEADERSHIP,
    partner_id: UUID | None = None, joined_on: date | None = None,
) -> SystemState:
    """Bring an organization of a partnered connection into a system as a member (the other one by default).

    It changes the system, not the connection: a systems writer of the system's jurisdiction may do it.
    """
    await policy.guard_system(uow, system_id, write=True)
    connection = await uow.connections.get(connection_id)
    if connection is None:
        raise NotFound("connection", connection_id)
    rules.require_partnered(connection)
    joining = partner_id or connection.to_partner
    if joining not in (connection.from_partner, connection.to_partner):
        raise InvalidInput(FieldProblem("partner_id", "must be one of the two organizations of the connection"))
    state = await systems_uc.add_member(uow, system_id=system_id, member=Member(
        partner_id=joining, representative=representative, team=team, joined_on=joined_on))
    await uow.audit.record([AuditEntry(
        id=uuid4(), key_id=uow.caller.key_id, actor=uow.caller.name, action="join_system", kind="connection",
        record_id=str(connection.id),
        changes={"system_id": {"old": None, "new": str(system_id)}, "member": {"old": None, "new": str(joining)}},
    )])
    return state


async def matches(
    uow: UnitOfWork, *, partner_id: UUID, limit: int = 20, min_score: int = 1
) -> tuple[PartnerMatch, ...]:
    """Rank other organizations by win/win score with the reasons, never the partner itself."""
    policy.read_directory(uow)
    partner = await uow.partners.get(partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    catalog = await uow.reference.catalog()
    universal = sorted(code for code, p in catalog.populations.items() if p.universal)
    candidates = await uow.connections.match_candidates(partner, limit=MAX_MATCH_CANDIDATES,
                                                        ignore_populations=universal)
    usual = (await uow.systems.role_catalog()).matrix.usual
    return rules.rank_matches(partner, candidates, usual, min_score=min_score, limit=limit,
                              universal_populations=universal)
