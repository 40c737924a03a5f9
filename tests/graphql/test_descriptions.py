"""Every element of the GraphQL schema is described, in the same words as the REST contract where they overlap."""

from __future__ import annotations

from uuid import UUID

import strawberry
from graphql import GraphQLObjectType

from api.contract import glossary
from api.graphql.descriptions import describe, undescribed
from api.graphql.schema import build_schema, schema
from api.graphql.vocabulary import FIELDS
from api.main import create_app


def test_every_type_field_argument_and_enum_value_has_a_description():
    assert undescribed(schema._schema) == []
    assert undescribed(build_schema(fast_fields=False)._schema) == []


def test_the_schema_as_written_to_openapi_carries_the_descriptions():
    sdl = schema.as_str()
    assert '"""The partner\'s type (a code of the partner types)."""\n  partnerType: String!' in sdl
    assert '"""An occupation (SOC code, `XX-XXXX`)."""\n  SOC' in sdl


def test_graphql_says_what_rest_says_about_the_same_field():
    components = create_app(manage_database=False).openapi()["components"]["schemas"]
    compared, differ = 0, []
    for name, gtype in schema._schema.type_map.items():
        dto = components.get(f"{name}Out")
        if not isinstance(gtype, GraphQLObjectType) or dto is None:
            continue
        for field_name, field in gtype.fields.items():
            definition = field.extensions.get("strawberry-definition")
            prop = dto.get("properties", {}).get(definition.python_name)
            if prop is None or definition.description or f"{name}.{field_name}" in FIELDS:
                continue  # words of its own, on purpose
            compared += 1
            rest = prop.get("description") or ""
            if field.description != rest[:1].upper() + rest[1:]:  # GraphQL's descriptions start with a capital
                differ.append(f"{name}.{field_name}: {field.description!r} / {prop.get('description')!r}")
    assert compared > 300
    assert differ == []


@strawberry.type
class Later:
    id: strawberry.ID
    database_id: UUID
    partner_type: str
    odd_new_field: int = strawberry.field(description="Words of its own.")

    @strawberry.field(description="Ask one later thing.")
    def thing(self, first: int = 1, unheard_of: int = 0) -> int:
        return first + unheard_of


@strawberry.type
class LaterQuery:
    later: Later = strawberry.field(description="A type added after this registry was written.")


def test_a_field_added_later_keeps_its_own_words_and_the_registry_names_what_it_cannot_describe():
    added = strawberry.Schema(query=LaterQuery)
    describe(added._schema)
    later = added._schema.type_map["Later"]
    assert later.fields["oddNewField"].description == "Words of its own."
    assert later.fields["partnerType"].description == glossary.PROPERTIES["partner_type"]
    assert later.fields["id"].description.startswith("The record's global id")  # not REST's UUID
    assert later.fields["databaseId"].description.startswith("The record's UUID")
    assert later.fields["thing"].args["first"].description.startswith("How many records")
    assert set(undescribed(added._schema)) == {"Later", "Later.thing(unheardOf:)", "LaterQuery"}
