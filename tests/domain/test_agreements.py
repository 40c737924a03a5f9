"""Agreements: validation, derived status, MOU completeness, and the formalization gaps (kind 6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.agreements import (
    Agreement,
    AgreementNotDraft,
    AgreementStatus,
    AgreementType,
    FormalizedRoleNotHeldByAParty,
    PartyNotAMember,
    agreement_renewals,
    completeness,
    derived_status,
    formalized_partners,
    is_active_on,
    review_due_on,
    revise_agreement,
    sign_agreement,
    status_rank,
    unformalized_leads,
    validate_agreement,
)
from api.domain.errors import InvalidInput
from api.domain.gaps import DEFAULT_EXPIRY_WINDOW_DAYS, DEFAULT_RULES, Gap, GapKind, Severity, analyse_gaps
from api.domain.partners import Partner
from api.domain.systems import Assignment, Strength, SystemState, assign_role, create_system
from tests.domain.agreement_factories import make_agreement
from tests.domain.system_factories import (
    TODAY,
    gap_context,
    join,
    make_partner,
    make_system,
    reference_catalog,
    role_catalog,
)
from tests.hypothesis_profiles import examples

CHECKLISTS = role_catalog().agreement_checklists
ALL_SECTIONS = CHECKLISTS["one_stop_mou"].codes()


def system_of(*partners: Partner) -> SystemState:
    state = create_system(make_system(), reference_catalog())
    for partner in partners:
        state = join(state, partner)
    return state


def lead(state: SystemState, partner: Partner, function: str) -> tuple[SystemState, Assignment]:
    return assign_role(state, role_catalog(), partner_id=partner.id, function=function, strength=Strength.LEAD)


def formalization_gaps(
    state: SystemState, partners: list[Partner], agreements: list[Agreement] | None, today: date = TODAY,
    agreement_expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS,
) -> list[Gap]:
    ctx = replace(gap_context(state, partners, today=today), agreements=agreements,
                  agreement_expiry_window_days=agreement_expiry_window_days)
    return [*unformalized_leads(ctx), *agreement_renewals(ctx)]


def problems_of(error: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {p.field: p.message for p in error.value.problems}


@pytest.fixture
def pair() -> tuple[Partner, Partner]:
    return make_partner("Willamette WDB", "workforce_agency"), make_partner("Chemeketa CC", "educational_institution")


# --- validation -----------------------------------------------------------------------------------------


def test_a_well_formed_mou_is_valid(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id))
    assert validate_agreement(agreement) is agreement


def test_an_mou_needs_at_least_two_distinct_parties(pair: tuple[Partner, Partner]) -> None:
    with pytest.raises(InvalidInput) as error:
        validate_agreement(make_agreement(uuid4(), (pair[0].id, pair[0].id)))
    assert problems_of(error) == {
        "parties": "an MOU needs at least 2 parties",
        "parties[1]": f"partner {pair[0].id} appears twice",
    }


def test_a_contract_may_have_a_single_party_but_not_none(pair: tuple[Partner, Partner]) -> None:
    validate_agreement(make_agreement(uuid4(), (pair[0].id,), type=AgreementType.CONTRACT))
    with pytest.raises(InvalidInput) as error:
        validate_agreement(make_agreement(uuid4(), (), type=AgreementType.CONTRACT))
    assert set(problems_of(error)) == {"parties"}


def test_dates_must_be_in_order(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(
        uuid4(), (pair[0].id, pair[1].id), effective_on=date(2025, 6, 1), expires_on=date(2025, 5, 1),
        review_by=date(2025, 1, 1), signed_on=date(2025, 5, 2),
    )
    with pytest.raises(InvalidInput) as error:
        validate_agreement(agreement)
    assert set(problems_of(error)) == {"expires_on", "review_by", "signed_on"}


def test_a_one_stop_mou_is_reviewed_within_three_years_of_taking_effect(pair: tuple[Partner, Partner]) -> None:
    parties = (pair[0].id, pair[1].id)
    validate_agreement(make_agreement(uuid4(), parties, expires_on=None, review_by=date(2028, 1, 1)))
    with pytest.raises(InvalidInput) as error:
        validate_agreement(make_agreement(uuid4(), parties, expires_on=None, review_by=date(2028, 1, 2)))
    assert problems_of(error) == {"review_by": "an MOU is reviewed at least every 3 years: by 2028-01-01"}


def test_the_three_year_review_from_a_leap_day_falls_on_the_last_day_of_february(
    pair: tuple[Partner, Partner],
) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id), effective_on=date(2024, 2, 29),
                               signed_on=date(2024, 2, 29), expires_on=None, review_by=None)
    assert review_due_on(agreement) == date(2027, 2, 28)


def test_other_agreement_types_are_not_held_to_the_three_year_review(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id,), type=AgreementType.GRANT_AGREEMENT,
                               expires_on=None, review_by=date(2030, 1, 1))
    assert validate_agreement(agreement) is agreement
    assert review_due_on(replace(agreement, review_by=None)) is None


def test_contents_outside_the_checklist_of_the_agreements_kind_are_refused(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id), type=AgreementType.ONE_STOP_MOU,
                               contents=frozenset({"referral_methods", "pizza"}))
    with pytest.raises(InvalidInput) as error:
        validate_agreement(agreement, checklists=CHECKLISTS)
    assert problems_of(error) == {"contents": "'pizza' is not an item of the One-stop MOU (WIOA) checklist"}
    with pytest.raises(InvalidInput) as error:
        validate_agreement(replace(agreement, type=AgreementType.MOU), checklists=CHECKLISTS)
    assert "referral_methods" in problems_of(error)["contents"]
    contract = replace(agreement, type=AgreementType.CONTRACT, contents=frozenset({"parties"}))
    with pytest.raises(InvalidInput) as error:
        validate_agreement(contract, checklists=CHECKLISTS)
    assert problems_of(error) == {"contents": "no checklist applies to a contract"}


def test_every_party_must_be_a_member_of_the_system(pair: tuple[Partner, Partner]) -> None:
    outsider = make_partner("Elsewhere", "employer")
    agreement = make_agreement(uuid4(), (pair[0].id, outsider.id))
    with pytest.raises(PartyNotAMember):
        validate_agreement(agreement, member_ids={pair[0].id, pair[1].id})


def test_an_agreement_formalizes_only_roles_its_parties_hold(pair: tuple[Partner, Partner]) -> None:
    board, college = pair
    employer = make_partner("Salem Health", "employer")
    state, board_lead = lead(system_of(board, college, employer), board, "engage_employers")
    state, employer_lead = lead(state, employer, "provide_employment")
    assignments = {a.id: a for a in state.assignments}
    ok = make_agreement(state.system.id, (board.id, college.id), formalizes=(board_lead.id,))
    assert validate_agreement(ok, assignments=assignments) is ok
    with pytest.raises(FormalizedRoleNotHeldByAParty):
        validate_agreement(replace(ok, formalizes=(employer_lead.id,)), assignments=assignments)
    with pytest.raises(InvalidInput) as error:
        validate_agreement(replace(ok, formalizes=(uuid4(),)), assignments=assignments)
    assert set(problems_of(error)) == {"formalizes[0]"}


def test_revising_an_agreement_bumps_its_version_and_refuses_unknown_fields(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id))
    revised = revise_agreement(agreement, {"title": "Renewed MOU", "contents": ["referral_methods"]})
    assert (revised.title, revised.contents, revised.version) == ("Renewed MOU", frozenset({"referral_methods"}), 2)
    with pytest.raises(InvalidInput) as error:
        revise_agreement(agreement, {"system_id": uuid4(), "title": None})
    assert problems_of(error) == {"system_id": "cannot be changed", "title": "must not be null"}


# --- status ---------------------------------------------------------------------------------------------


def test_a_draft_stays_a_draft_whatever_its_dates(pair: tuple[Partner, Partner]) -> None:
    draft = make_agreement(uuid4(), (pair[0].id, pair[1].id), status=AgreementStatus.DRAFT, signed_on=None)
    for day in (date(2024, 1, 1), date(2025, 6, 1), date(2030, 1, 1)):
        assert derived_status(draft, day) is AgreementStatus.DRAFT
        assert not is_active_on(draft, day)


def test_a_signed_agreement_is_active_through_its_expiry_day_and_expired_after(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id))
    assert derived_status(agreement, date(2026, 12, 31)) is AgreementStatus.ACTIVE
    assert is_active_on(agreement, date(2026, 12, 31))
    assert derived_status(agreement, date(2027, 1, 1)) is AgreementStatus.EXPIRED
    assert not is_active_on(agreement, date(2027, 1, 1))


def test_a_draft_recording_a_signing_date_becomes_active_on_that_day(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id), status=AgreementStatus.DRAFT,
                               signed_on=date(2025, 3, 1))
    assert derived_status(agreement, date(2025, 2, 28)) is AgreementStatus.DRAFT
    assert derived_status(agreement, date(2025, 3, 1)) is AgreementStatus.ACTIVE


def test_an_agreement_not_yet_effective_is_active_but_not_in_force(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id), effective_on=date(2025, 9, 1))
    assert derived_status(agreement, TODAY) is AgreementStatus.ACTIVE
    assert not is_active_on(agreement, TODAY)
    assert is_active_on(agreement, date(2025, 9, 1))


def test_an_agreement_recorded_as_expired_stays_expired(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id), status=AgreementStatus.EXPIRED)
    assert derived_status(agreement, date(2025, 2, 1)) is AgreementStatus.EXPIRED


def test_signing_a_draft_makes_it_active_and_signing_twice_is_refused(pair: tuple[Partner, Partner]) -> None:
    draft = make_agreement(uuid4(), (pair[0].id, pair[1].id), status=AgreementStatus.DRAFT, signed_on=None)
    signed = sign_agreement(draft, signed_on=date(2025, 1, 15))
    assert (signed.status, signed.signed_on, signed.version) == (AgreementStatus.ACTIVE, date(2025, 1, 15), 2)
    with pytest.raises(AgreementNotDraft):
        sign_agreement(signed, signed_on=date(2025, 1, 16))


@st.composite
def agreements(draw: st.DrawFn) -> Agreement:
    start = date(2024, 1, 1)
    effective = draw(st.none() | st.integers(0, 800).map(lambda d: start + timedelta(days=d)))
    expires = draw(st.none() | st.integers(0, 1500).map(lambda d: start + timedelta(days=d)))
    signed = draw(st.none() | st.integers(0, 1500).map(lambda d: start + timedelta(days=d)))
    return make_agreement(
        uuid4(), (uuid4(), uuid4()), effective_on=effective, expires_on=expires, signed_on=signed,
        review_by=None, status=draw(st.sampled_from(list(AgreementStatus))),
    )


@settings(max_examples=examples(300), deadline=None)
@given(agreements(), st.integers(0, 1600), st.integers(0, 400))
def test_derived_status_only_moves_forward_in_time(agreement: Agreement, offset: int, later: int) -> None:
    day = date(2023, 6, 1) + timedelta(days=offset)
    before, after = derived_status(agreement, day), derived_status(agreement, day + timedelta(days=later))
    assert status_rank(before) <= status_rank(after)


# --- MOU completeness -----------------------------------------------------------------------------------


def test_the_one_stop_checklist_lists_present_and_missing_sections_in_the_regulation_order(
    pair: tuple[Partner, Partner],
) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id), type=AgreementType.ONE_STOP_MOU,
                               contents=frozenset({"referral_methods", "services_and_coordination"}))
    found = completeness(agreement, CHECKLISTS)
    assert found.applies and found.complete is False
    assert [s.code for s in found.present] == ["services_and_coordination", "referral_methods"]
    assert [s.code for s in found.missing] == [
        "cost_sharing", "access_for_individuals_with_barriers", "duration_and_amendment", "review_and_renewal",
    ]
    assert "at least every 3 years" in found.missing[-1].description
    assert "678.500" in found.source and all("678.500" in s.source for s in found.missing)


def test_a_one_stop_mou_covering_the_six_required_sections_is_complete(pair: tuple[Partner, Partner]) -> None:
    assert len(ALL_SECTIONS) == 6
    found = completeness(make_agreement(uuid4(), (pair[0].id, pair[1].id), type=AgreementType.ONE_STOP_MOU,
                                        contents=ALL_SECTIONS), CHECKLISTS)
    assert found.complete and not found.missing


def test_no_checklist_applies_to_a_contract_so_it_is_neither_complete_nor_incomplete(
    pair: tuple[Partner, Partner],
) -> None:
    contract = make_agreement(uuid4(), (pair[0].id,), type=AgreementType.CONTRACT)
    found = completeness(contract, CHECKLISTS)
    assert not found.applies and found.complete is None and not found.missing


# --- gap analysis, kind 6 -------------------------------------------------------------------------------


def test_without_agreements_in_the_context_there_are_no_formalization_gaps(pair: tuple[Partner, Partner]) -> None:
    state, _ = lead(system_of(*pair), pair[0], "engage_employers")
    assert formalization_gaps(state, list(pair), None) == []


def test_a_lead_role_with_no_active_mou_is_a_gap_that_signing_clears_and_expiry_brings_back(
    pair: tuple[Partner, Partner],
) -> None:
    board, college = pair
    state, assignment = lead(system_of(board, college), board, "engage_employers")

    [gap] = formalization_gaps(state, [board, college], [])
    assert (gap.kind, gap.severity, gap.subject) == (GapKind.FORMALIZATION, Severity.HIGH, "engage_employers")
    assert gap.recommendation == "Formalize the lead in an MOU or another agreement signed by Willamette WDB."

    draft = make_agreement(state.system.id, (board.id, college.id), status=AgreementStatus.DRAFT, signed_on=None,
                           formalizes=(assignment.id,), expires_on=date(2025, 12, 31))
    [gap] = formalization_gaps(state, [board, college], [draft])
    assert gap.recommendation.startswith("Sign the draft agreement")

    signed = sign_agreement(draft, signed_on=date(2025, 1, 1))
    assert formalization_gaps(state, [board, college], [signed]) == []

    after_expiry = date(2026, 1, 1)
    gaps = formalization_gaps(state, [board, college], [signed], today=after_expiry)
    lapsed = [g for g in gaps if g.subject == "engage_employers"]
    assert [g.severity for g in lapsed] == [Severity.HIGH]
    assert lapsed[0].recommendation == "Renew 'Willamette partners MOU', which formalized this lead until 2025-12-31."


def test_an_unformalized_lead_of_a_function_that_is_not_core_is_medium(pair: tuple[Partner, Partner]) -> None:
    state, _ = lead(system_of(*pair), pair[0], "champion_system")
    [gap] = formalization_gaps(state, list(pair), [])
    assert (gap.subject, gap.severity) == ("champion_system", Severity.MEDIUM)


def test_supporting_roles_need_no_agreement(pair: tuple[Partner, Partner]) -> None:
    state, _ = assign_role(system_of(*pair), role_catalog(), partner_id=pair[0].id, function="engage_employers",
                           strength=Strength.SUPPORT)
    assert formalization_gaps(state, list(pair), []) == []


def test_an_assignment_naming_its_agreement_counts_as_formalized(pair: tuple[Partner, Partner]) -> None:
    agreement = make_agreement(uuid4(), (pair[0].id, pair[1].id))
    state = system_of(*pair)
    agreement = replace(agreement, system_id=state.system.id)
    state, _ = assign_role(state, role_catalog(), partner_id=pair[0].id, function="engage_employers",
                           strength=Strength.LEAD, agreement_id=agreement.id)
    assert formalization_gaps(state, list(pair), [agreement]) == []


def test_agreements_of_another_system_do_not_formalize_anything(pair: tuple[Partner, Partner]) -> None:
    state, assignment = lead(system_of(*pair), pair[0], "engage_employers")
    elsewhere = make_agreement(uuid4(), (pair[0].id, pair[1].id), formalizes=(assignment.id,))
    assert [g.subject for g in formalization_gaps(state, list(pair), [elsewhere])] == ["engage_employers"]


def test_an_agreement_expiring_within_the_window_is_due_for_renewal(pair: tuple[Partner, Partner]) -> None:
    state = system_of(*pair)
    soon = make_agreement(state.system.id, (pair[0].id, pair[1].id), expires_on=TODAY + timedelta(days=90))
    later = make_agreement(state.system.id, (pair[0].id, pair[1].id), title="Later MOU",
                           expires_on=TODAY + timedelta(days=91))
    [gap] = formalization_gaps(state, list(pair), [soon, later])
    assert (gap.subject, gap.severity) == ("Willamette partners MOU", Severity.MEDIUM)
    assert gap.figures["days_to_expiry"] == 90


def test_the_renewal_window_is_a_setting(pair: tuple[Partner, Partner]) -> None:
    state = system_of(*pair)
    soon = make_agreement(state.system.id, (pair[0].id, pair[1].id), expires_on=TODAY + timedelta(days=45))
    assert formalization_gaps(state, list(pair), [soon], agreement_expiry_window_days=30) == []
    assert len(formalization_gaps(state, list(pair), [soon], agreement_expiry_window_days=60)) == 1
    with pytest.raises(InvalidInput):
        formalization_gaps(state, list(pair), [soon], agreement_expiry_window_days=-1)


def test_an_agreement_past_its_review_date_is_a_high_gap(pair: tuple[Partner, Partner]) -> None:
    state = system_of(*pair)
    overdue = make_agreement(state.system.id, (pair[0].id, pair[1].id), effective_on=date(2022, 1, 1),
                             signed_on=date(2022, 1, 1), expires_on=None, review_by=None)
    [gap] = formalization_gaps(state, list(pair), [overdue])
    assert gap.severity is Severity.HIGH
    assert gap.explanation == "'Willamette partners MOU' was due for review on 2025-01-01."


def test_an_agreement_that_lapsed_while_recorded_active_is_high_until_recorded_expired(
    pair: tuple[Partner, Partner],
) -> None:
    state = system_of(*pair)
    lapsed = make_agreement(state.system.id, (pair[0].id, pair[1].id), expires_on=date(2025, 5, 1))
    [gap] = formalization_gaps(state, list(pair), [lapsed])
    assert (gap.severity, gap.figures["days_expired"]) == (Severity.HIGH, 31)
    assert formalization_gaps(state, list(pair), [replace(lapsed, status=AgreementStatus.EXPIRED)]) == []


def test_drafts_are_never_due_for_renewal(pair: tuple[Partner, Partner]) -> None:
    state = system_of(*pair)
    draft = make_agreement(state.system.id, (pair[0].id, pair[1].id), status=AgreementStatus.DRAFT, signed_on=None,
                           expires_on=TODAY + timedelta(days=5))
    assert formalization_gaps(state, list(pair), [draft]) == []


def test_formalization_gaps_join_the_analysis_in_severity_order(pair: tuple[Partner, Partner]) -> None:
    state, _ = lead(system_of(*pair), pair[0], "engage_employers")
    ctx = gap_context(state, list(pair), agreements=[])
    gaps = analyse_gaps(ctx, (*DEFAULT_RULES, unformalized_leads, agreement_renewals))
    assert any(g.kind is GapKind.FORMALIZATION and g.subject == "engage_employers" for g in gaps)
    ranks = [list(Severity).index(g.severity) for g in gaps]
    assert ranks == sorted(ranks)


def test_the_formalized_partners_are_the_parties_and_role_holders_of_agreements_in_force(
    pair: tuple[Partner, Partner],
) -> None:
    board, college = pair
    employer = make_partner("Salem Health", "employer")
    state, assignment = lead(system_of(board, college, employer), employer, "provide_employment")
    linked = replace(assignment, agreement_id=uuid4())
    active = make_agreement(state.system.id, (board.id, college.id))
    expired_one = make_agreement(state.system.id, (college.id,), id=linked.agreement_id,
                                 type=AgreementType.CONTRACT, expires_on=date(2025, 1, 31))
    assert formalized_partners([linked], [active, expired_one], TODAY) == {board.id, college.id}
    assert formalized_partners([linked], [active, expired_one], date(2025, 1, 15)) == {board.id, college.id,
                                                                                       employer.id}
