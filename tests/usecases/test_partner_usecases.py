"""Use cases of the partner directory and the reference vocabularies, against in-memory fakes of the ports."""

from __future__ import annotations

import base64
import json
from typing import Any
from uuid import UUID, uuid4

import pytest

from api.domain.errors import DuplicateExternalId, InvalidInput, NotFound, VersionMismatch
from api.domain.partners import ExternalId, Jurisdiction, Level, Partner, Service, Status
from api.domain.ports import PartnerFilter
from api.domain.reference import Region
from api.usecases import partners as uc
from api.usecases import reference as ref_uc
from api.usecases.paging import encode_cursor
from tests.usecases.fakes import FakeUnitOfWork


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def a_partner(**overrides: Any) -> Partner:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "name": "Cascade Community College",
        "partner_type": "educational_institution",
        "level": Level.LOCAL,
        "jurisdiction": Jurisdiction(state="OR", local_area="or-test"),
        "regions_served": ("or-test",),
        "populations_served": ("low_income",),
        "latitude": 44.9,
        "longitude": -123.0,
    }
    fields.update(overrides)
    return Partner(**fields)


def a_service(partner_id: UUID, **overrides: Any) -> Service:
    fields: dict[str, Any] = {
        "id": uuid4(),
        "partner_id": partner_id,
        "name": "Welding certificate",
        "category": "occupational_training",
        "populations": ("low_income",),
        "occupations": ("514121",),
        "program_cip": "480508",
    }
    fields.update(overrides)
    return Service(**fields)


async def _all_pages(uow: FakeUnitOfWork, flt: PartnerFilter, limit: int) -> tuple[list[Partner], int]:
    """Follow next cursors to the end; return every item seen and the number of pages read."""
    seen: list[Partner] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await uc.list_partners(uow, flt=flt, limit=limit, cursor=cursor)
        pages += 1
        seen += page.items
        assert len(page.items) <= limit
        assert len(page.cursors) == len(page.items)
        if page.next_cursor is None:
            return seen, pages
        assert pages < 100, "paging does not end"
        cursor = page.next_cursor


# --- create / get ----------------------------------------------------------------------------------------------


async def test_created_partner_is_stored_and_can_be_read_back(uow):
    created = await uc.create_partner(uow, partner=a_partner())
    assert created.version == 1
    assert created.created_at is not None
    assert await uc.get_partner(uow, partner_id=created.id) == created


async def test_create_validates_against_the_catalog_and_stores_nothing_when_invalid(uow):
    with pytest.raises(InvalidInput) as err:
        await uc.create_partner(uow, partner=a_partner(populations_served=("low_income", "wizards"),
                                                       jurisdiction=Jurisdiction(state="OR", local_area="or-x")))
    assert {p.field for p in err.value.problems} == {"populations_served[1]", "jurisdiction.local_area"}
    assert uow.partners.partners == {}


async def test_create_accepts_a_local_area_once_the_region_is_put(uow):
    partner = a_partner(jurisdiction=Jurisdiction(state="OR", local_area="or-new"), regions_served=("or-new",))
    with pytest.raises(InvalidInput):
        await uc.create_partner(uow, partner=partner)
    await ref_uc.put_region(uow, region=Region(code="or-new", name="New area", state="OR"))
    assert (await uc.create_partner(uow, partner=partner)).jurisdiction.local_area == "or-new"


async def test_create_refuses_an_external_id_already_used_by_another_partner(uow):
    await uc.create_partner(uow, partner=a_partner(external_ids=(ExternalId(source="or-wd", id="A1"),)))
    with pytest.raises(DuplicateExternalId):
        await uc.create_partner(uow, partner=a_partner(external_ids=(ExternalId(source="or-wd", id="A1"),)))


async def test_reading_an_unknown_partner_is_not_found(uow):
    missing = uuid4()
    with pytest.raises(NotFound) as err:
        await uc.get_partner(uow, partner_id=missing)
    assert (err.value.kind, err.value.ident) == ("partner", missing)


@pytest.mark.parametrize(
    "call",
    [
        lambda uow, pid: uc.update_partner(uow, partner_id=pid, changes={"capacity": 1}),
        lambda uow, pid: uc.delete_partner(uow, partner_id=pid),
        lambda uow, pid: uc.list_services(uow, partner_id=pid),
        lambda uow, pid: uc.create_service(uow, service=a_service(pid)),
    ],
    ids=["update", "delete", "list_services", "create_service"],
)
async def test_every_use_case_on_an_unknown_partner_is_not_found(uow, call):
    with pytest.raises(NotFound):
        await call(uow, uuid4())
    assert uow.partners.services == {}


