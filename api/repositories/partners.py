"""Partner and service storage over asyncpg: SQL constants, set-based reads, one mapping per record kind."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from api.domain.errors import DuplicateExternalId
from api.domain.gaps import PartnerFacts, ServiceFacts
from api.domain.partners import (
    Address,
    Contact,
    DeliveryMode,
    ExternalId,
    Jurisdiction,
    Level,
    Partner,
    PartnerIsAMember,
    Service,
    Status,
)
from api.domain.ports import Page, PartnerFilter, ServiceFilter
from api.domain.recruiting import Prospect, RecruitmentNeeds
from api.repositories._keyset import keyset_page
from api.repositories._rows import enum_lookup, stored_constructor

PARTNER_COLUMNS = """
  p.id, p.name, p.partner_type, p.level, p.state, p.local_area, p.description, p.regions_served,
  p.populations_served, p.capacity, p.funding_streams, p.contacts, p.address, p.latitude, p.longitude,
  p.website, p.email, p.phone, p.location_name, p.assets, p.limitations, p.status, p.version, p.created_at,
  p.updated_at, p.industries,
  coalesce((SELECT jsonb_agg(jsonb_build_object('source', e.source, 'id', e.external_id) ORDER BY e.source)
            FROM partner_external_ids e WHERE e.partner_id = p.id), '[]') AS external_ids
"""
SERVICE_COLUMNS = """
  s.id, s.partner_id, s.name, s.description, s.category, s.populations, s.regions, s.delivery_mode,
  s.capacity, s.funding_streams, s.program_cip, s.occupations, s.credential, s.status, s.version,
  s.created_at, s.updated_at,
  coalesce((SELECT jsonb_agg(jsonb_build_object('source', e.source, 'id', e.external_id) ORDER BY e.source)
            FROM service_external_ids e WHERE e.service_id = s.id), '[]') AS external_ids
"""
GET_PARTNER = f"SELECT {PARTNER_COLUMNS} FROM partners p WHERE p.id = $1"
GET_PARTNERS = f"SELECT {PARTNER_COLUMNS} FROM partners p WHERE p.id = any($1::uuid[])"
INSERT_PARTNER = """
INSERT INTO partners (id, name, partner_type, level, state, local_area, description, regions_served,
  populations_served, capacity, funding_streams, contacts, address, latitude, longitude, website, assets,
  limitations, status, version, industries, email, phone, location_name)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
  $24)
"""
UPDATE_PARTNER = """
UPDATE partners SET name = $2, partner_type = $3, level = $4, state = $5, local_area = $6, description = $7,
  regions_served = $8, populations_served = $9, capacity = $10, funding_streams = $11, contacts = $12,
  address = $13, latitude = $14, longitude = $15, website = $16, assets = $17, limitations = $18,
  status = $19, version = $20, industries = $21, email = $22, phone = $23, location_name = $24, updated_at = now()
WHERE id = $1 AND version = $25
"""
DELETE_PARTNER = "DELETE FROM partners WHERE id = $1 AND version = $2"
# A retired partner offers no active service: retiring it retires its services, each with its own entry in the
# feed (the services trigger writes them).
RETIRE_SERVICES_OF = """
UPDATE services s SET status = 'retired', version = s.version + 1, updated_at = now()
WHERE s.partner_id = any($1::uuid[]) AND s.status <> 'retired'
"""
DELETE_PARTNER_IDS = "DELETE FROM partner_external_ids WHERE partner_id = $1"
INSERT_PARTNER_IDS = """
INSERT INTO partner_external_ids (partner_id, source, external_id)
SELECT $1, * FROM unnest($2::text[], $3::text[])
"""
SERVICES_OF = f"""
SELECT {SERVICE_COLUMNS} FROM services s WHERE s.partner_id = any($1::uuid[])
ORDER BY s.partner_id, s.name, s.id
"""
# What the gap rules read of each member's partner (``PartnerFacts``): no contacts, address or external ids.
PARTNER_FACTS_OF = """
SELECT p.id, p.name, p.partner_type, p.regions_served, p.populations_served, p.funding_streams, p.status
FROM partners p WHERE p.id = any($1::uuid[])
"""
# What the gap rules read of each service (``ServiceFacts``), in the order ``SERVICES_OF`` gives: without
# descriptions, external ids and timestamps, which no rule reads, a state system's services cost far less to
# fetch and decode (bench/README.md item 18).
SERVICE_FACTS_OF = """
SELECT s.id, s.partner_id, s.name, s.category, s.populations, s.regions, s.delivery_mode, s.capacity,
  s.funding_streams, s.occupations, s.status
