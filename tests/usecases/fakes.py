"""In-memory fakes of the ports in api.domain.ports: working implementations, not mocks.

They keep the behaviour the use cases rely on: optimistic versions (an update stores the version
it is given, and only when the stored one is the expected one; otherwise it stores nothing and
returns None), unique external identifiers, the cascade from a
partner to its services, retired partners hidden unless asked for, and keyset paging by (name, id).
Full-text search (``q``) and distance (``near``) are left to the PostgreSQL repository.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from api import reference_data
from api.domain.access import AuditEntry, Caller, system_caller
from api.domain.codes import SocCode
from api.domain.errors import DuplicateExternalId
from api.domain.gaps import PartnerFacts, ServiceFacts
from api.domain.labor_market import Observation, occupation_figures
from api.domain.partners import ExternalId, Partner, Service
from api.domain.ports import Page, PartnerFilter, TitledFigures, TitledObservation
from api.domain.reference import Catalog, PartnerType, Population, Region, ServiceCategory

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
        others = [*self.partners.values(), *self.services.values()]
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
        self, flt: PartnerFilter, *, limit: int, after: tuple[object, ...] | None, with_total: bool = False
    ) -> Page[Partner]:
        if flt.q or flt.near is not None:
            raise NotImplementedError("the fake orders by name only; search and distance need PostgreSQL")
        matching = [p for p in self.partners.values() if _matches(p, flt)]
        matching.sort(key=_name_key)
        rows = [p for p in matching if after is None or _name_key(p) > (after[0], after[1])]
        page, more = rows[:limit], len(rows) > limit
        keys = [_name_key(p) for p in page]
        return Page(
            items=page,
            keys=keys,
            next_after=keys[-1] if more and page else None,
            total=len(matching) if with_total else None,
        )

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

    async def delete(self, partner_id: UUID) -> bool:
        if self.partners.pop(partner_id, None) is None:
            return False
        for sid in [s.id for s in self.services.values() if s.partner_id == partner_id]:
            del self.services[sid]  # ON DELETE CASCADE
        return True

    # --- services -----------------------------------------------------------------------------------

    async def services_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, list[Service]]:
        out: dict[UUID, list[Service]] = {pid: [] for pid in partner_ids}
        for service in sorted(self.services.values(), key=lambda s: (s.name, str(s.id))):
            if service.partner_id in out:
                out[service.partner_id].append(service)
        return out

    async def partner_facts_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, PartnerFacts]:
        return {pid: PartnerFacts.of(p) for pid, p in (await self.get_many(partner_ids)).items()}

    async def service_facts_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, list[ServiceFacts]]:
        services = await self.services_of(partner_ids)
        return {pid: [ServiceFacts.of(s) for s in found] for pid, found in services.items()}

    async def get_service(self, service_id: UUID) -> Service | None:
        return self.services.get(service_id)

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

    async def delete_service(self, service_id: UUID) -> bool:
        return self.services.pop(service_id, None) is not None


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

    async def upsert_region(self, region: Region) -> Region:
        self._catalog.regions[region.code] = region
        return region


class FakeAuditRepository:
    """Keeps audit entries in a list."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    async def record(self, entries: Sequence[AuditEntry]) -> None:
        self.entries.extend(entries)


class FakeLaborMarketRepository:
    """Observations and code titles in memory: the reads the gap analysis and the in-demand listing make."""

    def __init__(self, observations: Sequence[Observation] = (), titles: dict[str, str] | None = None) -> None:
        self.observations = list(observations)
        self.titles = dict(titles or {})

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

        return [(o, self.titles.get(o.code.value)) for o in self.observations if wanted(o)]

    async def occupation_figures(
        self, *, regions: Sequence[str], occupations: Sequence[str] | None
    ) -> list[TitledFigures]:
        rows = await self.observations_for(regions=regions, occupations=occupations, demand_only=True)
        return [(figures, self.titles.get(figures.code.value)) for figures in occupation_figures(o for o, _ in rows)]


class FakeUnitOfWork:
    """The fake repositories; ``commit()`` only records that it was called."""

    def __init__(
        self, partners: FakePartnerRepository | None = None, reference: FakeReferenceRepository | None = None,
        caller: Caller | None = None,
    ) -> None:
        self.partners = partners or FakePartnerRepository()
        self.reference = reference or FakeReferenceRepository()
        self.audit = FakeAuditRepository()
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
