"""The ``Node`` interface: every GraphQL type of a record with its own id implements it (Relay's object
identification), with a global ``id`` (``api/graphql/ids.py``) and the plain UUID as ``databaseId``."""

from __future__ import annotations

from typing import Any

import strawberry

from api.graphql.ids import GlobalId


@strawberry.interface(description="A record with a global id: `node(id:)` fetches it again, under the same access "
                                  "rules as its own query.")
class Node:
    id: GlobalId = strawberry.field(
        graphql_type=strawberry.ID,
        description="The global id: opaque and stable, it names the type and the record; `node(id:)` takes it.")

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        """Whether ``obj`` is a value of this type (graphql-core asks when completing a field of the type)."""
        return isinstance(obj, cls)


# The fast executor (api/graphql/fast/executor.py) completes a value of exactly such a type's class without asking.
Node.is_type_of.__func__.answers_isinstance = True  # type: ignore[attr-defined]
