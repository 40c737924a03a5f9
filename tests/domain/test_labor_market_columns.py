"""Labour market rules over columns (production) decide exactly what the same rules decide row by row
(tests/domain/labor_market_rows.py, the reference) about the same observations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.codes import NaicsCode, SocCode
from api.domain.labor_market import (
    InDemandRule,
    Observation,
    OccupationFigures,
    OccupationShortfall,
    TrainingCapacity,
    in_demand_observations,
    occupation_figures,
    occupation_shortfalls,
    occupations_in_demand,
)
from tests.domain.labor_market_rows import RowShortfall, in_demand_occupations, training_shortfall
from tests.hypothesis_profiles import examples

NURSES = SocCode.parse("29-1141")
WELDERS = SocCode.parse("51-4121")
CODES = (NURSES, WELDERS, SocCode.parse("47-2111"))
REGIONS = ("capital", "north", "south")
SOURCES = ("careeronestop", "state_lmi", "bls")
PERIODS = ("2022-2032", "2024-2034", "2024", "2023-2033")
BASE = datetime(2025, 3, 1, tzinfo=UTC)


def _summary(s: OccupationShortfall | RowShortfall) -> tuple[object, ...]:
    return (s.occupation, s.annual_openings, s.capacity, s.shortfall, s.sources, s.regions_without_data,
            s.regions, s.periods, s.retrieved_at)


# --- generated figures: duplicates, ties, missing figures, several sources and periods ------------------------

observations_st = st.builds(
    Observation,
    region=st.sampled_from(REGIONS),
    code=st.sampled_from(CODES),
    period=st.sampled_from(PERIODS),
    source=st.sampled_from(SOURCES),
    retrieved_at=st.integers(min_value=0, max_value=3).map(lambda d: BASE + timedelta(days=d)),
    annual_openings=st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
    growth_percent=st.one_of(st.none(), st.sampled_from([-3.0, 0.0, 9.9, 10.0, 25.0])),
    median_wage=st.sampled_from([None, 41_000.0, 52_000.0]),  # tells apart rows that tie on everything the rules read
)


@st.composite
def plain_observations(draw: st.DrawFn) -> list[Observation]:
    """One projection per region for each occupation, each with openings: the common shape of a state's figures."""
    rows = []
    for code in draw(st.lists(st.sampled_from(CODES), unique=True, max_size=3)):
        for region in draw(st.lists(st.sampled_from(REGIONS), unique=True, min_size=1)):
            rows.append(draw(observations_st.map(lambda o, c=code, r=region: replace(
                o, code=c, region=r, annual_openings=o.annual_openings if o.annual_openings is not None else 120))))
    return rows


rows_st = st.one_of(st.lists(observations_st, max_size=14), plain_observations())
rules_st = st.builds(InDemandRule,
                     min_annual_openings=st.one_of(st.none(), st.sampled_from([0, 100, 300])),
                     min_growth_percent=st.one_of(st.none(), st.sampled_from([0.0, 10.0])))
regions_st = st.lists(st.sampled_from(REGIONS), min_size=1, max_size=3)
capacities_st = st.lists(st.builds(TrainingCapacity, occupation=st.sampled_from(CODES),
                                   region=st.sampled_from((*REGIONS, "elsewhere")),
                                   capacity=st.integers(min_value=0, max_value=200)), max_size=5)
prefer_st = st.lists(st.sampled_from(SOURCES), unique=True, max_size=2)


@settings(max_examples=examples(300))
@given(rows=rows_st, rule=rules_st, regions=st.one_of(st.none(), regions_st))
def test_the_observations_in_demand_are_those_found_row_by_row(
    rows: list[Observation], rule: InDemandRule, regions: list[str] | None
) -> None:
    wanted = None if regions is None else set(regions)
    assert in_demand_observations(rows, rule, regions=wanted) == in_demand_occupations(rows, rule, regions=wanted)


@settings(max_examples=examples(300))
@given(rows=rows_st, rule=rules_st, regions=regions_st)
def test_in_demand_occupations_from_columns_are_those_found_row_by_row(
    rows: list[Observation], rule: InDemandRule, regions: list[str]
) -> None:
    by_rows = sorted({o.code for o in in_demand_occupations(rows, rule, regions=set(regions))})
    assert occupations_in_demand(occupation_figures(rows), rule, regions=regions) == by_rows


@settings(max_examples=examples(300))
@given(rows=rows_st, regions=regions_st, capacities=capacities_st, prefer=prefer_st,
       extra=st.lists(st.sampled_from(CODES), max_size=2))
