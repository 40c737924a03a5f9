"""What keeps directory reads flat as a directory grows, and what it means for their answers (issue 23).

A search ranks a bounded window of matches; a radius search is bounded by a latitude/longitude box; a numbered
page's total is exact up to a bound and on the last page, an estimate (never below what exists) otherwise;
services of retired partners stay unlisted whichever way the query is written.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from api.domain.partners import Status
from api.domain.ports import PartnerFilter, ServiceFilter
from api.repositories.database import Database
from api.repositories.partners import EARTH_RADIUS_KM, PgPartnerRepository, bounding_box
from tests.domain.system_factories import make_partner, make_service


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = a, b
    h = (math.sin(math.radians(lat2 - lat1) / 2) ** 2
         + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


@pytest.mark.parametrize("centre", [(44.9, -121.0), (0.0, 0.0), (-60.0, 120.0), (70.0, 10.0)])
def test_every_point_within_the_radius_lies_in_the_bounding_box(centre):
    radius = 25.0
    south, north, west, east = bounding_box(*centre, radius)
    assert west is not None and east is not None
    for step in range(360):  # points on the circle itself, the farthest a match can be
        bearing = math.radians(step)
        d = radius / EARTH_RADIUS_KM
        lat1, lon1 = map(math.radians, centre)
        lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(bearing))
        lon2 = lon1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(lat1),
                                 math.cos(d) - math.sin(lat1) * math.sin(lat2))
        point = (math.degrees(lat2), math.degrees(lon2))
        assert _km(centre, point) == pytest.approx(radius)
        assert south <= point[0] <= north and west <= point[1] <= east, (step, point)


def test_the_box_drops_longitudes_at_a_pole_and_across_the_antimeridian():
    assert bounding_box(89.9, 0.0, 50)[2:] == (None, None)
    assert bounding_box(0.0, 179.9, 50)[2:] == (None, None)
    assert bounding_box(0.0, -179.9, 50)[2:] == (None, None)


async def test_a_radius_search_finds_partners_across_the_antimeridian(clean_db: Database):
    near, across, far = (make_partner(n, "workforce_agency") for n in ("Near", "Across", "Far"))
    placed = [dataclasses.replace(near, latitude=0.0, longitude=179.95),
              dataclasses.replace(across, latitude=0.0, longitude=-179.95),
              dataclasses.replace(far, latitude=0.0, longitude=-178.0)]
    async with clean_db.pool.acquire() as conn:
        repo = PgPartnerRepository(conn)
        for p in placed:
            await repo.add(p)
        page = await repo.list_partners(PartnerFilter(near=(0.0, 179.99), radius_km=50), limit=10, after=None)
    assert [p.name for p in page.items] == ["Near", "Across"]


async def test_a_search_ranks_and_lists_at_most_its_window_of_matches(clean_db: Database):
    async with clean_db.pool.acquire() as conn:
        for n in range(7):
            await PgPartnerRepository(conn).add(make_partner(f"Harbor partner {n}", "workforce_agency"))
        await PgPartnerRepository(conn).add(make_partner("Harbor Harbor Harbor", "workforce_agency"))
        whole = await PgPartnerRepository(conn).list_partners(PartnerFilter(q="Harbor"), limit=100, after=None,
                                                             with_total=True)
        assert len(whole.items) == whole.total == 8, "under the window every match is ranked"
        assert whole.items[0].name == "Harbor Harbor Harbor", "the best-ranked match first"
        ranks = [k[0] for k in whole.keys]
        assert ranks == sorted(ranks, reverse=True)

        windowed = PgPartnerRepository(conn, search_window=5)
        first = await windowed.list_partners(PartnerFilter(q="Harbor"), limit=3, after=None, with_total=True)
        assert first.total == 5, "the total is what can be paged through: the window"
        second = await windowed.list_partners(PartnerFilter(q="Harbor"), limit=3, after=first.next_after)
        assert second.next_after is None
        listed = [p.id for p in [*first.items, *second.items]]
        assert len(listed) == len(set(listed)) == 5, "the pages walk the window once, without repeats"
        keys = [*first.keys, *second.keys]
        assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)
        numbered = await windowed.list_partners(PartnerFilter(q="Harbor"), limit=3, after=None, offset=3,
                                                with_total=True)
        assert [p.id for p in numbered.items] == [p.id for p in second.items]
        assert numbered.total == 5


async def test_a_numbered_page_counts_exactly_up_to_the_bound_and_never_claims_fewer_than_exist(
        clean_db: Database):
    async with clean_db.pool.acquire() as conn:
        repo = PgPartnerRepository(conn)
        category = await conn.fetchval("SELECT code FROM service_categories ORDER BY code LIMIT 1")
        partner = await repo.add(make_partner("Provider", "workforce_agency"))
        for _ in range(7):
            await repo.add_service(make_service(partner, category))
        flt = ServiceFilter(retired=True)

        exact = await repo.list_services(flt, limit=2, with_total=True)
        assert exact.total == 7
        bounded = await repo.list_services(flt, limit=2, with_total=True, exact_total_up_to=3)
        assert bounded.total is not None and bounded.total >= 3, "an estimate, never below what the page knows"
        within = await repo.list_services(flt, limit=2, with_total=True, exact_total_up_to=10)
        assert within.total == 7, "exact up to the bound"
        last = await repo.list_services(flt, limit=2, offset=6, with_total=True, exact_total_up_to=3)
        assert len(last.items) == 1 and last.total == 7, "the last page knows the total without counting"
        assert bounded.items == exact.items

        partners = await repo.list_partners(PartnerFilter(), limit=1, after=None, with_total=True,
                                            exact_total_up_to=10)
        assert partners.total == 1


async def test_services_of_retired_partners_stay_unlisted_with_or_without_partner_conditions(clean_db: Database):
    async with clean_db.pool.acquire() as conn:
        repo = PgPartnerRepository(conn)
        category = await conn.fetchval("SELECT code FROM service_categories ORDER BY code LIMIT 1")
        live = await repo.add(make_partner("Live", "workforce_agency"))
        gone = await repo.add(dataclasses.replace(make_partner("Gone", "workforce_agency"), status=Status.RETIRED))
        kept = await repo.add_service(make_service(live, category))
        await repo.add_service(make_service(gone, category))
        for flt in (ServiceFilter(retired=True), ServiceFilter(), ServiceFilter(partner_types=("workforce_agency",)),
                    ServiceFilter(retired=True, categories=(category,))):
            for offset in (0, 1):
                page = await repo.list_services(flt, limit=5, offset=offset, with_total=True)
                assert [s.id for s in page.items] == ([kept.id] if offset == 0 else []), flt
                assert page.total == 1, flt


async def test_sequential_scans_start_at_the_first_page_so_a_search_window_holds_still(db: Database):
    async with db.pool.acquire() as conn:
        assert await conn.fetchval("SHOW synchronize_seqscans") == "off"


async def test_a_keyset_walk_by_name_breaks_ties_by_id_across_pages(clean_db: Database):
    async with clean_db.pool.acquire() as conn:
        repo = PgPartnerRepository(conn)
        for n in range(9):
            await repo.add(make_partner(f"Same name {n % 3}", "workforce_agency"))
        walked, after = [], None
        while True:
            page = await repo.list_partners(PartnerFilter(), limit=2, after=after)
            walked += [(p.name, str(p.id)) for p in page.items]
            if (after := page.next_after) is None:
                break
    assert walked == sorted(walked) and len(set(walked)) == 9, "every partner once, by name then id"
