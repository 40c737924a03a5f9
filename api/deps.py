"""Dependency aliases for the transports, defined once.

The composition root (``api.main``) puts a unit-of-work factory on ``app.state``; nothing here knows
which adapter builds it, so routers and GraphQL stay free of ``api.repositories``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request, Response

from api.domain.access import (
    Caller,
    RateDecision,
    RateLimited,
    Unauthenticated,
    anonymous,
    system_caller,
)
from api.domain.errors import DomainError
from api.domain.ports import RateLimiter, UnitOfWork
from api.middleware import RATE_LIMIT_STATE
from api.settings import Settings, get_settings
from api.usecases import access as access_uc


class TransactionalUnitOfWork(UnitOfWork, Protocol):
    """A unit of work the transport commits once the handler succeeds."""

    async def commit(self) -> None: ...


class UowFactory(Protocol):
    """Opens a unit of work: read-only or writing, for a caller; ``primary`` keeps a read off any replica."""

    def __call__(self, readonly: bool, caller: Caller, *,
                 primary: bool = False) -> AbstractAsyncContextManager[TransactionalUnitOfWork]: ...


def app_settings(request: Request) -> Settings:
    """The settings the application was built with."""
    settings: Settings = getattr(request.app.state, "settings", None) or get_settings()
    return settings


async def _settings(request: Request) -> Settings:
    # Dependencies are ``async`` even when they await nothing: FastAPI runs a plain ``def`` dependency in a
    # worker thread, and that hop cost a directory page more CPU than the rest of its dependencies together.
    return app_settings(request)


SettingsDep = Annotated[Settings, Depends(_settings)]


def uow_factory(request: Request) -> UowFactory:
    """The factory the composition root installed."""
    factory: UowFactory = request.app.state.uow_factory
    return factory


# Probes answer load balancers and orchestrators: no key, no rate limit, no database round trip, so
# /healthz stays 200 while the database is down and a busy client address never fails a health check.
UNMETERED_PATHS = frozenset({"/healthz", "/readyz"})


async def get_caller(request: Request, response: Response, settings: SettingsDep) -> Caller:
    """Authenticate the request and count it against its rate limit (per key, or per client address)."""
    if request.scope["path"] in UNMETERED_PATHS:
        return anonymous(public_directory=False)
    now = datetime.now(UTC)
    failure: Unauthenticated | None = None
    authorization = request.headers.get("authorization")
    if not authorization:  # no key to look up: no connection to borrow
        caller = anonymous(public_directory=settings.public_directory_read)
    else:
        # On the primary: a key just created works at once, a key just revoked stops at once.
        async with uow_factory(request)(True, system_caller("authenticator"), primary=True) as uow:
            try:
                caller = await access_uc.authenticate(uow.keys, authorization=authorization,
                                                      public_directory=settings.public_directory_read, now=now)
            except Unauthenticated as exc:
                caller, failure = anonymous(public_directory=False), exc
    limiter: RateLimiter = request.app.state.rate_limiter
    if caller.key_id is not None:
        bucket, limit = f"key:{caller.key_id}", settings.rate_limit_per_minute
    else:
        client = request.client.host if request.client else "unknown"
        bucket, limit = f"ip:{client}", settings.anonymous_rate_limit_per_minute
    decision = await limiter.hit(bucket, limit=limit, window_seconds=60, key_id=caller.key_id)
    limits = rate_limit_headers(decision)
    response.headers.update(limits)
    setattr(request.state, RATE_LIMIT_STATE, limits)  # for responses the handler builds itself (api.middleware)
    if not decision.allowed:
        raise RateLimited(decision)
    if failure is not None:
        raise failure
    return caller


async def meter(scope: Any) -> list[tuple[bytes, bytes]] | Response:
    """Count a request answered outside the routes (an idempotent replay) like any other: its current
    RateLimit-* headers, or the problem response refusing it (rate limit reached, key no longer valid)."""
    from api.problems import domain_error_response

    request = Request(scope)
    response = Response()
    try:
        await get_caller(request, response, app_settings(request))
    except DomainError as exc:
        return domain_error_response(request, exc)
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
            if k.lower().startswith("ratelimit-")]


def rate_limit_headers(decision: RateDecision) -> dict[str, str]:
    """The RateLimit-* headers describing a decision."""
    return {"RateLimit-Limit": str(decision.limit), "RateLimit-Remaining": str(decision.remaining),
            "RateLimit-Reset": str(decision.reset_seconds)}


CallerDep = Annotated[Caller, Depends(get_caller)]


async def _write_uow(request: Request, caller: CallerDep) -> AsyncIterator[UnitOfWork]:
    async with uow_factory(request)(False, caller) as uow:
        yield uow
        await uow.commit()


async def _read_uow(request: Request, caller: CallerDep) -> AsyncIterator[UnitOfWork]:
    async with uow_factory(request)(True, caller) as uow:
        yield uow


# scope="function": the commit happens before the response is sent, so a failed commit is never a 2xx.
UowDep = Annotated[UnitOfWork, Depends(_write_uow, scope="function")]
ReadUowDep = Annotated[UnitOfWork, Depends(_read_uow, scope="function")]
