"""Every operation, probed across jurisdictions: the probes are built from the route table and the schema.

A world of three local areas (two of Oregon, one of Washington), each with the same records (partners,
services, systems with members, roles, a readiness round, an action plan, an agreement, an allocation,
connections, labour market figures, a key), is built once and restored after every probe that changed
anything. Then, for every REST operation of the live route table and every field of the GraphQL schema:

- declared scope = enforced scope: a key holding exactly the operation's declared scope, in the records'
  own jurisdiction, is let through (never a 401 or 403) and a key holding every other scope is refused;
- no cross-jurisdiction write: a state key and a local-area key aim the operation at another jurisdiction's
  records; a checksum of every table's rows per jurisdiction must not change outside the key's own;
- no cross-jurisdiction read: the answer must not carry another jurisdiction's system-side records (ids or
  names it was not sent), and a record that exists elsewhere must answer exactly as one that does not exist.

A new operation, GraphQL field or table fails here until it has a probe (or a jurisdiction).
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.graphql.ids import encode
from api.graphql.schema import schema as graphql_schema
from api.main import create_app, install_database
from api.repositories.database import Database
from api.repositories.tables import metadata
from api.routers.access_policy import PUBLIC
from api.settings import Settings
from tests.conftest import mint_key

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

AREAS = {"or-a": "OR", "or-b": "OR", "wa-a": "WA"}
NDJSON = "application/x-ndjson"
NON_ADMIN = (Scope.DIRECTORY_READ, Scope.DIRECTORY_WRITE, Scope.SYSTEMS_READ, Scope.SYSTEMS_WRITE, Scope.LMI_WRITE)
IMPLIED_BY = {Scope.DIRECTORY_READ: {Scope.DIRECTORY_WRITE}, Scope.SYSTEMS_READ: {Scope.SYSTEMS_WRITE}}
STREAM = "wioa_title_i_adult"
# The system-side records a key outside their jurisdiction must never learn of (directory records are public).
CONFINED = ("system_id", "second_system_id", "round_id", "goal_id", "item_id", "agreement_id", "allocation_id",
            "assignment_id", "plan_id", "session_id")


# --- which jurisdiction every row belongs to ---------------------------------------------------------------

# Each query yields (jurisdiction, row text) for the rows of one table; "*" is data of the whole deployment,
# which only admin keys may change. Tables that are bookkeeping of requests, not records, are not checked.


def _rows(jurisdiction: str, source: str) -> str:
    """Rows of a table with the jurisdiction they belong to: "STATE/local-area" (or "STATE/")."""
    return f"SELECT {jurisdiction}, t::text FROM {source}"


def _of(state: str, area: str) -> str:
    return f"{state} || '/' || coalesce({area}, '')"


LOCAL_REGION = "CASE WHEN {0}.kind = 'local_area' THEN {0}.code END"
BY_PARTNER = _of("p.state", "p.local_area")
BY_SYSTEM = _of("s.state", "s.local_area")
OWNED_BY = {
    "regions": _rows(_of("t.state", LOCAL_REGION.format("t")), "regions t"),
    "partners": _rows(_of("t.state", "t.local_area"), "partners t"),
    "partner_external_ids": _rows(BY_PARTNER, "partner_external_ids t JOIN partners p ON p.id = t.partner_id"),
    "services": _rows(BY_PARTNER, "services t JOIN partners p ON p.id = t.partner_id"),
    "service_external_ids": _rows(BY_PARTNER, "service_external_ids t JOIN services v ON v.id = t.service_id "
                                              "JOIN partners p ON p.id = v.partner_id"),
    "connections": _rows(BY_PARTNER, "connections t JOIN partners p ON p.id = t.from_partner"),
    "systems": _rows(_of("t.state", "t.local_area"), "systems t"),
    "labor_market_observations": _rows(_of("g.state", LOCAL_REGION.format("g")),
                                       "labor_market_observations t JOIN regions g ON g.code = t.region"),
    # A key's use (last_used_at) is the key's own business: only what it may do is compared.
    "api_keys": f"SELECT coalesce({_of('t.state', 't.local_area')}, '*'), "
                "(t.id, t.name, t.scopes, t.state, t.local_area, t.revoked_at)::text FROM api_keys t",
    "round_responses": _rows(BY_SYSTEM, "round_responses t JOIN rounds o ON o.id = t.round_id "
                                        "JOIN systems s ON s.id = o.system_id"),
    "plan_goals": _rows(BY_SYSTEM, "plan_goals t JOIN action_plans a ON a.id = t.plan_id "
                                   "JOIN systems s ON s.id = a.system_id"),
    "action_items": _rows(BY_SYSTEM, "action_items t JOIN plan_goals g ON g.id = t.goal_id "
                                     "JOIN action_plans a ON a.id = g.plan_id JOIN systems s ON s.id = a.system_id"),
}
for _table in ("system_members", "assignments", "rounds", "action_plans", "agreements", "allocations",
               "staff_sessions"):
    OWNED_BY[_table] = _rows(BY_SYSTEM, f"{_table} t JOIN systems s ON s.id = t.system_id")
for _table in ("agreement_parties", "agreement_assignments"):
    OWNED_BY[_table] = _rows(BY_SYSTEM, f"{_table} t JOIN agreements a ON a.id = t.agreement_id "
                                        "JOIN systems s ON s.id = a.system_id")
SHARED = ("partner_types", "service_categories", "populations", "functions", "usual_functions",
          "reference_documents", "readiness_frameworks", "funding_streams", "code_titles")
OWNED_BY["staff_session_agencies"] = _rows(BY_SYSTEM, "staff_session_agencies t JOIN staff_sessions e ON "
                                                      "e.id = t.session_id JOIN systems s ON s.id = e.system_id")
for _table in SHARED:
    OWNED_BY[_table] = f"SELECT '*', t::text FROM {_table} t"
BOOKKEEPING = ("audit_log", "rate_limits", "idempotency_keys", "changes", "api_key_writes")
CHECKSUMS = " UNION ALL ".join(
    f"SELECT '{table}', j, md5(string_agg(r, '|' ORDER BY r)) FROM ({sql}) AS x(j, r) GROUP BY j"
    for table, sql in sorted(OWNED_BY.items()))


def test_every_table_belongs_to_a_jurisdiction_or_is_declared_shared_or_bookkeeping():
    assert set(metadata.tables) == set(OWNED_BY) | set(BOOKKEEPING), (
        "a new table needs a line in OWNED_BY (whose rows are whose) or in BOOKKEEPING")


def _covers(key: Jurisdiction | None, j: str) -> bool:
    if key is None:
        return True
    if j == "*":
        return False
    state, _, area = j.partition("/")
    return key.contains(Jurisdiction(state=state, local_area=area or None))


# --- the world --------------------------------------------------------------------------------------------


@dataclass
class Area:
    """The records of one local area, by the name of the parameter that takes them."""

    code: str
    state: str
    ids: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    organization: dict[str, Any] = field(default_factory=dict)  # its college as HSDS publishes it

    @property
    def jurisdiction(self) -> Jurisdiction:
        return Jurisdiction(state=self.state, local_area=self.code)

    def confined(self) -> dict[str, str]:
        return {k: self.ids[k] for k in CONFINED}


@dataclass
class World:
    areas: dict[str, Area]
    keys: dict[str, str]  # label -> bearer key
    snapshot: dict[str, bytes]
    pristine: dict[tuple[str, str], str]
    extra: dict[str, Any]  # deployment-wide things probes need: HSDS taxonomy and term ids, the framework


async def _ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code < 300, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r.json() if r.content else {}


def _partner(area: Area, name: str, partner_type: str) -> dict[str, Any]:
    return {"name": f"{name} of {area.code}", "partner_type": partner_type, "level": "local",
            "jurisdiction": {"state": area.state, "local_area": area.code}, "regions_served": [area.code],
            "populations_served": ["low_income"], "latitude": 44.9, "longitude": -123.0,
            "address": {"street": "1 Main St", "city": "Salem", "state": area.state, "postal_code": "97301"}}


async def _build_area(c: httpx.AsyncClient, area: Area, functions: list[str]) -> None:
    await _ok(await c.put(f"/v1/reference/regions/{area.code}", json={"name": f"Area {area.code}",
                                                                       "state": area.state}))
    ids = area.ids
    ids["partner_id"] = (await _ok(await c.post("/v1/partners", json=_partner(area, "College",
                                                                               "educational_institution"))))["id"]
    ids["employer_id"] = (await _ok(await c.post("/v1/partners", json=_partner(area, "Employer", "employer"))))["id"]
    ids["joiner_id"] = (await _ok(await c.post("/v1/partners", json=_partner(
        area, "Community org", "community_based_organization"))))["id"]
    ids["volunteer_id"] = (await _ok(await c.post("/v1/partners", json=_partner(
        area, "Volunteer center", "community_based_organization"))))["id"]
    ids["service_id"] = (await _ok(await c.post(f"/v1/partners/{ids['partner_id']}/services", json={
        "name": f"Welding of {area.code}", "category": "training", "regions": [area.code],
        "populations": ["low_income"]})))["id"]
    for key, name in (("system_id", "System"), ("second_system_id", "Second system")):
        ids[key] = (await _ok(await c.post("/v1/systems", json={
            "name": f"{name} of {area.code}", "level": "local",
            "jurisdiction": {"state": area.state, "local_area": area.code}})))["id"]
        area.names.append(f"{name} of {area.code}")
    sid = ids["system_id"]
    for member in ("partner_id", "employer_id", "volunteer_id"):
        await _ok(await c.post(f"/v1/systems/{sid}/members", json={"partner_id": ids[member],
                                                                  "representative": "Pat"}))
    await _ok(await c.put(f"/v1/systems/{sid}/intermediary", json={"partner_id": ids["partner_id"]}))
    assigned = await _ok(await c.post(f"/v1/systems/{sid}/assignments", json={
        "partner_id": ids["employer_id"], "function": functions[1], "strength": "lead"}))
    ids["assignment_id"] = assigned["id"]
    ids["round_id"] = (await _ok(await c.post(f"/v1/systems/{sid}/rounds", json={"started_on": "2026-01-10"})))["id"]
    await _ok(await c.put(f"/v1/rounds/{ids['round_id']}/responses/{ids['partner_id']}",
                          json={"ratings": {"1.1": 2}, "priorities": ["1.1"]}))
    ids["plan_id"] = (await _ok(await c.put(f"/v1/systems/{sid}/action-plan",
                                            json={"what_is_next": f"Plan of {area.code}"})))["id"]
    ids["goal_id"] = (await _ok(await c.post(f"/v1/systems/{sid}/action-plan/goals",
                                             json={"title": f"Goal of {area.code}"})))["id"]
    ids["item_id"] = (await _ok(await c.post(f"/v1/systems/{sid}/action-plan/items", json={
        "goal_id": ids["goal_id"], "description": f"Item of {area.code}", "owner_id": ids["partner_id"]})))["id"]
    ids["agreement_id"] = (await _ok(await c.post(f"/v1/systems/{sid}/agreements", json={
        "type": "mou", "title": f"Agreement of {area.code}",
        "parties": [ids["partner_id"], ids["employer_id"]]})))["id"]
    ids["allocation_id"] = (await _ok(await c.post(f"/v1/systems/{sid}/allocations", json={
        "stream_code": STREAM, "period": "2026", "amount": "1000", "function": functions[0],
        "note": f"Allocation of {area.code}"})))["id"]
    area.names += [f"Plan of {area.code}", f"Goal of {area.code}", f"Item of {area.code}",
                   f"Agreement of {area.code}", f"Allocation of {area.code}"]
    ids["session_id"] = (await _ok(await c.post(f"/v1/systems/{sid}/staff-sessions", json={
        "held_on": "2026-01-12", "kind": "training", "topic": f"Training of {area.code}", "level": "local",
        "agencies": [ids["partner_id"], ids["employer_id"]]})))["id"]
    ids["connection_id"] = (await _ok(await c.post("/v1/connections", json={
        "from_partner": ids["partner_id"], "to_partner": ids["employer_id"], "interest": "gain_insight"})))["id"]
    partnered = (await _ok(await c.post("/v1/connections", json={
        "from_partner": ids["employer_id"], "to_partner": ids["joiner_id"], "interest": "pursue_partnership",
        "what_is_possible": "a", "what_is_practical": "b", "who_can_help": "c", "what_is_next": "d"})))["id"]
    for stage in ("contacted", "exploring", "planning", "partnered"):
        await _ok(await c.post(f"/v1/connections/{partnered}/advance", json={"stage": stage}))
    ids["partnered_connection_id"] = partnered
    line = {"region": area.code, "code": "29-1141", "period": "2024-2034", "source": "probe",
            "retrieved_at": "2026-09-30T12:00:00+00:00", "employment": 3120, "annual_openings": 400}
    await _ok(await c.post("/v1/labor-market/observations", content=orjson.dumps(line),
                           headers={"content-type": NDJSON}))
    key = await _ok(await c.post("/v1/admin/keys", json={"name": f"key of {area.code}", "scopes": ["systems:read"],
                                                         "jurisdiction": {"state": area.state,
                                                                          "local_area": area.code}}))
    ids["key_id"] = key["id"]
    ids["sal_id"] = (await _ok(await c.get("/hsds/services/" + ids["service_id"])))["service_at_locations"][0]["id"]
    area.organization = await _ok(await c.get(f"/hsds/organizations/{ids['partner_id']}"))


@pytest.fixture(scope="module")
def module_settings() -> Settings:
    return Settings(environment="test", rate_limit_per_minute=1_000_000, anonymous_rate_limit_per_minute=1_000_000,
                    graphql_max_cost=10_000_000, graphql_max_depth=20, graphql_max_tokens=100_000,
                    graphql_max_aliases=100)


@pytest.fixture
async def probe_app(clean_db: Database, module_settings: Settings) -> FastAPI:
    app = create_app(module_settings, manage_database=False)
    install_database(app, clean_db)
    return app


@pytest.fixture
async def world(probe_app: FastAPI, clean_db: Database, admin_db: Database) -> World:
    admin = await mint_key(clean_db, Scope.ADMIN, name="world admin")
    keys = {"admin": admin}
    or_a = Jurisdiction(state="OR", local_area="or-a")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=probe_app), base_url="http://test",
                                 headers={"Authorization": f"Bearer {admin}"}) as c:
        functions = [f["code"] for f in await _ok(await c.get("/v1/reference/functions"))]
        areas = {code: Area(code=code, state=state) for code, state in AREAS.items()}
        for area in areas.values():
            await _build_area(c, area, functions)
        taxonomy = (await _ok(await c.get("/hsds/taxonomies")))["contents"][0]["id"]
        term = (await _ok(await c.get("/hsds/taxonomy_terms")))["contents"][0]["id"]
    for scope in NON_ADMIN:
        keys[f"only {scope}"] = await mint_key(clean_db, scope, jurisdiction=or_a, name=f"only {scope}")
        others = [s for s in NON_ADMIN if s != scope and s not in IMPLIED_BY.get(scope, set())]
        keys[f"all but {scope}"] = await mint_key(clean_db, *others, jurisdiction=or_a, name=f"all but {scope}")
    keys["OR"] = await mint_key(clean_db, *NON_ADMIN, jurisdiction=Jurisdiction(state="OR"), name="OR state")
    keys["WA"] = await mint_key(clean_db, *NON_ADMIN, jurisdiction=Jurisdiction(state="WA"), name="WA state")
    keys["OR/or-a"] = await mint_key(clean_db, *NON_ADMIN, jurisdiction=or_a, name="OR local area")
    async with admin_db.pool.acquire() as conn:
        snapshot = {}
        for table in sorted(metadata.tables):
            out = io.BytesIO()
            await conn.copy_from_table(table, output=out, format="binary")
            snapshot[table] = out.getvalue()
        pristine = await _checksums(conn)
    return World(areas=areas, keys=keys, snapshot=snapshot, pristine=pristine,
                 extra={"taxonomy": taxonomy, "term": term})


async def _checksums(conn: Any) -> dict[tuple[str, str], str]:
    return {(r[0], r[1]): r[2] for r in await conn.fetch(CHECKSUMS)}


async def _restore(admin_db: Database, world: World) -> None:
    async with admin_db.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        for table, data in world.snapshot.items():
            await conn.execute(f'DELETE FROM "{table}"')
            await conn.copy_to_table(table, source=io.BytesIO(data), format="binary")


async def _changed(admin_db: Database, world: World) -> set[tuple[str, str]]:
    async with admin_db.pool.acquire() as conn:
        now = await _checksums(conn)
    return {k for k in now.keys() | world.pristine.keys() if now.get(k) != world.pristine.get(k)}


# --- REST probes: built from the route table ---------------------------------------------------------------


@dataclass
class Probe:
    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def text(self) -> str:
        return self.url + orjson.dumps(self.params).decode() + orjson.dumps(self.json).decode() + (
            self.content or b"").decode()

    def replaced(self, mapping: dict[str, str]) -> Probe:
        def swap(text: str) -> str:
            for old, new in mapping.items():
                text = text.replace(old, new)
            return text

        return Probe(self.method, swap(self.url), {k: swap(v) for k, v in self.params.items()},
                     orjson.loads(swap(orjson.dumps(self.json).decode())) if self.json is not None else None,
                     swap(self.content.decode()).encode() if self.content is not None else None, dict(self.headers))


Op = tuple[str, str]
# Path parameters take the target area's records by name; these operations want another record of it.
PATH_OVERRIDES: dict[Op, dict[str, str]] = {
    ("DELETE", "/v1/partners/{partner_id}"): {"partner_id": "joiner_id"},
    ("DELETE", "/v1/systems/{system_id}/members/{partner_id}"): {"partner_id": "volunteer_id"},
    ("POST", "/v1/systems/{system_id}/rounds"): {"system_id": "second_system_id"},
    ("POST", "/v1/connections/{connection_id}/join-system"): {"connection_id": "partnered_connection_id"},
    ("DELETE", "/v1/systems/{system_id}"): {"system_id": "second_system_id"},
}
QUERY: dict[Op, Callable[[Area], dict[str, str]]] = {
    ("GET", "/v1/labor-market/in-demand"): lambda t: {"region": t.code},
    ("POST", "/v1/sync/{kind}"): lambda t: {"source": "probe"},
    ("POST", "/v1/sync/hsds"): lambda t: {"source": "probe", "state": t.state},
    ("GET", "/v1/export/{kind}"): lambda t: {},
}


def _body(op: Op, t: Area, w: World, home: Area) -> tuple[Any, bytes | None, dict[str, str]]:
    """A valid body for an operation aimed at area ``t`` by a key of area ``home`` (JSON, or raw content with
    its type); where a body can name a jurisdiction it names the key's own, so a probe is a takeover attempt."""
    ids = t.ids
    mine = {"state": home.state, "local_area": home.code}
    partner = _partner(t, "Probe", "employer")
    line = {"region": t.code, "code": "51-4121", "period": "2024-2034", "source": "probe",
            "retrieved_at": "2026-09-30T12:00:00+00:00", "annual_openings": 10}
    bodies: dict[Op, Any] = {
        ("POST", "/v1/partners"): partner,
        ("PATCH", "/v1/partners/{partner_id}"): {"name": "Probed", "jurisdiction": mine},
        ("POST", "/v1/partners/{partner_id}/services"): {"name": "Probe", "category": "training"},
        ("PATCH", "/v1/partners/{partner_id}/services/{service_id}"): {"name": "Probed"},
        ("PUT", "/v1/reference/regions/{code}"): {"name": "Probed", "state": home.state},
        ("PUT", "/v1/reference/functions/{code}"): {"name": "Probed function"},
        ("PUT", "/v1/reference/role-matrix/{partner_type}"): {"functions": ["engage_employers"]},
        ("PUT", "/v1/reference/funding-streams/{code}"): {"name": "Probed", "kind": "formula",
                                                          "administering_agency_type": "workforce_agency"},
        ("POST", "/v1/systems"): {"name": "Probe system", "level": "local",
                                  "jurisdiction": {"state": t.state, "local_area": t.code}},
        ("PATCH", "/v1/systems/{system_id}"): {"vision": "probed", "jurisdiction": mine},
        ("POST", "/v1/systems/{system_id}/members"): {"partner_id": ids["joiner_id"], "representative": "Probe"},
        ("PATCH", "/v1/systems/{system_id}/members/{partner_id}"): {"representative": "Probe"},
        ("PUT", "/v1/systems/{system_id}/intermediary"): {"partner_id": ids["employer_id"]},
        ("POST", "/v1/systems/{system_id}/assignments"): {"partner_id": ids["partner_id"],
                                                         "function": "engage_employers", "strength": "support"},
        ("POST", "/v1/systems/{system_id}/review"): {"reviewed_on": "2026-06-01"},
        ("PUT", "/v1/systems/{system_id}/review"): {"reviewed_on": "2026-05-01", "reason": "probed"},
        ("POST", "/v1/systems/{system_id}/vision-review"): {"revisited_on": "2026-06-01"},
        ("PUT", "/v1/systems/{system_id}/vision-review"): {"revisited_on": "2026-05-01", "reason": "probed"},
        ("POST", "/v1/systems/{system_id}/relationship/confirmations"): {
            "level": "local", "confirmed_on": "2026-06-01", "confirmed_by": "Probe"},
        ("POST", "/v1/systems/{system_id}/staff-sessions"): {
            "held_on": "2026-06-01", "kind": "training", "topic": "Probe", "level": "local",
            "agencies": [ids["partner_id"], ids["employer_id"]]},
        ("POST", "/v1/admin/keys"): {"name": "probe", "scopes": ["directory:read"],
                                     "jurisdiction": {"state": t.state, "local_area": t.code}},
        ("POST", "/v1/systems/{system_id}/rounds"): {"started_on": "2026-02-01"},
        ("PUT", "/v1/rounds/{round_id}/responses/{partner_id}"): {"ratings": {"1.1": 3}},
        ("POST", "/v1/rounds/{round_id}/close"): {"closed_on": "2026-03-01"},
        ("PUT", "/v1/systems/{system_id}/action-plan"): {"what_is_next": "probed"},
        ("POST", "/v1/systems/{system_id}/action-plan/goals"): {"title": "Probe goal"},
        ("POST", "/v1/systems/{system_id}/action-plan/goals/from-gap"): {"kind": "uncovered_function",
                                                                        "subject": "provide_trainers"},
        ("PATCH", "/v1/systems/{system_id}/action-plan/goals/{goal_id}"): {"title": "Probed"},
        ("POST", "/v1/systems/{system_id}/action-plan/items"): {"goal_id": ids["goal_id"], "description": "Probe",
                                                               "owner_id": ids["partner_id"]},
        ("PATCH", "/v1/systems/{system_id}/action-plan/items/{item_id}"): {"status": "in_progress"},
        ("POST", "/v1/rounds/{round_id}/next-steps/actions"): {"goal_id": ids["goal_id"],
                                                               "owner_id": ids["partner_id"]},
        ("POST", "/v1/systems/{system_id}/agreements"): {"type": "mou", "title": "Probe agreement",
                                                        "parties": [ids["partner_id"], ids["employer_id"]]},
        ("PATCH", "/v1/systems/{system_id}/agreements/{agreement_id}"): {"title": "Probed"},
        ("POST", "/v1/systems/{system_id}/agreements/{agreement_id}/sign"): {"signed_on": "2026-04-01"},
        ("POST", "/v1/systems/{system_id}/allocations"): {"stream_code": STREAM, "period": "2027", "amount": "5",
                                                         "function": "engage_employers"},
        ("PATCH", "/v1/systems/{system_id}/allocations/{allocation_id}"): {"note": "probed"},
        ("POST", "/v1/connections"): {"from_partner": ids["partner_id"], "to_partner": ids["joiner_id"],
                                      "interest": "gain_insight"},
        ("PATCH", "/v1/connections/{connection_id}"): {"notes": "probed"},
        ("POST", "/v1/connections/{connection_id}/advance"): {"stage": "contacted"},
        ("POST", "/v1/connections/{connection_id}/join-system"): {"system_id": ids["system_id"],
                                                                  "representative": "Probe"},
    }
    if op == ("PUT", "/v1/reference/readiness-framework"):
        return w.extra["framework"], None, {}
    if op in bodies:
        return bodies[op], None, {}
    raw: dict[Op, tuple[bytes, str]] = {
        ("POST", "/v1/sync/{kind}"): (orjson.dumps({**partner, "external_id": "probe-1"}), NDJSON),
        ("POST", "/v1/sync/hsds"): (orjson.dumps({**_fresh_ids(t.organization), "name": "Probed organization"}),
                                    NDJSON),
        ("POST", "/v1/labor-market/observations"): (orjson.dumps(line), NDJSON),
        ("POST", "/v1/labor-market/titles"): (orjson.dumps({"scheme": "soc", "code": "291141",
                                                            "title": "Registered Nurses"}), NDJSON),
    }
    if op in raw:
        content, media_type = raw[op]
        return None, content, {"content-type": media_type}
    return None, None, {}


