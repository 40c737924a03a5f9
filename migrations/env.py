"""Alembic environment: runs migrations over asyncpg, with the DSN handed in by the caller."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from api.repositories.database import quote_ident
from api.repositories.tables import metadata

config = context.config
target_metadata = metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    dsn = config.attributes["dsn"]
    role = config.attributes.get("role")

    async def creator() -> asyncpg.Connection:
        conn = await asyncpg.connect(dsn)
        if role:  # a superuser migrating on behalf of the owner role: what it creates belongs to that role
            await conn.execute(f"SET ROLE {quote_ident(role)}")
        return conn

    engine = create_async_engine("postgresql+asyncpg://", async_creator=creator, poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


if "connection" in config.attributes:
    _run(config.attributes["connection"])
else:
    asyncio.run(_main())
