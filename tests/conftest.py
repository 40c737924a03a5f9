"""Shared fixtures: a real PostgreSQL (embedded, or the server in DATABASE_URL) built by the real migrations.

Each test session creates a fresh database, prepares it as the service does (its roles, migrations as the
owner role, reference vocabularies, grants); the application under test connects as the service role, as
it does in production. Each test that touches the database starts from empty data tables.
Under pytest-xdist (``make test`` runs two workers) every worker is a session of its own: its own embedded
server (or its own database on the server in DATABASE_URL), named after the worker, so workers never see
each other's rows.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from api.domain.access import ApiKey, Scope, new_secret
from api.domain.partners import Jurisdiction
from api.main import create_app, install_database
from api.repositories import bootstrap
from api.repositories.access import PgApiKeyRepository
from api.repositories.database import Database, EmbeddedPostgres
from api.settings import Settings
from tests import hypothesis_profiles  # noqa: F401  # registers and loads the Hypothesis profile

# The pool settings of the environment (behind a transaction pooler, PATHWAYS_STATEMENT_CACHE_SIZE=0).
POOL_OPTIONS = {"statement_cache_size": Settings().statement_cache_size}


def _with_database(dsn: str, name: str) -> str:
    """The same server DSN pointing at database ``name``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """A DSN of a PostgreSQL server: DATABASE_URL when set, otherwise an embedded one in a temp folder."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield external
        return
    folder = Path(tempfile.mkdtemp(prefix=f"pathways-test-{_worker()}-"))
    embedded = EmbeddedPostgres(folder)
    try:
        yield embedded.start()
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _worker() -> str:
    """This pytest-xdist worker's id (gw0, gw1, ...), or "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


async def create_database(server: str) -> tuple[str, str]:
    """Create an empty database on ``server``; return its name and DSN."""
    name = f"pathways_test_{_worker()}_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, _with_database(server, name)


async def drop_database(server: str, name: str) -> None:
    """Drop a database made by ``create_database``."""
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def prepared_database(server_dsn: str) -> AsyncIterator[tuple[str, str]]:
    """A fresh database prepared for the whole session: (a superuser's DSN, the service role's DSN)."""
    name, dsn = await create_database(server_dsn)
    service = await bootstrap.prepare(dsn)
    yield dsn, service
    await drop_database(server_dsn, name)


@pytest.fixture(scope="session")
def database_dsn(prepared_database: tuple[str, str]) -> str:
    """The session database as a superuser sees it (to inspect, or to break, what the service cannot)."""
    return prepared_database[0]


@pytest.fixture(scope="session")
def service_dsn(prepared_database: tuple[str, str]) -> str:
    """The session database as the service role (owns nothing; rows only; the audit log append-only)."""
    return prepared_database[1]


@pytest.fixture(scope="session")
async def db(service_dsn: str) -> AsyncIterator[Database]:
    database = await Database.connect(service_dsn, min_size=1, max_size=8, **POOL_OPTIONS)
    yield database
    await database.close()


@pytest.fixture(scope="session")
async def admin_db(database_dsn: str) -> AsyncIterator[Database]:
    """The session database through a superuser's connection."""
    database = await Database.connect(database_dsn, min_size=1, max_size=1, **POOL_OPTIONS)
    yield database
    await database.close()


@pytest.fixture
async def clean_db(db: Database, admin_db: Database) -> Database:
    """The session database with empty data tables (emptied as a superuser: the service may not)."""
    async with admin_db.pool.acquire() as conn:
        await bootstrap.reset_data(conn)
    db.query_observer = None
    return db


@pytest.fixture
def app(clean_db: Database) -> FastAPI:
    application = create_app(Settings(environment="test", max_body_bytes=1024 * 1024), manage_database=False)
    install_database(application, clean_db)
    return application


async def mint_key(db: Database, *scopes: Scope, jurisdiction: Jurisdiction | None = None,
                   name: str = "test key") -> str:
    """Store a new API key directly and return the full key to present as ``Bearer``."""
    full, prefix, digest = new_secret()
    key = ApiKey(id=uuid.uuid4(), name=name, prefix=prefix, secret_hash=digest, scopes=frozenset(scopes),
                 jurisdiction=jurisdiction)
    async with db.pool.acquire() as conn:
        await PgApiKeyRepository(conn).add(key)
    return full


@pytest.fixture
async def admin_key(clean_db: Database) -> str:
    return await mint_key(clean_db, Scope.ADMIN, name="test admin")


@pytest.fixture
async def client(app: FastAPI, admin_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client presenting an admin key: most tests exercise rules, not permissions."""
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as c:
        yield c


@pytest.fixture
async def anon_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client without a key."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def add_region(client: httpx.AsyncClient, code: str = "or-test", state: str = "OR") -> None:
    """Create a region through the API."""
    r = await client.put(f"/v1/reference/regions/{code}", json={"name": f"Region {code}", "state": state})
    assert r.status_code == 200, r.text


def partner_body(**overrides: object) -> dict[str, object]:
    """A valid partner creation body, with overrides."""
    body: dict[str, object] = {
        "name": "Cascade Community College",
        "partner_type": "educational_institution",
        "level": "local",
        "jurisdiction": {"state": "OR", "local_area": "or-test"},
        "description": "Nursing and welding programs",
        "regions_served": ["or-test"],
        "populations_served": ["low_income"],
        "latitude": 44.9,
        "longitude": -123.0,
    }
    body.update(overrides)
    return body
