"""Projections build their Strawberry objects without the keyword constructors: the objects must be the same."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from enum import Enum
from typing import Any
from uuid import uuid4

from api.domain import partners as d
from api.graphql import types as t
from api.graphql.ids import GlobalId


def _same_as_keyword_built(obj: Any) -> None:
    """Every field set, nothing else, and equal to what the keyword constructor builds from the same values."""
    cls = type(obj)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    assert set(vars(obj)) == names
    assert obj == cls(**{name: getattr(obj, name) for name in names})


def _plain(value: Any) -> Any:
    """A value as the API shows it: enums by value, sequences as lists, records as dictionaries."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name not in ("services", "partner")}  # resolvers
    return value


def _as_domain(projected: Any, global_id: GlobalId) -> dict[str, Any]:
    """The projection's fields, its global id checked and its UUID (``databaseId``) back under the domain's name."""
    plain = _plain(projected)
    assert plain.pop("id") == global_id
    plain["id"] = plain.pop("database_id")
    return plain


def test_a_partner_and_its_parts_are_projected_field_for_field():
    partner = d.Partner(
        id=uuid4(), name="Lane CC", partner_type="educational_institution", level=d.Level.REGIONAL,
        jurisdiction=d.Jurisdiction(state="OR", local_area="or-lane"), description="d", regions_served=("r1",),
        populations_served=("p1", "p2"), capacity=3, funding_streams=("wioa",), industries=("health",),
        contacts=(d.Contact(name="A", title="T", email="a@x.test"), d.Contact(name="B")),
        address=d.Address(city="Eugene", postal_code="97401"), latitude=44.0, longitude=-123.0,
        website="https://x.test", assets="a", limitations="l", status=d.Status.INACTIVE,
        external_ids=(d.ExternalId(source="s", id="1"),), version=2,
        created_at=datetime(2026, 1, 1, tzinfo=UTC), updated_at=None,
    )
    projected = t.partner_from_domain(partner)
    for obj in (projected, projected.jurisdiction, projected.address, *projected.contacts, *projected.external_ids):
        _same_as_keyword_built(obj)
    assert projected.level is t.LevelEnum.REGIONAL and projected.status is t.StatusEnum.INACTIVE
    domain = {f.name: _plain(getattr(partner, f.name)) for f in dataclasses.fields(partner)}
    assert _as_domain(projected, GlobalId("Partner", partner.id)).items() <= domain.items()
    assert t.partner_from_domain(dataclasses.replace(partner, address=None, contacts=())).address is None


def test_a_service_is_projected_field_for_field():
    service = d.Service(
        id=uuid4(), partner_id=uuid4(), name="CNA", category="training", description="d", populations=("p",),
        regions=("r1", "r2"), delivery_mode=d.DeliveryMode.HYBRID, capacity=None, funding_streams=(),
        program_cip="51.3902", occupations=("31-1131",), credential="CNA", status=d.Status.ACTIVE,
        external_ids=(d.ExternalId(source="s", id="9"),), version=1, created_at=None,
        updated_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    projected = t.service_from_domain(service)
    for obj in (projected, *projected.external_ids):
        _same_as_keyword_built(obj)
    assert projected.delivery_mode is t.DeliveryModeEnum.HYBRID
    assert _as_domain(projected, GlobalId("Service", (service.partner_id, service.id))) == {
        f.name: _plain(getattr(service, f.name)) for f in dataclasses.fields(service)}
