"""The pool of prospects a gap report ranks (issue 22), held to the query written plainly.

``RECRUITMENT_POOL`` is shaped for speed (bench/README.md, item 26): it sorts narrow rows and asks whether each
fits only until it has enough. The reference below is the same rule written as it reads: every active
non-member of the state that serves the area or lies within the radius, and that is of a type, serves a
population or offers a service looked for; the nearest first, those in the area before the others. Both run
on generated directories and must return the same rows in the same order, whatever the limit.
"""

from __future__ import annotations

import dataclasses
import random
from uuid import UUID

import pytest

from api.domain.partners import Jurisdiction, Status
from api.domain.recruiting import RecruitmentNeeds
from api.repositories.database import Database
from api.repositories.partners import DISTANCE_SQL, PgPartnerRepository
from tests.domain.system_factories import make_partner, make_service

REFERENCE_POOL = f"""
WITH anchor AS (
  SELECT avg(latitude) AS lat, avg(longitude) AS lon FROM partners
  WHERE id = any($3::uuid[]) AND latitude IS NOT NULL AND longitude IS NOT NULL
), placed AS (
  SELECT p.id, p.name, p.partner_type, p.local_area, p.regions_served, p.populations_served, p.capacity,
    (p.regions_served && $2::text[] OR p.local_area = any($2::text[])) AS in_area,
    CASE WHEN p.latitude IS NULL OR p.longitude IS NULL OR a.lat IS NULL THEN NULL
      ELSE {DISTANCE_SQL.format(lat="a.lat", lon="a.lon")} END AS distance_km
  FROM partners p CROSS JOIN anchor a
  WHERE p.state = $1 AND p.status = 'active' AND p.id <> all($3::uuid[])
    AND (p.partner_type = any($5::text[]) OR p.populations_served && $6::text[]
         OR EXISTS (SELECT 1 FROM services s WHERE s.partner_id = p.id AND s.status = 'active'
                    AND (s.category = any($7::text[]) OR s.populations && $6::text[]
                         OR s.occupations && $8::text[])))
)
SELECT c.id, c.name, c.partner_type, c.local_area, c.regions_served, c.populations_served, c.capacity,
  array(SELECT DISTINCT s.category FROM services s
        WHERE s.partner_id = c.id AND s.status = 'active' AND s.capacity IS DISTINCT FROM 0) AS categories,
  array(SELECT DISTINCT x FROM services s, unnest(s.populations) x
        WHERE s.partner_id = c.id AND s.status = 'active') AS service_populations,
  array(SELECT DISTINCT x FROM services s, unnest(s.occupations) x
        WHERE s.partner_id = c.id AND s.status = 'active') AS occupations,
  c.distance_km, c.in_area
FROM placed c
WHERE c.in_area OR c.distance_km <= $4::float8
ORDER BY c.in_area DESC, c.distance_km NULLS LAST, c.name, c.id
LIMIT $9
"""

TYPES = ("workforce_agency", "veterans_services", "educational_institution", "employer", "vocational_rehabilitation")
POPULATIONS = ("veteran", "disability", "low_income", "youth")
CATEGORIES = ("job_placement", "child_care", "training", "employer_services")
OCCUPATIONS = ("29-1141", "47-2111", "51-4121")
AREAS = ("or_portland", "or_salem", "or_lane", "or_coast", "or_east")


async def _directory(conn, rng: random.Random) -> list[UUID]:
    """About 120 partners of two states with services; some without coordinates, some retired, some sharing a
    name or a place. Returns the ids of the partners that play the system's members."""
    repo = PgPartnerRepository(conn)
    ids = []
    for n in range(120):
        partner = make_partner(rng.choice(("Alder", "Birch", "Cedar")) + f" {n % 40}", rng.choice(TYPES),
                               populations=tuple(rng.sample(POPULATIONS, rng.randint(0, 2))),
                               regions=tuple(rng.sample(AREAS, rng.randint(0, 2))),
                               capacity=rng.choice((None, 0, 40)))
        placed = rng.random() < 0.85
        partner = dataclasses.replace(
            partner, status=Status.RETIRED if rng.random() < 0.1 else Status.ACTIVE,
            jurisdiction=Jurisdiction(state="OR" if rng.random() < 0.9 else "WA"),
            latitude=round(44.0 + rng.random() * 2, 2 if n % 7 else 0) if placed else None,
            longitude=round(-123.5 + rng.random() * 3, 2 if n % 7 else 0) if placed else None)
        await repo.add(partner)
        ids.append(partner.id)
        for _ in range(rng.randint(0, 3)):
            service = make_service(partner, rng.choice(CATEGORIES),
                                   populations=tuple(rng.sample(POPULATIONS, rng.randint(0, 1))),
                                   capacity=rng.choice((None, 0, 12)))
            service = dataclasses.replace(service, occupations=tuple(rng.sample(OCCUPATIONS, rng.randint(0, 1))),
                                          status=Status.RETIRED if rng.random() < 0.15 else Status.ACTIVE)
            await repo.add_service(service)
    return rng.sample(ids, 8)


def _needs(rng: random.Random, members: list[UUID], limit: int) -> RecruitmentNeeds:
    return RecruitmentNeeds(
        state="OR", areas=tuple(rng.sample(AREAS, rng.randint(1, 2))), members=tuple(members),
        partner_types=tuple(rng.sample(TYPES, rng.randint(0, 2))),
        populations=tuple(rng.sample(POPULATIONS, rng.randint(0, 2))),
        categories=tuple(rng.sample(CATEGORIES, rng.randint(0, 2))),
        occupations=tuple(rng.sample(OCCUPATIONS, rng.randint(0, 1))),
        near_km=rng.choice((10.0, 50.0, 150.0)), limit=limit)


@pytest.mark.parametrize("seed", range(4))
async def test_the_pool_is_the_one_the_plain_query_draws_whatever_the_limit(clean_db: Database, seed: int):
    rng = random.Random(seed)
    async with clean_db.pool.acquire() as conn:
        members = await _directory(conn, rng)
        repo = PgPartnerRepository(conn)
        compared = 0
        for limit in (1, 5, 17, 400):
            for _ in range(6):
                needs = _needs(rng, members, limit)
                if needs.empty:
                    continue
                expected = await conn.fetch(
                    REFERENCE_POOL, needs.state, list(needs.areas), list(needs.members), needs.near_km,
                    list(needs.partner_types), list(needs.populations), list(needs.categories),
                    list(needs.occupations), needs.limit)
                found = await repo.recruitment_pool(needs)
                assert [(p.id, p.in_area, p.distance_km, p.categories, p.service_populations, p.occupations)
                        for p in found] == [
                    (r["id"], r["in_area"], r["distance_km"], tuple(sorted(r["categories"])),
                     tuple(sorted(r["service_populations"])), tuple(sorted(r["occupations"]))) for r in expected]
                compared += len(expected)
        assert compared > 50, "the generated directories give pools to compare"
