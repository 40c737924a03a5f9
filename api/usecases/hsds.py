"""Use cases of the HSDS 3.0 API: the directory read as HSDS pages, single objects and NDJSON streams.

Paging. HSDS pages by number (``page``, ``per_page``), which needs random access, so a page is read with a
bounded ``OFFSET``: ``per_page`` is at most 500, both orders have an index (partners by name, services by
id) and a directory holds tens of thousands of records, so skipping rows costs an index walk of that size
at worst. Clients that want everything use ``format=ndjson``, which streams keyset batches (no OFFSET), or
the change feed. Each list also reads its total (one ``count(*)`` with the same conditions) for the envelope.
Every page costs a fixed number of queries: the vocabularies, the page, its total, and the partners or
services of the page in one read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from api.domain import hsds
from api.domain.errors import InvalidInput, NotFound
from api.domain.partners import Partner, Service
from api.domain.ports import PartnerFilter, ServiceFilter, UnitOfWork
from api.domain.sync import LineError
from api.usecases import policy

STREAM_BATCH = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class HsdsQuery:
    """The HSDS list parameters of services, organizations and service_at_locations (None: no condition)."""

    search: str | None = None
    taxonomy_term_id: UUID | None = None
    taxonomy_id: UUID | None = None
    organization_id: UUID | None = None
    modified_after: datetime | None = None
    postcode: str | None = None
    full: bool = False
    full_service: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TermQuery:
    """The HSDS list parameters of taxonomy terms."""

    search: str | None = None
    taxonomy_id: UUID | None = None
    parent_id: UUID | None = None
    top_only: bool = False


async def _vocabulary(uow: UnitOfWork) -> hsds.Vocabulary:
    catalog = await uow.reference.catalog()
    roles = await uow.systems.role_catalog()
    return hsds.vocabulary(catalog, roles.functions)


def _aware(moment: datetime | None) -> datetime | None:
    """A timestamp without a zone is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _offset(page: int, per_page: int) -> int:
    return (page - 1) * per_page


def _narrow(current: set[str] | None, codes: Sequence[str] | frozenset[str]) -> set[str]:
    return set(codes) if current is None else current & set(codes)


def service_filter(query: HsdsQuery, vocab: hsds.Vocabulary, *, located: bool = False) -> ServiceFilter:
    """Translate HSDS parameters into a service filter; taxonomy ids become conditions on our codes."""
    categories: set[str] | None = None
    populations: set[str] | None = None
    partner_types: set[str] | None = None
    if query.taxonomy_term_id is not None:
        ref = vocab.ref_by_term_id.get(str(query.taxonomy_term_id))
        key, code = ref if ref is not None else ("", "")
        if key == "service_category":
            categories = _narrow(categories, vocab.category_descendants.get(code, frozenset({code})))
        elif key == "population":
            populations = _narrow(populations, [code])
        elif key == "partner_type":
            partner_types = _narrow(partner_types, [code])
        elif key == "function":
            categories = _narrow(categories, vocab.function_categories.get(code, frozenset()))
        else:  # a term we do not publish matches nothing
            categories = set()
    if query.taxonomy_id is not None:
        key = hsds.taxonomy_key(query.taxonomy_id)
        if key == "partner_type":
            partner_types = _narrow(partner_types, vocab.codes("partner_type"))
        elif key == "population":
            populations = _narrow(populations, vocab.codes("population"))
        elif key == "function":
            categories = _narrow(categories, frozenset().union(*vocab.function_categories.values()))
        elif key != "service_category":  # every service has a category
            categories = set()
    return ServiceFilter(
        q=query.search, partner_id=query.organization_id,
        categories=tuple(sorted(categories)) if categories is not None else None,
        populations=tuple(sorted(populations)) if populations is not None else None,
        partner_types=tuple(sorted(partner_types)) if partner_types is not None else None,
        updated_since=_aware(query.modified_after), located=located, postal_code=query.postcode, retired=True,
    )


def _partner_filter(query: HsdsQuery) -> PartnerFilter:
    return PartnerFilter(q=query.search, updated_since=_aware(query.modified_after))


async def _partners_of(uow: UnitOfWork, services: Sequence[Service]) -> dict[UUID, Partner]:
    return await uow.partners.get_many(list({s.partner_id for s in services})) if services else {}


