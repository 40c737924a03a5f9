"""The input fields GraphQL once lacked beside REST (tests/graphql/test_input_parity.py): each is stored as REST
stores it and read back, and a value REST refuses is a typed ValidationError naming the field, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import add_region, partner_body
from tests.graphql.helpers import gql


async def _partner(client: httpx.AsyncClient, **extra: object) -> str:
    r = await client.post("/v1/partners", json=partner_body(**extra))
    assert r.status_code == 201, r.text
    return r.json()["id"]


CREATE_PARTNER = """mutation($input: PartnerInput!) { createPartner(input: $input) {
  __typename ... on Partner { databaseId email phone locationName address { street street2 } }
  ... on ValidationError { code field errors { field } } } }"""
UPDATE_PARTNER = """mutation($id: UUID!, $input: PartnerPatchInput!) { updatePartner(id: $id, input: $input) {
  __typename ... on Partner { email phone locationName address { street2 } }
  ... on ValidationError { code field errors { field } } } }"""
READ_PARTNER = "query($id: UUID!) { partner(id: $id) { email phone locationName address { street street2 } } }"


async def test_a_partner_created_over_graphql_keeps_its_email_phone_place_and_second_line(client, clean_db):
    await add_region(client)
    made = (await gql(client, CREATE_PARTNER, input={
        "name": "Harbor Works", "partnerType": "employer", "level": "LOCAL", "jurisdiction": {"state": "OR"},
        "email": "hello@harbor.example", "phone": "+1 503 555 0100", "locationName": "Harbor Works, Pier 3",
        "address": {"street": "1 Dock Rd", "street2": "Suite 200", "city": "Astoria", "state": "OR"},
    }))["createPartner"]
    assert made["__typename"] == "Partner", made
    read = (await gql(client, READ_PARTNER, id=made["databaseId"]))["partner"]
    assert read == {"email": "hello@harbor.example", "phone": "+1 503 555 0100",
                    "locationName": "Harbor Works, Pier 3", "address": {"street": "1 Dock Rd", "street2": "Suite 200"}}
    rest = (await client.get(f"/v1/partners/{made['databaseId']}")).json()  # the same record REST reads
    assert (rest["email"], rest["phone"], rest["location_name"], rest["address"]["street_2"]) == (
        "hello@harbor.example", "+1 503 555 0100", "Harbor Works, Pier 3", "Suite 200")


async def test_a_graphql_patch_changes_and_clears_them_and_leaves_the_rest(client, clean_db):
    await add_region(client)
    pid = await _partner(client, email="old@example.org", phone="555 0000", location_name="Old Hall",
                         website="https://example.org")
    changed = (await gql(client, UPDATE_PARTNER, id=pid, input={
        "email": "new@example.org", "phone": "555 1111", "locationName": "New Hall",
        "address": {"street": "2 Main St", "street2": "Floor 4"}}))["updatePartner"]
    assert changed == {"__typename": "Partner", "email": "new@example.org", "phone": "555 1111",
                       "locationName": "New Hall", "address": {"street2": "Floor 4"}}
    cleared = (await gql(client, UPDATE_PARTNER, id=pid, input={"phone": None, "locationName": None}))
    assert cleared["updatePartner"]["email"] == "new@example.org"  # not given: unchanged
    assert (cleared["updatePartner"]["phone"], cleared["updatePartner"]["locationName"]) == (None, None)
    assert (await client.get(f"/v1/partners/{pid}")).json()["website"] == "https://example.org"


@pytest.mark.parametrize(("field", "value", "path", "rest_body"), [
    ("email", "a" * 290 + "@example.org", "email", {"email": "a" * 290 + "@example.org"}),
    ("phone", "5" * 41, "phone", {"phone": "5" * 41}),
    ("locationName", "x" * 301, "locationName", {"location_name": "x" * 301}),
    ("address", {"street2": "x" * 301}, "address.street2", {"address": {"street_2": "x" * 301}}),
])
async def test_a_value_rest_refuses_is_a_validation_error_naming_it(client, clean_db, field, value, path, rest_body):
    await add_region(client)
    pid = await _partner(client)
    base = {"name": "Too Long", "partnerType": "employer", "level": "LOCAL", "jurisdiction": {"state": "OR"}}
    created = (await gql(client, CREATE_PARTNER, input={**base, field: value}))["createPartner"]
    updated = (await gql(client, UPDATE_PARTNER, id=pid, input={field: value}))["updatePartner"]
    for result in (created, updated):
        assert result == {"__typename": "ValidationError", "code": "INVALID_INPUT", "field": path,
                          "errors": [{"field": path}]}
    assert len((await client.get("/v1/partners")).json()["items"]) == 1  # nothing written
    assert (await client.patch(f"/v1/partners/{pid}", json=rest_body)).status_code == 422  # as REST refuses it


CREATE_SERVICE = """mutation($p: UUID!) { createService(partnerId: $p, input: {name: "Welding", category: "training"}) {
  __typename ... on Service { databaseId version } } }"""
UPDATE_SERVICE = """mutation($p: UUID!, $id: UUID!, $input: ServicePatchInput!, $v: Int) {
  updateService(partnerId: $p, id: $id, input: $input, expectedVersion: $v) {
    __typename ... on Service { name capacity credential deliveryMode occupations version }
  ... on ValidationError { code field errors { field } } } }"""
DELETE_SERVICE = """mutation($p: UUID!, $id: UUID!, $v: Int) {
  deleteService(partnerId: $p, id: $id, expectedVersion: $v) {
  __typename ... on DeletedResult { databaseId deletedId } ... on Error { code } } }"""


async def _service(client: httpx.AsyncClient) -> tuple[str, str]:
    await add_region(client)
    pid = await _partner(client)
    made = (await gql(client, CREATE_SERVICE, p=pid))["createService"]
    assert made["__typename"] == "Service", made
    return pid, made["databaseId"]


async def test_a_service_is_patched_over_graphql_as_over_rest(client, clean_db):
    pid, sid = await _service(client)
    changed = (await gql(client, UPDATE_SERVICE, p=pid, id=sid, v=1, input={
        "name": "Advanced welding", "capacity": 24, "credential": "AWS D1.1", "deliveryMode": "HYBRID",
        "occupations": ["51-4121"]}))["updateService"]
    assert changed == {"__typename": "Service", "name": "Advanced welding", "capacity": 24, "credential": "AWS D1.1",
                       "deliveryMode": "HYBRID", "occupations": ["51-4121"], "version": 2}
    rest = (await client.get(f"/v1/partners/{pid}/services/{sid}")).json()
    assert (rest["name"], rest["capacity"], rest["delivery_mode"], rest["version"]) == (
        "Advanced welding", 24, "hybrid", 2)
    stale = (await gql(client, UPDATE_SERVICE, p=pid, id=sid, v=1, input={"capacity": 1}))["updateService"]
    assert stale["__typename"] == "StaleVersionError"
    bad = (await gql(client, UPDATE_SERVICE, p=pid, id=sid, input={"capacity": -1}))["updateService"]
    assert bad == {"__typename": "ValidationError", "code": "INVALID_INPUT", "field": "capacity",
                   "errors": [{"field": "capacity"}]}
    assert (await client.get(f"/v1/partners/{pid}/services/{sid}")).json()["capacity"] == 24


async def test_a_service_is_deleted_over_graphql(client, clean_db):
    pid, sid = await _service(client)
    stale = (await gql(client, DELETE_SERVICE, p=pid, id=sid, v=7))["deleteService"]
    assert stale == {"__typename": "StaleVersionError", "code": "STALE_VERSION"}
    gone = (await gql(client, DELETE_SERVICE, p=pid, id=sid, v=1))["deleteService"]
    assert (gone["__typename"], gone["databaseId"]) == ("DeletedResult", sid)
    assert (await client.get(f"/v1/partners/{pid}/services/{sid}")).status_code == 404
    again = (await gql(client, DELETE_SERVICE, p=pid, id=sid))["deleteService"]
    assert again == {"__typename": "NotFoundError", "code": "NOT_FOUND"}


CREATE_SYSTEM = """mutation($input: SystemInput!) { createSystem(input: $input) {
  __typename ... on System { databaseId } } }"""
UPDATE_SYSTEM = """mutation($id: UUID!, $input: SystemPatchInput!) { updateSystem(id: $id, input: $input) {
  __typename ... on System { level jurisdiction { state localArea } }
  ... on ValidationError { code field errors { field } } } }"""
ADD_MEMBER = """mutation($s: UUID!, $p: UUID!) {
  addMember(systemId: $s, input: {partnerId: $p, representative: "Rep"}) { __typename } }"""
UPDATE_MEMBER = """mutation($s: UUID!, $p: UUID!, $input: MemberPatchInput!) {
  updateMember(systemId: $s, partnerId: $p, input: $input) {
    __typename ... on System { members { representative team } }
  ... on ValidationError { code field errors { field } } ... on ConflictError { rule } } }"""


async def _system(client: httpx.AsyncClient, **extra: object) -> str:
    await add_region(client)
    made = (await gql(client, CREATE_SYSTEM, input={
        "name": "Coast Pathways", "level": "LOCAL", "jurisdiction": {"state": "OR"}, **extra}))["createSystem"]
    assert made["__typename"] == "System", made
    return made["databaseId"]


async def test_a_system_patch_changes_its_jurisdiction_and_level(client, clean_db):
    system = await _system(client)
    changed = (await gql(client, UPDATE_SYSTEM, id=system, input={
        "jurisdiction": {"state": "or", "localArea": "or-test"}}))["updateSystem"]
    assert changed == {"__typename": "System", "level": "LOCAL",
                       "jurisdiction": {"state": "OR", "localArea": "or-test"}}
    changed = (await gql(client, UPDATE_SYSTEM, id=system, input={
        "level": "STATE", "jurisdiction": {"state": "OR"}}))["updateSystem"]
    assert changed == {"__typename": "System", "level": "STATE", "jurisdiction": {"state": "OR", "localArea": None}}
    rest = (await client.get(f"/v1/systems/{system}")).json()
    assert (rest["level"], rest["jurisdiction"]) == ("state", {"state": "OR", "local_area": None})
    bad = (await gql(client, UPDATE_SYSTEM, id=system, input={"jurisdiction": {"state": "ORE"}}))["updateSystem"]
    assert bad == {"__typename": "ValidationError", "code": "INVALID_INPUT", "field": "jurisdiction.state",
                   "errors": [{"field": "jurisdiction.state"}]}


async def test_a_member_is_patched_over_graphql(client, clean_db):
    system = await _system(client)
    pid = await _partner(client)
    assert (await gql(client, ADD_MEMBER, s=system, p=pid))["addMember"]["__typename"] == "System"
    changed = (await gql(client, UPDATE_MEMBER, s=system, p=pid, input={
        "representative": "Dana Reyes", "team": "OPERATIONS"}))["updateMember"]
    assert changed == {"__typename": "System", "members": [{"representative": "Dana Reyes", "team": "OPERATIONS"}]}
    rest = (await client.get(f"/v1/systems/{system}")).json()["members"]
    assert [(m["representative"], m["team"]) for m in rest] == [("Dana Reyes", "operations")]
    bad = (await gql(client, UPDATE_MEMBER, s=system, p=pid, input={"representative": "  "}))["updateMember"]
    assert bad == {"__typename": "ValidationError", "code": "INVALID_INPUT", "field": "representative",
                   "errors": [{"field": "representative"}]}
    other = await _partner(client, name="Not a member")
    missing = (await gql(client, UPDATE_MEMBER, s=system, p=other, input={"team": "LEADERSHIP"}))["updateMember"]
    assert missing == {"__typename": "ConflictError", "rule": "NotAMember"}  # REST's 409 rule-violated


ADD_FROM_GAP = """mutation($s: UUID!, $subject: String!, $d: String!) {
  addGoalFromGap(systemId: $s, kind: UNSERVED_POPULATION, subject: $subject, description: $d) {
    __typename ... on GoalGap { goalId }
  ... on ValidationError { code field errors { field } } } }"""
PLAN_GOALS = "query($s: UUID!) { actionPlan(systemId: $s) { goals { databaseId description } } }"


async def test_a_goal_made_from_a_gap_over_graphql_takes_its_description(client, clean_db):
    system = await _system(client, targetPopulations=["disability"])
    made = (await gql(client, ADD_FROM_GAP, s=system, subject="disability",
                       d="Recruit a vocational rehabilitation partner"))["addGoalFromGap"]
    assert made["__typename"] == "GoalGap", made
    goals = (await gql(client, PLAN_GOALS, s=system))["actionPlan"]["goals"]
    assert goals == [{"databaseId": made["goalId"], "description": "Recruit a vocational rehabilitation partner"}]
    bad = (await gql(client, ADD_FROM_GAP, s=system, subject="disability", d="x" * 4001))["addGoalFromGap"]
    assert bad == {"__typename": "ValidationError", "code": "INVALID_INPUT", "field": "description",
                   "errors": [{"field": "description"}]}
    assert len((await gql(client, PLAN_GOALS, s=system))["actionPlan"]["goals"]) == 1  # nothing written
