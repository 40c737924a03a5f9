"""Demo data: a plausible, clearly fictional state directory, generated deterministically."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid5

from api.demo_partnerships import load_partnerships
from api.domain.action_plans import ItemStatus
from api.domain.lmi_ingest import RawRecord
from api.domain.partners import (
    Address,
    Contact,
    DeliveryMode,
    ExternalId,
    Jurisdiction,
    Level,
    Partner,
    Service,
    Status,
)
from api.domain.ports import UnitOfWork
from api.domain.reference import Region
from api.domain.systems import (
    CareerPathwaysSystem,
    Member,
    StaffSession,
    StaffSessionKind,
    Strength,
    SystemLevel,
    Team,
    WorkingRelationship,
)
from api.usecases import action_plans as plans_uc
from api.usecases import labor_market as lmi_uc
from api.usecases import partners as partner_uc
from api.usecases import readiness as readiness_uc
from api.usecases import reference as reference_uc
from api.usecases import systems as systems_uc

DEMO_SOURCE = "demo"
NAMESPACE = UUID("6f1c1a52-5b7e-4c43-9d1e-7d0b8f3a2c10")
STATE = "OR"
# Fictional local workforce areas with a centre point (inside Oregon's bounding box).
AREAS: list[tuple[str, str, float, float, str]] = [
    ("or-brightwater", "Brightwater Valley Workforce Area", 44.94, -123.03, "Brightwater"),
    ("or-elk-hollow", "Elk Hollow Workforce Area", 45.52, -122.68, "Elk Hollow"),
    ("or-pinecrest", "Pinecrest Highlands Workforce Area", 44.06, -121.31, "Pinecrest"),
    ("or-marlow-bay", "Marlow Bay Coastal Workforce Area", 43.37, -124.22, "Marlow Bay"),
    ("or-stonebridge", "Stonebridge Basin Workforce Area", 42.33, -122.87, "Stonebridge"),
]
TYPES: dict[str, tuple[list[str], list[tuple[str, str]], list[str]]] = {
    # partner type: (name patterns, [(service category, service name)], populations)
    "workforce_agency": (["{town} WorkSource Center", "{town} Workforce Board"],
                         [("job_search", "Job search workshops"), ("job_placement", "Job placement"),
                          ("labor_market_information", "Local labor market briefings"),
                          ("assessment", "Skills assessment")],
                         ["general_public", "dislocated_worker", "low_income", "long_term_unemployed"]),
    "educational_institution": (["{town} Community College", "{town} Technical Institute"],
                                [("occupational_training", "Certified nursing assistant program"),
                                 ("occupational_training", "Welding technology certificate"),
                                 ("financial_aid", "Financial aid advising"),
                                 ("curriculum_development", "Industry-aligned curriculum design")],
                                ["general_public", "low_income", "youth", "english_learner"]),
    "economic_development_agency": (["{town} Economic Development Council"],
                                    [("labor_market_information", "Regional industry outlook"),
                                     ("employer_services", "Employer roundtables")], ["general_public"]),
    "human_services_agency": (["{town} Family Services Office"],
                              [("case_management", "Family case management"), ("child_care", "Child care subsidies"),
                               ("food_assistance", "Food assistance enrollment")],
                              ["low_income", "single_parent", "homeless", "tanf_exhausting"]),
    "community_based_organization": (["{town} Neighbors Network", "{town} Opportunity Alliance"],
                                     [("recruitment_referral", "Community outreach and referral"),
                                      ("transportation", "Bus passes and ride vouchers"),
                                      ("housing", "Emergency housing navigation")],
                                     ["low_income", "homeless", "cultural_barriers", "english_learner"]),
    "employer": (["{town} Regional Health System", "{town} Precision Manufacturing", "{town} Timber Works"],
                 [("work_based_learning", "Paid internships"), ("apprenticeship", "Maintenance apprenticeship")],
                 ["general_public"]),
    "vocational_rehabilitation": (["{town} Vocational Rehabilitation Office"],
                                  [("disability_services", "Job coaching and accommodations"),
                                   ("career_counseling", "Pre-employment transition services")],
                                  ["disability", "youth"]),
    "adult_education": (["{town} Adult Learning Center"],
                        [("adult_basic_education", "GED preparation"), ("english_language", "ESL classes"),
                         ("integrated_education_training", "I-BEST style healthcare bridge")],
                        ["low_literacy", "english_learner", "low_income"]),
    "tanf_agency": (["{town} TANF Employment Program"], [("case_management", "JOBS program case management")],
                    ["low_income", "single_parent", "tanf_exhausting"]),
    "snap_et_agency": (["{town} SNAP Training Partners"], [("job_search", "SNAP E&T job search"),
                                                          ("transportation", "Training travel support")],
                       ["low_income"]),
    "reentry_organization": (["{town} Second Chance Center"], [("legal_services", "Record expungement clinics"),
                                                               ("job_search", "Fair-chance job readiness")],
                             ["ex_offender"]),
    "veterans_services": (["{town} Veterans Employment Office"], [("career_counseling", "Veterans career counseling")],
                          ["veteran"]),
    "labor_union": (["{town} Building Trades Apprenticeship Committee"],
                    [("apprenticeship", "Electrical apprenticeship"),
                     ("apprenticeship", "Carpentry pre-apprenticeship")],
                    ["general_public", "youth"]),
    "philanthropy": (["{town} Community Foundation"], [("financial_coaching", "Emergency completion grants")],
                     ["low_income"]),
}
STREETS = ["Main St", "Oak Ave", "River Rd", "Cedar Ln", "Harbor Way", "Summit Dr", "Mill St"]
# What each kind of organization is for, brings and cannot do (mission, assets, limitations), by name pattern: the
# win/win match reads them, so organizations of one type still differ (a health system is not a timber mill).
PROFILES: dict[str, tuple[str, str, str]] = {
    "{town} WorkSource Center": (
        "Connect job seekers with employment, training and career services.",
        "Job placement staff, labor market information, employer contacts, career counseling.",
        "No training facilities or equipment; no curriculum design staff."),
    "{town} Workforce Board": (
        "Plan and fund the local workforce system so employers find skilled workers.",
        "Formula funding, labor market information, employer networks, convening.",
        "No direct training or support services; no instructors."),
    "{town} Community College": (
        "Offer affordable education and training that leads to credentials and careers.",
        "Instructors, curriculum design, training facilities, financial aid, credentials.",
        "Few employer contacts; no child care or transportation; little job placement."),
    "{town} Technical Institute": (
        "Train skilled technicians for regional industry.",
        "Training facilities and equipment, instructors, technical curriculum.",
        "No financial aid office; few support services; few employer internships."),
    "{town} Economic Development Council": (
        "Grow regional industry and attract employers.",
        "Employer networks, industry data, labor market information.",
        "No training or participant services."),
    "{town} Family Services Office": (
        "Help families reach stability through public assistance and support services.",
        "Child care subsidies, case management, food assistance, support services funding.",
        "No training programs; few employer contacts; no job placement."),
    "{town} Neighbors Network": (
        "Support neighbors facing hardship with outreach, referral and community care.",
        "Community outreach, referral, transportation vouchers, trusted relationships.",
        "No training facilities; no labor market information; little funding."),
    "{town} Opportunity Alliance": (
        "Open economic opportunity for immigrant and low-income families.",
        "Housing navigation, outreach in several languages, case management.",
        "No credentials or training; few employer contacts."),
    "{town} Regional Health System": (
        "Care for the region's health and grow its health care workforce.",
        "Paid internships, clinical training sites, employment, nurse preceptors.",
        "No curriculum design; no case management or support services; little recruitment."),
    "{town} Precision Manufacturing": (
        "Build precision parts with a skilled, local manufacturing workforce.",
        "Maintenance apprenticeship, equipment, employment, shop-floor mentors.",
        "No instructors for basic skills; no recruitment or referral; no support services."),
    "{town} Timber Works": (
        "Produce sustainable timber products and keep rural jobs.",
        "Employment, equipment, work experience.",
        "No training facilities; no transportation; no curriculum."),
    "{town} Vocational Rehabilitation Office": (
        "Help individuals with disabilities prepare for, find and keep jobs.",
        "Job coaching, accommodations, disability services, skills assessment.",
        "Few employer contacts; no training facilities."),
    "{town} Adult Learning Center": (
        "Teach adults basic skills and English, and open a path to postsecondary training.",
        "Instructors, ESL classes, GED preparation, integrated education and training.",
        "No employment; no financial aid; few support services."),
    "{town} TANF Employment Program": (
        "Move families receiving TANF into work.",
        "Case management, support services funding, child care.",
        "No training programs; few employer contacts."),
    "{town} SNAP Training Partners": (
        "Help SNAP participants gain skills and jobs.",
        "Job search help, training travel support, reimbursement funding.",
        "No instructors; no training facilities."),
    "{town} Second Chance Center": (
        "Help people returning from incarceration rebuild their lives through work.",
        "Record expungement, fair-chance job readiness, mentors.",
        "No training facilities; few employer contacts; no housing."),
    "{town} Veterans Employment Office": (
        "Help veterans find careers that use their skills.",
        "Veterans career counseling, job placement.",
        "No training programs; no mental health services."),
    "{town} Building Trades Apprenticeship Committee": (
        "Train the next generation of skilled building trades workers.",
        "Electrical apprenticeship, carpentry pre-apprenticeship, instructors, training facilities, employment.",
        "Little recruitment of women and people of color; no support services."),
    "{town} Community Foundation": (
        "Invest in a thriving, equitable region.",
        "Grant funding, emergency completion grants, convening.",
        "No direct services; no case management staff."),
}


# Occupations (SOC) a demo service leads to, by a word of its name; employers' industries (NAICS) likewise.
LEADS_TO = {"nursing": ("29-1141",), "welding": ("51-4121",)}
INDUSTRIES = {"Health System": ("622110",), "Precision Manufacturing": ("332710",), "Timber Works": ("321113",)}
# Fictional 2024-2034 projections: (SOC code, annual openings per area, growth %, median wage). The areas'
# colleges train far fewer nurses and welders a year than there are openings, so the systems show a gap.
DEMO_LMI_SOURCE = "demo-projections"
DEMO_LMI: list[tuple[str, list[int], float, float]] = [
    ("29-1141", [210, 340, 150, 90, 120], 6.2, 98_630.0),
    ("51-4121", [60, 85, 45, 40, 55], 2.1, 51_870.0),
    ("31-1131", [180, 260, 110, 85, 95], 4.3, 39_610.0),
    ("47-2111", [70, 110, 40, 30, 45], 11.2, 64_240.0),
    ("53-3032", [95, 140, 60, 75, 80], 4.0, 56_010.0),
]


def demo_observations() -> list[dict[str, object]]:
    """The demo labour market figures, one record per occupation and area, as an LMI script would send them."""
    return [
        {"region": area[0], "code": code, "period": "2024-2034", "source": DEMO_LMI_SOURCE,
         "retrieved_at": "2026-10-01T00:00:00+00:00", "annual_openings": openings[i], "growth_percent": growth,
         "median_wage": wage, "employment": openings[i] * 9, "projected_employment": round(openings[i] * 9.5)}
        for code, openings, growth, wage in DEMO_LMI
        for i, area in enumerate(AREAS)
    ]


# The 2018 SOC titles of the occupations the demo uses, so its reports say "Registered Nurses (29-1141)".
DEMO_SOC_TITLES = {
    "29-1141": "Registered Nurses",
    "51-4121": "Welders, Cutters, Solderers, and Brazers",
    "31-1131": "Nursing Assistants",
}


async def _load_labor_market(uow: UnitOfWork) -> None:
    """Observations for the demo areas and the titles of their occupations (re-loading them changes nothing)."""

    async def records() -> AsyncIterator[RawRecord]:
        for line, fields in enumerate(demo_observations(), start=1):
            yield RawRecord(line=line, fields=fields)

    async def titles() -> AsyncIterator[RawRecord]:
        for line, (code, title) in enumerate(DEMO_SOC_TITLES.items(), start=1):
            yield RawRecord(line=line, fields={"scheme": "soc", "code": code, "title": title})

    await lmi_uc.ingest_observations(uow, records=records())
    await lmi_uc.ingest_titles(uow, records=titles())


def _id(*parts: str) -> UUID:
    return uuid5(NAMESPACE, "/".join(parts))


def build_partners() -> list[Partner]:
    """The demo partners with their services: every type in every area (some types once per state)."""
    rng = random.Random(20261123)
    partners: list[Partner] = []
    for code, _name, lat, lon, town in AREAS:
        for ptype, (patterns, services, populations) in TYPES.items():
            statewide = ptype in {"philanthropy", "economic_development_agency"} and code != AREAS[0][0]
            if statewide:
                continue
            for pattern in patterns:
                name = pattern.format(town=town)
                mission, assets, limitations = PROFILES[pattern]
                pid = _id("partner", code, name)
                svc = tuple(
                    Service(
                        id=_id("service", code, name, sname), partner_id=pid, name=sname, category=cat,
                        populations=tuple(populations[: 1 + rng.randrange(len(populations))]), regions=(code,),
                        delivery_mode=rng.choice(list(DeliveryMode)), capacity=rng.choice([25, 40, 60, 120, 200]),
                        occupations=next((c for word, c in LEADS_TO.items() if word in sname.lower()), ()),
                    )
                    for cat, sname in services[: 1 + rng.randrange(len(services))]
                )
                partners.append(Partner(
                    id=pid, name=name, partner_type=ptype,
                    level=Level.STATE if ptype == "philanthropy" else Level.LOCAL,
                    jurisdiction=Jurisdiction(state=STATE, local_area=code),
                    description=mission,
                    regions_served=(code,), populations_served=tuple(populations),
                    capacity=rng.choice([50, 100, 250, 500, 1000]),
                    contacts=(Contact(name=f"{town} Partnerships Desk", title="Partnerships lead",
                                      email=f"partners@{town.lower().replace(' ', '')}.example.org"),),
                    address=Address(street=f"{rng.randrange(10, 999)} {rng.choice(STREETS)}", city=town,
                                    state=STATE, postal_code=f"97{rng.randrange(100, 999)}"),
                    latitude=round(lat + rng.uniform(-0.15, 0.15), 5),
                    longitude=round(lon + rng.uniform(-0.15, 0.15), 5),
                    website=f"https://{town.lower().replace(' ', '')}.example.org/{ptype.replace('_', '-')}",
                    assets=assets,
                    limitations=limitations,
                    external_ids=(ExternalId(source=DEMO_SOURCE, id=f"{code}:{ptype}:{len(partners)}"),),
                    industries=next((c for word, c in INDUSTRIES.items() if word in name), ()),
                    services=svc,
                ))
    return partners


STATE_SYSTEM_ID = _id("system", "state")
LOCAL_SYSTEM_ID = _id("system", "brightwater")
SECOND_LOCAL_SYSTEM_ID = _id("system", "elk-hollow")
# A member of the state system retired in the directory after it took on its role: the gaps report its lead.
RETIRED_MEMBER = "Brightwater Economic Development Council"
# (system, held on, kind, topic, level, agencies whose staff took part)
DEMO_STAFF_SESSIONS: list[tuple[UUID, str, date, StaffSessionKind, str, SystemLevel, list[str]]] = [
    (STATE_SYSTEM_ID, "state-orientation", date(2026, 9, 15), StaffSessionKind.TRAINING,
     "The career pathways system: roles, referrals and the shared intake", SystemLevel.STATE,
     ["Brightwater Workforce Board", "Elk Hollow Community College", "Pinecrest Family Services Office"]),
    (LOCAL_SYSTEM_ID, "brightwater-briefing", date(2026, 10, 6), StaffSessionKind.INFORMATION,
     "What the Brightwater pathway offers single parents", SystemLevel.LOCAL,
     ["Brightwater WorkSource Center", "Brightwater Community College", "Brightwater Neighbors Network",
      "Brightwater Regional Health System", "Brightwater TANF Employment Program"]),
]
# (system, level, confirmed on, by): the Brightwater team and the state team both confirmed their roles.
DEMO_CONFIRMATIONS: list[tuple[UUID, SystemLevel, date, str]] = [
    (LOCAL_SYSTEM_ID, SystemLevel.LOCAL, date(2026, 3, 15), "Brightwater leadership team chair"),
    (LOCAL_SYSTEM_ID, SystemLevel.STATE, date(2026, 3, 20), "State career pathways coordinator"),
]


def build_systems(partners: list[Partner]) -> list[tuple[CareerPathwaysSystem, list[Member], UUID, list[tuple]]]:
    """Three demo systems with realistic gaps: a state system and two local systems that answer to it.

    Each is (system, members, intermediary, [(partner, function, strength)]), the state system first.
    """
    by_name = {p.name: p for p in partners}
    state = CareerPathwaysSystem(
        id=STATE_SYSTEM_ID, name="Oregon Healthcare and Manufacturing Pathways (demo)", level=SystemLevel.STATE,
        jurisdiction=Jurisdiction(state=STATE), vision="Every Oregonian can reach a family-wage career.",
        mission="Align workforce, education and human services around in-demand healthcare and manufacturing jobs.",
        goals=("Double credential attainment in nursing and welding", "Serve people with barriers first"),
        target_sectors=("62", "31-33"), target_occupations=("29-1141", "51-4121"),
        target_populations=("low_income", "disability", "english_learner", "ex_offender"),
        target_population_sizes={"low_income": 41_000, "disability": 9_500, "english_learner": 6_200,
                                 "ex_offender": 2_800},
        regions=tuple(a[0] for a in AREAS), working_relationship=WorkingRelationship.SHARED,
        working_relationship_notes="State team sets direction; local teams adapt and implement.",
        review_cadence_months=12, last_reviewed_on=date(2024, 6, 1), vision_revisited_on=date(2025, 9, 1),
    )
    state_members = [
        ("Brightwater Workforce Board", Team.LEADERSHIP), ("Elk Hollow Community College", Team.LEADERSHIP),
        ("Brightwater Economic Development Council", Team.LEADERSHIP),
        ("Pinecrest Family Services Office", Team.LEADERSHIP), ("Marlow Bay Adult Learning Center", Team.OPERATIONS),
        ("Stonebridge Neighbors Network", Team.OPERATIONS), ("Elk Hollow Regional Health System", Team.OPERATIONS),
        ("Brightwater Community Foundation", Team.OPERATIONS), ("Stonebridge Second Chance Center", Team.OPERATIONS),
    ]
    local = CareerPathwaysSystem(
        id=LOCAL_SYSTEM_ID, name="Brightwater Valley Career Pathways (demo)", level=SystemLevel.LOCAL,
        jurisdiction=Jurisdiction(state=STATE, local_area=AREAS[0][0]), state_system_id=STATE_SYSTEM_ID,
        vision="Brightwater families move up in healthcare careers.", mission="Connect training, supports and jobs.",
        goals=("Forty single parents a year finish a healthcare credential",),
        target_sectors=("62",), target_occupations=("29-1141",), target_populations=("single_parent", "low_income"),
        regions=(AREAS[0][0],), working_relationship=WorkingRelationship.LOCALLY_DIRECTED,
        working_relationship_notes="The local team decides; the state team advises and funds.",
        review_cadence_months=12, last_reviewed_on=date(2026, 3, 1),
    )
    local_members = [
        ("Brightwater WorkSource Center", Team.LEADERSHIP), ("Brightwater Community College", Team.LEADERSHIP),
        ("Brightwater Neighbors Network", Team.LEADERSHIP), ("Brightwater Regional Health System", Team.OPERATIONS),
        ("Brightwater TANF Employment Program", Team.OPERATIONS), ("Brightwater Workforce Board", Team.OPERATIONS),
    ]
    # Recorded as state-directed, while its state/local MOU records a locally-directed relationship: a gap.
    second = CareerPathwaysSystem(
        id=SECOND_LOCAL_SYSTEM_ID, name="Elk Hollow Health Careers (demo)", level=SystemLevel.LOCAL,
        jurisdiction=Jurisdiction(state=STATE, local_area=AREAS[1][0]), state_system_id=STATE_SYSTEM_ID,
        vision="Elk Hollow residents fill the region's health care jobs.",
        mission="Run the state's nursing pathway locally, with the college and the health system.",
        goals=("Open a second nursing assistant cohort",),
        target_sectors=("62",), target_occupations=("29-1141", "31-1131"),
        target_populations=("low_income", "english_learner"), regions=(AREAS[1][0],),
        working_relationship=WorkingRelationship.STATE_DIRECTED,
        working_relationship_notes="The state team decides the pathway; the local team implements it.",
        review_cadence_months=12, last_reviewed_on=date(2026, 2, 1),
    )
    second_members = [
        ("Elk Hollow WorkSource Center", Team.LEADERSHIP), ("Elk Hollow Community College", Team.LEADERSHIP),
        ("Elk Hollow Regional Health System", Team.LEADERSHIP), ("Elk Hollow Family Services Office", Team.OPERATIONS),
    ]
    out = []
    for system, names, intermediary, roles in (
        (state, state_members, "Brightwater Workforce Board",
         [("Elk Hollow Community College", "design_programs", Strength.LEAD),
          ("Brightwater Economic Development Council", "provide_labor_market_information", Strength.LEAD),
          ("Elk Hollow Regional Health System", "provide_employment", Strength.LEAD),
          ("Pinecrest Family Services Office", "provide_support_services", Strength.LEAD),
          ("Stonebridge Neighbors Network", "recruit_and_refer", Strength.SUPPORT),
          ("Brightwater Community Foundation", "champion_system", Strength.SUPPORT)]),
        (local, local_members, "Brightwater WorkSource Center",
         [("Brightwater Community College", "design_programs", Strength.LEAD),
          ("Brightwater Regional Health System", "develop_curricula", Strength.SUPPORT),
          ("Brightwater Neighbors Network", "recruit_and_refer", Strength.LEAD)]),
        (second, second_members, "Elk Hollow WorkSource Center",
         [("Elk Hollow Community College", "design_programs", Strength.LEAD),
          ("Elk Hollow Regional Health System", "provide_employment", Strength.LEAD)]),
    ):
        members = [Member(partner_id=by_name[n].id, representative=f"{n.split()[0]} liaison", team=t)
                   for n, t in names if n in by_name]
        out.append((system, members, by_name[intermediary].id,
                    [(by_name[n].id, f, st) for n, f, st in roles if n in by_name]))
    return out


# Readiness rounds of the state system: (key, started, closed or None while open, progress in scale points).
DEMO_ROUNDS: list[tuple[str, date, date | None, int]] = [
    ("2025-autumn", date(2025, 9, 15), date(2025, 10, 31), 0),
    ("2026-spring", date(2026, 4, 1), date(2026, 5, 15), 1),
    ("2026-autumn", date(2026, 11, 2), None, 1),
]
# Where the state team stood on each element at its first round (1-4); later rounds add their progress.
ELEMENT_START = {"1": 2, "2": 2, "3": 2, "4": 1, "5": 1, "6": 1}
OPEN_ROUND_RESPONDENTS = 5
PLAN_ANSWERS = {
    "what_is_possible": "Every Oregonian facing a barrier to work can enter a healthcare or manufacturing pathway "
                        "close to home and keep moving up it.",
    "what_is_practical": "Braid WIOA, SNAP E&T and TANF funds for support services in two pilot areas this year.",
    "who_can_help": "The state workforce office, the community college presidents and the regional health systems.",
    "what_is_next": "Sign the data-sharing agreement, convene employers by sector and publish the funding map.",
}
# (key, title, element, gap, [(item, owner, due, status)]); some unfinished items are past due on purpose.
DEMO_GOALS: list[tuple[str, str, str, str, list[tuple[str, str, date, ItemStatus]]]] = [
    ("funding", "Braid funding for pathway support services", "4", "4.3", [
        ("Map the funding streams each partner administers", "Brightwater Workforce Board", date(2026, 3, 31),
         ItemStatus.DONE),
        ("Draft a cost allocation plan for braided support services", "Pinecrest Family Services Office",
         date(2026, 6, 30), ItemStatus.IN_PROGRESS),
        ("Write the sustainability plan for after the current grants", "Brightwater Community Foundation",
         date(2027, 3, 31), ItemStatus.NOT_STARTED),
    ]),
    ("employers", "Bring employers into program design", "2", "2.3", [
        ("Convene a healthcare employer advisory group", "Elk Hollow Regional Health System", date(2026, 2, 28),
         ItemStatus.DONE),
        ("Validate the nursing assistant competency map with employers", "Elk Hollow Community College",
         date(2026, 9, 30), ItemStatus.BLOCKED),
    ]),
    ("data", "Share participant data across partners", "6", "6.2", [
        ("Sign a data-sharing agreement among the core partners", "Brightwater Workforce Board", date(2026, 8, 31),
         ItemStatus.NOT_STARTED),
        ("Agree on shared performance measures", "Marlow Bay Adult Learning Center", date(2027, 1, 31),
         ItemStatus.IN_PROGRESS),
    ]),
]


def demo_answers(
    elements: list[tuple[str, list[str]]], key: str, respondent: int, progress: int
) -> tuple[dict[str, int | None], list[str], list[str], dict[str, str]]:
    """One respondent's ratings, priorities, technical assistance flags and notes, the same on every run."""
    rng = random.Random(f"{key}/{respondent}")
    ratings: dict[str, int | None] = {}
    for element, codes in elements:
        for code in codes:
            level = ELEMENT_START.get(element, 2) + progress + rng.choice((-1, 0, 0, 1))
            ratings[code] = None if rng.random() < 0.08 else min(4, max(1, level))
    lowest = sorted((c for c, v in ratings.items() if v is not None), key=lambda c: (ratings[c], c))
    priorities = lowest[:2] if respondent % 2 == 0 else []
    assistance: list[str] = [c for c in ("4.3", "6.2") if c in ratings and rng.random() < 0.5]
    notes = {lowest[0]: "We have talked about this but nobody owns it yet."} if respondent == 0 and lowest else {}
    return ratings, priorities, assistance, notes