# --- update ----------------------------------------------------------------------------------------------------


async def test_update_with_the_current_version_applies_the_changes_and_bumps_it(uow):
    created = await uc.create_partner(uow, partner=a_partner())
    updated = await uc.update_partner(uow, partner_id=created.id, changes={"capacity": 300}, expected_version=1)
    assert (updated.capacity, updated.version, updated.name) == (300, 2, created.name)
    assert await uc.get_partner(uow, partner_id=created.id) == updated


async def test_update_without_an_expected_version_applies_to_the_latest(uow):
    created = await uc.create_partner(uow, partner=a_partner())
    await uc.update_partner(uow, partner_id=created.id, changes={"capacity": 1})
    assert (await uc.update_partner(uow, partner_id=created.id, changes={"capacity": 2})).version == 3


async def test_update_with_a_stale_expected_version_is_a_mismatch_and_changes_nothing(uow):
    created = await uc.create_partner(uow, partner=a_partner())
    current = await uc.update_partner(uow, partner_id=created.id, changes={"capacity": 10})
    with pytest.raises(VersionMismatch) as err:
        await uc.update_partner(uow, partner_id=created.id, changes={"capacity": 99}, expected_version=1)
    assert (err.value.expected, err.value.actual) == (1, 2)
    assert await uc.get_partner(uow, partner_id=created.id) == current


async def test_update_that_loses_a_race_with_a_concurrent_writer_is_a_mismatch(uow):
    created = await uc.create_partner(uow, partner=a_partner())
    uow.partners.change_before_next_update(created.id)
    with pytest.raises(VersionMismatch) as err:
        await uc.update_partner(uow, partner_id=created.id, changes={"capacity": 99}, expected_version=1)
    assert (err.value.expected, err.value.actual) == (1, 2)
    stored = await uc.get_partner(uow, partner_id=created.id)
    assert stored.capacity is None
    assert stored.version == 2


async def test_update_that_breaks_a_rule_is_invalid_and_changes_nothing(uow):
    created = await uc.create_partner(uow, partner=a_partner())
    with pytest.raises(InvalidInput):
        await uc.update_partner(uow, partner_id=created.id, changes={"partner_type": "spaceport"})
    with pytest.raises(InvalidInput):
        await uc.update_partner(uow, partner_id=created.id, changes={"id": uuid4()})
    assert await uc.get_partner(uow, partner_id=created.id) == created


# --- delete ----------------------------------------------------------------------------------------------------


async def test_delete_removes_the_partner_and_its_services(uow):
    keep = await uc.create_partner(uow, partner=a_partner(name="Keep"))
    kept_service = await uc.create_service(uow, service=a_service(keep.id))
    gone = await uc.create_partner(uow, partner=a_partner(name="Gone"))
    services = [await uc.create_service(uow, service=a_service(gone.id, name=n)) for n in ("A", "B")]

    await uc.delete_partner(uow, partner_id=gone.id, expected_version=1)

    with pytest.raises(NotFound):
        await uc.get_partner(uow, partner_id=gone.id)
    for service in services:
        with pytest.raises(NotFound):
            await uc.get_service(uow, partner_id=gone.id, service_id=service.id)
    assert await uc.list_services(uow, partner_id=keep.id) == [kept_service]
    assert set(uow.partners.services) == {kept_service.id}


async def test_delete_with_a_stale_version_is_a_mismatch_and_keeps_the_partner(uow):
    created = await uc.create_partner(uow, partner=a_partner())
    await uc.update_partner(uow, partner_id=created.id, changes={"capacity": 10})
    with pytest.raises(VersionMismatch):
        await uc.delete_partner(uow, partner_id=created.id, expected_version=1)
    assert (await uc.get_partner(uow, partner_id=created.id)).version == 2


# --- services --------------------------------------------------------------------------------------------------


async def test_created_service_has_normalized_codes_and_is_listed_under_its_partner(uow):
    partner = await uc.create_partner(uow, partner=a_partner())
    service = await uc.create_service(uow, service=a_service(partner.id))
    assert (service.occupations, service.program_cip) == (("51-4121",), "48.0508")
    assert await uc.list_services(uow, partner_id=partner.id) == [service]
    assert await uc.get_service(uow, partner_id=partner.id, service_id=service.id) == service


async def test_create_service_for_a_missing_partner_is_not_found(uow):
    missing = uuid4()
    with pytest.raises(NotFound) as err:
        await uc.create_service(uow, service=a_service(missing))
    assert err.value.ident == missing
    assert uow.partners.services == {}