def test_shortfalls_from_columns_are_those_added_up_row_by_row(
    rows: list[Observation], regions: list[str], capacities: list[TrainingCapacity], prefer: list[str],
    extra: list[SocCode],
) -> None:
    targets = sorted({o.code for o in rows if isinstance(o.code, SocCode)} | set(extra))
    by_rows = training_shortfall(occupations=targets, regions=regions, observations=rows, capacities=capacities,
                                 prefer_sources=prefer)
    by_columns = occupation_shortfalls(occupations=targets, regions=regions, figures=occupation_figures(rows),
                                       capacities=capacities, prefer_sources=prefer)
    assert [_summary(s) for s in by_columns] == [_summary(s) for s in by_rows]


@settings(max_examples=examples(300))
@given(rows=rows_st, regions=st.one_of(regions_st, st.just([])), capacities=capacities_st, prefer=prefer_st,
       extra=st.lists(st.sampled_from(CODES), max_size=2))
def test_seats_added_up_beforehand_give_the_shortfalls_the_capacities_give(
    rows: list[Observation], regions: list[str], capacities: list[TrainingCapacity], prefer: list[str],
    extra: list[SocCode],
) -> None:
    targets = sorted({o.code for o in rows if isinstance(o.code, SocCode)} | set(extra))
    seats: dict[str, int] = {}
    for cap in capacities:
        if cap.region in regions:
            seats[cap.occupation.value] = seats.get(cap.occupation.value, 0) + cap.capacity
    by_capacities = occupation_shortfalls(occupations=targets, regions=regions, figures=occupation_figures(rows),
                                          capacities=capacities, prefer_sources=prefer)
    by_seats = occupation_shortfalls(occupations=targets, regions=regions, figures=occupation_figures(rows),
                                     seats=seats, prefer_sources=prefer)
    assert by_seats == by_capacities


@st.composite
def state_like_observations(draw: st.DrawFn) -> list[Observation]:
    """Occupations that mostly repeat one another's regions, periods, sources and retrieval times (a state's load),
    some plain, some not: storage hands such occupations the very same column tuples."""
    key_st = st.tuples(st.sampled_from(REGIONS), st.sampled_from(PERIODS), st.sampled_from(SOURCES),
                       st.integers(min_value=0, max_value=3).map(lambda d: BASE + timedelta(days=d)))
    keys_st = st.lists(key_st, min_size=1, max_size=4)
    template = draw(keys_st)
    rows = []
    for code in CODES:
        for region, period, source, stamp in template if draw(st.booleans()) else draw(keys_st):
            rows.append(Observation(
                region=region, code=code, period=period, source=source, retrieved_at=stamp,
                annual_openings=draw(st.one_of(st.none(), st.integers(min_value=0, max_value=500))),
                growth_percent=draw(st.one_of(st.none(), st.sampled_from([-3.0, 10.0, 25.0])))))
    return rows


def _shared(figures: list[OccupationFigures]) -> list[OccupationFigures]:
    """The same figures with every column equal to another occupation's made that very tuple, as storage does."""
    pool: dict[tuple[object, ...], tuple[object, ...]] = {}

    def one(column: tuple[object, ...]) -> tuple[object, ...]:
        return pool.setdefault(column, column)

    return [replace(f, regions=one(f.regions), periods=one(f.periods), sources=one(f.sources),
                    retrieved_at=one(f.retrieved_at)) for f in figures]  # type: ignore[arg-type]


@settings(max_examples=examples(300))
@given(rows=st.one_of(state_like_observations(), rows_st), rule=rules_st, regions=regions_st,
       capacities=capacities_st, prefer=prefer_st, extra=st.lists(st.sampled_from(CODES), max_size=2))
def test_occupations_sharing_their_columns_are_decided_as_when_each_has_its_own(
    rows: list[Observation], rule: InDemandRule, regions: list[str], capacities: list[TrainingCapacity],
    prefer: list[str], extra: list[SocCode],
) -> None:
    own, shared = occupation_figures(rows), _shared(occupation_figures(rows))
    assert occupations_in_demand(shared, rule, regions=regions) == occupations_in_demand(own, rule, regions=regions)
    targets = sorted({o.code for o in rows} | set(extra))
    by_shared = occupation_shortfalls(occupations=targets, regions=regions, figures=shared, capacities=capacities,
                                      prefer_sources=prefer)
    assert by_shared == occupation_shortfalls(occupations=targets, regions=regions, figures=own,
                                              capacities=capacities, prefer_sources=prefer)
    by_rows = training_shortfall(occupations=targets, regions=regions, observations=rows, capacities=capacities,
                                 prefer_sources=prefer)
    assert [_summary(s) for s in by_shared] == [_summary(s) for s in by_rows]


