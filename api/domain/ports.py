"""Ports: what the use cases need from storage, implemented by api.repositories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from api.domain.access import ApiKey, AuditEntry, Caller, RateDecision
from api.domain.action_plans import ActionItem, ActionPlan, Goal
from api.domain.partners import Jurisdiction, Partner, Service
from api.domain.readiness import Framework, Response, Round
from api.domain.reference import Catalog, PartnerType, Population, Region, ServiceCategory
from api.domain.systems import CareerPathwaysSystem, Function, RoleCatalog, SystemState

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    """A slice of a collection in a stable order, with the key to the next slice."""

    items: Sequence[T]
    keys: Sequence[tuple[object, ...]] = ()
    next_after: tuple[object, ...] | None = None
    total: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerFilter:
    """Conditions on the partner directory, combined with AND."""

    q: str | None = None
    partner_type: str | None = None
    population: str | None = None
    service_category: str | None = None
    region: str | None = None
    state: str | None = None
    local_area: str | None = None
    status: str | None = None
    near: tuple[float, float] | None = None
    radius_km: float | None = None
    updated_since: datetime | None = None


class PartnerRepository(Protocol):
    """Storage of partners and their services."""

    async def get(self, partner_id: UUID) -> Partner | None: ...

    async def list(
        self, flt: PartnerFilter, *, limit: int, after: tuple[object, ...] | None, with_total: bool = False
    ) -> Page[Partner]: ...

    async def add(self, partner: Partner) -> Partner: ...

    async def update(self, partner: Partner, *, expected_version: int) -> Partner | None: ...

    async def delete(self, partner_id: UUID) -> bool: ...

    async def services_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, list[Service]]: ...

    async def get_service(self, service_id: UUID) -> Service | None: ...

    async def add_service(self, service: Service) -> Service: ...

    async def update_service(self, service: Service, *, expected_version: int) -> Service | None: ...

    async def delete_service(self, service_id: UUID) -> bool: ...

    async def get_many(self, partner_ids: Sequence[UUID]) -> dict[UUID, Partner]: ...


class ReferenceRepository(Protocol):
    """Storage of the vocabularies."""

    async def catalog(self) -> Catalog: ...

    async def partner_types(self) -> list[PartnerType]: ...

    async def service_categories(self) -> list[ServiceCategory]: ...

    async def populations(self) -> list[Population]: ...

    async def regions(self, state: str | None = None) -> list[Region]: ...

    async def upsert_region(self, region: Region) -> Region: ...


class SystemRepository(Protocol):
    """Storage of career pathways systems with their members and role assignments."""

    async def list(
        self, *, state: str | None, local_area: str | None, limit: int, after: tuple[object, ...] | None
    ) -> Page[CareerPathwaysSystem]: ...

    async def load(self, system_id: UUID, *, for_update: bool = False) -> SystemState | None: ...

    async def jurisdiction_of(self, system_id: UUID) -> Jurisdiction | None: ...

    async def add(self, state: SystemState) -> None: ...

    async def save(self, old: SystemState, new: SystemState) -> bool: ...

    async def delete(self, system_id: UUID) -> bool: ...

    async def role_catalog(self) -> RoleCatalog: ...

    async def put_function(self, function: Function) -> None: ...

    async def put_usual_functions(self, partner_type: str, functions: Sequence[str]) -> None: ...


class ReadinessRepository(Protocol):
    """Storage of framework versions, assessment rounds and their responses."""

    async def current_framework(self) -> Framework | None: ...

    async def frameworks(self, framework_ids: Sequence[UUID]) -> dict[UUID, Framework]: ...

    async def add_framework(self, framework: Framework) -> bool: ...

    async def get_round(self, round_id: UUID, *, for_update: bool = False) -> Round | None: ...

    async def rounds_of(self, system_id: UUID) -> list[Round]: ...

    async def list_rounds(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None
    ) -> Page[Round]: ...

    async def add_round(self, round_: Round) -> None: ...

    async def save_round(self, round_: Round) -> None: ...

    async def responses(self, round_ids: Sequence[UUID]) -> dict[UUID, list[Response]]: ...

    async def put_response(self, response: Response) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanContents:
    """A system's action plan with its goals and their action items, as stored."""

    plan: ActionPlan
    goals: tuple[Goal, ...] = ()
    items: tuple[ActionItem, ...] = ()


class ActionPlanRepository(Protocol):
    """Storage of action plans, their goals and action items."""

    async def load(self, system_id: UUID, *, for_update: bool = False) -> PlanContents | None: ...

    async def add(self, plan: ActionPlan) -> None: ...

    async def save(self, plan: ActionPlan, *, expected_version: int) -> bool: ...

    async def touch(self, plan_id: UUID) -> None: ...

    async def put_goal(self, goal: Goal) -> None: ...

    async def delete_goal(self, goal_id: UUID) -> bool: ...

    async def put_items(self, items: Sequence[ActionItem]) -> None: ...

    async def delete_item(self, item_id: UUID) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditFilter:
    """Conditions on the audit log, combined with AND."""

    kind: str | None = None
    record_id: str | None = None
    key_id: UUID | None = None
    action: str | None = None
    since: datetime | None = None


class ApiKeyRepository(Protocol):
    """Stored API keys."""

    async def add(self, key: ApiKey) -> None: ...

    async def find(self, prefix: str) -> ApiKey | None: ...

    async def list(self) -> list[ApiKey]: ...

    async def revoke(self, key_id: UUID) -> ApiKey | None: ...


class AuditRepository(Protocol):
    """The append-only audit log."""

    async def record(self, entries: Sequence[AuditEntry]) -> None: ...

    async def list(self, flt: AuditFilter, *, limit: int, after: tuple[object, ...] | None) -> Page[AuditEntry]: ...


class RateLimiter(Protocol):
    """Request counting shared by every worker process."""

    async def hit(
        self, bucket: str, *, limit: int, window_seconds: int, key_id: UUID | None = None
    ) -> RateDecision: ...


class UnitOfWork(Protocol):
    """One transaction's worth of repositories; commits once, or rolls back."""

    partners: PartnerRepository
    reference: ReferenceRepository
    systems: SystemRepository
    readiness: ReadinessRepository
    plans: ActionPlanRepository
    keys: ApiKeyRepository
    audit: AuditRepository
    caller: Caller
