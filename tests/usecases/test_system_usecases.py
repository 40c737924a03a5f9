"""Use cases of career pathways systems against in-memory fakes: membership, roles, the intermediary, review.

The rules here were tested through REST before; tests/rest keeps what is about HTTP (status codes, problem
types, round trips).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from api.domain.gaps import GapKind, Severity
from api.domain.partners import Jurisdiction, Level, Partner, Status
from api.domain.systems import (
    CareerPathwaysSystem,
    FunctionAlreadyHasLead,
    IntermediaryCannotLeave,
    Member,
    MemberHasAssignments,
    NotAMember,
    Strength,
    SystemLevel,
    Team,
)
from api.usecases import systems as uc
from tests.usecases.fakes import FakeUnitOfWork

TODAY = date(2026, 11, 1)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


async def a_partner(uow: FakeUnitOfWork, name: str, partner_type: str) -> UUID:
    partner = Partner(id=uuid4(), name=name, partner_type=partner_type, level=Level.LOCAL,
                      jurisdiction=Jurisdiction(state="OR", local_area="or-test"), regions_served=("or-test",))
    await uow.partners.add(partner)
    return partner.id


async def a_system(uow: FakeUnitOfWork, **fields: Any) -> UUID:
    system = CareerPathwaysSystem(id=uuid4(), name="Test Valley Pathways", level=SystemLevel.LOCAL,
                                  jurisdiction=Jurisdiction(state="OR", local_area="or-test"), regions=("or-test",),
                                  **fields)
    await uc.create_system(uow, system=system)
    return system.id


async def join(uow: FakeUnitOfWork, system: UUID, partner: UUID) -> None:
    await uc.add_member(uow, system_id=system,
                        member=Member(partner_id=partner, representative="Pat Doe", team=Team.LEADERSHIP))


async def test_only_members_can_be_assigned(uow: FakeUnitOfWork) -> None:
    system = await a_system(uow)
    outsider = await a_partner(uow, "Outsider", "employer")
    with pytest.raises(NotAMember):
        await uc.assign_role(uow, system_id=system, partner_id=outsider, function="engage_employers",
                             strength=Strength.SUPPORT)
    assert (await uc.get_system(uow, system_id=system)).assignments == ()


async def test_an_atypical_assignment_is_accepted_and_flagged(uow: FakeUnitOfWork) -> None:
    system = await a_system(uow)
    employer = await a_partner(uow, "Plant", "employer")
    await join(uow, system, employer)
    assignment = await uc.assign_role(uow, system_id=system, partner_id=employer, function="assist_financial_aid",
                                      strength=Strength.SUPPORT)
    assert assignment.atypical is True


async def test_a_second_lead_for_a_function_is_refused(uow: FakeUnitOfWork) -> None:
    system = await a_system(uow)
    college, other = await a_partner(uow, "College", "educational_institution"), await a_partner(
        uow, "Other College", "educational_institution")
    for partner in (college, other):
        await join(uow, system, partner)
    await uc.assign_role(uow, system_id=system, partner_id=college, function="design_programs",
                         strength=Strength.LEAD)
    with pytest.raises(FunctionAlreadyHasLead):
        await uc.assign_role(uow, system_id=system, partner_id=other, function="design_programs",
                             strength=Strength.LEAD)


async def test_the_intermediary_leads_coordination_and_cannot_leave(uow: FakeUnitOfWork) -> None:
    system = await a_system(uow)
    board = await a_partner(uow, "Board", "workforce_agency")
    await join(uow, system, board)
    state = await uc.set_intermediary(uow, system_id=system, partner_id=board)
    leads = [(a.partner_id, a.function) for a in state.assignments if a.strength is Strength.LEAD]
    assert leads == [(board, "coordinate_collaboration")]
    with pytest.raises(IntermediaryCannotLeave):
        await uc.remove_member(uow, system_id=system, partner_id=board, cascade=True)


async def test_removing_a_member_with_assignments_is_blocked_unless_cascaded(uow: FakeUnitOfWork) -> None:
    system = await a_system(uow)
    college = await a_partner(uow, "College", "educational_institution")
    await join(uow, system, college)
    await uc.assign_role(uow, system_id=system, partner_id=college, function="design_programs",
                         strength=Strength.LEAD)
    with pytest.raises(MemberHasAssignments):
        await uc.remove_member(uow, system_id=system, partner_id=college)
    assert len((await uc.get_system(uow, system_id=system)).assignments) == 1
    state, removed = await uc.remove_member(uow, system_id=system, partner_id=college, cascade=True)
    assert [a.function for a in removed] == ["design_programs"]
    assert state.members == () and state.assignments == ()


async def test_the_review_is_overdue_until_one_is_recorded_and_the_gap_goes_with_it(uow: FakeUnitOfWork) -> None:
    system = await a_system(uow, last_reviewed_on=date(2020, 1, 1))
    assert (await uc.review(uow, system_id=system, today=TODAY)).overdue is True
    assert "membership_review" in [g.kind.value for g in await uc.analyse(uow, system_id=system, today=TODAY)]
    await uc.record_review(uow, system_id=system, reviewed_on=TODAY)
    assert (await uc.review(uow, system_id=system, today=TODAY)).overdue is False
    assert "membership_review" not in [g.kind.value for g in await uc.analyse(uow, system_id=system, today=TODAY)]


async def test_a_write_based_on_a_stale_read_stores_nothing(uow: FakeUnitOfWork) -> None:
    system = await a_system(uow)
    college = await a_partner(uow, "College", "educational_institution")
    await join(uow, system, college)
    stale = await uc.get_system(uow, system_id=system)
    await uc.update_system(uow, system_id=system, changes={"vision": "Everyone works"})
    assert not await uow.systems.save(stale, stale)


async def test_gaps_name_active_organizations_of_the_area_that_could_close_them(uow: FakeUnitOfWork) -> None:
    system = await a_system(uow, target_populations=("veteran",))
    await join(uow, system, await a_partner(uow, "Test Valley Board", "workforce_agency"))
    office = await a_partner(uow, "Test Valley Veterans Office", "veterans_services")
    retired = await a_partner(uow, "Old Veterans Post", "veterans_services")
    stored = uow.partners.partners[retired]
    uow.partners.partners[retired] = replace(stored, status=Status.RETIRED)
    plain = await uc.analyse(uow, system_id=system, today=TODAY)
    assert all(g.candidates == () for g in plain)
    found = await uc.analyse(uow, system_id=system, today=TODAY, candidates=2,
                             only=uc.GapFilter(kinds=(GapKind.UNSERVED_POPULATION,)))
    [gap] = found
    assert gap.subject_label == "Veterans" and [c.partner_id for c in gap.candidates] == [office]
    assert await uc.analyse(uow, system_id=system, today=TODAY,
                            only=uc.GapFilter(min_severity=Severity.CRITICAL, kinds=(GapKind.UNSERVED_POPULATION,))
                            ) == []
async def test_systems_listed_backward_are_the_forward_pages_in_reverse(uow: FakeUnitOfWork) -> None:
    for name in ("Delta", "Alpha", "Echo", "Bravo", "Charlie"):
        await uc.create_system(uow, system=CareerPathwaysSystem(
            id=uuid4(), name=name, level=SystemLevel.LOCAL, jurisdiction=Jurisdiction(state="OR", local_area="or-test"),
            regions=("or-test",)))
    forward: list[str] = []
    cursor = None
    while True:
        page = await uc.list_systems(uow, limit=2, cursor=cursor)
        forward += [s.name for s in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    backward: list[str] = []
    cursor = None
    while True:
        page = await uc.list_systems(uow, limit=2, cursor=cursor, backward=True)
        backward = [s.name for s in page.items] + backward
        if page.next_cursor is None:
            break
        cursor = page.cursors[0]
    assert forward == backward == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