async def test_create_service_validates_against_the_catalog(uow):
    partner = await uc.create_partner(uow, partner=a_partner())
    with pytest.raises(InvalidInput) as err:
        await uc.create_service(uow, service=a_service(partner.id, category="nope", occupations=("x",)))
    assert {p.field for p in err.value.problems} == {"category", "occupations[0]"}


async def test_a_service_read_through_another_partner_is_not_found(uow):
    mine = await uc.create_partner(uow, partner=a_partner(name="Mine"))
    other = await uc.create_partner(uow, partner=a_partner(name="Other"))
    service = await uc.create_service(uow, service=a_service(mine.id))
    with pytest.raises(NotFound):
        await uc.get_service(uow, partner_id=other.id, service_id=service.id)
    with pytest.raises(NotFound):
        await uc.delete_service(uow, partner_id=other.id, service_id=service.id)
    with pytest.raises(NotFound):
        await uc.update_service(uow, partner_id=other.id, service_id=service.id, changes={"capacity": 1})
    assert await uc.list_services(uow, partner_id=mine.id) == [service]


async def test_update_service_with_a_stale_version_is_a_mismatch_and_changes_nothing(uow):
    partner = await uc.create_partner(uow, partner=a_partner())
    service = await uc.create_service(uow, service=a_service(partner.id))
    current = await uc.update_service(uow, partner_id=partner.id, service_id=service.id, changes={"capacity": 5},
                                      expected_version=1)
    assert current.version == 2
    with pytest.raises(VersionMismatch):
        await uc.update_service(uow, partner_id=partner.id, service_id=service.id, changes={"capacity": 9},
                                expected_version=1)
    assert await uc.get_service(uow, partner_id=partner.id, service_id=service.id) == current


async def test_update_service_that_loses_a_race_is_a_mismatch(uow):
    partner = await uc.create_partner(uow, partner=a_partner())
    service = await uc.create_service(uow, service=a_service(partner.id))
    uow.partners.change_before_next_update(service.id)
    with pytest.raises(VersionMismatch) as err:
        await uc.update_service(uow, partner_id=partner.id, service_id=service.id, changes={"capacity": 9})
    assert (err.value.expected, err.value.actual) == (1, 2)


async def test_deleted_service_is_gone_and_its_partner_stays(uow):
    partner = await uc.create_partner(uow, partner=a_partner())
    service = await uc.create_service(uow, service=a_service(partner.id))
    await uc.delete_service(uow, partner_id=partner.id, service_id=service.id, expected_version=1)
    assert await uc.list_services(uow, partner_id=partner.id) == []
    assert await uc.get_partner(uow, partner_id=partner.id) == partner


async def test_services_of_many_partners_includes_those_without_services(uow):
    a = await uc.create_partner(uow, partner=a_partner(name="A"))
    b = await uc.create_partner(uow, partner=a_partner(name="B"))
    service = await uc.create_service(uow, service=a_service(a.id))
    assert await uc.services_of_partners(uow, partner_ids=[a.id, b.id]) == {a.id: [service], b.id: []}


