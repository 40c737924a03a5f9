"""Type checks, not tests that run: the PostgreSQL adapters satisfy the ports they implement.

mypy reads this module (``make lint``; ``test_ports.py`` runs it too): a function returning an adapter as its
port fails to check when a method's name or signature drifts from the port's. Protocols are structural, so
nothing else would notice until a call failed at run time.
"""

from __future__ import annotations

from api.domain import ports
from api.repositories.access import PgApiKeyRepository, PgAuditRepository, PgRateLimiter
from api.repositories.changes import PgChangeFeed
from api.repositories.uow import PgUnitOfWork


def pg_unit_of_work(uow: PgUnitOfWork) -> ports.UnitOfWork:
    return uow


def pg_keys(repo: PgApiKeyRepository) -> ports.ApiKeyRepository:
    return repo


def pg_audit(repo: PgAuditRepository) -> ports.AuditRepository:
    return repo


def pg_rate_limiter(limiter: PgRateLimiter) -> ports.RateLimiter:
    return limiter


def pg_change_feed(feed: PgChangeFeed) -> ports.ChangeFeed:
    return feed
