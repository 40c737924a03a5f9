"""Use cases of the reference vocabularies."""

from __future__ import annotations

from api.domain.partners import validate_region
from api.domain.ports import UnitOfWork
from api.domain.reference import Catalog, Region


async def get_catalog(uow: UnitOfWork) -> Catalog:
    """Return every vocabulary in force."""
    return await uow.reference.catalog()


async def list_regions(uow: UnitOfWork, *, state: str | None = None) -> list[Region]:
    """Return the regions, optionally of one state."""
    return await uow.reference.regions(state)


async def put_region(uow: UnitOfWork, *, region: Region) -> Region:
    """Create or replace a region."""
    return await uow.reference.upsert_region(validate_region(region))
