"""The composition root: builds the FastAPI app and wires the asyncpg adapters into it."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import __version__, problems
from api.deps import UNMETERED_PATHS
from api.graphql.context import get_context
from api.graphql.router import JsonGraphQLRouter
from api.graphql.schema import build_schema
from api.logging_setup import configure as configure_logging
from api.middleware import BodyLimit, Idempotency, RequestContext
from api.repositories import bootstrap
from api.repositories.access import PgRateLimiter
from api.repositories.database import UNAVAILABLE_ERRORS, UNSTORABLE_TEXT_ERRORS, Database, EmbeddedPostgres
from api.repositories.idempotency import PgIdempotencyStore
from api.repositories.uow import PgUnitOfWork
from api.routers import (
    access_policy,
    action_plans,
    admin,
    agreements,
    connections,
    funding,
    hsds,
    labor_market,
    ops,
    partners,
    readiness,
    reference,
    sync,
    systems,
)
from api.settings import Settings, get_settings

log = logging.getLogger("pathways")


def install_database(app: FastAPI, db: Database) -> None:
    """Point the app's unit-of-work factory and readiness probe at ``db``."""
    app.state.db = db
    app.state.uow_factory = lambda readonly, caller: PgUnitOfWork(db, readonly=readonly, caller=caller)
    app.state.rate_limiter = PgRateLimiter(db.pool)
    app.state.idempotency = PgIdempotencyStore(db.pool)

    async def readiness() -> tuple[bool, str]:
        return await bootstrap.readiness(db.pool)

    app.state.readiness = readiness


def create_app(settings: Settings | None = None, *, manage_database: bool = True) -> FastAPI:
    """Build the application; with ``manage_database`` its lifespan connects (and prepares) the database."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not manage_database:
            yield
            return
        embedded = None
        dsn = settings.database_url
        if dsn is None:
            embedded = EmbeddedPostgres(settings.data_dir)
            dsn = await asyncio.to_thread(embedded.start)
        if settings.migrate_on_start:
            await bootstrap.prepare(dsn)
        db = await Database.connect(
            dsn, min_size=settings.pool_min_size, max_size=settings.pool_max_size,
            statement_timeout_ms=settings.statement_timeout_ms, statement_cache_size=settings.statement_cache_size,
        )
        install_database(app, db)
        try:
            yield
        finally:
            await db.close()
            if embedded is not None:
                embedded.stop()

    app = FastAPI(
        title="Pathways",
        version=__version__,
        summary="The API career pathway partnerships run on.",
        description=(
            "Partners, their services and roles in career pathways systems, gaps and readiness. "
            "Errors are RFC 9457 problem+json; collections page by opaque cursor (`next_cursor`, `Link`)."
        ),
        lifespan=lifespan,
        dependencies=[Depends(access_policy.enforce)],
    )
    app.state.settings = settings
    problems.install(app, unavailable=UNAVAILABLE_ERRORS, unstorable_text=UNSTORABLE_TEXT_ERRORS)
    app.include_router(ops.router)
    app.include_router(partners.router)
    app.include_router(reference.router)
    app.include_router(systems.router)
    app.include_router(admin.router)
    app.include_router(sync.router)
    app.include_router(readiness.router)
    app.include_router(action_plans.router)
    app.include_router(agreements.router)
    app.include_router(funding.router)
    app.include_router(connections.router)
    app.include_router(labor_market.router)
    app.include_router(hsds.router)
    app.include_router(
        JsonGraphQLRouter(
            build_schema(max_depth=settings.graphql_max_depth, max_aliases=settings.graphql_max_aliases,
                         max_tokens=settings.graphql_max_tokens, max_cost=settings.graphql_max_cost,
                         introspection=settings.graphql_introspection),
            # A FastAPI dependency that yields (the request's loaders are let go after it); strawberry's annotation
            # names only plain return values.
            context_getter=get_context,  # type: ignore[arg-type]
            graphql_ide="graphiql" if settings.graphiql else None,
        ),
        prefix="/graphql",
        include_in_schema=False,
    )
    default_openapi = app.openapi

    def openapi_with_policy() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.document_problems(access_policy.annotate(default_openapi()),
                                                            unmetered=UNMETERED_PATHS)
        return app.openapi_schema

    app.openapi = openapi_with_policy  # type: ignore[method-assign]
    app.add_middleware(Idempotency, exempt_prefixes=("/v1/sync", "/v1/labor-market", "/graphql"))
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, bulk_prefixes=("/v1/sync", "/v1/labor-market"),
                       bulk_max_bytes=settings.max_bulk_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
            allow_headers=["*"], expose_headers=["ETag", "Link", "Location", "X-Request-ID"],
        )
    app.add_middleware(RequestContext)
    return app


def app_factory() -> FastAPI:
    """Entry point for ``uvicorn --factory api.main:app_factory``."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings)
    tune_garbage_collector()
    return app


def tune_garbage_collector() -> None:
    """Collect cyclic garbage less often in a serving process.

    A page of partners allocates thousands of short-lived objects; with the default thresholds the collector
    ran many times per request and every few requests walked all of the process's objects. Objects made while
    importing live as long as the process, so they are frozen out of collections, and the youngest generation
    is collected once 100,000 more container objects are alive than at the last collection. Nearly everything
    a request allocates is freed by reference counting when it ends, so the count climbs only while requests
    are in flight, and a low threshold promotes live records that a later collection walks again. Cyclic
    garbage waits longer: at most 100,000 objects, a few MB. Figures: bench/README.md, items 10 and 20.
    """
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
