"""In-memory fakes of the ports in api.domain.ports: working implementations, not mocks.

They keep the behaviour the use cases rely on: optimistic versions (an update stores the version
it is given, and only when the stored one is the expected one; otherwise it stores nothing and
returns None), unique external identifiers, the cascade from a
partner to its services, retired partners hidden unless asked for, and keyset paging by (name, id).
Full-text search (``q``) and distance (``near``) are left to the PostgreSQL repository.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from api import reference_data
from api.domain.access import ApiKey, AuditEntry, Caller, RateDecision, system_caller
from api.domain.action_plans import ActionItem, ActionPlan, Goal
from api.domain.agreements import Agreement
from api.domain.bulk import WriteCounts
from api.domain.codes import SocCode
from api.domain.connections import Connection
from api.domain.errors import DuplicateExternalId
from api.domain.funding import Allocation, FundingStream
from api.domain.gaps import PartnerFacts, ServiceFacts
from api.domain.labor_market import Observation, occupation_figures
from api.domain.lmi_ingest import CodeTitle, observation_key
from api.domain.partners import ExternalId, Jurisdiction, Partner, Service, Status
from api.domain.ports import (
    AuditFilter,
    FundingBasis,
    ObservationFilter,
    Page,
    PartnerFilter,
    PlanContents,
    ServiceFilter,
    TitledFigures,
    TitledObservation,
)
from api.domain.readiness import Framework, Response, Round
from api.domain.recruiting import Prospect, RecruitmentNeeds
from api.domain.reference import Catalog, PartnerType, Population, Region, ServiceCategory
from api.domain.states import latest_closed_rounds
from api.domain.systems import (
    CareerPathwaysSystem,
    Function,
    FunctionAlreadyHasLead,
    RoleCatalog,
    StaffSession,
    Strength,
    SystemState,
    role_catalog_from_dicts,
)

T = TypeVar("T")

TEST_REGION = Region(code="or-test", name="Oregon test area", state="OR")


def _now() -> datetime:
    return datetime.now(UTC)


class FakePartnerRepository:
    """Partners and services in dictionaries, with the storage rules of the PostgreSQL repository."""

    def __init__(self) -> None:
        self.partners: dict[UUID, Partner] = {}
        self.services: dict[UUID, Service] = {}
        self._concurrent_writes: set[UUID] = set()

    # --- test hooks ---------------------------------------------------------------------------------

    def change_before_next_update(self, record_id: UUID) -> None:
        """Make another writer bump the record's version between the use case's read and its write."""
        self._concurrent_writes.add(record_id)

    def _interleave(self, record_id: UUID) -> None:
        if record_id not in self._concurrent_writes:
            return
        self._concurrent_writes.discard(record_id)
        if record_id in self.partners:
            p = self.partners[record_id]
            self.partners[record_id] = replace(p, version=p.version + 1, updated_at=_now())
        elif record_id in self.services:
            s = self.services[record_id]
            self.services[record_id] = replace(s, version=s.version + 1, updated_at=_now())

    def _check_external_ids(self, record_id: UUID, ids: Sequence[ExternalId]) -> None:
        others: list[Partner | Service] = [*self.partners.values(), *self.services.values()]
        taken = {(e.source, e.id): r.id for r in others if r.id != record_id for e in r.external_ids}
        for ext in ids:
            if (ext.source, ext.id) in taken:
                raise DuplicateExternalId(f"external id ({ext.source}, {ext.id}) already names another record")

    # --- partners -----------------------------------------------------------------------------------

    async def get(self, partner_id: UUID) -> Partner | None:
        return self.partners.get(partner_id)

    async def get_many(self, partner_ids: Sequence[UUID]) -> dict[UUID, Partner]:
        return {pid: self.partners[pid] for pid in partner_ids if pid in self.partners}

    async def list_partners(
        self, flt: PartnerFilter, *, limit: int, after: tuple[object, ...] | None, with_total: bool = False,
        offset: int = 0, exact_total_up_to: int | None = None, backward: bool = False,  # the fake counts exactly
    ) -> Page[Partner]:
        if flt.q or flt.near is not None:
            raise NotImplementedError("the fake orders by name only; search and distance need PostgreSQL")
        matching = [p for p in self.partners.values() if _matches(p, flt)]
        matching.sort(key=_name_key)
        found = _page(matching if backward else matching[offset:], limit, _name_key,
                      (after[0], after[1]) if after is not None else None, backward=backward)
        return Page(items=found.items, keys=found.keys, next_after=found.next_after,
                    total=len(matching) if with_total else None)

    async def list_services(
        self, flt: ServiceFilter, *, limit: int, after: tuple[object, ...] | None = None, offset: int = 0,
        with_total: bool = False, exact_total_up_to: int | None = None,  # the fake always counts exactly
    ) -> Page[Service]:
        if flt.q or flt.located or flt.postal_code:
            raise NotImplementedError("search and the partner's address are left to PostgreSQL")

        def wanted(s: Service) -> bool:
            partner = self.partners.get(s.partner_id)
            return (partner is not None and partner.status is Status.ACTIVE
                    and (flt.retired or s.status is Status.ACTIVE)
                    and (flt.partner_id is None or s.partner_id == flt.partner_id)
                    and (flt.categories is None or s.category in flt.categories)
                    and (flt.populations is None or not set(flt.populations).isdisjoint(s.populations))
                    and (flt.partner_types is None or partner.partner_type in flt.partner_types)
                    and (flt.updated_since is None
                         or (s.updated_at is not None and s.updated_at >= flt.updated_since)))

        matching = sorted((s for s in self.services.values() if wanted(s)), key=lambda s: str(s.id))
        rows = [s for s in matching if after is None or str(s.id) > str(after[0])][offset:]
        page, more = rows[:limit], len(rows) > limit
        keys = [(str(s.id),) for s in page]
        return Page(items=page, keys=keys, next_after=keys[-1] if more and page else None,
                    total=len(matching) if with_total else None)

    async def add(self, partner: Partner) -> Partner:
        self._check_external_ids(partner.id, partner.external_ids)
        now = _now()
        stored = replace(partner, created_at=now, updated_at=now)
        self.partners[partner.id] = stored
        return stored

    async def update(self, partner: Partner, *, expected_version: int) -> Partner | None:
        self._interleave(partner.id)
        current = self.partners.get(partner.id)
        if current is None or current.version != expected_version:
            return None
        self._check_external_ids(partner.id, partner.external_ids)
        stored = replace(partner, created_at=current.created_at, updated_at=_now())
        self.partners[partner.id] = stored
        return stored

    async def delete(self, partner_id: UUID, *, version: int) -> bool:
        current = self.partners.get(partner_id)
        if current is None or current.version != version:
            return False
        del self.partners[partner_id]
        for sid in [s.id for s in self.services.values() if s.partner_id == partner_id]:
            del self.services[sid]  # ON DELETE CASCADE
        return True

    async def retire_services(self, partner_id: UUID) -> int:
        retiring = [s for s in self.services.values() if s.partner_id == partner_id and s.status is not Status.RETIRED]
        for s in retiring:
            self.services[s.id] = replace(s, status=Status.RETIRED, version=s.version + 1, updated_at=_now())
        return len(retiring)

    # --- services -----------------------------------------------------------------------------------

    async def services_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, list[Service]]:
        out: dict[UUID, list[Service]] = {pid: [] for pid in partner_ids}
        for service in sorted(self.services.values(), key=lambda s: (s.name, str(s.id))):
            if service.partner_id in out:
                out[service.partner_id].append(service)
        return out

    async def recruitment_pool(self, needs: RecruitmentNeeds) -> list[Prospect]:
        if needs.empty:
            return []
        placed = [p for pid in needs.members if (p := self.partners.get(pid)) is not None
                  and p.latitude is not None and p.longitude is not None]
        anchor = ((sum(p.latitude or 0.0 for p in placed) / len(placed),
                   sum(p.longitude or 0.0 for p in placed) / len(placed)) if placed else None)
        found = []
        for p in self.partners.values():
            if p.jurisdiction.state != needs.state or p.status is not Status.ACTIVE or p.id in needs.members:
                continue
            active = [s for s in self.services.values() if s.partner_id == p.id and s.status is Status.ACTIVE]
            fits = (p.partner_type in needs.partner_types or set(p.populations_served) & set(needs.populations)
                    or any(s.category in needs.categories or set(s.populations) & set(needs.populations)
                           or set(s.occupations) & set(needs.occupations) for s in active))
            in_area = bool(set(p.regions_served) & set(needs.areas)) or p.jurisdiction.local_area in needs.areas
            distance = (_km(anchor, (p.latitude, p.longitude))
                        if anchor is not None and p.latitude is not None and p.longitude is not None else None)
            if not fits or not (in_area or (distance is not None and distance <= needs.near_km)):
                continue
            found.append(Prospect(
                id=p.id, name=p.name, partner_type=p.partner_type, local_area=p.jurisdiction.local_area,
                regions_served=p.regions_served, populations_served=p.populations_served, capacity=p.capacity,
                categories=tuple(sorted({s.category for s in active if s.capacity != 0})),
                service_populations=tuple(sorted({x for s in active for x in s.populations})),
                occupations=tuple(sorted({x for s in active for x in s.occupations})),
                distance_km=distance, in_area=in_area))
        found.sort(key=lambda x: (not x.in_area, x.distance_km is None, x.distance_km or 0.0, x.name, str(x.id)))
        return found[:needs.limit]

    async def partner_facts_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, PartnerFacts]:
        return {pid: PartnerFacts.of(p) for pid, p in (await self.get_many(partner_ids)).items()}

    async def service_facts_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, list[ServiceFacts]]:
        services = await self.services_of(partner_ids)
        return {pid: [ServiceFacts.of(s) for s in found] for pid, found in services.items()}

    async def get_service(self, service_id: UUID) -> Service | None:
        return self.services.get(service_id)

    async def get_services(self, service_ids: Sequence[UUID]) -> dict[UUID, Service]:
        return {sid: self.services[sid] for sid in service_ids if sid in self.services}

    async def add_service(self, service: Service) -> Service:
        if service.partner_id not in self.partners:
            raise AssertionError("foreign key violation: the use case must check the partner first")
        self._check_external_ids(service.id, service.external_ids)
        now = _now()
        stored = replace(service, created_at=now, updated_at=now)
        self.services[service.id] = stored
        return stored

    async def update_service(self, service: Service, *, expected_version: int) -> Service | None:
        self._interleave(service.id)
        current = self.services.get(service.id)
        if current is None or current.version != expected_version:
            return None
        self._check_external_ids(service.id, service.external_ids)
        stored = replace(service, created_at=current.created_at, updated_at=_now())
        self.services[service.id] = stored
        return stored

    async def delete_service(self, service_id: UUID, *, version: int) -> bool:
        current = self.services.get(service_id)
        if current is None or current.version != version:
            return False
        del self.services[service_id]
        return True


def _name_key(partner: Partner) -> tuple[str, str]:
    return (partner.name, str(partner.id))


def _matches(p: Partner, flt: PartnerFilter) -> bool:
    if flt.status is not None:
        if p.status != flt.status:
            return False
    elif p.status == "retired":
        return False
    return (
        (flt.partner_type is None or p.partner_type == flt.partner_type)
        and (flt.population is None or flt.population in p.populations_served)
        and (flt.region is None or flt.region in p.regions_served)
        and (flt.state is None or p.jurisdiction.state == flt.state)
        and (flt.local_area is None or p.jurisdiction.local_area == flt.local_area)
        and (flt.updated_since is None or (p.updated_at is not None and p.updated_at >= flt.updated_since))
    )


def shipped_catalog(*extra_regions: Region) -> Catalog:
    """The vocabularies shipped in api/reference_data, with the test region and any others."""
    return Catalog(
        partner_types={d["code"]: PartnerType(**d) for d in reference_data.load("partner_types")},
        service_categories={d["code"]: ServiceCategory(**d) for d in reference_data.load("service_categories")},
        populations={d["code"]: Population(**d) for d in reference_data.load("populations")},
        regions={r.code: r for r in (TEST_REGION, *extra_regions)},
    )


class FakeReferenceRepository:
    """The vocabularies of a Catalog; regions can be added or replaced."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        base = catalog or shipped_catalog()
        self._catalog = replace(base, regions=dict(base.regions))

    async def catalog(self) -> Catalog:
        return replace(self._catalog, regions=dict(self._catalog.regions))

    async def regions(self, state: str | None = None) -> list[Region]:
        found = [r for r in self._catalog.regions.values() if state is None or r.state == state]
        return sorted(found, key=lambda r: r.code)

    async def region(self, code: str, *, for_update: bool = False) -> Region | None:
        return self._catalog.regions.get(code)

    async def insert_region(self, region: Region) -> Region | None:
        if region.code in self._catalog.regions:
            return self._catalog.regions[region.code]
        self._catalog.regions[region.code] = region
        return None

    async def upsert_region(self, region: Region) -> Region:
        self._catalog.regions[region.code] = region
        return region


