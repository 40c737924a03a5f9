"""The request context's batched services read answers what the services DataLoader answers, in one query."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from uuid import uuid4

import pytest

from api.domain.access import system_caller
from api.graphql.context import Context
from api.repositories.database import Database, QueryCounter
from api.repositories.uow import PgUnitOfWork
from tests.graphql.test_partners_graphql import _seed


def _factory(db: Database):
    return lambda readonly, caller: PgUnitOfWork(db, readonly=readonly, caller=caller)


async def _partner_ids(db: Database) -> list:
    async with db.pool.acquire() as conn:
        return [r[0] for r in await conn.fetch("SELECT id FROM partners ORDER BY name")]


async def test_services_of_many_partners_are_what_the_loader_loads_with_one_query(clean_db: Database):
    await _seed(clean_db, 6, services_each=2)
    ids = [*await _partner_ids(clean_db), uuid4()]  # and a partner that does not exist
    async with AsyncExitStack() as stack:
        expected = await Context(_factory(clean_db), stack, system_caller("test")).loaders.services.load_many(ids)
    counter = QueryCounter()
    clean_db.query_observer = counter  # seen by connections as they are acquired
    try:
        async with AsyncExitStack() as stack:
            loaders = Context(_factory(clean_db), stack, system_caller("test")).loaders
            first = await loaders.services.load(ids[0])  # one partner loaded already
            await asyncio.sleep(0)  # asyncpg reports queries to loggers with call_soon
            before = counter.count
            answers = await loaders.services_of([ids[0], *ids, ids[1]])
            again = [await loaders.services.load(key) for key in ids]  # primed: no query
            await asyncio.sleep(0)
            queries = counter.count - before
    finally:
        clean_db.query_observer = None
    assert answers == [expected[0], *expected, expected[1]] and answers[0] is first
    assert again == expected
    assert queries == 1
    assert [len(services) for services in answers] == [2, 2, 2, 2, 2, 2, 2, 0, 2]


async def test_a_failed_read_fails_the_loads_of_the_same_partners(clean_db: Database, monkeypatch):
    from api.graphql import context as context_module

    async def broken(*args: object, **kwargs: object) -> dict:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(context_module.partner_uc, "services_of_partners", broken)
    async with AsyncExitStack() as stack:
        loaders = Context(_factory(clean_db), stack, system_caller("test")).loaders
        key = uuid4()
        with pytest.raises(RuntimeError, match="went away"):
            await loaders.services_of([key])
        with pytest.raises(RuntimeError, match="went away"):
            await loaders.services.load(key)
