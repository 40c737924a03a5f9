"""HSDS 3.0 (Open Referral): the directory published as HSDS objects, and HSDS datasets read back into records.

Publishing. A partner is an HSDS ``organization`` (external ids become ``organization_identifiers``, contacts
keep their phone, the address and coordinates become its one ``location``); a service is an HSDS ``service``
whose status maps onto the HSDS statuses (retired is ``defunct``); a service is delivered at its partner's
location, which gives one ``service_at_location`` per service of a located partner. Partner types, service
categories (with their parents), populations (CEDS codes in ``code``) and functions are published as four
HSDS taxonomies; records carry their terms as ``attributes``. What HSDS has no term for (level, jurisdiction,
capacity, NAICS, CIP, SOC, ...) travels in one extension object, ``x_pathways``, as HSDS allows for fields beyond
the standard. Every derived object (location, address, contact, phone, attribute, ...) has a deterministic
UUID (uuid5 of our ids), so two exports of the same directory are identical.

Reading. ``records_from_hsds`` turns one HSDS organization, service or service_at_location (nested objects
included, as in the HSDS examples) into partner and service records shaped like the REST create bodies,
keyed by their HSDS id under the source ``hsds:<dataset>``, and lists every field it leaves out and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from api.domain.errors import FieldProblem, InvalidInput
from api.domain.partners import US_STATES, Address, Contact, ExternalId, Level, Partner, Service, Status
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
    return {
        "id": str(derived_id("address", partner.id)), "location_id": str(location_id(partner.id)),
        "address_1": address.street or "", "city": address.city or "", "state_province": address.state or "",
        "postal_code": address.postal_code or "", "country": "US", "address_type": "physical",
    }


def location(partner: Partner, *, full: bool = True) -> dict[str, Any] | None:
    """A partner's address and coordinates as an HSDS location, or None when it has neither."""
    located = partner.latitude is not None and partner.longitude is not None
    if partner.address is None and not located:
        return None
    out: dict[str, Any] = {"id": str(location_id(partner.id)), "location_type": "physical",
                           "organization_id": str(partner.id), "name": partner.name}
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
    if partner.website:
        out["website"] = partner.website
    if full:
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


# --- reading HSDS --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportDefaults:
    """What an HSDS dataset cannot say about a record, supplied by whoever imports it."""

    state: str | None = None
    partner_type: str = "community_based_organization"
    level: Level = Level.LOCAL
    service_category: str = "support_services"