def _services(services: Sequence[Service], partners: dict[UUID, Partner], vocab: hsds.Vocabulary,
              full: bool) -> list[dict[str, Any]]:
    # A partner deleted between the two reads takes its services with it.
    return [hsds.service(s, partners[s.partner_id], vocab, full=full, nested_organization="full" if full else "list")
            for s in services if s.partner_id in partners]


def _service_at_locations(services: Sequence[Service], partners: dict[UUID, Partner], vocab: hsds.Vocabulary,
                          full: bool) -> list[dict[str, Any]]:
    out = []
    for s in services:
        partner = partners.get(s.partner_id)
        sal = hsds.service_at_location(s, partner, vocab, full=full) if partner is not None else None
        if sal is not None:
            out.append(sal)
    return out


async def _organizations(uow: UnitOfWork, partners: Sequence[Partner], vocab: hsds.Vocabulary,
                         query: HsdsQuery) -> list[dict[str, Any]]:
    full = query.full or query.full_service
    services = await uow.partners.services_of([p.id for p in partners]) if full and partners else {}
    return [hsds.organization(p, vocab, full=full, services=services.get(p.id, []) if full else None,
                              full_services=query.full_service) for p in partners]


# --- pages ---------------------------------------------------------------------------------------------------


async def list_services(uow: UnitOfWork, *, query: HsdsQuery, page: int, per_page: int) -> dict[str, Any]:
    """One page of services (one-to-one fields and their organization, or fully nested with ``full``)."""
    policy.read_directory(uow)
    vocab = await _vocabulary(uow)
    result = await uow.partners.list_services(service_filter(query, vocab), limit=per_page,
                                              offset=_offset(page, per_page), with_total=True)
    contents = _services(result.items, await _partners_of(uow, result.items), vocab, query.full)
    return hsds.page_envelope(contents, total_items=result.total or 0, page=page, per_page=per_page)


async def list_service_at_locations(uow: UnitOfWork, *, query: HsdsQuery, page: int, per_page: int) -> dict[str, Any]:
    """One page of services at their partner's location (services of partners without a location are absent)."""
    policy.read_directory(uow)
    vocab = await _vocabulary(uow)
    result = await uow.partners.list_services(service_filter(query, vocab, located=True), limit=per_page,
                                              offset=_offset(page, per_page), with_total=True)
    contents = _service_at_locations(result.items, await _partners_of(uow, result.items), vocab, query.full)
    return hsds.page_envelope(contents, total_items=result.total or 0, page=page, per_page=per_page)


async def list_organizations(uow: UnitOfWork, *, query: HsdsQuery, page: int, per_page: int) -> dict[str, Any]:
    """One page of organizations (retired partners are not published), ordered by name or by search rank."""
    policy.read_directory(uow)
    vocab = await _vocabulary(uow)
    result = await uow.partners.list_partners(_partner_filter(query), limit=per_page, after=None, with_total=True,
                                     offset=_offset(page, per_page))
    contents = await _organizations(uow, result.items, vocab, query)
    return hsds.page_envelope(contents, total_items=result.total or 0, page=page, per_page=per_page)


# --- single objects ------------------------------------------------------------------------------------------


async def get_service(uow: UnitOfWork, *, service_id: UUID) -> dict[str, Any]:
    """One fully nested service."""
    policy.read_directory(uow)
    service = await uow.partners.get_service(service_id)
    partner = await uow.partners.get(service.partner_id) if service is not None else None
    if service is None or partner is None:
        raise NotFound("service", service_id)
    return hsds.service(service, partner, await _vocabulary(uow), full=True, nested_organization="full")


async def get_service_at_location(uow: UnitOfWork, *, service_at_location_id: UUID) -> dict[str, Any]:
    """One fully nested service_at_location."""
    policy.read_directory(uow)
    service = await uow.partners.get_service(hsds.service_id_of(service_at_location_id))
    partner = await uow.partners.get(service.partner_id) if service is not None else None
    sal = None
    if service is not None and partner is not None:
        sal = hsds.service_at_location(service, partner, await _vocabulary(uow), full=True)
    if sal is None:
        raise NotFound("service_at_location", service_at_location_id)
    return sal


async def get_organization(uow: UnitOfWork, *, organization_id: UUID, full_service: bool = False) -> dict[str, Any]:
    """One fully nested organization with its services (one-to-one fields, or fully nested)."""
    policy.read_directory(uow)
    partner = await uow.partners.get(organization_id)
    if partner is None:
        raise NotFound("organization", organization_id)
    services = (await uow.partners.services_of([partner.id]))[partner.id]
    return hsds.organization(partner, await _vocabulary(uow), full=True, services=services,
                             full_services=full_service)


