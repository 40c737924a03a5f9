"""Strawberry output and input types, mapped from domain objects by small explicit functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import strawberry

from api.domain import partners as d
from api.graphql.batching import batched
from api.graphql.convert import build, mirror_enum, twins
from api.graphql.ids import GlobalId
from api.graphql.node import Node
from api.graphql.relations import loaded_many

LevelEnum = mirror_enum(d.Level)
StatusEnum = mirror_enum(d.Status)
DeliveryModeEnum = mirror_enum(d.DeliveryMode)


@strawberry.type
class Jurisdiction:
    state: str
    local_area: str | None


@strawberry.type
class ExternalId:
    source: str
    id: str


@strawberry.type
class Contact:
    name: str
    title: str | None
    email: str | None
    phone: str | None


@strawberry.type
class Address:
    street: str | None
    street_2: str | None
    city: str | None
    state: str | None
    postal_code: str | None


async def _partners_of(services: Sequence[Service], context: Any) -> list[Partner | None]:
    """The partner of each service, as the ``partner`` resolver answers them (batched)."""
    return await loaded_many(context.loaders.partners, [s.partner_id for s in services], partner_from_domain)


@strawberry.type
class Service(Node):
    database_id: UUID = strawberry.field(description="The service's UUID, as REST names it.")
    partner_id: UUID
    name: str
    category: str
    description: str
    populations: Sequence[str]
    regions: Sequence[str]
    delivery_mode: DeliveryModeEnum  # type: ignore[valid-type]
    capacity: int | None
    funding_streams: Sequence[str]
    program_cip: str | None
    occupations: Sequence[str]
    credential: str | None
    status: StatusEnum  # type: ignore[valid-type]
    external_ids: Sequence[ExternalId]
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @strawberry.field(description="The partner that offers the service (batched per request); null when the caller "
                                  "may not read it.")
    @batched(_partners_of)
    async def partner(self, info: strawberry.Info) -> Partner | None:
        return (await _partners_of([self], info.context))[0]


async def _services_of(partners: Sequence[Partner], context: Any) -> list[list[Service]]:
    """The services of each partner, as the ``services`` resolver answers them (the fast executor calls this once
    for a page's partners: ``batched``)."""
    loaded = await context.loaders.services_of([p.database_id for p in partners])
    return [[service_from_domain(s) for s in services] for services in loaded]


@strawberry.type
class Partner(Node):
    database_id: UUID = strawberry.field(description="The partner's UUID, as REST names it.")
    name: str
    partner_type: str
    level: LevelEnum  # type: ignore[valid-type]
    jurisdiction: Jurisdiction
    description: str
    regions_served: Sequence[str]
    populations_served: Sequence[str]
    capacity: int | None
    funding_streams: Sequence[str]
    industries: Sequence[str]
    contacts: Sequence[Contact]
    address: Address | None
    latitude: float | None
    longitude: float | None
    website: str | None
    email: str | None = strawberry.field(description="The organization's own email address.")
    phone: str | None = strawberry.field(description="The organization's main phone number.")
    location_name: str | None = strawberry.field(
        description="The name of the place at the address, when it is not the partner's name.")
    assets: str
    limitations: str
    status: StatusEnum  # type: ignore[valid-type]
    external_ids: Sequence[ExternalId]
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @strawberry.field(description="Services this partner offers (batched per request).")
    @batched(_services_of)
    async def services(self, info: strawberry.Info) -> list[Service]:
        # Through the DataLoader, so that resolvers of a page batch their loads (graphql-core's executor)
        return [service_from_domain(s) for s in await info.context.loaders.services.load(self.database_id)]


_level = twins(d.Level)
_status = twins(d.Status)
_delivery_mode = twins(d.DeliveryMode)


def _ids(ids: tuple[d.ExternalId, ...]) -> tuple[ExternalId, ...]:
    return tuple([build(ExternalId, {"source": e.source, "id": e.id}) for e in ids])


# Lists are the domain's tuples as they are (the fields are Sequences; the executor answers lists).
def service_from_domain(s: d.Service) -> Service:
    """Project a domain service."""
    return build(Service, {
        "id": GlobalId("Service", (s.partner_id, s.id)), "database_id": s.id, "partner_id": s.partner_id,
        "name": s.name, "category": s.category, "description": s.description,
        "populations": s.populations, "regions": s.regions, "delivery_mode": _delivery_mode[s.delivery_mode],
        "capacity": s.capacity, "funding_streams": s.funding_streams, "program_cip": s.program_cip,
        "occupations": s.occupations, "credential": s.credential, "status": _status[s.status],
        "external_ids": _ids(s.external_ids) if s.external_ids else (), "version": s.version,
        "created_at": s.created_at, "updated_at": s.updated_at,
    })


def partner_from_domain(p: d.Partner) -> Partner:
    """Project a domain partner."""
    a = p.address
    return build(Partner, {
        "id": GlobalId("Partner", p.id), "database_id": p.id, "name": p.name, "partner_type": p.partner_type,
        "level": _level[p.level],
        "jurisdiction": build(Jurisdiction, {"state": p.jurisdiction.state, "local_area": p.jurisdiction.local_area}),
        "description": p.description, "regions_served": p.regions_served, "populations_served": p.populations_served,
        "capacity": p.capacity, "funding_streams": p.funding_streams, "industries": p.industries,
        "contacts": tuple([build(Contact, {"name": c.name, "title": c.title, "email": c.email, "phone": c.phone})
                           for c in p.contacts]),
        "address": build(Address, {"street": a.street, "street_2": a.street_2, "city": a.city, "state": a.state,
                                   "postal_code": a.postal_code}) if a else None,
        "latitude": p.latitude, "longitude": p.longitude, "website": p.website, "email": p.email, "phone": p.phone,
        "location_name": p.location_name, "assets": p.assets,
        "limitations": p.limitations, "status": _status[p.status], "external_ids": _ids(p.external_ids),
        "version": p.version, "created_at": p.created_at, "updated_at": p.updated_at,
    })


@strawberry.type(description="Where a page sits in its listing (Relay's PageInfo).")
class PageInfo:
    has_next_page: bool = strawberry.field(description=(
        "Whether items follow this page: forward, whether a next page exists; backward, whether the page was "
        "asked for before a cursor."))
    has_previous_page: bool = strawberry.field(description=(
        "Whether items precede this page: backward, whether an earlier page exists; forward, whether the page "
        "was asked for after a cursor."))
    start_cursor: str | None = strawberry.field(description="The first edge's cursor: pass it as `before`.")
    end_cursor: str | None = strawberry.field(description="The last edge's cursor: pass it as `after`.")


@strawberry.type
class PartnerEdge:
    node: Partner
    cursor: str


@strawberry.type
class PartnerConnection:
    edges: list[PartnerEdge]
    page_info: PageInfo
    total_count: int | None


@strawberry.input
class GeoPointInput:
    lat: float
    lon: float


@strawberry.input
class PartnerFilterInput:
    q: str | None = None
    partner_type: str | None = None
    population: str | None = None
    service_category: str | None = None
    region: str | None = None
    jurisdiction: str | None = None
    local_area: str | None = None
    status: StatusEnum | None = None
    near: GeoPointInput | None = None
    radius_km: float | None = None
    updated_since: datetime | None = None


@strawberry.input
class JurisdictionInput:
    state: str
    local_area: str | None = None


@strawberry.input
class ExternalIdInput:
    source: str
    id: str


@strawberry.input
class ContactInput:
    name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None


@strawberry.input
class AddressInput:
    street: str | None = None
    street_2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None


@strawberry.input
class PartnerInput:
    name: str
    partner_type: str
    level: LevelEnum  # type: ignore[valid-type]
    jurisdiction: JurisdictionInput
    description: str = ""
    regions_served: list[str] = strawberry.field(default_factory=list)
    populations_served: list[str] = strawberry.field(default_factory=list)
    capacity: int | None = None
    funding_streams: list[str] = strawberry.field(default_factory=list)
    industries: list[str] = strawberry.field(default_factory=list)
    contacts: list[ContactInput] = strawberry.field(default_factory=list)
    address: AddressInput | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    location_name: str | None = None
    assets: str = ""
    limitations: str = ""
    status: StatusEnum = StatusEnum.ACTIVE
    external_ids: list[ExternalIdInput] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given change; give null to clear an optional field.")
class PartnerPatchInput:
    name: str | None = strawberry.UNSET
    partner_type: str | None = strawberry.UNSET
    level: LevelEnum | None = strawberry.UNSET
    jurisdiction: JurisdictionInput | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    regions_served: list[str] | None = strawberry.UNSET
    populations_served: list[str] | None = strawberry.UNSET
    capacity: int | None = strawberry.UNSET
    funding_streams: list[str] | None = strawberry.UNSET
    industries: list[str] | None = strawberry.UNSET
    contacts: list[ContactInput] | None = strawberry.UNSET
    address: AddressInput | None = strawberry.UNSET
    latitude: float | None = strawberry.UNSET
    longitude: float | None = strawberry.UNSET
    website: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    location_name: str | None = strawberry.UNSET
    assets: str | None = strawberry.UNSET
    limitations: str | None = strawberry.UNSET
    status: StatusEnum | None = strawberry.UNSET
    external_ids: list[ExternalIdInput] | None = strawberry.UNSET


@strawberry.input
class ServiceInput:
    name: str
    category: str
    description: str = ""
    populations: list[str] = strawberry.field(default_factory=list)
    regions: list[str] = strawberry.field(default_factory=list)
    delivery_mode: DeliveryModeEnum = DeliveryModeEnum.IN_PERSON
    capacity: int | None = None
    funding_streams: list[str] = strawberry.field(default_factory=list)
    program_cip: str | None = None
    occupations: list[str] = strawberry.field(default_factory=list)
    credential: str | None = None
    status: StatusEnum = StatusEnum.ACTIVE
    external_ids: list[ExternalIdInput] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given change; give null to clear an optional field.")
class ServicePatchInput:
    name: str | None = strawberry.UNSET
    category: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    populations: list[str] | None = strawberry.UNSET
    regions: list[str] | None = strawberry.UNSET
    delivery_mode: DeliveryModeEnum | None = strawberry.UNSET
    capacity: int | None = strawberry.UNSET
    funding_streams: list[str] | None = strawberry.UNSET
    program_cip: str | None = strawberry.UNSET
    occupations: list[str] | None = strawberry.UNSET
    credential: str | None = strawberry.UNSET
    status: StatusEnum | None = strawberry.UNSET
    external_ids: list[ExternalIdInput] | None = strawberry.UNSET
