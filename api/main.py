"""The composition root: builds the FastAPI app and wires the asyncpg adapters into it."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import __version__, contract, explorers, problems
from api.deps import UNMETERED_PATHS, meter
from api.domain.access import Caller
from api.graphql.context import get_context
from api.graphql.schema import build_schema
from api.hsds import router as hsds
from api.logging_setup import configure as configure_logging
from api.middleware import BodyLimit, DirectoryCaching, Idempotency, RequestContext, note_read_from
from api.repositories import bootstrap
from api.repositories.access import PgRateLimiter
from api.repositories.database import (
    UNAVAILABLE_ERRORS,
    UNSTORABLE_TEXT_ERRORS,
    Database,
    EmbeddedPostgres,
    Replica,
    with_user,
)
from api.repositories.idempotency import PgIdempotencyStore
from api.repositories.uow import PgUnitOfWork
from api.routers import (
    access_policy,
    action_plans,
    admin,
    agreements,
    connections,
    funding,
    labor_market,
    ops,
    partners,
    problem_types,
    readiness,
    reference,
    states,
    sync,
    systems,
)
from api.routers._http import known_query_params_only
from api.settings import Settings, get_settings

log = logging.getLogger("pathways")
# POSTs that honour Idempotency-Key: all but the bulk loads (a re-sent sync changes nothing anyway) and GraphQL.
IDEMPOTENCY_EXEMPT = ("/v1/sync", "/v1/labor-market", "/graphql")
BULK_PREFIXES = ("/v1/sync", "/v1/labor-market")
DESCRIPTION = """\
Partners, their services and roles in career pathways systems, gaps and readiness.

- **Access**: send `Authorization: Bearer <key>`; each operation lists the scope it needs (also as
  `x-required-scope`). Directory reads work without a key unless the deployment closes them.
- **Errors** are RFC 9457 `application/problem+json`. Each `type` is a page of this service saying what the
  problem means and what to do: `GET /problems` lists them all.
- **Collections** page by opaque cursor (`next_cursor` in the body, `Link: rel="next"`).
- **Query parameters** an operation does not declare are refused (422 naming them).
- **Retries**: creating `POST`s take an `Idempotency-Key`; records carry an `ETag` for `If-None-Match` (304)
  and `If-Match` (412 when stale). Every response carries `X-Request-ID`; metered ones `RateLimit-*`.
- **Change feed** (`/v1/changes`): `create`, `update`, `retire` (the record as it now is) and `delete` (a
  tombstone with the id and source keys); retirements were reported as `delete` before `retire` existed.
  Exports state the feed position they are consistent with in `Pathways-Feed-Cursor`.
- **Bulk bodies** (`application/x-ndjson`, `text/csv`) are declared as binary bodies; the schema of one line
  is in `x-itemSchema` of the media type (the OpenAPI 3.2 `itemSchema`, as an extension in 3.1).