# --- taxonomies ----------------------------------------------------------------------------------------------


async def taxonomies(uow: UnitOfWork, *, search: str | None = None) -> list[dict[str, Any]]:
    """Our taxonomies matching ``search``."""
    policy.read_directory(uow)
    return [t for t in (hsds.taxonomy(key) for key in hsds.TAXONOMIES) if hsds.matches_search(t, search)]


async def get_taxonomy(uow: UnitOfWork, *, taxonomy_id: UUID) -> dict[str, Any]:
    """One taxonomy."""
    policy.read_directory(uow)
    key = hsds.taxonomy_key(taxonomy_id)
    if key is None:
        raise NotFound("taxonomy", taxonomy_id)
    return hsds.taxonomy(key)


async def taxonomy_terms(uow: UnitOfWork, *, query: TermQuery) -> list[dict[str, Any]]:
    """The terms of our taxonomies matching the query, by taxonomy then code."""
    policy.read_directory(uow)
    vocab = await _vocabulary(uow)
    taxonomy = str(query.taxonomy_id) if query.taxonomy_id is not None else None
    parent = str(query.parent_id) if query.parent_id is not None else None
    return [
        t for t in vocab.terms
        if (taxonomy is None or t["taxonomy_id"] == taxonomy) and (parent is None or t.get("parent_id") == parent)
        and not (query.top_only and "parent_id" in t) and hsds.matches_search(t, query.search)
    ]


async def get_taxonomy_term(uow: UnitOfWork, *, term_id: UUID) -> dict[str, Any]:
    """One taxonomy term."""
    policy.read_directory(uow)
    vocab = await _vocabulary(uow)
    ref = vocab.ref_by_term_id.get(str(term_id))
    term = vocab.term(*ref) if ref is not None else None
    if term is None:
        raise NotFound("taxonomy_term", term_id)
    return term


# --- streams -------------------------------------------------------------------------------------------------


async def stream_services(uow: UnitOfWork, *, query: HsdsQuery, batch: int | None = None,
                          located: bool = False) -> AsyncIterator[list[dict[str, Any]]]:
    """Every matching service (or service_at_location with ``located``), in keyset batches."""
    policy.read_directory(uow)
    batch = batch or STREAM_BATCH
    vocab = await _vocabulary(uow)
    flt = service_filter(query, vocab, located=located)
    after: tuple[object, ...] | None = None
    while True:
        page = await uow.partners.list_services(flt, limit=batch, after=after)
        partners = await _partners_of(uow, page.items)
        if located:
            yield _service_at_locations(page.items, partners, vocab, query.full)
        else:
            yield _services(page.items, partners, vocab, query.full)
        if page.next_after is None:
            return
        after = page.next_after


async def stream_organizations(uow: UnitOfWork, *, query: HsdsQuery,
                               batch: int | None = None) -> AsyncIterator[list[dict[str, Any]]]:
    """Every matching organization, in keyset batches."""
    policy.read_directory(uow)
    batch = batch or STREAM_BATCH
    vocab = await _vocabulary(uow)
    flt = _partner_filter(query)
    after: tuple[object, ...] | None = None
    while True:
        page = await uow.partners.list_partners(flt, limit=batch, after=after)
        yield await _organizations(uow, page.items, vocab, query)
        if page.next_after is None:
            return
        after = page.next_after


async def import_records(
    uow: UnitOfWork, *, source: str, objects: AsyncIterator[tuple[int, object]],
    defaults: hsds.ImportDefaults | None = None,
) -> AsyncIterator[tuple[int, hsds.ImportRecord | LineError]]:
    """Map a stream of HSDS objects to directory records (partners before their services), line by line."""
    policy.write_directory(uow)
    vocab = await _vocabulary(uow)
    async for line, obj in objects:
        if isinstance(obj, Exception):
            yield line, LineError(line, str(obj))
            continue
        if not isinstance(obj, dict):
            yield line, LineError(line, "each HSDS object must be a JSON object")
            continue
        try:
            for record in hsds.records_from_hsds(obj, source=source, defaults=defaults, vocabulary=vocab):
                yield line, record
        except InvalidInput as exc:
            yield line, LineError(line, exc.detail)
