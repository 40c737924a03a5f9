"""Labour market rules: observations, the in-demand rule, training shortfalls, and reading LMI figures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.codes import InvalidCode, NaicsCode, SocCode
from api.domain.errors import InvalidInput
from api.domain.labor_market import (
    DEFAULT_MIN_ANNUAL_OPENINGS,
    DEFAULT_MIN_GROWTH_PERCENT,
    CodeKind,
    InDemandRule,
    Observation,
    OccupationShortfall,
    Outlook,
    TrainingCapacity,
    in_demand_observations,
    is_in_demand,
    normalize_number,
    occupation_figures,
    occupation_shortfalls,
    parse_code,
    parse_outlook,
    period_years,
    validate_in_demand_rule,
    validate_observation,
)

NURSES = SocCode.parse("29-1141")
WELDERS = SocCode.parse("51-4121")
RETRIEVED = datetime(2025, 3, 1, tzinfo=UTC)


def observation(**overrides: object) -> Observation:
    """Registered nurses in the Capital Region, 2024-2034 projections from CareerOneStop."""
    base = Observation(
        region="capital",
        code=NURSES,
        period="2024-2034",
        source="careeronestop",
        retrieved_at=RETRIEVED,
        employment=5_000,
        projected_employment=5_300,
        annual_openings=400,
        growth_percent=6.0,
        median_wage=86_070.0,
        wage_p10=63_720.0,
        wage_p25=72_000.0,
        wage_p75=100_000.0,
        wage_p90=129_400.0,
        outlook=Outlook.BRIGHT,
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def latest_observations(rows: Sequence[Observation]) -> list[Observation]:
    """The observations the rules count, per region, code and source: with a rule every figure meets."""
    return in_demand_observations(rows, InDemandRule(min_annual_openings=0, min_growth_percent=-100.0))


def training_shortfall(
    *, occupations: Sequence[SocCode], regions: Sequence[str], observations: Sequence[Observation],
    capacities: Sequence[TrainingCapacity], prefer_sources: Sequence[str] = (),
) -> list[OccupationShortfall]:
    """The shortfalls of observations, read as the columns storage gives the rule."""
    return occupation_shortfalls(occupations=occupations, regions=regions, figures=occupation_figures(observations),
                                 capacities=capacities, prefer_sources=prefer_sources)


# Observations


def test_an_observation_knows_whether_it_describes_an_occupation_or_an_industry() -> None:
    assert observation().code_kind is CodeKind.SOC
    assert observation(code=NaicsCode.parse("622110")).code_kind is CodeKind.NAICS


def test_parse_code_reads_a_code_of_the_named_kind() -> None:
    assert parse_code("soc", "291141") == NURSES
    assert parse_code(CodeKind.NAICS, "31") == NaicsCode.parse("31-33")
    with pytest.raises(InvalidCode):
        parse_code("soc", "622110")


def test_a_plausible_observation_passes_validation() -> None:
    assert validate_observation(observation()) == observation()


def test_an_observation_with_impossible_figures_is_refused_field_by_field() -> None:
    bad = observation(
        region=" ",
        period="2034-2024",
        retrieved_at=datetime(2025, 3, 1),
        annual_openings=-1,
        growth_percent=-150.0,
        wage_p25=90_000.0,
    )
    with pytest.raises(InvalidInput) as caught:
        validate_observation(bad)
    assert [p.field for p in caught.value.problems] == [
        "region",
        "period",
        "retrieved_at",
        "annual_openings",
        "growth_percent",
        "median_wage",
    ]


@pytest.mark.parametrize(("period", "years"), [("2024", (2024, 2024)), ("2024-2034", (2024, 2034))])
def test_a_period_is_a_year_or_a_span_of_years(period: str, years: tuple[int, int]) -> None:
    assert period_years(period) == years


@pytest.mark.parametrize("period", ["24", "2024-34", "2034-2024", "May 2024", ""])
def test_a_period_in_another_form_is_refused(period: str) -> None:
    with pytest.raises(ValueError, match="is not a period"):
        period_years(period)


@pytest.mark.parametrize(
    ("text", "outlook"),
    [("Bright", Outlook.BRIGHT), ("average", Outlook.AVERAGE), ("Below  Average", Outlook.BELOW_AVERAGE),
     ("", None), (None, None)],
)
def test_an_outlook_reads_in_any_case_and_blank_means_none(text: str | None, outlook: Outlook | None) -> None:
    assert parse_outlook(text) is outlook


def test_an_unknown_outlook_is_refused() -> None:
    with pytest.raises(ValueError, match="is not an outlook"):
        parse_outlook("Sunny")


# The in-demand rule


def test_the_default_rule_follows_the_bright_outlook_thresholds() -> None:
    rule = InDemandRule()
    assert (rule.min_annual_openings, rule.min_growth_percent) == (100, 10.0)
    assert (DEFAULT_MIN_ANNUAL_OPENINGS, DEFAULT_MIN_GROWTH_PERCENT) == (100, 10.0)


def test_enough_openings_make_an_occupation_in_demand_even_with_slow_growth() -> None:
    assert is_in_demand(observation(annual_openings=100, growth_percent=1.0), InDemandRule())


def test_fast_growth_makes_an_occupation_in_demand_even_with_few_openings() -> None:
    assert is_in_demand(observation(annual_openings=20, growth_percent=10.0), InDemandRule())


def test_an_occupation_short_of_both_thresholds_is_not_in_demand() -> None:
    assert not is_in_demand(observation(annual_openings=99, growth_percent=9.9), InDemandRule())


def test_a_threshold_left_out_is_not_applied() -> None:
    growth_only = InDemandRule(min_annual_openings=None, min_growth_percent=5.0)
    assert not is_in_demand(observation(annual_openings=10_000, growth_percent=1.0), growth_only)
    assert is_in_demand(observation(annual_openings=1, growth_percent=5.0), growth_only)
    assert not is_in_demand(observation(), InDemandRule(min_annual_openings=None, min_growth_percent=None))


def test_missing_figures_never_meet_a_threshold() -> None:
    assert not is_in_demand(observation(annual_openings=None, growth_percent=None), InDemandRule())


def test_a_rule_with_negative_openings_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_in_demand_rule(InDemandRule(min_annual_openings=-5, min_growth_percent=math.nan))
    assert [p.field for p in caught.value.problems] == ["min_annual_openings", "min_growth_percent"]


@given(
    openings=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
    growth=st.one_of(st.none(), st.floats(min_value=-100, max_value=500)),
    min_openings=st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
    min_growth=st.one_of(st.none(), st.floats(min_value=-100, max_value=500)),
    more=st.integers(min_value=0, max_value=1000),
)
def test_more_openings_never_take_an_occupation_out_of_demand(
    openings: int | None, growth: float | None, min_openings: int | None, min_growth: float | None, more: int
) -> None:
    rule = InDemandRule(min_annual_openings=min_openings, min_growth_percent=min_growth)
    before = observation(annual_openings=openings, growth_percent=growth)
    after = replace(before, annual_openings=None if openings is None else openings + more)
    assert is_in_demand(after, rule) >= is_in_demand(before, rule)


def test_only_the_latest_projection_decides_whether_an_occupation_is_in_demand() -> None:
    old = observation(period="2022-2032", annual_openings=500)
    new = observation(period="2024-2034", annual_openings=50, growth_percent=2.0)
    assert in_demand_observations([new, old], InDemandRule()) == []
    assert in_demand_observations([replace(new, annual_openings=150), old], InDemandRule()) == [
        replace(new, annual_openings=150)
    ]


def test_a_newer_wage_only_row_does_not_hide_the_projection() -> None:
    projection = observation(period="2024-2034")
    wages = observation(period="2025", annual_openings=None, growth_percent=None)
    assert in_demand_observations([wages, projection], InDemandRule()) == [projection]


def test_in_demand_occupations_skip_industries_and_other_regions_and_come_in_code_order() -> None:
    rows = [
        observation(code=WELDERS, region="north"),
        observation(code=NURSES, region="north"),
        observation(code=NURSES, region="capital"),
        observation(code=NaicsCode.parse("622110")),
    ]
    found = in_demand_observations(rows, InDemandRule(), regions={"north"})
    assert [(str(o.code), o.region) for o in found] == [("29-1141", "north"), ("51-4121", "north")]


# Latest observations


def test_the_latest_period_wins_then_the_latest_retrieval() -> None:
    old = observation(period="2022-2032", retrieved_at=datetime(2025, 6, 1, tzinfo=UTC))
    new = observation(period="2024-2034", retrieved_at=datetime(2025, 1, 1, tzinfo=UTC))
    refreshed = replace(new, retrieved_at=datetime(2025, 2, 1, tzinfo=UTC), annual_openings=410)
    assert latest_observations([old, new, refreshed]) == [refreshed]
    assert latest_observations([refreshed, new, old]) == [refreshed]


@given(st.permutations(range(6)))
def test_the_choice_of_latest_observations_does_not_depend_on_input_order(order: list[int]) -> None:
    rows = [
        observation(period="2024-2034", annual_openings=400),
        observation(period="2024-2034", annual_openings=420),  # a duplicate row with another figure
        observation(period="2022-2032"),
        observation(source="state_lmi", annual_openings=380),
        observation(region="north", annual_openings=40),
        observation(code=WELDERS),
    ]
    assert latest_observations([rows[i] for i in order]) == latest_observations(rows)


# Training shortfall


def test_registered_nurses_with_400_openings_and_120_seats_fall_280_short() -> None:
    [nurses] = training_shortfall(
        occupations=[NURSES],
        regions=["capital"],
        observations=[observation()],
        capacities=[
            TrainingCapacity(occupation=NURSES, region="capital", capacity=120, provider="Capital CC"),
        ],
    )
    assert nurses.occupation == NURSES
    assert (nurses.annual_openings, nurses.capacity, nurses.shortfall) == (400, 120, 280)
    assert nurses.sources == ("careeronestop",)
    assert (nurses.regions, nurses.periods, nurses.retrieved_at) == (("capital",), ("2024-2034",), RETRIEVED)
    assert nurses.regions_without_data == ()
    assert nurses.has_shortfall


def test_adding_300_seats_clears_the_nursing_shortfall() -> None:
    [nurses] = training_shortfall(
        occupations=[NURSES],
        regions=["capital"],
        observations=[observation()],
        capacities=[
            TrainingCapacity(occupation=NURSES, region="capital", capacity=120, provider="Capital CC"),
            TrainingCapacity(occupation=NURSES, region="capital", capacity=300, provider="State University"),
        ],
    )
    assert (nurses.annual_openings, nurses.capacity, nurses.shortfall) == (400, 420, 0)
    assert not nurses.has_shortfall


def test_openings_add_up_over_regions_using_each_regions_latest_figure() -> None:
    [nurses] = training_shortfall(
        occupations=[NURSES],
        regions=["capital", "north"],
        observations=[
            observation(period="2022-2032", annual_openings=999),
            observation(),
            observation(region="north", annual_openings=60, source="state_lmi"),
            observation(region="south", annual_openings=5_000),
        ],
        capacities=[
            TrainingCapacity(occupation=NURSES, region="north", capacity=100),
            TrainingCapacity(occupation=NURSES, region="south", capacity=1_000),
        ],
    )
    assert (nurses.annual_openings, nurses.capacity, nurses.shortfall) == (460, 100, 360)
    assert nurses.sources == ("careeronestop", "state_lmi")
    assert nurses.regions == ("capital", "north")
    assert nurses.periods == ("2024-2034",)


def nurses_in_the_capital(rows: list[Observation], prefer_sources: Sequence[str] = ()) -> OccupationShortfall:
    """The nursing shortfall in the Capital Region, with no training capacity."""
    [nurses] = training_shortfall(
        occupations=[NURSES],
        regions=["capital"],
        observations=rows,
        capacities=[],
        prefer_sources=prefer_sources,
    )
    return nurses


def test_two_sources_for_one_region_are_never_added_together() -> None:
    rows = [observation(), observation(source="state_lmi", annual_openings=350)]
    by_default = nurses_in_the_capital(rows)
    preferred = nurses_in_the_capital(rows, prefer_sources=["state_lmi"])
    assert (by_default.annual_openings, by_default.sources) == (400, ("careeronestop",))
    assert (preferred.annual_openings, preferred.sources) == (350, ("state_lmi",))


def test_a_more_recent_source_wins_when_none_is_preferred() -> None:
    rows = [observation(period="2022-2032"), observation(source="state_lmi", annual_openings=350)]
    assert nurses_in_the_capital(rows).sources == ("state_lmi",)


def test_an_occupation_without_openings_data_reports_no_shortfall_figure() -> None:
    [nurses, welders] = training_shortfall(
        occupations=[WELDERS, NURSES, NURSES],
        regions=["capital", "north"],
        observations=[observation(), observation(region="north", annual_openings=None)],
        capacities=[TrainingCapacity(occupation=WELDERS, region="capital", capacity=15)],
    )
    assert nurses.regions_without_data == ("north",)
    assert (welders.occupation, welders.annual_openings, welders.capacity, welders.shortfall) == (
        WELDERS,
        None,
        15,
        None,
    )
    assert welders.sources == () and welders.regions_without_data == ("capital", "north")
    assert not welders.has_shortfall


def test_capacity_for_a_broad_occupation_does_not_count_toward_a_detailed_one() -> None:
    [nurses] = training_shortfall(
        occupations=[NURSES],
        regions=["capital"],
        observations=[observation()],
        capacities=[TrainingCapacity(occupation=SocCode.parse("29-1140"), region="capital", capacity=400)],
    )
    assert nurses.shortfall == 280 + 120


def test_training_capacity_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        TrainingCapacity(occupation=NURSES, region="capital", capacity=-1)


@given(
    openings=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=4),
    seats=st.lists(st.integers(min_value=0, max_value=10_000), max_size=4),
)
def test_the_shortfall_is_openings_less_capacity_and_never_negative(
    openings: list[int], seats: list[int]
) -> None:
    regions = [f"r{i}" for i in range(len(openings))]
    [result] = training_shortfall(
        occupations=[NURSES],
        regions=regions,
        observations=[
            observation(region=r, annual_openings=n) for r, n in zip(regions, openings, strict=True)
        ],
        capacities=[TrainingCapacity(occupation=NURSES, region="r0", capacity=s) for s in seats],
    )
    assert result.annual_openings == sum(openings)
    assert result.capacity == sum(seats)
    assert result.shortfall == max(0, sum(openings) - sum(seats))
    assert result.has_shortfall == (sum(openings) > sum(seats))


# Reading figures


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1,234", 1234),
        ("$45,600", 45600),
        ("$22.50", 22.5),
        ("12.5%", 12.5),
        ("-3.2%", -3.2),
        ("\u22123", -3),
        ("+7", 7),
        (" 1,234,567 ", 1234567),
        ("0", 0),
        (".5", 0.5),
        (42, 42),
        (4.5, 4.5),
    ],
)
def test_careeronestop_figures_read_as_numbers(text: str | float, number: float) -> None:
    result = normalize_number(text)
    assert result == number
    assert type(result) is type(number)


@pytest.mark.parametrize("text", ["", "  ", "N/A", "n/a", "NA", "-", "*", "**", "#", None, math.nan])
def test_blanks_and_suppression_marks_read_as_no_figure(text: str | float | None) -> None:
    assert normalize_number(text) is None


@pytest.mark.parametrize("text", ["12,34", "1,2345", "abc", "$", "%", "5.", "$5%", "1.2.3", "1e3", True])
def test_text_that_is_not_a_figure_is_refused(text: str | bool) -> None:
    with pytest.raises(ValueError, match="is not a number"):
        normalize_number(text)


@given(st.integers(min_value=0, max_value=10**12))
def test_a_whole_number_with_thousands_separators_reads_back_exactly(n: int) -> None:
    assert normalize_number(f"{n:,}") == n
    assert normalize_number(f"${n:,}") == n
