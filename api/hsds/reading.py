"""HSDS 3.0 (Open Referral) datasets read back into directory records.

``records_from_hsds`` turns one HSDS organization, service or service_at_location (nested objects included,
as in the HSDS examples) into partner and service records shaped like the REST create bodies, keyed by their
HSDS id under the source ``hsds:<dataset>``, and lists every field it leaves out and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from api.domain.errors import FieldProblem, InvalidInput
from api.domain.partners import US_STATES, Address, ExternalId, Level, Status
from api.hsds.mapping import EXTENSION, HSDS_TO_STATUS, URN, Vocabulary, hsds_source


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
    address = Address(street=_text(a.get("address_1")), street_2=_text(a.get("address_2")),
                      city=_text(a.get("city")), state=state.upper() if state else None, postal_code=postal)
    return None if address == Address() else address


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _coordinates(loc: Mapping[str, Any], path: str, notes: _Notes) -> tuple[float | None, float | None]:
    if loc.get("latitude") is None and loc.get("longitude") is None:
        return None, None
    lat, lon = _number(loc.get("latitude")), _number(loc.get("longitude"))
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        return lat, lon
    for name in ("latitude", "longitude"):  # a coordinate without its pair is lost with it
        if name in loc:
            notes.add(_at(path, name), "invalid: latitude and longitude must both be given, within ±90 and ±180")
    return None, None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Place:
    """The location a partner record takes: address, coordinates, and the HSDS location id it came from."""

    address: Address | None = None
    latitude: float | None = None
    longitude: float | None = None
    source_id: str | None = None
    name: str | None = None


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
    if name is not None and address is None and lat is None:
        notes.add(_at(path, "name"), "not kept: a location is published with an address or valid coordinates")
        name = None
    notes.rest(loc, path, ("latitude", "longitude", "addresses", "name", "location_type"))
    return _Place(address=address, latitude=lat, longitude=lon, source_id=_text(loc.get("id")),
                  name=name if name != org_name else None)


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


NOT_SYNCED = ("not kept: an import keys a record by its HSDS id under its own source only (a source may not "
              "claim another scheme's identifiers)")


def _read_identifiers(obj: Mapping[str, Any], path: str, key: ExternalId, notes: _Notes, *,
                      keep: bool = True) -> list[dict[str, str]]:
    ids = [{"source": key.source, "id": key.id}]
    for i, ident in enumerate(_items(obj.get("organization_identifiers"))):
        where = _at(_at(path, "organization_identifiers"), i)
        source, value = _source_of(ident), _text(ident.get("identifier"))
        if source is None or value is None or len(value) > 200:
            notes.add(where, "an identifier needs a scheme (or type) and a value of up to 200 characters")
        elif any(e["source"] == source for e in ids):
            notes.add(where, f"a record has one identifier per source; '{source}' appears twice")
        elif not keep:
            notes.add(where, NOT_SYNCED)
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
                    vocab: Vocabulary | None, fallback: Sequence[tuple[Mapping[str, Any], str]] = (),
                    keep_identifiers: bool = True) -> tuple[ImportRecord, _Place]:
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
        website=website, email=_read_email(org, path, notes), phone=_read_phone(org, path, notes),
        location_name=place.name, assets=ext.get("assets") or "", limitations=ext.get("limitations") or "",
        status=ext.get("status") or Status.ACTIVE.value,
        external_ids=_read_identifiers(org, path, key, notes, keep=keep_identifiers),
    )
    notes.rest(org, path, ("name", "description", "website", "email", "phones", "locations", "attributes",
                           "funding", "contacts", "organization_identifiers", "services", EXTENSION))
    record = ImportRecord(kind="partner", source=source, external_id=key.id, id=as_uuid, body=body,
                          omitted=tuple(notes.items))
    return record, place


def _address_body(address: Address | None) -> dict[str, str | None] | None:
    if address is None:
        return None
    return {"street": address.street, "street_2": address.street_2, "city": address.city, "state": address.state,
            "postal_code": address.postal_code}


def _read_email(obj: Mapping[str, Any], path: str, notes: _Notes) -> str | None:
    email = _text(obj.get("email"))
    if email is not None and not _EMAIL_RE.match(email):
        notes.add(_at(path, "email"), "not an email address")
        return None
    return email


def _read_phone(obj: Mapping[str, Any], path: str, notes: _Notes) -> str | None:
    """The first phone number of an organization (its main one); the others are noted."""
    phone = None
    for j, ph in enumerate(_items(obj.get("phones"))):
        where = _at(_at(path, "phones"), j)
        number = _text(ph.get("number"))
        if phone is None and number is not None and len(number) <= 40:
            phone = number
            notes.rest(ph, where, ("number",))
        else:
            notes.add(where, "not modelled: an organization has one phone number of up to 40 characters")
    return phone


def _service_record(svc: Mapping[str, Any], path: str, *, source: str, defaults: ImportDefaults,
                    vocab: Vocabulary | None, partner_key: str | None, place: _Place,
                    sals: Sequence[tuple[Mapping[str, Any], str]], keep_identifiers: bool = True) -> ImportRecord:
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
        found = sal.get("location")
        loc: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        same = place.source_id is not None and (_text(loc.get("id")) or _text(sal.get("location_id"))) == \
            place.source_id
        if same:
            notes.rest(sal, where, ("location", "service"))
        else:
            notes.add(where, "not modelled: a service is delivered at its organization's location")
    ext_ids: list[dict[str, Any]] = [{"source": key.source, "id": key.id}]
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
                      vocabulary: Vocabulary | None = None, kind: HsdsKind | None = None,
                      keep_identifiers: bool = True) -> list[ImportRecord]:
    """Map one HSDS organization, service or service_at_location (or a Page of them) to directory records.

    ``source`` is the dataset's name; records are keyed under ``hsds:<source>``. Partners come before the
    services that name them. A record's ``omitted`` lists each HSDS field left out (not modelled, or invalid).
    """
    key_source = hsds_source(source)
    if not _SOURCE_RE.match(key_source):
        raise InvalidInput(FieldProblem("source", "must be 1-59 letters, digits, . _ : -"))
    kw: dict[str, Any] = {"source": key_source, "defaults": defaults or ImportDefaults(), "vocab": vocabulary,
                          "keep_identifiers": keep_identifiers}
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