async def _load_readiness(uow: UnitOfWork) -> None:
    """Two closed rounds and one open round of the state system, answered by its members."""
    if (await readiness_uc.list_rounds(uow, system_id=STATE_SYSTEM_ID, limit=1)).items:
        return
    framework = await readiness_uc.current_framework(uow)
    elements = [(e.code, [i.code for i in e.indicators]) for e in framework.elements]
    members = [m.partner_id for m in (await systems_uc.get_system(uow, system_id=STATE_SYSTEM_ID)).members]
    for key, started, closed, progress in DEMO_ROUNDS:
        round_ = await readiness_uc.start_round(uow, system_id=STATE_SYSTEM_ID, started_on=started,
                                                round_id=_id("round", key))
        respondents = members if closed else members[:OPEN_ROUND_RESPONDENTS]
        for n, partner_id in enumerate(respondents):
            ratings, priorities, assistance, notes = demo_answers(elements, key, n, progress)
            await readiness_uc.record_response(
                uow, round_id=round_.id, respondent_id=partner_id, ratings=ratings, priorities=priorities,
                technical_assistance=assistance, notes=notes,
                now=datetime.combine(started + timedelta(days=n + 1), time(16), tzinfo=UTC),
            )
        if closed:
            await readiness_uc.close_round(uow, round_id=round_.id, closed_on=closed)


