"""Readiness assessment: the framework as versioned data, rounds, responses and scoring."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.errors import InvalidInput, NotFound
from api.domain.readiness import (
    DEFAULT_RULES,
    Element,
    Framework,
    FrameworkVersionMismatch,
    Indicator,
    NextStepKind,
    NotARespondent,
    Response,
    Round,
    RoundAlreadyOpen,
    RoundClosed,
    RoundScore,
    RoundStatus,
    ScaleLevel,
    ScoreStatus,
    ScoringRules,
    close_round,
    framework_for_round,
    framework_from_dict,
    phase_of,
    previous_closed_round,
    record_response,
    revise_framework,
    score_round,
    start_round,
    to_percent,
)
from tests.hypothesis_profiles import examples

FRAMEWORK_JSON = Path(__file__).resolve().parents[2] / "api" / "reference_data" / "readiness_framework.json"
FRAMEWORK = framework_from_dict(json.loads(FRAMEWORK_JSON.read_text(encoding="utf-8")))
CODES = FRAMEWORK.indicator_codes()
SYSTEM = UUID(int=0xA)
ROUND = Round(
    id=UUID(int=0xB), system_id=SYSTEM, framework_id=FRAMEWORK.id, framework_version=FRAMEWORK.version,
    started_on=date(2024, 1, 15),
)
NOW = datetime(2024, 1, 20, 9, 30)


def member(n: int) -> UUID:
    return UUID(int=0x1000 + n)


def response(
    n: int,
    ratings: Mapping[str, int | None],
    *,
    priorities: tuple[str, ...] = (),
    technical_assistance: tuple[str, ...] = (),
    notes: dict[str, str] | None = None,
) -> Response:
    return Response(
        round_id=ROUND.id, respondent_id=member(n), ratings=dict(ratings), priorities=frozenset(priorities),
        technical_assistance=frozenset(technical_assistance), notes=notes or {}, submitted_at=NOW,
    )


def everything(value: int | None) -> dict[str, int | None]:
    return dict.fromkeys(CODES, value)


ratings_strategy = st.dictionaries(st.sampled_from(CODES), st.none() | st.integers(1, 4))
flags_strategy = st.lists(st.sampled_from(CODES), max_size=4).map(tuple)


@st.composite
def responses_strategy(draw: st.DrawFn, max_size: int = 8) -> list[Response]:
    ids = draw(st.lists(st.integers(0, 10_000), unique=True, max_size=max_size))
    return [
        response(
            n,
            draw(ratings_strategy),
            priorities=draw(flags_strategy),
            technical_assistance=draw(flags_strategy),
            notes=draw(st.dictionaries(st.sampled_from(CODES), st.sampled_from(["see minutes", "unsure"]),
                                       max_size=2)),
        )
        for n in ids
    ]


# --- the framework as data -----------------------------------------------------------------------


def test_reference_framework_has_the_six_key_elements_with_at_least_three_indicators_each() -> None:
    assert [e.name for e in FRAMEWORK.elements] == [
        "Build cross-agency partnerships and clarify roles",
        "Identify sector or industry and engage employers",
        "Design education and training programs",
        "Identify funding needs and sources",
        "Align policies and programs",
        "Measure system change and performance",
    ]
    assert all(len(e.indicators) >= 3 for e in FRAMEWORK.elements)
    assert all(ind.code.startswith(f"{e.code}.") for e in FRAMEWORK.elements for ind in e.indicators)


def test_reference_scale_has_four_phases_and_keeps_the_toolkit_level_one_wording() -> None:
    assert [lvl.value for lvl in FRAMEWORK.scale] == [1, 2, 3, 4]
    first = FRAMEWORK.level(1)
    assert first.label == "Initiation Phase"
    assert first.description.startswith("The team has discussed this indicator but has not started planning")
    assert [FRAMEWORK.level(v).label for v in (2, 3, 4)] == ["Planning Phase", "Implementation Phase",
                                                             "Sustained Phase"]
    assert all(lvl.description for lvl in FRAMEWORK.scale)


def test_framework_from_dict_reports_every_bad_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        framework_from_dict({
            "name": " ",
            "elements": [{"code": "1", "name": "One", "indicators": [{"code": "1.1"}, "not an object"]}],
            "scale": [{"value": "one", "label": "Initiation"}],
        })
    fields = {p.field for p in caught.value.problems}
    assert {"name", "elements[0].indicators[0].text", "elements[0].indicators[1]", "scale[0].value"} <= fields


def test_framework_with_an_indicator_code_used_twice_is_invalid() -> None:
    first = FRAMEWORK.elements[0]
    twice = replace(first, indicators=(*first.indicators, Indicator(code="1.1", text="Again")))
    with pytest.raises(InvalidInput) as caught:
        revise_framework(FRAMEWORK, {"elements": (twice, *FRAMEWORK.elements[1:])})
    assert any("appears twice" in p.message for p in caught.value.problems)


def test_scale_must_have_exactly_one_level_for_each_of_the_four_points() -> None:
    with pytest.raises(InvalidInput) as caught:
        revise_framework(FRAMEWORK, {"scale": FRAMEWORK.scale[:3]})
    assert caught.value.problems[0].field == "scale"


def test_revising_the_framework_makes_a_new_version_with_a_new_id_and_leaves_the_old_one_alone() -> None:
    relabelled = tuple(replace(lvl, label=f"Phase {lvl.value}") for lvl in FRAMEWORK.scale)
    revised = revise_framework(FRAMEWORK, {"scale": relabelled}, new_id=lambda: UUID(int=99))
    assert (revised.id, revised.version) == (UUID(int=99), FRAMEWORK.version + 1)
    assert revised.based_on == FRAMEWORK.id
    assert revised.level(1).label == "Phase 1"
    assert FRAMEWORK.level(1).label == "Initiation Phase"


def test_revising_the_framework_refuses_fields_that_are_not_editable() -> None:
    with pytest.raises(InvalidInput) as caught:
        revise_framework(FRAMEWORK, {"version": 7, "id": UUID(int=1)})
    assert [p.field for p in caught.value.problems] == ["id", "version"]


# --- rounds and responses ------------------------------------------------------------------------


def test_a_system_starts_a_round_on_the_current_framework_version() -> None:
    started = start_round(FRAMEWORK, system_id=SYSTEM, started_on=date(2024, 3, 1),
                          new_id=lambda: UUID(int=5))
    assert (started.framework_id, started.framework_version, started.status) == (
        FRAMEWORK.id, FRAMEWORK.version, RoundStatus.OPEN,
    )


def test_a_system_cannot_start_a_second_round_while_one_is_open() -> None:
    with pytest.raises(RoundAlreadyOpen):
        start_round(FRAMEWORK, system_id=SYSTEM, started_on=date(2024, 3, 1), rounds=[ROUND])
    other_system = start_round(FRAMEWORK, system_id=UUID(int=0xC), started_on=date(2024, 3, 1),
                               rounds=[ROUND])
    assert other_system.system_id == UUID(int=0xC)


def test_a_member_responds_with_ratings_flags_and_notes_in_framework_order() -> None:
    recorded = record_response(
        ROUND, FRAMEWORK, respondent_id=member(1), member_ids={member(1)},
        ratings={"2.1": 3, "1.1": None, "1.2": 4}, priorities=["1.2"], technical_assistance=["2.1"],
        notes={"1.2": "  signed last spring  ", "2.1": "   "}, now=NOW,
    )
    assert list(recorded.ratings) == ["1.1", "1.2", "2.1"]
    assert recorded.notes == {"1.2": "signed last spring"}
    assert (recorded.submitted_at, recorded.revised_at) == (NOW, None)


def test_only_members_of_the_system_can_respond() -> None:
    with pytest.raises(NotARespondent):
        record_response(ROUND, FRAMEWORK, respondent_id=member(9), member_ids={member(1)}, ratings={},
                        now=NOW)


@pytest.mark.parametrize("bad", [0, 5, -1, True, 2.5, "3"])
def test_a_rating_outside_one_to_four_is_invalid_input(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        record_response(ROUND, FRAMEWORK, respondent_id=member(1), member_ids={member(1)},
                        ratings={"1.1": bad}, now=NOW)  # type: ignore[dict-item]
    assert caught.value.problems[0].field == "ratings.1.1"


def test_rating_or_flagging_an_unknown_indicator_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        record_response(ROUND, FRAMEWORK, respondent_id=member(1), member_ids={member(1)},
                        ratings={"9.9": 2}, priorities=["7.1"], notes={"8.8": "?"}, now=NOW)
    assert [p.field for p in caught.value.problems] == ["ratings.9.9", "priorities", "notes.8.8"]


def test_a_respondent_can_revise_until_the_round_closes_and_keeps_the_first_submission_time() -> None:
    first = record_response(ROUND, FRAMEWORK, respondent_id=member(1), member_ids={member(1)},
                            ratings={"1.1": 1}, now=NOW)
    later = datetime(2024, 1, 22, 14, 0)
    second = record_response(ROUND, FRAMEWORK, respondent_id=member(1), member_ids={member(1)},
                             ratings={"1.1": 2}, previous=first, now=later)
    assert (second.ratings, second.submitted_at, second.revised_at) == ({"1.1": 2}, NOW, later)

    closed = close_round(ROUND, closed_on=date(2024, 2, 1))
    with pytest.raises(RoundClosed):
        record_response(closed, FRAMEWORK, respondent_id=member(1), member_ids={member(1)},
                        ratings={"1.1": 3}, previous=second, now=datetime(2024, 2, 2))


def test_a_round_closes_once_and_not_before_it_started() -> None:
    closed = close_round(ROUND, closed_on=date(2024, 2, 1))
    assert (closed.status, closed.closed_on) == (RoundStatus.CLOSED, date(2024, 2, 1))
    with pytest.raises(RoundClosed):
        close_round(closed, closed_on=date(2024, 2, 2))
    with pytest.raises(InvalidInput):
        close_round(ROUND, closed_on=date(2023, 12, 31))


def test_a_response_is_recorded_only_against_the_rounds_framework_version() -> None:
    revised = revise_framework(FRAMEWORK, {"name": "Edited"})
    with pytest.raises(FrameworkVersionMismatch):
        record_response(ROUND, revised, respondent_id=member(1), member_ids={member(1)}, ratings={}, now=NOW)


def test_previous_closed_round_is_the_systems_latest_closed_before_this_one_started() -> None:
    def rnd(n: int, started: date, closed: date | None, system: UUID = SYSTEM) -> Round:
        return Round(id=UUID(int=n), system_id=system, framework_id=FRAMEWORK.id, framework_version=1,
                     started_on=started, closed_on=closed,
                     status=RoundStatus.CLOSED if closed else RoundStatus.OPEN)

    current = rnd(10, date(2024, 6, 1), None)
    older = rnd(1, date(2023, 1, 1), date(2023, 2, 1))
    latest = rnd(2, date(2023, 9, 1), date(2023, 10, 1))
    elsewhere = rnd(3, date(2024, 1, 1), date(2024, 2, 1), system=UUID(int=0xC))
    assert previous_closed_round(current, [latest, current, elsewhere, older]) == latest
    assert previous_closed_round(older, [latest, current, older]) is None


# --- scoring -------------------------------------------------------------------------------------


def test_an_indicator_score_is_the_mean_and_range_of_its_ratings_and_ignores_not_rated() -> None:
    score = score_round(FRAMEWORK, [
        response(1, {"1.1": 1}), response(2, {"1.1": 2}), response(3, {"1.1": 4}), response(4, {"1.1": None}),
    ])
    ind = score.indicator("1.1")
    assert (ind.mean, ind.n_rated, ind.n_not_rated) == (pytest.approx(7 / 3), 3, 1)
    assert (ind.lowest, ind.highest, ind.spread, ind.disagreement) == (1, 4, 3, True)
    assert score.indicator("1.2").status is ScoreStatus.INSUFFICIENT_DATA
    assert score.indicator("1.2").mean is None


def test_ratings_less_than_the_disagreement_spread_apart_are_not_flagged() -> None:
    score = score_round(FRAMEWORK, [response(1, {"1.1": 2}), response(2, {"1.1": 3})])
    assert (score.indicator("1.1").spread, score.indicator("1.1").disagreement) == (1, False)
    stricter = score_round(FRAMEWORK, [response(1, {"1.1": 2}), response(2, {"1.1": 3})],
                           rules=ScoringRules(disagreement_spread=1))
    assert stricter.indicator("1.1").disagreement is True


def test_an_element_with_too_few_scored_indicators_is_insufficient_data_not_a_number() -> None:
    # Element 1 has five indicators: two scored is below half, three is enough.
    two = score_round(FRAMEWORK, [response(1, {"1.1": 4, "1.2": 4})])
    assert two.element("1").status is ScoreStatus.INSUFFICIENT_DATA
    assert (two.element("1").mean, two.element("1").percent, two.element("1").coverage) == (None, None, 0.4)
    three = score_round(FRAMEWORK, [response(1, {"1.1": 4, "1.2": 4, "1.3": 1})])
    assert three.element("1").status is ScoreStatus.SCORED
    assert three.element("1").mean == 3.0


def test_element_percent_maps_one_to_zero_and_four_to_a_hundred() -> None:
    assert (to_percent(1), to_percent(2.5), to_percent(4)) == (0.0, 50.0, 100.0)
    assert score_round(FRAMEWORK, [response(1, everything(1))]).element("2").percent == 0.0
    assert score_round(FRAMEWORK, [response(1, everything(4))]).element("2").percent == 100.0


def test_an_indicator_needs_the_minimum_number_of_ratings_to_be_scored() -> None:
    rules = ScoringRules(min_ratings_per_indicator=2)
    score = score_round(FRAMEWORK, [response(1, {"1.1": 3})], rules=rules)
    indicator = score.indicator("1.1")
    assert (indicator.status, indicator.mean, indicator.n_rated) == (ScoreStatus.INSUFFICIENT_DATA, None, 1)


def test_overall_score_is_the_mean_of_scored_elements_with_its_phase() -> None:
    ratings = {code: 4 if code.startswith(("1.", "2.")) else 2 for code in CODES}
    score = score_round(FRAMEWORK, [response(1, ratings)])
    assert score.mean == pytest.approx((4 + 4 + 2 + 2 + 2 + 2) / 6)
    assert score.phase == FRAMEWORK.level(3)
    assert score.elements_scored == 6


def test_overall_score_is_insufficient_data_when_too_few_elements_are_scored() -> None:
    ratings = {code: 3 for code in CODES if code.startswith(("1.", "2."))}
    score = score_round(FRAMEWORK, [response(1, ratings)])
    assert (score.status, score.mean, score.phase, score.elements_scored) == (
        ScoreStatus.INSUFFICIENT_DATA, None, None, 2,
    )


@pytest.mark.parametrize(
    ("mean", "phase"), [(1.0, 1), (1.49, 1), (1.5, 2), (2.49, 2), (2.5, 3), (3.5, 4), (4.0, 4)]
)
def test_phase_follows_the_cut_points(mean: float, phase: int) -> None:
    assert phase_of(mean, FRAMEWORK).value == phase


def test_scoring_rules_that_contradict_the_scale_are_invalid() -> None:
    with pytest.raises(InvalidInput) as caught:
        score_round(FRAMEWORK, [], rules=ScoringRules(phase_cut_points=(3.0, 2.0, 3.5), element_coverage=0))
    assert {p.field for p in caught.value.problems} == {"rules.phase_cut_points", "rules.element_coverage"}


def test_a_respondent_counted_twice_is_refused() -> None:
    with pytest.raises(InvalidInput):
        score_round(FRAMEWORK, [response(1, {"1.1": 2}), response(1, {"1.1": 3})])


def test_change_since_the_previous_round_is_reported_per_element_and_improvements_are_progress() -> None:
    before = score_round(FRAMEWORK, [response(1, everything(2))])
    ratings = everything(2) | {code: 3 for code in CODES if code.startswith("4.")}
    ratings |= {code: 1 for code in CODES if code.startswith("6.")}
    after = score_round(FRAMEWORK, [response(1, ratings)], before)
    assert (after.element("4").previous_mean, after.element("4").change) == (2.0, 1.0)
    assert after.element("4").change_percent == pytest.approx(100 / 3)
    assert after.element("6").change == -1.0
    assert after.element("1").change == 0.0
    assert [p.element_code for p in after.summary.progress] == ["4"]
    assert after.change == pytest.approx(0.0)
    assert score_round(FRAMEWORK, [response(1, ratings)]).element("4").change is None


def test_priorities_are_ranked_by_how_many_respondents_flagged_them() -> None:
    score = score_round(FRAMEWORK, [
        response(1, {}, priorities=("3.2", "1.1")),
        response(2, {}, priorities=("3.2", "3.1")),
        response(3, {}, priorities=("3.2",)),
    ])
    priorities = score.summary.priorities
    assert [(p.element_code, p.count) for p in priorities] == [("3", 4), ("1", 1)]
    assert [(i.code, i.count) for i in priorities[0].indicators] == [("3.2", 3), ("3.1", 1)]


def test_indicators_scoring_two_or_less_are_gaps_worst_first() -> None:
    score = score_round(FRAMEWORK, [
        response(1, {"1.1": 2, "1.2": 1, "1.3": 3, "2.1": 2}), response(2, {"1.1": 2, "1.2": 2, "1.3": 3}),
    ])
    gaps = [(g.indicator_code, g.mean) for g in score.summary.gaps]
    assert gaps == [("1.2", 1.5), ("1.1", 2.0), ("2.1", 2.0)]
    assert score.summary.gaps[0].phase == FRAMEWORK.level(2)


def test_technical_assistance_needs_are_the_flagged_indicators_ranked_by_count() -> None:
    score = score_round(FRAMEWORK, [
        response(1, {}, technical_assistance=("4.3", "5.3")), response(2, {}, technical_assistance=("5.3",)),
    ])
    needs = [(t.indicator_code, t.count) for t in score.summary.technical_assistance]
    assert needs == [("5.3", 2), ("4.3", 1)]


def test_next_steps_address_gaps_first_then_priorities_disagreements_and_missing_ratings() -> None:
    complete = everything(3)
    score = score_round(FRAMEWORK, [
        response(1, complete | {"1.1": 1, "1.2": 2, "2.1": 1, "5.1": None, "5.2": None, "5.3": None},
                 priorities=("1.2", "3.3")),
        response(2, complete | {"1.1": 1, "1.2": 2, "2.1": 4, "5.1": None, "5.2": None, "5.3": None},
                 priorities=("3.3",)),
    ])
    steps = [(s.kind, s.indicator_code or s.element_code) for s in score.summary.next_steps]
    assert steps == [
        (NextStepKind.GAP, "1.2"),
        (NextStepKind.GAP, "1.1"),
        (NextStepKind.PRIORITY, "3.3"),
        (NextStepKind.DISAGREEMENT, "2.1"),
        (NextStepKind.INSUFFICIENT_DATA, "5"),
    ]
    gap_text = score.summary.next_steps[1].text
    assert "from the Initiation Phase toward the Planning Phase" in gap_text
    assert FRAMEWORK.elements[0].indicators[0].text.rstrip(".") in gap_text
    assert "named a priority by 2 respondents" in score.summary.next_steps[2].text
    assert "ratings range from 1 to 4" in score.summary.next_steps[3].text


def test_notes_are_collected_per_indicator_whatever_the_order_of_respondents() -> None:
    one = response(1, {"1.1": 2}, notes={"1.1": "no MOU yet"})
    two = response(2, {"1.1": 3}, notes={"1.1": "draft MOU exists"})
    assert score_round(FRAMEWORK, [one, two]) == score_round(FRAMEWORK, [two, one])
    notes = score_round(FRAMEWORK, [one, two]).indicator("1.1").notes
    assert set(notes) == {"no MOU yet", "draft MOU exists"}


def test_a_closed_rounds_scores_do_not_change_when_the_framework_is_edited() -> None:
    members = {member(n) for n in range(3)}
    answers = [
        record_response(ROUND, FRAMEWORK, respondent_id=member(n), member_ids=members,
                        ratings={code: 1 + (n + i) % 4 for i, code in enumerate(CODES)}, now=NOW)
        for n in range(3)
    ]
    closed = close_round(ROUND, closed_on=date(2024, 2, 1))
    before = score_round(FRAMEWORK, answers, round_=closed)

    first = FRAMEWORK.elements[0]
    edited = replace(first, indicators=(
        Indicator(code="1.1", text="Reworded: the leadership team meets monthly."),
        *first.indicators[2:],
        Indicator(code="1.9", text="A new indicator nobody in the old round rated."),
    ))
    revised = revise_framework(FRAMEWORK, {
        "elements": (edited, *FRAMEWORK.elements[1:]),
        "scale": tuple(replace(lvl, label=f"Renamed {lvl.value}") for lvl in FRAMEWORK.scale),
    })

    used = framework_for_round(closed, [revised, FRAMEWORK])
    assert used is FRAMEWORK
    assert score_round(used, answers, round_=closed) == before
    with pytest.raises(FrameworkVersionMismatch):
        score_round(revised, answers, round_=closed)


def test_a_round_whose_framework_version_is_missing_cannot_be_scored() -> None:
    with pytest.raises(NotFound):
        framework_for_round(ROUND, [revise_framework(FRAMEWORK, {"name": "Edited"})])


# --- properties ----------------------------------------------------------------------------------


def assert_in_range(score: RoundScore) -> None:
    for ind in score.indicators:
        assert ind.n_rated + ind.n_not_rated == score.respondents
        if ind.mean is not None:
            assert ind.lowest is not None and ind.highest is not None and ind.spread is not None
            assert 1 <= ind.lowest <= ind.mean <= ind.highest <= 4
            assert 0 <= ind.spread <= 3
    for el in score.elements:
        assert 0 <= el.coverage <= 1
        if el.mean is not None:
            assert el.percent is not None and el.phase is not None
            assert 1 <= el.mean <= 4 and 0 <= el.percent <= 100 and 1 <= el.phase.value <= 4
        else:
            assert el.status is ScoreStatus.INSUFFICIENT_DATA and el.percent is None
        if el.change is not None:
            assert -3 <= el.change <= 3
    if score.mean is not None:
        assert score.percent is not None and 1 <= score.mean <= 4 and 0 <= score.percent <= 100


@given(responses_strategy(), responses_strategy())
def test_scores_stay_within_range(previous: list[Response], current: list[Response]) -> None:
    before = score_round(FRAMEWORK, previous)
    assert_in_range(before)
    assert_in_range(score_round(FRAMEWORK, current, before))


@given(responses_strategy(), st.data())
def test_order_of_respondents_and_of_their_ratings_changes_no_score(
    responses: list[Response], data: st.DataObject
) -> None:
    expected = score_round(FRAMEWORK, responses)
    shuffled = data.draw(st.permutations(responses))
    reordered = [
        replace(r, ratings=dict(data.draw(st.permutations(list(r.ratings.items())))),
                priorities=frozenset(data.draw(st.permutations(sorted(r.priorities)))))
        for r in shuffled
    ]
    assert score_round(FRAMEWORK, reordered) == expected


@given(responses_strategy(max_size=6))
def test_not_rated_never_counts_as_a_rating(responses: list[Response]) -> None:
    expected = score_round(FRAMEWORK, responses)
    explicit = [replace(r, ratings=dict.fromkeys(CODES, None) | dict(r.ratings)) for r in responses]
    silent = response(10_001, everything(None))
    with_silent = score_round(FRAMEWORK, [*explicit, silent])
    assert [i.n_rated for i in with_silent.indicators] == [i.n_rated for i in expected.indicators]
    assert [i.mean for i in with_silent.indicators] == [i.mean for i in expected.indicators]
    assert with_silent.elements == expected.elements
    assert (with_silent.mean, with_silent.phase, with_silent.summary) == (expected.mean, expected.phase,
                                                                          expected.summary)
    for ind in expected.indicators:
        assert ind.n_rated == sum(1 for r in responses if r.ratings.get(ind.code) is not None)


@st.composite
def ratings_with_whole_mean(draw: st.DrawFn) -> tuple[int, list[int]]:
    mean = draw(st.integers(1, 4))
    reach = min(mean - 1, 4 - mean)
    offsets = draw(st.lists(st.integers(0, reach), max_size=6))
    centred = draw(st.lists(st.just(mean), min_size=0 if offsets else 1, max_size=3))
    return mean, [mean + d for d in offsets] + [mean - d for d in offsets] + centred


@given(ratings_with_whole_mean(), st.sampled_from(CODES))
def test_adding_a_rating_equal_to_the_current_mean_leaves_the_mean_unchanged(
    case: tuple[int, list[int]], code: str
) -> None:
    mean, ratings = case
    responses = [response(n, {code: value}) for n, value in enumerate(ratings)]
    before = score_round(FRAMEWORK, responses)
    assert before.indicator(code).mean == mean
    after = score_round(FRAMEWORK, [*responses, response(len(ratings), {code: mean})])
    assert after.indicator(code).mean == before.indicator(code).mean
    assert after.indicator(code).n_rated == before.indicator(code).n_rated + 1
    assert after.elements == before.elements


@settings(max_examples=examples(50))
@given(responses_strategy())
def test_the_summary_is_consistent_with_the_scores(responses: list[Response]) -> None:
    score = score_round(FRAMEWORK, responses)
    gaps = {g.indicator_code for g in score.summary.gaps}
    assert gaps == {
        i.code for i in score.indicators if i.mean is not None and i.mean <= DEFAULT_RULES.gap_threshold
    }
    assert {t.indicator_code for t in score.summary.technical_assistance} == {
        code for r in responses for code in r.technical_assistance
    }
    flagged = {i.code for p in score.summary.priorities for i in p.indicators}
    assert flagged == {code for r in responses for code in r.priorities}
    steps = {s.indicator_code for s in score.summary.next_steps if s.indicator_code is not None}
    assert gaps | flagged <= steps


def test_a_framework_may_be_built_by_hand_and_scored() -> None:
    scale = tuple(ScaleLevel(value=v, label=f"L{v}") for v in (1, 2, 3, 4))
    framework = Framework(
        id=UUID(int=7), name="Tiny", scale=scale,
        elements=(Element(code="A", name="Alpha", indicators=(Indicator(code="A.1", text="Works"),)),),
    )
    score = score_round(framework, [Response(round_id=ROUND.id, respondent_id=member(1), ratings={"A.1": 3},
                                             submitted_at=NOW)])
    assert (score.mean, score.phase) == (3.0, scale[2])