@dataclass(frozen=True, slots=True, kw_only=True)
class Omission:
    """A field of the HSDS input the import leaves out (path relative to the object read), and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportRecord:
    """A directory record read from HSDS: a REST create body keyed by its HSDS id under the dataset's source.

    ``body`` is a ``PartnerCreate`` or ``ServiceCreate`` body; its ``external_ids`` start with the key
    (``source``, ``external_id``). ``id`` is the HSDS id when it is a UUID: give it to a new record so that
    exporting, importing and exporting again yields the same ids.
    """

    kind: Literal["partner", "service"]
    source: str
    external_id: str
    partner_external_id: str | None = None
    id: UUID | None = None
    body: dict[str, Any] = field(default_factory=dict)
    omitted: tuple[Omission, ...] = ()


NOT_MODELLED = "not modelled"
# Relational plumbing of HSDS: ids of nested objects and links back to their parents, regenerated on export.
_STRUCTURAL = frozenset({
    "id", "organization_id", "service_id", "location_id", "contact_id", "service_at_location_id", "link_id",
    "phone_id", "taxonomy_term_id", "program_id", "last_modified",
})
_SOURCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_URL_RE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TERM_URI_RE = re.compile(rf"^{URN}:(partner_type|service_category|population|function):([^:\s]+)$")
_REGION_URI = f"{URN}:region:"


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _long_text(value: Any) -> str:
    """A free-text field kept as written (descriptions), or empty."""
    return value if isinstance(value, str) else ""


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


class _Notes:
    """The omissions of one record, collected while reading."""

    def __init__(self) -> None:
        self.items: list[Omission] = []

    def add(self, path: str, reason: str = NOT_MODELLED) -> None:
        self.items.append(Omission(path=path, reason=reason))

    def rest(self, obj: Mapping[str, Any], path: str, handled: Iterable[str]) -> None:
        """Note every present field of ``obj`` that is neither handled nor structural."""
        skip = _STRUCTURAL | set(handled)
        for key, value in obj.items():
            if key not in skip and _present(value):
                self.add(_at(path, key))


def _term_ref(attribute: Mapping[str, Any], vocab: Vocabulary | None) -> tuple[str, str] | None:
    term = attribute.get("taxonomy_term")
    if isinstance(term, Mapping):
        m = _TERM_URI_RE.match(str(term.get("term_uri") or ""))
        if m:
            return m.group(1), m.group(2)
    if vocab is not None:
        tid = attribute.get("taxonomy_term_id") or (term.get("id") if isinstance(term, Mapping) else None)
        return vocab.ref_by_term_id.get(str(tid)) if tid else None
    return None


def _read_attributes(obj: Mapping[str, Any], path: str, vocab: Vocabulary | None, notes: _Notes,
                     single: str, single_name: str) -> tuple[str | None, list[str]]:
    """Our terms among the attributes: the one code of ``single`` (partner type or category), populations."""
    one: str | None = None
    populations: list[str] = []
    for i, a in enumerate(_items(obj.get("attributes"))):
        where = _at(_at(path, "attributes"), i)
        ref = _term_ref(a, vocab)
        if ref is None:
            notes.add(where, "not modelled: the term is not in the Pathways taxonomies")
        elif ref[0] == "population":
            if ref[1] not in populations:
                populations.append(ref[1])
        elif ref[0] == single and one is None:
            one = ref[1]
        elif ref[0] == single:
            notes.add(where, f"a record has one {single_name}; '{one}' was kept")
        elif ref[0] != "function":  # functions are derived from the category on export
            notes.add(where, f"not modelled: a {ref[0]} term does not apply here")
    return one, populations


def _read_funding(obj: Mapping[str, Any], path: str, notes: _Notes) -> list[str]:
    codes: list[str] = []
    for i, f in enumerate(_items(obj.get("funding"))):
        where = _at(_at(path, "funding"), i)
        source = f.get("source")
        if isinstance(source, str) and _CODE_RE.match(source):
            codes.append(source)
            notes.rest(f, where, ("source",))
        elif _present(f.get("source")):
            notes.add(_at(where, "source"), "not modelled: free-text funding source (funding stream codes only)")
    return codes


def _read_address(a: Mapping[str, Any], path: str, notes: _Notes) -> Address | None:
    street = ", ".join(s for s in (_text(a.get("address_1")), _text(a.get("address_2"))) if s) or None
    state = _text(a.get("state_province"))
    if state is not None and state.upper() not in US_STATES:
        notes.add(_at(path, "state_province"), "not a USPS state code")
        state = None
    postal = _text(a.get("postal_code"))
    if postal is not None and len(postal) > 10:
        notes.add(_at(path, "postal_code"), "longer than 10 characters")
        postal = None
    country = _text(a.get("country"))
    if country is not None and country.upper() not in ("US", "USA"):
        notes.add(_at(path, "country"), "not modelled: the directory holds US addresses")
    notes.rest(a, path, ("address_1", "address_2", "city", "state_province", "postal_code", "country",
                         "address_type"))
    address = Address(street=street, city=_text(a.get("city")), state=state.upper() if state else None,
                      postal_code=postal)
    return None if address == Address() else address


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _coordinates(loc: Mapping[str, Any], path: str, notes: _Notes) -> tuple[float | None, float | None]:
    if loc.get("latitude") is None and loc.get("longitude") is None:
        return None, None
    lat, lon = _number(loc.get("latitude")), _number(loc.get("longitude"))
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        return lat, lon
    notes.add(_at(path, "latitude"), "invalid: latitude and longitude must both be given, within ±90 and ±180")
    return None, None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Place:
    """The location a partner record takes: address, coordinates, and the HSDS location id it came from."""

    address: Address | None = None
    latitude: float | None = None
    longitude: float | None = None
    source_id: str | None = None


def _read_location(loc: Mapping[str, Any], path: str, org_name: str | None, notes: _Notes) -> _Place:
    lat, lon = _coordinates(loc, path, notes)
    address: Address | None = None
    for i, a in enumerate(_items(loc.get("addresses"))):
        where = _at(_at(path, "addresses"), i)
        if address is None and a.get("address_type") in (None, "physical", "postal"):
            address = _read_address(a, where, notes)
        else:
            notes.add(where, "not modelled: a partner has one address")
    name = _text(loc.get("name"))
    if name is not None and name != org_name:
        notes.add(_at(path, "name"))
    notes.rest(loc, path, ("latitude", "longitude", "addresses", "name", "location_type"))
    return _Place(address=address, latitude=lat, longitude=lon, source_id=_text(loc.get("id")))


def _usable(loc: Mapping[str, Any]) -> bool:
    return loc.get("location_type") != "virtual" and (
        _present(loc.get("addresses")) or loc.get("latitude") is not None or loc.get("longitude") is not None
    )


def _read_place(own: Sequence[tuple[Mapping[str, Any], str]], fallback: Sequence[tuple[Mapping[str, Any], str]],
                org_name: str | None, notes: _Notes) -> _Place:
    """The first usable location: the organization's own, else one its services are delivered at."""
    chosen: _Place | None = None
    for loc, path in own:
        if chosen is None and _usable(loc):
            chosen = _read_location(loc, path, org_name, notes)
        else:
            notes.add(path, "not modelled: a partner has one location")
    if chosen is None:  # unused service locations are reported with their service_at_location
        usable = [(loc, path) for loc, path in fallback if _usable(loc)]
        if usable:
            chosen = _read_location(usable[0][0], usable[0][1], org_name, notes)
    return chosen or _Place()