def _fresh_ids(value: Any, *, under: str = "") -> Any:
    """An HSDS record with new ids for itself and what it holds (references to taxonomy terms kept)."""
    if isinstance(value, dict):
        return {k: (str(uuid.uuid4()) if k == "id" and under not in ("attributes", "taxonomy_term") else
                    _fresh_ids(v, under=k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_fresh_ids(v, under=under) for v in value]
    return value


def _operations(app: FastAPI) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation.get("x-required-scope", ""), operation


def _rest_probe(op: Op, operation: dict[str, Any], t: Area, w: World, home: Area) -> Probe:
    method, path = op
    names = dict.fromkeys(re.findall(r"\{([^}]+)\}", path))
    chosen = {**{n: n for n in names}, **PATH_OVERRIDES.get(op, {})}
    values = {**t.ids, "kind": "partners", "partner_type": "employer", "taxonomy": w.extra["taxonomy"],
              "term": w.extra["term"], "name": "not-found", "state": t.state}
    if path.startswith("/v1/reference/regions/"):
        values["code"] = t.code
    elif path.startswith("/v1/reference/functions/"):
        values["code"] = "engage_employers"
    elif path.startswith("/v1/reference/funding-streams/"):
        values["code"] = STREAM
    elif path.startswith("/hsds/"):
        values["id"] = {"services": t.ids["service_id"], "organizations": t.ids["partner_id"],
                        "service_at_locations": t.ids["sal_id"], "taxonomies": w.extra["taxonomy"],
                        "taxonomy_terms": w.extra["term"]}.get(path.split("/")[2], "")
    url = path
    for name in names:
        url = url.replace("{" + name + "}", values[chosen[name]])
    json_body, content, headers = _body(op, t, w, home)
    if "requestBody" in operation:
        assert json_body is not None or content is not None, f"no probe body for {method} {path}: add one to _body"
    return Probe(method, url, QUERY.get(op, lambda _: {})(t), json_body, content, headers)


async def _send(client: httpx.AsyncClient, probe: Probe, key: str | None) -> httpx.Response:
    headers = {**probe.headers, **({"Authorization": f"Bearer {key}"} if key else {})}
    return await client.request(probe.method, probe.url, params=probe.params or None, json=probe.json,
                                content=probe.content, headers=headers)


@pytest.fixture
async def http(probe_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=probe_app), base_url="http://test") as c:
        yield c


@pytest.fixture
async def framework(http: httpx.AsyncClient, world: World) -> None:
    current = await _ok(await http.get("/v1/reference/readiness-framework"))
    world.extra["framework"] = {k: current[k] for k in ("name", "elements", "scale", "description")}


# Statuses an operation answers in its own jurisdiction when a rule (not access) stops it, with the reason.
RULE_OUTCOMES: dict[Op, set[int]] = {}


async def test_declared_scope_is_the_enforced_scope_of_every_rest_operation(http, world, framework, admin_db,
                                                                            probe_app):
    own = world.areas["or-a"]
    failures = []
    for method, path, scope, operation in _operations(probe_app):
        probe = _rest_probe((method, path), operation, own, world, own)
        if scope == PUBLIC:
            allowed, refused = None, None
        elif scope == Scope.ADMIN:
            allowed, refused = world.keys["admin"], world.keys["OR/or-a"]
        else:
            allowed, refused = world.keys[f"only {scope}"], world.keys[f"all but {scope}"]
        r = await _send(http, probe, allowed)
        expected = RULE_OUTCOMES.get((method, path), set())
        if not (r.status_code < 300 or r.status_code in expected):
            failures.append(f"{method} {path} with exactly '{scope}': {r.status_code} {r.text[:200]}")
        if refused is not None:
            denied = await _send(http, probe, refused)
            if denied.status_code != 403:
                failures.append(f"{method} {path} without '{scope}': {denied.status_code} {denied.text[:200]}")
        if await _changed(admin_db, world):
            await _restore(admin_db, world)
    assert not failures, "\n".join(failures)


def _revealed(text: str, hidden: list[Area], sent: str) -> list[str]:
    tokens = [v for a in hidden for v in (*a.confined().values(), *a.names)]
    return [t for t in tokens if t in text and t not in sent]


def _twin(probe: Probe, target: Area) -> tuple[Probe, dict[str, str]]:
    """The probe with the target's system-side ids swapped for ids of nothing (and the way back)."""
    fresh = {v: str(uuid.uuid4()) for v in target.confined().values() if v in probe.text()}
    return probe.replaced(fresh), {v: k for k, v in fresh.items()}


def _comparable(r: httpx.Response, back: dict[str, str]) -> tuple[int, str]:
    text = r.text
    for new, old in back.items():
        text = text.replace(new, old)
    return r.status_code, re.sub(r'"instance":"[^"]*"', "", text)


# Each state's key against the other state; a local-area key against the other area of its state and the
# other state. (Admin-only operations are probed too: a state key must be refused them.)
PROBERS = {"OR": ("wa-a",), "WA": ("or-a",), "OR/or-a": ("or-b", "wa-a")}


async def test_no_rest_operation_changes_or_reveals_another_jurisdictions_records(http, world, framework, admin_db,
                                                                                  probe_app):
    failures: list[str] = []
    for prober, targets in PROBERS.items():
        key = world.keys[prober]
        state, _, area = prober.partition("/")
        mine = Jurisdiction(state=state, local_area=area or None)
        hidden = [a for a in world.areas.values() if not mine.contains(a.jurisdiction)]
        home = world.areas["wa-a" if state == "WA" else "or-a"]
        for method, path, _, operation in _operations(probe_app):
            for code in targets:
                target = world.areas[code]
                probe = _rest_probe((method, path), operation, target, world, home)
                r = await _send(http, probe, key)
                where = f"{method} {path} as {prober} on {code}"
                if r.status_code >= 500:
                    failures.append(f"{where}: {r.status_code}")
                for leak in _revealed(r.text, hidden, probe.text()):
                    failures.append(f"{where} reveals {leak}")
                changed = await _changed(admin_db, world)
                for table, j in changed:
                    if not _covers(mine, j):
                        failures.append(f"{where} changed {table} rows of {j} ({r.status_code})")
                twin, back = _twin(probe, target)
                if back:
                    other = await _send(http, twin, key)
                    if _comparable(r, {}) != _comparable(other, back):
                        failures.append(f"{where} answers unlike an unknown record: {r.status_code} {r.text[:160]}"
                                        f" / {other.status_code} {other.text[:160]}")
                    changed |= await _changed(admin_db, world)
                if changed:
                    await _restore(admin_db, world)
    assert not failures, "\n".join(failures)


# --- GraphQL probes: built from the schema ----------------------------------------------------------------


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _camelize(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel(k): _camelize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camelize(v) for v in value]
    return value


def _selection(gtype: Any, depth: int) -> str:
    """Every field of a type worth reading, nested objects ``depth`` levels down (fields with arguments aside)."""
    named = get_named_type(gtype)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(named, GraphQLUnionType):
        parts = [f"... on {member.name} {_selection(member, depth)}" for member in named.types]
        return "{ __typename " + " ".join(parts) + " }"
    if isinstance(named, GraphQLInterfaceType) and depth > 0:  # each implementation's plain UUID, as leaks show
        parts = [f"... on {member.name} {{ databaseId }}" for member in graphql_schema._schema.get_possible_types(named)
                 if "databaseId" in member.fields]
        return "{ __typename id " + " ".join(parts) + " }"
    if depth <= 0:
        return "{ __typename }"
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    fields = []
    for name, f in named.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) and a.default_value is None for a in f.args.values()):
            continue
        inner = _selection(f.type, depth - 1)
        fields.append(f"{name} {inner}" if inner else name)
    return "{ __typename " + " ".join(fields) + " }"