FROM services s WHERE s.partner_id = any($1::uuid[])
ORDER BY s.partner_id, s.name, s.id
"""
GET_SERVICE = f"SELECT {SERVICE_COLUMNS} FROM services s WHERE s.id = $1"
GET_SERVICES = f"SELECT {SERVICE_COLUMNS} FROM services s WHERE s.id = any($1::uuid[])"
INSERT_SERVICE = """
INSERT INTO services (id, partner_id, name, description, category, populations, regions, delivery_mode,
  capacity, funding_streams, program_cip, occupations, credential, status, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
"""
UPDATE_SERVICE = """
UPDATE services SET name = $3, description = $4, category = $5, populations = $6, regions = $7,
  delivery_mode = $8, capacity = $9, funding_streams = $10, program_cip = $11, occupations = $12,
  credential = $13, status = $14, version = $15, updated_at = now()
WHERE id = $1 AND partner_id = $2 AND version = $16
"""
DELETE_SERVICE = "DELETE FROM services WHERE id = $1 AND version = $2"
DELETE_SERVICE_IDS = "DELETE FROM service_external_ids WHERE service_id = $1"
INSERT_SERVICE_IDS = """
INSERT INTO service_external_ids (service_id, source, external_id)
SELECT $1, * FROM unnest($2::text[], $3::text[])
"""
# Great-circle distance in km (haversine); bounded by a lat/lon box first so the index can help.
DISTANCE_SQL = (
    "(2 * 6371.0088 * asin(sqrt(power(sin(radians(p.latitude - {lat}) / 2), 2) + cos(radians({lat})) "
    "* cos(radians(p.latitude)) * power(sin(radians(p.longitude - {lon}) / 2), 2))))"
)
# A search ranks at most this many matches (the first the index gives): see ``_ranked_sql``.
SEARCH_WINDOW = 1_000
RANK_SQL = "ts_rank_cd(p.search, websearch_to_tsquery('english', {q}))::float8"
# Candidates to close a system's gaps (``RecruitmentNeeds``): one bounded query. $1 state, $2 areas, $3 members,
# $4 radius km, $5 types, $6 populations, $7 categories, $8 occupations, $9 limit. The anchor is the members'
# mean position; a partner counts when it serves one of the areas (or is based in one) or lies within the radius
# of it, and when it is of a type, serves a population or offers a service looked for.
#
# How it stays cheap for a state system whose area holds the whole directory (bench/README.md, item 26): where
# and how far is worked out once per partner on a narrow row (``placed``, materialized), those rows are sorted,
# and whether a partner fits is asked in that order, one partner at a time (a service looked for is one probe of
# its services by ``ix_services_partner_id``), until the limit is reached: a lateral subquery with LIMIT is a
# nested loop that keeps the sorted order, so the Limit above it stops the walk. The services' arrays are read
# for the chosen partners only.
RECRUITMENT_POOL = f"""
WITH anchor AS (
  SELECT avg(latitude) AS lat, avg(longitude) AS lon FROM partners
  WHERE id = any($3::uuid[]) AND latitude IS NOT NULL AND longitude IS NOT NULL
), placed AS MATERIALIZED (
  SELECT p.id, p.name, p.partner_type, p.populations_served,
    (p.regions_served && $2::text[] OR p.local_area = any($2::text[])) AS in_area,
    CASE WHEN p.latitude IS NULL OR p.longitude IS NULL OR a.lat IS NULL THEN NULL
      ELSE {DISTANCE_SQL.format(lat="a.lat", lon="a.lon")} END AS distance_km
  FROM partners p CROSS JOIN anchor a
  WHERE p.state = $1 AND p.status = 'active'
    AND NOT EXISTS (SELECT 1 FROM unnest($3::uuid[]) AS m(id) WHERE m.id = p.id)
), ordered AS (
  SELECT c.id, c.name, c.partner_type, c.populations_served, c.in_area, c.distance_km FROM placed c
  WHERE c.in_area OR c.distance_km <= $4::float8
  ORDER BY c.in_area DESC, c.distance_km NULLS LAST, c.name, c.id
  OFFSET 0
), chosen AS (
  SELECT o.id, o.name, o.partner_type, o.in_area, o.distance_km FROM ordered o
  LEFT JOIN LATERAL (
    SELECT true AS offers FROM services s
    WHERE s.partner_id = o.id AND s.status = 'active'
      AND (s.category = any($7::text[]) OR s.populations && $6::text[] OR s.occupations && $8::text[])
    LIMIT 1
  ) f ON true
  WHERE o.partner_type = any($5::text[]) OR o.populations_served && $6::text[] OR f.offers
  LIMIT $9
)
SELECT c.id, c.name, c.partner_type, p.local_area, p.regions_served, p.populations_served, p.capacity,
  array(SELECT DISTINCT s.category FROM services s
        WHERE s.partner_id = c.id AND s.status = 'active' AND s.capacity IS DISTINCT FROM 0) AS categories,
  array(SELECT DISTINCT x FROM services s, unnest(s.populations) x
        WHERE s.partner_id = c.id AND s.status = 'active') AS service_populations,
  array(SELECT DISTINCT x FROM services s, unnest(s.occupations) x
        WHERE s.partner_id = c.id AND s.status = 'active') AS occupations,
  c.distance_km, c.in_area
FROM chosen c JOIN partners p ON p.id = c.id
ORDER BY c.in_area DESC, c.distance_km NULLS LAST, c.name, c.id
"""


# Each names the order its mapper below passes values in; a field added to or moved in the class fails here.
_new_partner = stored_constructor(Partner, (
    "id", "name", "partner_type", "level", "jurisdiction", "description", "regions_served", "populations_served",
    "capacity", "funding_streams", "industries", "contacts", "address", "latitude", "longitude", "website",
    "email", "phone", "location_name", "assets", "limitations", "status", "external_ids", "services", "version",
    "created_at", "updated_at"))
_new_service = stored_constructor(Service, (
    "id", "partner_id", "name", "category", "description", "populations", "regions", "delivery_mode", "capacity",
    "funding_streams", "program_cip", "occupations", "credential", "status", "external_ids", "version",
    "created_at", "updated_at"))
_new_service_facts = stored_constructor(ServiceFacts, (  # the columns of SERVICE_FACTS_OF, in its order
    "id", "partner_id", "name", "category", "populations", "regions", "delivery_mode", "capacity",
    "funding_streams", "occupations", "status"))
_new_partner_facts = stored_constructor(PartnerFacts, (  # the columns of PARTNER_FACTS_OF, in its order
    "id", "name", "partner_type", "regions_served", "populations_served", "funding_streams", "status"))
_new_contact = stored_constructor(Contact, ("name", "title", "email", "phone"))
_new_address = stored_constructor(Address, ("street", "street_2", "city", "state", "postal_code"))
_new_external_id = stored_constructor(ExternalId, ("source", "id"))
_new_jurisdiction = stored_constructor(Jurisdiction, ("state", "local_area"))
_level = enum_lookup(Level)
_status = enum_lookup(Status)
_delivery_mode = enum_lookup(DeliveryMode)


def _ext_ids(raw: Sequence[Mapping[str, str]]) -> tuple[ExternalId, ...]:
    return tuple([_new_external_id(e["source"], e["id"]) for e in raw])


def _contact_of(c: Mapping[str, str | None]) -> Contact:
    return _new_contact(c["name"], c.get("title"), c.get("email"), c.get("phone"))


def _address_of(a: Mapping[str, str | None] | None) -> Address | None:
    if a is None:
        return None
    return _new_address(a.get("street"), a.get("street_2"), a.get("city"), a.get("state"), a.get("postal_code"))


# Both mappings run for every row a listing returns: positional stored constructors, in field order
# (``api/repositories/_rows.py``; tests/repositories/test_rows.py holds them equal to the keyword ones).
def _partner(r: Mapping[str, Any]) -> Partner:
    return _new_partner(
        r["id"], r["name"], r["partner_type"], _level(r["level"]), _new_jurisdiction(r["state"], r["local_area"]),
        r["description"], tuple(r["regions_served"]), tuple(r["populations_served"]), r["capacity"],
        tuple(r["funding_streams"]), tuple(r["industries"]), tuple([_contact_of(c) for c in r["contacts"]]),
        _address_of(r["address"]), r["latitude"], r["longitude"], r["website"], r["email"], r["phone"],
        r["location_name"], r["assets"], r["limitations"], _status(r["status"]), _ext_ids(r["external_ids"]), (),
        r["version"], r["created_at"], r["updated_at"],
    )


def _service(r: Mapping[str, Any]) -> Service:
    return _new_service(
        r["id"], r["partner_id"], r["name"], r["category"], r["description"], tuple(r["populations"]),
        tuple(r["regions"]), _delivery_mode(r["delivery_mode"]), r["capacity"], tuple(r["funding_streams"]),
        r["program_cip"], tuple(r["occupations"]), r["credential"], _status(r["status"]),
        _ext_ids(r["external_ids"]), r["version"], r["created_at"], r["updated_at"],
    )


def _partner_params(p: Partner) -> list[Any]:
    return [
        p.id, p.name, p.partner_type, p.level.value, p.jurisdiction.state, p.jurisdiction.local_area,
        p.description, list(p.regions_served), list(p.populations_served), p.capacity, list(p.funding_streams),
        [_contact(c) for c in p.contacts], address_json(p.address), p.latitude, p.longitude, p.website, p.assets,
        p.limitations, p.status.value, p.version, list(p.industries), p.email, p.phone, p.location_name,
    ]


def _contact(c: Contact) -> dict[str, str | None]:
    return {"name": c.name, "title": c.title, "email": c.email, "phone": c.phone}


def address_json(a: Address | None) -> dict[str, str | None] | None:
    """An address as stored (``street_2`` only when there is one, so older rows compare equal)."""
    if a is None:
        return None
    out = {"street": a.street, "city": a.city, "state": a.state, "postal_code": a.postal_code}
    if a.street_2 is not None:
        out["street_2"] = a.street_2
    return out


def _service_params(s: Service) -> list[Any]:
    return [
        s.id, s.partner_id, s.name, s.description, s.category, list(s.populations), list(s.regions),
        s.delivery_mode.value, s.capacity, list(s.funding_streams), s.program_cip, list(s.occupations),
        s.credential, s.status.value, s.version,
    ]


class _Query:
    """A WHERE clause assembled from a filter, with numbered parameters."""

    def __init__(self) -> None:
        self.where: list[str] = []
        self.params: list[Any] = []
        self.within: str | None = None  # the radius, when the distance bounds the rows (its condition is last)

    def param(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"


def _filter(flt: PartnerFilter) -> tuple[_Query, str | None, str | None]:
    """Translate a filter into SQL conditions; return the query, the rank and the distance expressions."""
    qb = _Query()
    rank = distance = None
    if flt.status is not None:
        qb.where.append(f"p.status = {qb.param(flt.status)}")
    else:
        qb.where.append("p.status <> 'retired'")
    if flt.q:
        q = qb.param(flt.q)
        qb.where.append(f"p.search @@ websearch_to_tsquery('english', {q})")
        rank = RANK_SQL.format(q=q)
    if flt.partner_type:
        qb.where.append(f"p.partner_type = {qb.param(flt.partner_type)}")
    if flt.population:
        qb.where.append(f"p.populations_served @> ARRAY[{qb.param(flt.population)}::text]")
    if flt.region:
        qb.where.append(f"p.regions_served @> ARRAY[{qb.param(flt.region)}::text]")
    if flt.state:
        qb.where.append(f"p.state = {qb.param(flt.state)}")
    if flt.local_area:
        qb.where.append(f"p.local_area = {qb.param(flt.local_area)}")
    if flt.updated_since:
        qb.where.append(f"p.updated_at >= {qb.param(flt.updated_since)}")
    if flt.service_category:
        c = qb.param(flt.service_category)
        qb.where.append(
            "EXISTS (SELECT 1 FROM services s JOIN service_categories sc ON sc.code = s.category "
            f"WHERE s.partner_id = p.id AND s.status <> 'retired' AND (sc.code = {c} OR sc.parent = {c}))"
        )
    if flt.near is not None:
        lat, lon = qb.param(flt.near[0]), qb.param(flt.near[1])
        distance = DISTANCE_SQL.format(lat=f"{lat}::float8", lon=f"{lon}::float8")
        qb.where.append("p.latitude IS NOT NULL")
        if flt.radius_km is not None:
            box = bounding_box(flt.near[0], flt.near[1], flt.radius_km)
            qb.where.append(f"p.latitude BETWEEN {qb.param(box[0])}::float8 AND {qb.param(box[1])}::float8")
            if box[2] is not None and box[3] is not None:
                qb.where.append(f"p.longitude BETWEEN {qb.param(box[2])}::float8 AND {qb.param(box[3])}::float8")
            qb.within = f"{qb.param(flt.radius_km)}::float8"
            qb.where.append(f"{distance} <= {qb.within}")
    return qb, rank, distance


EARTH_RADIUS_KM = 6371.0088


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float | None, float | None]:
    """The latitudes and longitudes every point within ``radius_km`` of (lat, lon) lies between.

    The longitudes are the widest the circle reaches (at a higher latitude than its centre); None when the
    circle holds a pole or crosses the antimeridian, where only the latitudes bound it. A hair wider than exact,
    so that rounding never leaves out a point the exact distance keeps. Both bounds are index ranges on
    ``ix_partners_lat_lon`` (bench/README.md, growth).
    """
    angle = radius_km / EARTH_RADIUS_KM
    pad = 1e-9
    dlat = math.degrees(angle) + pad
    south, north = lat - dlat, lat + dlat
    if south <= -90 or north >= 90 or math.sin(angle) >= math.cos(math.radians(lat)):
        return south, north, None, None
    dlon = math.degrees(math.asin(math.sin(angle) / math.cos(math.radians(lat)))) + pad
    if lon - dlon < -180 or lon + dlon > 180:
        return south, north, None, None
    return south, north, lon - dlon, lon + dlon


# Services of a retired partner are never listed. Unless a condition reads the partner's other columns, that is an
# anti-join on the few retired partners (``ix_partners_retired``) instead of a join to every service's partner:
# a numbered page and its count then read only the services' index (bench/README.md, growth).
NOT_OF_RETIRED = ("NOT EXISTS (SELECT 1 FROM partners r WHERE r.id = s.partner_id AND r.status = 'retired')")


def _service_filter(flt: ServiceFilter) -> tuple[_Query, str]:
    """Translate a service filter into SQL conditions; return them and the FROM clause they are over
    (``services s``, joined to ``partners p`` when a condition reads the partner)."""
    qb = _Query()
    joined = bool(flt.partner_types is not None or flt.located or flt.postal_code or flt.q
                  or flt.updated_since is not None)
    qb.where.append("p.status <> 'retired'" if joined else NOT_OF_RETIRED)
    if not flt.retired:
        qb.where.append("s.status <> 'retired'")
    if flt.partner_id is not None:
        qb.where.append(f"s.partner_id = {qb.param(flt.partner_id)}")
    if flt.categories is not None:
        qb.where.append(f"s.category = any({qb.param(list(flt.categories))}::text[])")
    if flt.populations is not None:
        qb.where.append(f"s.populations && {qb.param(list(flt.populations))}::text[]")
    if flt.partner_types is not None:
        qb.where.append(f"p.partner_type = any({qb.param(list(flt.partner_types))}::text[])")
    if flt.updated_since is not None:
        qb.where.append(f"greatest(s.updated_at, p.updated_at) >= {qb.param(flt.updated_since)}")
    if flt.located:
        qb.where.append("(p.address IS NOT NULL OR p.latitude IS NOT NULL)")
    if flt.postal_code:
        qb.where.append(f"p.address->>'postal_code' = {qb.param(flt.postal_code)}")
    if flt.q:
        q = qb.param(flt.q)
        qb.where.append(
            f"to_tsvector('english', s.name || ' ' || s.description || ' ' || p.name) "
            f"@@ websearch_to_tsquery('english', {q})"
        )
    return qb, ("services s JOIN partners p ON p.id = s.partner_id" if joined else "services s")


class PgPartnerRepository:
    """Partners and their services, bound to one connection."""

    def __init__(self, conn: asyncpg.Connection, *, search_window: int = SEARCH_WINDOW) -> None:
        self._conn = conn
        self._search_window = int(search_window)

    async def get(self, partner_id: UUID) -> Partner | None:
        row = await self._conn.fetchrow(GET_PARTNER, partner_id)
        return _partner(row) if row else None

    async def get_many(self, partner_ids: Sequence[UUID]) -> dict[UUID, Partner]:
        rows = await self._conn.fetch(GET_PARTNERS, list(partner_ids))
        return {r["id"]: _partner(r) for r in rows}

    async def list_partners(
        self, flt: PartnerFilter, *, limit: int, after: tuple[object, ...] | None, with_total: bool = False,
        offset: int = 0, exact_total_up_to: int | None = None, backward: bool = False,
    ) -> Page[Partner]:
        qb, rank, distance = _filter(flt)
        base_where = list(qb.where)
        n_filter_params = len(qb.params)
        if distance is not None:
            sql = self._nearest_sql(qb, distance, after, limit, offset, backward)
        elif rank is not None:
            sql = self._ranked_sql(qb, rank, after, limit, offset, backward)
        else:
            # By name: a row comparison is a range on ix_partners_name_id (or on the partner type's index),
            # so a page deep into a keyset walk starts where the cursor points instead of filtering every row
            # before it (bench/README.md, growth). Backwards, the same range read from its other end.
            op, order = ("<", "p.name DESC, p.id DESC") if backward else (">", "p.name, p.id")
            cursor = ""
            if after is not None:
                cursor = f" AND (p.name, p.id) {op} ({qb.param(after[0])}::text, {qb.param(after[1])}::uuid)"
            sql = (
                f"SELECT {PARTNER_COLUMNS}, p.name AS sort_key FROM partners p "
                f"WHERE {' AND '.join(qb.where)}{cursor} ORDER BY {order} LIMIT {qb.param(limit + 1)}"
                + (f" OFFSET {qb.param(offset)}" if offset else "")
            )
        rows = await self._conn.fetch(sql, *qb.params)
        page = keyset_page(rows, limit, backward=backward, key=lambda r: (r["sort_key"], str(r["id"])), item=_partner)
        total = None
        if with_total:
            matches = f"FROM partners p WHERE {' AND '.join(base_where)}"
            if rank is not None and distance is None:  # what can be paged through: the ranked window
                matches = f"FROM (SELECT 1 {matches} LIMIT {self._search_window}) w"
            total = await self._total(matches, qb.params[:n_filter_params], up_to=exact_total_up_to,
                                      offset=offset, seen=len(page.items), more=page.next_after is not None,
                                      backward=backward)
        return Page(items=page.items, keys=page.keys, next_after=page.next_after, total=total)

    def _nearest_sql(self, qb: _Query, distance: str, after: tuple[object, ...] | None, limit: int,
                     offset: int, backward: bool = False) -> str:
        """By distance: the page's ids first, from the bounding box's index entries alone (an index-only scan of
        ``ix_partners_lat_lon_status`` working the distance out once a row), then the whole rows of that page."""
        where = qb.where[:-1] if qb.within is not None else qb.where  # the radius is applied to the worked-out key
        outer = [f"sort_key <= {qb.within}"] if qb.within is not None else []
        op, order = ("<", "DESC") if backward else (">", "")  # backwards: the same order read from its end
        if after is not None:
            key, last_id = qb.param(after[0]), qb.param(after[1])
            outer.append(f"(sort_key {op} {key} OR (sort_key = {key} AND id {op} {last_id}::uuid))")
        sql = (
            f"WITH page AS MATERIALIZED (SELECT id, sort_key FROM (SELECT p.id, {distance} AS sort_key "
            f"FROM partners p WHERE {' AND '.join(where)} OFFSET 0) d"
            + (f" WHERE {' AND '.join(outer)}" if outer else "")
            + f" ORDER BY sort_key {order}, id {order} LIMIT {qb.param(limit + 1)}"
            + (f" OFFSET {qb.param(offset)}" if offset else "")
            + f") SELECT {PARTNER_COLUMNS}, page.sort_key FROM page JOIN partners p ON p.id = page.id "
            f"ORDER BY page.sort_key {order}, p.id {order}"
        )
        return sql

    def _ranked_sql(self, qb: _Query, rank: str, after: tuple[object, ...] | None, limit: int,
                    offset: int, backward: bool = False) -> str:
        """By search rank, within the window: the first ``search_window`` matches the GIN index gives (all of
        them, unless the term is very common) are ranked; the page is taken from those, then read whole.

        Ranking every match would cost as much as the matches (a term in one partner's name in ten is a
        tenth of the directory); the window keeps a search's cost flat (bench/README.md, growth). The window
        is the same on every page: the index gives matches in table order, and a sequential scan starts at the
        table's first page (``synchronize_seqscans = off`` on the database, migration 20261207_0025).
        """
        # Backwards, the same order read from its other end: every comparison and direction turned round.
        key_op, id_op, key_order, id_order = (">", "<", "", "DESC") if backward else ("<", ">", "DESC", "")
        cursor = ""
        if after is not None:
            key, last_id = qb.param(after[0]), qb.param(after[1])
            cursor = f"WHERE (sort_key {key_op} {key} OR (sort_key = {key} AND id {id_op} {last_id}::uuid)) "
        sql = (
            f"WITH ranked AS MATERIALIZED (SELECT p.id, {rank} AS sort_key FROM partners p "
            f"WHERE {' AND '.join(qb.where)} LIMIT {self._search_window}), "
            f"page AS MATERIALIZED (SELECT id, sort_key FROM ranked {cursor}ORDER BY sort_key {key_order}, "
            f"id {id_order} LIMIT {qb.param(limit + 1)}" + (f" OFFSET {qb.param(offset)}" if offset else "")
            + f") SELECT {PARTNER_COLUMNS}, page.sort_key FROM page JOIN partners p ON p.id = page.id "
            f"ORDER BY page.sort_key {key_order}, p.id {id_order}"
        )
        return sql

    async def _total(self, matches: str, params: Sequence[Any], *, up_to: int | None, offset: int, seen: int,
                     more: bool, backward: bool = False) -> int:
        """How many rows ``matches`` (``FROM ... WHERE ...``) holds.

        A page that is the last one (and not past the end) knows it without counting. Otherwise the count is
        exact, or with ``up_to`` exact up to that many and above it the planner's estimate, never less than
        the rows this page shows exist: counting a million rows to fill in a page's total would cost more than
        the page (bench/README.md, growth).
        """
        if not more and not backward and (seen or not offset):  # a backward page knows only what precedes it
            return offset + seen
        if up_to is None:
            return int(await self._conn.fetchval(f"SELECT count(*) {matches}", *params))
        counted = int(await self._conn.fetchval(
            f"SELECT count(*) FROM (SELECT 1 {matches} LIMIT {int(up_to) + 1}) c", *params))
        if counted <= up_to:
            return counted
        plan = await self._conn.fetchval(f"EXPLAIN (FORMAT JSON) SELECT 1 {matches}", *params)
        estimate = int((orjson.loads(plan) if isinstance(plan, str | bytes) else plan)[0]["Plan"]["Plan Rows"])
        return max(estimate, counted, offset + seen + (1 if more else 0))

    async def add(self, partner: Partner) -> Partner:
        try:
            await self._conn.execute(INSERT_PARTNER, *_partner_params(partner))
            await self._conn.execute(INSERT_PARTNER_IDS, *_id_params(partner.id, partner.external_ids))
        except asyncpg.UniqueViolationError as exc:
            raise DuplicateExternalId(_duplicate_detail(exc)) from exc
        stored = await self.get(partner.id)
        assert stored is not None
        return stored

    async def update(self, partner: Partner, *, expected_version: int) -> Partner | None:
        try:
            status = await self._conn.execute(UPDATE_PARTNER, *_partner_params(partner), expected_version)
            if status != "UPDATE 1":
                return None
            await self._conn.execute(DELETE_PARTNER_IDS, partner.id)
            await self._conn.execute(INSERT_PARTNER_IDS, *_id_params(partner.id, partner.external_ids))
        except asyncpg.UniqueViolationError as exc:
            raise DuplicateExternalId(_duplicate_detail(exc)) from exc
        return await self.get(partner.id)

    async def retire_services(self, partner_id: UUID) -> int:
        return await retire_services_of(self._conn, [partner_id])

    async def delete(self, partner_id: UUID, *, version: int) -> bool:
        try:
            return await self._conn.execute(DELETE_PARTNER, partner_id, version) == "DELETE 1"
        except (asyncpg.ForeignKeyViolationError, asyncpg.RestrictViolationError) as exc:
            if exc.table_name == "system_members":
                raise PartnerIsAMember(
                    f"partner {partner_id} is a member of a career pathways system; remove it from the system first"
                ) from exc
            raise PartnerIsAMember(
                f"partner {partner_id} answered readiness rounds or owns action items of a career pathways system; "
                "retire it (status) instead of deleting it"
            ) from exc

    async def services_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, list[Service]]:
        rows = await self._conn.fetch(SERVICES_OF, list(partner_ids))
        out: dict[UUID, list[Service]] = {pid: [] for pid in partner_ids}
        for r in rows:
            out[r["partner_id"]].append(_service(r))
        return out

    async def recruitment_pool(self, needs: RecruitmentNeeds) -> list[Prospect]:
        if needs.empty:
            return []
        rows = await self._conn.fetch(
            RECRUITMENT_POOL, needs.state, list(needs.areas), list(needs.members), needs.near_km,
            list(needs.partner_types), list(needs.populations), list(needs.categories), list(needs.occupations),
            needs.limit)
        return [Prospect(id=r["id"], name=r["name"], partner_type=r["partner_type"], local_area=r["local_area"],
                         regions_served=tuple(r["regions_served"]), populations_served=tuple(r["populations_served"]),
                         capacity=r["capacity"], categories=tuple(sorted(r["categories"])),
                         service_populations=tuple(sorted(r["service_populations"])),
                         occupations=tuple(sorted(r["occupations"])), distance_km=r["distance_km"],
                         in_area=r["in_area"])
                for r in rows]

    async def partner_facts_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, PartnerFacts]:
        rows = await self._conn.fetch(PARTNER_FACTS_OF, list(partner_ids))
        make, status = _new_partner_facts, _status
        return {pid: make(pid, name, partner_type, tuple(regions), tuple(populations), tuple(streams), status(state))
                for pid, name, partner_type, regions, populations, streams, state in rows}

    async def service_facts_of(self, partner_ids: Sequence[UUID]) -> dict[UUID, list[ServiceFacts]]:
        rows = await self._conn.fetch(SERVICE_FACTS_OF, list(partner_ids))
        out: dict[UUID, list[ServiceFacts]] = {pid: [] for pid in partner_ids}
        make, mode, status = _new_service_facts, _delivery_mode, _status
        partner: object = None
        found: list[ServiceFacts] = []
        # Unpacking a record costs less than indexing it eleven times (bench/README.md item 18). Rows
        # come grouped by partner: its services share one partner id object, whose hash is then worked out
        # once for every rule that looks a service's partner up, and its list is found once.
        for sid, pid, name, category, populations, regions, delivery, capacity, streams, occupations, state in rows:
            if pid != partner:
                partner, found = pid, out[pid]
            found.append(make(sid, partner, name, category, tuple(populations), tuple(regions), mode(delivery),
                              capacity, tuple(streams), tuple(occupations), status(state)))
        return out

    async def get_service(self, service_id: UUID) -> Service | None:
        row = await self._conn.fetchrow(GET_SERVICE, service_id)
        return _service(row) if row else None

    async def get_services(self, service_ids: Sequence[UUID]) -> dict[UUID, Service]:
        rows = await self._conn.fetch(GET_SERVICES, list(service_ids))
        return {r["id"]: _service(r) for r in rows}

    async def list_services(
        self, flt: ServiceFilter, *, limit: int, after: tuple[object, ...] | None = None, offset: int = 0,
        with_total: bool = False, exact_total_up_to: int | None = None,
    ) -> Page[Service]:
        # Ordered by id: the primary key index serves the order, the keyset (``after``) and a bounded OFFSET.
        qb, source = _service_filter(flt)
        base_where, n_filter_params = list(qb.where), len(qb.params)
        if after is not None:
            qb.where.append(f"s.id > {qb.param(after[0])}::uuid")
        if offset:
            # The rows skipped are only counted: their ids first (with the partner's status), then the page's
            # whole rows, so a numbered page deep into the list does not read every row before it in full.
            sql = (
                f"WITH page AS MATERIALIZED (SELECT s.id FROM {source} "
                f"WHERE {' AND '.join(qb.where)} ORDER BY s.id LIMIT {qb.param(limit + 1)} "
                f"OFFSET {qb.param(offset)}) SELECT {SERVICE_COLUMNS} FROM page JOIN services s ON s.id = page.id "
                "ORDER BY s.id"
            )
        else:
            sql = (
                f"SELECT {SERVICE_COLUMNS} FROM {source} "
                f"WHERE {' AND '.join(qb.where)} ORDER BY s.id LIMIT {qb.param(limit + 1)}"
            )
        rows = await self._conn.fetch(sql, *qb.params)
        more, rows = len(rows) > limit, rows[:limit]
        total = None
        if with_total:
            total = await self._total(
                f"FROM {source} WHERE {' AND '.join(base_where)}",
                qb.params[:n_filter_params], up_to=exact_total_up_to, offset=offset, seen=len(rows), more=more)
        keys = [(str(r["id"]),) for r in rows]
        return Page(items=[_service(r) for r in rows], keys=keys, next_after=keys[-1] if more and rows else None,
                    total=total)

    async def add_service(self, service: Service) -> Service:
        try:
            await self._conn.execute(INSERT_SERVICE, *_service_params(service))
            await self._conn.execute(INSERT_SERVICE_IDS, *_id_params(service.id, service.external_ids))
        except asyncpg.UniqueViolationError as exc:
            raise DuplicateExternalId(_duplicate_detail(exc)) from exc
        stored = await self.get_service(service.id)
        assert stored is not None
        return stored

    async def update_service(self, service: Service, *, expected_version: int) -> Service | None:
        try:
            status = await self._conn.execute(UPDATE_SERVICE, *_service_params(service), expected_version)
            if status != "UPDATE 1":
                return None
            await self._conn.execute(DELETE_SERVICE_IDS, service.id)
            await self._conn.execute(INSERT_SERVICE_IDS, *_id_params(service.id, service.external_ids))
        except asyncpg.UniqueViolationError as exc:
            raise DuplicateExternalId(_duplicate_detail(exc)) from exc
        return await self.get_service(service.id)

    async def delete_service(self, service_id: UUID, *, version: int) -> bool:
        return await self._conn.execute(DELETE_SERVICE, service_id, version) == "DELETE 1"



def _id_params(owner: UUID, ids: Sequence[ExternalId]) -> tuple[UUID, list[str], list[str]]:
    return owner, [e.source for e in ids], [e.id for e in ids]


def _duplicate_detail(exc: asyncpg.UniqueViolationError) -> str:
    return f"an external identifier is already used by another record ({exc.detail or exc})"


async def retire_services_of(conn: Any, partner_ids: Sequence[UUID]) -> int:
    """Retire the services of ``partner_ids`` that are not retired yet; return how many."""
    if not partner_ids:
        return 0
    status = await conn.execute(RETIRE_SERVICES_OF, list(partner_ids))
    return int(status.split()[-1])
