"""A document sent again is not validated again, and the abuse limits still apply to every document."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import api.graphql.limits as limits
from api.graphql.schema import build_schema

QUERY = "{ partners(first: 3) { edges { node { name services { name } } } } }"


def _validate(schema: Any, query: str) -> list[str]:
    """Run the operation up to execution; the context is never reached for documents that fail validation."""
    result = asyncio.run(schema.execute(query, context_value=None))
    return [e.message for e in result.errors or []]


def test_a_document_sent_again_is_validated_once(monkeypatch: pytest.MonkeyPatch):
    schema = build_schema(max_cost=50_000)
    seen: list[str] = []
    page = limits.page_estimate

    def counted(field: Any, **bounds: int) -> int:  # the cost rule sizes every field it validates
        seen.append(field.name.value)
        return page(field, **bounds)

    monkeypatch.setattr(limits, "page_estimate", counted)
    query = QUERY.replace("first: 3", "first: 4")  # a text no other test sent
    for _ in range(3):
        asyncio.run(schema.execute(query, context_value=None))  # fails at execution: there is no context
    assert seen.count("partners") == 1


def test_the_limits_apply_to_cached_documents_of_every_schema():
    strict, lenient = build_schema(max_cost=10, max_depth=3), build_schema()
    for _ in range(2):
        assert any("estimated cost" in m or "exceeds maximum operation depth" in m
                   for m in _validate(strict, QUERY))
        assert not any("estimated cost" in m for m in _validate(lenient, QUERY))
