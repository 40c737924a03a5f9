"""Bringing a database to a usable state: migrations to head, then reference vocabularies."""

from __future__ import annotations

import asyncio

import asyncpg

from api import reference_data
from api.domain.funding import funding_streams_from_dicts
from api.domain.lmi_ingest import TitleScheme, title_code
from api.domain.readiness import framework_from_dict
from api.repositories.database import _init_connection, head_revision, migrate
from api.repositories.funding import PgFundingRepository
from api.repositories.readiness import PgReadinessRepository
from api.repositories.reference import PgReferenceRepository

SEED_ORDER = ("partner_types", "populations", "service_categories")
ROLE_DOCUMENTS = ("population_partner_types", "support_needs", "team_requirements")
# Code titles the package ships (the top level of each classification); a deployment loads the rest.
SHIPPED_TITLES = (("soc_major_groups", TitleScheme.SOC), ("naics_sectors", TitleScheme.NAICS))


def shipped_framework() -> dict[str, object]:
    """The readiness framework version shipped with the package, as parsed JSON."""
    data: dict[str, object] = reference_data.load("readiness_framework")
    return data


async def reset_data(conn: asyncpg.Connection) -> None:
    """Empty every table except the reference vocabularies (used by tests between cases).

    Framework versions made by edits go too, so every test starts from the shipped version.
    """
    from api.repositories.tables import metadata

    # DELETE with triggers and foreign keys switched off for this session is far cheaper than TRUNCATE on
    # the few rows a test leaves; the editable reference data goes too and is seeded again as shipped.
    keep = {"alembic_version", *SEED_ORDER}
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")
        for name in sorted(set(metadata.tables) - keep):
            await conn.execute(f'DELETE FROM "{name}"')
        await conn.execute("SET LOCAL session_replication_role = DEFAULT")
        await _seed(conn)


async def seed_reference(dsn: str) -> None:
    """Insert the shipped vocabularies where missing (a deployment's own edits are kept)."""
    conn = await asyncpg.connect(dsn)
    try:
        await _init_connection(conn)
        async with conn.transaction():
            await _seed(conn)
    finally:
        await conn.close()


async def _seed(conn: asyncpg.Connection) -> None:
    repo = PgReferenceRepository(conn)
    for kind in SEED_ORDER:
        await repo.seed(kind, reference_data.load(kind))
    await _seed_roles(conn)
    await _seed_titles(conn)
    streams = funding_streams_from_dicts(reference_data.load("funding_streams"), await repo.catalog())
    await PgFundingRepository(conn).seed_streams(streams.values())
    # The shipped version is added once; edits make newer versions and never touch it.
    await PgReadinessRepository(conn).add_framework(framework_from_dict(shipped_framework()))


async def _seed_titles(conn: asyncpg.Connection) -> None:
    """Insert the shipped SOC major group and NAICS sector titles where missing."""
    rows = []
    for name, scheme in SHIPPED_TITLES:
        for entry in reference_data.load(name):
            code, level = title_code(scheme, entry["code"])
            rows.append((scheme.value, code, entry["title"], level))
    await conn.executemany(
        "INSERT INTO code_titles (scheme, code, title, level) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", rows)


async def _seed_roles(conn: asyncpg.Connection) -> None:
    """Seed functions, the default role matrix and the role mappings where missing."""
    functions = reference_data.load("functions")
    await conn.executemany(
        """INSERT INTO functions (code, name, description, core, element, service_categories)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING""",
        [(f["code"], f["name"], f.get("description", ""), bool(f.get("core")), f.get("element"),
          f.get("service_categories", [])) for f in functions],
    )
    # The matrix is seeded once; afterwards it belongs to the deployment (rows may have been removed on purpose).
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM usual_functions)"):
        pairs = [(ptype, fn) for ptype, fns in reference_data.load("role_matrix").items() for fn in fns]
        await conn.executemany("INSERT INTO usual_functions (partner_type, function) VALUES ($1, $2)", pairs)
    for name in ROLE_DOCUMENTS:
        await conn.execute(
            "INSERT INTO reference_documents (name, body) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            name, reference_data.load(name),
        )


async def prepare(dsn: str, *, run_migrations: bool = True) -> None:
    """Migrate (in a worker thread: Alembic runs its own event loop) and seed reference data."""
    if run_migrations and not await _at_head(dsn):
        await asyncio.to_thread(migrate, dsn)
    await seed_reference(dsn)


async def _at_head(dsn: str) -> bool:
    """Whether the database is already at the code's head revision (then Alembic need not even load).

    Starting on an existing data folder spent most of its time importing and running Alembic to do nothing.
    """
    conn = await asyncpg.connect(dsn)
    try:
        return await current_revision(conn) == head_revision()
    finally:
        await conn.close()


async def current_revision(conn: asyncpg.Connection) -> str | None:
    """The migration revision the database is at."""
    try:
        return await conn.fetchval("SELECT version_num FROM alembic_version")
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
