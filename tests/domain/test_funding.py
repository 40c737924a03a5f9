"""Funding: the stream catalogue, allocations, the braiding analysis and the funding gaps (kind 7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.errors import InvalidInput
from api.domain.funding import (
    Allocation,
    FundingAnalysis,
    FundingKind,
    StreamRole,
    analyse_funding,
    funding_gaps,
    funding_streams_from_dicts,
    revise_allocation,
    validate_allocation,
)
from api.domain.gaps import Gap, GapKind, PartnerFacts, ServiceFacts, Severity
from api.domain.partners import Partner, Service, Status
from api.domain.systems import CareerPathwaysSystem, Strength, SystemState, assign_role, create_system
from tests.domain.agreement_factories import category_parents, funding_catalogue, make_allocation
from tests.domain.system_factories import (
    gap_context,
    join,
    load_json,
    make_partner,
    make_service,
    make_system,
    reference_catalog,
    role_catalog,
)
from tests.hypothesis_profiles import examples

EXPECTED_STREAMS = {
    "wioa_title_i_adult", "wioa_title_i_dislocated_worker", "wioa_title_i_youth", "wioa_title_ii_aefla",
    "wioa_title_iii_wagner_peyser", "wioa_title_iv_vr", "perkins_v", "tanf", "snap_et", "pell_ability_to_benefit",
    "apprenticeship_grants", "state_funds", "philanthropy",
}


def system_of(*partners: Partner, **fields: Any) -> SystemState:
    state = create_system(make_system(**fields), reference_catalog())
    for partner in partners:
        state = join(state, partner)
    return state


def analyse(
    state: SystemState,
    partners: Sequence[Partner],
    services: Sequence[Service] = (),
    allocations: Sequence[Allocation] = (),
    **options: Any,
) -> FundingAnalysis:
    return analyse_funding(state.system, partners, services, state.assignments, allocations,
                           funding_catalogue().values(), **options)


def problems_of(error: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {p.field: p.message for p in error.value.problems}


# --- the catalogue --------------------------------------------------------------------------------------


def test_the_shipped_catalogue_names_every_stream_of_the_reference_facts_with_known_codes() -> None:
    streams = funding_catalogue()
    assert set(streams) == EXPECTED_STREAMS
    assert all(s.source_url.startswith("http") and s.description for s in streams.values())
    assert streams["apprenticeship_grants"].kind is FundingKind.GRANT
    assert streams["state_funds"].kind is FundingKind.STATE
    assert streams["philanthropy"].kind is FundingKind.PRIVATE


def test_snap_et_and_tanf_cover_low_income_people_and_the_supports_they_pay_for() -> None:
    snap, tanf = funding_catalogue()["snap_et"], funding_catalogue()["tanf"]
    assert "low_income" in snap.eligible_populations
    assert {"job_search", "transportation", "child_care", "case_management"} <= set(snap.allowed_service_categories)
    assert {"low_income", "single_parent"} <= set(tanf.eligible_populations)
    assert {"case_management", "job_search", "child_care"} <= set(tanf.allowed_service_categories)


def test_a_catalogue_entry_with_unknown_codes_or_a_bad_kind_is_refused_by_field() -> None:
    rows = load_json("funding_streams.json")[:2]
    rows[0] = {**rows[0], "eligible_populations": ["low_income", "martians"]}
    rows[1] = {**rows[1], "kind": "lottery"}
    with pytest.raises(InvalidInput) as error:
        funding_streams_from_dicts(rows, reference_catalog())
    assert problems_of(error) == {
        "funding_streams[0].eligible_populations[1]": "unknown population 'martians'",
        "funding_streams[1].kind": "must be one of formula, grant, state, private",
    }


def test_a_stream_code_appearing_twice_in_the_catalogue_is_refused() -> None:
    row = load_json("funding_streams.json")[0]
    with pytest.raises(InvalidInput) as error:
        funding_streams_from_dicts([row, row])
    assert set(problems_of(error)) == {"funding_streams[1].code"}


# --- allocations ----------------------------------------------------------------------------------------


def test_an_allocation_targets_exactly_one_service_or_function() -> None:
    system_id = uuid4()
    validate_allocation(make_allocation(system_id, "tanf", 100, function="provide_support_services"))
    for service_id, function in ((None, None), (uuid4(), "provide_support_services")):
        with pytest.raises(InvalidInput) as error:
            validate_allocation(make_allocation(system_id, "tanf", 100, service_id=service_id, function=function))
        assert set(problems_of(error)) == {"service_id"}


@pytest.mark.parametrize("period", ["2026", "2026-2027", " 2024-2028 "])
def test_an_allocation_period_is_a_year_or_a_span_of_years(period: str) -> None:
    allocation = validate_allocation(make_allocation(uuid4(), "tanf", 1, function="assess_skills", period=period))
    assert allocation.period == period.strip()


@pytest.mark.parametrize("period", ["2026-07/2027-06", "26", "2027-2026", "2026-2026", "1800"])
def test_other_period_forms_are_refused(period: str) -> None:
    with pytest.raises(InvalidInput) as error:
        validate_allocation(make_allocation(uuid4(), "tanf", 1, function="assess_skills", period=period))
    assert set(problems_of(error)) == {"period"}


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "must not be negative"),
        ("10.005", "must have at most 2 decimal places"),
        ("NaN", "must be a finite decimal amount"),
        ("1e16", "must be less than 1000000000000000"),
    ],
)
def test_an_allocation_amount_is_money_of_zero_or_more(amount: str, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        validate_allocation(make_allocation(uuid4(), "tanf", amount, function="assess_skills"))
    assert problems_of(error) == {"amount": message}


def test_an_allocation_is_checked_against_the_catalogue_members_services_and_functions() -> None:
    allocation = make_allocation(uuid4(), "lottery", 5, service_id=uuid4(), partner_id=uuid4())
    with pytest.raises(InvalidInput) as error:
        validate_allocation(allocation, streams=funding_catalogue(), service_ids=set(), member_ids=set())
    assert set(problems_of(error)) == {"stream_code", "service_id", "partner_id"}
    with pytest.raises(InvalidInput) as error:
        validate_allocation(replace(allocation, stream_code="tanf", service_id=None, function="juggling",
                                    partner_id=None), functions=role_catalog().functions)
    assert problems_of(error) == {"function": "unknown function 'juggling'"}


def test_revising_an_allocation_bumps_its_version_and_keeps_the_stream_unless_told() -> None:
    allocation = make_allocation(uuid4(), "tanf", 5, function="assess_skills")
    revised = revise_allocation(allocation, {"amount": Decimal("7.50")}, streams=funding_catalogue())
    assert (revised.stream_code, revised.amount, revised.version) == ("tanf", Decimal("7.50"), 2)
    with pytest.raises(InvalidInput):
        revise_allocation(allocation, {"system_id": uuid4()})


# --- the braiding analysis ------------------------------------------------------------------------------


@pytest.fixture
def braided() -> tuple[SystemState, list[Partner], list[Service], list[Allocation]]:
    board = make_partner("Willamette WDB", "workforce_agency")
    college = make_partner("Chemeketa CC", "educational_institution")
    state = system_of(board, college)
    state = assign_role(state, role_catalog(), partner_id=board.id, function="engage_employers",
                        strength=Strength.LEAD)[0]
    state = assign_role(state, role_catalog(), partner_id=college.id, function="design_programs",
                        strength=Strength.LEAD)[0]
    training = make_service(college, "occupational_training")
    coaching = make_service(board, "career_counseling")
    sid = state.system.id
    allocations = [
        make_allocation(sid, "wioa_title_i_adult", "60000", service_id=training.id),
        make_allocation(sid, "perkins_v", "30000", service_id=training.id),
        make_allocation(sid, "apprenticeship_grants", "25000", function="engage_employers"),
        make_allocation(sid, "philanthropy", "10000", function="engage_employers", period="2026"),
    ]
    return state, [board, college], [training, coaching], allocations


def test_totals_are_kept_per_stream_and_summed_only_by_kind(
    braided: tuple[SystemState, list[Partner], list[Service], list[Allocation]],
) -> None:
    state, partners, services, allocations = braided
    analysis = analyse(state, partners, services, allocations)
    assert [(t.stream_code, t.amount) for t in analysis.by_stream] == [
        ("wioa_title_i_adult", Decimal(60000)), ("perkins_v", Decimal(30000)),
        ("apprenticeship_grants", Decimal(25000)), ("philanthropy", Decimal(10000)),
    ]
    assert analysis.total == Decimal(125000)
    kinds = {k.kind: k for k in analysis.by_kind}
    assert kinds[FundingKind.FORMULA].amount == Decimal(90000)
    assert kinds[FundingKind.FORMULA].streams == ("perkins_v", "wioa_title_i_adult")
    assert kinds[FundingKind.STATE].amount == 0 and kinds[FundingKind.STATE].streams == ()
    assert (analysis.formula_share, analysis.grant_share) == (0.72, 0.2)
    assert not analysis.grant_only


def test_each_target_shows_its_streams_side_by_side_never_blended(
    braided: tuple[SystemState, list[Partner], list[Service], list[Allocation]],
) -> None:
    state, partners, services, allocations = braided
    by_target = analyse(state, partners, services, allocations).by_target
    assert [(t.function, [(s.stream_code, s.amount) for s in t.streams]) for t in by_target] == [
        ("engage_employers", [("apprenticeship_grants", Decimal(25000)), ("philanthropy", Decimal(10000))]),
        (None, [("perkins_v", Decimal(30000)), ("wioa_title_i_adult", Decimal(60000))]),
    ]


def test_service_targets_are_ordered_by_the_services_names_and_functions_come_first(
    braided: tuple[SystemState, list[Partner], list[Service], list[Allocation]],
) -> None:
    state, partners, services, allocations = braided
    training, coaching = services
    renamed = [replace(training, name="Welding"), replace(coaching, name="Coaching")]
    more = [*allocations, make_allocation(state.system.id, "philanthropy", "500", service_id=coaching.id)]
    by_target = analyse(state, partners, renamed, more).by_target
    assert [(t.function, t.service_id) for t in by_target] == [
        ("engage_employers", None), (None, coaching.id), (None, training.id)]
    only_functions = [a for a in allocations if a.service_id is None]
    assert [t.function for t in analyse(state, partners, renamed, only_functions).by_target] == ["engage_employers"]


def test_a_period_narrows_the_totals(
    braided: tuple[SystemState, list[Partner], list[Service], list[Allocation]],
) -> None:
    state, partners, services, allocations = braided
    analysis = analyse(state, partners, services, allocations, period="2026")
    assert (analysis.period, analysis.total, analysis.grant_share) == ("2026", Decimal(10000), 0.0)
    assert analysis.grant_only


def test_services_and_led_functions_with_no_stream_are_listed(
    braided: tuple[SystemState, list[Partner], list[Service], list[Allocation]],
) -> None:
    state, partners, services, allocations = braided
    analysis = analyse(state, partners, services, allocations)
    assert [s.name for s in analysis.unfunded_services] == ["Willamette WDB career_counseling"]
    assert [(f.function, f.lead_name) for f in analysis.unfunded_functions] == [("design_programs", "Chemeketa CC")]


def test_a_service_listing_its_own_stream_is_funded_and_an_inactive_one_is_ignored(
    braided: tuple[SystemState, list[Partner], list[Service], list[Allocation]],
) -> None:
    state, partners, services, allocations = braided
    training, coaching = services
    listed = replace(coaching, funding_streams=("wioa_title_iii_wagner_peyser",))
    assert analyse(state, partners, [training, listed], allocations).unfunded_services == ()
    retired = replace(coaching, status=Status.INACTIVE)
    assert analyse(state, partners, [training, retired], allocations).unfunded_services == ()


def test_the_facts_of_partners_and_services_are_analysed_as_they_are(
    braided: tuple[SystemState, list[Partner], list[Service], list[Allocation]],
) -> None:
    state, partners, services, allocations = braided
    training, coaching = services
    outsider = make_partner("Not a member", "community_based_organization")
    every = [training, coaching, replace(coaching, id=uuid4(), name="chemeketa cc Tutoring", category="assessment",
                                         funding_streams=("pell",)),
             replace(training, id=uuid4(), status=Status.INACTIVE), make_service(outsider, "child_care"),
             replace(coaching, id=uuid4(), name="Career counseling", category="child_care")]
    for period in (None, "2026"):
        full = analyse(state, partners, every, allocations, period=period, category_parents=category_parents())
        facts = analyse(state, [PartnerFacts.of(p) for p in partners], [ServiceFacts.of(s) for s in every],
                        allocations, period=period, category_parents=category_parents())
        assert facts == full


def test_a_system_without_money_has_no_shares_and_is_not_grant_only() -> None:
    board = make_partner("WDB", "workforce_agency")
    analysis = analyse(system_of(board), [board])
    assert (analysis.total, analysis.formula_share, analysis.grant_share) == (Decimal(0), None, None)
    assert not analysis.grant_only


def test_money_only_from_grants_and_philanthropy_is_grant_only() -> None:
    board = make_partner("WDB", "workforce_agency")
    state = system_of(board)
    allocations = [
        make_allocation(state.system.id, "apprenticeship_grants", 100, function="engage_employers"),
        make_allocation(state.system.id, "philanthropy", 50, function="engage_employers"),
    ]
    assert analyse(state, [board], [], allocations).grant_only


def test_allocations_of_other_systems_are_ignored_and_unknown_streams_refused() -> None:
    board = make_partner("WDB", "workforce_agency")
    state = system_of(board)
    other = make_allocation(uuid4(), "tanf", 100, function="engage_employers")
    assert analyse(state, [board], [], [other]).total == 0
    unknown = make_allocation(state.system.id, "lottery", 100, function="engage_employers")
    with pytest.raises(InvalidInput):
        analyse(state, [board], [], [unknown])


# --- untapped streams -----------------------------------------------------------------------------------


def single_parents_system() -> tuple[SystemState, list[Partner], list[Service]]:
    cbo = make_partner("Hope Community Services", "community_based_organization")
    college = make_partner("Chemeketa CC", "educational_institution")
    state = system_of(cbo, college, target_populations=("low_income", "single_parent"))
    return state, [cbo, college], [make_service(cbo, "job_search")]


def test_a_system_serving_low_income_single_parents_is_shown_snap_et_and_tanf_as_untapped() -> None:
    state, partners, services = single_parents_system()
    untapped = {u.stream_code: u for u in analyse(state, partners, services).untapped}
    assert {"snap_et", "tanf"} <= set(untapped)
    snap, tanf = untapped["snap_et"], untapped["tanf"]
    assert (snap.populations, snap.categories) == (("low_income",), ("job_search",))
    assert (tanf.populations, tanf.categories) == (("low_income", "single_parent"), ("job_search",))
    cbo = partners[0]
    assert snap.candidates[0].partner_id == cbo.id and snap.candidates[0].type_matches
    assert snap.reasons[:2] == (
        "eligible populations the system targets: low_income",
        "allowed services members offer: job_search",
    )
    assert any("Hope Community Services" in reason for reason in tanf.reasons)
    assert "perkins_v" not in untapped  # single parents are eligible, but no member offers what Perkins pays for


def test_a_stream_a_member_already_uses_is_not_untapped_in_any_period() -> None:
    state, partners, services = single_parents_system()
    cbo = partners[0]
    with_snap = replace(cbo, funding_streams=("snap_et",))
    tanf = make_allocation(state.system.id, "tanf", 100, service_id=services[0].id, period="2024")
    untapped = {u.stream_code for u in analyse(state, [with_snap, partners[1]], services, [tanf],
                                               period="2025").untapped}
    assert not {"snap_et", "tanf"} & untapped


def test_the_member_whose_type_administers_a_stream_is_named_first_then_those_that_draw_on_it() -> None:
    state, partners, services = single_parents_system()
    tanf_office = make_partner("Marion County Self-Sufficiency", "tanf_agency")
    state = join(state, tanf_office)
    employer = make_partner("Aardvark Staffing", "employer")
    state = join(state, employer)
    services = [*services, make_service(employer, "job_search")]
    [tanf] = [u for u in analyse(state, [*partners, tanf_office, employer], services).untapped
              if u.stream_code == "tanf"]
    assert [(c.name, c.type_matches, c.role) for c in tanf.candidates] == [
        ("Marion County Self-Sufficiency", True, StreamRole.ADMINISTERS),
        ("Hope Community Services", True, StreamRole.USUALLY_DRAWS),
        ("Aardvark Staffing", False, StreamRole.OFFERS_ONLY),
    ]


def test_the_vr_office_not_a_community_organization_is_advised_for_vr_funds() -> None:
    vr = make_partner("Valley Vocational Rehabilitation", "vocational_rehabilitation")
    cbo = make_partner("Stonebridge Neighbors Network", "community_based_organization")
    state = join(system_of(cbo, target_populations=("disability",)), vr)
    services = [make_service(cbo, "job_placement"), make_service(cbo, "assessment"), make_service(vr, "assessment")]
    analysis = analyse(state, [cbo, vr], services)
    [stream] = [u for u in analysis.untapped if u.stream_code == "wioa_title_iv_vr"]
    assert [c.name for c in stream.candidates] == ["Valley Vocational Rehabilitation", "Stonebridge Neighbors Network"]
    ctx = gap_context(state, [cbo, vr], services, funding=analysis)
    [advice] = [g.recommendation for g in funding_gaps(ctx) if g.subject == "wioa_title_iv_vr"]
    assert "through Valley Vocational Rehabilitation" in advice and "administers it" in advice


def test_advice_says_when_no_member_administers_or_usually_draws_on_a_stream() -> None:
    employer = make_partner("Aardvark Staffing", "employer")
    state = system_of(employer, target_populations=("disability",))
    analysis = analyse(state, [employer], [make_service(employer, "job_placement")])
    [stream] = [u for u in analysis.untapped if u.stream_code == "wioa_title_iv_vr"]
    assert [c.role for c in stream.candidates] == [StreamRole.OFFERS_ONLY]
    ctx = gap_context(state, [employer], [], funding=analysis)
    [advice] = [g.recommendation for g in funding_gaps(ctx) if g.subject == "wioa_title_iv_vr"]
    assert advice.startswith("No member administers or usually draws on")
    assert "vocational_rehabilitation" in advice  # no labels given: the code stands for the type


def test_an_allocation_to_a_service_the_stream_does_not_pay_for_is_a_warning_not_a_refusal() -> None:
    state, partners, services = single_parents_system()
    job_search = services[0]  # VR pays for placement, assessment and counselling, not job search
    vr_money = make_allocation(state.system.id, "wioa_title_iv_vr", 100, service_id=job_search.id)
    tanf_money = make_allocation(state.system.id, "tanf", 50, service_id=job_search.id)  # TANF pays for it
    analysis = analyse(state, partners, services, [vr_money, tanf_money])
    assert [(w.allocation_id, w.stream_code) for w in analysis.warnings] == [(vr_money.id, "wioa_title_iv_vr")]
    assert "does not usually pay for job_search" in analysis.warnings[0].message
    assert analysis.total == 150  # still counted


def test_with_the_taxonomy_a_service_also_counts_under_its_parent_category() -> None:
    cbo = make_partner("Hope", "community_based_organization")
    state = system_of(cbo, target_populations=("veteran",))
    services = [make_service(cbo, "job_search")]
    plain = {u.stream_code for u in analyse(state, [cbo], services).untapped}
    parents = category_parents()
    with_parents = {u.stream_code for u in analyse(state, [cbo], services, category_parents=parents).untapped}
    assert "philanthropy" not in plain
    assert "philanthropy" in with_parents  # philanthropy allows career_services, the parent of job_search


def test_a_stream_open_to_the_general_public_matches_any_target_population() -> None:
    state, partners, services = single_parents_system()
    [wagner_peyser] = [u for u in analyse(state, partners, services).untapped
                       if u.stream_code == "wioa_title_iii_wagner_peyser"]
    assert wagner_peyser.populations == ("low_income", "single_parent")
    assert wagner_peyser.reasons[0].startswith("open to the general public")


def test_a_system_with_no_target_populations_has_no_untapped_streams() -> None:
    cbo = make_partner("Hope", "community_based_organization")
    assert analyse(system_of(cbo), [cbo], [make_service(cbo, "job_search")]).untapped == ()


# --- gap analysis, kind 7 -------------------------------------------------------------------------------


def gaps_of(state: SystemState, partners: list[Partner], funding: FundingAnalysis | None = None) -> list[Gap]:
    return list(funding_gaps(replace(gap_context(state, partners), funding=funding)))


def test_without_a_funding_analysis_there_are_no_funding_gaps() -> None:
    state, partners, _ = single_parents_system()
    assert gaps_of(state, partners) == []


def test_funding_gaps_name_unfunded_work_grant_dependence_and_untapped_streams(
    braided: tuple[SystemState, list[Partner], list[Service], list[Allocation]],
) -> None:
    state, partners, services, allocations = braided
    analysis = analyse(state, partners, services, allocations, period="2026")
    gaps = gaps_of(state, partners, funding=analysis)
    assert all(g.kind is GapKind.FUNDING for g in gaps)
    by_subject = {g.subject: g for g in gaps}
    assert by_subject["design_programs"].severity is Severity.MEDIUM  # a core function
    assert by_subject["Chemeketa CC occupational_training"].severity is Severity.MEDIUM  # no 2026 money
    assert by_subject["grant_only_dependence"].severity is Severity.MEDIUM
    assert all(g.severity in (Severity.LOW, Severity.MEDIUM) for g in gaps)


def test_untapped_streams_are_low_gaps_naming_who_could_draw_on_them() -> None:
    state, partners, services = single_parents_system()
    gaps = {g.subject: g for g in gaps_of(state, partners, funding=analyse(state, partners, services))}
    snap = gaps["snap_et"]
    assert snap.severity is Severity.LOW
    assert snap.recommendation == (
        "Explore drawing on SNAP Employment and Training (SNAP E&T) through Hope Community Services "
        "(community_based_organization, a type that usually draws on it); it is administered by a snap_et_agency."
    )


# --- properties -----------------------------------------------------------------------------------------


@st.composite
def funded_systems(draw: st.DrawFn) -> tuple[CareerPathwaysSystem, list[Allocation]]:
    system = make_system()
    codes = sorted(funding_catalogue())
    allocations = [
        make_allocation(
            system.id,
            draw(st.sampled_from(codes)),
            str(draw(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))),
            function=draw(st.sampled_from(["engage_employers", "assess_skills", "design_programs"])),
            period=draw(st.sampled_from(["2025", "2026", "2025-2026"])),
        )
        for _ in range(draw(st.integers(0, 12)))
    ]
    return system, allocations


@settings(max_examples=examples(200), deadline=None)
@given(funded_systems(), st.data())
def test_allocations_keep_their_stream_and_the_per_stream_totals_sum_to_the_total(
    funded: tuple[CareerPathwaysSystem, list[Allocation]], data: st.DataObject
) -> None:
    system, allocations = funded
    analysis = analyse_funding(system, [], [], [], allocations, funding_catalogue().values())
    assert sum((t.amount for t in analysis.by_stream), Decimal(0)) == analysis.total
    assert sum((k.amount for k in analysis.by_kind), Decimal(0)) == analysis.total
    for total in analysis.by_stream:
        assert all(a.stream_code == total.stream_code for a in total.allocations)
        assert total.amount == sum((a.amount for a in total.allocations), Decimal(0))
    assert sorted(a.id for t in analysis.by_stream for a in t.allocations) == sorted(a.id for a in allocations)
    target_sum = sum((s.amount for t in analysis.by_target for s in t.streams), Decimal(0))
    assert target_sum == analysis.total
    shuffled = analyse_funding(system, [], [], [], data.draw(st.permutations(allocations)),
                               funding_catalogue().values())
    assert shuffled == analysis
