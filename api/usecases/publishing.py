"""Use cases of publishing the directory in an interchange format (HSDS): numbered pages with totals, single
records with what hangs off them, keyset streams, and the vocabularies the format publishes as taxonomies.

They return domain objects; the transport (``api.hsds``) turns them into HSDS documents.

Paging. HSDS pages by number (``page``, ``per_page``), which needs random access, so a page is read with a
bounded ``OFFSET``: ``per_page`` is at most 500, both orders have an index (partners by name, services by
id) and a directory holds tens of thousands of records, so skipping rows costs an index walk of that size
at worst. Clients that want everything use the streams, which read keyset batches (no OFFSET), or the
change feed. Each page also reads its total (one ``count(*)`` with the same conditions) for the envelope.
Every page costs a fixed number of queries: the page, its total, and the partners or services of the page
in one read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from api.domain.errors import NotFound
from api.domain.partners import Partner, Service
from api.domain.ports import PartnerFilter, ServiceFilter, UnitOfWork
from api.domain.reference import Catalog
from api.domain.systems import Function
from api.usecases import policy

STREAM_BATCH = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class Vocabularies:
    """The reference vocabularies a published directory names its terms from."""

    catalog: Catalog
    functions: Mapping[str, Function]


@dataclass(frozen=True, slots=True, kw_only=True)
class ServicePage:
    """Services in order, each partner they belong to, and (for numbered pages) the total that match."""

    services: Sequence[Service]
    partners: Mapping[UUID, Partner]
    total: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerPage:
    """Partners in order, their services when asked for, and (for numbered pages) the total that match."""

    partners: Sequence[Partner]
    services: Mapping[UUID, Sequence[Service]] = field(default_factory=dict)
    total: int = 0


# A numbered page's total is counted exactly up to this many; above it, it is the database's estimate (never less
# than the page shows exist, and exact on the last page). Counting every service of a national directory for
# every page would cost more than the page (bench/README.md, growth).
EXACT_TOTAL_UP_TO = 10_000


def _offset(page: int, per_page: int) -> int:
    return (page - 1) * per_page


async def vocabularies(uow: UnitOfWork, *, for_import: bool = False) -> Vocabularies:
    """The catalog and the functions (to read a dataset for import with ``for_import``)."""
    if for_import:
        policy.write_directory(uow)
    else:
        policy.read_directory(uow)
    catalog = await uow.reference.catalog()
    roles = await uow.systems.role_catalog()
    return Vocabularies(catalog=catalog, functions=roles.functions)


async def _partners_of(uow: UnitOfWork, services: Sequence[Service]) -> dict[UUID, Partner]:
    return await uow.partners.get_many(list({s.partner_id for s in services})) if services else {}


async def _services_of(uow: UnitOfWork, partners: Sequence[Partner], with_services: bool
                       ) -> dict[UUID, list[Service]]:
    if not (with_services and partners):
        return {}
    return await uow.partners.services_of([p.id for p in partners])


async def service_page(uow: UnitOfWork, *, flt: ServiceFilter, page: int, per_page: int) -> ServicePage:
    """One numbered page of services with their partners and the total."""
    policy.read_directory(uow)
    result = await uow.partners.list_services(flt, limit=per_page, offset=_offset(page, per_page), with_total=True,
                                              exact_total_up_to=EXACT_TOTAL_UP_TO)
    return ServicePage(services=result.items, partners=await _partners_of(uow, result.items),
                       total=result.total or 0)


async def partner_page(uow: UnitOfWork, *, flt: PartnerFilter, page: int, per_page: int,
                       with_services: bool = False) -> PartnerPage:
    """One numbered page of partners (retired ones are not listed), by name or search rank, with the total."""
    policy.read_directory(uow)
    result = await uow.partners.list_partners(flt, limit=per_page, after=None, with_total=True,
                                              offset=_offset(page, per_page), exact_total_up_to=EXACT_TOTAL_UP_TO)
    return PartnerPage(partners=result.items, services=await _services_of(uow, result.items, with_services),
                       total=result.total or 0)


async def service_with_partner(uow: UnitOfWork, *, service_id: UUID, what: str = "service"
                               ) -> tuple[Service, Partner]:
    """One service and its partner (``what`` names the missing record in the error)."""
    policy.read_directory(uow)
    service = await uow.partners.get_service(service_id)
    partner = await uow.partners.get(service.partner_id) if service is not None else None
    if service is None or partner is None:
        raise NotFound(what, service_id)
    return service, partner


async def partner_with_services(uow: UnitOfWork, *, partner_id: UUID, what: str = "partner"
                                ) -> tuple[Partner, list[Service]]:
    """One partner and all its services (``what`` names the missing record in the error)."""
    policy.read_directory(uow)
    partner = await uow.partners.get(partner_id)
    if partner is None:
        raise NotFound(what, partner_id)
    return partner, (await uow.partners.services_of([partner.id]))[partner.id]


async def stream_services(uow: UnitOfWork, *, flt: ServiceFilter, batch: int | None = None
                          ) -> AsyncIterator[ServicePage]:
    """Every matching service with its partner, in keyset batches."""
    policy.read_directory(uow)
    size = batch or STREAM_BATCH
    after: tuple[object, ...] | None = None
    while True:
        found = await uow.partners.list_services(flt, limit=size, after=after)
        yield ServicePage(services=found.items, partners=await _partners_of(uow, found.items))
        if found.next_after is None:
            return
        after = found.next_after


async def stream_partners(uow: UnitOfWork, *, flt: PartnerFilter, with_services: bool = False,
                          batch: int | None = None) -> AsyncIterator[PartnerPage]:
    """Every matching partner (with its services when asked for), in keyset batches."""
    policy.read_directory(uow)
    size = batch or STREAM_BATCH
    after: tuple[object, ...] | None = None
    while True:
        found = await uow.partners.list_partners(flt, limit=size, after=after)
        yield PartnerPage(partners=found.items, services=await _services_of(uow, found.items, with_services))
        if found.next_after is None:
            return
        after = found.next_after


async def may_read(uow: UnitOfWork) -> None:
    """Check that the caller may read the published directory (for what needs no record, e.g. taxonomies)."""
    policy.read_directory(uow)
