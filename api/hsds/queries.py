"""HSDS list parameters and what they mean for the directory: taxonomy ids become conditions on our codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from api.domain.filters import check_text
from api.domain.ports import PartnerFilter, ServiceFilter
from api.hsds import mapping
from api.hsds.mapping import Vocabulary


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


def _aware(moment: datetime | None) -> datetime | None:
    """A timestamp without a zone is read as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _narrow(current: set[str] | None, codes: Sequence[str] | frozenset[str]) -> set[str]:
    return set(codes) if current is None else current & set(codes)


def service_filter(query: HsdsQuery, vocab: Vocabulary, *, located: bool = False) -> ServiceFilter:
    """Translate HSDS parameters into a service filter; taxonomy ids become conditions on our codes."""
    check_text(search={"search": query.search})
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
        taxonomy = mapping.taxonomy_key(query.taxonomy_id)
        if taxonomy == "partner_type":
            partner_types = _narrow(partner_types, vocab.codes("partner_type"))
        elif taxonomy == "population":
            populations = _narrow(populations, vocab.codes("population"))
        elif taxonomy == "function":
            categories = _narrow(categories, frozenset().union(*vocab.function_categories.values()))
        elif taxonomy != "service_category":  # every service has a category
            categories = set()
    return ServiceFilter(
        q=query.search, partner_id=query.organization_id,
        categories=tuple(sorted(categories)) if categories is not None else None,
        populations=tuple(sorted(populations)) if populations is not None else None,
        partner_types=tuple(sorted(partner_types)) if partner_types is not None else None,
        updated_since=_aware(query.modified_after), located=located, postal_code=query.postcode, retired=True,
    )


def partner_filter(query: HsdsQuery) -> PartnerFilter:
    """Translate HSDS parameters into a partner filter."""
    check_text(search={"search": query.search})
    return PartnerFilter(q=query.search, updated_since=_aware(query.modified_after))
