"""The unit of work: one connection and one transaction per request, committed once or rolled back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

import asyncpg
from asyncpg.transaction import Transaction

from api.domain.access import Caller
from api.repositories.access import PgApiKeyRepository, PgAuditRepository
from api.repositories.action_plans import PgActionPlanRepository
from api.repositories.agreements import PgAgreementRepository
from api.repositories.changes import PgChangeFeed
from api.repositories.connections import PgConnectionRepository
from api.repositories.database import UNAVAILABLE_ERRORS, ConnectionLost, Database, SerializedConnection
from api.repositories.funding import PgFundingRepository
from api.repositories.labor_market import PgLaborMarketRepository
from api.repositories.partners import PgPartnerRepository
from api.repositories.readiness import PgReadinessRepository
from api.repositories.reference import PgReferenceRepository
from api.repositories.sync import PgSyncRepository
from api.repositories.systems import PgSystemRepository


class PgUnitOfWork:
    """Binds every repository to one connection; writes commit together or not at all.

    A read-only unit of work opens no transaction, so a read costs only its own queries.
    """

    def __init__(self, db: Database, *, caller: Caller, readonly: bool = False) -> None:
        self._db = db
        self.caller = caller
        self._readonly = readonly
        self._conn: asyncpg.Connection | None = None
        self._tx: Transaction | None = None

    async def __aenter__(self) -> PgUnitOfWork:
        conn = await self._db.pool.acquire()
        self._conn = conn
        try:
            if self._db.query_observer is not None:
                conn.add_query_logger(self._db.query_observer)
            if not self._readonly:
                self._tx = conn.transaction()
                await self._tx.start()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        # Reads may be shared by concurrent GraphQL resolvers; writes run one use case at a time.
        shared: Any = SerializedConnection(conn) if self._readonly else conn
        self.partners = PgPartnerRepository(shared)
        self.reference = PgReferenceRepository(shared)
        self.systems = PgSystemRepository(shared)
        self.readiness = PgReadinessRepository(shared)
        self.plans = PgActionPlanRepository(shared)
        self.keys = PgApiKeyRepository(shared)
        self.sync = PgSyncRepository(conn)
        self.changes = PgChangeFeed(conn)
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
            if conn is not None:
                if self._db.query_observer is not None and not lost:
                    conn.remove_query_logger(self._db.query_observer)
                await self._db.pool.release(conn)
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
