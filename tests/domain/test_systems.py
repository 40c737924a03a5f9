"""Career pathways systems: creation, membership, the intermediary and role assignment."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.errors import InvalidInput, NotFound, RuleViolation
from api.domain.partners import Jurisdiction
from api.domain.systems import (
    AlreadyAMember,
    AlreadyAssigned,
    Assignment,
    FunctionAlreadyHasLead,
    IntermediaryCannotLeave,
    IntermediaryMustLeadCoordination,
    Member,
    MemberHasAssignments,
    NotAMember,
    Strength,
    SystemLevel,
    SystemState,
    Team,
    add_member,
    assign_role,
    create_system,
    record_review,
    remove_member,
    revise_system,
    role_catalog_from_dicts,
    set_intermediary,
    unassign,
    update_member,
)
from tests.domain.system_factories import (
    join,
    load_json,
    make_partner,
    make_system,
    reference_catalog,
    role_catalog,
)
from tests.hypothesis_profiles import examples

COORDINATION = "coordinate_collaboration"


def new_state() -> SystemState:
    return create_system(make_system(), reference_catalog())


def fields_of(error: InvalidInput) -> set[str]:
    return {p.field for p in error.problems}


# --- reference data -------------------------------------------------------------------------------------


def test_shipped_reference_data_only_uses_known_codes() -> None:
    catalog, reference = role_catalog(), reference_catalog()
    for function in catalog.functions.values():
        assert set(function.service_categories) <= set(reference.service_categories), function.code
    assert set(catalog.matrix.usual) <= set(reference.partner_types)
    assert set(catalog.population_partner_types) <= set(reference.populations)
    for types in catalog.population_partner_types.values():
        assert set(types) <= set(reference.partner_types)
    assert set(catalog.support_needs) <= set(reference.populations)
    for categories in catalog.support_needs.values():
        assert set(categories) <= set(reference.service_categories)
    assert set(catalog.key_team_types) <= set(reference.partner_types)


def test_every_partner_type_has_a_row_in_the_role_matrix() -> None:
    assert set(role_catalog().matrix.usual) == set(reference_catalog().partner_types)


def test_the_catalogue_holds_the_seed_chart_and_the_intermediary_functions() -> None:
    catalog = role_catalog()
    assert {"engage_employers", "design_programs", "provide_trainers", "champion_system"} <= set(
        catalog.functions
    )
    assert catalog.functions[COORDINATION].core
    assert catalog.coordination_function == COORDINATION
    assert catalog.matrix.usual_for("employer") == {
        "develop_curricula", "provide_trainers", "provide_training_facilities", "provide_employment",
    }
    assert "employer" in catalog.key_team_types
    assert catalog.population_partner_types["disability"][0] == "vocational_rehabilitation"


def test_the_catalog_loader_names_each_bad_entry() -> None:
    with pytest.raises(InvalidInput) as caught:
        role_catalog_from_dicts(
            [{"code": "engage_employers", "name": "Engage employers"}, {"code": "x"}],
            {"employer": ["engage_employers", "fly_planes"]},
            {},
            {},
            {"leadership_team": ["employer"], "intermediary_function": "coordinate"},
        )
    assert fields_of(caught.value) == {
        "functions[1]", "role_matrix.employer[1]", "team.intermediary_function",
    }


def test_reference_files_are_plain_json_a_deployment_can_edit() -> None:
    functions = load_json("functions.json")
    assert all({"code", "name", "core", "service_categories"} <= set(f) for f in functions)


# --- the system -----------------------------------------------------------------------------------------


def test_a_valid_system_starts_with_no_members_and_no_intermediary() -> None:
    state = new_state()
    assert state.members == () and state.assignments == ()
    assert state.system.intermediary_id is None
    assert state.system.review_cadence_months == 12


def test_a_system_with_bad_fields_is_refused_naming_each_field() -> None:
    system = make_system(
        name=" ",
        jurisdiction=Jurisdiction(state="ZZ"),
        target_sectors=("6",),
        target_occupations=("29-11",),
        target_populations=("martians",),
        regions=("wa_seattle",),
        goals=("",),
        review_cadence_months=0,
    )
    with pytest.raises(InvalidInput) as caught:
        create_system(system, reference_catalog())
    assert fields_of(caught.value) == {
        "name", "jurisdiction.state", "target_sectors[0]", "target_occupations[0]", "target_populations[0]",
        "regions[0]", "goals[0]", "review_cadence_months",
    }


def test_sector_and_occupation_codes_are_stored_normalized() -> None:
    system = make_system(
        target_sectors=("32", "622110"), target_occupations=("291141", "29-1141.01", "29-2061")
    )
    state = create_system(system, reference_catalog())
    assert state.system.target_sectors == ("31-33", "622110")
    assert state.system.target_occupations == ("29-1141", "29-2061")


def test_a_state_level_system_has_no_local_area() -> None:
    system = make_system(level=SystemLevel.STATE, jurisdiction=Jurisdiction(state="OR", local_area="or_lane"))
    with pytest.raises(InvalidInput) as caught:
        create_system(system, reference_catalog())
    assert fields_of(caught.value) == {"jurisdiction.local_area"}


def test_a_new_system_cannot_name_an_intermediary_before_it_has_members() -> None:
    with pytest.raises(InvalidInput):
        create_system(make_system(intermediary_id=uuid4()), reference_catalog())


def test_revising_a_system_bumps_its_version_and_leaves_the_intermediary_to_its_rule() -> None:
    system = make_system()
    revised = revise_system(system, {"vision": "Every worker on a pathway"}, reference_catalog())
    assert revised.vision == "Every worker on a pathway" and revised.version == system.version + 1
    with pytest.raises(InvalidInput):
        revise_system(system, {"intermediary_id": uuid4()}, reference_catalog())


def test_recording_a_review_sets_its_date_and_never_goes_back() -> None:
    state = record_review(new_state(), date(2025, 5, 1), today=date(2025, 6, 1))
    assert state.system.last_reviewed_on == date(2025, 5, 1)
    with pytest.raises(InvalidInput):
        record_review(state, date(2024, 5, 1), today=date(2025, 6, 1))


# --- membership -----------------------------------------------------------------------------------------


def test_a_partner_joins_a_system_once() -> None:
    college = make_partner("Chemeketa CC", "educational_institution")
    state = join(new_state(), college)
    assert state.member(college.id) is not None
    assert state.partner_types[college.id] == "educational_institution"
    with pytest.raises(AlreadyAMember):
        join(state, college)


def test_a_member_needs_a_representative() -> None:
    with pytest.raises(InvalidInput):
        add_member(new_state(), Member(partner_id=uuid4(), representative=""), partner_type="employer")


def test_a_member_moves_from_operations_to_leadership() -> None:
    employer = make_partner("Salem Health", "employer")
    state = join(new_state(), employer, Team.OPERATIONS)
    state = update_member(state, employer.id, team=Team.LEADERSHIP)
    member = state.member(employer.id)
    assert member is not None and member.team is Team.LEADERSHIP
    assert member.representative == "Rep of Salem Health"


def test_removing_a_partner_that_is_not_a_member_is_refused() -> None:
    with pytest.raises(NotAMember):
        remove_member(new_state(), uuid4())


def test_removing_a_member_with_assignments_is_refused_without_cascade() -> None:
    board = make_partner("Willamette WDB", "workforce_agency")
    state, _ = assign_role(join(new_state(), board), role_catalog(), partner_id=board.id,
                           function="engage_employers", strength=Strength.LEAD)
    with pytest.raises(MemberHasAssignments, match="engage_employers"):
        remove_member(state, board.id)


def test_removing_with_cascade_takes_the_assignments_and_returns_them() -> None:
    board = make_partner("Willamette WDB", "workforce_agency")
    state, assignment = assign_role(join(new_state(), board), role_catalog(), partner_id=board.id,
                                    function="engage_employers", strength=Strength.LEAD)
    state, removed = remove_member(state, board.id, cascade=True)
    assert removed == (assignment,)
    assert state.members == () and state.assignments == ()
    assert board.id not in state.partner_types


def test_a_member_without_assignments_is_removed() -> None:
    employer = make_partner("Salem Health", "employer")
    state, removed = remove_member(join(new_state(), employer), employer.id)
    assert removed == () and state.members == ()


def test_the_intermediary_cannot_be_removed_until_another_is_designated() -> None:
    board, college = make_partner("WDB", "workforce_agency"), make_partner("CC", "educational_institution")
    state = join(join(new_state(), board), college)
    state = set_intermediary(state, role_catalog(), board.id)
    with pytest.raises(IntermediaryCannotLeave):
        remove_member(state, board.id, cascade=True)
    state = set_intermediary(state, role_catalog(), college.id)
    state, removed = remove_member(state, board.id)
    assert removed == ()


# --- roles ----------------------------------------------------------------------------------------------


def test_only_members_can_be_assigned() -> None:
    with pytest.raises(NotAMember):
        assign_role(new_state(), role_catalog(), partner_id=uuid4(), function="engage_employers",
                    strength=Strength.SUPPORT)


def test_an_unknown_function_is_invalid_input() -> None:
    board = make_partner("WDB", "workforce_agency")
    with pytest.raises(InvalidInput) as caught:
        assign_role(join(new_state(), board), role_catalog(), partner_id=board.id, function="fly_planes",
                    strength=Strength.LEAD)
    assert fields_of(caught.value) == {"function"}


def test_a_function_has_at_most_one_lead_but_any_number_of_supporters_and_advisors() -> None:
    catalog = role_catalog()
    board = make_partner("WDB", "workforce_agency")
    edo = make_partner("EDO", "economic_development_agency")
    cbo = make_partner("CBO", "community_based_organization")
    state = join(join(join(new_state(), board), edo), cbo)
    state, _ = assign_role(state, catalog, partner_id=board.id, function="engage_employers",
                           strength=Strength.LEAD)
    with pytest.raises(FunctionAlreadyHasLead):
        assign_role(state, catalog, partner_id=edo.id, function="engage_employers", strength=Strength.LEAD)
    state, _ = assign_role(state, catalog, partner_id=edo.id, function="engage_employers",
                           strength=Strength.SUPPORT)
    state, _ = assign_role(state, catalog, partner_id=cbo.id, function="engage_employers",
                           strength=Strength.ADVISORY)
    assert len(state.assignments) == 3


def test_a_member_carries_a_function_once() -> None:
    catalog, board = role_catalog(), make_partner("WDB", "workforce_agency")
    state, _ = assign_role(join(new_state(), board), catalog, partner_id=board.id, function="assess_skills",
                           strength=Strength.SUPPORT)
    with pytest.raises(AlreadyAssigned):
        assign_role(state, catalog, partner_id=board.id, function="assess_skills", strength=Strength.LEAD)


def test_an_assignment_outside_the_partner_types_usual_functions_is_allowed_and_atypical() -> None:
    catalog = role_catalog()
    employer, board = make_partner("Salem Health", "employer"), make_partner("WDB", "workforce_agency")
    state = join(join(new_state(), employer), board)
    state, unusual = assign_role(state, catalog, partner_id=employer.id, function="assess_skills",
                                 strength=Strength.LEAD)
    state, usual = assign_role(state, catalog, partner_id=board.id, function="assess_skills",
                               strength=Strength.SUPPORT)
    assert unusual.atypical and not usual.atypical
    assert unusual.system_id == state.system.id


def test_unassigning_removes_the_assignment_and_returns_it() -> None:
    catalog, board = role_catalog(), make_partner("WDB", "workforce_agency")
    state, assignment = assign_role(join(new_state(), board), catalog, partner_id=board.id,
                                    function="assess_skills", strength=Strength.LEAD)
    state, removed = unassign(state, catalog, assignment.id)
    assert removed == assignment and state.assignments == ()
    with pytest.raises(NotFound):
        unassign(state, catalog, assignment.id)


# --- the intermediary -----------------------------------------------------------------------------------


def test_the_intermediary_must_be_a_member() -> None:
    with pytest.raises(NotAMember):
        set_intermediary(new_state(), role_catalog(), uuid4())


def test_the_intermediary_becomes_lead_of_coordination() -> None:
    board = make_partner("WDB", "workforce_agency")
    state = set_intermediary(join(new_state(), board), role_catalog(), board.id)
    assert state.system.intermediary_id == board.id
    lead = state.lead_of(COORDINATION)
    assert lead is not None and lead.partner_id == board.id and not lead.atypical
    assert state.system.version == 2
    assert set_intermediary(state, role_catalog(), board.id) is state


def test_only_the_intermediary_leads_coordination() -> None:
    catalog, board = role_catalog(), make_partner("WDB", "workforce_agency")
    state = join(new_state(), board)
    with pytest.raises(IntermediaryMustLeadCoordination):
        assign_role(state, catalog, partner_id=board.id, function=COORDINATION, strength=Strength.LEAD)
    state, support = assign_role(state, catalog, partner_id=board.id, function=COORDINATION,
                                 strength=Strength.SUPPORT)
    assert support.strength is Strength.SUPPORT


def test_a_new_intermediary_takes_over_the_coordination_lead() -> None:
    catalog = role_catalog()
    board, college = make_partner("WDB", "workforce_agency"), make_partner("CC", "educational_institution")
    state = set_intermediary(join(join(new_state(), board), college), catalog, board.id)
    state, support = assign_role(state, catalog, partner_id=college.id, function=COORDINATION,
                                 strength=Strength.SUPPORT)
    state = set_intermediary(state, catalog, college.id)
    lead = state.lead_of(COORDINATION)
    assert lead is not None and lead.partner_id == college.id and lead.id == support.id
    assert [a for a in state.assignments if a.function == COORDINATION] == [lead]


def test_an_intermediary_is_refused_when_another_member_already_leads_coordination() -> None:
    board, college = make_partner("WDB", "workforce_agency"), make_partner("CC", "educational_institution")
    state = join(join(new_state(), board), college)
    # A state loaded from older records, where coordination was led before the intermediary rule existed.
    stray = Assignment(id=uuid4(), system_id=state.system.id, partner_id=college.id, function=COORDINATION,
                       strength=Strength.LEAD)
    state = replace(state, assignments=(stray,))
    with pytest.raises(FunctionAlreadyHasLead):
        set_intermediary(state, role_catalog(), board.id)


def test_the_intermediarys_coordination_lead_cannot_be_unassigned() -> None:
    catalog, board = role_catalog(), make_partner("WDB", "workforce_agency")
    state = set_intermediary(join(new_state(), board), catalog, board.id)
    lead = state.lead_of(COORDINATION)
    assert lead is not None
    with pytest.raises(IntermediaryMustLeadCoordination):
        unassign(state, catalog, lead.id)


def test_an_employer_intermediary_is_an_atypical_coordinator() -> None:
    employer = make_partner("Salem Health", "employer")
    state = set_intermediary(join(new_state(), employer), role_catalog(), employer.id)
    lead = state.lead_of(COORDINATION)
    assert lead is not None and lead.atypical


# --- invariants under any sequence of changes -----------------------------------------------------------

PARTNERS = [
    make_partner(f"P{i}", partner_type, partner_id=UUID(int=i + 1))
    for i, partner_type in enumerate(["workforce_agency", "educational_institution", "employer",
                                      "community_based_organization", "vocational_rehabilitation"])
]
FUNCTIONS = [COORDINATION, "engage_employers", "design_programs", "assess_skills"]

operations = st.one_of(
    st.tuples(st.just("join"), st.sampled_from(PARTNERS), st.sampled_from(list(Team))),
    st.tuples(st.just("remove"), st.sampled_from(PARTNERS), st.booleans()),
    st.tuples(st.just("assign"), st.sampled_from(PARTNERS), st.sampled_from(FUNCTIONS),
              st.sampled_from(list(Strength))),
    st.tuples(st.just("unassign"), st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("intermediary"), st.sampled_from(PARTNERS)),
)


def apply(state: SystemState, op: tuple[Any, ...]) -> SystemState:
    catalog = role_catalog()
    match op:
        case ("join", partner, team):
            return join(state, partner, team)
        case ("remove", partner, cascade):
            return remove_member(state, partner.id, cascade=cascade)[0]
        case ("assign", partner, function, strength):
            return assign_role(state, catalog, partner_id=partner.id, function=function, strength=strength)[0]
        case ("unassign", index) if state.assignments:
            return unassign(state, catalog, state.assignments[index % len(state.assignments)].id)[0]
        case ("intermediary", partner):
            return set_intermediary(state, catalog, partner.id)
    return state


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(operations, max_size=40))
def test_no_sequence_of_changes_breaks_the_role_rules(ops: list[tuple[Any, ...]]) -> None:
    state = new_state()
    for op in ops:
        try:
            state = apply(state, op)
        except (RuleViolation, InvalidInput, NotFound):
            pass
        member_ids = {m.partner_id for m in state.members}
        leads = [a.function for a in state.assignments if a.strength is Strength.LEAD]
        assert len(leads) == len(set(leads)), "a function has two leads"
        assert all(a.partner_id in member_ids for a in state.assignments), "an assignment outlived its member"
        assert len(member_ids) == len(state.members)
        assert set(state.partner_types) == member_ids
        pairs = [(a.partner_id, a.function) for a in state.assignments]
        assert len(pairs) == len(set(pairs))
        intermediary = state.system.intermediary_id
        coordination = state.lead_of(COORDINATION)
        if intermediary is None:
            assert coordination is None
        else:
            assert intermediary in member_ids
            assert coordination is not None and coordination.partner_id == intermediary
