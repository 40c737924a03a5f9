"""Use cases of the statewide roll-up: every system of a state analysed by the same rules, in a bounded number
of reads whatever the number of systems (no read per system)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from api.domain import funding as funding_rules
from api.domain import readiness as readiness_rules
from api.domain import states as rules
from api.domain.analysis import GAP_RULES
from api.domain.errors import FieldProblem, InvalidInput
from api.domain.gaps import (
    DEFAULT_EXPIRY_WINDOW_DAYS,
    DEFAULT_STAFF_PERIOD_MONTHS,
    GapContext,
    GapKind,
    analyse_gaps,
)
from api.domain.partners import US_STATES
from api.domain.ports import UnitOfWork
from api.domain.readiness import RoundScore
from api.usecases import policy
from api.usecases.systems import today_utc

LEFT_OUT = (GapKind.TRAINING_CAPACITY.value,)
"""Gap kinds the roll-up does not count: the training-capacity rule reads each system's own labour market
figures (one read per distinct set of regions and occupations); each system's gap report has them."""


def check_state(state: str) -> str:
    """Refuse what is not a USPS state code (the roll-up's path parameter)."""
    if state not in US_STATES:
        raise InvalidInput(FieldProblem("state", f"'{state[:64]}' is not a USPS state code (upper case, e.g. OR)"))
    return state


async def overview(
    uow: UnitOfWork, *, state: str, today: date | None = None,
    expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS, staff_period_months: int = DEFAULT_STAFF_PERIOD_MONTHS,
) -> rules.StateOverview:
    """A state's systems side by side by local area: core functions, populations, gaps, readiness, agreements.

    Eleven reads whatever the number of systems: the systems, the role catalogue, their members' partners and
    services, their agreements, their allocations and the funding catalogue, their latest closed rounds, the
    current framework and the rounds' frameworks, and the rounds' responses.
    """
    check_state(state)
    local_area = policy.see_state(uow, state)
    day = today or today_utc()
    states = await uow.systems.load_in(state=state, local_area=local_area)
    catalog = await uow.systems.role_catalog()
    system_ids = [s.system.id for s in states]
    member_ids = list({m.partner_id for s in states for m in s.members})
    partners = await uow.partners.partner_facts_of(member_ids) if member_ids else {}
    services = await uow.partners.service_facts_of(member_ids) if member_ids else {}
    agreements = await uow.agreements.of_systems(system_ids) if system_ids else {}
    bases = await uow.funding.bases(system_ids) if system_ids else {}
    scores, latest = await _scores(uow, system_ids)
    framework = await uow.readiness.current_framework()

    analyses: list[rules.SystemAnalysis] = []
    for s in states:
        mine = [m.partner_id for m in s.members]
        my_partners = {pid: partners[pid] for pid in mine if pid in partners}
        my_services = {pid: services.get(pid, []) for pid in mine}
        basis = bases[s.system.id]
        funding = funding_rules.analyse_funding(
            s.system, my_partners.values(), [x for found in my_services.values() for x in found], s.assignments,
            basis.allocations, basis.streams.values(), category_parents=basis.category_parents)
        ctx = GapContext.from_state(s, partners=my_partners, services_by_partner=my_services, catalog=catalog,
                                    today=day, agreements=agreements[s.system.id],
                                    agreement_expiry_window_days=expiry_window_days, funding=funding,
                                    staff_period_months=staff_period_months)
        analyses.append(rules.SystemAnalysis(
            system=s.system, gaps=analyse_gaps(ctx, GAP_RULES), agreements=agreements[s.system.id],
            latest_round=latest.get(s.system.id), score=scores.get(s.system.id)))
    return rules.roll_up(state, analyses, catalog, as_of=day, framework=framework, rules_left_out=LEFT_OUT)


async def _scores(
    uow: UnitOfWork, system_ids: Sequence[UUID]
) -> tuple[dict[UUID, RoundScore], dict[UUID, readiness_rules.Round]]:
    """Score each system's latest closed round against its own framework version, in three reads."""
    latest = await uow.readiness.latest_closed_rounds(system_ids) if system_ids else {}
    if not latest:
        return {}, latest
    frameworks = (await uow.readiness.frameworks(list({r.framework_id for r in latest.values()}))).values()
    responses = await uow.readiness.responses([r.id for r in latest.values()])
    return {
        sid: readiness_rules.score_round(readiness_rules.framework_for_round(r, frameworks), responses[r.id],
                                         round_=r)
        for sid, r in latest.items()
    }, latest
