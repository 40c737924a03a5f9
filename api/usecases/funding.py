"""Use cases of funding: the stream catalogue, allocations to a system's services and functions, braiding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from api.domain import funding as rules
from api.domain.access import Scope, require
from api.domain.errors import FieldProblem, InvalidInput, NotFound, VersionMismatch
from api.domain.funding import Allocation, FundingAnalysis, FundingStream
from api.domain.gaps import MemberPartner, OfferedService
from api.domain.labels import NO_LABELS, Labels
from api.domain.labor_market import period_years
from api.domain.ports import UnitOfWork
from api.domain.systems import RoleCatalog, SystemState
from api.usecases import policy
from api.usecases.labels import labels_of
from api.usecases.paging import Paged, decode_cursor, encode_cursor


async def system_state(uow: UnitOfWork, system_id: UUID, *, write: bool = False) -> SystemState:
    """Load a system the caller may see (and, with ``write``, change; writers lock it)."""
    require(uow.caller, Scope.SYSTEMS_WRITE if write else Scope.SYSTEMS_READ)
    state = await uow.systems.load(system_id, for_update=write)
    if state is None:
        raise NotFound("system", system_id)
    policy.see_system(uow, state.system.jurisdiction, system_id, write=write)
    return state


def _check_period(period: str | None) -> None:
    if period is None:
        return
    try:
        period_years(period)
    except ValueError:
        raise InvalidInput(FieldProblem("period", "must be a year (2026) or a span of years (2026-2027)")) from None


# --- the stream catalogue -------------------------------------------------------------------------------


async def list_streams(uow: UnitOfWork) -> list[FundingStream]:
    """Return the funding stream catalogue (public reference data), by code."""
    return list((await uow.funding.streams()).values())


async def get_stream(uow: UnitOfWork, *, code: str) -> FundingStream:
    """Return one stream of the catalogue or raise NotFound."""
    found = (await uow.funding.streams()).get(code)
    if found is None:
        raise NotFound("funding stream", code)
    return found


async def put_stream(uow: UnitOfWork, *, stream: FundingStream) -> FundingStream:
    """Create or replace a stream of the catalogue, its codes checked against the vocabularies."""
    policy.administer(uow)
    rules.validate_funding_stream(stream, await uow.reference.catalog())
    before = (await uow.funding.streams()).get(stream.code)
    await uow.funding.put_stream(stream)
    await policy.audit(uow, action="put", kind="funding_stream", record_id=stream.code, old=before, new=stream)
    return stream


# --- allocations ----------------------------------------------------------------------------------------


async def _targets(uow: UnitOfWork, state: SystemState) -> dict[str, Any]:
    """What an allocation of this system may name: streams, its members' services, functions and members."""
    member_ids = [m.partner_id for m in state.members]
    services = await uow.partners.services_of(member_ids) if member_ids else {}
    return {
        "streams": await uow.funding.streams(),
        "service_ids": {s.id for found in services.values() for s in found},
        "functions": (await uow.systems.role_catalog()).functions,
        "member_ids": set(member_ids),
    }


def _of_system(allocation: Allocation | None, system_id: UUID, allocation_id: UUID) -> Allocation:
    if allocation is None or allocation.system_id != system_id:
        raise NotFound("allocation", allocation_id)
    return allocation


async def list_allocations(
    uow: UnitOfWork, *, system_id: UUID, period: str | None = None, limit: int = 50, cursor: str | None = None,
    backward: bool = False,
) -> Paged[Allocation]:
    """List a system's allocations by period, one keyset page at a time;
    ``backward``: the page before ``cursor``, in the same order."""
    await policy.guard_system(uow, system_id)
    _check_period(period)
    page = await uow.funding.list_allocations(system_id, period=period, limit=limit,
                                              after=decode_cursor("allocations", cursor), backward=backward)
    return Paged(
        items=list(page.items),
        next_cursor=encode_cursor("allocations", page.next_after) if page.next_after else None,
        cursors=[encode_cursor("allocations", k) for k in page.keys],
    )


