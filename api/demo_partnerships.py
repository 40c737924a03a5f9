"""Demo agreements, allocations and connections, loaded by ``api.demo`` on top of its partners and systems.

The state system's partnership MOU lacks two items of the seeds' checklist (an incomplete agreement in force);
each local system has a state/local MOU, Elk Hollow's recording another relationship than the system does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from api.domain.agreements import Agreement, AgreementStatus, AgreementType
from api.domain.connections import Connection, ConnectionStage, Interest
from api.domain.funding import Allocation
from api.domain.partners import Partner
from api.domain.ports import UnitOfWork
from api.domain.systems import WorkingRelationship
from api.usecases import agreements as agreements_uc
from api.usecases import connections as connections_uc
from api.usecases import funding as funding_uc
from api.usecases import systems as systems_uc

MakeId = Callable[..., UUID]
STATE, BRIGHTWATER, ELK_HOLLOW = "state", "brightwater", "elk-hollow"

# (system key, agreement key, type, title, parties, formalized leads [(holder, function)], effective, expires,
#  signed, checklist items covered, the state/local relationship it records)
DEMO_AGREEMENTS: list[tuple[str, str, AgreementType, str, list[str], list[tuple[str, str]], date, date, date,
                            set[str], WorkingRelationship | None]] = [
    # A partnership MOU in force that says nothing of resources and funding or of review: incomplete.
    (STATE, "state-mou", AgreementType.MOU, "Oregon pathways partners MOU (demo)",
     ["Brightwater Workforce Board", "Elk Hollow Community College", "Pinecrest Family Services Office"],
     [("Elk Hollow Community College", "design_programs"),
      ("Pinecrest Family Services Office", "provide_support_services")],
     date(2025, 7, 1), date(2028, 6, 30), date(2025, 6, 15), {"parties", "roles_and_responsibilities"},
     WorkingRelationship.SHARED),
    # Expires soon after the demo's "now" (late 2026): the renewal rule reports it.
    (STATE, "employer-collaboration", AgreementType.STATEMENT_OF_COLLABORATION,
     "Healthcare employer collaboration statement (demo)",
     ["Brightwater Workforce Board", "Elk Hollow Regional Health System"],
     [("Elk Hollow Regional Health System", "provide_employment")],
     date(2025, 2, 1), date(2027, 1, 31), date(2025, 1, 20), set(), None),
    (BRIGHTWATER, "brightwater-state-local", AgreementType.STATE_LOCAL_MOU,
     "Brightwater state/local working agreement (demo)",
     ["Brightwater Workforce Board", "Brightwater WorkSource Center", "Brightwater Community College"],
     [("Brightwater Community College", "design_programs")],
     date(2026, 1, 1), date(2028, 12, 31), date(2025, 12, 10),
     {"parties", "roles_and_responsibilities", "working_relationship", "resources_and_funding",
      "review_and_amendment"},
     WorkingRelationship.LOCALLY_DIRECTED),
    # Records a locally-directed relationship; the Elk Hollow system records a state-directed one.
    (ELK_HOLLOW, "elk-hollow-state-local", AgreementType.STATE_LOCAL_MOU,
     "Elk Hollow state/local working agreement (demo)",
     ["Elk Hollow WorkSource Center", "Elk Hollow Community College"],
     [("Elk Hollow Community College", "design_programs")],
     date(2026, 2, 1), date(2029, 1, 31), date(2026, 1, 15),
     {"parties", "roles_and_responsibilities", "working_relationship", "review_and_amendment"},
     WorkingRelationship.LOCALLY_DIRECTED),
]
# (stream, period, amount, function or None, service (partner name, service name) or None, drawn by)
DEMO_ALLOCATIONS: list[tuple[str, str, str, str | None, tuple[str, str] | None, str]] = [
    ("wioa_title_i_adult", "2026", "1250000.00", "coordinate_collaboration", None, "Brightwater Workforce Board"),
    ("perkins_v", "2026", "480000.00", "design_programs", None, "Elk Hollow Community College"),
    ("tanf", "2026", "300000.00", "provide_support_services", None, "Pinecrest Family Services Office"),
    ("philanthropy", "2026", "75000.00", None, ("Brightwater Community Foundation", "Emergency completion grants"),
     "Brightwater Community Foundation"),
]
PLANNING = {
    "what_is_possible": "Every adult leaving the centre can enter a healthcare pathway with a job coach.",
    "what_is_practical": "Co-host monthly information sessions at the college's downtown campus.",
    "who_can_help": "The college's workforce dean and the centre's employment specialist.",
    "what_is_next": "Agree the session calendar by the end of the month; the centre recruits, the college hosts.",
}
# (key, from, to, interest, stage reached, planning answers)
DEMO_CONNECTIONS: list[tuple[str, str, str, Interest, ConnectionStage, dict[str, Any]]] = [
    ("reentry-college", "Stonebridge Second Chance Center", "Stonebridge Community College",
     Interest.CONNECT_TARGET_POPULATIONS, ConnectionStage.PARTNERED, PLANNING),
    ("adult-ed-worksource", "Marlow Bay Adult Learning Center", "Marlow Bay WorkSource Center",
     Interest.PURSUE_PARTNERSHIP, ConnectionStage.EXPLORING, {}),
    ("institute-insight", "Pinecrest Technical Institute", "Pinecrest Regional Health System",
     Interest.GAIN_INSIGHT, ConnectionStage.INTEREST_DEFINED, {}),
]


async def load_partnerships(uow: UnitOfWork, partners: Iterable[Partner], make_id: MakeId) -> None:
    """Agreements of the three systems, allocations of the state system, and connections in different stages,
    unless there."""
    by_name = {p.name: p for p in partners}
    await _load_agreements(uow, by_name, make_id)
    await _load_allocations(uow, make_id("system", STATE), by_name, make_id)
    await _load_connections(uow, by_name, make_id)


async def _load_agreements(uow: UnitOfWork, by_name: dict[str, Partner], make_id: MakeId) -> None:
    for system_key, key, kind, title, parties, leads, effective, expires, signed, covered, relationship in (
        DEMO_AGREEMENTS
    ):
        agreement_id = make_id("agreement", key)
        if await uow.agreements.get(agreement_id) is not None:
            continue
        system_id = make_id("system", system_key)
        state = await systems_uc.get_system(uow, system_id=system_id)
        held = {(a.partner_id, a.function): a.id for a in state.assignments}
        await agreements_uc.create_agreement(uow, agreement=Agreement(
            id=agreement_id, system_id=system_id, type=kind, title=title,
            parties=tuple(by_name[n].id for n in parties), effective_on=effective, expires_on=expires,
            status=AgreementStatus.ACTIVE, signed_on=signed,
            formalizes=tuple(held[(by_name[n].id, f)] for n, f in leads if (by_name[n].id, f) in held),
            working_relationship=relationship, contents=frozenset(covered),
        ))


async def _load_allocations(uow: UnitOfWork, system_id: UUID, by_name: dict[str, Partner], make_id: MakeId) -> None:
    for stream, period, amount, function, service, drawn_by in DEMO_ALLOCATIONS:
        allocation_id = make_id("allocation", stream, period)
        if await uow.funding.get_allocation(allocation_id) is not None:
            continue
        service_id = None
        if service is not None:
            owner, name = service
            service_id = next(s.id for s in by_name[owner].services if s.name == name)
        await funding_uc.create_allocation(uow, allocation=Allocation(
            id=allocation_id, system_id=system_id, stream_code=stream, period=period, amount=Decimal(amount),
            function=function, service_id=service_id, partner_id=by_name[drawn_by].id,
        ))


async def _load_connections(uow: UnitOfWork, by_name: dict[str, Partner], make_id: MakeId) -> None:
    for key, origin, other, interest, stage, answers in DEMO_CONNECTIONS:
        connection_id = make_id("connection", key)
        if await uow.connections.get(connection_id) is not None:
            continue
        await connections_uc.record_interest(uow, connection=Connection(
            id=connection_id, from_partner=by_name[origin].id, to_partner=by_name[other].id, interest=interest,
            notes="Demo connection between fictional organizations.", **answers,
        ))
        for step in list(ConnectionStage)[1: list(ConnectionStage).index(stage) + 1]:
            await connections_uc.advance(uow, connection_id=connection_id, stage=step)
