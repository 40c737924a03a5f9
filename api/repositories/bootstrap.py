"""Bringing a database to a usable state: its roles, migrations to head, reference vocabularies, grants.

Least privilege: the schema belongs to an owner role, which migrations run as; the service connects as a
role that owns nothing and may only read and write rows (never truncate, alter, or disable a trigger), and
may only add to the audit log. Given a superuser (the embedded server, or a ``DATABASE_URL`` that is one),
the service creates both roles itself; otherwise an operator does (``docs/scaling.md``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from api import reference_data
from api.domain.funding import funding_streams_from_dicts
from api.domain.lmi_ingest import TitleScheme, title_code
from api.domain.readiness import framework_from_dict
from api.domain.systems import role_matrix_entries
from api.repositories.database import _init_connection, head_revision, migrate, quote_ident, with_user
from api.repositories.funding import PgFundingRepository
from api.repositories.readiness import PgReadinessRepository
from api.repositories.reference import PgReferenceRepository

log = logging.getLogger("pathways.db")

SEED_ORDER = ("partner_types", "populations", "service_categories")
# Tables the service may only read and add to, or only read; everything else it may read and write rows of.
APPEND_ONLY_TABLES = ("audit_log",)
READ_ONLY_TABLES = ("alembic_version",)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Roles:
    """The two database roles: ``owner`` owns the schema and runs migrations, ``service`` serves requests."""

    owner: str = "pathways_owner"
    service: str = "pathways_service"
    service_password: str | None = None

    def __post_init__(self) -> None:
        for name in (self.owner, self.service):
            if not _ROLE_NAME.match(name):
                raise ValueError(f"role name {name!r} must be lower-case letters, digits and _")
        if self.owner == self.service:
            raise ValueError("the owner and service roles must differ")


DEFAULT_ROLES = Roles()
ROLE_DOCUMENTS = ("population_partner_types", "support_needs", "team_requirements", "agreement_checklists")
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
    # Each entry keeps its source: 'seed' for the seed's own chart, the stated source of each project addition.
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM usual_functions)"):
        entries = list({(t, f): s for t, f, s in reversed(role_matrix_entries(reference_data.load("role_matrix")))}
                       .items())
        await conn.executemany("INSERT INTO usual_functions (partner_type, function, source) VALUES ($1, $2, $3)",
                               [(t, f, s) for (t, f), s in sorted(entries)])
    for name in ROLE_DOCUMENTS:
        await conn.execute(
            "INSERT INTO reference_documents (name, body) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            name, reference_data.load(name),
        )


# Settings of the database rather than of each connection, so that they hold through a pooler in transaction mode
# (docs/scaling.md). synchronize_seqscans off: a sequential scan always starts at the table's first page, so a
# search ranks the same window of matches on every page (``PgPartnerRepository._ranked_sql``). Only a superuser or
# the database's owner may set them; anyone else is told how.
DATABASE_SETTINGS = """
DO $$ BEGIN
  IF current_setting('synchronize_seqscans') <> 'off' THEN
    EXECUTE format('ALTER DATABASE %I SET synchronize_seqscans = off', current_database());
  END IF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE WARNING 'set synchronize_seqscans = off on database % (docs/scaling.md)', current_database();
END $$
"""


async def prepare(dsn: str, *, migration_dsn: str | None = None, roles: Roles = DEFAULT_ROLES,
                  run_migrations: bool = True) -> str:
    """Migrate (as the owner role), seed reference data and grant the service role; return the DSN to serve with.

    Everything runs through ``migration_dsn`` when given (the owner's, or a superuser's), else through ``dsn``.
    When that is a superuser, the roles are created (or checked) first and migrations run as the owner; the
    service then connects as the service role: ``dsn`` with that user, unless a separate ``migration_dsn``
    was given, in which case ``dsn`` is the service's own URL and is returned as it is.
    """
    admin = migration_dsn or dsn
    # One-off connections prepare no named statements: behind a transaction pooler such a statement would stay on
    # a server connection that other clients then share (docs/scaling.md, "A connection pooler").
    conn = await asyncpg.connect(admin, statement_cache_size=0)
    try:
        superuser = bool(await conn.fetchval("SELECT current_setting('is_superuser') = 'on'"))
        if superuser:
            await provision(conn, roles)
        # Starting on a database at head skips Alembic altogether (importing and running it to do nothing
        # was most of a restart's time); Alembic runs its own event loop, so in a worker thread.
        if run_migrations and await current_revision(conn) != head_revision():
            await asyncio.to_thread(migrate, admin, role=roles.owner if superuser else None)
        await conn.execute(DATABASE_SETTINGS)
        await _init_connection(conn)
        async with conn.transaction():
            await _seed(conn)
        if superuser or await conn.fetchval("SELECT current_user = $1::text", roles.owner):
            await grant_service(conn, roles)
        elif await conn.fetchval(OWNS_AUDIT_LOG):
            log.warning("the service connects as the owner of its tables, so every guard in the database is "
                        "advisory: see docs/scaling.md, 'Database roles'")
    finally:
        await conn.close()
    if superuser and migration_dsn is None:
        return with_user(dsn, roles.service, roles.service_password)
    return dsn


async def serving_dsn(dsn: str, *, migration_dsn: str | None = None, roles: Roles = DEFAULT_ROLES) -> str:
    """The DSN to serve with when another process prepared the database: never a superuser's (see ``prepare``)."""
    if migration_dsn is not None:
        return dsn
    conn = await asyncpg.connect(dsn, statement_cache_size=0)
    try:
        superuser = bool(await conn.fetchval("SELECT current_setting('is_superuser') = 'on'"))
    finally:
        await conn.close()
    return with_user(dsn, roles.service, roles.service_password) if superuser else dsn


