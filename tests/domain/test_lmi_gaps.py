"""Gap analysis, kind 3: annual openings against the yearly capacity of the members' training."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from api.domain.codes import SocCode
from api.domain.gaps import GapKind, Severity, analyse_gaps
from api.domain.labor_market import InDemandRule, Observation
from api.domain.lmi_gaps import LABOR_MARKET, RULES, LaborMarketFacts, member_training, training_capacity_gaps
from api.domain.partners import DeliveryMode, Partner, Service, Status
from api.domain.systems import SystemState
from tests.domain.system_factories import gap_context, join, make_partner, make_service, make_system

NURSES = SocCode.parse("29-1141")
REGION = "or_salem"


def openings(code: str, n: int | None, *, region: str = REGION, growth: float | None = None,
             source: str = "careeronestop") -> Observation:
    return Observation(region=region, code=SocCode.parse(code), period="2024-2034", source=source,
                       retrieved_at=datetime(2025, 3, 1, tzinfo=UTC), annual_openings=n, growth_percent=growth)


def program(partner: Partner, seats: int, *occupations: str, regions: tuple[str, ...] = (REGION,),
            **overrides: object) -> Service:
    return replace(make_service(partner, "occupational_training", regions=regions, capacity=seats),
                   occupations=occupations, **overrides)


def nursing_system(*members: Partner, targets: tuple[str, ...] = ("29-1141",),
                   regions: tuple[str, ...] = (REGION,)) -> SystemState:
    state = SystemState(system=make_system(target_occupations=targets, regions=regions))
    for partner in members:
        state = join(state, partner)
    return state


def gaps(state: SystemState, partners: list[Partner], services: list[Service], observations: list[Observation],
         **facts: object) -> list:
    lmi = LaborMarketFacts(observations=tuple(observations), titles={"29-1141": "Registered Nurses"}, **facts)
    ctx = gap_context(state, partners, services, **{LABOR_MARKET: lmi})
    return list(training_capacity_gaps(ctx))


def test_400_openings_against_120_seats_is_a_gap_of_280_with_figures_and_sources() -> None:
    college = make_partner("Chemeketa", "educational_institution")
    [gap] = gaps(nursing_system(college), [college], [program(college, 120, "29-1141")],
                 [openings("29-1141", 400)])
    assert (gap.kind, gap.severity, gap.subject) == (GapKind.TRAINING_CAPACITY, Severity.HIGH, "29-1141")
    assert gap.figures["annual_openings"] == 400
    assert gap.figures["capacity"] == 120
    assert gap.figures["shortfall"] == 280
    assert gap.figures["sources"] == "careeronestop"
    assert "Registered Nurses (29-1141)" in gap.explanation


def test_a_college_program_of_300_more_seats_clears_the_gap() -> None:
    board = make_partner("Board", "workforce_agency")
    college = make_partner("Chemeketa", "educational_institution")
    services = [program(board, 120, "29-1141"), program(college, 300, "29-1141")]
    assert gaps(nursing_system(board, college), [board, college], services, [openings("29-1141", 400)]) == []


def test_seats_outside_the_regions_of_non_members_and_of_inactive_programs_do_not_count() -> None:
    member = make_partner("Member", "educational_institution")
    outsider = make_partner("Outsider", "educational_institution")
    services = [
        program(member, 100, "29-1141", regions=("or_coast",)),
        program(member, 100, "29-1141", status=Status.INACTIVE),
        program(member, 100, "29-2061"),
        program(outsider, 500, "29-1141"),
        program(member, 50, "29-1141", regions=(), delivery_mode=DeliveryMode.ONLINE),
    ]
    [gap] = gaps(nursing_system(member), [member, outsider], services, [openings("29-1141", 400)])
    assert gap.figures["capacity"] == 50, "only the online program counts"


def test_without_targets_the_in_demand_occupations_are_weighed() -> None:
    college = make_partner("Chemeketa", "educational_institution")
    observations = [openings("29-1141", 400), openings("51-4121", 40, growth=2.0), openings("47-2111", 20, growth=15)]
    found = gaps(nursing_system(college, targets=()), [college], [], observations)
    assert [g.subject for g in found] == ["29-1141", "47-2111"]
    assert {g.figures["basis"] for g in found} == {"in_demand"}
    strict = gaps(nursing_system(college, targets=()), [college], [], observations,
                  rule=InDemandRule(min_annual_openings=1000, min_growth_percent=None))
    assert strict == []


def test_a_target_without_openings_figures_asks_for_data_and_a_system_without_regions_is_skipped() -> None:
    college = make_partner("Chemeketa", "educational_institution")
    [gap] = gaps(nursing_system(college), [college], [], [])
    assert gap.severity is Severity.LOW and gap.figures["regions_without_data"] == REGION
    assert gaps(nursing_system(college, regions=()), [college], [], [openings("29-1141", 400)]) == []


def test_without_labour_market_facts_the_rule_finds_nothing() -> None:
    college = make_partner("Chemeketa", "educational_institution")
    ctx = gap_context(nursing_system(college), [college])
    assert list(training_capacity_gaps(ctx)) == []
    assert not [g for g in analyse_gaps(ctx, RULES) if g.kind is GapKind.TRAINING_CAPACITY]


def test_a_program_offered_in_two_of_the_regions_counts_its_seats_once() -> None:
    college = make_partner("Chemeketa", "educational_institution")
    state = nursing_system(college, regions=("or_salem", "or_lane"))
    service = program(college, 150, "29-1141", regions=("or_salem", "or_lane"))
    ctx = gap_context(state, [college], [service])
    seats = member_training(ctx, [NURSES], ["or_salem", "or_lane"])
    assert [(s.region, s.capacity) for s in seats] == [("or_salem", 150)]


@given(st.integers(min_value=0, max_value=5000), st.lists(st.integers(min_value=0, max_value=2000), max_size=4))
def test_a_gap_is_reported_exactly_when_openings_exceed_the_seats(demand: int, seats: list[int]) -> None:
    college = make_partner("Chemeketa", "educational_institution")
    services = [program(college, n, "29-1141") for n in seats]
    found = gaps(nursing_system(college), [college], services, [openings("29-1141", demand)])
    capacity = sum(n for n in seats if n)
    assert bool(found) == (demand > capacity)
    if found:
        assert found[0].figures["shortfall"] == demand - capacity