def _type_text(gtype: Any) -> str:
    if isinstance(gtype, GraphQLNonNull):
        return _type_text(gtype.of_type) + "!"
    if isinstance(gtype, GraphQLList):
        return f"[{_type_text(gtype.of_type)}]"
    return str(gtype.name)


# GraphQL arguments take the target area's records by name; these fields want another record of it.
GQL_ARGS: dict[str, dict[str, str]] = {
    "partner": {"id": "partner_id"}, "system": {"id": "system_id"}, "round": {"id": "round_id"},
    "agreement": {"id": "agreement_id"}, "connectionRecord": {"id": "connection_id"},
    "updatePartner": {"id": "partner_id"}, "deletePartner": {"id": "joiner_id"},
    "updateService": {"id": "service_id"}, "deleteService": {"id": "service_id"},
    "updateSystem": {"id": "system_id"}, "removeMember": {"partnerId": "volunteer_id"},
    "setIntermediary": {"partnerId": "employer_id"}, "startRound": {"systemId": "second_system_id"},
    "recordResponse": {"respondentId": "partner_id"},
    "updateAgreement": {"id": "agreement_id"}, "signAgreement": {"id": "agreement_id"},
    "deleteAgreement": {"id": "agreement_id"}, "updateAllocation": {"id": "allocation_id"},
    "deleteAllocation": {"id": "allocation_id"}, "reviseConnection": {"id": "connection_id"},
    "advanceConnection": {"id": "connection_id"}, "joinSystem": {"id": "partnered_connection_id"},
}
ARG_NAMES = {"systemId": "system_id", "roundId": "round_id", "partnerId": "partner_id", "goalId": "goal_id",
             "itemId": "item_id", "assignmentId": "assignment_id", "sessionId": "session_id"}
