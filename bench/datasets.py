"""Seeded datasets, written straight into a migrated database with COPY (setting up is not what we measure).

The directory (partners with external ids, services), a large state system with its members' services and
labour market observations, and the readiness round used by the scoring benchmark. The same seed gives the
same rows on every machine.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import asyncpg
import orjson

from bench.lmi_ingest import soc_codes

STATE = "OR"
SOURCE = "bench-directory"
READ_FILTER_TYPE = "educational_institution"
WORDS = ["Cascade", "Willamette", "River", "Valley", "Coast", "Summit", "Harbor", "Pine", "Cedar", "Lake", "North",
         "South", "Community", "Works", "Pathways", "Bridge", "Union", "Metro", "County", "Skills", "Learning",
         "Career", "Center", "Alliance", "Network", "Institute", "Academy", "Services", "Partners", "Foundation"]
SERVICE_WORDS = ["Welding", "Nursing", "CDL", "Coding", "Childcare", "ESL", "GED", "Machining", "Logistics",
                 "Retail", "Hospitality", "Electrical", "Plumbing", "Bookkeeping", "Phlebotomy", "HVAC"]
PARTNER_COLUMNS = ("id", "name", "partner_type", "level", "state", "local_area", "description", "regions_served",
                   "populations_served", "capacity", "funding_streams", "contacts", "address", "latitude",
                   "longitude", "website", "assets", "limitations", "status", "industries")
SERVICE_COLUMNS = ("id", "partner_id", "name", "description", "category", "populations", "regions",
                   "delivery_mode", "capacity", "funding_streams", "program_cip", "occupations", "credential",
                   "status")
OBSERVATION_COLUMNS = ("region", "code_kind", "code", "period", "source", "retrieved_at", "employment",
                       "projected_employment", "annual_openings", "growth_percent", "median_wage", "outlook")


def region_codes(count: int) -> list[str]:
    """The benchmark's region codes (the same ones ``bench/lmi_ingest.py`` uses)."""
    return [f"or-bench-{i:03d}" for i in range(count)]


async def init_connection(conn: asyncpg.Connection) -> None:
    """jsonb as Python objects, like the service's pool (in binary format, so COPY can carry it too)."""
    await conn.set_type_codec("jsonb", schema="pg_catalog", format="binary",
                              encoder=lambda v: b"\x01" + orjson.dumps(v), decoder=lambda b: orjson.loads(b[1:]))


@dataclass
class Vocabulary:
    partner_types: list[str]
    populations: list[str]
    categories: list[str]
    funding_streams: list[str]
    regions: list[str]


async def vocabulary(conn: asyncpg.Connection, regions: int = 50) -> Vocabulary:
    """The shipped reference codes, plus ``regions`` benchmark regions (added if missing)."""
    codes = region_codes(regions)
    await conn.executemany("INSERT INTO regions (code, name, state) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                           [(c, f"Bench area {c}", STATE) for c in codes])

    async def column(sql: str) -> list[str]:
        return [r[0] for r in await conn.fetch(sql)]

    return Vocabulary(
        partner_types=await column("SELECT code FROM partner_types ORDER BY code"),
        populations=await column("SELECT code FROM populations ORDER BY code"),
        categories=await column("SELECT code FROM service_categories ORDER BY code"),
        funding_streams=await column("SELECT code FROM funding_streams ORDER BY code"),
        regions=codes,
    )


def _partner_row(rng: random.Random, vocab: Vocabulary, n: int, partner_type: str | None = None) -> tuple:
    area = rng.choice(vocab.regions)
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} {n:06d}"
    contacts = [{"name": f"Contact {n}", "title": "Director", "email": f"c{n}@example.org", "phone": "555-0100"}]
    address = {"street": f"{rng.randrange(1, 9999)} Main St", "city": "Salem", "state": STATE,
               "postal_code": f"97{rng.randrange(0, 999):03d}"}
    return (
        uuid.UUID(int=rng.getrandbits(128), version=4), name, partner_type or rng.choice(vocab.partner_types),
        "local", STATE, area, f"Synthetic partner {n} for the benchmarks", rng.sample(vocab.regions, 3),
        rng.sample(vocab.populations, 2), rng.randrange(10, 2000), rng.sample(vocab.funding_streams, 2), contacts,
        address, round(42 + rng.random() * 4, 5), round(-124 + rng.random() * 7, 5), f"https://p{n}.example.org",
        "", "", "active", [],
    )


