"""Stored constructors build exactly what the domain's own constructors build."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

import pytest

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
from api.repositories import partners as repo
from api.repositories._rows import enum_lookup, stored_constructor

NOW = datetime(2026, 11, 23, 9, 0, 0, 123456, tzinfo=UTC)


def _partner_row(**overrides: object) -> dict[str, object]:
    row: dict[str, object] = dict(
        id=uuid4(), name="Cascade College", partner_type="educational_institution", level="local", state="OR",
        local_area="or-lane", description="Nursing", regions_served=["or-lane", "or-linn"],
        populations_served=["low_income"], capacity=120, funding_streams=["wioa_title_i"], industries=["611210"],
        contacts=[{"name": "Ana", "title": "Dean", "email": "ana@example.org", "phone": None}, {"name": "Bo"}],
        address={"street": "1 Main St", "street_2": "Suite 2", "city": "Salem", "state": "OR",
                 "postal_code": "97301"},
        latitude=44.9, longitude=-123.0, website="https://example.org", email="info@example.org",
        phone="503-555-0100", location_name="Main campus", assets="labs", limitations="",
        status="active", external_ids=[{"source": "state", "id": "A-1"}, {"source": "wioa", "id": "9"}],
        version=4, created_at=NOW, updated_at=NOW,
    )
    row.update(overrides)
    return row


def _partner_by_keywords(r: dict[str, object]) -> Partner:
    address = r["address"]
    return Partner(
        id=r["id"], name=r["name"], partner_type=r["partner_type"], level=Level(r["level"]),  # type: ignore[arg-type]
        jurisdiction=Jurisdiction(state=r["state"], local_area=r["local_area"]),  # type: ignore[arg-type]
        description=r["description"], regions_served=tuple(r["regions_served"]),  # type: ignore[arg-type]
        populations_served=tuple(r["populations_served"]), capacity=r["capacity"],  # type: ignore[arg-type]
        funding_streams=tuple(r["funding_streams"]), industries=tuple(r["industries"]),  # type: ignore[arg-type]
        contacts=tuple(Contact(**c) for c in r["contacts"]),  # type: ignore[attr-defined]
        address=Address(**address) if address is not None else None,  # type: ignore[arg-type]
        latitude=r["latitude"], longitude=r["longitude"], website=r["website"],  # type: ignore[arg-type]
        email=r["email"], phone=r["phone"], location_name=r["location_name"],  # type: ignore[arg-type]
        assets=r["assets"], limitations=r["limitations"], status=Status(r["status"]),  # type: ignore[arg-type]
        external_ids=tuple(ExternalId(**e) for e in r["external_ids"]),  # type: ignore[attr-defined]
        version=r["version"], created_at=r["created_at"], updated_at=r["updated_at"],  # type: ignore[arg-type]
    )


def _same(a: object, b: object) -> None:
    """Equal, same type, and every field (compared or not) identical in value and type."""
    assert type(a) is type(b)
    assert a == b
    for f in dataclasses.fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert type(x) is type(y), f.name
        if dataclasses.is_dataclass(x):
            _same(x, y)
        else:
            assert x == y, f.name


@pytest.mark.parametrize("overrides", [
    {},
    {"address": None, "contacts": [], "external_ids": [], "capacity": None, "latitude": None, "longitude": None,
     "website": None, "local_area": None},
    {"address": {"city": "Bend"}, "level": "state", "status": "retired"},
])
def test_a_partner_row_maps_to_what_the_keyword_constructor_builds(overrides: dict[str, object]):
    row = _partner_row(**overrides)
    _same(repo._partner(row), _partner_by_keywords(row))


def test_a_service_row_maps_to_what_the_keyword_constructor_builds():
    row: dict[str, object] = dict(
        id=uuid4(), partner_id=uuid4(), name="Welding", description="", category="training",
        populations=["youth"], regions=["or-lane"], delivery_mode="hybrid", capacity=20,
        funding_streams=["pell"], program_cip="48.0508", occupations=["51-4121"], credential="AWS",
        status="inactive", external_ids=[{"source": "state", "id": "S-1"}], version=2, created_at=NOW,
        updated_at=NOW,
    )
    expected = Service(
        id=row["id"], partner_id=row["partner_id"], name="Welding", category="training",  # type: ignore[arg-type]
        populations=("youth",), regions=("or-lane",), delivery_mode=DeliveryMode.HYBRID, capacity=20,
        funding_streams=("pell",), program_cip="48.0508", occupations=("51-4121",), credential="AWS",
        status=Status.INACTIVE, external_ids=(ExternalId(source="state", id="S-1"),), version=2, created_at=NOW,
        updated_at=NOW,
    )
    _same(repo._service(row), expected)


def test_the_objects_stay_frozen():
    partner = repo._partner(_partner_row())
    with pytest.raises(dataclasses.FrozenInstanceError):
        partner.name = "changed"  # type: ignore[misc]
    assert hash(partner.jurisdiction) == hash(Jurisdiction(state="OR", local_area="or-lane"))


def test_classes_it_cannot_build_faithfully_are_refused_up_front():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        n: int

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        n: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class Derived:
        n: int
        twice: int = dataclasses.field(init=False, default=0)

    for cls, order in ((Checked, ("n",)), (NoSlots, ("n",)), (Derived, ("n", "twice")), (int, ())):
        with pytest.raises(TypeError):
            stored_constructor(cls, order)


def test_a_call_site_whose_field_order_is_not_the_class_s_fails_when_built():
    assert stored_constructor(Jurisdiction, ("state", "local_area"))("OR", None) == Jurisdiction(state="OR")
    with pytest.raises(TypeError, match="local_area"):
        stored_constructor(Jurisdiction, ("local_area", "state"))
    with pytest.raises(TypeError):
        stored_constructor(Jurisdiction, ("state",))


def test_an_unknown_stored_enum_value_is_an_error_not_a_guess():
    with pytest.raises(KeyError):
        enum_lookup(Status)("archived")
    assert enum_lookup(Status)("active") is Status.ACTIVE


def test_with_the_switch_off_rows_are_built_by_the_keyword_constructor_and_checked_the_same():
    plain = stored_constructor(Jurisdiction, ("state", "local_area"), enabled=False)
    fast = stored_constructor(Jurisdiction, ("state", "local_area"), enabled=True)
    assert plain("OR", "or-a") == fast("OR", "or-a") == Jurisdiction(state="OR", local_area="or-a")
    assert plain.__name__ == "make" and "<stored_constructor" not in plain.__code__.co_filename
    with pytest.raises(TypeError):
        stored_constructor(Jurisdiction, ("local_area", "state"), enabled=False)