class FakeAuditRepository:
    """Keeps audit entries in a list."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    async def record(self, entries: Sequence[AuditEntry]) -> None:
        self.entries.extend(entries)

    async def list_entries(
        self, flt: AuditFilter, *, limit: int, after: tuple[object, ...] | None
    ) -> Page[AuditEntry]:
        def wanted(e: AuditEntry) -> bool:
            return ((flt.kind is None or e.kind == flt.kind)
                    and (flt.record_id is None or e.record_id == flt.record_id)
                    and (flt.key_id is None or e.key_id == flt.key_id)
                    and (flt.action is None or e.action == flt.action)
                    and (flt.since is None or (e.at is not None and e.at >= flt.since)))

        # Latest first, as the log is read; the key is the negated position, so later pages have larger keys.
        latest_first = [(-n, e) for n, e in reversed(list(enumerate(self.entries))) if wanted(e)]
        page = _page(latest_first, limit, lambda pair: (pair[0],), after)
        return Page(items=[e for _, e in page.items], keys=page.keys, next_after=page.next_after)


class FakeLaborMarketRepository:
    """Observations and code titles in memory: the reads the gap analysis and the in-demand listing make."""

    def __init__(self, observations: Sequence[Observation] = (), titles: dict[str, str] | None = None) -> None:
        self.observations = list(observations)
        self.title_of = dict(titles or {})  # code -> title, whatever the scheme
        self.code_titles: dict[tuple[str, str], CodeTitle] = {}

    async def upsert_observations(self, batch: Sequence[Observation]) -> WriteCounts:
        created = updated = unchanged = 0
        stored = {observation_key(o): i for i, o in enumerate(self.observations)}
        for obs in batch:
            at = stored.get(observation_key(obs))
            if at is None:
                stored[observation_key(obs)] = len(self.observations)
                self.observations.append(obs)
                created += 1
            elif self.observations[at] == obs:
                unchanged += 1
            else:
                self.observations[at] = obs
                updated += 1
        return WriteCounts(created=created, updated=updated, unchanged=unchanged)

    async def upsert_titles(self, batch: Sequence[CodeTitle]) -> WriteCounts:
        created = updated = unchanged = 0
        for title in batch:
            key = (title.scheme.value, title.code)
            kept = self.code_titles.get(key)
            if kept is None:
                created += 1
            elif kept == title:
                unchanged += 1
            else:
                updated += 1
            self.code_titles[key] = title
            self.title_of[title.code] = title.title
        return WriteCounts(created=created, updated=updated, unchanged=unchanged)

    async def list_observations(
        self, flt: ObservationFilter, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[TitledObservation]:
        def key(o: Observation) -> tuple[str, str, str, str, str]:
            return (o.region, o.code_kind.value, o.code.value, o.period, o.source)

        matching = sorted((o for o in self.observations
                           if (flt.region is None or o.region == flt.region)
                           and (flt.code_kind is None or o.code_kind.value == flt.code_kind)
                           and (flt.code is None or o.code.value == flt.code)
                           and (flt.source is None or o.source == flt.source)
                           and (flt.period is None or o.period == flt.period)), key=key)
        page = _page(matching, limit, key, after, backward=backward)
        return Page(items=[(o, self.title_of.get(o.code.value)) for o in page.items], keys=page.keys,
                    next_after=page.next_after)

    async def titles(
        self, scheme: str, *, q: str | None, level: str | None, limit: int, after: str | None,
        backward: bool = False,
    ) -> Page[CodeTitle]:
        def wanted(t: CodeTitle) -> bool:
            return (t.scheme.value == scheme and (level is None or t.level == level)
                    and (q is None or q.casefold() in t.title.casefold() or t.code.startswith(q)))

        matching = sorted((t for t in self.code_titles.values() if wanted(t)), key=lambda t: t.code)
        return _page(matching, limit, lambda t: (t.code,), (after,) if after is not None else None, backward=backward)

    async def observations_for(
        self, *, regions: Sequence[str] | None, occupations: Sequence[str] | None, industries: Sequence[str] = (),
        demand_only: bool = False,
    ) -> list[TitledObservation]:
        def wanted(o: Observation) -> bool:
            if isinstance(o.code, SocCode):
                named = occupations is None or o.code.value in occupations
            else:
                named = o.code.value in industries
            return ((regions is None or o.region in regions) and named
                    and (not demand_only or o.annual_openings is not None or o.growth_percent is not None))

        return [(o, self.title_of.get(o.code.value)) for o in self.observations if wanted(o)]

    async def occupation_figures(
        self, *, regions: Sequence[str], occupations: Sequence[str] | None
    ) -> list[TitledFigures]:
        rows = await self.observations_for(regions=regions, occupations=occupations, demand_only=True)
        return [(figures, self.title_of.get(figures.code.value)) for figures in occupation_figures(o for o, _ in rows)]


def _page(items: list[T], limit: int, key: Callable[[T], tuple[object, ...]],
          after: tuple[object, ...] | None, *, backward: bool = False,
          precedes: Callable[[tuple[object, ...], tuple[object, ...]], bool] = lambda a, b: a < b) -> Page[T]:
    """Keyset paging of items already in the listing's order (``precedes``, on keys), as the repositories page;
    ``backward``: the page just before ``after``, in the same order, ``next_after`` its first key."""
    if after is not None:
        mark = tuple(after)
        items = [i for i in items if (precedes(key(i), mark) if backward else precedes(mark, key(i)))]
    more = len(items) > limit
    items = items[-limit:] if backward else items[:limit]
    keys = [key(i) for i in items]
    return Page(items=items, keys=keys, next_after=(keys[0] if backward else keys[-1]) if more and keys else None)


def _newest_first(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Whether ``a`` lists before ``b`` by date, newest first, then by id."""
    return (str(a[0]), str(b[1])) > (str(b[0]), str(a[1]))