def _service_row(rng: random.Random, vocab: Vocabulary, partner: tuple, n: int, occupations: list[str]) -> tuple:
    return (
        uuid.UUID(int=rng.getrandbits(128), version=4), partner[0],
        f"{rng.choice(SERVICE_WORDS)} program {n:07d}", "Synthetic service for the benchmarks",
        rng.choice(vocab.categories), rng.sample(vocab.populations, 2), rng.sample(partner[7], 2),
        rng.choice(["in_person", "online", "hybrid"]), rng.randrange(5, 200), rng.sample(vocab.funding_streams, 1),
        None, rng.sample(occupations, 2) if occupations else [], None, "active",
    )


async def _copy(conn: asyncpg.Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    for start in range(0, len(rows), 20_000):
        await conn.copy_records_to_table(table, records=rows[start:start + 20_000], columns=list(columns))


async def load_directory(conn: asyncpg.Connection, *, partners: int, services: int, seed: int = 7) -> Vocabulary:
    """``partners`` partners (each with an external id) and ``services`` services spread over them."""
    rng = random.Random(seed)
    vocab = await vocabulary(conn)
    prows = [_partner_row(rng, vocab, n) for n in range(partners)]
    srows = [_service_row(rng, vocab, prows[n % partners], n, []) for n in range(services)]
    async with conn.transaction():
        await _copy(conn, "partners", PARTNER_COLUMNS, prows)
        await _copy(conn, "partner_external_ids", ("source", "external_id", "partner_id"),
                    [(SOURCE, f"D{n:07d}", p[0]) for n, p in enumerate(prows)])
        await _copy(conn, "services", SERVICE_COLUMNS, srows)
    await conn.execute("ANALYZE partners; ANALYZE services; ANALYZE partner_external_ids")
    return vocab


async def load_state_system(conn: asyncpg.Connection, *, members: int, services: int, regions: int,
                            occupations: int, seed: int = 11) -> uuid.UUID:
    """A state system: ``members`` new partners with ``services`` services, the system's ``regions``, and
    observations for ``occupations`` SOC codes in each region. Return the system's id."""
    rng = random.Random(seed)
    vocab = await vocabulary(conn, regions)
    codes = soc_codes(occupations, rng)
    prows = [_partner_row(rng, vocab, 900_000 + n) for n in range(members)]
    srows = [_service_row(rng, vocab, prows[n % members], 900_000 + n, codes) for n in range(services)]
    stamp = datetime(2026, 10, 1, tzinfo=UTC)
    observations = [
        (area, "soc", code, "2024-2034", "state-lmi", stamp, rng.randrange(100, 50_000), None,
         rng.randrange(0, 3_000), round(rng.uniform(-5, 25), 1), float(rng.randrange(25_000, 150_000)), None)
        for code in codes for area in vocab.regions
    ]
    system_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    async with conn.transaction():
        await _copy(conn, "partners", PARTNER_COLUMNS, prows)
        await _copy(conn, "services", SERVICE_COLUMNS, srows)
        await _copy(conn, "labor_market_observations", OBSERVATION_COLUMNS, observations)
        await conn.execute(
            "INSERT INTO systems (id, name, level, state, regions, target_populations) VALUES ($1, $2, 'state', $3, "
            "$4, $5)", system_id, "Bench state system", STATE, vocab.regions, vocab.populations[:4])
        await _copy(conn, "system_members", ("system_id", "partner_id", "representative", "team", "joined_on"),
                    [(system_id, p[0], f"Representative {n}", "leadership" if n < 40 else "operations",
                      date(2026, 1, 1)) for n, p in enumerate(prows)])
    await conn.execute("ANALYZE")
    return system_id
