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
from tests.usecases import fakes


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



# The fakes too: a use case test must not pass against a fake that storage could not be. The sync and the
# change feed have no fakes (their semantics are PostgreSQL's: set-based upserts, transaction visibility);
# their use cases are tested against PostgreSQL, in tests/rest and tests/reliability.
def fake_partners(repo: fakes.FakePartnerRepository) -> ports.PartnerRepository:
    return repo


def fake_reference(repo: fakes.FakeReferenceRepository) -> ports.ReferenceRepository:
    return repo


def fake_systems(repo: fakes.FakeSystemRepository) -> ports.SystemRepository:
    return repo


def fake_readiness(repo: fakes.FakeReadinessRepository) -> ports.ReadinessRepository:
    return repo


def fake_plans(repo: fakes.FakeActionPlanRepository) -> ports.ActionPlanRepository:
    return repo


def fake_keys(repo: fakes.FakeApiKeyRepository) -> ports.ApiKeyRepository:
    return repo


def fake_audit(repo: fakes.FakeAuditRepository) -> ports.AuditRepository:
    return repo


def fake_rate_limiter(limiter: fakes.FakeRateLimiter) -> ports.RateLimiter:
    return limiter


def fake_agreements(repo: fakes.FakeAgreementRepository) -> ports.AgreementRepository:
    return repo


def fake_funding(repo: fakes.FakeFundingRepository) -> ports.FundingRepository:
    return repo


def fake_connections(repo: fakes.FakeConnectionRepository) -> ports.ConnectionRepository:
    return repo


def fake_labor_market(repo: fakes.FakeLaborMarketRepository) -> ports.LaborMarketRepository:
    return repo