# The REST operation whose body is a mutation's ``input`` (GraphQL inputs are the REST DTOs, camel-cased).
GQL_INPUT: dict[str, Op] = {
    "createPartner": ("POST", "/v1/partners"), "updatePartner": ("PATCH", "/v1/partners/{partner_id}"),
    "createService": ("POST", "/v1/partners/{partner_id}/services"), "createSystem": ("POST", "/v1/systems"),
    "updateService": ("PATCH", "/v1/partners/{partner_id}/services/{service_id}"),
    "updateSystem": ("PATCH", "/v1/systems/{system_id}"), "addMember": ("POST", "/v1/systems/{system_id}/members"),
    "updateMember": ("PATCH", "/v1/systems/{system_id}/members/{partner_id}"),
    "assignRole": ("POST", "/v1/systems/{system_id}/assignments"),
    "putActionPlan": ("PUT", "/v1/systems/{system_id}/action-plan"),
    "addGoal": ("POST", "/v1/systems/{system_id}/action-plan/goals"),
    "updateGoal": ("PATCH", "/v1/systems/{system_id}/action-plan/goals/{goal_id}"),
    "addActionItem": ("POST", "/v1/systems/{system_id}/action-plan/items"),
    "updateActionItem": ("PATCH", "/v1/systems/{system_id}/action-plan/items/{item_id}"),
    "nextStepsToActions": ("POST", "/v1/rounds/{round_id}/next-steps/actions"),
    "createAgreement": ("POST", "/v1/systems/{system_id}/agreements"),
    "updateAgreement": ("PATCH", "/v1/systems/{system_id}/agreements/{agreement_id}"),
    "createAllocation": ("POST", "/v1/systems/{system_id}/allocations"),
    "updateAllocation": ("PATCH", "/v1/systems/{system_id}/allocations/{allocation_id}"),
    "putFundingStream": ("PUT", "/v1/reference/funding-streams/{code}"),
    "recordInterest": ("POST", "/v1/connections"),
    "reviseConnection": ("PATCH", "/v1/connections/{connection_id}"),
    "joinSystem": ("POST", "/v1/connections/{connection_id}/join-system"),
    "reviseReadinessFramework": ("PUT", "/v1/reference/readiness-framework"),
    "recordStaffSession": ("POST", "/v1/systems/{system_id}/staff-sessions"),
}
GQL_VALUES: dict[str, Callable[[Area], Any]] = {
    "regions": lambda t: [t.code], "stage": lambda t: "CONTACTED", "reviewedOn": lambda t: "2026-06-01",
    "code": lambda t: STREAM, "scheme": lambda t: "SOC", "revisitedOn": lambda t: "2026-06-01",
    "confirmedOn": lambda t: "2026-06-01", "confirmedBy": lambda t: "Probe", "level": lambda t: "LOCAL",
    "reason": lambda t: "probed",
    "state": lambda t: t.state, "kind": lambda t: "UNCOVERED_FUNCTION", "subject": lambda t: "provide_trainers",
}
# Where one field's argument of a common name takes another type than GQL_VALUES gives (changes' kind).
GQL_FIELD_VALUES: dict[tuple[str, str], Callable[[Area], Any]] = {
    ("changes", "kind"): lambda t: "PARTNER",
}