# --- listing ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 3, 7, 50])
async def test_paging_with_cursors_returns_every_partner_exactly_once_in_name_order(uow, limit):
    names = ["Delta", "Alpha", "Charlie", "Bravo", "Alpha", "Alpha", "Echo"] * 3
    for name in names:
        await uc.create_partner(uow, partner=a_partner(name=name))

    seen, pages = await _all_pages(uow, PartnerFilter(), limit)

    assert len(seen) == len(names)
    assert {p.id for p in seen} == set(uow.partners.partners)
    assert [(p.name, str(p.id)) for p in seen] == sorted((p.name, str(p.id)) for p in seen)
    assert pages == max(1, -(-len(names) // limit))


async def test_paging_resumes_after_any_items_cursor(uow):
    for name in ["C", "A", "B", "E", "D"]:
        await uc.create_partner(uow, partner=a_partner(name=name))
    first = await uc.list_partners(uow, flt=PartnerFilter(), limit=5)
    assert [p.name for p in first.items] == ["A", "B", "C", "D", "E"]
    assert first.next_cursor is None
    rest = await uc.list_partners(uow, flt=PartnerFilter(), limit=5, cursor=first.cursors[1])
    assert [p.name for p in rest.items] == ["C", "D", "E"]


async def test_paging_a_filtered_listing_visits_only_matching_partners(uow):
    for i in range(9):
        await uc.create_partner(uow, partner=a_partner(
            name=f"P{i}", partner_type="employer" if i % 3 == 0 else "workforce_agency",
            populations_served=("veteran",) if i % 2 == 0 else ()))
    seen, _ = await _all_pages(uow, PartnerFilter(partner_type="employer"), limit=2)
    assert [p.name for p in seen] == ["P0", "P3", "P6"]
    seen, _ = await _all_pages(uow, PartnerFilter(partner_type="employer", population="veteran"), limit=1)
    assert [p.name for p in seen] == ["P0", "P6"]


async def test_retired_partners_are_listed_only_when_asked_for(uow):
    await uc.create_partner(uow, partner=a_partner(name="Active"))
    await uc.create_partner(uow, partner=a_partner(name="Retired", status=Status.RETIRED))
    assert [p.name for p in (await uc.list_partners(uow, flt=PartnerFilter(), limit=10)).items] == ["Active"]
    retired = await uc.list_partners(uow, flt=PartnerFilter(status="retired"), limit=10)
    assert [p.name for p in retired.items] == ["Retired"]


async def test_listing_with_total_counts_every_match_not_just_the_page(uow):
    for i in range(5):
        await uc.create_partner(uow, partner=a_partner(name=f"P{i}"))
    page = await uc.list_partners(uow, flt=PartnerFilter(state="OR"), limit=2, with_total=True)
    assert (len(page.items), page.total) == (2, 5)
    assert (await uc.list_partners(uow, flt=PartnerFilter(), limit=2)).total is None


async def test_a_cursor_of_another_order_is_invalid_input(uow):
    partner = await uc.create_partner(uow, partner=a_partner())
    foreign = encode_cursor("q", (0.5, str(partner.id)))
    with pytest.raises(InvalidInput) as err:
        await uc.list_partners(uow, flt=PartnerFilter(), limit=10, cursor=foreign)
    assert [p.field for p in err.value.problems] == ["cursor"]


@pytest.mark.parametrize("cursor", ["not a cursor", "", "%%%", "é", base64.urlsafe_b64encode(b"[1,2,3]").decode()])
async def test_a_damaged_cursor_is_invalid_input(uow, cursor):
    with pytest.raises(InvalidInput) as err:
        await uc.list_partners(uow, flt=PartnerFilter(), limit=10, cursor=cursor)
    assert [p.field for p in err.value.problems] == ["cursor"]


async def test_a_forged_cursor_with_a_missing_key_is_invalid_input(uow):
    await uc.create_partner(uow, partner=a_partner())
    forged = base64.urlsafe_b64encode(json.dumps(["name", "Cascade"]).encode()).decode()
    with pytest.raises(InvalidInput):
        await uc.list_partners(uow, flt=PartnerFilter(), limit=10, cursor=forged)


# --- reference -------------------------------------------------------------------------------------------------


async def test_put_region_refuses_a_state_that_is_not_a_usps_code(uow):
    with pytest.raises(InvalidInput) as err:
        await ref_uc.put_region(uow, region=Region(code="zz-1", name="Nowhere", state="ZZ"))
    assert [p.field for p in err.value.problems] == ["state"]
    assert [r.code for r in await ref_uc.list_regions(uow)] == ["or-test"]


async def test_put_region_refuses_a_blank_name(uow):
    with pytest.raises(InvalidInput) as err:
        await ref_uc.put_region(uow, region=Region(code="or-2", name=" ", state="OR"))
    assert [p.field for p in err.value.problems] == ["name"]


async def test_put_region_replaces_a_region_and_regions_can_be_listed_by_state(uow):
    await ref_uc.put_region(uow, region=Region(code="wa-1", name="Seattle area", state="WA"))
    renamed = await ref_uc.put_region(uow, region=Region(code="or-test", name="Renamed", state="OR"))
    assert [r.code for r in await ref_uc.list_regions(uow, state="WA")] == ["wa-1"]
    assert await ref_uc.list_regions(uow, state="OR") == [renamed]
    assert (await ref_uc.get_catalog(uow)).regions["or-test"].name == "Renamed"


async def test_the_catalog_holds_the_shipped_vocabularies(uow):
    catalog = await ref_uc.get_catalog(uow)
    assert {"employer", "workforce_agency"} <= set(catalog.partner_types)
    assert {"low_income", "veteran"} <= set(catalog.populations)
    assert catalog.service_categories["job_search"].parent == "career_services"


async def test_use_cases_leave_committing_to_the_caller(uow):
    await uc.create_partner(uow, partner=a_partner())
    assert not uow.committed
    await uow.commit()
    assert (uow.committed, uow.commits) == (True, 1)
