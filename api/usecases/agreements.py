"""Use cases of agreements (MOUs and others): recording, signing, completeness by kind, gap inputs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from api.domain import agreements as rules
from api.domain.agreements import Agreement, Completeness
from api.domain.checklists import Checklist
from api.domain.errors import FieldProblem, InvalidInput, NotFound, VersionMismatch
from api.domain.funding import FundingAnalysis
from api.domain.gaps import MemberPartner, OfferedService
from api.domain.labels import NO_LABELS, Labels
from api.domain.ports import UnitOfWork
from api.domain.systems import RoleCatalog, SystemState
from api.usecases import funding as funding_uc
from api.usecases import policy
from api.usecases.paging import Paged, decode_cursor, encode_cursor


def today_utc() -> date:
    """The current date in UTC, the service's calendar."""
    return datetime.now(UTC).date()


def _of_system(agreement: Agreement | None, system_id: UUID, agreement_id: UUID) -> Agreement:
    if agreement is None or agreement.system_id != system_id:
        raise NotFound("agreement", agreement_id)
    return agreement


def _check_version(agreement: Agreement, expected: int | None) -> None:
    if expected is not None and expected != agreement.version:
        raise VersionMismatch("agreement", agreement.id, expected, agreement.version)


async def _rules_input(uow: UnitOfWork, state: SystemState) -> dict[str, Any]:
    return {"member_ids": {m.partner_id for m in state.members},
            "assignments": {a.id: a for a in state.assignments},
            "checklists": (await uow.systems.role_catalog()).agreement_checklists}


async def _writable(
    uow: UnitOfWork, system_id: UUID, agreement_id: UUID, expected_version: int | None
) -> tuple[SystemState, Agreement]:
    """The system (locked, so membership and roles hold still) and one of its agreements (locked)."""
    state = await funding_uc.system_state(uow, system_id, write=True)
    agreement = _of_system(await uow.agreements.get(agreement_id, for_update=True), system_id, agreement_id)
    _check_version(agreement, expected_version)
    return state, agreement


async def _save(uow: UnitOfWork, old: Agreement, new: Agreement, action: str) -> Agreement:
    if not await uow.agreements.save(old, new):
        raise VersionMismatch("agreement", old.id, old.version, None)
    await policy.audit(uow, action=action, kind="agreement", record_id=new.id, old=old, new=new)
    return _of_system(await uow.agreements.get(new.id), new.system_id, new.id)


async def list_agreements(
    uow: UnitOfWork, *, system_id: UUID, limit: int = 50, cursor: str | None = None, backward: bool = False
) -> Paged[Agreement]:
    """List a system's agreements by title, one keyset page at a time;
    ``backward``: the page before ``cursor``, in the same order."""
    await policy.guard_system(uow, system_id)
    page = await uow.agreements.list_agreements(system_id, limit=limit, after=decode_cursor("agreements", cursor),
                                                backward=backward)
    return Paged(
        items=list(page.items),
        next_cursor=encode_cursor("agreements", page.next_after) if page.next_after else None,
        cursors=[encode_cursor("agreements", k) for k in page.keys],
    )


async def agreements_of_system(uow: UnitOfWork, *, system_id: UUID) -> list[Agreement]:
    """Return all the agreements of a system the caller may see."""
    await policy.guard_system(uow, system_id)
    return await uow.agreements.of_system(system_id)


async def get_agreement(uow: UnitOfWork, *, system_id: UUID, agreement_id: UUID) -> Agreement:
    """Return one agreement of a system."""
    await policy.guard_system(uow, system_id)
    return _of_system(await uow.agreements.get(agreement_id), system_id, agreement_id)


async def create_agreement(uow: UnitOfWork, *, agreement: Agreement) -> Agreement:
    """Record an agreement among members, with the role assignments it formalizes."""
    state = await funding_uc.system_state(uow, agreement.system_id, write=True)
    agreement = rules.validate_agreement(agreement, **await _rules_input(uow, state))
    await uow.agreements.add(agreement)
    await policy.audit(uow, action="create", kind="agreement", record_id=agreement.id, new=agreement)
    return _of_system(await uow.agreements.get(agreement.id), agreement.system_id, agreement.id)