def _global_ids(t: Area) -> list[str]:
    """Global ids of the area's records, one of each type with a key of its own (api/graphql/ids.py)."""
    i, sid = t.ids, t.ids["system_id"]
    return [encode("System", sid), encode("Partner", i["partner_id"]),
            encode("Service", (i["partner_id"], i["service_id"])), encode("Assignment", (sid, i["assignment_id"])),
            encode("Round", i["round_id"]), encode("ActionPlan", (sid, i["plan_id"])),
            encode("Goal", (sid, i["goal_id"])), encode("ActionItem", (sid, i["item_id"])),
            encode("Agreement", (sid, i["agreement_id"])), encode("Allocation", (sid, i["allocation_id"])),
            encode("ConnectionRecord", i["connection_id"])]


# node(id:) and nodes(ids:) take global ids of the target area's records.
GQL_GLOBAL_IDS: dict[str, Callable[[Area], Any]] = {
    "node": lambda t: encode("System", t.ids["system_id"]), "nodes": _global_ids,
}
GQL_INPUT_OVERRIDES: dict[str, Callable[[Area], Any]] = {
    "recordResponse": lambda t: {"ratings": [{"indicatorCode": "1.1", "value": 3}]},
    "updateActionItem": lambda t: {"status": "IN_PROGRESS"},
}


