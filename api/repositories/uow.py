"""The unit of work: one connection and one transaction per request, committed once or rolled back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

import asyncpg
from asyncpg.transaction import Transaction

from api.domain.access import Caller
from api.repositories.access import NOTE_WRITE, PgApiKeyRepository, PgAuditRepository
from api.repositories.action_plans import PgActionPlanRepository
from api.repositories.agreements import PgAgreementRepository
from api.repositories.changes import PgChangeFeed
from api.repositories.connections import PgConnectionRepository
from api.repositories.database import UNAVAILABLE_ERRORS, ConnectionLost, Database, Replica, SerializedConnection
from api.repositories.funding import PgFundingRepository
from api.repositories.labor_market import PgLaborMarketRepository
from api.repositories.partners import PgPartnerRepository
from api.repositories.readiness import PgReadinessRepository
from api.repositories.reference import PgReferenceRepository
from api.repositories.sync import PgSyncRepository
from api.repositories.systems import PgSystemRepository


class PgUnitOfWork:
    """Binds every repository to one connection; writes commit together or not at all.

    A read-only unit of work opens no transaction, so a read costs only its own queries. Given a ``replica``,
    it reads there (falling back to the primary when the replica cannot answer); a writing one always works on
    the primary, and with ``note_write`` its key's write is noted in the same transaction, so that the key's
    reads follow it to the primary for a while (``api_key_writes``). ``served`` learns where it read from.
    """

    def __init__(self, db: Database, *, caller: Caller, readonly: bool = False, replica: Replica | None = None,
                 note_write: bool = False, served: Callable[[str], None] | None = None) -> None:
        self._db = db
        self.caller = caller
        self._readonly = readonly
        self._replica = replica if readonly else None
        self._note_write = note_write and not readonly and caller.key_id is not None
        self._served = served
        self._conn: asyncpg.Connection | None = None
        self._held: list[tuple[Database, asyncpg.Connection]] = []
        self._shared: SerializedConnection | None = None
        self._tx: Transaction | None = None

    async def _take(self, db: Database) -> asyncpg.Connection:
        conn = await db.pool.acquire()
        self._held.append((db, conn))
        if db.query_observer is not None:
            conn.add_query_logger(db.query_observer)
        return conn

    async def _fall_back(self, exc: BaseException) -> asyncpg.Connection:
        """The primary's connection for a read the replica could not answer."""
        assert self._replica is not None
        self._replica.failed(exc)
        self._conn = conn = await self._take(self._db)
        if self._served is not None:
            self._served("primary")
        return conn

    async def __aenter__(self) -> PgUnitOfWork:
        try:
            conn = None
            if self._replica is not None and (replica_conn := await self._replica.acquire()) is not None:
                self._held.append((self._replica.db, replica_conn))
                if self._replica.db.query_observer is not None:
                    replica_conn.add_query_logger(self._replica.db.query_observer)
                conn = replica_conn
            on_replica = conn is not None
            if conn is None:
                conn = await self._take(self._db)
            self._conn = conn
            if not self._readonly:
                self._tx = conn.transaction()
                await self._tx.start()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        if self._served is not None:
            self._served("replica" if on_replica else "primary")
        # Reads may be shared by concurrent GraphQL resolvers; writes run one use case at a time.
        shared: Any = conn
        if self._readonly:
            shared = self._shared = SerializedConnection(conn, fallback=self._fall_back if on_replica else None)
        self.partners = PgPartnerRepository(shared)
        self.reference = PgReferenceRepository(shared)
        self.systems = PgSystemRepository(shared)
        self.readiness = PgReadinessRepository(shared)
        self.plans = PgActionPlanRepository(shared)
        self.keys = PgApiKeyRepository(shared)
        self.sync = PgSyncRepository(conn, lock_timeout_ms=self._db.statement_timeout_ms)
        self.changes = PgChangeFeed(shared)
        self.audit = PgAuditRepository(shared)
        self.agreements = PgAgreementRepository(shared)
        self.funding = PgFundingRepository(shared)
        self.connections = PgConnectionRepository(shared)
        self.labor_market = PgLaborMarketRepository(shared)
        return self

    @asynccontextmanager
    async def trial(self) -> AsyncIterator[None]:
        """Run a block in a savepoint that is always rolled back: its writes (and their feed entries) vanish."""
        assert self._conn is not None and self._tx is not None, "a trial needs a writing unit of work"
        savepoint = self._conn.transaction()
        await savepoint.start()
        try:
            yield
        finally:
            await savepoint.rollback()

    async def commit(self) -> None:
        """Commit the transaction (a no-op for a read-only unit of work)."""
        if self._tx is not None:
            if self._note_write:  # the last statement: the row stays locked only until the commit
                assert self._conn is not None
                await self._conn.execute(NOTE_WRITE, self.caller.key_id)
            await self._tx.commit()
            self._tx = None

    async def rollback(self) -> None:
        """Roll back whatever was not committed."""
        if self._tx is not None:
            await self._tx.rollback()
            self._tx = None

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn = self._conn
        lost = conn is not None and _lost(conn)
        try:
            await self.rollback()
        except (asyncpg.InterfaceError, asyncpg.InternalClientError, *UNAVAILABLE_ERRORS):
            # The connection was lost (the server rolled the transaction back as it went), or broke with the
            # statement that failed: report the error that broke it, not "the underlying connection is closed"
            # or "another operation is in progress" (a backend terminated while the request waited for its body
            # can leave asyncpg's protocol mid-operation). The pool does not take such a connection back.
            if exc is None:
                raise
            lost = True
        finally:
            held, self._held = self._held, []
            for db, held_conn in held:
                if db.query_observer is not None and not _lost(held_conn):
                    held_conn.remove_query_logger(db.query_observer)
                await db.pool.release(held_conn)
            self._conn = None
        if lost and isinstance(exc, Exception) and not isinstance(exc, UNAVAILABLE_ERRORS):
            # Closed while idle (waiting for a request body, say), the connection fails the next statement with
            # whatever asyncpg makes of a connection it no longer has: that is the database gone, a 503.
            raise ConnectionLost("the database connection was lost") from exc


def _lost(conn: Any) -> bool:
    """Whether a pooled connection closed under its holder (the pool takes such a connection back at once)."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True
