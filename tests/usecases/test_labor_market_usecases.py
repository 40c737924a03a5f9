"""The labour market figures the gap analysis loads, against an in-memory fake of the labour market port."""

from __future__ import annotations

from datetime import UTC, datetime

from api.domain.codes import NaicsCode, SocCode
from api.domain.gaps import Gap
from api.domain.labor_market import InDemandRule, Observation
from api.domain.lmi_gaps import LaborMarketFacts, training_capacity_gaps
from api.domain.systems import SystemState
from api.usecases import labor_market as uc
from tests.domain.system_factories import gap_context, make_system
from tests.usecases.fakes import FakeLaborMarketRepository, FakeUnitOfWork

NURSES, WELDERS, ROOFERS = (SocCode.parse(c) for c in ("29-1141", "51-4121", "47-2181"))
RETRIEVED = datetime(2026, 9, 30, tzinfo=UTC)


def obs(code: SocCode | NaicsCode, region: str, openings: int | None, *, growth: float | None = None,
        period: str = "2024-2034", source: str = "careeronestop") -> Observation:
    return Observation(region=region, code=code, period=period, source=source, retrieved_at=RETRIEVED,
                       annual_openings=openings, growth_percent=growth, median_wage=50_000.0)


OBSERVATIONS = [
    obs(NURSES, "or-a", 400, growth=6.0),
    obs(NURSES, "or-b", 150),
    obs(NURSES, "or-a", 900, period="2022-2032"),  # an older projection: the rule keeps the latest
    obs(NURSES, "or-a", 380, source="state_lmi"),  # a second source for one region: never added to the first
    obs(WELDERS, "or-a", 40, growth=2.0),  # not in demand
    obs(WELDERS, "or-b", None, growth=None),  # wages only: no rule reads it
    obs(ROOFERS, "or-a", None, growth=15.0),  # in demand by growth, but without openings to weigh
    obs(NURSES, "wa-x", 5_000),  # outside the system's regions
    obs(NaicsCode.parse("622110"), "or-a", 300),  # an industry
]


def _uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.labor_market = FakeLaborMarketRepository(OBSERVATIONS, titles={"29-1141": "Registered Nurses"})
    return uow


def _training_gaps(state: SystemState, facts: LaborMarketFacts) -> list[Gap]:
    return list(training_capacity_gaps(gap_context(state, [], labor_market=facts)))


async def test_a_system_without_regions_loads_no_figures() -> None:
    facts = await uc.labor_market_facts(_uow(), system=make_system(regions=()), rule=InDemandRule())
    assert facts.occupations == () and facts.observations == ()


async def test_a_system_naming_its_occupations_loads_only_theirs_in_its_regions() -> None:
    system = make_system(regions=("or-a", "or-b"), target_occupations=("29-1141",))
    facts = await uc.labor_market_facts(_uow(), system=system, rule=InDemandRule())
    [nurses] = facts.occupations
    assert nurses.code == NURSES
    assert sorted(zip(nurses.regions, nurses.periods, nurses.sources, nurses.annual_openings, strict=True)) == [
        ("or-a", "2022-2032", "careeronestop", 900), ("or-a", "2024-2034", "careeronestop", 400),
        ("or-a", "2024-2034", "state_lmi", 380), ("or-b", "2024-2034", "careeronestop", 150)]
    assert facts.titles == {"29-1141": "Registered Nurses"}


async def test_the_loaded_columns_give_the_gaps_the_observations_give() -> None:
    for targets in ((), ("29-1141", "51-4121", "47-2181")):
        system = make_system(regions=("or-a", "or-b"), target_occupations=targets)
        rule = InDemandRule()
        facts = await uc.labor_market_facts(_uow(), system=system, rule=rule)
        assert {f.code for f in facts.occupations} == {NURSES, WELDERS, ROOFERS}
        assert all(o is not None or g is not None
                   for f in facts.occupations for o, g in zip(f.annual_openings, f.growth_percent, strict=True))
        state = SystemState(system=system)
        from_rows = LaborMarketFacts(observations=tuple(OBSERVATIONS), titles=facts.titles, rule=rule)
        gaps = _training_gaps(state, facts)
        assert gaps == _training_gaps(state, from_rows)
        in_demand = ["29-1141", "47-2181"]  # welders (40 openings, 2% growth) are not; roofers lack openings
        assert sorted(g.subject for g in gaps) == (in_demand if not targets else [*in_demand, "51-4121"])
        nurses = gaps[0].figures
        assert (nurses["annual_openings"], nurses["sources"], nurses["regions"]) == (550, "careeronestop",
                                                                                    "or-a, or-b")
