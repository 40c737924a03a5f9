"""The fast path is a seam: the service starts and answers GraphQL with it off, and when it cannot load."""

from __future__ import annotations

import logging
import sys
from importlib import metadata

import httpx
import pytest
from fastapi import FastAPI
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.graphql import fast
from api.graphql.schema import build_schema
from api.main import create_app, install_database
from api.settings import Settings
from tests.conftest import add_region, partner_body

QUERY = "{ partners(first: 5) { edges { node { name services { name } } } } }"


async def _answer(app: FastAPI, key: str) -> dict[str, object]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test",
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        await add_region(client)
        created = await client.post("/v1/partners", json=partner_body(name="Lane CC"))
        assert created.status_code == 201, created.text
        r = await client.post("/graphql", json={"query": QUERY})
    assert r.status_code == 200
    body = r.json()
    assert "errors" not in body, body
    return body


def _app(clean_db, **settings: object) -> FastAPI:
    app = create_app(Settings(environment="test", **settings), manage_database=False)
    install_database(app, clean_db)
    return app


def test_the_schema_runs_the_fast_path_only_when_enabled():
    assert build_schema().execution_context_class is fast.FastExecutionContext
    assert build_schema(fast_fields=False).execution_context_class is StrawberryGraphQLCoreExecutionContext


async def test_the_service_answers_graphql_with_the_fast_path_off(clean_db, admin_key):
    body = await _answer(_app(clean_db, graphql_fast_path=False), admin_key)
    assert [e["node"]["name"] for e in body["data"]["partners"]["edges"]] == ["Lane CC"]


async def test_the_service_answers_graphql_with_the_stock_executor_when_the_fast_path_cannot_import(
        clean_db, admin_key, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "api.graphql.fast", None)  # ``import`` raises ImportError
    with caplog.at_level(logging.WARNING, logger="pathways"):
        app = _app(clean_db)
        assert build_schema().execution_context_class is StrawberryGraphQLCoreExecutionContext
    assert any("fast path is off: ModuleNotFoundError" in r.getMessage() for r in caplog.records)
    body = await _answer(app, admin_key)
    assert [e["node"]["name"] for e in body["data"]["partners"]["edges"]] == ["Lane CC"]


def test_an_untested_graphql_core_stops_the_fast_path_from_loading_and_the_stock_executor_runs(monkeypatch, caplog):
    real = metadata.version

    def installed(name: str) -> str:
        return "3.2.6" if name == "graphql-core" else real(name)

    monkeypatch.setattr(metadata, "version", installed)  # as a new import of the package reads it
    monkeypatch.setattr(fast, "version", installed)
    monkeypatch.delitem(sys.modules, "api.graphql.fast")
    with pytest.raises(fast.UntestedVersions, match=r"graphql-core 3\.2\.6"):
        fast.check_versions()
    with caplog.at_level(logging.WARNING, logger="pathways"):
        schema = build_schema()
    assert schema.execution_context_class is StrawberryGraphQLCoreExecutionContext
    assert any("UntestedVersions" in r.getMessage() for r in caplog.records)


def test_the_version_check_reads_the_release_numbers():
    assert fast._release("3.3.0a9") == (3, 3, 0)
    assert fast._release("0.341.2") == (0, 341, 2)
    assert fast.TESTED["graphql-core"][0] <= fast._release(metadata.version("graphql-core"))