def shipped_role_catalog() -> RoleCatalog:
    """The role catalog of the shipped reference data."""
    return role_catalog_from_dicts(
        reference_data.load("functions"), reference_data.load("role_matrix"),
        reference_data.load("population_partner_types"), reference_data.load("support_needs"),
        reference_data.load("team_requirements"),
    )


class FakeSystemRepository:
    """Systems as whole states. Like the database: a save is refused (False) when the stored system's version is
    not the one read, and a second lead for a function is ``FunctionAlreadyHasLead``."""

    def __init__(self, catalog: RoleCatalog | None = None) -> None:
        self.states: dict[UUID, SystemState] = {}
        self.catalog = catalog or shipped_role_catalog()

    async def list_systems(
        self, *, state: str | None, local_area: str | None, limit: int, after: tuple[object, ...] | None,
        backward: bool = False,
    ) -> Page[CareerPathwaysSystem]:
        found = sorted((s.system for s in self.states.values()
                        if (state is None or s.system.jurisdiction.state == state)
                        and (local_area is None or s.system.jurisdiction.local_area == local_area)),
                       key=lambda s: (s.name, str(s.id)))
        return _page(found, limit, lambda s: (s.name, str(s.id)), after, backward=backward)

    async def load(self, system_id: UUID, *, for_update: bool = False) -> SystemState | None:
        return self.states.get(system_id)

    async def load_in(self, *, state: str, local_area: str | None = None) -> list[SystemState]:
        return sorted((s for s in self.states.values() if s.system.jurisdiction.state == state
                       and (local_area is None or s.system.jurisdiction.local_area == local_area)),
                      key=lambda s: (s.system.name, str(s.system.id)))

    async def load_many(self, system_ids: Sequence[UUID]) -> dict[UUID, SystemState]:
        return {sid: self.states[sid] for sid in system_ids if sid in self.states}

    async def jurisdiction_of(self, system_id: UUID) -> Jurisdiction | None:
        found = self.states.get(system_id)
        return found.system.jurisdiction if found else None

    async def add(self, state: SystemState) -> None:
        self._check_leads(state)
        self.states[state.system.id] = state

    async def save(self, old: SystemState, new: SystemState) -> bool:
        stored = self.states.get(old.system.id)
        if stored is None or stored.system.version != old.system.version:
            return False
        self._check_leads(new)
        self.states[new.system.id] = new
        return True

    @staticmethod
    def _check_leads(state: SystemState) -> None:
        leads = [a.function for a in state.assignments if a.strength is Strength.LEAD]
        if len(leads) != len(set(leads)):
            raise FunctionAlreadyHasLead("a function already has a lead in this system")

    async def delete(self, system_id: UUID) -> bool:
        return self.states.pop(system_id, None) is not None

    async def add_staff_session(self, session: StaffSession) -> None:
        state = self.states[session.system_id]
        sessions = sorted((*state.staff_sessions, session), key=lambda x: (x.held_on, str(x.id)), reverse=True)
        self.states[session.system_id] = replace(state, staff_sessions=tuple(sessions))

    async def get_staff_session(self, session_id: UUID) -> StaffSession | None:
        return next((x for st in self.states.values() for x in st.staff_sessions if x.id == session_id), None)

    async def list_staff_sessions(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[StaffSession]:
        found = list(self.states[system_id].staff_sessions) if system_id in self.states else []
        return _page(found, limit, lambda x: (x.held_on.isoformat(), str(x.id)), after, backward=backward,
                     precedes=_newest_first)

    async def delete_staff_session(self, session_id: UUID) -> bool:
        for system_id, state in self.states.items():
            kept = tuple(x for x in state.staff_sessions if x.id != session_id)
            if len(kept) != len(state.staff_sessions):
                self.states[system_id] = replace(state, staff_sessions=kept)
                return True
        return False

    async def role_catalog(self) -> RoleCatalog:
        return self.catalog

    async def put_function(self, function: Function) -> None:
        self.catalog = replace(self.catalog, functions={**self.catalog.functions, function.code: function})

    async def put_usual_functions(self, partner_type: str, functions: Sequence[str]) -> None:
        usual = {**self.catalog.matrix.usual, partner_type: frozenset(functions)}
        self.catalog = replace(self.catalog, matrix=replace(self.catalog.matrix, usual=usual))


class FakeAgreementRepository:
    """Agreements by id; a save is refused (False) when the stored version is not the one read."""

    def __init__(self) -> None:
        self.agreements: dict[UUID, Agreement] = {}

    async def of_system(self, system_id: UUID) -> list[Agreement]:
        return sorted((a for a in self.agreements.values() if a.system_id == system_id),
                      key=lambda a: (a.title, str(a.id)))

    async def of_systems(self, system_ids: Sequence[UUID]) -> dict[UUID, list[Agreement]]:
        return {sid: await self.of_system(sid) for sid in system_ids}

    async def list_agreements(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[Agreement]:
        return _page(await self.of_system(system_id), limit, lambda a: (a.title, str(a.id)), after, backward=backward)

    async def get(self, agreement_id: UUID, *, for_update: bool = False) -> Agreement | None:
        return self.agreements.get(agreement_id)

    async def add(self, agreement: Agreement) -> None:
        self.agreements[agreement.id] = agreement

    async def save(self, old: Agreement, new: Agreement) -> bool:
        stored = self.agreements.get(old.id)
        if stored is None or stored.version != old.version:
            return False
        self.agreements[new.id] = new
        return True

    async def delete(self, agreement_id: UUID) -> bool:
        return self.agreements.pop(agreement_id, None) is not None


class FakeConnectionRepository:
    """Connections by id; match candidates are the other active partners of the partner repository."""

    def __init__(self, partners: FakePartnerRepository) -> None:
        self.connections: dict[UUID, Connection] = {}
        self._recorded: dict[UUID, int] = {}
        self._partners = partners

    async def get(self, connection_id: UUID, *, for_update: bool = False) -> Connection | None:
        return self.connections.get(connection_id)

    async def of_partner(
        self, partner_id: UUID, *, limit: int, after: tuple[object, ...] | None
    ) -> Page[Connection]:
        mine = [c for c in self.connections.values() if partner_id in (c.from_partner, c.to_partner)]
        return _page(mine, limit, lambda c: (self._recorded[c.id],), after)  # in the order they were recorded

    async def add(self, connection: Connection) -> None:
        self.connections[connection.id] = connection
        self._recorded[connection.id] = len(self._recorded)

    async def update(self, connection: Connection, *, expected_version: int) -> bool:
        stored = self.connections.get(connection.id)
        if stored is None or stored.version != expected_version:
            return False
        self.connections[connection.id] = connection
        return True

    async def match_candidates(self, partner: Partner, *, limit: int,
                               ignore_populations: Sequence[str] = ()) -> list[Partner]:
        others = [p for p in self._partners.partners.values() if p.id != partner.id and p.status is Status.ACTIVE]
        return sorted(others, key=lambda p: (p.name, str(p.id)))[:limit]


class FakeFundingRepository:
    """The stream catalogue and allocations in memory."""

    def __init__(self, streams: dict[str, FundingStream] | None = None,
                 category_parents: dict[str, str | None] | None = None) -> None:
        self.catalogue = dict(streams or {})
        self.category_parents = dict(category_parents or {})
        self.allocations: dict[UUID, Allocation] = {}

    async def streams(self) -> dict[str, FundingStream]:
        return dict(self.catalogue)

    async def put_stream(self, stream: FundingStream) -> None:
        self.catalogue[stream.code] = stream

    async def basis(self, system_id: UUID) -> FundingBasis:
        mine = tuple(a for a in self.allocations.values() if a.system_id == system_id)
        return FundingBasis(allocations=mine, streams=dict(self.catalogue), category_parents=self.category_parents)

    async def bases(self, system_ids: Sequence[UUID]) -> dict[UUID, FundingBasis]:
        return {sid: await self.basis(sid) for sid in system_ids}

    async def list_allocations(
        self, system_id: UUID, *, period: str | None, limit: int, after: tuple[object, ...] | None,
        backward: bool = False,
    ) -> Page[Allocation]:
        mine = sorted((a for a in self.allocations.values()
                       if a.system_id == system_id and (period is None or a.period == period)),
                      key=lambda a: (a.period, a.id))
        return _page(mine, limit, lambda a: (a.period, a.id), after, backward=backward)

    async def get_allocation(self, allocation_id: UUID) -> Allocation | None:
        return self.allocations.get(allocation_id)

    async def add_allocation(self, allocation: Allocation) -> None:
        self.allocations[allocation.id] = allocation

    async def update_allocation(self, allocation: Allocation, *, expected_version: int) -> bool:
        stored = self.allocations.get(allocation.id)
        if stored is None or stored.version != expected_version:
            return False
        self.allocations[allocation.id] = allocation
        return True

    async def delete_allocation(self, allocation_id: UUID) -> bool:
        return self.allocations.pop(allocation_id, None) is not None


class FakeReadinessRepository:
    """Framework versions, rounds and responses in memory."""

    def __init__(self) -> None:
        self.frameworks_by_id: dict[UUID, Framework] = {}
        self.rounds: dict[UUID, Round] = {}
        self.responses_by_round: dict[UUID, dict[UUID, Response]] = {}

    async def current_framework(self) -> Framework | None:
        return max(self.frameworks_by_id.values(), key=lambda f: f.version, default=None)

    async def frameworks(self, framework_ids: Sequence[UUID]) -> dict[UUID, Framework]:
        return {i: self.frameworks_by_id[i] for i in framework_ids if i in self.frameworks_by_id}

    async def add_framework(self, framework: Framework) -> bool:
        if any(f.version == framework.version for f in self.frameworks_by_id.values()):
            return False
        self.frameworks_by_id[framework.id] = framework
        return True

    async def get_round(self, round_id: UUID, *, for_update: bool = False) -> Round | None:
        return self.rounds.get(round_id)

    async def rounds_of(self, system_id: UUID) -> list[Round]:
        return sorted((r for r in self.rounds.values() if r.system_id == system_id),
                      key=lambda r: (r.started_on, r.id))

    async def latest_closed_rounds(self, system_ids: Sequence[UUID]) -> dict[UUID, Round]:
        wanted = set(system_ids)
        return latest_closed_rounds(r for r in self.rounds.values() if r.system_id in wanted)

    async def list_rounds(
        self, system_id: UUID, *, limit: int, after: tuple[object, ...] | None, backward: bool = False
    ) -> Page[Round]:
        rounds = (await self.rounds_of(system_id))[::-1]  # latest first, then the greater id first
        return _page(rounds, limit, lambda r: (r.started_on.isoformat(), str(r.id)), after, backward=backward,
                     precedes=lambda a, b: (str(a[0]), str(a[1])) > (str(b[0]), str(b[1])))

    async def add_round(self, round_: Round) -> None:
        self.rounds[round_.id] = round_

    async def save_round(self, round_: Round) -> None:
        self.rounds[round_.id] = round_

    async def responses(self, round_ids: Sequence[UUID]) -> dict[UUID, list[Response]]:
        return {i: sorted(self.responses_by_round.get(i, {}).values(), key=lambda r: r.respondent_id)
                for i in round_ids}

    async def put_response(self, response: Response) -> None:
        self.responses_by_round.setdefault(response.round_id, {})[response.respondent_id] = response


class FakeActionPlanRepository:
    """One action plan per system, with its goals and items, in memory."""

    def __init__(self) -> None:
        self.plans: dict[UUID, ActionPlan] = {}
        self.goals: dict[UUID, Goal] = {}
        self.items: dict[UUID, ActionItem] = {}

    async def load(self, system_id: UUID, *, for_update: bool = False) -> PlanContents | None:
        plan = self.plans.get(system_id)
        if plan is None:
            return None
        goals = tuple(g for g in self.goals.values() if g.plan_id == plan.id)
        ids = {g.id for g in goals}
        return PlanContents(plan=plan, goals=goals, items=tuple(i for i in self.items.values() if i.goal_id in ids))

    async def add(self, plan: ActionPlan) -> None:
        self.plans[plan.system_id] = plan

    async def save(self, plan: ActionPlan, *, expected_version: int) -> bool:
        stored = self.plans.get(plan.system_id)
        if stored is None or stored.version != expected_version:
            return False
        self.plans[plan.system_id] = plan
        return True

    async def touch(self, plan_id: UUID) -> None:
        for system_id, plan in self.plans.items():
            if plan.id == plan_id:
                self.plans[system_id] = replace(plan, version=plan.version + 1)

    async def put_goal(self, goal: Goal) -> None:
        self.goals[goal.id] = goal

    async def delete_goal(self, goal_id: UUID) -> bool:
        if self.goals.pop(goal_id, None) is None:
            return False
        self.items = {i: item for i, item in self.items.items() if item.goal_id != goal_id}
        return True

    async def put_items(self, items: Sequence[ActionItem]) -> None:
        self.items.update({item.id: item for item in items})

    async def delete_item(self, item_id: UUID) -> bool:
        return self.items.pop(item_id, None) is not None


class FakeApiKeyRepository:
    """API keys by id."""

    def __init__(self) -> None:
        self.keys: dict[UUID, ApiKey] = {}

    async def add(self, key: ApiKey) -> None:
        self.keys[key.id] = key

    async def find(self, prefix: str) -> ApiKey | None:
        return next((k for k in self.keys.values() if k.prefix == prefix), None)

    async def list_keys(self) -> list[ApiKey]:
        return list(self.keys.values())  # in the order they were created

    async def revoke(self, key_id: UUID) -> tuple[ApiKey, ApiKey] | None:
        key = self.keys.get(key_id)
        if key is None:
            return None
        self.keys[key_id] = revoked = replace(key, revoked_at=key.revoked_at or _now())
        return key, revoked


class FakeRateLimiter:
    """Counts hits per bucket in fixed windows of the clock, like the shared counter in PostgreSQL."""

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self.hits: dict[tuple[str, int], int] = {}
        self._clock = clock

    async def hit(
        self, bucket: str, *, limit: int, window_seconds: int, key_id: UUID | None = None
    ) -> RateDecision:
        now = self._clock().timestamp()
        window = int(now // window_seconds)
        count = self.hits[(bucket, window)] = self.hits.get((bucket, window), 0) + 1
        reset = int((window + 1) * window_seconds - now) or 1
        return RateDecision(allowed=count <= limit, limit=limit, remaining=max(0, limit - count),
                            reset_seconds=reset)


class FakeUnitOfWork:
    """The fake repositories; ``commit()`` only records that it was called."""

    def __init__(
        self, partners: FakePartnerRepository | None = None, reference: FakeReferenceRepository | None = None,
        caller: Caller | None = None,
    ) -> None:
        self.partners = partners or FakePartnerRepository()
        self.reference = reference or FakeReferenceRepository()
        self.systems = FakeSystemRepository()
        self.readiness = FakeReadinessRepository()
        self.plans = FakeActionPlanRepository()
        self.keys = FakeApiKeyRepository()
        self.audit = FakeAuditRepository()
        self.agreements = FakeAgreementRepository()
        self.funding = FakeFundingRepository()
        self.connections = FakeConnectionRepository(self.partners)
        self.labor_market = FakeLaborMarketRepository()
        self.caller = caller or system_caller("tests")
        self.committed = False
        self.commits = 0

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self.committed = True
        self.commits += 1

    async def rollback(self) -> None:
        return None

    @asynccontextmanager
    async def trial(self) -> AsyncIterator[None]:
        """Undo the block's writes to the fake partners and services."""
        partners, services = dict(self.partners.partners), dict(self.partners.services)
        try:
            yield
        finally:
            self.partners.partners, self.partners.services = partners, services


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km, as the PostgreSQL repository computes it."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))
