"""Lead suggestions: ranking members for functions with no lead, and naming whom to recruit."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.partners import Partner, Service, Status
from api.domain.suggestions import LeadSuggestion, suggest_leads
from api.domain.systems import Strength, SystemState, assign_role, create_system, set_intermediary
from tests.domain.system_factories import (
    join,
    make_partner,
    make_service,
    make_system,
    reference_catalog,
    role_catalog,
)
from tests.hypothesis_profiles import examples


def system_of(*partners: Partner) -> SystemState:
    state = create_system(make_system(), reference_catalog())
    for partner in partners:
        state = join(state, partner)
    return state


def suggestion_for(suggestions: list[LeadSuggestion], function: str) -> LeadSuggestion:
    return next(s for s in suggestions if s.function == function)


def by_partner(services: list[Service]) -> dict[UUID, list[Service]]:
    grouped: dict[UUID, list[Service]] = {}
    for service in services:
        grouped.setdefault(service.partner_id, []).append(service)
    return grouped


def test_a_usual_member_with_matching_services_spare_capacity_and_an_agreement_scores_100() -> None:
    board = make_partner("Willamette WDB", "workforce_agency", capacity=500)
    services = [make_service(board, "employer_services", capacity=200)]
    suggestions = suggest_leads(system_of(board), role_catalog(), by_partner(services), {board.id: board},
                                {board.id})
    [candidate] = suggestion_for(suggestions, "engage_employers").candidates
    assert candidate.score == 100 and candidate.fits
    assert len(candidate.reasons) == 4
    assert "spare capacity of 300" in candidate.reasons[2]


def test_capacity_fully_committed_to_services_is_not_spare() -> None:
    board = make_partner("WDB", "workforce_agency", capacity=100)
    services = [make_service(board, "employer_services", capacity=100)]
    suggestions = suggest_leads(system_of(board), role_catalog(), by_partner(services), {board.id: board},
                                set())
    [candidate] = suggestion_for(suggestions, "engage_employers").candidates
    assert candidate.score == 70


def test_inactive_services_do_not_count_as_matching() -> None:
    cbo = make_partner("Family Services", "community_based_organization")
    services = [replace(make_service(cbo, "assessment"), status=Status.INACTIVE)]
    suggestions = suggest_leads(system_of(cbo), role_catalog(), by_partner(services), {cbo.id: cbo}, set())
    assert suggestion_for(suggestions, "assess_skills").candidates == ()


def test_candidates_are_ranked_by_score_then_name_then_id() -> None:
    a = make_partner("Alpha Works", "workforce_agency", partner_id=UUID(int=2))
    b = make_partner("Alpha Works", "workforce_agency", partner_id=UUID(int=1))
    c = make_partner("Beta Careers", "workforce_agency")
    d = make_partner("Zeta Foundation", "economic_development_agency")
    services = [make_service(d, "labor_market_information")]
    partners = {p.id: p for p in (a, b, c, d)}
    suggestions = suggest_leads(system_of(c, a, d, b), role_catalog(), by_partner(services), partners, set())
    ranked = suggestion_for(suggestions, "provide_labor_market_information").candidates
    assert [cand.partner_id for cand in ranked] == [d.id, b.id, a.id, c.id]


def test_functions_with_a_lead_get_no_suggestion_and_core_functions_come_first() -> None:
    catalog = role_catalog()
    board = make_partner("WDB", "workforce_agency")
    state, _ = assign_role(system_of(board), catalog, partner_id=board.id, function="engage_employers",
                           strength=Strength.LEAD)
    state = set_intermediary(state, catalog, board.id)
    suggestions = suggest_leads(state, catalog, {}, {board.id: board}, set())
    functions = [s.function for s in suggestions]
    assert "engage_employers" not in functions and "coordinate_collaboration" not in functions
    assert "champion_system" not in functions  # the intermediary champions the system
    assert len(functions) == len(catalog.functions) - 3
    cores = [s.core for s in suggestions]
    assert cores == sorted(cores, reverse=True)


def test_when_no_member_fits_the_partner_types_to_recruit_are_named() -> None:
    board = make_partner("WDB", "workforce_agency")
    suggestions = suggest_leads(system_of(board), role_catalog(), {}, {board.id: board}, {board.id})
    employment = suggestion_for(suggestions, "provide_employment")
    assert [c.score for c in employment.candidates] == [15]
    assert not employment.candidates[0].fits
    assert employment.recruit == ("employer", "labor_union")
    assert suggestion_for(suggestions, "assess_skills").recruit == ()


def test_a_system_with_no_members_is_told_whom_to_recruit_for_everything() -> None:
    suggestions = suggest_leads(system_of(), role_catalog(), {}, {}, set())
    assert all(s.candidates == () for s in suggestions)
    assert suggestion_for(suggestions, "provide_support_services").recruit[0] == "workforce_agency"


partner_types = st.sampled_from(sorted(role_catalog().matrix.usual))
categories = st.sampled_from(sorted(reference_catalog().service_categories))


@st.composite
def members(draw: st.DrawFn) -> tuple[list[Partner], list[Service]]:
    partners, services = [], []
    for i in range(draw(st.integers(min_value=0, max_value=6))):
        capacity = draw(st.none() | st.integers(min_value=0, max_value=1000))
        partner_type = draw(partner_types)
        partner = make_partner(f"P{i % 3}", partner_type, capacity=capacity, partner_id=UUID(int=i + 1))
        partners.append(partner)
        for category in draw(st.lists(categories, max_size=3)):
            services.append(make_service(partner, category, capacity=draw(st.integers(0, 500))))
    return partners, services


@settings(max_examples=examples(150), deadline=None)
@given(members(), st.data())
def test_scores_stay_between_0_and_100_and_order_is_deterministic(
    drawn: tuple[list[Partner], list[Service]], data: st.DataObject
) -> None:
    partners, services = drawn
    formalized = {p.id for p in partners if data.draw(st.booleans())}
    lookup = {p.id: p for p in partners}
    catalog = role_catalog()
    suggestions = suggest_leads(system_of(*partners), catalog, by_partner(services), lookup, formalized)
    shuffled = data.draw(st.permutations(partners))
    again = suggest_leads(system_of(*shuffled), catalog, by_partner(services), lookup, formalized)
    assert suggestions == again
    for suggestion in suggestions:
        scores = [c.score for c in suggestion.candidates]
        assert all(0 < s <= 100 for s in scores)
        assert scores == sorted(scores, reverse=True)
        if any(c.fits for c in suggestion.candidates):
            assert suggestion.recruit == ()
        else:
            assert suggestion.recruit == catalog.matrix.types_for(suggestion.function)
