"""Partners and services: validation against the vocabularies, partial revision, and jurisdictions."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api import reference_data
from api.domain.errors import InvalidInput
from api.domain.partners import (
    PARTNER_EDITABLE,
    PARTNER_NULLABLE,
    SERVICE_EDITABLE,
    SERVICE_NULLABLE,
    US_STATES,
    Contact,
    DeliveryMode,
    ExternalId,
    Jurisdiction,
    Level,
    Partner,
    Service,
    revise_partner,
    revise_service,
    validate_partner,
    validate_service,
)
from api.domain.reference import Catalog, PartnerType, Population, Region, ServiceCategory


@cache
def catalog() -> Catalog:
    """The shipped vocabularies, with two Oregon regions and one in Washington."""
    regions = [
        Region(code="or-test", name="Oregon test area", state="OR"),
        Region(code="or-coast", name="Oregon coast", state="OR"),
        Region(code="wa-test", name="Washington test area", state="WA"),
    ]
    return Catalog(
        partner_types={d["code"]: PartnerType(**d) for d in reference_data.load("partner_types")},
        service_categories={d["code"]: ServiceCategory(**d) for d in reference_data.load("service_categories")},
        populations={d["code"]: Population(**d) for d in reference_data.load("populations")},
        regions={r.code: r for r in regions},
    )


def a_partner(**overrides: Any) -> Partner:
    """A valid Oregon partner, with overrides."""
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
        "website": "https://cascade.example.edu",
        "contacts": (Contact(name="Ana Ruiz", email="ana@cascade.example.edu"),),
        "external_ids": (ExternalId(source="or-wd", id="A1"),),
    }
    fields.update(overrides)
    return Partner(**fields)


def a_service(**overrides: Any) -> Service:
    """A valid training service, with overrides."""
    fields: dict[str, Any] = {
        "id": uuid4(),
        "partner_id": uuid4(),
        "name": "Welding certificate",
        "category": "occupational_training",
        "populations": ("low_income",),
        "regions": ("or-test",),
        "delivery_mode": DeliveryMode.HYBRID,
        "program_cip": "48.0508",
        "occupations": ("51-4121",),
    }
    fields.update(overrides)
    return Service(**fields)


def problems_of(error: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    """The problems of a refusal, message by field (the last one wins when a field has several)."""
    return {p.field: p.message for p in error.value.problems}


# --- validate_partner ------------------------------------------------------------------------------------------


def test_a_complete_valid_partner_is_returned_unchanged():
    partner = a_partner()
    assert validate_partner(partner, catalog()) == partner


def test_a_minimal_partner_with_only_a_state_is_valid():
    partner = Partner(
        id=uuid4(), name="Acme", partner_type="employer", level=Level.STATE, jurisdiction=Jurisdiction(state="OR")
    )
    assert validate_partner(partner, catalog()) == partner


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_blank_name_is_invalid(name):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(name=name), catalog())
    assert problems_of(err) == {"name": "must not be blank"}


def test_unknown_partner_type_is_invalid_and_named():
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(partner_type="spaceport"), catalog())
    assert problems_of(err) == {"partner_type": "unknown partner type 'spaceport'"}


@pytest.mark.parametrize("state", ["or", "ZZ", "Oregon", "", "O R"])
def test_state_that_is_not_a_usps_code_is_invalid(state):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(jurisdiction=Jurisdiction(state=state)), catalog())
    assert set(problems_of(err)) == {"jurisdiction.state"}


@pytest.mark.parametrize("state", ["DC", "PR", "GU", "VI", "AS", "MP"])
def test_district_and_territories_are_usps_states(state):
    partner = a_partner(jurisdiction=Jurisdiction(state=state), regions_served=())
    assert validate_partner(partner, catalog()) == partner


def test_unknown_local_area_is_invalid():
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(jurisdiction=Jurisdiction(state="OR", local_area="or-nowhere")), catalog())
    assert problems_of(err) == {"jurisdiction.local_area": "unknown region 'or-nowhere'"}


def test_local_area_in_another_state_is_invalid():
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(jurisdiction=Jurisdiction(state="OR", local_area="wa-test")), catalog())
    assert problems_of(err) == {"jurisdiction.local_area": "region 'wa-test' is not in OR"}


def test_unknown_region_served_names_its_index():
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(regions_served=("or-test", "or-coast", "mars")), catalog())
    assert problems_of(err) == {"regions_served[2]": "unknown region 'mars'"}


def test_unknown_population_served_names_its_index():
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(populations_served=("low_income", "wizards", "veteran", "elves")), catalog())
    assert problems_of(err) == {
        "populations_served[1]": "unknown population 'wizards'",
        "populations_served[3]": "unknown population 'elves'",
    }


def test_regions_served_may_lie_outside_the_partners_own_state():
    partner = a_partner(regions_served=("or-test", "wa-test"))
    assert validate_partner(partner, catalog()) == partner


def test_negative_capacity_is_invalid_and_zero_is_not():
    assert validate_partner(a_partner(capacity=0), catalog()).capacity == 0
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(capacity=-1), catalog())
    assert set(problems_of(err)) == {"capacity"}


@pytest.mark.parametrize("latitude", [90.0001, -90.5, 1000.0, float("inf"), float("nan")])
def test_latitude_outside_plus_minus_90_is_invalid(latitude):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(latitude=latitude), catalog())
    assert problems_of(err) == {"latitude": "must be between -90 and 90"}


@pytest.mark.parametrize("longitude", [180.0001, -181.0, float("-inf"), float("nan")])
def test_longitude_outside_plus_minus_180_is_invalid(longitude):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(longitude=longitude), catalog())
    assert problems_of(err) == {"longitude": "must be between -180 and 180"}


@pytest.mark.parametrize(("latitude", "longitude"), [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0)])
def test_coordinates_on_the_bounds_are_valid(latitude, longitude):
    assert validate_partner(a_partner(latitude=latitude, longitude=longitude), catalog()).latitude == latitude


@pytest.mark.parametrize(("latitude", "longitude"), [(44.9, None), (None, -123.0)])
def test_latitude_and_longitude_go_together(latitude, longitude):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(latitude=latitude, longitude=longitude), catalog())
    assert problems_of(err) == {"latitude": "latitude and longitude go together"}


def test_a_partner_without_coordinates_is_valid():
    partner = a_partner(latitude=None, longitude=None)
    assert validate_partner(partner, catalog()) == partner


@pytest.mark.parametrize(
    "website", ["http://example.org", "https://www.example.org/path?q=1", "HTTPS://EXAMPLE.ORG"]
)
def test_http_and_https_websites_are_valid(website):
    assert validate_partner(a_partner(website=website), catalog()).website == website


@pytest.mark.parametrize(
    "website", ["example.org", "ftp://example.org", "https://", "https:// example.org", "javascript:alert(1)", ""]
)
def test_website_that_is_not_an_http_url_is_invalid(website):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(website=website), catalog())
    assert problems_of(err) == {"website": "must be an http(s) URL"}


@pytest.mark.parametrize("email", ["ana", "ana@", "@example.org", "ana@example", "ana maria@example.org"])
def test_contact_email_that_is_not_an_address_is_invalid_and_names_the_contact(email):
    contacts = (Contact(name="Ana"), Contact(name="Bo", email=email))
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(contacts=contacts), catalog())
    assert problems_of(err) == {"contacts[1].email": "is not an email address"}


def test_contact_without_email_is_valid_but_a_blank_contact_name_is_not():
    assert validate_partner(a_partner(contacts=(Contact(name="Ana", phone="555-0100"),)), catalog())
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(contacts=(Contact(name=" "),)), catalog())
    assert problems_of(err) == {"contacts[0].name": "must not be blank"}


def test_external_ids_with_a_duplicate_source_are_invalid():
    ids = (ExternalId(source="or-wd", id="A1"), ExternalId(source="hsds", id="9"), ExternalId(source="or-wd", id="B"))
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(external_ids=ids), catalog())
    assert problems_of(err) == {"external_ids[2].source": "source 'or-wd' appears twice"}


@pytest.mark.parametrize("source", ["", "-leading-dash", "has space", "slash/y", "é", "x" * 65])
def test_external_id_source_with_bad_characters_is_invalid(source):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(external_ids=(ExternalId(source=source, id="1"),)), catalog())
    assert problems_of(err) == {"external_ids[0].source": "must be 1-64 letters, digits, . _ : -"}


@pytest.mark.parametrize("source", ["a", "or.wd", "salesforce:prod", "X_1-2", "x" * 64])
def test_external_id_source_of_letters_digits_and_punctuation_is_valid(source):
    partner = a_partner(external_ids=(ExternalId(source=source, id="1"),))
    assert validate_partner(partner, catalog()) == partner


@pytest.mark.parametrize("ident", ["", "x" * 201])
def test_external_id_must_be_1_to_200_characters(ident):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(external_ids=(ExternalId(source="or-wd", id=ident),)), catalog())
    assert problems_of(err) == {"external_ids[0].id": "must be 1-200 characters"}


def test_every_problem_is_reported_at_once():
    partner = a_partner(
        name="",
        partner_type="nope",
        jurisdiction=Jurisdiction(state="XX"),
        populations_served=("nope",),
        latitude=100.0,
        website="nope",
    )
    with pytest.raises(InvalidInput) as err:
        validate_partner(partner, catalog())
    assert set(problems_of(err)) == {
        "name", "partner_type", "jurisdiction.state", "populations_served[0]", "latitude", "website",
    }
    assert "name: must not be blank" in err.value.detail


# --- validate_service ------------------------------------------------------------------------------------------


def test_a_valid_service_is_returned_with_normalized_codes():
    service = a_service(program_cip="48.0508", occupations=("51-4121",))
    assert validate_service(service, catalog()) == service


def test_unknown_service_category_is_invalid():
    with pytest.raises(InvalidInput) as err:
        validate_service(a_service(category="teleportation"), catalog())
    assert problems_of(err) == {"category": "unknown service category 'teleportation'"}


def test_unknown_service_population_and_region_name_their_index():
    with pytest.raises(InvalidInput) as err:
        validate_service(a_service(populations=("veteran", "nope"), regions=("mars",)), catalog())
    assert set(problems_of(err)) == {"populations[1]", "regions[0]"}


def test_flat_soc_occupations_are_normalized_and_deduplicated_in_order():
    service = validate_service(a_service(occupations=("514121", "29-1141", "51-4121")), catalog())
    assert service.occupations == ("51-4121", "29-1141")


def test_invalid_soc_occupation_is_named_by_its_index():
    with pytest.raises(InvalidInput) as err:
        validate_service(a_service(occupations=("51-4121", "99-9999", "nursing")), catalog())
    assert set(problems_of(err)) == {"occupations[1]", "occupations[2]"}


@pytest.mark.parametrize(
    ("given_cip", "normalized"), [("480508", "48.0508"), ("1.0101", "01.0101"), ("48", "48"), ("4805", "48.05")]
)
def test_program_cip_is_normalized(given_cip, normalized):
    assert validate_service(a_service(program_cip=given_cip), catalog()).program_cip == normalized


@pytest.mark.parametrize("cip", ["14.081", "abc", "4805081", "14.08041"])
def test_invalid_program_cip_is_reported_on_program_cip_without_an_index(cip):
    with pytest.raises(InvalidInput) as err:
        validate_service(a_service(program_cip=cip), catalog())
    assert set(problems_of(err)) == {"program_cip"}


def test_a_service_without_program_or_occupations_is_valid():
    service = a_service(program_cip=None, occupations=())
    assert validate_service(service, catalog()) == service


def test_service_external_ids_follow_the_partner_rules():
    ids = (ExternalId(source="bad source", id="1"), ExternalId(source="bad source", id="2"))
    with pytest.raises(InvalidInput) as err:
        validate_service(a_service(external_ids=ids), catalog())
    fields = [p.field for p in err.value.problems]
    assert fields.count("external_ids[1].source") == 2
    assert "external_ids[0].source" in fields


# --- revise_partner / revise_service ---------------------------------------------------------------------------


def test_revising_a_partner_applies_the_changes_and_bumps_the_version():
    partner = a_partner(version=3)
    revised = revise_partner(partner, {"capacity": 120, "name": "Cascade CC"}, catalog())
    assert (revised.capacity, revised.name, revised.version) == (120, "Cascade CC", 4)
    assert revised.id == partner.id
    assert revised.populations_served == partner.populations_served


def test_revising_a_partner_with_no_changes_still_bumps_the_version():
    assert revise_partner(a_partner(), {}, catalog()).version == 2


@pytest.mark.parametrize("name", ["id", "version", "created_at", "updated_at", "services", "colour"])
def test_revising_a_partner_refuses_fields_that_cannot_be_changed(name):
    with pytest.raises(InvalidInput) as err:
        revise_partner(a_partner(), {name: "x"}, catalog())
    assert problems_of(err) == {name: "cannot be changed"}


@pytest.mark.parametrize("name", sorted(PARTNER_EDITABLE - PARTNER_NULLABLE))
def test_revising_a_partner_refuses_null_for_a_required_field(name):
    with pytest.raises(InvalidInput) as err:
        revise_partner(a_partner(), {name: None}, catalog())
    assert problems_of(err) == {name: "must not be null"}


@pytest.mark.parametrize("name", sorted(PARTNER_NULLABLE - {"latitude", "longitude"}))
def test_revising_a_partner_allows_null_for_a_nullable_field(name):
    revised = revise_partner(a_partner(capacity=10), {name: None}, catalog())
    assert getattr(revised, name) is None


def test_revising_a_partner_clears_coordinates_only_together():
    assert revise_partner(a_partner(), {"latitude": None, "longitude": None}, catalog()).latitude is None
    with pytest.raises(InvalidInput) as err:
        revise_partner(a_partner(), {"latitude": None}, catalog())
    assert problems_of(err) == {"latitude": "latitude and longitude go together"}


def test_revising_a_partner_validates_the_result():
    with pytest.raises(InvalidInput) as err:
        revise_partner(a_partner(), {"populations_served": ("veteran", "nope")}, catalog())
    assert problems_of(err) == {"populations_served[1]": "unknown population 'nope'"}


def test_revising_a_partner_reports_unknown_and_null_fields_together():
    with pytest.raises(InvalidInput) as err:
        revise_partner(a_partner(), {"id": uuid4(), "name": None}, catalog())
    assert problems_of(err) == {"id": "cannot be changed", "name": "must not be null"}


def test_revising_a_service_normalizes_codes_and_bumps_the_version():
    service = a_service()
    revised = revise_service(service, {"occupations": ("291141",), "program_cip": "513801"}, catalog())
    assert (revised.occupations, revised.program_cip, revised.version) == (("29-1141",), "51.3801", 2)
    assert revised.id == service.id


@pytest.mark.parametrize("name", ["id", "partner_id", "version"])
def test_revising_a_service_refuses_fields_that_cannot_be_changed(name):
    with pytest.raises(InvalidInput) as err:
        revise_service(a_service(), {name: uuid4()}, catalog())
    assert problems_of(err) == {name: "cannot be changed"}


@pytest.mark.parametrize("name", sorted(SERVICE_EDITABLE - SERVICE_NULLABLE))
def test_revising_a_service_refuses_null_for_a_required_field(name):
    with pytest.raises(InvalidInput) as err:
        revise_service(a_service(), {name: None}, catalog())
    assert problems_of(err) == {name: "must not be null"}


@pytest.mark.parametrize("name", sorted(SERVICE_NULLABLE))
def test_revising_a_service_allows_null_for_a_nullable_field(name):
    revised = revise_service(a_service(capacity=12, credential="AWS D1.1"), {name: None}, catalog())
    assert getattr(revised, name) is None


# --- Jurisdiction ----------------------------------------------------------------------------------------------


def test_a_state_contains_its_local_areas_and_itself():
    oregon = Jurisdiction(state="OR")
    assert oregon.contains(Jurisdiction(state="OR", local_area="or-test"))
    assert oregon.contains(oregon)


def test_a_local_area_contains_only_itself():
    area = Jurisdiction(state="OR", local_area="or-test")
    assert area.contains(Jurisdiction(state="OR", local_area="or-test"))
    assert not area.contains(Jurisdiction(state="OR", local_area="or-coast"))
    assert not area.contains(Jurisdiction(state="OR"))


def test_a_state_does_not_contain_another_state():
    assert not Jurisdiction(state="OR").contains(Jurisdiction(state="WA"))
    assert not Jurisdiction(state="OR", local_area="x").contains(Jurisdiction(state="WA", local_area="x"))


# --- properties ------------------------------------------------------------------------------------------------

latitudes = st.floats(min_value=-90, max_value=90)
longitudes = st.floats(min_value=-180, max_value=180)
bad_latitudes = st.one_of(
    st.floats(min_value=90, exclude_min=True), st.floats(max_value=-90, exclude_max=True), st.just(float("nan"))
)
bad_longitudes = st.one_of(
    st.floats(min_value=180, exclude_min=True), st.floats(max_value=-180, exclude_max=True), st.just(float("nan"))
)
states = st.sampled_from(sorted(US_STATES))
areas = st.one_of(st.none(), st.sampled_from(["or-test", "or-coast", "wa-test"]))


@given(latitudes, longitudes)
def test_any_latitude_in_range_with_any_longitude_in_range_is_valid(latitude, longitude):
    partner = a_partner(latitude=latitude, longitude=longitude)
    assert validate_partner(partner, catalog()) == partner


@given(bad_latitudes, longitudes)
def test_any_latitude_out_of_range_is_invalid(latitude, longitude):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(latitude=latitude, longitude=longitude), catalog())
    assert set(problems_of(err)) == {"latitude"}


@given(latitudes, bad_longitudes)
def test_any_longitude_out_of_range_is_invalid(latitude, longitude):
    with pytest.raises(InvalidInput) as err:
        validate_partner(a_partner(latitude=latitude, longitude=longitude), catalog())
    assert set(problems_of(err)) == {"longitude"}


partner_changes = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(min_size=1).filter(str.strip),
        "capacity": st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
        "description": st.text(max_size=50),
        "populations_served": st.lists(st.sampled_from(["low_income", "veteran", "youth"]), max_size=3).map(tuple),
        "level": st.sampled_from(Level),
        "website": st.one_of(st.none(), st.just("https://example.org")),
    },
)


@given(st.integers(min_value=1, max_value=10**9), partner_changes)
def test_revising_a_partner_never_changes_its_id_and_bumps_the_version_by_exactly_one(version, changes):
    partner = a_partner(version=version)
    revised = revise_partner(partner, changes, catalog())
    assert revised.id == partner.id
    assert revised.version == version + 1
    assert replace(revised, version=version) == replace(partner, **changes)


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from(["51-4121", "514121", "29-1141"]))
def test_revising_a_service_never_changes_its_ids_and_bumps_the_version_by_exactly_one(version, occupation):
    service = a_service(version=version)
    revised = revise_service(service, {"occupations": (occupation,)}, catalog())
    assert (revised.id, revised.partner_id) == (service.id, service.partner_id)
    assert revised.version == version + 1


@given(states, areas, states, areas)
def test_a_jurisdiction_contains_another_only_when_the_states_match(state, area, other_state, other_area):
    outer, inner = Jurisdiction(state=state, local_area=area), Jurisdiction(state=other_state, local_area=other_area)
    if outer.contains(inner):
        assert outer.state == inner.state
        assert outer.local_area in (None, inner.local_area)
    assert outer.contains(outer)
