"""Ports: what the use cases need from storage, implemented by api.repositories."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar
from uuid import UUID

from api.domain.access import ApiKey, AuditEntry, Caller, RateDecision
from api.domain.action_plans import ActionItem, ActionPlan, Goal
from api.domain.agreements import Agreement
from api.domain.bulk import WriteCounts
from api.domain.connections import Connection
from api.domain.funding import Allocation, FundingStream
from api.domain.gaps import PartnerFacts, ServiceFacts
from api.domain.labor_market import Observation, OccupationFigures
from api.domain.lmi_ingest import CodeTitle
from api.domain.partners import ExternalId, Jurisdiction, Partner, Service
from api.domain.readiness import Framework, Response, Round
from api.domain.recruiting import Prospect, RecruitmentNeeds
from api.domain.reference import Catalog, Region
from api.domain.systems import CareerPathwaysSystem, Function, RoleCatalog, StaffSession, SystemState

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    """A slice of a collection in a stable order, with the key to the next slice (the slice before, when it was
    read backward)."""

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


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceFilter:
    """Conditions on the services of the whole directory, combined with AND (an empty tuple matches nothing)."""

    q: str | None = None
    partner_id: UUID | None = None
    categories: tuple[str, ...] | None = None
    populations: tuple[str, ...] | None = None
    partner_types: tuple[str, ...] | None = None
    updated_since: datetime | None = None
    located: bool = False  # only services of partners with an address or coordinates
    postal_code: str | None = None  # of the partner's address
    retired: bool = False  # also retired services (services of retired partners are never listed)


class PartnerRepository(Protocol):
    """Storage of partners and their services."""

    async def get(self, partner_id: UUID) -> Partner | None: ...

    async def list_partners(
        self, flt: PartnerFilter, *, limit: int, after: tuple[object, ...] | None, with_total: bool = False,
        offset: int = 0, exact_total_up_to: int | None = None, backward: bool = False,
    ) -> Page[Partner]:
        """A keyset page by name (by distance with ``near``, by rank with ``q``); ``backward``: the page before
        ``after``, in the same order. ``with_total``: the number of partners that can be paged through; exact, or
        with ``exact_total_up_to`` exact up to that many and an estimate above it (never less than the page shows
        exist). With ``q``, at most the search window's first matches are ranked and listed."""
        ...

    async def list_services(
        self, flt: ServiceFilter, *, limit: int, after: tuple[object, ...] | None = None, offset: int = 0,
        with_total: bool = False, exact_total_up_to: int | None = None,
    ) -> Page[Service]:
        """A page by id; ``with_total`` and ``exact_total_up_to`` as in ``list_partners``."""
        ...

    async def add(self, partner: Partner) -> Partner: ...

    async def update(self, partner: Partner, *, expected_version: int) -> Partner | None: ...

    async def delete(self, partner_id: UUID, *, version: int) -> bool:
        """Delete the partner if it is still at ``version``; say whether it was."""
        ...

    async def retire_services(self, partner_id: UUID) -> int:
        """Retire the partner's services that are not retired yet; return how many."""
        ...

    async def services_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, list[Service]]: ...

    async def partner_facts_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, PartnerFacts]:
        """What the gap rules read of the partners (those found), by id."""
        ...

    async def service_facts_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, list[ServiceFacts]]:
        """What the gap rules read of the partners' services, in ``services_of``'s order."""
        ...

    async def get_service(self, service_id: UUID) -> Service | None: ...

    async def get_services(self, service_ids: Sequence[UUID]) -> dict[UUID, Service]:
        """Many services by id in one read; missing ids are absent."""

    async def add_service(self, service: Service) -> Service: ...

    async def update_service(self, service: Service, *, expected_version: int) -> Service | None: ...

    async def delete_service(self, service_id: UUID, *, version: int) -> bool:
        """Delete the service if it is still at ``version``; say whether it was."""
        ...

    async def get_many(self, partner_ids: Sequence[UUID]) -> dict[UUID, Partner]: ...

    async def recruitment_pool(self, needs: RecruitmentNeeds) -> list[Prospect]:
        """In one bounded query: active organizations of ``needs.state`` that are not members, serve one of
        ``needs.areas`` (or are based there) or lie within ``needs.near_km`` of the members' mean position, and
        are of one of the types, serve one of the populations or offer one of the categories or occupations
        looked for; those in the area first, then the nearest, at most ``needs.limit``."""
        ...


