"""The migrations are the schema: they match the SQLModel tables and round-trip down and up."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from api.repositories.database import downgrade, head_revision, migrate
from api.repositories.tables import metadata
from tests.conftest import create_database, drop_database


def _diff(dsn: str) -> list[object]:
    async def run() -> list[object]:
        async def creator() -> asyncpg.Connection:
            return await asyncpg.connect(dsn)

        engine = create_async_engine("postgresql+asyncpg://", async_creator=creator, poolclass=pool.NullPool)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)
            )
        await engine.dispose()
        return list(diff)

    return asyncio.run(run())


async def _revision(dsn: str) -> str | None:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT version_num FROM alembic_version")
    finally:
        await conn.close()


async def test_migrated_schema_has_no_pending_autogenerate_diff(server_dsn):
    name, dsn = await create_database(server_dsn)
    try:
        await asyncio.to_thread(migrate, dsn)
        assert await asyncio.to_thread(_diff, dsn) == []
    finally:
        await drop_database(server_dsn, name)


async def test_downgrade_to_base_and_upgrade_again_round_trips(server_dsn):
    name, dsn = await create_database(server_dsn)
    try:
        await asyncio.to_thread(migrate, dsn)
        assert await _revision(dsn) == head_revision()
        await asyncio.to_thread(downgrade, dsn, "base")
        conn = await asyncpg.connect(dsn)
        try:
            tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        finally:
            await conn.close()
        assert [t["tablename"] for t in tables] == ["alembic_version"]
        await asyncio.to_thread(migrate, dsn)
        assert await _revision(dsn) == head_revision()
        assert await asyncio.to_thread(_diff, dsn) == []
    finally:
        await drop_database(server_dsn, name)
