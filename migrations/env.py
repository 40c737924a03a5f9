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
    role = config.attributes.get("role")
    with context.begin_transaction():
        if role:  # a superuser migrating on behalf of the owner role: what it creates belongs to that role
            # SET LOCAL: the role ends with the transaction, so behind a transaction pooler it cannot stay on a
            # server connection that another client gets next.
            connection.exec_driver_sql(f"SET LOCAL ROLE {quote_ident(role)}")
        context.run_migrations()


async def _main() -> None:
    dsn = config.attributes["dsn"]

    async def creator() -> asyncpg.Connection:
        # No named prepared statements (they would outlive the transaction behind a transaction pooler).
        return await asyncpg.connect(dsn, statement_cache_size=0)

    engine = create_async_engine("postgresql+asyncpg://?prepared_statement_cache_size=0", async_creator=creator,
                                 poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


if "connection" in config.attributes:
    _run(config.attributes["connection"])
else:
    asyncio.run(_main())
