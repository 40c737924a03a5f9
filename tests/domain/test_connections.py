"""Connections: stages toward partnering, the four planning questions, and the win/win match score."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.connections import (
    ALLOWED_TRANSITIONS,
    DEFAULT_MATCH_WEIGHTS,
    Connection,
    ConnectionNotPartnered,
    ConnectionStage,
    Interest,
    MatchWeights,
    PartneredIsFinal,
    PlanningQuestionsUnanswered,
    StageSkipped,
    advance_connection,
    levels_compatible,
    match_score,
    rank_matches,
    require_partnered,
    revise_connection,
    validate_connection,
    validate_weights,
)
from api.domain.errors import InvalidInput
from api.domain.partners import Level, Partner, Status
from tests.domain.system_factories import REGIONS, make_partner, reference_catalog, role_catalog
from tests.hypothesis_profiles import examples

USUAL = role_catalog().matrix.usual
ANSWERS = {
    "what_is_possible": "A shared health care pathway for parents",
    "what_is_practical": "Co-enroll the spring cohort",
    "who_can_help": "The college dean and the board director",
    "what_is_next": "Draft an MOU by March",
}


def connection(**fields: object) -> Connection:
    values: dict[str, object] = {"id": uuid4(), "from_partner": uuid4(), "to_partner": uuid4(),
                                 "interest": Interest.PURSUE_PARTNERSHIP}
    values.update(fields)
    return Connection(**values)  # type: ignore[arg-type]


def walk(conn: Connection, *stages: ConnectionStage) -> Connection:
    for stage in stages:
        conn = advance_connection(conn, stage)
    return conn


S = ConnectionStage


# --- connection records ---------------------------------------------------------------------------------


def test_an_organization_cannot_connect_with_itself() -> None:
    me = uuid4()
    with pytest.raises(InvalidInput) as error:
        validate_connection(connection(from_partner=me, to_partner=me))
    assert [p.field for p in error.value.problems] == ["to_partner"]


def test_a_connection_moves_forward_one_stage_at_a_time_and_bumps_its_version() -> None:
    conn = walk(connection(**ANSWERS), S.CONTACTED, S.EXPLORING, S.PLANNING, S.PARTNERED)
    assert (conn.stage, conn.version) == (S.PARTNERED, 5)


def test_skipping_a_stage_is_refused() -> None:
    with pytest.raises(StageSkipped) as error:
        advance_connection(connection(), S.EXPLORING)
    assert "'interest_defined'; it moves to 'contacted' before 'exploring'" in error.value.detail


def test_a_stalled_connection_may_step_back_one_stage_but_not_two() -> None:
    planning = walk(connection(), S.CONTACTED, S.EXPLORING, S.PLANNING)
    assert advance_connection(planning, S.EXPLORING).stage is S.EXPLORING
    with pytest.raises(StageSkipped):
        advance_connection(planning, S.CONTACTED)


def test_moving_to_the_stage_it_is_at_changes_nothing() -> None:
    conn = connection()
    assert advance_connection(conn, S.INTEREST_DEFINED) is conn


def test_partnering_needs_answers_to_the_four_planning_questions() -> None:
    planning = walk(connection(what_is_possible="A lot", what_is_next="  "), S.CONTACTED, S.EXPLORING, S.PLANNING)
    with pytest.raises(PlanningQuestionsUnanswered) as error:
        advance_connection(planning, S.PARTNERED)
    assert error.value.unanswered == ("what_is_practical", "who_can_help", "what_is_next")


def test_partnered_is_final() -> None:
    partnered = walk(connection(**ANSWERS), S.CONTACTED, S.EXPLORING, S.PLANNING, S.PARTNERED)
    assert ALLOWED_TRANSITIONS[S.PARTNERED] == frozenset()
    with pytest.raises(PartneredIsFinal):
        advance_connection(partnered, S.PLANNING)


def test_only_a_partnered_connection_brings_an_organization_into_a_system() -> None:
    with pytest.raises(ConnectionNotPartnered):
        require_partnered(walk(connection(), S.CONTACTED))
    partnered = walk(connection(**ANSWERS), S.CONTACTED, S.EXPLORING, S.PLANNING, S.PARTNERED)
    assert require_partnered(partnered) is partnered


def test_revising_a_connection_records_answers_and_reads_the_interest() -> None:
    revised = revise_connection(connection(), {"what_is_possible": "  More parents in training  ",
                                               "interest": "connect_target_populations"})
    assert revised.what_is_possible == "More parents in training"
    assert (revised.interest, revised.version) == (Interest.CONNECT_TARGET_POPULATIONS, 2)
    with pytest.raises(InvalidInput) as error:
        revise_connection(connection(), {"interest": "gossip", "stage": "partnered"})
    assert [p.field for p in error.value.problems] == ["stage"]
    with pytest.raises(InvalidInput) as error:
        revise_connection(connection(), {"interest": "gossip"})
    assert [p.field for p in error.value.problems] == ["interest"]


def test_a_partnered_connection_cannot_lose_its_answers() -> None:
    partnered = walk(connection(**ANSWERS), S.CONTACTED, S.EXPLORING, S.PLANNING, S.PARTNERED)
    with pytest.raises(InvalidInput):
        revise_connection(partnered, {"what_is_next": ""})


# --- weights --------------------------------------------------------------------------------------------


def test_the_default_weights_sum_to_100() -> None:
    assert validate_weights(DEFAULT_MATCH_WEIGHTS) is DEFAULT_MATCH_WEIGHTS


def test_weights_that_do_not_sum_to_100_or_go_negative_are_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        validate_weights(MatchWeights(complementary_functions=50))
    assert error.value.problems[0].message == "must sum to 100, not 120"
    with pytest.raises(InvalidInput) as error:
        validate_weights(MatchWeights(complementary_functions=-10, shared_populations=55))
    assert [p.field for p in error.value.problems] == ["weights.complementary_functions"]


# --- the match score ------------------------------------------------------------------------------------


def test_a_board_and_a_college_serving_the_same_people_in_the_same_places_are_a_strong_match() -> None:
    board = make_partner("Willamette WDB", "workforce_agency", populations=("low_income", "english_learner"),
                         regions=("or_portland", "or_salem"))
    college = make_partner("Chemeketa CC", "educational_institution", populations=("low_income",),
                           regions=("or_portland",))
    match = match_score(board, college, USUAL)
    # 13 of their 16 usual functions are carried by one side only: 30 * 13/16 = 24.4; then 15/2 + 15/2 + 10.
    assert match.score == 49
    assert match.complementary_functions == 13 / 16
    assert match.reasons == (
        "Chemeketa CC usually carries assist_financial_aid, design_programs, develop_curricula, link_credit_noncredit, "
        "modularize_curricula, promote_articulation, provide_trainers, which Willamette WDB does not",
        "Willamette WDB usually carries assess_skills, engage_employers, provide_job_placement, "
        "provide_job_search_assistance, provide_labor_market_information, recruit_and_refer, "
        "which Chemeketa CC does not",
        "both serve low_income",
        "both work in or_portland",
        "compatible levels: local",
    )


def test_two_organizations_of_the_same_type_bring_each_other_no_new_functions() -> None:
    a, b = make_partner("A", "community_based_organization"), make_partner("B", "community_based_organization")
    match = match_score(a, b, USUAL)
    assert (match.complementary_functions, match.score) == (0.0, 10)


def test_complementarity_is_halved_when_only_one_side_brings_something_new() -> None:
    board = make_partner("WDB", "workforce_agency")
    econ = make_partner("EDO", "economic_development_agency")
    match = match_score(board, econ, USUAL)
    assert match.complementary_functions == pytest.approx(7 / 9 / 2)
    assert match.score == round(30 * 7 / 18 + 10)


def test_an_organization_of_a_type_without_usual_functions_brings_no_complementarity() -> None:
    odd = make_partner("Odd", "unlisted_type")
    assert match_score(odd, make_partner("WDB", "workforce_agency"), USUAL).complementary_functions == 0.0


@pytest.mark.parametrize(
    ("left", "right", "compatible"),
    [
        (Level.STATE, Level.STATE, True),
        (Level.LOCAL, Level.LOCAL, True),
        (Level.REGIONAL, Level.STATE, True),
        (Level.LOCAL, Level.REGIONAL, True),
        (Level.STATE, Level.LOCAL, False),
    ],
)
def test_levels_are_compatible_when_equal_or_when_one_is_regional(left: Level, right: Level, compatible: bool) -> None:
    assert levels_compatible(left, right) is compatible
    a = replace(make_partner("A", "employer"), level=left)
    b = replace(make_partner("B", "employer"), level=right)
    assert match_score(a, b, USUAL).compatible_level == (1.0 if compatible else 0.0)


def test_an_organization_scores_nothing_against_itself() -> None:
    board = make_partner("WDB", "workforce_agency", populations=("low_income",), regions=("or_salem",))
    match = match_score(board, board, USUAL)
    assert (match.score, match.reasons) == (0, ())


def test_different_weights_change_the_score() -> None:
    a = make_partner("A", "community_based_organization", populations=("veteran",))
    b = make_partner("B", "community_based_organization", populations=("veteran",))
    populations_only = MatchWeights(complementary_functions=0, complementary_assets=0, shared_mission=0,
                                    shared_populations=100, shared_regions=0, compatible_level=0)
    assert match_score(a, b, USUAL, populations_only).score == 100


# --- ranking --------------------------------------------------------------------------------------------


def test_ranking_leaves_out_the_organization_itself_inactive_ones_and_non_matches() -> None:
    board = make_partner("WDB", "workforce_agency", populations=("low_income",))
    college = make_partner("College", "educational_institution", populations=("low_income",))
    closed = replace(make_partner("Closed CBO", "community_based_organization"), status=Status.INACTIVE)
    far = replace(make_partner("State agency", "workforce_agency"), level=Level.STATE)
    ranked = rank_matches(board, [board, college, closed, far], USUAL)
    assert [m.partner.name for m in ranked] == ["College"]


def test_ties_are_ranked_by_name_then_id_and_limit_keeps_the_best() -> None:
    board = make_partner("WDB", "workforce_agency")
    low, high = UUID(int=1), UUID(int=2)
    twins = [make_partner("Twin", "employer", partner_id=high), make_partner("Twin", "employer", partner_id=low),
             make_partner("Alpha", "employer")]
    ranked = rank_matches(board, twins, USUAL)
    assert [(m.partner.name, m.partner.id) for m in ranked[:1]] == [("Alpha", twins[2].id)]
    assert [m.partner.id for m in ranked[1:]] == [low, high]
    assert len(rank_matches(board, twins, USUAL, limit=2)) == 2


# --- properties -----------------------------------------------------------------------------------------

PARTNER_TYPES = sorted(reference_catalog().partner_types)
POPULATIONS = sorted(reference_catalog().populations)[:6]


@st.composite
def partners(draw: st.DrawFn) -> Partner:
    partner = make_partner(
        draw(st.sampled_from(["Alpha", "Beta", "Gamma"])),
        draw(st.sampled_from(PARTNER_TYPES)),
        populations=tuple(draw(st.lists(st.sampled_from(POPULATIONS), max_size=4, unique=True))),
        regions=tuple(draw(st.lists(st.sampled_from(REGIONS), max_size=3, unique=True))),
    )
    return replace(partner, level=draw(st.sampled_from(list(Level))))


@settings(max_examples=examples(300), deadline=None)
@given(partners(), partners())
def test_the_match_score_is_symmetric_and_between_0_and_100(a: Partner, b: Partner) -> None:
    forward, backward = match_score(a, b, USUAL), match_score(b, a, USUAL)
    assert forward == backward
    assert 0 <= forward.score <= 100


@settings(max_examples=examples(200), deadline=None)
@given(partners())
def test_an_organization_never_matches_itself(a: Partner) -> None:
    assert match_score(a, a, USUAL).score == 0
    assert match_score(a, replace(a, name="Copy"), USUAL).score == 0  # the same organization, renamed


@settings(max_examples=examples(200), deadline=None)
@given(partners(), st.lists(partners(), max_size=6), st.data())
def test_ranking_never_includes_the_organization_itself_and_ignores_input_order(
    me: Partner, others: list[Partner], data: st.DataObject
) -> None:
    candidates = [*others, me]
    ranked = rank_matches(me, candidates, USUAL, min_score=0)
    assert me.id not in {m.partner.id for m in ranked}
    assert len(ranked) == len({p.id for p in others})
    assert rank_matches(me, data.draw(st.permutations(candidates)), USUAL, min_score=0) == ranked
    scores = [m.match.score for m in ranked]
    assert scores == sorted(scores, reverse=True)
