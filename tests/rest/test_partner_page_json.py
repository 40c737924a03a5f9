"""The fast serialization of a page of partners says exactly what the ``PartnerPage`` DTO says."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

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
from api.schemas.partners import PartnerOut, PartnerPage, partner_page_json


def _partner(**overrides: object) -> Partner:
    pid = uuid4()
    fields: dict[str, object] = dict(
        id=pid, name="Cascade Community College", partner_type="educational_institution", level=Level.LOCAL,
        jurisdiction=Jurisdiction(state="OR", local_area="or-test"), description="Nursing, welding",
        regions_served=("or-test", "or-other"), populations_served=("low_income",), capacity=120,
        funding_streams=("wioa_title_i",), industries=("611210",),
        contacts=(Contact(name="Ana", title="Dean", email="ana@example.org", phone=None),),
        address=Address(street="1 Main St", city="Salem", state="OR", postal_code="97301"), latitude=44.94,
        longitude=-123.03, website="https://example.org", assets="labs", limitations="", status=Status.ACTIVE,
        external_ids=(ExternalId(source="state", id="A-1"),), version=3,
        created_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), updated_at=datetime(2026, 2, 3, tzinfo=UTC),
        services=(Service(id=uuid4(), partner_id=pid, name="Welding", category="training",
                          delivery_mode=DeliveryMode.HYBRID),),
    )
    fields.update(overrides)
    return Partner(**fields)  # type: ignore[arg-type]


def test_page_json_is_byte_for_byte_the_dto_json():
    items = [_partner(), _partner(address=None, contacts=(), capacity=None, latitude=None, longitude=None,
                                  website=None, external_ids=())]
    for next_cursor, total in ((None, None), ("abc", 2)):
        expected = PartnerPage(items=[PartnerOut.model_validate(p) for p in items], next_cursor=next_cursor,
                               total=total).model_dump_json().encode()
        assert partner_page_json(items, next_cursor=next_cursor, total=total) == expected


def test_page_json_leaves_out_what_the_dto_does_not_declare():
    body = partner_page_json([_partner()], next_cursor=None, total=None)
    assert b'"services"' not in body
