"""The seeds' partnership rules, each tried in the situation the seed describes (issue 21's twelve findings)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.agreements import AgreementStatus, AgreementType, completeness, incomplete_agreements
from api.domain.analysis import GAP_RULES
from api.domain.connections import match_score, rank_matches
from api.domain.errors import InvalidInput
from api.domain.gaps import Gap, GapContext, GapKind, Severity, analyse_gaps, support_service_gaps
from api.domain.partners import Level, Partner, Status
from api.domain.relationships import (
    NotALocalSystemOfIt,
    SystemHasLocalSystems,
    check_links_kept,
    check_state_system,
    confirm_relationship,
    current_confirmations,
    require_local_system_of,
    working_relationship_gaps,
)
from api.domain.suggestions import suggest_leads
from api.domain.systems import (
    SEED_CHART,
    CareerPathwaysSystem,
    LinkedSystem,
    Member,
    NotAMember,
    PartnerRetired,
    StaffSession,
    StaffSessionKind,
    Strength,
    SystemLevel,
    SystemState,
    Team,
    WorkingRelationship,
    add_member,
    assign_role,
    correct_review,
    create_system,
    record_review,
    record_vision_review,
    revise_system,
    role_catalog_from_dicts,
    set_intermediary,
    validate_system,
)
from api.domain.team import (
    record_staff_session,
    retired_partner_gaps,
    shared_vision_gaps,
    staff_training_gaps,
    team_list_gaps,
    team_review,
    vision_review_gaps,
)
from tests.domain.agreement_factories import make_agreement
from tests.domain.system_factories import (
    TODAY,
    gap_context,
    join,
    load_json,
    make_partner,
    make_service,
    make_system,
    reference_catalog,
    role_catalog,
)

CATALOG = role_catalog()
STATE_ID = UUID(int=0x5)


def system_of(*partners: Partner, **fields: object) -> SystemState:
    state = create_system(make_system(**fields), reference_catalog())
    for partner in partners:
        member = Member(partner_id=partner.id, representative=f"Rep of {partner.name}")
        state = add_member(state, member, partner_type=partner.partner_type)
    return state


def local_system(*partners: Partner, **fields: object) -> SystemState:
    values: dict[str, object] = {"level": SystemLevel.LOCAL, "state_system_id": STATE_ID}
    values.update(fields)
    state = system_of(*partners, **values)
    state_system = LinkedSystem(id=STATE_ID, name="Oregon Pathways", level=SystemLevel.STATE,
                                jurisdiction=state.system.jurisdiction,
                                working_relationship=WorkingRelationship.SHARED)
    return replace(state, state_system=state_system if state.system.state_system_id else None)


def lead(state: SystemState, partner: Partner, function: str) -> SystemState:
    new, _ = assign_role(state, CATALOG, partner_id=partner.id, function=function, strength=Strength.LEAD)
    return new


def retire(state: SystemState, partner: Partner) -> tuple[SystemState, Partner]:
    """The partner is retired in the directory after it took its place in the system."""
    return (replace(state, partner_statuses={**state.partner_statuses, partner.id: Status.RETIRED}),
            replace(partner, status=Status.RETIRED))


def by_subject(gaps: list[Gap] | tuple[Gap, ...] | object, kind: GapKind) -> dict[str, Gap]:
    assert isinstance(gaps, list | tuple)
    return {g.subject: g for g in gaps if g.kind is kind}


def run(rule, state: SystemState, partners: list[Partner], **extras: object) -> list[Gap]:  # type: ignore[no-untyped-def]
    return analyse_gaps(gap_context(state, partners, **extras), (rule,))


BOARD = make_partner("Willamette WDB", "workforce_agency")
COLLEGE = make_partner("Chemeketa CC", "educational_institution")
EMPLOYER = make_partner("Salem Health", "employer")


# --- 1. the state/local working relationship ------------------------------------------------------------


def test_local_system_run_by_state_direction_without_an_agreement_has_a_relationship_gap() -> None:
    state = local_system(BOARD, working_relationship=WorkingRelationship.STATE_DIRECTED)
    gaps = by_subject(run(working_relationship_gaps, state, [BOARD], agreements=[]), GapKind.WORKING_RELATIONSHIP)
    assert gaps["formalization"].severity is Severity.HIGH
    assert "'state_directed'" in gaps["formalization"].explanation
    shared = local_system(BOARD, working_relationship=WorkingRelationship.SHARED)
    gaps = by_subject(run(working_relationship_gaps, shared, [BOARD], agreements=[]), GapKind.WORKING_RELATIONSHIP)
    assert gaps["formalization"].severity is Severity.MEDIUM


def test_an_mou_recording_local_direction_for_a_state_directed_system_is_a_contradiction() -> None:
    state = local_system(BOARD, COLLEGE, working_relationship=WorkingRelationship.STATE_DIRECTED)
    mou = make_agreement(state.system.id, (BOARD.id, COLLEGE.id), type=AgreementType.STATE_LOCAL_MOU,
                         title="Valley state/local MOU", working_relationship=WorkingRelationship.LOCALLY_DIRECTED)
    gaps = by_subject(run(working_relationship_gaps, state, [BOARD, COLLEGE], agreements=[mou]),
                      GapKind.WORKING_RELATIONSHIP)
    assert "formalization" not in gaps
    contradiction = gaps["agreement:Valley state/local MOU"]
    assert contradiction.severity is Severity.HIGH
    assert contradiction.figures["agreement_relationship"] == "locally_directed"
    agreed = replace(mou, working_relationship=WorkingRelationship.STATE_DIRECTED)
    gaps = by_subject(run(working_relationship_gaps, state, [BOARD, COLLEGE], agreements=[agreed]),
                      GapKind.WORKING_RELATIONSHIP)
    assert not [s for s in gaps if s.startswith("agreement:")]


def test_an_agreement_that_is_not_in_force_does_not_formalize_the_relationship() -> None:
    state = local_system(BOARD, COLLEGE)
    draft = make_agreement(state.system.id, (BOARD.id, COLLEGE.id), status=AgreementStatus.DRAFT, signed_on=None,
                           working_relationship=WorkingRelationship.SHARED)
    gaps = by_subject(run(working_relationship_gaps, state, [BOARD, COLLEGE], agreements=[draft]),
                      GapKind.WORKING_RELATIONSHIP)
    assert "formalization" in gaps


def test_roles_not_confirmed_at_both_levels_are_a_gap_until_state_and_local_confirm_them() -> None:
    state = local_system(BOARD)
    gap = by_subject(run(working_relationship_gaps, state, [BOARD]), GapKind.WORKING_RELATIONSHIP)["confirmation"]
    assert gap.figures["unconfirmed_levels"] == "state and local"
    assert "'Oregon Pathways'" in gap.explanation
    state = confirm_relationship(state, level=SystemLevel.LOCAL, confirmed_on=date(2025, 5, 2),
                                 confirmed_by="Local chair", today=TODAY)
    gap = by_subject(run(working_relationship_gaps, state, [BOARD]), GapKind.WORKING_RELATIONSHIP)["confirmation"]
    assert (gap.figures["unconfirmed_levels"], gap.figures["local_confirmed_by"]) == ("state", "Local chair")
    state = confirm_relationship(state, level=SystemLevel.STATE, confirmed_on=date(2025, 5, 9),
                                 confirmed_by="State coordinator", today=TODAY)
    assert "confirmation" not in by_subject(run(working_relationship_gaps, state, [BOARD]),
                                            GapKind.WORKING_RELATIONSHIP)
    assert [c.level for c in state.system.relationship_confirmations] == [SystemLevel.STATE, SystemLevel.LOCAL]


def test_a_confirmation_no_longer_holds_once_the_system_records_another_relationship() -> None:
    state = local_system(BOARD)
    for level in (SystemLevel.LOCAL, SystemLevel.STATE):
        state = confirm_relationship(state, level=level, confirmed_on=date(2025, 5, 2), confirmed_by="Chair",
                                     today=TODAY)
    assert set(current_confirmations(state.system)) == {SystemLevel.LOCAL, SystemLevel.STATE}
    moved = replace(state, system=revise_system(
        state.system, {"working_relationship": WorkingRelationship.STATE_DIRECTED}, reference_catalog()))
    assert current_confirmations(moved.system) == {}
    gap = by_subject(run(working_relationship_gaps, moved, [BOARD]), GapKind.WORKING_RELATIONSHIP)["confirmation"]
    assert gap.figures["unconfirmed_levels"] == "state and local"


def test_a_confirmation_is_dated_by_whom_and_never_in_the_future() -> None:
    state = local_system(BOARD)
    with pytest.raises(InvalidInput) as error:
        confirm_relationship(state, level=SystemLevel.LOCAL, confirmed_on=date(2025, 6, 2), confirmed_by=" ",
                             today=TODAY)
    assert {p.field for p in error.value.problems} == {"confirmed_by", "confirmed_on"}


def test_the_state_level_confirms_only_once_a_state_system_is_named_and_only_its_own_locals() -> None:
    unlinked = local_system(BOARD, state_system_id=None)
    with pytest.raises(InvalidInput):
        confirm_relationship(unlinked, level=SystemLevel.STATE, confirmed_on=TODAY, confirmed_by="X", today=TODAY)
    gaps = by_subject(run(working_relationship_gaps, unlinked, [BOARD]), GapKind.WORKING_RELATIONSHIP)
    assert gaps["state_system"].severity is Severity.LOW and "confirmation" not in gaps
    state_system = system_of(level=SystemLevel.STATE)
    with pytest.raises(NotALocalSystemOfIt):
        require_local_system_of(state_system, local_system(BOARD))
    with pytest.raises(InvalidInput):
        confirm_relationship(state_system, level=SystemLevel.LOCAL, confirmed_on=TODAY, confirmed_by="X",
                             today=TODAY)


def test_a_local_system_names_a_state_level_system_of_its_own_state() -> None:
    state_system = make_system(level=SystemLevel.STATE)
    local = make_system(level=SystemLevel.LOCAL, state_system_id=state_system.id)
    check_state_system(local, state_system)
    with pytest.raises(InvalidInput):
        check_state_system(local, replace(state_system, level=SystemLevel.LOCAL))
    with pytest.raises(InvalidInput):
        check_state_system(local, replace(state_system, jurisdiction=replace(state_system.jurisdiction, state="WA")))
    with pytest.raises(InvalidInput):
        check_state_system(local, None)
    with pytest.raises(InvalidInput) as error:
        validate_system(replace(state_system, state_system_id=uuid4()), reference_catalog())
    assert error.value.problems[0].message == "only a local system answers to a state system"


def test_a_state_system_that_local_systems_answer_to_stays_a_state_system_in_its_state() -> None:
    state_system = system_of(level=SystemLevel.STATE)
    linked = LinkedSystem(id=uuid4(), name="Valley", level=SystemLevel.LOCAL,
                          jurisdiction=state_system.system.jurisdiction,
                          working_relationship=WorkingRelationship.SHARED)
    state_system = replace(state_system, local_systems=(linked,))
    with pytest.raises(SystemHasLocalSystems):
        check_links_kept(state_system, replace(state_system.system, level=SystemLevel.LOCAL))
    check_links_kept(state_system, replace(state_system.system, name="Renamed"))


def test_a_state_system_has_no_relationship_gaps_of_its_own() -> None:
    state = system_of(BOARD, level=SystemLevel.STATE, working_relationship=WorkingRelationship.STATE_DIRECTED)
    assert run(working_relationship_gaps, state, [BOARD], agreements=[]) == []


# --- 2. retired partners --------------------------------------------------------------------------------


def test_a_retired_partner_is_given_no_new_role_and_is_not_made_intermediary() -> None:
    state, _ = retire(system_of(BOARD, COLLEGE), COLLEGE)
    with pytest.raises(PartnerRetired):
        assign_role(state, CATALOG, partner_id=COLLEGE.id, function="design_programs", strength=Strength.SUPPORT)
    with pytest.raises(PartnerRetired):
        set_intermediary(state, CATALOG, COLLEGE.id)
    assert set_intermediary(state, CATALOG, BOARD.id).system.intermediary_id == BOARD.id


def test_a_retired_partner_does_not_join_a_system() -> None:
    with pytest.raises(PartnerRetired):
        add_member(system_of(), Member(partner_id=COLLEGE.id, representative="Dean"),
                   partner_type="educational_institution", status=Status.RETIRED)


def test_a_retired_organization_still_leading_core_functions_raises_a_critical_gap_on_each() -> None:
    state = lead(lead(system_of(BOARD, COLLEGE), COLLEGE, "design_programs"), COLLEGE, "promote_articulation")
    before = analyse_gaps(gap_context(state, [BOARD, COLLEGE]), GAP_RULES)
    state, college = retire(state, COLLEGE)
    gaps = by_subject(run(retired_partner_gaps, state, [BOARD, college]), GapKind.RETIRED_PARTNER)
    assert gaps["design_programs"].severity is Severity.CRITICAL
    assert gaps["promote_articulation"].severity is Severity.MEDIUM  # not a core function
    assert "Chemeketa CC is retired" in gaps["design_programs"].explanation
    assert analyse_gaps(gap_context(state, [BOARD, college]), GAP_RULES) != before


def test_a_retired_intermediary_is_a_high_gap_and_its_coordination_lead_a_critical_one() -> None:
    state = set_intermediary(system_of(BOARD, COLLEGE), CATALOG, BOARD.id)
    state, board = retire(state, BOARD)
    gaps = by_subject(run(retired_partner_gaps, state, [board, COLLEGE]), GapKind.RETIRED_PARTNER)
    assert gaps["intermediary"].severity is Severity.HIGH
    assert gaps["coordinate_collaboration"].severity is Severity.CRITICAL


def test_a_retired_member_holding_no_role_is_a_low_gap_and_the_review_lists_it() -> None:
    state, college = retire(system_of(BOARD, COLLEGE), COLLEGE)
    gaps = by_subject(run(retired_partner_gaps, state, [BOARD, college]), GapKind.RETIRED_PARTNER)
    assert gaps["Chemeketa CC"].severity is Severity.LOW
    review = team_review(gap_context(state, [BOARD, college]))
    assert review.retired_members == (COLLEGE.id,)
    assert GapKind.RETIRED_PARTNER in {g.kind for g in review.gaps}


# --- 3. the periodic review -----------------------------------------------------------------------------


def test_a_review_finds_an_unserved_target_population_and_six_unled_core_functions() -> None:
    state = system_of(BOARD, target_populations=("disability",))
    review = team_review(gap_context(state, [BOARD]))
    kinds = {g.kind for g in review.gaps}
    assert {GapKind.UNSERVED_POPULATION, GapKind.UNCOVERED_FUNCTION, GapKind.TEAM_COMPOSITION} <= kinds
    unled = by_subject(review.gaps, GapKind.UNCOVERED_FUNCTION)
    assert len(unled) >= 6 and all(CATALOG.functions[f].core for f in unled)
    assert "disability" in by_subject(review.gaps, GapKind.UNSERVED_POPULATION)


def test_a_review_dated_in_the_future_is_refused_and_cannot_push_the_next_one_years_ahead() -> None:
    state = system_of(last_reviewed_on=date(2025, 1, 1))
    with pytest.raises(InvalidInput) as error:
        record_review(state, date(2030, 1, 1), today=TODAY)
    assert "future" in error.value.problems[0].message
    with pytest.raises(InvalidInput):
        create_system(make_system(last_reviewed_on=date(2030, 1, 1)), reference_catalog(), today=TODAY)


def test_a_mistaken_review_is_corrected_with_a_reason_and_never_into_the_future() -> None:
    state = record_review(system_of(last_reviewed_on=None), date(2025, 5, 30), today=TODAY)
    corrected = correct_review(state, date(2024, 5, 30), today=TODAY, reason="typed the wrong year")
    assert corrected.system.last_reviewed_on == date(2024, 5, 30)
    assert corrected.system.version == state.system.version + 1
    assert correct_review(corrected, None, today=TODAY, reason="never held").system.last_reviewed_on is None
    with pytest.raises(InvalidInput):
        correct_review(state, date(2024, 5, 30), today=TODAY, reason="  ")
    with pytest.raises(InvalidInput):
        correct_review(state, date(2026, 1, 1), today=TODAY, reason="oops")
    with pytest.raises(InvalidInput) as error:
        record_review(state, date(2024, 1, 1), today=TODAY)
    assert "correct it instead" in error.value.problems[0].message


def test_a_party_to_an_agreement_in_force_that_left_the_team_lists_is_missing_from_them() -> None:
    state = system_of(BOARD, COLLEGE)
    mou = make_agreement(state.system.id, (BOARD.id, EMPLOYER.id), title="Valley MOU")
    gaps = by_subject(run(team_list_gaps, state, [BOARD, COLLEGE], agreements=[mou]), GapKind.TEAM_LIST)
    assert list(gaps) == [str(EMPLOYER.id)]
    assert gaps[str(EMPLOYER.id)].severity is Severity.MEDIUM
    review = team_review(gap_context(state, [BOARD, COLLEGE], agreements=[mou]))
    assert str(EMPLOYER.id) in by_subject(review.gaps, GapKind.TEAM_LIST)


def test_the_lead_of_a_core_function_seated_on_the_operations_team_is_missing_from_the_leadership_list() -> None:
    state = join(system_of(BOARD), EMPLOYER, Team.OPERATIONS)
    state = lead(state, EMPLOYER, "provide_employment")
    gaps = by_subject(run(team_list_gaps, state, [BOARD, EMPLOYER]), GapKind.TEAM_LIST)
    assert gaps["Salem Health"].severity is Severity.LOW
    assert "provide_employment" in gaps["Salem Health"].explanation


# --- 4. team composition --------------------------------------------------------------------------------


def test_a_team_without_economic_development_human_services_or_community_organizations_is_told_at_lower_severity(
) -> None:
    state = system_of(BOARD, COLLEGE, EMPLOYER)
    gaps = by_subject(analyse_gaps(gap_context(state, [BOARD, COLLEGE, EMPLOYER])), GapKind.TEAM_COMPOSITION)
    recommended = {"economic_development_agency", "human_services_agency", "community_based_organization"}
    assert recommended <= set(gaps)
    assert all(gaps[t].severity is Severity.MEDIUM and gaps[t].figures["tier"] == "recommended"
               for t in recommended)
    assert not {"workforce_agency", "educational_institution", "employer"} & set(gaps)


def test_every_team_requirement_says_where_it_comes_from_and_the_older_shape_is_read_as_essential() -> None:
    assert all(r.source for r in CATALOG.team_requirements)
    assert {r.tier for r in CATALOG.team_requirements} == {"essential", "recommended"}
    team = {"leadership_team": ["employer"], "intermediary_function": "coordinate_collaboration"}
    older = role_catalog_from_dicts(load_json("functions.json"), load_json("role_matrix.json"), {}, {}, team)
    assert [(r.partner_type, r.tier, r.severity) for r in older.team_requirements] == [("employer", "essential",
                                                                                        "high")]
    with pytest.raises(InvalidInput):
        role_catalog_from_dicts(load_json("functions.json"), load_json("role_matrix.json"), {}, {},
                                {"leadership_team": [{"partner_type": "employer", "tier": "vital"}]})


# --- 5. the intermediary champions the system -----------------------------------------------------------


def test_with_an_intermediary_in_place_the_report_does_not_ask_for_a_champion() -> None:
    state = system_of(BOARD, COLLEGE)
    assert "champion_system" in by_subject(analyse_gaps(gap_context(state, [BOARD, COLLEGE])),
                                           GapKind.UNCOVERED_FUNCTION)
    gap = by_subject(analyse_gaps(gap_context(state, [BOARD, COLLEGE])), GapKind.UNCOVERED_FUNCTION)
    assert gap["champion_system"].recommendation.startswith("Designate an intermediary")
    state = set_intermediary(state, CATALOG, BOARD.id)
    ctx = gap_context(state, [BOARD, COLLEGE])
    assert ctx.champion() == BOARD.id
    assert "champion_system" not in by_subject(analyse_gaps(ctx), GapKind.UNCOVERED_FUNCTION)
    assert "champion_system" not in {s.function for s in suggest_leads(state, CATALOG, {}, {}, set())}


def test_the_system_may_hand_the_champion_role_to_another_member() -> None:
    state = set_intermediary(system_of(BOARD, COLLEGE), CATALOG, BOARD.id)
    state = lead(state, COLLEGE, "champion_system")
    review = team_review(gap_context(state, [BOARD, COLLEGE]))
    assert review.champion_id == COLLEGE.id


# --- 6. shared vision and mission -----------------------------------------------------------------------


def test_a_team_without_a_shared_vision_and_mission_has_gaps() -> None:
    state = system_of(vision="", mission="", goals=())
    gaps = by_subject(run(shared_vision_gaps, state, []), GapKind.SHARED_VISION)
    assert {s: g.severity for s, g in gaps.items()} == {
        "vision": Severity.MEDIUM, "mission": Severity.MEDIUM, "goals": Severity.LOW}
    assert run(vision_review_gaps, state, []) == []  # nothing to revisit yet
    filled = system_of(vision="Every worker on a pathway", mission="Align training and jobs", goals=("Grow",))
    assert run(shared_vision_gaps, filled, []) == []


def test_a_vision_not_revisited_within_its_cadence_is_overdue() -> None:
    state = system_of(vision="A", mission="B", vision_revisited_on=date(2024, 4, 1), vision_review_cadence_months=12)
    gap = by_subject(run(vision_review_gaps, state, []), GapKind.VISION_REVIEW)["vision_review"]
    assert gap.figures == {"due_on": "2025-04-01", "days_overdue": 61}
    never = system_of(vision="A", mission="B")
    assert "never" in run(vision_review_gaps, never, [])[0].explanation
    revisited = record_vision_review(state, date(2025, 5, 20), today=TODAY)
    assert run(vision_review_gaps, revisited, []) == []
    with pytest.raises(InvalidInput):
        record_vision_review(state, date(2025, 7, 1), today=TODAY)


def test_revising_the_vision_or_mission_counts_as_revisiting_them() -> None:
    system = make_system(vision="Old", mission="M")
    assert revise_system(system, {"vision": "New"}, reference_catalog(), today=TODAY).vision_revisited_on == TODAY
    assert revise_system(system, {"name": "Renamed"}, reference_catalog(), today=TODAY).vision_revisited_on is None
    created = create_system(make_system(vision="V"), reference_catalog(), today=TODAY)
    assert created.system.vision_revisited_on == TODAY


# --- 7. informing and training staff across agencies ----------------------------------------------------


def session(state: SystemState, *agencies: Partner, held_on: date = date(2025, 3, 1),
            kind: StaffSessionKind = StaffSessionKind.TRAINING) -> StaffSession:
    return StaffSession(id=uuid4(), system_id=state.system.id, held_on=held_on, kind=kind,
                        topic="The career pathways system", level=SystemLevel.LOCAL,
                        agencies=tuple(a.id for a in agencies))


def test_member_agencies_whose_staff_were_never_informed_or_trained_together_are_gaps() -> None:
    state = system_of(BOARD, COLLEGE, EMPLOYER)
    gaps = by_subject(run(staff_training_gaps, state, [BOARD, COLLEGE, EMPLOYER]), GapKind.STAFF_TRAINING)
    assert gaps["staff_informed"].figures["agencies_not_reached"] == 3
    assert "joint_training" in gaps
    informed = replace(state, staff_sessions=(session(state, BOARD, kind=StaffSessionKind.INFORMATION),))
    gaps = by_subject(run(staff_training_gaps, informed, [BOARD, COLLEGE, EMPLOYER]), GapKind.STAFF_TRAINING)
    assert gaps["staff_informed"].explanation.endswith("Chemeketa CC, Salem Health.")
    assert "joint_training" in gaps


def test_training_several_agencies_staff_together_within_the_period_closes_both_gaps() -> None:
    state = system_of(BOARD, COLLEGE)
    trained = replace(state, staff_sessions=(session(state, BOARD, COLLEGE),))
    assert run(staff_training_gaps, trained, [BOARD, COLLEGE]) == []


def test_a_training_older_than_the_configured_period_no_longer_counts() -> None:
    state = system_of(BOARD, COLLEGE)
    trained = replace(state, staff_sessions=(session(state, BOARD, COLLEGE, held_on=date(2024, 3, 1)),))
    gaps = by_subject(run(staff_training_gaps, trained, [BOARD, COLLEGE]), GapKind.STAFF_TRAINING)
    assert gaps["joint_training"].figures == {"period_months": 12, "last_joint_training_on": "2024-03-01"}
    ctx = replace(gap_context(trained, [BOARD, COLLEGE]), staff_period_months=24)
    assert analyse_gaps(ctx, (staff_training_gaps,)) == []


def test_a_staff_session_names_members_only_and_is_not_dated_in_the_future() -> None:
    state = system_of(BOARD, COLLEGE)
    assert record_staff_session(state, session(state, BOARD), today=TODAY).agencies == (BOARD.id,)
    with pytest.raises(NotAMember):
        record_staff_session(state, session(state, BOARD, EMPLOYER), today=TODAY)
    with pytest.raises(InvalidInput) as error:
        record_staff_session(state, replace(session(state, BOARD, BOARD, held_on=date(2026, 1, 1)), topic=""),
                             today=TODAY)
    assert {p.field for p in error.value.problems} == {"held_on", "topic", "agencies[1]"}


# --- 8. support services with capacity ------------------------------------------------------------------


def test_a_provider_with_no_capacity_does_not_meet_a_support_need() -> None:
    cbo = make_partner("Family Building Blocks", "community_based_organization")
    state = system_of(cbo, target_populations=("single_parent",))
    services = [make_service(cbo, "child_care", capacity=0), make_service(cbo, "transportation"),
                make_service(cbo, "financial_aid", capacity=10)]
    gaps = by_subject(analyse_gaps(gap_context(state, [cbo], services), (support_service_gaps,)),
                      GapKind.SUPPORT_SERVICE)
    assert list(gaps) == ["child_care"]
    assert gaps["child_care"].figures["services_without_capacity"] == 1
    assert "with capacity" in gaps["child_care"].explanation


def test_support_capacity_is_shown_against_the_size_of_the_target_population_where_both_are_known() -> None:
    cbo = make_partner("Family Building Blocks", "community_based_organization")
    state = system_of(cbo, target_populations=("single_parent",), target_population_sizes={"single_parent": 900},
                      regions=())
    services = [make_service(cbo, "child_care", capacity=120), make_service(cbo, "child_care", capacity=80),
                make_service(cbo, "transportation", capacity=2000), make_service(cbo, "financial_aid")]
    gaps = [g for g in analyse_gaps(gap_context(state, [cbo], services), (support_service_gaps,))]
    short = by_subject(gaps, GapKind.SUPPORT_SERVICE)
    assert list(short) == ["child_care"]
    assert short["child_care"].severity is Severity.LOW
    assert (short["child_care"].figures["capacity"], short["child_care"].figures["population_size"]) == (200, 900)


def test_population_sizes_are_whole_numbers_of_a_target_population() -> None:
    with pytest.raises(InvalidInput) as error:
        validate_system(make_system(target_populations=("youth",), target_population_sizes={"youth": -1, "veteran": 3}),
                        reference_catalog())
    assert {p.field for p in error.value.problems} == {"target_population_sizes.youth",
                                                       "target_population_sizes.veteran"}
    system = make_system(target_populations=("youth", "veteran"), target_population_sizes={"youth": 5, "veteran": 3})
    assert revise_system(system, {"target_populations": ("youth",)},
                         reference_catalog()).target_population_sizes == {"youth": 5}


# --- 9. the seed's role chart ---------------------------------------------------------------------------

# The chart of seed 001, transcribed: partner type -> the labels of its common roles.
SEED_001_CHART = {
    "workforce_agency": ["Provide labor market information", "Engage employers", "Recruit and make referrals",
                         "Provide support services", "Assess skills", "Provide job search assistance",
                         "Provide job placement services"],
    "educational_institution": ["Design programs", "Develop curricula", "Chunk and modularize curricula",
                                "Create links between credit and non-credit",
                                "Promote portability through articulation agreements", "Provide support services",
                                "Assist with financial aid"],
    "economic_development_agency": ["Provide labor market information", "Engage employers"],
    "human_services_agency": ["Recruit and make referrals", "Provide support services", "Engage employers"],
    "community_based_organization": ["Recruit and make referrals", "Engage employers", "Provide support services"],
    "employer": ["Develop curricula", "Provide trainers/faculty", "Provide training facilities and equipment",
                 "Provide employment/internships"],
}


def test_the_role_matrix_keeps_the_seeds_chart_exactly() -> None:
    chart = CATALOG.matrix.seed_chart()
    names = {t: sorted(CATALOG.functions[f].name for f in fs) for t, fs in chart.usual.items()}
    assert names == {t: sorted(labels) for t, labels in SEED_001_CHART.items()}
    for partner_type, functions in chart.usual.items():
        assert all(CATALOG.matrix.source_of(partner_type, f) == SEED_CHART for f in functions)


def test_every_project_addition_to_the_chart_names_its_source() -> None:
    additions = CATALOG.matrix.sources
    assert additions and all(source.startswith("project:") for source in additions.values())
    assert additions[("educational_institution", "provide_trainers")].startswith("project:")
    assert ("workforce_agency", "champion_system") in additions
    assert "provide_trainers" in CATALOG.matrix.usual_for("educational_institution")
    assert "provide_trainers" not in CATALOG.matrix.seed_chart().usual_for("educational_institution")


def test_an_addition_without_a_source_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        role_catalog_from_dicts(load_json("functions.json"), {
            "seed_chart": {"rows": {"employer": ["provide_employment"]}},
            "project_additions": [{"partner_type": "employer", "functions": ["engage_employers"]}],
        }, {}, {}, {})
    assert error.value.problems[0].message == "an addition to the seed's chart names its source"


# --- 10. agreements judged by the checklist of their kind -----------------------------------------------


def test_a_partnership_mou_is_judged_by_the_seeds_checklist_and_every_item_names_its_source() -> None:
    checklists = CATALOG.agreement_checklists
    assert set(checklists) == {"mou", "state_local_mou", "one_stop_mou"}
    assert all(item.source for c in checklists.values() for item in c.items)
    assert [i.code for i in checklists["state_local_mou"].items] == [
        "parties", "roles_and_responsibilities", "working_relationship", "resources_and_funding",
        "review_and_amendment"]
    mou = make_agreement(uuid4(), (BOARD.id, COLLEGE.id), contents=frozenset({"parties"}))
    found = completeness(mou, checklists)
    assert found.checklist == "Partnership MOU" and "cost_sharing" not in {i.code for i in found.missing}


def test_an_incomplete_agreement_in_force_is_a_gap_but_a_draft_or_a_contract_is_not() -> None:
    state = system_of(BOARD, COLLEGE)
    one_stop = make_agreement(state.system.id, (BOARD.id, COLLEGE.id), type=AgreementType.ONE_STOP_MOU,
                              title="One-stop MOU", contents=frozenset({"cost_sharing"}))
    draft = make_agreement(state.system.id, (BOARD.id, COLLEGE.id), title="Draft MOU",
                           status=AgreementStatus.DRAFT, signed_on=None)
    contract = make_agreement(state.system.id, (BOARD.id,), type=AgreementType.CONTRACT, title="Contract")
    gaps = by_subject(run(incomplete_agreements, state, [BOARD, COLLEGE], agreements=[one_stop, draft, contract]),
                      GapKind.AGREEMENT_COMPLETENESS)
    assert list(gaps) == ["One-stop MOU"]
    assert gaps["One-stop MOU"].severity is Severity.HIGH


# --- 11. the win/win --------------------------------------------------------------------------------------


def employer(name: str, mission: str, assets: str, limitations: str) -> Partner:
    return replace(make_partner(name, "employer", populations=("general_public",), regions=("or_salem",)),
                   description=mission, assets=assets, limitations=limitations)


def test_three_employers_of_one_type_no_longer_tie_when_their_missions_assets_and_limitations_differ() -> None:
    college = replace(
        make_partner("Chemeketa CC", "educational_institution", populations=("general_public", "low_income"),
                     regions=("or_salem",)),
        description="Train the region's health care and manufacturing workforce.",
        assets="Instructors, curriculum design, financial aid.",
        limitations="No clinical training sites; few paid internships; no equipment.")
    employers = [
        employer("Salem Health", "Grow the region's health care workforce.", "Clinical training sites, paid "
                 "internships, employment.", "No curriculum design."),
        employer("Mill Creek Manufacturing", "Build precision parts.", "Equipment, apprenticeship, employment.",
                 "No instructors."),
        employer("Santiam Timber", "Keep rural jobs.", "Employment.", "No training facilities."),
    ]
    ranked = rank_matches(college, employers, CATALOG.matrix.usual, universal_populations=("general_public",))
    scores = [m.match.score for m in ranked]
    assert len(set(scores)) == 3 and ranked[0].partner.name == "Salem Health"
    assert len({m.match.reasons for m in ranked}) == 3
    top = ranked[0].match
    assert "Salem Health brings clinical, internship, paid, site, training, which Chemeketa CC lacks" in top.reasons
    assert "Chemeketa CC brings curriculum, design, which Salem Health lacks" in top.reasons
    assert any(r.startswith("both missions speak of") for r in top.reasons)


def test_a_shared_general_public_population_is_no_overlap() -> None:
    a = make_partner("A", "employer", populations=("general_public",))
    b = make_partner("B", "workforce_agency", populations=("general_public",))
    assert match_score(a, b, CATALOG.matrix.usual, universal_populations=("general_public",)).shared_populations == 0
    assert match_score(a, b, CATALOG.matrix.usual).shared_populations == 1.0
    assert reference_catalog().populations["general_public"].universal


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["training", "child care", "equipment", "instructors", "transportation",
                                 "employment", "housing"]), max_size=4),
       st.lists(st.sampled_from(["training", "child care", "equipment", "instructors", "transportation",
                                 "employment", "housing"]), max_size=4),
       st.sampled_from(list(Level)), st.sampled_from(list(Level)))
def test_the_win_win_stays_symmetric_and_in_range_with_assets_and_limitations(
    assets: list[str], limitations: list[str], left: Level, right: Level,
) -> None:
    a = replace(make_partner("A", "employer"), assets=", ".join(assets), limitations=", ".join(limitations),
                level=left, description="Grow jobs")
    b = replace(make_partner("B", "educational_institution"), assets=", ".join(limitations),
                limitations=", ".join(assets), level=right, description="Grow skills")
    forward, backward = match_score(a, b, CATALOG.matrix.usual), match_score(b, a, CATALOG.matrix.usual)
    assert forward == backward and 0 <= forward.score <= 100
    assert 0.0 <= forward.complementary_assets <= 1.0


# --- every new rule: deterministic ----------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_new_rules_report_the_same_gaps_whatever_the_order_of_members_roles_and_sessions(
    rnd: random.Random,
) -> None:
    partners = [BOARD, COLLEGE, EMPLOYER, make_partner("Valley CBO", "community_based_organization")]
    state = local_system(*partners, working_relationship=WorkingRelationship.STATE_DIRECTED)
    state = lead(lead(set_intermediary(state, CATALOG, BOARD.id), COLLEGE, "design_programs"), EMPLOYER,
                 "provide_employment")
    state, retired_college = retire(state, COLLEGE)
    state = replace(state, staff_sessions=(session(state, BOARD, EMPLOYER), session(state, BOARD,
                                                                                   held_on=date(2023, 1, 1))))
    people = [BOARD, retired_college, EMPLOYER, partners[3]]
    mou = make_agreement(state.system.id, (BOARD.id, EMPLOYER.id), type=AgreementType.STATE_LOCAL_MOU,
                         working_relationship=WorkingRelationship.SHARED, contents=frozenset({"parties"}))
    rules = (retired_partner_gaps, team_list_gaps, shared_vision_gaps, vision_review_gaps, staff_training_gaps,
             working_relationship_gaps, incomplete_agreements)

    def report(s: SystemState, who: list[Partner]) -> list[Gap]:
        return analyse_gaps(gap_context(s, who, agreements=[mou]), rules)

    expected = report(state, people)
    shuffled = replace(state, members=tuple(rnd.sample(state.members, len(state.members))),
                       assignments=tuple(rnd.sample(state.assignments, len(state.assignments))),
                       staff_sessions=tuple(rnd.sample(state.staff_sessions, len(state.staff_sessions))))
    assert report(shuffled, rnd.sample(people, len(people))) == expected
    assert {g.kind for g in expected} >= {GapKind.RETIRED_PARTNER, GapKind.WORKING_RELATIONSHIP,
                                          GapKind.STAFF_TRAINING, GapKind.AGREEMENT_COMPLETENESS}


def test_a_gap_context_built_from_a_state_carries_its_links_and_sessions() -> None:
    state = local_system(BOARD)
    state = replace(state, staff_sessions=(session(state, BOARD),))
    ctx = GapContext.from_state(state, partners={BOARD.id: BOARD}, services_by_partner={}, catalog=CATALOG,
                                today=TODAY, staff_period_months=6)
    assert (ctx.state_system, ctx.staff_sessions, ctx.staff_period_months) == (
        state.state_system, state.staff_sessions, 6)
    assert isinstance(ctx.system, CareerPathwaysSystem)
