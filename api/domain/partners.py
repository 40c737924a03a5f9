"""Partners (organizations) and the services they offer, with their validation rules."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from api.domain.codes import CipCode, NaicsCode, SocCode, validate_codes
from api.domain.errors import FieldProblem, InvalidInput, RuleViolation
from api.domain.reference import Catalog, Region

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI".split()
)
SOURCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_URL_RE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Level(StrEnum):
    """Where a partner or a system works."""

    STATE = "state"
    REGIONAL = "regional"
    LOCAL = "local"


class Status(StrEnum):
    """Lifecycle of a directory record."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    RETIRED = "retired"


class DeliveryMode(StrEnum):
    """How a service is delivered."""

    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


@dataclass(frozen=True, slots=True, kw_only=True)
class Jurisdiction:
    """The tenancy boundary of a record: a state and optionally a local area inside it."""

    state: str
    local_area: str | None = None

    def contains(self, other: Jurisdiction) -> bool:
        """Say whether ``other`` lies inside this jurisdiction."""
        if self.state != other.state:
            return False
        return self.local_area is None or self.local_area == other.local_area


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalId:
    """An identifier given to a record by a system that syncs it."""

    source: str
    id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """A person to reach at a partner."""

    name: str
    title: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Address:
    """A postal address."""

    street: str | None = None
    street_2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """A service a partner offers: what, to whom, where, how much, paid by what."""

    id: UUID
    partner_id: UUID
    name: str
    category: str
    description: str = ""
    populations: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    delivery_mode: DeliveryMode = DeliveryMode.IN_PERSON
    capacity: int | None = None
    funding_streams: tuple[str, ...] = ()
    program_cip: str | None = None
    occupations: tuple[str, ...] = ()
    credential: str | None = None
    status: Status = Status.ACTIVE
    external_ids: tuple[ExternalId, ...] = ()
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Partner:
    """An agency, institution, organization or employer taking part in career pathways."""

    id: UUID
    name: str
    partner_type: str
    level: Level
    jurisdiction: Jurisdiction
    description: str = ""
    regions_served: tuple[str, ...] = ()
    populations_served: tuple[str, ...] = ()
    capacity: int | None = None
    funding_streams: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    contacts: tuple[Contact, ...] = ()
    address: Address | None = None
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    location_name: str | None = None
    assets: str = ""
    limitations: str = ""
    status: Status = Status.ACTIVE
    external_ids: tuple[ExternalId, ...] = ()
    services: tuple[Service, ...] = field(default=(), compare=False)
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None


def retires_services(before: Partner | None, after: Partner) -> bool:
    """Whether a change retires the partner, and with it every service it offers.

    A retired partner offers no active service. Reactivating a partner does not bring its services back:
    each is reactivated by its own change (or by its source sending it again).
    """
    return after.status is Status.RETIRED and (before is None or before.status is not Status.RETIRED)


class PartnerIsAMember(RuleViolation):
    """A partner that belongs to a career pathways system cannot be deleted before it leaves the system."""

    title = "Partner is a member of a system"


PARTNER_EDITABLE = frozenset(
    {
        "name", "partner_type", "level", "jurisdiction", "description", "regions_served",
        "populations_served", "capacity", "funding_streams", "contacts", "address", "latitude",
        "longitude", "website", "email", "phone", "location_name", "assets", "limitations", "status",
        "external_ids", "industries",
    }
)
SERVICE_EDITABLE = frozenset(
    {
        "name", "category", "description", "populations", "regions", "delivery_mode", "capacity",
        "funding_streams", "program_cip", "occupations", "credential", "status", "external_ids",
    }
)


def _codes(problems: list[FieldProblem], field_name: str, values: Iterable[str], known: Mapping[str, Any],
           what: str) -> None:
    for i, value in enumerate(values):
        if value not in known:
            problems.append(FieldProblem(f"{field_name}[{i}]", f"unknown {what} '{value}'"))


def _external_ids(problems: list[FieldProblem], ids: tuple[ExternalId, ...]) -> None:
    seen: set[str] = set()
    for i, ext in enumerate(ids):
        if not SOURCE_RE.match(ext.source):
            problems.append(FieldProblem(f"external_ids[{i}].source", "must be 1-64 letters, digits, . _ : -"))
        if not ext.id or len(ext.id) > 200:
            problems.append(FieldProblem(f"external_ids[{i}].id", "must be 1-200 characters"))
        if ext.source in seen:
            problems.append(FieldProblem(f"external_ids[{i}].source", f"source '{ext.source}' appears twice"))
        seen.add(ext.source)


def _jurisdiction(problems: list[FieldProblem], j: Jurisdiction, catalog: Catalog) -> None:
    if j.state not in US_STATES:
        problems.append(FieldProblem("jurisdiction.state", f"'{j.state}' is not a USPS state code"))
    if j.local_area is not None:
        region = catalog.regions.get(j.local_area)
        if region is None:
            problems.append(FieldProblem("jurisdiction.local_area", f"unknown region '{j.local_area}'"))
        elif region.state != j.state:
            problems.append(
                FieldProblem("jurisdiction.local_area", f"region '{j.local_area}' is not in {j.state}")
            )