OWNS_AUDIT_LOG = """
SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit_log'
                                        AND tableowner = current_user)
"""


async def provision(conn: asyncpg.Connection, roles: Roles) -> None:
    """Create the owner and service roles if missing and give the owner the service's objects (a superuser's job).

    Roles are shared by every database of the server, and several processes (or test runs) may start at once:
    each step tolerates another session doing the same at the same moment.
    """
    from api.repositories.tables import metadata

    await _retrying(lambda: _ensure_role(conn, roles.owner, login=False))
    await _retrying(lambda: _ensure_role(conn, roles.service, login=True, password=roles.service_password))
    owner = quote_ident(roles.owner)
    await _retrying(lambda: conn.execute(
        f"REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT USAGE, CREATE ON SCHEMA public TO {owner}"))
    # Databases made before the roles existed (or migrated by a superuser) hold our tables (with their indexes
    # and sequences) and trigger functions under another role; only ours move, whatever else shares the schema.
    for row in await conn.fetch(FOREIGN_OBJECTS, roles.owner, [*metadata.tables, "alembic_version"]):
        await conn.execute(f"{row['alter']} OWNER TO {owner}")


FOREIGN_OBJECTS = """
SELECT format('ALTER TABLE %s', c.oid::regclass) AS alter FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname = any($2::text[])
  AND c.relowner <> to_regrole($1)
UNION
SELECT format('ALTER FUNCTION %s', p.oid::regprocedure) FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
WHERE c.relnamespace = 'public'::regnamespace AND c.relname = any($2::text[]) AND NOT t.tgisinternal
  AND p.proowner <> to_regrole($1)
"""


async def _ensure_role(conn: asyncpg.Connection, name: str, *, login: bool, password: str | None = None) -> None:
    attributes = ("LOGIN" if login else "NOLOGIN") + " NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    row = await conn.fetchrow("SELECT rolsuper, rolcanlogin, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls "
                              "FROM pg_roles WHERE rolname = $1", name)
    if row is None:
        await conn.execute(f"CREATE ROLE {quote_ident(name)} {attributes}")
    elif tuple(row.values()) != (False, login, False, False, False, False):
        await conn.execute(f"ALTER ROLE {quote_ident(name)} {attributes}")
    if password:
        # ALTER ROLE takes no parameters: the literal is quoted here.
        literal = "'" + password.replace("'", "''") + "'"
        await conn.execute(f"ALTER ROLE {quote_ident(name)} PASSWORD {literal}")


async def _retrying(step: Callable[[], Awaitable[object]], attempts: int = 5) -> None:
    """Run a statement on roles or grants that another session may be running at the same moment."""
    for attempt in range(attempts):
        try:
            await step()
            return
        except (asyncpg.UniqueViolationError, asyncpg.DuplicateObjectError, asyncpg.InternalServerError) as exc:
            # A concurrent CREATE ROLE loses on pg_authid's unique index; a concurrent ALTER ROLE or GRANT meets
            # "tuple concurrently updated". Either way the other session did what this one meant to: look again.
            concurrent = not isinstance(exc, asyncpg.InternalServerError) or "concurrently" in str(exc)
            if attempt == attempts - 1 or not concurrent:
                raise
            await asyncio.sleep(0.05 * (attempt + 1))


async def grant_service(conn: asyncpg.Connection, roles: Roles) -> None:
    """Let the service role read and write the rows of the service's tables, only add to the audit log and only
    read the migration mark; nothing more (no TRUNCATE, no TRIGGER, no REFERENCES, no other table).

    Run after every migration (``prepare`` does), so the tables a migration adds are granted too.
    """
    from api.repositories.tables import metadata

    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", roles.service):
        return
    names = [*metadata.tables, "alembic_version"]
    tables = [r["tablename"] for r in await conn.fetch(OUR_TABLES, names)]
    sequences = [r["sequence"] for r in await conn.fetch(OUR_SEQUENCES, names)]
    service = quote_ident(roles.service)
    database = quote_ident(await conn.fetchval("SELECT current_database()"))
    statements = [f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {service}",
                  f"GRANT USAGE ON SCHEMA public TO {service}"]
    for table in tables:
        privileges = ("SELECT, INSERT" if table in APPEND_ONLY_TABLES else "SELECT" if table in READ_ONLY_TABLES
                      else "SELECT, INSERT, UPDATE, DELETE")
        statements += [f"REVOKE ALL ON {quote_ident(table)} FROM {service}",
                       f"GRANT {privileges} ON {quote_ident(table)} TO {service}"]
    statements += [f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {service}" for sequence in sequences]

    async def grant() -> None:
        async with conn.transaction():  # a running service never sees a table between its REVOKE and its GRANT
            await conn.execute(";\n".join(statements))

    await _retrying(grant)


OUR_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = any($1::text[])"
OUR_SEQUENCES = """
SELECT s.oid::regclass::text AS sequence FROM pg_class s
JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass
JOIN pg_class t ON t.oid = d.refobjid
WHERE s.relkind = 'S' AND t.relnamespace = 'public'::regnamespace AND t.relname = any($1::text[])
"""


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
