"""Gap analysis: what a career pathways system lacks, in a deterministic order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.errors import RuleViolation
from api.domain.gaps import (
    Gap,
    GapContext,
    GapKind,
    PartnerFacts,
    ServiceFacts,
    Severity,
    analyse_gaps,
    review_due_on,
    support_service_gaps,
    unserved_populations,
)
from api.domain.partners import DeliveryMode, Partner, Service, Status
from api.domain.systems import (
    Strength,
    SystemState,
    Team,
    assign_role,
    create_system,
    set_intermediary,
    update_member,
)
from api.domain.team import team_review
from tests.domain.system_factories import (
    REGIONS,
    TODAY,
    gap_context,
    join,
    make_partner,
    make_service,
    make_system,
    reference_catalog,
    role_catalog,
)
from tests.hypothesis_profiles import examples


def system_of(*partners: Partner, **fields: object) -> SystemState:
    state = create_system(make_system(**fields), reference_catalog())
    for partner in partners:
        state = join(state, partner)
    return state


def gaps_of(kind: GapKind, gaps: Iterable[Gap]) -> dict[str, Gap]:
    return {g.subject: g for g in gaps if g.kind is kind}


def found(
    kind: GapKind, state: SystemState, partners: Iterable[Partner] = (), services: Iterable[Service] = ()
) -> dict[str, Gap]:
    return gaps_of(kind, analyse_gaps(gap_context(state, list(partners), list(services))))


def lead(state: SystemState, partner: Partner, function: str) -> SystemState:
    catalog = role_catalog()
    return assign_role(state, catalog, partner_id=partner.id, function=function, strength=Strength.LEAD)[0]


# --- kind 1: uncovered functions ------------------------------------------------------------------------


def test_a_core_function_nobody_carries_is_critical_and_names_whom_to_recruit() -> None:
    board = make_partner("Willamette WDB", "workforce_agency")
    gaps = found(GapKind.UNCOVERED_FUNCTION, system_of(board), [board])
    design = gaps["design_programs"]
    assert design.severity is Severity.CRITICAL
    assert design.recommendation == (
        "Recruit a partner of type: educational_institution, adult_education, labor_union."
    )


def test_a_function_nobody_carries_names_the_members_that_usually_carry_it() -> None:
    board = make_partner("Willamette WDB", "workforce_agency")
    gaps = found(GapKind.UNCOVERED_FUNCTION, system_of(board), [board])
    assert "Willamette WDB" in gaps["assess_skills"].recommendation


def test_a_non_core_function_nobody_carries_is_less_severe() -> None:
    gaps = found(GapKind.UNCOVERED_FUNCTION, system_of(), [])
    assert gaps["champion_system"].severity is Severity.MEDIUM
    assert gaps["coordinate_collaboration"].severity is Severity.CRITICAL


def test_a_function_with_supporters_but_no_lead_asks_for_a_lead_among_them() -> None:
    board = make_partner("Willamette WDB", "workforce_agency")
    state, _ = assign_role(system_of(board), role_catalog(), partner_id=board.id, function="engage_employers",
                           strength=Strength.SUPPORT)
    gap = found(GapKind.UNCOVERED_FUNCTION, state, [board])["engage_employers"]
    assert gap.severity is Severity.HIGH
    assert gap.recommendation == "Designate a lead among Willamette WDB."
    assert gap.figures == {"supporters": 1}


def test_a_led_function_is_not_a_gap() -> None:
    board = make_partner("Willamette WDB", "workforce_agency")
    state = lead(system_of(board), board, "engage_employers")
    assert "engage_employers" not in found(GapKind.UNCOVERED_FUNCTION, state, [board])


def test_coordination_without_a_lead_asks_for_an_intermediary_and_designating_one_clears_it() -> None:
    board = make_partner("Willamette WDB", "workforce_agency")
    state = system_of(board)
    gap = found(GapKind.UNCOVERED_FUNCTION, state, [board])["coordinate_collaboration"]
    assert "intermediary" in gap.recommendation
    state = set_intermediary(state, role_catalog(), board.id)
    gaps = analyse_gaps(gap_context(state, [board]))
    assert "coordinate_collaboration" not in gaps_of(GapKind.UNCOVERED_FUNCTION, gaps)
    assert "intermediary" not in gaps_of(GapKind.TEAM_COMPOSITION, gaps)


# --- kind 2: unserved populations -----------------------------------------------------------------------


def test_population_with_no_serving_partner_is_a_gap() -> None:
    board = make_partner("Willamette WDB", "workforce_agency", populations=("low_income",))
    state = system_of(board, target_populations=("disability", "low_income"))
    gaps = found(GapKind.UNSERVED_POPULATION, state, [board])
    assert list(gaps) == ["disability"]
    assert gaps["disability"].severity is Severity.HIGH
    assert "vocational_rehabilitation" in gaps["disability"].recommendation


def test_bringing_vocational_rehabilitation_on_board_clears_the_disability_gap() -> None:
    # The seed: targeting individuals with disabilities, the team brings on Vocational Rehabilitation.
    board = make_partner("Willamette WDB", "workforce_agency")
    state = system_of(board, target_populations=("disability",))
    assert "disability" in found(GapKind.UNSERVED_POPULATION, state, [board])

    vr = make_partner("Oregon VR Salem", "vocational_rehabilitation", populations=("disability",))
    state = join(state, vr)
    state, assignment = assign_role(state, role_catalog(), partner_id=vr.id, function="recruit_and_refer",
                                    strength=Strength.LEAD)
    assert not assignment.atypical
    gaps = analyse_gaps(gap_context(state, [board, vr]))
    assert "disability" not in gaps_of(GapKind.UNSERVED_POPULATION, gaps)
    assert "recruit_and_refer" not in gaps_of(GapKind.UNCOVERED_FUNCTION, gaps)


def test_a_population_served_through_a_members_service_is_not_a_gap() -> None:
    college = make_partner("Chemeketa CC", "educational_institution")
    services = [make_service(college, "english_language", populations=("english_learner",))]
    state = system_of(college, target_populations=("english_learner",))
    assert found(GapKind.UNSERVED_POPULATION, state, [college], services) == {}


# --- kind 4: support services ---------------------------------------------------------------------------


def test_a_support_service_no_member_offers_is_a_gap() -> None:
    cbo = make_partner("Family Building Blocks", "community_based_organization")
    services = [make_service(cbo, "transportation"), make_service(cbo, "financial_aid")]
    state = system_of(cbo, target_populations=("single_parent",))
    gaps = found(GapKind.SUPPORT_SERVICE, state, [cbo], services)
    assert list(gaps) == ["child_care"]
    assert gaps["child_care"].severity is Severity.HIGH
    assert gaps["child_care"].figures == {"populations": "single_parent"}


def test_a_support_service_offered_in_fewer_than_half_the_regions_is_a_gap() -> None:
    cbo = make_partner("Family Building Blocks", "community_based_organization")
    state = system_of(cbo, target_populations=("displaced_homemaker",))
    thin = [make_service(cbo, "child_care", regions=("or_salem",)), make_service(cbo, "financial_coaching")]
    gap = found(GapKind.SUPPORT_SERVICE, state, [cbo], thin)["child_care"]
    assert gap.severity is Severity.MEDIUM
    assert gap.figures == {
        "regions_covered": 1, "regions_total": 4, "missing": "or_coast, or_lane, or_portland",
    }

    half = [*thin, make_service(cbo, "child_care", regions=("or_lane", "wa_clark"))]
    assert found(GapKind.SUPPORT_SERVICE, state, [cbo], half) == {}


def test_an_online_support_service_covers_every_region() -> None:
    cbo = make_partner("Coach Online", "community_based_organization")
    online = DeliveryMode.ONLINE
    services = [make_service(cbo, "financial_coaching", regions=("or_salem",), delivery_mode=online)]
    state = system_of(cbo, target_populations=("dislocated_worker",))
    assert found(GapKind.SUPPORT_SERVICE, state, [cbo], services) == {}


def test_a_service_without_regions_covers_the_regions_its_partner_serves() -> None:
    cbo = make_partner("Coach", "community_based_organization", regions=("or_salem",))
    services = [make_service(cbo, "financial_coaching")]
    state = system_of(cbo, target_populations=("dislocated_worker",))
    gaps = found(GapKind.SUPPORT_SERVICE, state, [cbo], services)
    assert gaps["financial_coaching"].figures["regions_covered"] == 1


# --- kind 5: team composition ---------------------------------------------------------------------------


def test_no_employer_on_the_leadership_team_is_a_composition_gap_until_one_joins_and_takes_a_role() -> None:
    board = make_partner("Willamette WDB", "workforce_agency")
    college = make_partner("Chemeketa CC", "educational_institution")
    state = set_intermediary(system_of(board, college), role_catalog(), board.id)
    gaps = found(GapKind.TEAM_COMPOSITION, state, [board, college])
    essential = {subject for subject, gap in gaps.items() if gap.severity is Severity.HIGH}
    assert essential == {"employer"}
    assert "Invite an employer representative" in gaps["employer"].recommendation

    employer = make_partner("Salem Health", "employer")
    state = lead(join(state, employer), employer, "provide_employment")
    gaps_after = analyse_gaps(gap_context(state, [board, college, employer]))
    assert "employer" not in gaps_of(GapKind.TEAM_COMPOSITION, gaps_after)
    assert "provide_employment" not in gaps_of(GapKind.UNCOVERED_FUNCTION, gaps_after)


def test_an_employer_on_the_operations_team_is_asked_to_join_the_leadership_team() -> None:
    employer = make_partner("Salem Health", "employer")
    state = join(system_of(), employer, Team.OPERATIONS)
    gap = found(GapKind.TEAM_COMPOSITION, state, [employer])["employer"]
    assert gap.recommendation.startswith("Move Salem Health to the leadership team")
    state = update_member(state, employer.id, team=Team.LEADERSHIP)
    assert "employer" not in found(GapKind.TEAM_COMPOSITION, state, [employer])


def test_a_system_without_an_intermediary_has_a_composition_gap() -> None:
    gaps = found(GapKind.TEAM_COMPOSITION, system_of(), [])
    high = {subject for subject, gap in gaps.items() if gap.severity is Severity.HIGH}
    assert high == {"employer", "workforce_agency", "educational_institution", "intermediary"}


# --- kind 8: membership review --------------------------------------------------------------------------


def test_a_team_never_reviewed_has_a_review_gap() -> None:
    state = system_of(last_reviewed_on=None)
    gaps = found(GapKind.MEMBERSHIP_REVIEW, state, [])
    assert "never been reviewed" in gaps["membership_review"].explanation


def test_a_review_past_its_cadence_is_overdue_and_one_within_it_is_not() -> None:
    state = system_of(last_reviewed_on=date(2024, 5, 1))
    gap = found(GapKind.MEMBERSHIP_REVIEW, state, [])["membership_review"]
    assert gap.figures == {"due_on": "2025-05-01", "days_overdue": 31}
    recent = system_of(last_reviewed_on=date(2024, 6, 1))
    assert found(GapKind.MEMBERSHIP_REVIEW, recent, []) == {}


def test_the_review_due_date_follows_the_cadence_and_stays_inside_the_month() -> None:
    assert review_due_on(make_system(last_reviewed_on=date(2024, 1, 31), review_cadence_months=1)) == date(
        2024, 2, 29
    )
    assert review_due_on(make_system(last_reviewed_on=date(2024, 11, 15), review_cadence_months=3)) == date(
        2025, 2, 15
    )
    assert review_due_on(make_system(last_reviewed_on=None)) is None


def test_team_review_reports_status_and_what_the_review_checks() -> None:
    state = system_of(last_reviewed_on=date(2024, 5, 1), target_populations=("disability",))
    review = team_review(gap_context(state, []))
    assert review.last_reviewed_on == date(2024, 5, 1)
    assert review.due_on == date(2025, 5, 1)
    assert review.overdue and review.days_overdue == 31
    assert {g.kind for g in review.gaps} == {
        GapKind.TEAM_COMPOSITION, GapKind.UNSERVED_POPULATION, GapKind.UNCOVERED_FUNCTION}
    assert all(role_catalog().functions[g.subject].core for g in review.gaps if g.kind is GapKind.UNCOVERED_FUNCTION)

    current = team_review(gap_context(system_of(last_reviewed_on=date(2025, 1, 1)), []))
    assert not current.overdue and current.days_overdue == 0
    never = team_review(gap_context(system_of(last_reviewed_on=None), []))
    assert never.overdue and never.due_on is None and never.days_overdue is None


# --- the analysis as a whole ----------------------------------------------------------------------------

_SEVERITY = list(Severity)
_KIND = list(GapKind)


def assert_ordered(gaps: list[Gap]) -> None:
    keys = [(_SEVERITY.index(g.severity), _KIND.index(g.kind), g.subject) for g in gaps]
    assert keys == sorted(keys)


def test_gaps_are_ordered_by_severity_then_kind_then_subject() -> None:
    board = make_partner("Willamette WDB", "workforce_agency")
    state = system_of(board, target_populations=("disability", "ex_offender"), last_reviewed_on=None)
    gaps = analyse_gaps(gap_context(state, [board]))
    assert_ordered(gaps)
    assert gaps[0].severity is Severity.CRITICAL
    assert {g.kind for g in gaps} == {
        GapKind.UNCOVERED_FUNCTION, GapKind.UNSERVED_POPULATION, GapKind.SUPPORT_SERVICE,
        GapKind.TEAM_COMPOSITION, GapKind.MEMBERSHIP_REVIEW,
    }


def test_a_rule_added_to_the_list_is_run_and_its_gaps_are_ordered_with_the_others() -> None:
    def unserved_regions(ctx: GapContext) -> Iterable[Gap]:
        for region in ctx.system.regions:
            yield Gap(kind=GapKind.FUNDING, severity=Severity.LOW, subject=region,
                      explanation="No funding stream pays for it.", recommendation="Braid a stream in.")

    ctx = gap_context(system_of(), [])
    assert len(ctx.system.regions) > 1
    gaps = analyse_gaps(ctx, rules=[unserved_regions])
    assert [g.subject for g in gaps] == sorted(ctx.system.regions)


partner_types = st.sampled_from(sorted(role_catalog().matrix.usual))
populations = st.sampled_from(sorted(reference_catalog().populations))
categories = st.sampled_from(sorted(reference_catalog().service_categories))
functions = st.sampled_from(sorted(role_catalog().functions))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[SystemState, list[Partner], list[Service]]:
    state = system_of(
        target_populations=tuple(draw(st.lists(populations, max_size=4, unique=True))),
        last_reviewed_on=draw(st.none() | st.dates(date(2020, 1, 1), date(2026, 1, 1))),
    )
    partners, services = [], []
    for i in range(draw(st.integers(0, 6))):
        partner = make_partner(
            f"P{i % 3}", draw(partner_types), partner_id=UUID(int=i + 1),
            populations=tuple(draw(st.lists(populations, max_size=2))),
            regions=tuple(draw(st.lists(st.sampled_from(REGIONS), max_size=2))),
        )
        partners.append(partner)
        state = join(state, partner, draw(st.sampled_from(list(Team))))
        for category in draw(st.lists(categories, max_size=3)):
            regions = tuple(draw(st.lists(st.sampled_from(REGIONS), max_size=2)))
            services.append(make_service(partner, category, regions=regions))
    for _ in range(draw(st.integers(0, 8))):
        if not partners:
            break
        partner = draw(st.sampled_from(partners))
        try:
            if draw(st.booleans()):
                state = set_intermediary(state, role_catalog(), partner.id)
            else:
                state = assign_role(state, role_catalog(), partner_id=partner.id, function=draw(functions),
                                    strength=draw(st.sampled_from(list(Strength))))[0]
        except RuleViolation:
            pass
    return state, partners, services


@settings(max_examples=examples(150), deadline=None)
@given(scenarios(), st.data())
def test_gap_analysis_is_deterministic_whatever_the_input_order(
    scenario: tuple[SystemState, list[Partner], list[Service]], data: st.DataObject
) -> None:
    state, partners, services = scenario
    gaps = analyse_gaps(gap_context(state, partners, services))
    assert gaps == analyse_gaps(gap_context(state, partners, services))
    assert_ordered(gaps)

    shuffled_state = replace(
        state,
        members=tuple(data.draw(st.permutations(state.members))),
        assignments=tuple(data.draw(st.permutations(state.assignments))),
    )
    shuffled_partners = data.draw(st.permutations(partners))
    shuffled_services = data.draw(st.permutations(services))
    shuffled = analyse_gaps(gap_context(shuffled_state, shuffled_partners, shuffled_services))
    assert shuffled == gaps
    assert team_review(gap_context(shuffled_state, partners, services, TODAY)) == team_review(
        gap_context(state, partners, services, TODAY)
    )


# --- the population and support service rules against the way they were first written ------------------------


def reference_unserved(ctx: GapContext) -> list[tuple[str, str]]:
    served: set[str] = set()
    for m in ctx.members:
        partner = ctx.partners.get(m.partner_id)
        if partner is not None:
            served.update(partner.populations_served)
    for service in ctx.active_services():
        served.update(service.populations)
    return [(p, "unserved") for p in dict.fromkeys(ctx.system.target_populations) if p not in served]


def reference_support(ctx: GapContext) -> list[tuple[str, object]]:
    needed = dict.fromkeys(c for p in dict.fromkeys(ctx.system.target_populations)
                           for c in ctx.catalog.support_needs.get(p, ()))
    offered = ctx.active_services()
    regions = set(ctx.system.regions)
    out: list[tuple[str, object]] = []
    for category in needed:
        providers = [s for s in offered if s.category == category]
        if not providers:
            out.append((category, "none"))
            continue
        if not regions:
            continue
        covered: set[str] = set()
        for s in providers:
            partner = ctx.partners.get(s.partner_id)
            if s.delivery_mode is DeliveryMode.ONLINE:
                covered |= regions
            elif s.regions:
                covered |= set(s.regions) & regions
            elif partner is not None and partner.regions_served:
                covered |= set(partner.regions_served) & regions
            else:
                covered |= regions
        if 2 * len(covered) < len(regions):
            out.append((category, len(covered)))
    return out


@settings(max_examples=examples(300), deadline=None)
@given(scenarios(), st.data())
def test_population_and_support_gaps_are_those_the_rules_first_found(
    scenario: tuple[SystemState, list[Partner], list[Service]], data: st.DataObject
) -> None:
    state, partners, services = scenario
    services = [replace(s, delivery_mode=data.draw(st.sampled_from(DeliveryMode)),
                        status=data.draw(st.sampled_from(Status)),
                        populations=tuple(data.draw(st.lists(populations, max_size=2)))) for s in services]
    state = replace(state, system=replace(state.system, regions=tuple(data.draw(
        st.lists(st.sampled_from(REGIONS), max_size=4)))))
    ctx = gap_context(state, partners, services)
    unserved = [(g.subject, "unserved") for g in unserved_populations(ctx)]
    assert unserved == reference_unserved(ctx)
    support = [(g.subject, "none" if g.severity is Severity.HIGH else g.figures["regions_covered"])
               for g in support_service_gaps(ctx)]
    assert support == reference_support(ctx)
    facts = replace(ctx, partners={pid: PartnerFacts.of(p) for pid, p in ctx.partners.items()},
                    services_by_partner={pid: [ServiceFacts.of(s) for s in found]
                                         for pid, found in ctx.services_by_partner.items()})
    assert analyse_gaps(facts) == analyse_gaps(ctx)


def test_a_context_lists_its_active_services_once_and_a_changed_copy_lists_its_own() -> None:
    college = make_partner("Chemeketa CC", "educational_institution")
    outsider = make_partner("Not a member", "employer")
    state = join(SystemState(system=make_system()), college)
    training = make_service(college, "occupational_training")
    retired = replace(make_service(college, "tutoring"), status=Status.INACTIVE)
    ctx = gap_context(state, [college, outsider], [training, retired, make_service(outsider, "tutoring")])
    listed = ctx.active_services()
    assert listed == (training,) and ctx.active_services() is listed
    assert ctx == replace(ctx), "the list is a cache: it takes no part in equality"
    coaching = make_service(college, "career_counseling")
    changed = replace(ctx, services_by_partner={college.id: [coaching, training]})
    assert changed.active_services() == (coaching, training) and ctx.active_services() == (training,)