Problem types: {problem_types}
"""


def database_roles(settings: Settings) -> bootstrap.Roles:
    """The owner and service roles the settings name."""
    return bootstrap.Roles(owner=settings.db_owner_role, service=settings.db_service_role,
                           service_password=settings.db_service_password)


def install_database(app: FastAPI, db: Database, replica: Replica | None = None) -> None:
    """Point the app's unit-of-work factory and readiness probe at ``db`` (the primary) and ``replica``, if any.

    Read-only units of work (directory and HSDS reads, exports, the change feed, GraphQL queries) read on the
    replica, unless the caller's key wrote within ``read_your_writes_seconds`` (its reads must see its writes)
    or the replica cannot answer; writes, key lookups, rate limits and idempotency keys use the primary.
    """
    settings: Settings = app.state.settings
    window = settings.read_your_writes_seconds
    app.state.db = db
    app.state.replica = replica

    def uow_factory(readonly: bool, caller: Caller, *, primary: bool = False) -> PgUnitOfWork:
        reads_replica = (replica is not None and readonly and not primary
                         and not caller.wrote_within(window, now=datetime.now(UTC)))
        return PgUnitOfWork(db, readonly=readonly, caller=caller, replica=replica if reads_replica else None,
                            note_write=replica is not None, served=None if primary else note_read_from)

    app.state.uow_factory = uow_factory
    app.state.rate_limiter = PgRateLimiter(db.pool)
    app.state.idempotency = PgIdempotencyStore(db.pool)
    app.state.meter = meter  # idempotent replays count against the rate limit too

    async def readiness() -> tuple[bool, str, str | None]:
        ok, detail = await bootstrap.readiness(db.pool)
        reads = (await replica.status())[1] if replica is not None and ok else None
        return ok, detail, reads

    app.state.readiness = readiness


def _user(dsn: str) -> str | None:
    return urlsplit(dsn).username


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
        given = dsn
        if settings.migrate_on_start:
            dsn = await bootstrap.prepare(dsn, migration_dsn=settings.migration_database_url,
                                          roles=database_roles(settings))
        else:
            dsn = await bootstrap.serving_dsn(dsn, migration_dsn=settings.migration_database_url,
                                              roles=database_roles(settings))
        db = await Database.connect(
            dsn, min_size=settings.pool_min_size, max_size=settings.pool_max_size,
            statement_timeout_ms=settings.statement_timeout_ms, statement_cache_size=settings.statement_cache_size,
        )
        replica = None
        if settings.read_database_url:
            read_dsn = settings.read_database_url
            if dsn != given and _user(read_dsn) == _user(given):
                # The primary's superuser URL serves as the service role: so does the replica's (same roles).
                read_dsn = with_user(read_dsn, settings.db_service_role, settings.db_service_password)
            replica = await Replica.connect(
                read_dsn, max_size=settings.pool_max_size, statement_timeout_ms=settings.statement_timeout_ms,
                statement_cache_size=settings.statement_cache_size)
        install_database(app, db, replica)
        try:
            yield
        finally:
            if replica is not None:
                await replica.close()
            await db.close()
            if embedded is not None:
                embedded.stop()

    app = FastAPI(
        title="Pathways",
        version=__version__,
        summary="The API career pathway partnerships run on.",
        description=DESCRIPTION.format(problem_types=", ".join(
            f"[`{name}`](/problems/{name})" for name in problems.problem_types())),
        lifespan=lifespan,
        dependencies=[Depends(access_policy.enforce), Depends(known_query_params_only)],
        docs_url=None, redoc_url=None,
    )
    app.state.settings = settings
    problems.install(app, unavailable=UNAVAILABLE_ERRORS, unstorable_text=UNSTORABLE_TEXT_ERRORS)
    app.include_router(ops.router)
    app.include_router(problem_types.router)
    app.include_router(partners.router)
    app.include_router(reference.router)
    app.include_router(systems.router)
    app.include_router(admin.router)
    app.include_router(hsds.router)  # before sync: /v1/sync/hsds must win over /v1/sync/{kind}
    app.include_router(sync.router)
    app.include_router(readiness.router)
    app.include_router(action_plans.router)
    app.include_router(agreements.router)
    app.include_router(funding.router)
    app.include_router(connections.router)
    app.include_router(labor_market.router)
    app.include_router(states.router)
    app.include_router(
        explorers.OfflineGraphQLRouter(
            build_schema(max_depth=settings.graphql_max_depth, max_aliases=settings.graphql_max_aliases,
                         max_tokens=settings.graphql_max_tokens, max_cost=settings.graphql_max_cost,
                         introspection=settings.graphql_introspection, fast_fields=settings.graphql_fast_path,
                         default_page=settings.default_page_size, max_page=settings.max_page_size),
            # A FastAPI dependency that yields (the request's loaders are let go after it); strawberry's annotation
            # names only plain return values.
            context_getter=get_context,  # type: ignore[arg-type]
            graphql_ide="graphiql" if settings.graphiql else None,
        ),
        prefix="/graphql",
        include_in_schema=False,
    )
    explorers.install(app, title="Pathways")
    default_openapi = app.openapi

    def openapi_with_policy() -> dict[str, Any]:
        if app.openapi_schema is None:
            described = problems.document_problems(access_policy.annotate(default_openapi()),
                                                   unmetered=UNMETERED_PATHS)
            app.openapi_schema = contract.document(
                described, public_directory_read=settings.public_directory_read, unmetered=UNMETERED_PATHS,
                idempotent=lambda method, path: method == "POST" and not path.startswith(IDEMPOTENCY_EXEMPT),
                directory_read=lambda method, path: access_policy.required_scope(method, path) == "directory:read",
                contact=settings.api_contact(), license_info=settings.api_license(),
            )
        return app.openapi_schema

    app.openapi = openapi_with_policy  # type: ignore[method-assign]
    app.add_middleware(Idempotency, exempt_prefixes=IDEMPOTENCY_EXEMPT)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, bulk_prefixes=BULK_PREFIXES,
                       bulk_max_bytes=settings.max_bulk_body_bytes, idle_timeout_s=settings.body_idle_timeout_s,
                       timeout_s=settings.body_timeout_s, bulk_timeout_s=settings.bulk_body_timeout_s)
    app.add_middleware(DirectoryCaching, is_directory_read=lambda path: access_policy.required_scope(
        "GET", path) == "directory:read")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
            allow_headers=["*"], expose_headers=list(EXPOSED_HEADERS),
        )
    app.add_middleware(RequestContext)
    return app


# Every response header a browser client may need to read (CORS hides all but a few unless exposed); a test
# holds it to the headers the OpenAPI description documents.
EXPOSED_HEADERS = ("ETag", "Link", "Location", "X-Request-ID", "RateLimit-Limit", "RateLimit-Remaining",
                   "RateLimit-Reset", "Retry-After", "Idempotent-Replayed", "WWW-Authenticate", "Cache-Control",
                   "Allow", "Content-Disposition", "X-Read-From")


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
