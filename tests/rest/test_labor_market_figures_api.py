"""The occupations' columns PostgreSQL hands the training-capacity gap rule, on awkward figures: they hold exactly
the observations the rule may read, and the gaps they give are the gaps the observations give row by row."""

from __future__ import annotations

import dataclasses
from datetime import date
from uuid import UUID

import httpx
import pytest

from api.domain.access import system_caller
from api.domain.labor_market import InDemandRule, OccupationFigures, occupation_figures
from api.domain.lmi_gaps import LaborMarketFacts, training_capacity_gaps
from api.repositories.database import Database
from api.repositories.uow import PgUnitOfWork
from api.usecases import systems as systems_uc
from tests.conftest import add_region, partner_body
from tests.rest.test_labor_market_api import NDJSON, ndjson, observation

LATER = "2026-10-15T08:00:00+00:00"
REGIONS = ["or-test", "or-other"]
OBSERVATIONS = [
    # Registered nurses: an older projection, a second source retrieved later, a newer growth-only row.
    observation(annual_openings=400),
    observation(period="2022-2032", annual_openings=900),
    observation(source="state_lmi", annual_openings=380, retrieved_at=LATER),
    observation(period="2025", annual_openings=None, growth_percent="12%"),
    observation(region="or-other", annual_openings=150, growth_percent=None),
    observation(region="wa-test", annual_openings=5_000),  # outside the system's regions
    # Welders: not in demand in one region, wages only in the other.
    observation(code="51-4121", annual_openings=40, growth_percent="2%"),
    observation(code="51-4121", region="or-other", annual_openings=None, growth_percent=None),
    # Roofers: in demand by growth alone, with no openings to weigh.
    observation(code="47-2181", annual_openings=None, growth_percent="15%"),
    # Electricians: two sources tie on period and retrieval.
    observation(code="47-2111", annual_openings=200, source="bls"),
    observation(code="47-2111", annual_openings=260),
    observation(code="47-2111", region="or-other", annual_openings=90),
    # Carpenters: one plain projection per region.
    observation(code="47-2031", annual_openings=300, growth_percent=None),
    observation(code="47-2031", region="or-other", annual_openings=200, growth_percent="-1.5%"),
    # An industry.
    observation(code="622110", code_kind="naics", annual_openings=300),
]


@pytest.fixture
async def loaded(client: httpx.AsyncClient) -> None:
    for code, state in (("or-test", "OR"), ("or-other", "OR"), ("wa-test", "WA")):
        await add_region(client, code, state=state)
    r = await client.post("/v1/labor-market/observations", content=ndjson(*OBSERVATIONS), headers=NDJSON)
    assert r.status_code == 200 and r.json()["created"] == len(OBSERVATIONS), r.text


def _rows(figures: list[OccupationFigures]) -> list[tuple[object, ...]]:
    return sorted((f.code.value, *row) for f in figures for row in zip(
        f.regions, f.periods, f.sources, f.retrieved_at, f.annual_openings, f.growth_percent, strict=True))


@pytest.mark.parametrize("occupations", [None, ["29-1141", "47-2181", "51-4121", "11-1011"]])
async def test_the_columns_hold_exactly_the_observations_with_openings_or_growth_in_the_regions(
    loaded, clean_db: Database, occupations: list[str] | None
) -> None:
    async with PgUnitOfWork(clean_db, caller=system_caller("tests"), readonly=True) as uow:
        loaded_columns = await uow.labor_market.occupation_figures(regions=REGIONS, occupations=occupations)
        rows = await uow.labor_market.observations_for(regions=REGIONS, occupations=occupations, demand_only=True)
    columns = [figures for figures, _ in loaded_columns]
    assert [f.code.value for f in columns] == sorted({o.code.value for o, _ in rows if o.code_kind.value == "soc"})
    assert _rows(columns) == _rows(occupation_figures(o for o, _ in rows))
    assert len(_rows(columns)) == (12 if occupations is None else 7)