def _gql_probe(kind: str, name: str, f: Any, t: Area, w: World, home: Area) -> Probe:
    variables: dict[str, Any] = {}
    declared, passed = [], []
    for arg_name, arg in f.args.items():
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is None
        value: Any
        if arg_name == "input":
            if name in GQL_INPUT_OVERRIDES:
                value = GQL_INPUT_OVERRIDES[name](t)
            else:
                body, _, _ = _body(GQL_INPUT[name], t, w, home)
                value = _camelize(body)
                if isinstance(get_named_type(arg.type), GraphQLInputObjectType):
                    value = _enums(value, get_named_type(arg.type))
        elif name in GQL_GLOBAL_IDS:
            value = GQL_GLOBAL_IDS[name](t)
        elif arg_name in GQL_ARGS.get(name, {}):
            value = t.ids[GQL_ARGS[name][arg_name]]
        elif arg_name in ARG_NAMES:
            value = t.ids[ARG_NAMES[arg_name]]
        elif (name, arg_name) in GQL_FIELD_VALUES:
            value = GQL_FIELD_VALUES[name, arg_name](t)
        elif arg_name in GQL_VALUES:
            value = GQL_VALUES[arg_name](t)
        elif required:
            raise AssertionError(f"no probe value for {name}({arg_name}): add one to GQL_ARGS or GQL_VALUES")
        else:
            continue
        variables[arg_name] = value
        declared.append(f"${arg_name}: {_type_text(arg.type)}")
        passed.append(f"{arg_name}: ${arg_name}")
    head = f"{kind}({', '.join(declared)})" if declared else kind
    call = f"{name}({', '.join(passed)})" if passed else name
    document = f"{head} {{ {call} {_selection(f.type, 4)} }}"
    return Probe("POST", "/graphql", json={"query": document, "variables": variables})


