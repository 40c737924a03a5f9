"""Mutation errors as GraphQL clients expect them: one ``Error`` interface, unions that list only the errors a
mutation can produce, and field paths in the schema's own camelCase."""

from __future__ import annotations

from typing import Annotated
from uuid import uuid4

import httpx
import pytest
import strawberry
from graphql import (
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLNonNull,
    GraphQLUnionType,
    get_named_type,
    parse,
    validate,
)

from api.domain.access import Forbidden
from api.domain.errors import FieldProblem, InvalidInput, NotFound, RuleViolation
from api.graphql.errors import ConflictError, ErrorCode, ValidationError, as_result, camel_path
from api.graphql.schema import schema
from tests.conftest import add_region

ERRORS = {"ValidationError", "NotFoundError", "ConflictError", "StaleVersionError"}


def _mutations() -> dict[str, object]:
    return dict(schema._schema.mutation_type.fields)


def test_every_mutation_error_implements_the_error_interface():
    error = schema._schema.get_type("Error")
    assert isinstance(error, GraphQLInterfaceType)
    assert set(error.fields) == {"message", "code", "field"}
    implementing = {t.name for t in schema._schema.get_implementations(error).objects}
    assert implementing == ERRORS


def test_each_mutation_has_its_own_union_of_one_result_and_the_errors_it_can_produce():
    seen: set[str] = set()
    for name, field in _mutations().items():
        union = get_named_type(field.type)
        assert isinstance(union, GraphQLUnionType), name
        assert union.name == name[0].upper() + name[1:] + "Result", name
        assert union.name not in seen
        seen.add(union.name)
        members = {t.name for t in union.types}
        errors = members & ERRORS
        assert len(members - ERRORS) == 1, f"{name}: one result type besides its errors ({members})"
        assert errors, f"{name} can fail"
        # A stale version can only be reported where the caller names the version it read.
        assert ("StaleVersionError" in errors) == ("expectedVersion" in field.args), name
        # Not found only where the mutation names a record by its id (an argument, or an id in its input).
        names_a_record = any(
            str(get_named_type(a.type)) == "UUID" and isinstance(a.type, GraphQLNonNull)
            for a in field.args.values())
        if names_a_record:
            assert "NotFoundError" in errors, name


def test_a_client_selects_code_from_a_result_and_from_its_errors_in_one_query():
    document = parse("""mutation($input: FundingStreamInput!) { putFundingStream(code: "wioa_adult", input: $input) {
        __typename ... on FundingStream { code name } ... on Error { code message field } } }""")
    assert validate(schema._schema, document) == []


def test_the_unions_no_longer_list_every_error():
    widths = [len(get_named_type(f.type).types) - 1 for f in _mutations().values()]
    assert min(widths) < 4
    assert any(w == 1 for w in widths)


@pytest.mark.parametrize(("path", "camel"), [
    ("partner_type", "partnerType"),
    ("jurisdiction.local_area", "jurisdiction.localArea"),
    ("services[0].partner_external_id", "services.0.partnerExternalId"),
    (("services", 0, "partner_external_id"), "services.0.partnerExternalId"),
    (("industries", 2), "industries.2"),
    ("code", "code"),
])
def test_field_paths_are_camel_case_with_list_indexes_as_segments(path, camel):
    assert camel_path(path) == camel


Narrow = Annotated[int | ValidationError | ConflictError, strawberry.union("Narrow")]


def test_an_error_its_union_lists_is_returned_typed_with_the_shared_fields():
    invalid = InvalidInput([FieldProblem("partner_type", "unknown"), FieldProblem("contacts[0].email", "bad")])
    result = as_result(invalid, Narrow)
    assert isinstance(result, ValidationError)
    assert (result.code, result.field) == (ErrorCode.INVALID_INPUT, "partnerType")
    assert [e.field for e in result.errors] == ["partnerType", "contacts.0.email"]
    conflict = as_result(RuleViolation("a function has at most one lead"), Narrow)
    assert isinstance(conflict, ConflictError)
    assert (conflict.code, conflict.rule, conflict.field) == (ErrorCode.RULE_VIOLATED, "RuleViolation", None)


def test_an_error_its_union_does_not_list_reaches_the_caller_as_a_coded_error():
    with pytest.raises(GraphQLError) as raised:
        as_result(NotFound("system", "s-1"), Narrow)
    assert raised.value.extensions == {"code": "NOT_FOUND"}
    assert raised.value.message == "system s-1 does not exist"


def test_a_refused_access_is_an_error_of_the_request_not_a_result():
    with pytest.raises(GraphQLError) as raised:
        as_result(Forbidden("writes are confined to OR"), Narrow)
    assert raised.value.extensions == {"code": "FORBIDDEN"}


CREATE = """
mutation($input: PartnerInput!) {
  createPartner(input: $input) {
    __typename
    ... on Error { message code field }
    ... on ValidationError { errors { field message } }
  }
}
"""


async def test_a_client_reads_any_mutation_error_through_the_interface(client: httpx.AsyncClient, clean_db):
    await add_region(client)
    r = await client.post("/graphql", json={"query": CREATE, "variables": {"input": {
        "name": "Board", "partnerType": "workforce_agency", "level": "LOCAL", "jurisdiction": {"state": "OR"},
        "contacts": [{"name": "Ana", "email": "not an address"}]}}})
    result = r.json()["data"]["createPartner"]
    assert result["__typename"] == "ValidationError"
    assert result["code"] == "INVALID_INPUT"
    assert result["field"] == "contacts.0.email"
    assert [e["field"] for e in result["errors"]] == ["contacts.0.email"]


async def test_a_rule_violation_is_a_conflict_error_with_its_code(client: httpx.AsyncClient, clean_db):
    await add_region(client)
    body = {"name": "Board", "partnerType": "workforce_agency", "level": "LOCAL", "jurisdiction": {"state": "OR"},
            "externalIds": [{"source": "or-wd", "id": str(uuid4())}]}
    first = await client.post("/graphql", json={"query": CREATE, "variables": {"input": body}})
    assert first.json()["data"]["createPartner"]["__typename"] == "Partner"
    again = await client.post("/graphql", json={"query": CREATE, "variables": {"input": body}})
    result = again.json()["data"]["createPartner"]
    assert (result["__typename"], result["code"], result["field"]) == ("ConflictError", "RULE_VIOLATED", None)
