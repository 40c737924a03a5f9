"""Builders for partners, services and systems in domain tests, on the shipped reference data."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from api.domain.gaps import GapContext
from api.domain.partners import DeliveryMode, Jurisdiction, Level, Partner, Service
from api.domain.reference import Catalog, PartnerType, Population, Region, ServiceCategory
from api.domain.systems import (
    CareerPathwaysSystem,
    Member,
    RoleCatalog,
    SystemLevel,
    SystemState,
    Team,
    add_member,
    role_catalog_from_dicts,
)

REFERENCE_DATA = Path(__file__).resolve().parents[2] / "api" / "reference_data"
REGIONS = ("or_portland", "or_salem", "or_lane", "or_coast")
TODAY = date(2025, 6, 1)


def load_json(name: str) -> Any:
    """Read one reference data file."""
    return json.loads((REFERENCE_DATA / name).read_text(encoding="utf-8"))


@cache
def role_catalog() -> RoleCatalog:
    """Build the role catalog from the shipped JSON."""
    return role_catalog_from_dicts(
        load_json("functions.json"),
        load_json("role_matrix.json"),
        load_json("population_partner_types.json"),
        load_json("support_needs.json"),
        load_json("team_requirements.json"),
        load_json("agreement_checklists.json"),
    )


@cache
def reference_catalog() -> Catalog:
    """Build the vocabularies from the shipped JSON, with a few Oregon regions."""
    return Catalog(
        partner_types={d["code"]: PartnerType(**d) for d in load_json("partner_types.json")},
        service_categories={d["code"]: ServiceCategory(**d) for d in load_json("service_categories.json")},
        populations={d["code"]: Population(**d) for d in load_json("populations.json")},
        regions={code: Region(code=code, name=code, state="OR") for code in REGIONS},
    )


def make_partner(
    name: str,
    partner_type: str,
    *,
    populations: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
    capacity: int | None = None,
    partner_id: UUID | None = None,
) -> Partner:
    """Build an Oregon partner."""
    return Partner(
        id=partner_id or uuid4(),
        name=name,
        partner_type=partner_type,
        level=Level.LOCAL,
        jurisdiction=Jurisdiction(state="OR"),
        populations_served=populations,
        regions_served=regions,
        capacity=capacity,
    )


def make_service(
    partner: Partner,
    category: str,
    *,
    populations: tuple[str, ...] = (),
    regions: tuple[str, ...] = (),
    capacity: int | None = None,
    delivery_mode: DeliveryMode = DeliveryMode.IN_PERSON,
) -> Service:
    """Build an active service offered by a partner."""
    return Service(
        id=uuid4(),
        partner_id=partner.id,
        name=f"{partner.name} {category}",
        category=category,
        populations=populations,
        regions=regions,
        capacity=capacity,
        delivery_mode=delivery_mode,
    )


def make_system(**overrides: Any) -> CareerPathwaysSystem:
    """Build a local Oregon system targeting health care, reviewed recently."""
    fields: dict[str, Any] = {
        "id": uuid4(),
        "name": "Willamette Health Careers",
        "jurisdiction": Jurisdiction(state="OR"),
        "level": SystemLevel.LOCAL,
        "target_sectors": ("62",),
        "target_occupations": ("29-2061",),
        "regions": REGIONS,
        "last_reviewed_on": date(2025, 1, 15),
    }
    fields.update(overrides)
    return CareerPathwaysSystem(**fields)


def join(state: SystemState, partner: Partner, team: Team = Team.LEADERSHIP) -> SystemState:
    """Add a partner to a system with a representative named after it."""
    member = Member(partner_id=partner.id, representative=f"Rep of {partner.name}", team=team)
    return add_member(state, member, partner_type=partner.partner_type)


def gap_context(
    state: SystemState,
    partners: Sequence[Partner],
    services: Sequence[Service] = (),
    today: date = TODAY,
    **inputs: Any,
) -> GapContext:
    """Build a gap context from a state, the members' partners and their services (``inputs``: the other
    fields of the context, e.g. ``funding``)."""
    by_partner: dict[UUID, list[Service]] = {}
    for service in services:
        by_partner.setdefault(service.partner_id, []).append(service)
    return GapContext.from_state(
        state,
        partners={p.id: p for p in partners},
        services_by_partner=by_partner,
        catalog=role_catalog(),
        today=today,
        **inputs,
    )