async def _load_plan(uow: UnitOfWork, partners: list[Partner]) -> None:
    """The state system's action plan: answers, three goals and their items."""
    if await uow.plans.load(STATE_SYSTEM_ID) is not None:
        return
    by_name = {p.name: p.id for p in partners}
    await plans_uc.put_plan(uow, system_id=STATE_SYSTEM_ID, answers=PLAN_ANSWERS, plan_id=_id("plan", "state"))
    for key, title, element, gap, items in DEMO_GOALS:
        goal = await plans_uc.add_goal(uow, system_id=STATE_SYSTEM_ID, title=title, element_code=element,
                                       gap_reference=gap, goal_id=_id("goal", key))
        for description, owner, due_on, status in items:
            await plans_uc.add_item(uow, system_id=STATE_SYSTEM_ID, goal_id=goal.id, description=description,
                                    owner_id=by_name[owner], due_on=due_on, status=status,
                                    item_id=_id("item", key, description))


async def load_demo(uow: UnitOfWork) -> int:
    """Load the demo regions, partners, systems, readiness rounds, action plan, agreements, allocations,
    connections, working relationship confirmations, staff sessions and a retired member, unless already there.

    Return how many partners were added.
    """
    for code, name, _lat, _lon, _town in AREAS:
        await reference_uc.put_region(uow, region=Region(code=code, name=name, state=STATE))
    partners = build_partners()
    existing = await uow.partners.get_many([p.id for p in partners])
    added = 0
    for partner in partners:
        if partner.id in existing:
            continue
        await partner_uc.create_partner(uow, partner=partner)
        for service in partner.services:
            await partner_uc.create_service(uow, service=service)
        added += 1
    for system, members, intermediary, roles in build_systems(partners):
        if await uow.systems.load(system.id) is not None:
            continue
        await systems_uc.create_system(uow, system=system)
        for member in members:
            await systems_uc.add_member(uow, system_id=system.id, member=member)
        await systems_uc.set_intermediary(uow, system_id=system.id, partner_id=intermediary)
        for partner_id, function, strength in roles:
            await systems_uc.assign_role(uow, system_id=system.id, partner_id=partner_id, function=function,
                                         strength=strength)
    await _load_readiness(uow)
    await _load_plan(uow, partners)
    await _load_labor_market(uow)
    await load_partnerships(uow, partners, _id)
    await _load_working_relationships(uow)
    await _load_staff_sessions(uow, partners)
    await _retire_member(uow, partners)
    return added


