"""Gap analysis, kind 3: annual openings against the yearly capacity of the members' training."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.codes import InvalidCode, SocCode
from api.domain.gaps import GapContext, GapKind, PartnerFacts, ServiceFacts, Severity, analyse_gaps
from api.domain.labor_market import InDemandRule, Observation, TrainingCapacity, occupation_figures
from api.domain.lmi_gaps import (
    RULES,
    LaborMarketFacts,
    _member_seats,
    training_capacity_gaps,
)
from api.domain.partners import DeliveryMode, Partner, Service, Status
from api.domain.systems import SystemState
from tests.domain.labor_market_rows import member_training
from tests.domain.system_factories import gap_context, join, make_partner, make_service, make_system
from tests.domain.test_labor_market_columns import _shared, state_like_observations
from tests.hypothesis_profiles import examples

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
    ctx = gap_context(state, partners, services, labor_market=lmi)
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


# --- the members' seats added up per occupation, against the rule as it was written first ------------------


def _reference_first_served(ctx: GapContext, service: Service, regions: list[str]) -> str | None:
    served = None
    if service.delivery_mode is not DeliveryMode.ONLINE:
        partner = ctx.partners.get(service.partner_id)
        served = service.regions or (partner.regions_served if partner else ()) or None
    if served is None:
        return regions[0] if regions else None
    for region in regions:
        if region in served:
            return region
    return None


def reference_training(ctx: GapContext, occupations: list[SocCode], regions: list[str]) -> list[TrainingCapacity]:
    out = []
    for service in ctx.active_services():
        if not service.capacity or not service.occupations:
            continue
        region = _reference_first_served(ctx, service, regions)  # type: ignore[arg-type]
        if region is None:
            continue
        parsed = set()
        for text in service.occupations:
            try:
                parsed.add(SocCode.parse(text))
            except InvalidCode:
                pass
        for code in sorted(parsed & set(occupations)):
            out.append(TrainingCapacity(occupation=code, region=region, capacity=service.capacity,
                                        provider=f"{ctx.name(service.partner_id)}: {service.name}"))
    return out


CODE_TEXTS = ("29-1141", "291141", "29-1141.01", " 29-1141 ", "51-4121", "47-2111", "29-11", "nurse", "11-1011")
TRAINING_REGIONS = ("or_salem", "or_lane", "or_coast")


@st.composite
def training_contexts(draw: st.DrawFn) -> tuple[GapContext, list[SocCode], list[str]]:
    regions = draw(st.lists(st.sampled_from(TRAINING_REGIONS), max_size=4))
    partners = [make_partner(f"Partner {i}", "educational_institution",
                             regions=tuple(draw(st.lists(st.sampled_from(TRAINING_REGIONS), max_size=2))))
                for i in range(draw(st.integers(min_value=1, max_value=3)))]
    services = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        partner = draw(st.sampled_from(partners))
        services.append(replace(
            program(partner, draw(st.one_of(st.none(), st.integers(min_value=0, max_value=300))),
                    *draw(st.lists(st.sampled_from(CODE_TEXTS), max_size=3)),
                    regions=tuple(draw(st.lists(st.sampled_from((*TRAINING_REGIONS, "wa_seattle")), max_size=2)))),
            name=draw(st.sampled_from(["Nursing", "Welding", "Nursing"])),
            delivery_mode=draw(st.sampled_from(DeliveryMode)), status=draw(st.sampled_from(Status))))
    members = partners[:draw(st.integers(min_value=1, max_value=len(partners)))]
    state = nursing_system(*members, regions=tuple(regions))
    targets = sorted({SocCode.parse(t) for t in draw(st.lists(st.sampled_from(
        ("29-1141", "51-4121", "47-2111", "11-1011")), min_size=1, max_size=3))})
    ctx = gap_context(state, partners, services)
    return ctx, targets, list(dict.fromkeys(regions))


def _facts_of(ctx: GapContext) -> GapContext:
    return replace(ctx, services_by_partner={pid: [ServiceFacts.of(s) for s in found]  # type: ignore[arg-type]
                                             for pid, found in ctx.services_by_partner.items()},
                   partners={pid: PartnerFacts.of(p) for pid, p in ctx.partners.items()})  # type: ignore[arg-type]


@settings(max_examples=examples(300))
@given(training_contexts())
def test_seats_added_up_per_occupation_are_the_members_training_the_rule_always_counted(
    case: tuple[GapContext, list[SocCode], list[str]]
) -> None:
    ctx, targets, regions = case
    expected = reference_training(ctx, targets, regions)
    for context in (ctx, _facts_of(ctx)):
        assert member_training(context, targets, regions) == expected
        seats, labels = _member_seats(context, targets, regions)
        want_seats: dict[str, int] = {}
        want_labels: dict[str, list[str]] = {}
        for c in expected:
            want_seats[c.occupation.value] = want_seats.get(c.occupation.value, 0) + c.capacity
            want_labels.setdefault(c.occupation.value, []).append(f"{c.provider} ({c.capacity})")
        assert (seats, labels) == (want_seats, want_labels)


@settings(max_examples=examples(200))
@given(training_contexts(), st.lists(st.sampled_from(TRAINING_REGIONS), max_size=3),
       st.lists(st.integers(min_value=0, max_value=400), min_size=3, max_size=3))
def test_the_rules_read_a_services_facts_as_they_read_the_service(
    case: tuple[GapContext, list[SocCode], list[str]], observed: list[str], figures: list[int]
) -> None:
    ctx, targets, _ = case
    observations = [openings(code.value, n, region=region)
                     for code in targets for region, n in zip(dict.fromkeys(observed), figures, strict=False)]
    lmi = LaborMarketFacts(observations=tuple(observations), titles={"29-1141": "Registered Nurses"})
    full = replace(ctx, labor_market=lmi)
    assert analyse_gaps(_facts_of(full), RULES) == analyse_gaps(full, RULES)


def test_a_negative_capacity_is_refused_whether_seats_are_listed_or_added_up() -> None:
    college = make_partner("Chemeketa", "educational_institution")
    ctx = gap_context(nursing_system(college), [college], [program(college, -5, "29-1141")])
    with pytest.raises(ValueError, match="must not be negative, got -5"):
        member_training(ctx, [NURSES], [REGION])
    with pytest.raises(ValueError, match="must not be negative, got -5"):
        _member_seats(ctx, [NURSES], [REGION])


@settings(max_examples=examples(200))
@given(state_like_observations(), st.lists(st.sampled_from(("29-1141", "51-4121", "47-2111")), max_size=2),
       st.integers(min_value=0, max_value=400))
def test_training_gaps_from_columns_shared_across_occupations_are_those_the_observations_give(
    rows: list[Observation], targets: list[str], seats: int
) -> None:
    college = make_partner("Chemeketa", "educational_institution")
    state = nursing_system(college, targets=tuple(targets), regions=("capital", "north", "south"))
    ctx = gap_context(state, [college], [program(college, seats, "29-1141", "47-2111", regions=("north",))])
    shared = LaborMarketFacts(occupations=tuple(_shared(occupation_figures(rows))), titles={"29-1141": "Nurses"})
    by_rows = LaborMarketFacts(observations=tuple(rows), titles={"29-1141": "Nurses"})
    assert list(training_capacity_gaps(replace(ctx, labor_market=shared))) == list(
        training_capacity_gaps(replace(ctx, labor_market=by_rows)))
