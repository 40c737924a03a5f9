"""Compiled DTO encoders write exactly the bytes the DTO's own JSON has, and refuse what they cannot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum
from types import SimpleNamespace
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticSerializationError

from api.domain.partners import Address, Contact, ExternalId, Jurisdiction, Level, Partner, Status
from api.schemas import _json
from api.schemas.partners import PartnerOut, PartnerPage, partner_page_json
from tests.hypothesis_profiles import examples

text = st.text(st.characters(codec="utf-8"), max_size=12)
optional_text = st.none() | text
zones = [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(minutes=330))]
moments = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                       timezones=st.sampled_from(zones))
coordinates = st.floats(min_value=-90, max_value=90, allow_nan=False) | st.integers(-90, 90)
partners = st.builds(
    Partner,
    id=st.uuids(), name=text, partner_type=text, level=st.sampled_from(Level),
    jurisdiction=st.builds(Jurisdiction, state=text, local_area=optional_text), description=text,
    regions_served=st.lists(text, max_size=3).map(tuple), populations_served=st.lists(text, max_size=3).map(tuple),
    capacity=st.none() | st.integers(0, 2**53), funding_streams=st.lists(text, max_size=2).map(tuple),
    industries=st.lists(text, max_size=2).map(tuple),
    contacts=st.lists(st.builds(Contact, name=text, title=optional_text, email=optional_text, phone=optional_text),
                      max_size=2).map(tuple),
    address=st.none() | st.builds(Address, street=optional_text, city=optional_text, state=optional_text,
                                  postal_code=optional_text),
    latitude=st.none() | coordinates, longitude=st.none() | coordinates, website=optional_text, assets=text,
    limitations=text, status=st.sampled_from(Status),
    external_ids=st.lists(st.builds(ExternalId, source=text, id=text), max_size=2).map(tuple),
    version=st.integers(1, 2**31), created_at=moments, updated_at=moments,
)


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(partners, max_size=3), st.none() | text, st.none() | st.integers(0, 10**6))
def test_a_page_of_partners_is_byte_for_byte_the_dto_json(items: list[Partner], cursor: str | None,
                                                          total: int | None) -> None:
    expected = PartnerPage(items=[PartnerOut.model_validate(p) for p in items], next_cursor=cursor,
                           total=total).model_dump_json().encode()
    assert partner_page_json(items, next_cursor=cursor, total=total) == expected


def test_an_asyncpg_uuid_is_written_as_its_text() -> None:
    from asyncpg.pgproto.pgproto import UUID as PgUUID

    class Ref(BaseModel):
        id: UUID

    raw = UUID("6b8a1100-1799-4e7c-b038-f2af6cfedf77")

    class Row:
        id = PgUUID(raw.bytes)

    assert _json.dumps(_json.dto_encoder(Ref)(Row())) == b'{"id":"6b8a1100-1799-4e7c-b038-f2af6cfedf77"}'


class Colour(Enum):
    RED = 1


class Rank(IntEnum):
    FIRST = 1


class Figures(BaseModel):
    mixed: dict[str, float | int | str]
    floats: dict[str, float]
    counts: dict[str, int | None]


values = (st.integers() | st.floats() | st.booleans() | st.none() | text
          | st.sampled_from([Rank.FIRST, -0.0, 5e-324, 2**64, 1.0, "\u2028"]))
figure_dicts = st.dictionaries(text, values, max_size=4)


@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
@given(figure_dicts, figure_dicts, figure_dicts)
def test_dicts_of_plain_values_are_the_dto_json_or_fail_as_the_dto_fails(mixed: dict, floats: dict,
                                                                          counts: dict) -> None:
    obj = SimpleNamespace(mixed=mixed, floats=floats, counts=counts)
    try:
        expected: bytes | type[Exception] = Figures.model_validate(obj, from_attributes=True).model_dump_json().encode()
    except (ValidationError, PydanticSerializationError) as exc:
        expected = type(exc)
    try:
        got: bytes | type[Exception] = _json.dto_json(Figures, obj)
    except (ValidationError, PydanticSerializationError) as exc:
        got = type(exc)
    assert got == expected


@pytest.mark.parametrize("annotation", [Decimal, dict[str, Decimal], dict[int, str], dict[str, list[int]], set[str],
                                        list[float], int | str, Colour, bytes])
def test_types_whose_json_might_differ_are_refused_when_compiling(annotation: object) -> None:
    model = type("Odd", (BaseModel,), {"__annotations__": {"value": annotation}})
    with pytest.raises(TypeError, match=r"Odd\.value"):
        _json.dto_encoder(model)


def test_models_that_transform_their_values_are_refused() -> None:
    class Trimmed(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def _trim(cls, v: str) -> str:
            return v.strip()

    class Dated(BaseModel):
        model_config = ConfigDict(ser_json_temporal="seconds")
        on: date

    for model in (Trimmed, Dated):
        with pytest.raises(TypeError, match=model.__name__):
            _json.dto_encoder(model)