def validate_partner(partner: Partner, catalog: Catalog) -> Partner:
    """Check a partner against the rules and vocabularies; return it or raise InvalidInput."""
    problems: list[FieldProblem] = []
    if not partner.name.strip():
        problems.append(FieldProblem("name", "must not be blank"))
    if partner.partner_type not in catalog.partner_types:
        problems.append(FieldProblem("partner_type", f"unknown partner type '{partner.partner_type}'"))
    _jurisdiction(problems, partner.jurisdiction, catalog)
    _codes(problems, "regions_served", partner.regions_served, catalog.regions, "region")
    _codes(problems, "populations_served", partner.populations_served, catalog.populations, "population")
    if partner.capacity is not None and partner.capacity < 0:
        problems.append(FieldProblem("capacity", "must not be negative"))
    if (partner.latitude is None) != (partner.longitude is None):
        problems.append(FieldProblem("latitude", "latitude and longitude go together"))
    if partner.latitude is not None and not -90 <= partner.latitude <= 90:
        problems.append(FieldProblem("latitude", "must be between -90 and 90"))
    if partner.longitude is not None and not -180 <= partner.longitude <= 180:
        problems.append(FieldProblem("longitude", "must be between -180 and 180"))
    if partner.website is not None and not _URL_RE.match(partner.website):
        problems.append(FieldProblem("website", "must be an http(s) URL"))
    if partner.email is not None and not _EMAIL_RE.match(partner.email):
        problems.append(FieldProblem("email", "is not an email address"))
    for i, contact in enumerate(partner.contacts):
        if not contact.name.strip():
            problems.append(FieldProblem(f"contacts[{i}].name", "must not be blank"))
        if contact.email is not None and not _EMAIL_RE.match(contact.email):
            problems.append(FieldProblem(f"contacts[{i}].email", "is not an email address"))
    _external_ids(problems, partner.external_ids)
    problems += validate_codes("industries", partner.industries, NaicsCode.parse)
    if problems:
        raise InvalidInput(problems)
    industries = tuple(dict.fromkeys(str(NaicsCode.parse(c)) for c in partner.industries))
    return partner if industries == partner.industries else replace(partner, industries=industries)


def region_jurisdiction(region: Region) -> Jurisdiction:
    """The jurisdiction a region belongs to: a local area is its own; any other region, its state's."""
    return Jurisdiction(state=region.state, local_area=region.code if region.kind == "local_area" else None)


def validate_region(region: Region) -> Region:
    """Check a region's state code and name; return it or raise InvalidInput."""
    problems: list[FieldProblem] = []
    if region.state not in US_STATES:
        problems.append(FieldProblem("state", f"'{region.state}' is not a USPS state code"))
    if not region.name.strip():
        problems.append(FieldProblem("name", "must not be blank"))
    if problems:
        raise InvalidInput(problems)
    return region


def validate_service(service: Service, catalog: Catalog) -> Service:
    """Check a service against the rules and vocabularies; return it or raise InvalidInput."""
    problems: list[FieldProblem] = []
    if not service.name.strip():
        problems.append(FieldProblem("name", "must not be blank"))
    if service.category not in catalog.service_categories:
        problems.append(FieldProblem("category", f"unknown service category '{service.category}'"))
    _codes(problems, "populations", service.populations, catalog.populations, "population")
    _codes(problems, "regions", service.regions, catalog.regions, "region")
    if service.capacity is not None and service.capacity < 0:
        problems.append(FieldProblem("capacity", "must not be negative"))
    _external_ids(problems, service.external_ids)
    problems += validate_codes("occupations", service.occupations, SocCode.parse)
    if service.program_cip is not None:
        problems += validate_codes("program_cip", [service.program_cip], CipCode.parse)
    if problems:
        raise InvalidInput([FieldProblem("program_cip", p.message) if p.field == "program_cip[0]" else p
                            for p in problems])
    return replace(
        service,
        occupations=tuple(dict.fromkeys(str(SocCode.parse(c)) for c in service.occupations)),
        program_cip=str(CipCode.parse(service.program_cip)) if service.program_cip is not None else None,
    )


PARTNER_NULLABLE = frozenset({"capacity", "address", "latitude", "longitude", "website", "email", "phone",
                              "location_name"})
SERVICE_NULLABLE = frozenset({"capacity", "program_cip", "credential"})


def _check_changes(changes: Mapping[str, Any], editable: frozenset[str], nullable: frozenset[str]) -> None:
    problems = [FieldProblem(name, "cannot be changed") for name in sorted(set(changes) - editable)]
    problems += [
        FieldProblem(name, "must not be null")
        for name, value in sorted(changes.items())
        if value is None and name in editable and name not in nullable
    ]
    if problems:
        raise InvalidInput(problems)


def revise_partner(partner: Partner, changes: Mapping[str, Any], catalog: Catalog) -> Partner:
    """Apply a partial update to a partner, validate it, and bump its version."""
    _check_changes(changes, PARTNER_EDITABLE, PARTNER_NULLABLE)
    return validate_partner(replace(partner, **changes, version=partner.version + 1), catalog)


def revise_service(service: Service, changes: Mapping[str, Any], catalog: Catalog) -> Service:
    """Apply a partial update to a service, validate it, and bump its version."""
    _check_changes(changes, SERVICE_EDITABLE, SERVICE_NULLABLE)
    return validate_service(replace(service, **changes, version=service.version + 1), catalog)