def test_a_malformed_period_shared_by_several_occupations_is_refused() -> None:
    period = ("2034-2024",)
    figures = [OccupationFigures(code=code, regions=("north",), periods=period, sources=("bls",),
                                 retrieved_at=(BASE,), annual_openings=(10,), growth_percent=(None,))
               for code in CODES]
    with pytest.raises(ValueError, match="end year"):
        occupation_shortfalls(occupations=CODES, regions=["north"], figures=figures)
    with pytest.raises(ValueError, match="end year"):
        occupations_in_demand(figures, InDemandRule(), regions=["north"])


def test_columns_given_twice_for_one_occupation_count_as_one_set_of_figures() -> None:
    rows = [Observation(region=r, code=NURSES, period="2024-2034", source="careeronestop", retrieved_at=BASE,
                        annual_openings=n) for r, n in (("capital", 300), ("north", 100))]
    [capital] = occupation_figures(rows[:1])
    [north] = occupation_figures(rows[1:])
    [both] = occupation_shortfalls(occupations=[NURSES], regions=["capital", "north"], figures=[capital, north],
                                   capacities=[])
    assert (both.annual_openings, both.regions, both.regions_without_data) == (400, ("capital", "north"), ())
    assert occupations_in_demand([north, capital], InDemandRule(), regions=["north"]) == [NURSES]


def test_an_occupation_with_one_plain_projection_per_region_is_summed_across_them() -> None:
    figures = OccupationFigures(
        code=NURSES, regions=("south", "capital"), periods=("2024-2034", "2022-2032"),
        sources=("state_lmi", "careeronestop"), retrieved_at=(BASE, BASE + timedelta(days=1)),
        annual_openings=(150, 250), growth_percent=(None, 12.0))
    [s] = occupation_shortfalls(occupations=[NURSES], regions=["capital", "north", "south"], figures=[figures],
                                capacities=[TrainingCapacity(occupation=NURSES, region="south", capacity=100),
                                            TrainingCapacity(occupation=NURSES, region="elsewhere", capacity=900)])
    assert (s.annual_openings, s.capacity, s.shortfall) == (400, 100, 300)
    assert (s.regions, s.regions_without_data) == (("capital", "south"), ("north",))
    assert (s.sources, s.periods, s.retrieved_at) == (("careeronestop", "state_lmi"), ("2022-2032", "2024-2034"),
                                                      BASE + timedelta(days=1))


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="one entry per observation"):
        OccupationFigures(code=NURSES, regions=("capital",), periods=(), sources=("s",), retrieved_at=(BASE,),
                          annual_openings=(1,), growth_percent=(None,))


def test_a_malformed_period_is_refused_by_columns_as_by_rows() -> None:
    figures = OccupationFigures(code=NURSES, regions=("capital",), periods=("soon",), sources=("s",),
                                retrieved_at=(BASE,), annual_openings=(400,), growth_percent=(None,))
    with pytest.raises(ValueError, match="is not a period"):
        occupations_in_demand([figures], InDemandRule(), regions=["capital"])
    with pytest.raises(ValueError, match="is not a period"):
        occupation_shortfalls(occupations=[NURSES], regions=["capital"], figures=[figures], capacities=[])
    row = Observation(region="capital", code=NURSES, period="soon", source="s", retrieved_at=BASE,
                      annual_openings=400)
    with pytest.raises(ValueError, match="is not a period"):
        in_demand_observations([row], InDemandRule())


def test_columns_hold_occupations_only_one_row_per_observation() -> None:
    rows = [
        Observation(region="capital", code=NURSES, period="2024-2034", source="bls", retrieved_at=BASE,
                    annual_openings=400, growth_percent=6.0),
        Observation(region="capital", code=NaicsCode.parse("622110"), period="2024-2034", source="bls",
                    retrieved_at=BASE, annual_openings=40),
        Observation(region="north", code=NURSES, period="2024", source="bls", retrieved_at=BASE, growth_percent=12.0),
    ]
    [nurses] = occupation_figures(rows)
    assert nurses.code == NURSES
    assert (nurses.regions, nurses.periods, nurses.annual_openings, nurses.growth_percent) == (
        ("capital", "north"), ("2024-2034", "2024"), (400, None), (6.0, 12.0))