def _enums(value: Any, input_type: GraphQLInputObjectType) -> Any:
    """A REST body as a GraphQL input: enum values as GraphQL spells them (``GAIN_INSIGHT``), and only the
    fields the input has (the REST body's, but for the differences tests/graphql/test_input_parity.py lists)."""
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if k not in input_type.fields:
            continue
        named = get_named_type(input_type.fields[k].type)
        if isinstance(named, GraphQLEnumType) and isinstance(v, str):
            out[k] = v.upper()
        elif isinstance(named, GraphQLInputObjectType):
            out[k] = [_enums(i, named) for i in v] if isinstance(v, list) else _enums(v, named)
        elif isinstance(named, GraphQLEnumType) and isinstance(v, list):
            out[k] = [i.upper() for i in v]
        else:
            out[k] = v
    return out


def _fields() -> Iterator[tuple[str, str, Any]]:
    raw = graphql_schema._schema
    for kind, root in (("query", raw.query_type), ("mutation", raw.mutation_type)):
        for name, f in root.fields.items():
            yield kind, name, f


def _declared_scope(name: str) -> str | None:
    for f in graphql_schema.get_type_by_name("Mutation").fields:
        if f.graphql_name == name or _camel(f.python_name) == name:
            return str(f.permission_classes[0].required_scope)
    return None


