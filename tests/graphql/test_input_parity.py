"""Each GraphQL mutation input has the fields of the REST request body it is validated with, so a field REST
accepts cannot be missing from GraphQL (or the other way round) unnoticed.

The GraphQL side is an input type, or the arguments of a mutation that takes none (less the ones REST carries in
its path, and ``expectedVersion``: REST's ``If-Match``). Fields are compared by their GraphQL names (a REST field
through the schema's own name converter). Input objects nested in a compared input are compared with the REST
model at the same place. What differs on purpose is listed in ``INTENDED`` with the reason; anything else fails.
Every input type and every mutation of the schema is accounted for, so a new one cannot skip the comparison.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, get_named_type
from pydantic import BaseModel

from api.graphql.schema import schema
from api.schemas import action_plans as sap
from api.schemas import agreements as sa
from api.schemas import connections as sc
from api.schemas import funding as sf
from api.schemas import partners as sp
from api.schemas import readiness as sr
from api.schemas import systems as ss

OPENAPI = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"

# GraphQL input type -> the REST body it is validated with (nested inputs are paired through their fields).
INPUT_PAIRS: dict[str, type[BaseModel]] = {
    "PartnerInput": sp.PartnerCreate, "PartnerPatchInput": sp.PartnerPatch,
    "ServiceInput": sp.ServiceCreate, "ServicePatchInput": sp.ServicePatch,
    "SystemInput": ss.SystemCreate, "SystemPatchInput": ss.SystemPatch,
    "MemberInput": ss.MemberIn, "MemberPatchInput": ss.MemberPatch, "AssignmentInput": ss.AssignmentIn,
    "StaffSessionInput": ss.StaffSessionIn,
    "AgreementInput": sa.AgreementIn, "AgreementPatchInput": sa.AgreementPatch,
    "AllocationInput": sf.AllocationIn, "AllocationPatchInput": sf.AllocationPatch,
    "FundingStreamInput": sf.FundingStreamIn,
    "FrameworkInput": sr.FrameworkIn, "ResponseInput": sr.ResponseIn, "NextStepsInput": sr.NextStepsIn,
    "PlanInput": sap.PlanIn, "GoalInput": sap.GoalIn, "GoalPatchInput": sap.GoalPatch,
    "ActionItemInput": sap.ItemIn, "ActionItemPatchInput": sap.ItemPatch,
    "ConnectionInput": sc.ConnectionIn, "ConnectionPatchInput": sc.ConnectionPatch,
    "JoinSystemInput": sc.JoinSystemIn,
}

# Mutation taking its fields as arguments -> (the REST body, the arguments REST carries in its path).
ARGUMENT_PAIRS: dict[str, tuple[type[BaseModel], set[str]]] = {
    "setIntermediary": (ss.IntermediaryIn, {"systemId"}),
    "recordReview": (ss.ReviewIn, {"systemId"}),
    "correctReview": (ss.ReviewCorrectionIn, {"systemId"}),
    "recordVisionReview": (ss.VisionReviewIn, {"systemId"}),
    "correctVisionReview": (ss.VisionReviewCorrectionIn, {"systemId"}),
    "confirmRelationship": (ss.ConfirmationIn, {"systemId"}),
    "signAgreement": (sa.SignIn, {"systemId", "id"}),
    "startRound": (sr.RoundIn, {"systemId"}),
    "closeRound": (sr.CloseRoundIn, {"roundId"}),
    "advanceConnection": (sc.AdvanceIn, {"id"}),
    "addGoalFromGap": (sap.GoalFromGapIn, {"systemId"}),
}

# Mutations REST answers without a body, each with why.
BODILESS: dict[str, str] = {
    "deletePartner": "DELETE: the partner's id is in the path",
    "deleteService": "DELETE: the partner's and the service's ids are in the path",
    "removeMember": "DELETE: the ids are in the path, cascade a query parameter",
    "unassignRole": "DELETE: the ids are in the path",
    "deleteGoal": "DELETE: the ids are in the path",
    "deleteActionItem": "DELETE: the ids are in the path",
    "deleteAgreement": "DELETE: the ids are in the path",
    "deleteAllocation": "DELETE: the ids are in the path",
    "deleteStaffSession": "DELETE: the ids are in the path",
}

# GraphQL input (or mutation) -> (fields only GraphQL has, fields only REST has), each with why. None today: a
# REST map is a list of entries in GraphQL (it has no map type) under the same field name (``NOT_A_BODY``).
INTENDED: dict[str, tuple[set[str], set[str]]] = {}

# Input types that are no REST body (nor part of one), each with why.
NOT_A_BODY: dict[str, str] = {
    "PartnerFilterInput": "the filters of the partners query: REST's query parameters of GET /v1/partners",
    "GeoPointInput": "a filter's point: REST's near=lat,lon query parameter",
    "LaborMarketFilterInput": "the filters of the observations query: REST's query parameters",
    "PopulationSizeInput": "one entry of SystemCreate.target_population_sizes, a map in REST",
    "RatingInput": "one entry of ResponseIn.ratings, a map in REST",
    "NoteInput": "one entry of ResponseIn.notes, a map in REST",
}

# REST bodies GraphQL does not take, each with why (the JSON bodies of the committed OpenAPI document; NDJSON and
# CSV uploads are no JSON bodies).
REST_ONLY: dict[str, str] = {
    "KeyCreate": "API keys are administered over REST only (/v1/admin/keys): a key is never minted by a query",
    "RegionIn": "reference data (regions) is loaded by administrators over REST, not edited by analysts",
    "FunctionIn": "reference data (core functions) is loaded by administrators over REST",
    "UsualFunctionsIn": "reference data (the functions a partner type usually carries) is loaded over REST",
    "HsdsOrganization": "HSDS interchange: a directory sync (POST /v1/sync/hsds), not a GraphQL mutation",
    "HsdsService": "HSDS interchange: a directory sync (POST /v1/sync/hsds), not a GraphQL mutation",
}


def _graphql_name(name: str) -> str:
    return schema.config.name_converter.apply_naming_config(name)


def _rest_fields(model: type[BaseModel]) -> set[str]:
    return {_graphql_name(name) for name in model.model_fields}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (through Optional, list and Annotated); maps hold none."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is dict:
        return []
    if origin is typing.Annotated:
        return _models_in(typing.get_args(annotation)[0])
    if origin in (list, typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def _input_type(name: str) -> GraphQLInputObjectType:
    found = schema._schema.type_map[name]  # type: ignore[attr-defined]
    assert isinstance(found, GraphQLInputObjectType)
    return found


def _nested_pairs() -> set[tuple[str, type[BaseModel]]]:
    """Every input type reached from ``INPUT_PAIRS`` with the REST model at the same place (an input used in two
    places is compared with the model of each), and the mutations of ``ARGUMENT_PAIRS`` (named ``mutation()``)."""
    pairs: set[tuple[str, type[BaseModel]]] = set()
    todo = list(INPUT_PAIRS.items()) + [
        (f"{mutation}()", model) for mutation, (model, _) in ARGUMENT_PAIRS.items()]
    while todo:
        name, model = todo.pop()
        if (name, model) in pairs:
            continue
        pairs.add((name, model))
        if name.endswith("()"):
            continue
        fields = _input_type(name).fields
        for field_name, info in model.model_fields.items():
            graphql_field = fields.get(_graphql_name(field_name))
            nested = get_named_type(graphql_field.type) if graphql_field else None
            models = _models_in(info.annotation)
            if isinstance(nested, GraphQLInputObjectType) and models:
                assert len(models) == 1, (name, field_name, models)
                todo.append((nested.name, models[0]))
    return pairs


def _graphql_fields(name: str) -> set[str]:
    if name.endswith("()"):
        mutation = name[:-2]
        _, path = ARGUMENT_PAIRS[mutation]
        arguments = schema._schema.mutation_type.fields[mutation].args  # type: ignore[attr-defined]
        return set(arguments) - path - {"expectedVersion"}
    return set(_input_type(name).fields)


PAIRS = sorted(_nested_pairs(), key=lambda pair: (pair[0], pair[1].__name__))


@pytest.mark.parametrize(("graphql", "rest"), PAIRS, ids=[f"{name}-{model.__name__}" for name, model in PAIRS])
def test_each_mutation_input_has_the_fields_of_its_rest_body(graphql: str, rest: type[BaseModel]):
    mine, theirs = _graphql_fields(graphql), _rest_fields(rest)
    assert (mine - theirs, theirs - mine) == INTENDED.get(graphql.removesuffix("()"), (set(), set()))


def test_every_input_type_is_compared_or_is_no_rest_body():
    inputs = {n for n, t in schema._schema.type_map.items()  # type: ignore[attr-defined]
              if isinstance(t, GraphQLInputObjectType)}
    compared = {name for name, _ in _nested_pairs() if not name.endswith("()")}
    assert inputs - compared == set(NOT_A_BODY)
    assert not compared & set(NOT_A_BODY)


def test_every_mutation_is_compared_or_has_no_rest_body():
    mutations = schema._schema.mutation_type.fields  # type: ignore[attr-defined]
    with_input = {name for name, field in mutations.items() if "input" in field.args
                  and get_named_type(field.args["input"].type).name in INPUT_PAIRS}
    assert set(mutations) - with_input - set(ARGUMENT_PAIRS) == set(BODILESS)


def test_every_intended_difference_names_a_compared_input():
    assert set(INTENDED) <= {name.removesuffix("()") for name, _ in _nested_pairs()}


def _json_bodies() -> set[str]:
    """The component names of every JSON request body in the committed OpenAPI document."""
    document = json.loads(OPENAPI.read_text())
    names: set[str] = set()

    def refs(schema_: Any) -> None:
        if isinstance(schema_, dict):
            if "$ref" in schema_:
                names.add(schema_["$ref"].rsplit("/", 1)[-1])
            for value in schema_.values():
                refs(value)
        elif isinstance(schema_, list):
            for value in schema_:
                refs(value)

    for operations in document["paths"].values():
        for operation in operations.values():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                refs(body["schema"])
    return names


def test_every_rest_body_is_taken_by_graphql_or_is_rest_only():
    taken = {model.__name__ for _, model in _nested_pairs()}
    bodies = _json_bodies()
    assert bodies - taken == set(REST_ONLY), "a REST body GraphQL does not take: pair it or say why in REST_ONLY"
    assert not taken & set(REST_ONLY)