@pytest.mark.parametrize("targets", [[], ["29-1141", "47-2111", "47-2181", "51-4121", "11-1011"]])
@pytest.mark.parametrize("prefer", [(), ("bls", "state_lmi")])
async def test_the_training_gaps_from_the_columns_are_those_the_observations_give(
    loaded, client: httpx.AsyncClient, clean_db: Database, targets: list[str], prefer: tuple[str, ...]
) -> None:
    r = await client.post("/v1/systems", json={
        "name": "Test Valley Pathways", "level": "local", "jurisdiction": {"state": "OR", "local_area": "or-test"},
        "regions": REGIONS, "target_occupations": targets})
    assert r.status_code == 201, r.text
    system = UUID(r.json()["id"])
    college = (await client.post("/v1/partners", json=partner_body(name="Cascade CC"))).json()["id"]
    for name, seats, codes in (("Nursing", 120, ["29-1141"]), ("Trades", 100, ["47-2031", "47-2111"])):
        r = await client.post(f"/v1/partners/{college}/services", json={
            "name": name, "category": "occupational_training", "capacity": seats, "occupations": codes,
            "regions": ["or-test"]})
        assert r.status_code == 201, r.text
    r = await client.post(f"/v1/systems/{system}/members",
                          json={"partner_id": college, "representative": "Pat Doe", "team": "operations"})
    assert r.status_code == 201, r.text

    rule = InDemandRule()
    async with PgUnitOfWork(clean_db, caller=system_caller("tests"), readonly=True) as uow:
        ctx, _ = await systems_uc._context(uow, system, date(2026, 11, 1), extras=True, in_demand=rule)
        rows = await uow.labor_market.observations_for(regions=REGIONS, occupations=targets or None,
                                                       demand_only=True)
    assert ctx.labor_market is not None
    columns = dataclasses.replace(ctx.labor_market, prefer_sources=prefer)
    assert isinstance(columns, LaborMarketFacts) and columns.occupations and not columns.observations
    by_rows = LaborMarketFacts(observations=tuple(o for o, _ in rows), titles=columns.titles, rule=rule,
                               prefer_sources=prefer)
    gaps = list(training_capacity_gaps(dataclasses.replace(ctx, labor_market=columns)))
    assert gaps == list(training_capacity_gaps(dataclasses.replace(ctx, labor_market=by_rows)))
    subjects = {g.subject: g for g in gaps}
    assert "51-4121" not in subjects or targets, "welders are not in demand"
    assert subjects["47-2181"].figures["regions_without_data"] == "or-other, or-test", "roofers have no openings"
    nurses = subjects["29-1141"].figures
    assert nurses["annual_openings"] == 380 + 150, "state_lmi: the later retrieval, and preferred to careeronestop"
    assert (nurses["sources"], nurses["periods"]) == ("careeronestop, state_lmi", "2024-2034")
    electricians = subjects["47-2111"].figures
    assert electricians["annual_openings"] == (200 if prefer else 260) + 90, "a tie goes to bls only when preferred"


async def test_an_occupation_whose_columns_repeat_the_previous_ones_gets_those_very_columns(
    client: httpx.AsyncClient, clean_db: Database
) -> None:
    for code, state in (("or-test", "OR"), ("or-other", "OR")):
        await add_region(client, code, state=state)
    # Carpenters, electricians and plumbers share region, period and source; roofers differ in period and
    # source; welders repeat the carpenters' columns after them. One region each: the order of an occupation's
    # elements is PostgreSQL's, so only one-element columns are sure to repeat exactly.
    figures = [
        observation(code=code, region="or-test", annual_openings=n, period=period, source=source)
        for code, period, source, n in (
            ("47-2031", "2024-2034", "careeronestop", 100), ("47-2111", "2024-2034", "careeronestop", 90),
            ("47-2152", "2024-2034", "careeronestop", 80), ("47-2181", "2022-2032", "bls", 70),
            ("51-4121", "2024-2034", "careeronestop", 60))
    ]
    r = await client.post("/v1/labor-market/observations", content=ndjson(*figures), headers=NDJSON)
    assert r.status_code == 200, r.text
    async with PgUnitOfWork(clean_db, caller=system_caller("tests"), readonly=True) as uow:
        loaded_columns = await uow.labor_market.occupation_figures(regions=REGIONS, occupations=None)
        rows = await uow.labor_market.observations_for(regions=REGIONS, occupations=None, demand_only=True)
    columns = [f for f, _ in loaded_columns]
    assert [f.code.value for f in columns] == ["47-2031", "47-2111", "47-2152", "47-2181", "51-4121"]
    assert _rows(columns) == _rows(occupation_figures(o for o, _ in rows))
    assert [f.annual_openings for f in columns] == [(100,), (90,), (80,), (70,), (60,)]
    carpenters, electricians, plumbers, roofers, welders = columns
    assert carpenters.regions is electricians.regions is plumbers.regions is roofers.regions is welders.regions
    assert carpenters.periods is electricians.periods is plumbers.periods
    assert carpenters.sources is electricians.sources is plumbers.sources
    assert (roofers.periods, roofers.sources) == (("2022-2032",), ("bls",))
    assert (welders.periods, welders.sources) == (carpenters.periods, carpenters.sources)
    assert welders.periods is not carpenters.periods, "only the previous occupation's columns are reused"
