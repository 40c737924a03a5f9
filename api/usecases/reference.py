"""Use cases of the reference vocabularies."""

from __future__ import annotations

from api.domain.partners import region_jurisdiction, validate_region
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
    """Create or replace a region inside the caller's jurisdiction; only an admin moves one to another state.

    A region belongs to its state (a local area to itself): the records of that state's partners and
    systems, its labour market figures and the keys of its local area hang off it.
    """
    region = validate_region(region)
    current = await uow.reference.region(region.code, for_update=True)
    if current is None:
        policy.write_directory(uow, region_jurisdiction(region))
        current = await uow.reference.insert_region(region)
        if current is None:
            await policy.audit(uow, action="create", kind="region", record_id=region.code, new=region)
            return region
    policy.write_directory(uow, region_jurisdiction(current))
    if current.state != region.state:
        policy.move_between_states(uow, what=f"region '{region.code}'")
    policy.write_directory(uow, region_jurisdiction(region))
    if current == region:
        return current
    stored = await uow.reference.upsert_region(region)
    await policy.audit(uow, action="update", kind="region", record_id=region.code, old=current, new=stored)
    return stored
