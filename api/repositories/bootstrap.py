"""Bringing a database to a usable state: migrations to head, then reference vocabularies."""

from __future__ import annotations

import asyncio

import asyncpg

from api import reference_data
from api.repositories.database import _init_connection, head_revision, migrate
from api.repositories.reference import PgReferenceRepository

SEED_ORDER = ("partner_types", "populations", "service_categories")
# Tables holding shipped vocabularies: kept when a test resets the data.
REFERENCE_TABLES = frozenset({"partner_types", "populations", "service_categories", "alembic_version"})


async def reset_data(conn: asyncpg.Connection) -> None:
    """Empty every table except the reference vocabularies (used by tests between cases)."""
    from api.repositories.tables import metadata

    names = sorted(set(metadata.tables) - REFERENCE_TABLES)
    await conn.execute(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")


async def seed_reference(dsn: str) -> None:
    """Insert the shipped vocabularies where missing (a deployment's own edits are kept)."""
    conn = await asyncpg.connect(dsn)
    try:
        await _init_connection(conn)
        repo = PgReferenceRepository(conn)
        async with conn.transaction():
            for kind in SEED_ORDER:
                await repo.seed(kind, reference_data.load(kind))
    finally:
        await conn.close()


async def prepare(dsn: str, *, run_migrations: bool = True) -> None:
    """Migrate (in a worker thread: Alembic runs its own event loop) and seed reference data."""
    if run_migrations:
        await asyncio.to_thread(migrate, dsn)
    await seed_reference(dsn)


async def current_revision(conn: asyncpg.Connection) -> str | None:
    """The migration revision the database is at."""
    try:
        return await conn.fetchval("SELECT version_num FROM alembic_version")  # type: ignore[no-any-return]
    except asyncpg.UndefinedTableError:
        return None


async def readiness(pool: asyncpg.Pool) -> tuple[bool, str]:
    """Whether the database answers and is migrated to the code's head revision."""
    try:
        async with pool.acquire(timeout=2) as conn:
            revision = await conn.fetchval("SELECT version_num FROM alembic_version")
    except Exception as exc:  # any failure to reach the database means not ready
        return False, f"database unreachable: {type(exc).__name__}"
    head = head_revision()
    if revision != head:
        return False, f"database at revision {revision}, code expects {head}"
    return True, "ready"