def _read_contacts(obj: Mapping[str, Any], path: str, notes: _Notes) -> list[dict[str, Any]]:
    contacts: list[dict[str, Any]] = []
    for i, c in enumerate(_items(obj.get("contacts"))):
        where = _at(_at(path, "contacts"), i)
        name = _text(c.get("name"))
        if name is None:
            notes.add(where, "a contact needs a name")
            continue
        email = _text(c.get("email"))
        if email is not None and not _EMAIL_RE.match(email):
            notes.add(_at(where, "email"), "not an email address")
            email = None
        phone = None
        for j, ph in enumerate(_items(c.get("phones"))):
            pwhere = _at(_at(where, "phones"), j)
            number = _text(ph.get("number"))
            if phone is None and number is not None and len(number) <= 40:
                phone = number
                notes.rest(ph, pwhere, ("number",))
            else:
                notes.add(pwhere, "not modelled: a contact has one phone number of up to 40 characters")
        title = _text(c.get("title"))
        notes.rest(c, where, ("name", "title", "email", "phones"))
        contacts.append({"name": name[:300], "title": title, "email": email, "phone": phone})
    return contacts


def _source_of(ident: Mapping[str, Any]) -> str | None:
    raw = _text(ident.get("identifier_scheme")) or _text(ident.get("identifier_type"))
    if raw is None:
        return None
    slug = re.sub(r"[^A-Za-z0-9._:-]+", "-", raw).strip("-")[:64]
    return slug if _SOURCE_RE.match(slug) else None


def _read_identifiers(obj: Mapping[str, Any], path: str, key: ExternalId, notes: _Notes) -> list[dict[str, str]]:
    ids = [{"source": key.source, "id": key.id}]
    for i, ident in enumerate(_items(obj.get("organization_identifiers"))):
        where = _at(_at(path, "organization_identifiers"), i)
        source, value = _source_of(ident), _text(ident.get("identifier"))
        if source is None or value is None or len(value) > 200:
            notes.add(where, "an identifier needs a scheme (or type) and a value of up to 200 characters")
        elif any(e["source"] == source for e in ids):
            notes.add(where, f"a record has one identifier per source; '{source}' appears twice")
        else:
            ids.append({"source": source, "id": value})
            notes.rest(ident, where, ("identifier_scheme", "identifier_type", "identifier"))
    return ids


