"""What gap analysis reads from PostgreSQL on awkward data: the services' facts are the services the rules would
have read, in the same order, and an occupation's columns come back as stored whether their rows hold one value or
several."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import UUID, uuid4

import httpx
import pytest

from api.domain.access import system_caller
from api.domain.gaps import PartnerFacts, ServiceFacts
from api.domain.labor_market import occupation_figures
from api.repositories.database import Database
from api.repositories.uow import PgUnitOfWork
from tests.conftest import add_region, partner_body
from tests.rest.test_labor_market_api import NDJSON, ndjson, observation

SERVICES = [
    # Names that order differently by code point and by the database's collation, and twins by name.
    {"name": "welding", "category": "occupational_training", "capacity": 20, "occupations": ["51-4121"],
     "regions": ["or-test"], "delivery_mode": "hybrid", "funding_streams": ["wioa_title_i"]},
    {"name": "Welding", "category": "occupational_training", "capacity": 0, "occupations": ["51-4121", "29-1141"]},
    {"name": "Welding", "category": "occupational_training", "description": "the twin",
     "external_ids": [{"source": "state", "id": "W-2"}], "program_cip": "48.0508", "credential": "AWS"},
    {"name": "Éclairage", "category": "transportation", "populations": ["low_income", "youth"], "status": "inactive",
     "delivery_mode": "online"},
    {"name": "Zoë's bus passes", "category": "transportation", "status": "retired", "capacity": 5},
    {"name": "  spaced  ", "category": "child_care", "regions": ["or-other", "or-test"]},
]


async def _partner(client: httpx.AsyncClient, name: str, services: list[dict[str, object]]) -> UUID:
    r = await client.post("/v1/partners", json=partner_body(name=name))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    for body in services:
        r = await client.post(f"/v1/partners/{pid}/services", json=body)
        assert r.status_code == 201, r.text
    return UUID(pid)


async def test_the_facts_of_partners_and_services_are_what_the_rules_would_read_in_the_same_order(
    client: httpx.AsyncClient, clean_db: Database
) -> None:
    await add_region(client, "or-test")
    await add_region(client, "or-other")
    first = await _partner(client, "Cascade CC", SERVICES)
    second = await _partner(client, "Lane WorkSource", [{**s, "external_ids": []} for s in reversed(SERVICES[:3])])
    none = await _partner(client, "No services yet", [])
    ids = [second, none, first]
    r = await client.patch(f"/v1/partners/{second}", json={
        "regions_served": [], "populations_served": ["youth", "low_income"], "funding_streams": ["wioa_title_i"]})
    assert r.status_code == 200, r.text
    async with PgUnitOfWork(clean_db, caller=system_caller("tests"), readonly=True) as uow:
        full = await uow.partners.services_of(ids)
        facts = await uow.partners.service_facts_of(ids)
        partners = await uow.partners.get_many([*ids, uuid4()])
        partner_facts = await uow.partners.partner_facts_of([*ids, uuid4()])
    assert partner_facts == {pid: PartnerFacts.of(p) for pid, p in partners.items()} and len(partner_facts) == 3
    for pid, got in partner_facts.items():
        for f in dataclasses.fields(PartnerFacts):
            value = getattr(got, f.name)
            assert type(value) is type(getattr(partners[pid], f.name)), f.name
    assert list(facts) == ids and facts[none] == []
    assert {pid: [ServiceFacts.of(s) for s in found] for pid, found in full.items()} == facts
    for pid in ids:
        for got, service in zip(facts[pid], full[pid], strict=True):
            assert type(got) is ServiceFacts
            for f in dataclasses.fields(ServiceFacts):
                value = getattr(got, f.name)
                assert value == getattr(service, f.name) and type(value) is type(getattr(service, f.name)), f.name
    assert len(full[first]) == len(SERVICES)
    for found in facts.values():  # a partner's services share one id object (its hash is worked out once)
        assert all(f.partner_id is found[0].partner_id for f in found)


ONE = "2026-10-01T00:00:00+00:00"


@pytest.mark.parametrize(("stamps", "periods", "sources"), [
    ([ONE] * 3, ["2024-2034"] * 3, ["state_lmi"] * 3),
    (["2026-10-01T02:00:00+02:00", "2026-10-01T00:00:00Z", "2026-10-01T00:00:00.000001+00:00"],
     ["2024-2034"] * 3, ["state_lmi"] * 3),
    (["2026-10-01T00:00:00.5+00:00", "2025-01-01T00:00:00+00:00", "2026-10-01T00:00:00.5+00:00"],
     ["2024-2034", "2024", "2024-2034"], ["state_lmi", "State_lmi", "state_lmi "]),
    ([ONE] * 3, ["2024-2034", "2024-2034", "2022-2032"], ["bls", "bls", "bls"]),
    ([ONE] * 3, ["2024"] * 3, ["bls", "BLS", "bls"]),
])
async def test_columns_holding_one_value_come_back_as_stored_as_columns_of_several_do(
    client: httpx.AsyncClient, clean_db: Database, stamps: list[str], periods: list[str], sources: list[str]
) -> None:
    regions = ["or-test", "or-other", "or-third"]
    for code in regions:
        await add_region(client, code)
    records = [observation(region=region, retrieved_at=stamp, period=period, source=source)
               for region, stamp, period, source in zip(regions, stamps, periods, sources, strict=True)]
    records.append(observation(code="47-2111", region="or-other", retrieved_at=stamps[-1]))
    r = await client.post("/v1/labor-market/observations", content=ndjson(*records), headers=NDJSON)
    assert r.status_code == 200, r.text
    async with PgUnitOfWork(clean_db, caller=system_caller("tests"), readonly=True) as uow:
        columns = [f for f, _ in await uow.labor_market.occupation_figures(regions=regions, occupations=None)]
        rows = await uow.labor_market.observations_for(regions=regions, occupations=None, demand_only=True)
    expected = occupation_figures(o for o, _ in rows)

    def by_row(figures: list) -> list[tuple[object, ...]]:
        return sorted((f.code.value, *row) for f in figures for row in zip(
            f.regions, f.periods, f.sources, f.retrieved_at, f.annual_openings, f.growth_percent, strict=True))

    assert by_row(columns) == by_row(expected)
    nurses = next(f for f in columns if f.code.value == "29-1141")
    assert sorted(nurses.retrieved_at) == sorted(datetime.fromisoformat(s).astimezone(UTC) for s in stamps)
    assert all(s.tzinfo is not None for s in nurses.retrieved_at)
    assert sorted(nurses.periods) == sorted(periods) and sorted(nurses.sources) == sorted(s.strip() for s in sources)
