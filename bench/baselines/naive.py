"""The naive peer: what the usual template gives a team (FastAPI + SQLModel ORM sessions).

Table models double as API models; a request opens an async SQLAlchemy session; reads return ORM objects
through a ``response_model`` (external ids loaded with ``selectinload``); the sync endpoint parses and
validates each NDJSON line with a SQLModel, looks the record up by its external id and inserts or updates
it through the session, row by row, committing once at the end. Same tables, same database, same uvicorn
worker as the service.

Run with ``uvicorn bench.baselines.naive:app`` and ``NAIVE_DSN`` set (a ``postgresql://`` DSN).
"""

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Depends, FastAPI, Request
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import selectinload
from sqlmodel import Field, MetaData, Relationship, SQLModel, select

# Its own metadata (SQLModel classes resolve relationships at run time: no ``from __future__ import annotations``).
metadata = MetaData()


class _Base(SQLModel):
    metadata = metadata


def _texts() -> Any:
    return Field(default_factory=list, sa_column=sa.Column(ARRAY(sa.Text), nullable=False))


class ExternalId(_Base, table=True):
    __tablename__ = "partner_external_ids"
    source: str = Field(primary_key=True)
    external_id: str = Field(primary_key=True)
    partner_id: uuid.UUID = Field(foreign_key="partners.id")
    partner: "Partner" = Relationship(back_populates="external_ids")


class PartnerBase(_Base):
    name: str
    partner_type: str
    level: str
    state: str
    local_area: str | None = None
    description: str = ""
    regions_served: list[str] = _texts()
    populations_served: list[str] = _texts()
    capacity: int | None = None
    funding_streams: list[str] = _texts()
    industries: list[str] = _texts()
    contacts: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    address: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONB, nullable=True))
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None
    assets: str = ""
    limitations: str = ""
    status: str = "active"


class Partner(PartnerBase, table=True):
    __tablename__ = "partners"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    version: int = 1
    created_at: datetime | None = Field(default=None, sa_column_kwargs={"server_default": sa.func.now()})
    updated_at: datetime | None = Field(default=None, sa_column_kwargs={"server_default": sa.func.now()})
    external_ids: list[ExternalId] = Relationship(back_populates="partner")


class ExternalIdRead(SQLModel):
    source: str
    external_id: str


class PartnerRead(PartnerBase):
    id: uuid.UUID
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    external_ids: list[ExternalIdRead] = []


class PartnerPage(SQLModel):
    items: list[PartnerRead]
    next_cursor: str | None = None


class Jurisdiction(SQLModel):
    state: str
    local_area: str | None = None


class PartnerIn(SQLModel):
    """One sync line, validated with a SQLModel like the template does."""

    external_id: str
    name: str
    partner_type: str
    level: str
    jurisdiction: Jurisdiction
    description: str = ""
    regions_served: list[str] = []
    populations_served: list[str] = []
    capacity: int | None = None
    funding_streams: list[str] = []
    industries: list[str] = []
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None


def _async_url(dsn: str) -> str:
    return dsn.replace("postgresql://", "postgresql+asyncpg://", 1)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_async_engine(_async_url(os.environ["NAIVE_DSN"]), pool_size=10)
    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        yield
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@app.get("/readyz")
async def ready(session: SessionDep) -> dict[str, str]:
    await session.execute(sa.text("SELECT 1"))
    return {"status": "ready"}


@app.get("/v1/partners", response_model=PartnerPage)
async def list_partners(session: SessionDep, partner_type: str | None = None, limit: int = 50) -> Any:
    query = select(Partner).where(Partner.status != "retired").options(selectinload(Partner.external_ids))
    if partner_type:
        query = query.where(Partner.partner_type == partner_type)
    rows = (await session.execute(query.order_by(Partner.name, Partner.id).limit(limit + 1))).scalars().all()
    return PartnerPage(items=rows[:limit], next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)


@app.post("/v1/sync/partners")
async def sync_partners(request: Request, session: SessionDep, source: str) -> dict[str, int]:
    created = updated = 0
    for raw in (await request.body()).splitlines():
        if not raw.strip():
            continue
        line = PartnerIn.model_validate(json.loads(raw))
        fields = line.model_dump(exclude={"external_id", "jurisdiction"})
        fields |= {"state": line.jurisdiction.state, "local_area": line.jurisdiction.local_area}
        link = await session.get(ExternalId, (source, line.external_id))
        if link is None:
            partner = Partner(**fields)
            session.add(partner)
            session.add(ExternalId(source=source, external_id=line.external_id, partner_id=partner.id))
            created += 1
        else:
            partner = await session.get(Partner, link.partner_id)
            assert partner is not None
            changed = False
            for name, value in fields.items():
                if getattr(partner, name) != value:
                    setattr(partner, name, value)
                    changed = True
            if changed:
                partner.version += 1
                updated += 1
        await session.flush()
    await session.commit()
    return {"created": created, "updated": updated}