def _extension(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    ext = obj.get(EXTENSION)
    return ext if isinstance(ext, Mapping) else {}


def _key(obj: Mapping[str, Any], path: str, source: str) -> tuple[ExternalId, UUID | None]:
    raw = _text(obj.get("id"))
    if raw is None or len(raw) > 200:
        raise InvalidInput(FieldProblem(_at(path, "id"), "an HSDS object needs an id of up to 200 characters"))
    try:
        as_uuid: UUID | None = UUID(raw)
    except ValueError:
        as_uuid = None
    return ExternalId(source=source, id=raw), as_uuid


def _partner_record(org: Mapping[str, Any], path: str, *, source: str, defaults: ImportDefaults,
                    vocab: Vocabulary | None, fallback: Sequence[tuple[Mapping[str, Any], str]] = ()
                    ) -> tuple[ImportRecord, _Place]:
    notes = _Notes()
    key, as_uuid = _key(org, path, source)
    name = _text(org.get("name"))
    ext = _extension(org)
    website = _text(org.get("website"))
    if website is not None and not _URL_RE.match(website):
        notes.add(_at(path, "website"), "not an http(s) URL")
        website = None
    own = [(loc, _at(_at(path, "locations"), i)) for i, loc in enumerate(_items(org.get("locations")))]
    place = _read_place(own, fallback, name, notes)
    partner_type, populations = _read_attributes(org, path, vocab, notes, "partner_type", "partner type")
    jurisdiction = ext.get("jurisdiction") if isinstance(ext.get("jurisdiction"), Mapping) else None
    state = (jurisdiction or {}).get("state") or (place.address.state if place.address else None) or defaults.state
    body: dict[str, Any] = {
        "name": name or "", "partner_type": partner_type or defaults.partner_type,
        "level": ext.get("level") or defaults.level.value,
    }
    if state:
        body["jurisdiction"] = {"state": state, "local_area": (jurisdiction or {}).get("local_area")}
    body.update(
        description=_long_text(org.get("description")), regions_served=list(ext.get("regions_served") or []),
        populations_served=populations, capacity=ext.get("capacity"),
        funding_streams=_read_funding(org, path, notes), industries=list(ext.get("industries") or []),
        contacts=_read_contacts(org, path, notes),
        address=_address_body(place.address), latitude=place.latitude, longitude=place.longitude,
        website=website, assets=ext.get("assets") or "", limitations=ext.get("limitations") or "",
        status=ext.get("status") or Status.ACTIVE.value,
        external_ids=_read_identifiers(org, path, key, notes),
    )
    notes.rest(org, path, ("name", "description", "website", "locations", "attributes", "funding", "contacts",
                           "organization_identifiers", "services", EXTENSION))
    record = ImportRecord(kind="partner", source=source, external_id=key.id, id=as_uuid, body=body,
                          omitted=tuple(notes.items))
    return record, place


def _address_body(address: Address | None) -> dict[str, str | None] | None:
    if address is None:
        return None
    return {"street": address.street, "city": address.city, "state": address.state,
            "postal_code": address.postal_code}


def _service_record(svc: Mapping[str, Any], path: str, *, source: str, defaults: ImportDefaults,
                    vocab: Vocabulary | None, partner_key: str | None, place: _Place,
                    sals: Sequence[tuple[Mapping[str, Any], str]]) -> ImportRecord:
    notes = _Notes()
    key, as_uuid = _key(svc, path, source)
    if partner_key is None:
        notes.add(_at(path, "organization_id"), "a service needs its organization (organization_id)")
    ext = _extension(svc)
    raw_status = _text(svc.get("status"))
    status = HSDS_TO_STATUS.get(raw_status or "active")
    if status is None:
        notes.add(_at(path, "status"), f"unknown HSDS status '{raw_status}'; imported as active")
    elif raw_status == "temporarily closed":
        notes.add(_at(path, "status"), "'temporarily closed' has no equivalent; imported as inactive")
    category, populations = _read_attributes(svc, path, vocab, notes, "service_category", "category")
    regions: list[str] = []
    for i, area in enumerate(_items(svc.get("service_areas"))):
        uri = str(area.get("uri") or "")
        if uri.startswith(_REGION_URI):
            regions.append(uri.removeprefix(_REGION_URI))
        else:
            notes.add(_at(_at(path, "service_areas"), i), "not modelled: free-text service area (regions only)")
    for sal, where in sals:
        loc = sal.get("location") if isinstance(sal.get("location"), Mapping) else {}
        same = place.source_id is not None and (_text(loc.get("id")) or _text(sal.get("location_id"))) == \
            place.source_id
        if same:
            notes.rest(sal, where, ("location", "service"))
        else:
            notes.add(where, "not modelled: a service is delivered at its organization's location")
    ext_ids = [{"source": key.source, "id": key.id}]
    for e in ext.get("external_ids") or []:
        if isinstance(e, Mapping) and e.get("source") != key.source:
            ext_ids.append({"source": e.get("source"), "id": e.get("id")})
    body: dict[str, Any] = {
        "name": _text(svc.get("name")) or "", "category": category or defaults.service_category,
        "description": _long_text(svc.get("description")), "populations": populations, "regions": regions,
        "delivery_mode": ext.get("delivery_mode") or "in_person", "capacity": ext.get("capacity"),
        "funding_streams": _read_funding(svc, path, notes), "program_cip": ext.get("program_cip"),
        "occupations": list(ext.get("occupations") or []), "credential": ext.get("credential"),
        "status": (status or Status.ACTIVE).value, "external_ids": ext_ids,
    }
    notes.rest(svc, path, ("name", "description", "status", "attributes", "service_areas", "funding",
                           "service_at_locations", "organization", EXTENSION))
    return ImportRecord(kind="service", source=source, external_id=key.id, partner_external_id=partner_key,
                        id=as_uuid, body=body, omitted=tuple(notes.items))


def _sals(svc: Mapping[str, Any], path: str) -> list[tuple[Mapping[str, Any], str]]:
    return [(sal, _at(_at(path, "service_at_locations"), i)) for i, sal in enumerate(_items(svc.get(
        "service_at_locations")))]


def _sal_locations(sals: Sequence[tuple[Mapping[str, Any], str]]) -> list[tuple[Mapping[str, Any], str]]:
    return [(sal["location"], _at(where, "location")) for sal, where in sals if isinstance(sal.get("location"),
                                                                                            Mapping)]


def _from_organization(org: Mapping[str, Any], path: str, **kw: Any) -> list[ImportRecord]:
    services = [(s, _at(_at(path, "services"), i)) for i, s in enumerate(_items(org.get("services")))]
    fallback = [loc for s, where in services for loc in _sal_locations(_sals(s, where))]
    partner, place = _partner_record(org, path, fallback=fallback, **kw)
    records = [partner]
    for s, where in services:
        records.append(_service_record(s, where, partner_key=partner.external_id, place=place,
                                       sals=_sals(s, where), **kw))
    return records


def _from_service(svc: Mapping[str, Any], path: str, sals: Sequence[tuple[Mapping[str, Any], str]],
                  **kw: Any) -> list[ImportRecord]:
    org = svc.get("organization")
    records: list[ImportRecord] = []
    place = _Place()
    partner_key = _text(svc.get("organization_id"))
    if isinstance(org, Mapping):
        partner, place = _partner_record(org, _at(path, "organization"), fallback=_sal_locations(sals), **kw)
        records.append(partner)
        partner_key = partner.external_id
    records.append(_service_record(svc, path, partner_key=partner_key, place=place, sals=sals, **kw))
    return records


HsdsKind = Literal["organization", "service", "service_at_location"]


def kind_of(obj: Mapping[str, Any]) -> HsdsKind | None:
    """Guess which HSDS object ``obj`` is: organization, service or service_at_location (None: none of them)."""
    if isinstance(obj.get("service"), Mapping) or ("location_id" in obj and "service_id" in obj):
        return "service_at_location"
    if any(k in obj for k in ("location_type", "taxonomy_id", "term_uri", "link_entity", "version")):
        return None
    if "status" in obj or isinstance(obj.get("organization"), Mapping) or "organization_id" in obj:
        return "service"
    if "name" in obj:
        return "organization"
    return None


def records_from_hsds(obj: Mapping[str, Any], *, source: str, defaults: ImportDefaults | None = None,
                      vocabulary: Vocabulary | None = None, kind: HsdsKind | None = None) -> list[ImportRecord]:
    """Map one HSDS organization, service or service_at_location (or a Page of them) to directory records.

    ``source`` is the dataset's name; records are keyed under ``hsds:<source>``. Partners come before the
    services that name them. A record's ``omitted`` lists each HSDS field left out (not modelled, or invalid).
    """
    key_source = hsds_source(source)
    if not _SOURCE_RE.match(key_source):
        raise InvalidInput(FieldProblem("source", "must be 1-59 letters, digits, . _ : -"))
    kw: dict[str, Any] = {"source": key_source, "defaults": defaults or ImportDefaults(), "vocab": vocabulary}
    if kind is None and isinstance(obj.get("contents"), list) and "total_items" in obj:
        records: list[ImportRecord] = []
        for i, item in enumerate(_items(obj["contents"])):
            for r in _records(item, _at("contents", i), kind_of(item), kw):
                records.append(r)
        return records
    return _records(obj, "", kind or kind_of(obj), kw)


def _records(obj: Mapping[str, Any], path: str, kind: HsdsKind | None, kw: dict[str, Any]) -> list[ImportRecord]:
    if kind == "organization":
        return _from_organization(obj, path, **kw)
    if kind == "service":
        return _from_service(obj, path, _sals(obj, path), **kw)
    if kind == "service_at_location":
        svc = obj.get("service")
        if not isinstance(svc, Mapping):
            raise InvalidInput(FieldProblem(_at(path, "service"), "a service_at_location is imported through its "
                                                                  "nested service"))
        own = {k: v for k, v in obj.items() if k != "service"}
        return _from_service(svc, _at(path, "service"), [(own, path), *_sals(svc, _at(path, "service"))], **kw)
    raise InvalidInput(FieldProblem(path or "$", "not an HSDS organization, service or service_at_location"))
