"""Use cases of connections against in-memory fakes: one stage at a time, the planning questions, joining a
system. tests/rest/test_connections_api.py keeps what HTTP adds (status codes, problem types, shapes)."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from api.domain.connections import (
    Connection,
    ConnectionNotPartnered,
    ConnectionStage,
    Interest,
    PartneredIsFinal,
    PlanningQuestionsUnanswered,
    StageSkipped,
)
from api.domain.errors import InvalidInput
from api.domain.partners import Jurisdiction, Level, Partner
from api.domain.systems import AlreadyAMember, CareerPathwaysSystem, SystemLevel, Team
from api.usecases import connections as uc
from api.usecases import systems as systems_uc
from tests.usecases.fakes import FakeUnitOfWork

ANSWERS = {"what_is_possible": "Every parent we serve enters a nursing pathway.",
           "what_is_practical": "Two joint information sessions this spring.",
           "who_can_help": "The college's workforce dean.", "what_is_next": "Agree the calendar by May 1."}
STAGES = (ConnectionStage.CONTACTED, ConnectionStage.EXPLORING, ConnectionStage.PLANNING)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


async def a_partner(uow: FakeUnitOfWork, name: str, partner_type: str) -> UUID:
    partner = Partner(id=uuid4(), name=name, partner_type=partner_type, level=Level.LOCAL,
                      jurisdiction=Jurisdiction(state="OR", local_area="or-test"), regions_served=("or-test",))
    await uow.partners.add(partner)
    return partner.id


async def a_connection(uow: FakeUnitOfWork) -> tuple[Connection, UUID, UUID]:
    cbo = await a_partner(uow, "Hope Community Services", "community_based_organization")
    college = await a_partner(uow, "Chemeketa CC", "educational_institution")
    connection = await uc.record_interest(uow, connection=Connection(
        id=uuid4(), from_partner=cbo, to_partner=college, interest=Interest.PURSUE_PARTNERSHIP))
    return connection, cbo, college


async def test_a_connection_moves_one_stage_at_a_time(uow: FakeUnitOfWork) -> None:
    connection, _, _ = await a_connection(uow)
    assert (connection.stage, connection.version) == (ConnectionStage.INTEREST_DEFINED, 1)
    with pytest.raises(StageSkipped):
        await uc.advance(uow, connection_id=connection.id, stage=ConnectionStage.EXPLORING)
    for stage in STAGES:
        assert (await uc.advance(uow, connection_id=connection.id, stage=stage)).stage is stage
    with pytest.raises(PlanningQuestionsUnanswered):
        await uc.advance(uow, connection_id=connection.id, stage=ConnectionStage.PARTNERED)


async def test_a_partnered_connection_brings_the_organization_into_a_system_once(uow: FakeUnitOfWork) -> None:
    system = CareerPathwaysSystem(id=uuid4(), name="Valley", level=SystemLevel.LOCAL,
                                  jurisdiction=Jurisdiction(state="OR", local_area="or-test"))
    await systems_uc.create_system(uow, system=system)
    connection, _, college = await a_connection(uow)
    with pytest.raises(ConnectionNotPartnered):
        await uc.join_system(uow, connection_id=connection.id, system_id=system.id, representative="Dean Lee")

    await uc.revise_connection(uow, connection_id=connection.id, changes=ANSWERS)
    for stage in (*STAGES, ConnectionStage.PARTNERED):
        await uc.advance(uow, connection_id=connection.id, stage=stage)
    state = await uc.join_system(uow, connection_id=connection.id, system_id=system.id, representative="Dean Lee",
                                 team=Team.OPERATIONS)
    assert [(m.partner_id, m.team) for m in state.members] == [(college, Team.OPERATIONS)]
    with pytest.raises(AlreadyAMember):
        await uc.join_system(uow, connection_id=connection.id, system_id=system.id, representative="Dean Lee")
    with pytest.raises(InvalidInput):
        await uc.join_system(uow, connection_id=connection.id, system_id=system.id, representative="Dean Lee",
                             partner_id=await a_partner(uow, "Willamette WDB", "workforce_agency"))
    with pytest.raises(PartneredIsFinal):
        await uc.advance(uow, connection_id=connection.id, stage=ConnectionStage.PLANNING)