def _failed(answer: dict[str, Any], name: str) -> str | None:
    """What went wrong with a field itself, or None: its errors, or a mutation's typed error. (Errors deeper in
    the answer are of the records it links to, which need their own scope: a member's partner, say.)"""
    own = [e for e in answer.get("errors") or [] if len(e.get("path") or [name]) == 1]
    if own:
        return str(own)[:300]
    data = (answer.get("data") or {}).get(name)
    if isinstance(data, dict) and data.get("__typename", "").endswith("Error"):
        return str(data)[:300]
    return None


async def test_declared_scope_is_the_enforced_scope_of_every_graphql_mutation(http, world, framework, admin_db):
    own = world.areas["or-a"]
    failures = []
    for kind, name, f in _fields():
        if kind != "mutation":
            continue
        scope = _declared_scope(name)
        assert scope is not None, f"{name} declares no scope"
        probe = _gql_probe(kind, name, f, own, world, own)
        allowed = world.keys["admin"] if scope == Scope.ADMIN else world.keys[f"only {scope}"]
        problem = _failed((await _send(http, probe, allowed)).json(), name)
        if problem:
            failures.append(f"{name} with exactly '{scope}': {problem}")
        refused = world.keys["OR/or-a"] if scope == Scope.ADMIN else world.keys[f"all but {scope}"]
        denied = (await _send(http, probe, refused)).json()
        if not _failed(denied, name):
            failures.append(f"{name} without '{scope}' succeeded")
        if await _changed(admin_db, world):
            await _restore(admin_db, world)
    assert not failures, "\n".join(failures)


async def test_every_graphql_query_answers_in_its_own_jurisdiction(http, world, framework):
    own = world.areas["or-a"]
    failures = []
    for kind, name, f in _fields():
        if kind == "query":
            answer = (await _send(http, _gql_probe(kind, name, f, own, world, own), world.keys["OR/or-a"])).json()
            if answer.get("errors") or (answer.get("data") or {}).get(name) is None:
                failures.append(f"{name}: {str(answer)[:300]}")
    assert not failures, "\n".join(failures)


async def test_no_graphql_field_changes_or_reveals_another_jurisdictions_records(http, world, framework, admin_db):
    failures: list[str] = []
    for prober, targets in PROBERS.items():
        key = world.keys[prober]
        state, _, area = prober.partition("/")
        mine = Jurisdiction(state=state, local_area=area or None)
        hidden = [a for a in world.areas.values() if not mine.contains(a.jurisdiction)]
        home = world.areas["wa-a" if state == "WA" else "or-a"]
        for kind, name, f in _fields():
            for code in targets:
                target = world.areas[code]
                probe = _gql_probe(kind, name, f, target, world, home)
                r = await _send(http, probe, key)
                where = f"{kind} {name} as {prober} on {code}"
                if r.status_code != 200 or any(e.get("extensions", {}).get("code") == "INTERNAL_SERVER_ERROR"
                                               for e in r.json().get("errors") or []):
                    failures.append(f"{where}: {r.status_code} {r.text[:200]}")
                for leak in _revealed(r.text, hidden, probe.text()):
                    failures.append(f"{where} reveals {leak}")
                changed = await _changed(admin_db, world)
                for table, j in changed:
                    if not _covers(mine, j):
                        failures.append(f"{where} changed {table} rows of {j}")
                twin, back = _twin(probe, target)
                if back:
                    other = await _send(http, twin, key)
                    if _comparable(r, {}) != _comparable(other, back):
                        failures.append(f"{where} answers unlike an unknown record: {r.text[:200]} / "
                                        f"{other.text[:200]}")
                    changed |= await _changed(admin_db, world)
                if changed:
                    await _restore(admin_db, world)
    assert not failures, "\n".join(failures)