async def update_agreement(
    uow: UnitOfWork, *, system_id: UUID, agreement_id: UUID, changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Agreement:
    """Change an agreement's fields: dates, parties, formalized roles, contents, recorded status."""
    state, before = await _writable(uow, system_id, agreement_id, expected_version)
    revised = rules.revise_agreement(before, changes, **await _rules_input(uow, state))
    return await _save(uow, before, revised, "update")


async def sign_agreement(
    uow: UnitOfWork, *, system_id: UUID, agreement_id: UUID, signed_on: date | None = None,
    expected_version: int | None = None,
) -> Agreement:
    """Record that a draft was signed (today unless told): it becomes active."""
    _, before = await _writable(uow, system_id, agreement_id, expected_version)
    signed = rules.sign_agreement(before, signed_on=signed_on or today_utc())
    return await _save(uow, before, signed, "sign")


async def delete_agreement(
    uow: UnitOfWork, *, system_id: UUID, agreement_id: UUID, expected_version: int | None = None
) -> Agreement:
    """Remove an agreement; the roles it formalized are no longer formalized by it."""
    _, before = await _writable(uow, system_id, agreement_id, expected_version)
    await uow.agreements.delete(agreement_id)
    await policy.audit(uow, action="delete", kind="agreement", record_id=agreement_id, old=before)
    return before


async def completeness(uow: UnitOfWork, *, system_id: UUID, agreement_id: UUID) -> Completeness:
    """Check an agreement against the checklist of its kind (none applies to some kinds)."""
    agreement = await get_agreement(uow, system_id=system_id, agreement_id=agreement_id)
    return rules.completeness(agreement, (await uow.systems.role_catalog()).agreement_checklists)


async def checklists(uow: UnitOfWork) -> list[Checklist]:
    """The checklists agreements are judged by, by kind, each item with its source."""
    return sorted((await checklists_by_kind(uow)).values(), key=lambda c: c.kind)


async def checklists_by_kind(uow: UnitOfWork) -> Mapping[str, Checklist]:
    """The checklists agreements are judged by, keyed by agreement kind."""
    return (await uow.systems.role_catalog()).agreement_checklists


async def require_agreement_of(uow: UnitOfWork, *, system_id: UUID, agreement_id: UUID, partner_id: UUID) -> None:
    """Check an assignment may name the agreement: one of the system's, to which its holder is a party."""
    agreement = await uow.agreements.get(agreement_id)
    if agreement is None or agreement.system_id != system_id:
        raise InvalidInput(FieldProblem("agreement_id", f"agreement {agreement_id} is not one of this system's"))
    if partner_id not in agreement.parties:
        raise rules.FormalizedRoleNotHeldByAParty(
            f"partner {partner_id} is not a party to agreement {agreement_id}, so it cannot formalize its role"
        )


async def gap_inputs(
    uow: UnitOfWork, state: SystemState, partners: Mapping[UUID, MemberPartner],
    services: Mapping[UUID, Sequence[OfferedService]], *, roles: RoleCatalog | None = None,
    labels: Labels = NO_LABELS,
) -> tuple[list[Agreement], FundingAnalysis]:
    """What the formalization and funding gap rules read: the system's agreements and its funding analysis.

    Two queries whatever the system's size: its agreements, and its funding basis.
    """
    return (await uow.agreements.of_system(state.system.id),
            await funding_uc.analysis_of(uow, state, partners, services, roles=roles, labels=labels))


async def formalized_partners(uow: UnitOfWork, state: SystemState, today: date) -> set[UUID]:
    """The members bound by an agreement in force: parties and holders of the roles it formalizes."""
    return rules.formalized_partners(state.assignments, await uow.agreements.of_system(state.system.id), today)
