"""Reference data: vocabularies a deployment can adapt without a code change."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerType:
    """A kind of organization in a career pathways system."""

    code: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceCategory:
    """A category of the service taxonomy (career services, training, child care, ...)."""

    code: str
    name: str
    parent: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Population:
    """A population a partner may serve; WIOA barriers carry their CEDS code.

    A ``universal`` population (the general public) is a catch-all: seed 001, "While some agencies provide
    services to the general population, others may serve only 'targeted' populations."
    """

    code: str
    name: str
    ceds_code: str | None = None
    description: str = ""
    universal: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Region:
    """A geographic unit inside a state: a local workforce area, a county, an economic region."""

    code: str
    name: str
    state: str
    kind: str = "local_area"


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalog:
    """The vocabularies in force, used to validate codes on the way in."""

    partner_types: dict[str, PartnerType] = field(default_factory=dict)
    service_categories: dict[str, ServiceCategory] = field(default_factory=dict)
    populations: dict[str, Population] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
