"""HSDS documents assembled from what the publishing use cases return: pages, single objects, taxonomies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from api.domain.errors import NotFound
from api.domain.filters import check_text
from api.domain.partners import Partner, Service
from api.hsds import mapping
from api.hsds.mapping import Vocabulary
from api.hsds.queries import HsdsQuery, TermQuery
from api.usecases.publishing import PartnerPage, ServicePage, Vocabularies


def vocabulary(found: Vocabularies) -> Vocabulary:
    """Our vocabularies indexed as HSDS taxonomies and terms."""
    return mapping.vocabulary(found.catalog, found.functions)


def services(page: ServicePage, vocab: Vocabulary, *, full: bool) -> list[dict[str, Any]]:
    """The services of a page as HSDS services (fully nested with ``full``)."""
    # A partner deleted between the two reads takes its services with it.
    return [mapping.service(s, page.partners[s.partner_id], vocab, full=full,
                            nested_organization="full" if full else "list")
            for s in page.services if s.partner_id in page.partners]


def service_at_locations(page: ServicePage, vocab: Vocabulary, *, full: bool) -> list[dict[str, Any]]:
    """The services of a page at their partner's location (services of partners without one are left out)."""
    out = []
    for s in page.services:
        partner = page.partners.get(s.partner_id)
        sal = mapping.service_at_location(s, partner, vocab, full=full) if partner is not None else None
        if sal is not None:
            out.append(sal)
    return out


def organizations(page: PartnerPage, vocab: Vocabulary, query: HsdsQuery) -> list[dict[str, Any]]:
    """The partners of a page as HSDS organizations (fully nested with ``full`` or ``full_service``)."""
    full = query.full or query.full_service
    return [mapping.organization(p, vocab, full=full, services=page.services.get(p.id, []) if full else None,
                                 full_services=query.full_service) for p in page.partners]


def service(found: tuple[Service, Partner], vocab: Vocabulary) -> dict[str, Any]:
    """One fully nested service."""
    s, partner = found
    return mapping.service(s, partner, vocab, full=True, nested_organization="full")


def service_at_location(found: tuple[Service, Partner], vocab: Vocabulary, ident: UUID) -> dict[str, Any]:
    """One fully nested service_at_location; a service of a partner without a location has none."""
    s, partner = found
    sal = mapping.service_at_location(s, partner, vocab, full=True)
    if sal is None:
        raise NotFound("service_at_location", ident)
    return sal


def organization(found: tuple[Partner, Iterable[Service]], vocab: Vocabulary, *, full_service: bool
                 ) -> dict[str, Any]:
    """One fully nested organization with its services (fully nested with ``full_service``)."""
    partner, its_services = found
    return mapping.organization(partner, vocab, full=True, services=list(its_services), full_services=full_service)


def taxonomies(search: str | None) -> list[dict[str, Any]]:
    """Our taxonomies matching ``search``."""
    check_text(search={"search": search})
    return [t for t in (mapping.taxonomy(key) for key in mapping.TAXONOMIES) if mapping.matches_search(t, search)]


def taxonomy(ident: UUID) -> dict[str, Any]:
    """One of our taxonomies."""
    key = mapping.taxonomy_key(ident)
    if key is None:
        raise NotFound("taxonomy", ident)
    return mapping.taxonomy(key)


def taxonomy_terms(vocab: Vocabulary, query: TermQuery) -> list[dict[str, Any]]:
    """The terms of our taxonomies matching the query, by taxonomy then code."""
    check_text(search={"search": query.search})
    taxonomy_id = str(query.taxonomy_id) if query.taxonomy_id is not None else None
    parent = str(query.parent_id) if query.parent_id is not None else None
    return [
        t for t in vocab.terms
        if (taxonomy_id is None or t["taxonomy_id"] == taxonomy_id) and (parent is None or t.get("parent_id") == parent)
        and not (query.top_only and "parent_id" in t) and mapping.matches_search(t, query.search)
    ]


def taxonomy_term(vocab: Vocabulary, ident: UUID) -> dict[str, Any]:
    """One term of our taxonomies."""
    ref = vocab.ref_by_term_id.get(str(ident))
    term = vocab.term(*ref) if ref is not None else None
    if term is None:
        raise NotFound("taxonomy_term", ident)
    return term