async def _load_working_relationships(uow: UnitOfWork) -> None:
    """The Brightwater roles confirmed at both levels, unless already."""
    for system_id, level, confirmed_on, confirmed_by in DEMO_CONFIRMATIONS:
        state = await systems_uc.get_system(uow, system_id=system_id)
        if any(c.level is level for c in state.system.relationship_confirmations):
            continue
        await systems_uc.confirm_relationship(uow, system_id=system_id, level=level, confirmed_on=confirmed_on,
                                              confirmed_by=confirmed_by)


async def _load_staff_sessions(uow: UnitOfWork, partners: list[Partner]) -> None:
    """A joint training of the state system's staff and a briefing of Brightwater's, unless already there."""
    by_name = {p.name: p.id for p in partners}
    for system_id, key, held_on, kind, topic, level, agencies in DEMO_STAFF_SESSIONS:
        session_id = _id("staff-session", key)
        if await uow.systems.get_staff_session(session_id) is not None:
            continue
        await systems_uc.record_staff_session(uow, session=StaffSession(
            id=session_id, system_id=system_id, held_on=held_on, kind=kind, topic=topic, level=level,
            agencies=tuple(by_name[n] for n in agencies)))


async def _retire_member(uow: UnitOfWork, partners: list[Partner]) -> None:
    """Retire a member of the state system in the directory, after it took on its lead (unless already)."""
    partner = next(p for p in partners if p.name == RETIRED_MEMBER)
    current = await uow.partners.get(partner.id)
    if current is not None and current.status is not Status.RETIRED:
        await partner_uc.update_partner(uow, partner_id=partner.id, changes={"status": Status.RETIRED})
