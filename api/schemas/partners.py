"""DTOs of the partner directory."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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
from api.schemas import _json

Name = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
"""A name: leading and trailing spaces are trimmed (as documented in the README)."""
Email = Annotated[str, StringConstraints(max_length=300)]
Phone = Annotated[str, StringConstraints(max_length=40)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
Short = Annotated[str, StringConstraints(max_length=300)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Codes = Annotated[list[Code], Field(max_length=200)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class JurisdictionDto(_In):
    """A state (USPS code) and optionally a local area (region code) inside it."""

    state: Annotated[str, StringConstraints(min_length=2, max_length=2, to_upper=True)]
    local_area: Code | None = None

    def to_domain(self) -> Jurisdiction:
        return Jurisdiction(state=self.state, local_area=self.local_area)


class ExternalIdDto(_In):
    """An identifier given by a system that syncs this record."""

    source: Code
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ContactDto(_In):
    """A person to reach."""

    name: Name
    title: Short | None = None
    email: Short | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None


class AddressDto(_In):
    """A postal address."""

    street: Short | None = None
    street_2: Short | None = Field(default=None, description="the second address line (HSDS ``address_2``)")
    city: Short | None = None
    state: Annotated[str, StringConstraints(max_length=2)] | None = None
    postal_code: Annotated[str, StringConstraints(max_length=10)] | None = None


Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Capacity = Annotated[int, Field(ge=0, le=10_000_000)]


def _ids(items: list[ExternalIdDto] | None) -> tuple[ExternalId, ...]:
    return tuple(ExternalId(source=e.source, id=e.id) for e in items or [])


def _domain_value(name: str, value: Any) -> Any:
    """Turn one DTO field value into its domain form."""
    if value is None:
        return None
    converters: dict[str, Any] = {
        "jurisdiction": lambda v: Jurisdiction(**v),
        "contacts": lambda v: tuple(Contact(**c) for c in v),
        "address": lambda v: Address(**v),
        "external_ids": lambda v: tuple(ExternalId(**e) for e in v),
        "level": Level,
        "status": Status,
        "delivery_mode": DeliveryMode,
    }
    if name in converters:
        return converters[name](value)
    return tuple(value) if isinstance(value, list) else value


def patch_changes(patch: BaseModel) -> dict[str, Any]:
    """The fields a PATCH body sets, in domain form."""
    return {k: _domain_value(k, v) for k, v in patch.model_dump(exclude_unset=True).items()}


class PartnerCreate(_In):
    """A new partner."""

    name: Name
    partner_type: Code
    level: Level
    jurisdiction: JurisdictionDto
    description: Text = ""
    regions_served: Codes = Field(default_factory=list)
    populations_served: Codes = Field(default_factory=list)
    capacity: Capacity | None = None
    funding_streams: Codes = Field(default_factory=list)
    industries: Codes = Field(default_factory=list, description="NAICS codes of an employer's industries")
    contacts: Annotated[list[ContactDto], Field(max_length=50)] = Field(default_factory=list)
    address: AddressDto | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    website: Annotated[str, StringConstraints(max_length=500)] | None = None
    email: Email | None = Field(default=None, description="the organization's own email address")
    phone: Phone | None = Field(default=None, description="the organization's main phone number")
    location_name: Short | None = Field(
        default=None, description="the name of the place at the address, when it is not the partner's name")
    assets: Text = ""
    limitations: Text = ""
    status: Status = Status.ACTIVE
    external_ids: Annotated[list[ExternalIdDto], Field(max_length=20)] = Field(default_factory=list)

    def to_domain(self, partner_id: UUID | None = None) -> Partner:
        return Partner(
            id=partner_id or uuid4(), name=self.name, partner_type=self.partner_type, level=self.level,
            jurisdiction=self.jurisdiction.to_domain(), description=self.description,
            regions_served=tuple(self.regions_served), populations_served=tuple(self.populations_served),
            capacity=self.capacity, funding_streams=tuple(self.funding_streams), industries=tuple(self.industries),
            contacts=tuple(Contact(**c.model_dump()) for c in self.contacts),
            address=Address(**self.address.model_dump()) if self.address else None,
            latitude=self.latitude, longitude=self.longitude, website=self.website, email=self.email,
            phone=self.phone, location_name=self.location_name, assets=self.assets,
            limitations=self.limitations, status=self.status, external_ids=_ids(self.external_ids),
        )


class PartnerPatch(_In):
    """A partial update of a partner: only the fields present change."""

    name: Name | None = None
    partner_type: Code | None = None
    level: Level | None = None
    jurisdiction: JurisdictionDto | None = None
    description: Text | None = None
    regions_served: Codes | None = None
    populations_served: Codes | None = None
    capacity: Capacity | None = None
    funding_streams: Codes | None = None
    industries: Codes | None = None
    contacts: Annotated[list[ContactDto], Field(max_length=50)] | None = None
    address: AddressDto | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    website: Annotated[str, StringConstraints(max_length=500)] | None = None
    email: Email | None = None
    phone: Phone | None = None
    location_name: Short | None = None
    assets: Text | None = None
    limitations: Text | None = None
    status: Status | None = None
    external_ids: Annotated[list[ExternalIdDto], Field(max_length=20)] | None = None


class ExternalIdOut(_Out):
    source: str
    id: str


class ContactOut(_Out):
    name: str
    title: str | None
    email: str | None
    phone: str | None


class AddressOut(_Out):
    street: str | None
    street_2: str | None = None
    city: str | None
    state: str | None
    postal_code: str | None


class JurisdictionOut(_Out):
    state: str
    local_area: str | None


class PartnerOut(_Out):
    """A partner as the API returns it."""

    id: UUID
    name: str
    partner_type: str
    level: Level
    jurisdiction: JurisdictionOut
    description: str
    regions_served: list[str]
    populations_served: list[str]
    capacity: int | None
    funding_streams: list[str]
    industries: list[str]
    contacts: list[ContactOut]
    address: AddressOut | None
    latitude: float | None
    longitude: float | None
    website: str | None
    email: str | None = None
    phone: str | None = None
    location_name: str | None = None
    assets: str
    limitations: str
    status: Status
    external_ids: list[ExternalIdOut]
    version: int
    created_at: datetime
    updated_at: datetime


class PartnerPage(BaseModel):
    """One page of partners; follow ``next_cursor`` (or the ``Link: rel="next"`` header) for more."""

    items: list[PartnerOut]
    next_cursor: str | None
    total: int | None = None


_json.dto_encoder(PartnerPage)  # compiled at import: a field it cannot write fails here, not in a response


def partner_page_json(items: list[Partner], *, next_cursor: str | None, total: int | None) -> bytes:
    """The JSON of a ``PartnerPage``, written straight from the domain partners.

    The same bytes as ``PartnerPage`` (tests hold the two together) without validating every partner into a
    ``PartnerOut`` first or walking the dataclasses with pydantic's serializer (bench/README.md, items 4 and
    17, has what each cost).
    """
    return _json.dto_json(PartnerPage, SimpleNamespace(items=items, next_cursor=next_cursor, total=total))


class ServiceCreate(_In):
    """A new service of a partner."""

    name: Name
    category: Code
    description: Text = ""
    populations: Codes = Field(default_factory=list)
    regions: Codes = Field(default_factory=list)
    delivery_mode: DeliveryMode = DeliveryMode.IN_PERSON
    capacity: Capacity | None = None
    funding_streams: Codes = Field(default_factory=list)
    program_cip: Annotated[str, StringConstraints(max_length=10)] | None = None
    occupations: Annotated[list[Annotated[str, StringConstraints(max_length=10)]], Field(max_length=100)] = (
        Field(default_factory=list)
    )
    credential: Short | None = None
    status: Status = Status.ACTIVE
    external_ids: Annotated[list[ExternalIdDto], Field(max_length=20)] = Field(default_factory=list)

    def to_domain(self, partner_id: UUID, service_id: UUID | None = None) -> Service:
        return Service(
            id=service_id or uuid4(), partner_id=partner_id, name=self.name, category=self.category,
            description=self.description, populations=tuple(self.populations), regions=tuple(self.regions),
            delivery_mode=self.delivery_mode, capacity=self.capacity, funding_streams=tuple(self.funding_streams),
            program_cip=self.program_cip, occupations=tuple(self.occupations), credential=self.credential,
            status=self.status, external_ids=_ids(self.external_ids),
        )


class ServicePatch(_In):
    """A partial update of a service."""

    name: Name | None = None
    category: Code | None = None
    description: Text | None = None
    populations: Codes | None = None
    regions: Codes | None = None
    delivery_mode: DeliveryMode | None = None
    capacity: Capacity | None = None
    funding_streams: Codes | None = None
    program_cip: Annotated[str, StringConstraints(max_length=10)] | None = None
    occupations: Annotated[list[Annotated[str, StringConstraints(max_length=10)]], Field(max_length=100)] | None = None
    credential: Short | None = None
    status: Status | None = None
    external_ids: Annotated[list[ExternalIdDto], Field(max_length=20)] | None = None


class ServiceOut(_Out):
    """A service as the API returns it."""

    id: UUID
    partner_id: UUID
    name: str
    category: str
    description: str
    populations: list[str]
    regions: list[str]
    delivery_mode: DeliveryMode
    capacity: int | None
    funding_streams: list[str]
    program_cip: str | None
    occupations: list[str]
    credential: str | None
    status: Status
    external_ids: list[ExternalIdOut]
    version: int
    created_at: datetime
    updated_at: datetime


class ServiceList(BaseModel):
    """The services of one partner."""

    items: list[ServiceOut]
