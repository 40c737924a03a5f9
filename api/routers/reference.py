"""REST routes of the reference vocabularies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.deps import ReadUowDep, UowDep
from api.domain.reference import Region
from api.problems import responses
from api.schemas.reference import PartnerTypeOut, PopulationOut, RegionIn, RegionOut, ServiceCategoryOut
from api.usecases import reference as uc

router = APIRouter(prefix="/v1/reference", tags=["reference"])


@router.get("/partner-types", response_model=list[PartnerTypeOut])
async def partner_types(uow: ReadUowDep) -> list[PartnerTypeOut]:
    """The partner types in force."""
    catalog = await uc.get_catalog(uow)
    return [PartnerTypeOut.model_validate(t) for t in catalog.partner_types.values()]


@router.get("/service-categories", response_model=list[ServiceCategoryOut])
async def service_categories(uow: ReadUowDep) -> list[ServiceCategoryOut]:
    """The service taxonomy."""
    catalog = await uc.get_catalog(uow)
    return [ServiceCategoryOut.model_validate(c) for c in catalog.service_categories.values()]


@router.get("/populations", response_model=list[PopulationOut])
async def populations(uow: ReadUowDep) -> list[PopulationOut]:
    """Populations, with WIOA barrier codes (CEDS element 001940) where one exists."""
    catalog = await uc.get_catalog(uow)
    return [PopulationOut.model_validate(p) for p in catalog.populations.values()]


@router.get("/regions", response_model=list[RegionOut], responses=responses(422))
async def regions(
    uow: ReadUowDep, state: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None
) -> list[RegionOut]:
    """Regions (local areas, counties, economic regions), optionally of one state."""
    return [RegionOut.model_validate(r) for r in await uc.list_regions(uow, state=state.upper() if state else None)]


@router.put("/regions/{code}", response_model=RegionOut, responses=responses(422))
async def put_region(
    code: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")], body: RegionIn, uow: UowDep
) -> RegionOut:
    """Create or replace a region."""
    region = await uc.put_region(uow, region=Region(code=code, name=body.name, state=body.state, kind=body.kind))
    return RegionOut.model_validate(region)