class ReferenceRepository(Protocol):
    """Storage of the vocabularies."""

    async def catalog(self) -> Catalog: ...

    async def regions(self, state: str | None = None) -> list[Region]: ...

    async def region(self, code: str, *, for_update: bool = False) -> Region | None: ...

    async def insert_region(self, region: Region) -> Region | None:
        """Add ``region``; when its code is taken, return the stored region instead, locked until commit."""
        ...

    async def upsert_region(self, region: Region) -> Region: ...


class SystemRepository(Protocol):
    """Storage of career pathways systems with their members and role assignments."""

    async def list_systems(
        self, *, state: str | None, local_area: str | None, limit: int, after: tuple[object, ...] | None,
        backward: bool = False,
    ) -> Page[CareerPathwaysSystem]: ...

    async def load(self, system_id: UUID, *, for_update: bool = False) -> SystemState | None: ...

    async def load_many(self, system_ids: Sequence[UUID]) -> dict[UUID, SystemState]:
        """Many systems by id in one read (no lock); missing ids are absent."""
        ...

    async def jurisdiction_of(self, system_id: UUID) -> Jurisdiction | None: ...

    async def load_in(self, *, state: str, local_area: str | None = None) -> list[SystemState]:
        """Every system of a state (of one of its local areas when given), loaded in full in one read."""
        ...

    async def add(self, state: SystemState) -> None: ...

    async def save(self, old: SystemState, new: SystemState) -> bool: ...

    async def delete(self, system_id: UUID) -> bool: ...

    async def role_catalog(self) -> RoleCatalog: ...

    async def put_function(self, function: Function) -> None: ...

    async def put_usual_functions(self, partner_type: str, functions: Sequence[str]) -> None:
        """Replace one row of the role matrix; entries kept keep their source, new ones are the deployment's."""
        ...

    async def add_staff_session(self, session: StaffSession) -> None: ...

    async def get_staff_session(self, session_id: UUID) -> StaffSession | None: ...

    async def list_staff_sessions(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[StaffSession]:
        """A system's staff sessions, newest first."""
        ...

    async def delete_staff_session(self, session_id: UUID) -> bool: ...


class ReadinessRepository(Protocol):
    """Storage of framework versions, assessment rounds and their responses."""

    async def current_framework(self) -> Framework | None: ...

    async def frameworks(self, framework_ids: Sequence[UUID]) -> dict[UUID, Framework]: ...

    async def add_framework(self, framework: Framework) -> bool: ...

    async def get_round(self, round_id: UUID, *, for_update: bool = False) -> Round | None: ...

    async def rounds_of(self, system_id: UUID) -> list[Round]: ...

    async def latest_closed_rounds(self, system_ids: Sequence[UUID]) -> dict[UUID, Round]:
        """Each system's latest closed round, for many systems in one read (systems with none are left out)."""
        ...

    async def list_rounds(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
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

    async def list_keys(self) -> list[ApiKey]: ...

    async def revoke(self, key_id: UUID) -> tuple[ApiKey, ApiKey] | None:
        """Revoke a key (if not revoked yet); return it as it was and as it is, or None if unknown."""
        ...


class AuditRepository(Protocol):
    """The append-only audit log."""

    async def record(self, entries: Sequence[AuditEntry]) -> None: ...

    async def list_entries(
        self, flt: AuditFilter, *, limit: int, after: tuple[object, ...] | None
    ) -> Page[AuditEntry]: ...


class RateLimiter(Protocol):
    """Request counting shared by every worker process."""

    async def hit(
        self, bucket: str, *, limit: int, window_seconds: int, key_id: UUID | None = None
    ) -> RateDecision: ...


class AgreementRepository(Protocol):
    """Storage of agreements with their parties and the assignments they formalize."""

    async def of_system(self, system_id: UUID) -> list[Agreement]: ...

    async def of_systems(self, system_ids: Sequence[UUID]) -> dict[UUID, list[Agreement]]:
        """The agreements of many systems in one read, by system (every asked system has an entry)."""
        ...

    async def list_agreements(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[Agreement]: ...

    async def get(self, agreement_id: UUID, *, for_update: bool = False) -> Agreement | None: ...

    async def add(self, agreement: Agreement) -> None: ...

    async def save(self, old: Agreement, new: Agreement) -> bool: ...

    async def delete(self, agreement_id: UUID) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class FundingBasis:
    """What the braiding analysis reads besides the system: its allocations, the catalogue and the taxonomy."""

    allocations: tuple[Allocation, ...] = ()
    streams: Mapping[str, FundingStream] = field(default_factory=dict)
    category_parents: Mapping[str, str | None] = field(default_factory=dict)


class FundingRepository(Protocol):
    """Storage of the funding stream catalogue and of allocations."""

    async def streams(self) -> dict[str, FundingStream]: ...

    async def put_stream(self, stream: FundingStream) -> None: ...

    async def basis(self, system_id: UUID) -> FundingBasis: ...

    async def bases(self, system_ids: Sequence[UUID]) -> dict[UUID, FundingBasis]:
        """The funding basis of many systems in one read (the catalogue and taxonomy shared by all)."""
        ...

    async def list_allocations(
        self, system_id: UUID, *, period: str | None, limit: int, after: tuple[object, ...] | None,
        backward: bool = False,
    ) -> Page[Allocation]: ...

    async def get_allocation(self, allocation_id: UUID) -> Allocation | None: ...

    async def add_allocation(self, allocation: Allocation) -> None: ...

    async def update_allocation(self, allocation: Allocation, *, expected_version: int) -> bool: ...

    async def delete_allocation(self, allocation_id: UUID) -> bool: ...


class ConnectionRepository(Protocol):
    """Storage of connections between organizations, and the candidates for a win/win match."""

    async def get(self, connection_id: UUID, *, for_update: bool = False) -> Connection | None: ...

    async def of_partner(
        self, partner_id: UUID, *, limit: int, after: tuple[object, ...] | None
    ) -> Page[Connection]: ...

    async def add(self, connection: Connection) -> None: ...

    async def update(self, connection: Connection, *, expected_version: int) -> bool: ...

    async def match_candidates(
        self, partner: Partner, *, limit: int, ignore_populations: Sequence[str] = ()
    ) -> list[Partner]:
        """Active partners of the partner's state, those sharing its populations (but ``ignore_populations``)
        and regions first."""
        ...


class SyncRepository(Protocol):
    """Set-based bulk upserts of directory batches keyed by (source, external id)."""

    async def lock_source(self, source: str) -> None:
        """Wait until no other run of ``source`` is applying (until this transaction ends), or raise SyncInProgress."""
        ...

    async def load(self, kind: str, rows: Sequence[tuple[int, str, Any]]) -> None: ...

    async def refused_lines(self, kind: str, source: str, within: Jurisdiction | None
                            ) -> dict[int, tuple[str, str]]:
        """Lines of the loaded batch that may not be applied: line -> (field at fault, why)."""
        ...

    async def taken_ids(self, kind: str, source: str) -> list[tuple[int, str, str]]:
        """Lines of the loaded batch that would create a record under an id another record holds: (line, id,
        the holder's source keys as ``source:id, ...``)."""
        ...

    async def upsert(
        self, kind: str, source: str, *, sent: int, skip_lines: Sequence[int] = ()
    ) -> tuple[int, int, int, int]: ...

    async def retire_services_of_retired(self, source: str) -> int:
        """Retire the still active services of the loaded batch's partners that are retired now; return how many."""
        ...

    async def count_retirable(self, kind: str, source: str, within: Jurisdiction | None, *, missing: bool) -> int:
        """The source's records inside ``within`` that are not retired (``missing``: and not sent by this run)."""
        ...

    async def retire_missing(self, kind: str, source: str, within: Jurisdiction | None) -> tuple[int, int]:
        """Retire the records this run did not send; return how many, and how many services went with them."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One entry of the change feed.

    ``op`` is ``create``, ``update``, ``retire`` or ``delete``. ``record`` is the record as it is now (None for
    a deletion, and for a record deleted since); a deletion carries the record's source keys in
    ``external_ids`` (its tombstone).
    """

    position: tuple[int, int]
    kind: str
    record_id: UUID
    op: str
    at: datetime
    record: Partner | Service | None = None
    external_ids: tuple[ExternalId, ...] = ()
    jurisdiction: Jurisdiction | None = None  # where a deleted record was (None: unknown, or not a deletion)


class ChangeFeed(Protocol):
    """Changes in a stable order, withholding those of transactions that may still commit earlier ones."""

    async def since(
        self, after: tuple[int, int] | None, *, kind: str | None, limit: int
    ) -> tuple[list[Change], tuple[int, int] | None]: ...

    async def export(
        self, kind: str, *, state: str | None, local_area: str | None, source: str | None,
        updated_since: datetime | None, status: str | None, batch: int,
    ) -> tuple[tuple[int, int], AsyncGenerator[list[Partner] | list[Service], None]]:
        """The records in batches, read in one snapshot, and the feed position that snapshot is consistent
        with: following the feed from there brings a copy of the export up to date."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ObservationFilter:
    """Conditions on labour market observations, combined with AND."""

    region: str | None = None
    code_kind: str | None = None
    code: str | None = None
    source: str | None = None
    period: str | None = None


TitledObservation = tuple[Observation, str | None]
"""An observation with the title of its code, when one is loaded."""

TitledFigures = tuple[OccupationFigures, str | None]
"""An occupation's figures with its title, when one is loaded."""


class LaborMarketRepository(Protocol):
    """Labour market observations and the titles of classification codes."""

    async def upsert_observations(self, batch: Sequence[Observation]) -> WriteCounts: ...

    async def upsert_titles(self, batch: Sequence[CodeTitle]) -> WriteCounts: ...

    async def list_observations(
        self, flt: ObservationFilter, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[TitledObservation]: ...

    async def observations_for(
        self, *, regions: Sequence[str] | None, occupations: Sequence[str] | None, industries: Sequence[str] = (),
        demand_only: bool = False,
    ) -> list[TitledObservation]: ...

    async def occupation_figures(
        self, *, regions: Sequence[str], occupations: Sequence[str] | None
    ) -> list[TitledFigures]:
        """The openings and growth of occupations (all, or those named) in the regions, one entry per code.

        Only observations with openings or growth are included: no rule reads the others.
        """
        ...

    async def titles(
        self, scheme: str, *, q: str | None, level: str | None, limit: int, after: str | None,
        backward: bool = False,
    ) -> Page[CodeTitle]: ...


class UnitOfWork(Protocol):
    """One transaction's worth of repositories; commits once, or rolls back."""

    # Read-only members: an adapter's own repository types satisfy them (a mutable member would have to be
    # declared with exactly the port's type).
    @property
    def partners(self) -> PartnerRepository: ...

    @property
    def reference(self) -> ReferenceRepository: ...

    @property
    def systems(self) -> SystemRepository: ...

    @property
    def readiness(self) -> ReadinessRepository: ...

    @property
    def plans(self) -> ActionPlanRepository: ...

    @property
    def keys(self) -> ApiKeyRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def agreements(self) -> AgreementRepository: ...

    @property
    def funding(self) -> FundingRepository: ...

    @property
    def connections(self) -> ConnectionRepository: ...

    @property
    def caller(self) -> Caller: ...

    @property
    def sync(self) -> SyncRepository: ...

    @property
    def changes(self) -> ChangeFeed: ...

    @property
    def labor_market(self) -> LaborMarketRepository: ...

    def trial(self) -> AbstractAsyncContextManager[None]:
        """Run a block whose writes are then undone (a dry run); the unit of work goes on as before it."""
        ...
