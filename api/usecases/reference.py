"""Use cases of the reference vocabularies."""

from __future__ import annotations

from api.domain.partners import Jurisdiction, validate_region
from api.domain.ports import UnitOfWork
from api.domain.reference import Catalog, Region
from api.usecases import policy


async def get_catalog(uow: UnitOfWork) -> Catalog:
    """Return every vocabulary in force."""
    return await uow.reference.catalog()


async def list_regions(uow: UnitOfWork, *, state: str | None = None) -> list[Region]:
    """Return the regions, optionally of one state."""
    return await uow.reference.regions(state)


async def put_region(uow: UnitOfWork, *, region: Region) -> Region:
    """Create or replace a region."""
    region = validate_region(region)
    policy.write_directory(uow, Jurisdiction(state=region.state))
    stored = await uow.reference.upsert_region(region)
    await policy.audit(uow, action="put", kind="region", record_id=region.code, new=stored)
    return stored
