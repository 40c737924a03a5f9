"""HSDS 3.0 (Open Referral) publishing: the directory as HSDS objects, and our vocabularies as taxonomies.

A partner is an HSDS ``organization`` (external ids become ``organization_identifiers``, contacts keep their
phone, the address and coordinates become its one ``location``); a service is an HSDS ``service`` whose status
maps onto the HSDS statuses (retired is ``defunct``); a service is delivered at its partner's location, which
gives one ``service_at_location`` per service of a located partner. Partner types, service categories (with
their parents), populations (CEDS codes in ``code``) and functions are published as four HSDS taxonomies;
records carry their terms as ``attributes``. What HSDS has no term for (level, jurisdiction, capacity, NAICS,
CIP, SOC, ...) travels in one extension object, ``x_pathways``, as HSDS allows for fields beyond the standard.
Every derived object (location, address, contact, phone, attribute, ...) has a deterministic UUID (uuid5 of our
ids), so two exports of the same directory are identical.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from api.domain.partners import Address, Contact, ExternalId, Partner, Service, Status
from api.domain.reference import Catalog
from api.domain.systems import Function

HSDS_VERSION = "3.0"
HSDS_OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
EXTENSION = "x_pathways"
NAMESPACE = uuid5(NAMESPACE_URL, "https://pathways.example/hsds")
URN = "urn:pathways"

TaxonomyKey = Literal["partner_type", "service_category", "population", "function"]
TAXONOMIES: Mapping[str, tuple[str, str]] = {
    "partner_type": ("Pathways partner types", "Kinds of organizations that take part in career pathways systems."),
    "service_category": (
        "Pathways service categories",
        "What a service does: career services, training, support services and their subcategories.",
    ),
    "population": (
        "Pathways populations",
        "Populations a partner or service serves; WIOA barriers to employment carry their CEDS code in `code`.",
    ),
    "function": (
        "Career pathways functions",
        "Responsibilities carried in a career pathways system; a service supports the functions of its category.",
    ),
}

STATUS_TO_HSDS: Mapping[Status, str] = {Status.ACTIVE: "active", Status.INACTIVE: "inactive", Status.RETIRED: "defunct"}
HSDS_TO_STATUS: Mapping[str, Status] = {
    "active": Status.ACTIVE, "inactive": Status.INACTIVE, "temporarily closed": Status.INACTIVE,
    "defunct": Status.RETIRED,
}

# service_at_location ids must lead back to their service without storage, so they are the service id with
# fixed bits flipped (an involution); the version and variant bits are left alone so the result is a UUID of
# the same version.
_VERSION_VARIANT_BITS = (0xF << 76) | (0x3 << 62)
_SAL_MASK = uuid5(NAMESPACE, "service_at_location").int & ~_VERSION_VARIANT_BITS


def derived_id(*parts: object) -> UUID:
    """The stable UUID of an object derived from our records (uuid5 of its kind and owner ids)."""
    return uuid5(NAMESPACE, ":".join(str(p) for p in parts))


_TAXONOMY_KEYS = {str(derived_id("taxonomy", key)): key for key in TAXONOMIES}


def taxonomy_id(key: str) -> UUID:
    """The id of one of our taxonomies."""
    return derived_id("taxonomy", key)


def taxonomy_key(ident: UUID | str) -> str | None:
    """Which of our taxonomies an id names, or None."""
    return _TAXONOMY_KEYS.get(str(ident))


def term_id(key: str, code: str) -> UUID:
    """The id of one term (our code) of one of our taxonomies."""
    return derived_id("taxonomy_term", key, code)


def service_at_location_id(service_id: UUID) -> UUID:
    """The id of the service_at_location of a service (at its partner's location)."""
    return UUID(int=service_id.int ^ _SAL_MASK)


def service_id_of(service_at_location: UUID) -> UUID:
    """The service a service_at_location id stands for (the inverse of ``service_at_location_id``)."""
    return UUID(int=service_at_location.int ^ _SAL_MASK)


def location_id(partner_id: UUID) -> UUID:
    """The id of a partner's location."""
    return derived_id("location", partner_id)


def rfc3339(moment: datetime) -> str:
    """A timestamp as RFC 3339 in UTC with a ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def hsds_source(dataset: str) -> str:
    """The external-id source under which the records of an HSDS dataset are keyed."""
    return f"hsds:{dataset}"


# --- vocabularies --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Vocabulary:
    """Our vocabularies as HSDS taxonomies and terms, indexed for the mappings and the filters."""

    taxonomies: tuple[dict[str, Any], ...] = ()
    terms: tuple[dict[str, Any], ...] = ()
    term_by_ref: Mapping[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    ref_by_term_id: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    taxonomy_by_id: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    region_names: Mapping[str, str] = field(default_factory=dict)
    category_descendants: Mapping[str, frozenset[str]] = field(default_factory=dict)
    function_categories: Mapping[str, frozenset[str]] = field(default_factory=dict)
    category_functions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def term(self, key: str, code: str) -> dict[str, Any] | None:
        """The HSDS term of one of our codes, or None when the vocabulary does not know it."""
        return self.term_by_ref.get((key, code))

    def codes(self, key: str) -> tuple[str, ...]:
        """Every code of one taxonomy."""
        return tuple(code for (k, code) in self.term_by_ref if k == key)


def taxonomy(key: str) -> dict[str, Any]:
    """One of our taxonomies as an HSDS taxonomy."""
    name, description = TAXONOMIES[key]
    return {"id": str(taxonomy_id(key)), "name": name, "description": description, "uri": f"{URN}:taxonomy:{key}"}


def _term(key: str, code: str, name: str, description: str, *, hsds_code: str | None, parent: str | None,
          detail: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(term_id(key, code))}
    if hsds_code:
        out["code"] = hsds_code
    out.update(name=name, description=description or name)
    if parent:
        out["parent_id"] = str(term_id(key, parent))
    out.update(taxonomy=detail["uri"], taxonomy_detail=detail, language="en", taxonomy_id=detail["id"],
               term_uri=f"{URN}:{key}:{code}")
    return out


def _closure(children: Mapping[str, Sequence[str]], code: str) -> frozenset[str]:
    seen, todo = {code}, [code]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return frozenset(seen)


def vocabulary(catalog: Catalog, functions: Mapping[str, Function] | None = None) -> Vocabulary:
    """Index the catalog and the functions as HSDS taxonomies and terms."""
    functions = functions or {}
    details = {key: taxonomy(key) for key in TAXONOMIES}
    by_ref: dict[tuple[str, str], dict[str, Any]] = {}
    for t in sorted(catalog.partner_types.values(), key=lambda t: t.code):
        by_ref["partner_type", t.code] = _term("partner_type", t.code, t.name, t.description, hsds_code=t.code,
                                               parent=None, detail=details["partner_type"])
    for c in sorted(catalog.service_categories.values(), key=lambda c: c.code):
        parent = c.parent if c.parent in catalog.service_categories else None
        by_ref["service_category", c.code] = _term("service_category", c.code, c.name, c.description,
                                                   hsds_code=c.code, parent=parent,
                                                   detail=details["service_category"])
    for p in sorted(catalog.populations.values(), key=lambda p: p.code):
        by_ref["population", p.code] = _term("population", p.code, p.name, p.description, hsds_code=p.ceds_code,
                                             parent=None, detail=details["population"])
    for f in sorted(functions.values(), key=lambda f: f.code):
        by_ref["function", f.code] = _term("function", f.code, f.name, f.description, hsds_code=f.code,
                                           parent=None, detail=details["function"])
    children: dict[str, list[str]] = {}
    for c in catalog.service_categories.values():
        if c.parent:
            children.setdefault(c.parent, []).append(c.code)
    descendants = {code: _closure(children, code) for code in catalog.service_categories}
    function_categories = {
        f.code: frozenset().union(*(descendants.get(c, frozenset({c})) for c in f.service_categories))
        for f in functions.values()
    }
    category_functions = {
        code: tuple(sorted(f for f, cats in function_categories.items() if code in cats))
        for code in catalog.service_categories
    }
    return Vocabulary(
        taxonomies=tuple(details.values()), terms=tuple(by_ref.values()), term_by_ref=by_ref,
        ref_by_term_id={t["id"]: ref for ref, t in by_ref.items()},
        taxonomy_by_id={d["id"]: d for d in details.values()},
        region_names={r.code: r.name for r in catalog.regions.values()},
        category_descendants=descendants, function_categories=function_categories,
        category_functions=category_functions,
    )


# --- publishing ----------------------------------------------------------------------------------------------


def about(*, profile: str, openapi_url: str) -> dict[str, str]:
    """The body of ``GET /hsds/``."""
    return {"version": HSDS_VERSION, "profile": profile, "openapi_url": openapi_url}


def page_envelope(contents: list[dict[str, Any]], *, total_items: int, page: int, per_page: int) -> dict[str, Any]:
    """The HSDS ``Page`` envelope around one page of ``contents`` (``size`` counts the objects on this page)."""
    total_pages = -(-total_items // per_page)
    return {
        "total_items": total_items, "total_pages": total_pages, "page_number": page, "size": len(contents),
        "first_page": page == 1, "last_page": page >= total_pages, "empty": not contents, "contents": contents,
    }


def paginate(items: Sequence[dict[str, Any]], *, page: int, per_page: int) -> dict[str, Any]:
    """One page of an in-memory list, in the HSDS envelope."""
    start = (page - 1) * per_page
    return page_envelope(list(items[start:start + per_page]), total_items=len(items), page=page, per_page=per_page)


def _attribute(vocab: Vocabulary, entity: str, link_id: UUID, key: str, code: str) -> dict[str, Any] | None:
    term = vocab.term(key, code)
    if term is None:
        return None
    return {
        "id": str(derived_id("attribute", entity, link_id, key, code)), "link_id": str(link_id),
        "link_type": key, "link_entity": entity, "taxonomy_term_id": term["id"], "taxonomy_term": term,
    }


def _attributes(vocab: Vocabulary, entity: str, link_id: UUID, refs: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    return [a for key, code in refs if (a := _attribute(vocab, entity, link_id, key, code)) is not None]


def _address(partner: Partner, address: Address) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(derived_id("address", partner.id)), "location_id": str(location_id(partner.id)),
        "address_1": address.street or "",
    }
    if address.street_2:
        out["address_2"] = address.street_2
    out.update(city=address.city or "", state_province=address.state or "", postal_code=address.postal_code or "",
               country="US", address_type="physical")
    return out


def location(partner: Partner, *, full: bool = True) -> dict[str, Any] | None:
    """A partner's address and coordinates as an HSDS location, or None when it has neither."""
    located = partner.latitude is not None and partner.longitude is not None
    if partner.address is None and not located:
        return None
    out: dict[str, Any] = {"id": str(location_id(partner.id)), "location_type": "physical",
                           "organization_id": str(partner.id), "name": partner.location_name or partner.name}
    if located:
        out["latitude"], out["longitude"] = partner.latitude, partner.longitude
    if full:
        out["addresses"] = [_address(partner, partner.address)] if partner.address is not None else []
    return out


def _contact(partner: Partner, i: int, c: Contact) -> dict[str, Any]:
    cid = derived_id("contact", partner.id, i)
    out: dict[str, Any] = {"id": str(cid), "organization_id": str(partner.id), "name": c.name}
    if c.title:
        out["title"] = c.title
    if c.email:
        out["email"] = c.email
    out["phones"] = [{"id": str(derived_id("phone", partner.id, i)), "contact_id": str(cid), "number": c.phone}] \
        if c.phone else []
    return out


def _published_ids(owner: UUID, ids: Iterable[ExternalId]) -> list[ExternalId]:
    """External ids worth publishing: not the HSDS id an import gave a record that kept that id as its own."""
    return [e for e in ids if not (e.source.startswith("hsds:") and e.id == str(owner))]


def _partner_extension(p: Partner) -> dict[str, Any]:
    return {
        "level": p.level.value,
        "jurisdiction": {"state": p.jurisdiction.state, "local_area": p.jurisdiction.local_area},
        "regions_served": list(p.regions_served), "capacity": p.capacity, "industries": list(p.industries),
        "assets": p.assets,
        "limitations": p.limitations, "status": p.status.value,
    }


def organization(partner: Partner, vocab: Vocabulary, *, full: bool = False,
                 services: Sequence[Service] | None = None, full_services: bool = False) -> dict[str, Any]:
    """A partner as an HSDS organization: one-to-one fields, or fully nested (with ``services`` when given)."""
    pid = str(partner.id)
    out: dict[str, Any] = {"id": pid, "name": partner.name, "description": partner.description}
    if partner.email:
        out["email"] = partner.email
    if partner.website:
        out["website"] = partner.website
    if full:
        out["phones"] = [{"id": str(derived_id("phone", partner.id)), "organization_id": pid,
                          "number": partner.phone}] if partner.phone else []
        loc = location(partner)
        out["contacts"] = [_contact(partner, i, c) for i, c in enumerate(partner.contacts)]
        out["locations"] = [loc] if loc is not None else []
        out["organization_identifiers"] = [
            {"id": str(derived_id("organization_identifier", partner.id, e.source)), "organization_id": pid,
             "identifier_scheme": e.source, "identifier_type": f"{e.source} identifier", "identifier": e.id}
            for e in _published_ids(partner.id, partner.external_ids)
        ]
        out["funding"] = [{"id": str(derived_id("funding", partner.id, code)), "organization_id": pid,
                           "source": code} for code in partner.funding_streams]
        refs = [("partner_type", partner.partner_type), *(("population", c) for c in partner.populations_served)]
        out["attributes"] = _attributes(vocab, "organization", partner.id, refs)
        if services is not None:
            out["services"] = [
                service(s, partner, vocab, full=full_services, nested_organization=None) for s in services
            ]
    out[EXTENSION] = _partner_extension(partner)
    return out


def _service_extension(s: Service) -> dict[str, Any]:
    return {
        "delivery_mode": s.delivery_mode.value, "capacity": s.capacity, "program_cip": s.program_cip,
        "occupations": list(s.occupations), "credential": s.credential,
        "external_ids": [{"source": e.source, "id": e.id} for e in _published_ids(s.id, s.external_ids)],
    }


def last_modified(s: Service, partner: Partner) -> datetime | None:
    """When the service or its organization last changed (HSDS: 'the service, or any related information')."""
    moments = [m for m in (s.updated_at, partner.updated_at) if m is not None]
    return max(moments) if moments else None


def service(s: Service, partner: Partner, vocab: Vocabulary, *, full: bool = False,
            nested_organization: Literal["list", "full"] | None = "list",
            with_locations: bool = True) -> dict[str, Any]:
    """A service as an HSDS service: one-to-one fields (and its organization), or fully nested."""
    sid = str(s.id)
    out: dict[str, Any] = {"id": sid, "organization_id": str(partner.id), "name": s.name,
                           "description": s.description, "status": STATUS_TO_HSDS[s.status]}
    modified = last_modified(s, partner)
    if modified is not None:
        out["last_modified"] = rfc3339(modified)
    if nested_organization is not None:
        out["organization"] = organization(partner, vocab, full=nested_organization == "full")
    if full:
        out["service_areas"] = [
            {"id": str(derived_id("service_area", s.id, code)), "service_id": sid,
             "name": vocab.region_names.get(code, code), "uri": f"{URN}:region:{code}"}
            for code in s.regions
        ]
        if with_locations:
            sal = service_at_location(s, partner, vocab, full=True, nested_service=False)
            out["service_at_locations"] = [sal] if sal is not None else []
        out["funding"] = [{"id": str(derived_id("funding", s.id, code)), "service_id": sid, "source": code}
                          for code in s.funding_streams]
        refs = [("service_category", s.category), *(("population", c) for c in s.populations),
                *(("function", f) for f in vocab.category_functions.get(s.category, ()))]
        out["attributes"] = _attributes(vocab, "service", s.id, refs)
    out[EXTENSION] = _service_extension(s)
    return out


def service_at_location(s: Service, partner: Partner, vocab: Vocabulary, *, full: bool = False,
                        nested_service: bool = True) -> dict[str, Any] | None:
    """A service at its partner's location, or None when the partner has no location."""
    loc = location(partner, full=full)
    if loc is None:
        return None
    out: dict[str, Any] = {"id": str(service_at_location_id(s.id)), "service_id": str(s.id),
                           "location_id": loc["id"], "location": loc}
    if nested_service:
        out["service"] = service(s, partner, vocab, full=full, nested_organization="full" if full else "list",
                                 with_locations=False)
    return out


def matches_search(obj: Mapping[str, Any], search: str | None) -> bool:
    """Whether a taxonomy or term mentions ``search`` (case-insensitive) in its code, name or description."""
    if not search:
        return True
    needle = search.casefold()
    return any(needle in str(obj.get(k) or "").casefold() for k in ("code", "name", "description"))