async def get_allocation(uow: UnitOfWork, *, system_id: UUID, allocation_id: UUID) -> Allocation:
    """Return one allocation of a system."""
    await policy.guard_system(uow, system_id)
    return _of_system(await uow.funding.get_allocation(allocation_id), system_id, allocation_id)


async def create_allocation(uow: UnitOfWork, *, allocation: Allocation) -> Allocation:
    """Allocate an amount of one stream, for one period, to one service or function of the system."""
    state = await system_state(uow, allocation.system_id, write=True)
    allocation = rules.validate_allocation(allocation, **await _targets(uow, state))
    await uow.funding.add_allocation(allocation)
    await policy.audit(uow, action="create", kind="allocation", record_id=allocation.id, new=allocation)
    return _of_system(await uow.funding.get_allocation(allocation.id), allocation.system_id, allocation.id)


async def update_allocation(
    uow: UnitOfWork, *, system_id: UUID, allocation_id: UUID, changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Allocation:
    """Change an allocation's stream, period, amount, target, partner or note."""
    state = await system_state(uow, system_id, write=True)
    before = _of_system(await uow.funding.get_allocation(allocation_id), system_id, allocation_id)
    if expected_version is not None and expected_version != before.version:
        raise VersionMismatch("allocation", allocation_id, expected_version, before.version)
    revised = rules.revise_allocation(before, changes, **await _targets(uow, state))
    if not await uow.funding.update_allocation(revised, expected_version=before.version):
        raise VersionMismatch("allocation", allocation_id, before.version, None)
    await policy.audit(uow, action="update", kind="allocation", record_id=allocation_id, old=before, new=revised)
    return _of_system(await uow.funding.get_allocation(allocation_id), system_id, allocation_id)


async def delete_allocation(
    uow: UnitOfWork, *, system_id: UUID, allocation_id: UUID, expected_version: int | None = None
) -> Allocation:
    """Remove an allocation; return it."""
    await system_state(uow, system_id, write=True)
    before = _of_system(await uow.funding.get_allocation(allocation_id), system_id, allocation_id)
    if expected_version is not None and expected_version != before.version:
        raise VersionMismatch("allocation", allocation_id, expected_version, before.version)
    await uow.funding.delete_allocation(allocation_id)
    await policy.audit(uow, action="delete", kind="allocation", record_id=allocation_id, old=before)
    return before


# --- the braiding analysis ------------------------------------------------------------------------------


async def analysis_of(
    uow: UnitOfWork, state: SystemState, partners: Mapping[UUID, MemberPartner],
    services: Mapping[UUID, Sequence[OfferedService]], *, period: str | None = None,
    roles: RoleCatalog | None = None, labels: Labels = NO_LABELS,
) -> FundingAnalysis:
    """Analyse a loaded system's funding; reads its allocations and the catalogue in one query.

    With ``roles`` allocations to functions are checked against what their stream pays for too.
    """
    basis = await uow.funding.basis(state.system.id)
    function_categories = ({code: f.service_categories for code, f in roles.functions.items()}
                           if roles is not None else None)
    return rules.analyse_funding(
        state.system, partners.values(), [s for found in services.values() for s in found], state.assignments,
        basis.allocations, basis.streams.values(), period=period, category_parents=basis.category_parents,
        function_categories=function_categories, labels=labels,
    )


async def analyse(uow: UnitOfWork, *, system_id: UUID, period: str | None = None) -> FundingAnalysis:
    """How the system is funded: totals per stream and kind, shares, unfunded work and untapped streams."""
    _check_period(period)
    state = await system_state(uow, system_id)
    member_ids = [m.partner_id for m in state.members]
    partners = await uow.partners.get_many(member_ids) if member_ids else {}
    services = await uow.partners.services_of(member_ids) if member_ids else {}
    roles = await uow.systems.role_catalog()
    return await analysis_of(uow, state, partners, services, period=period, roles=roles,
                             labels=await labels_of(uow, roles))
