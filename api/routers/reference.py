"""REST routes of the reference vocabularies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.deps import ReadUowDep, UowDep
from api.domain.reference import Region
from api.domain.systems import Function
from api.problems import responses
from api.routers._http import reject_unknown_params
from api.schemas.agreements import ChecklistOut
from api.schemas.reference import PartnerTypeOut, PopulationOut, RegionIn, RegionOut, ServiceCategoryOut
from api.schemas.systems import FunctionIn, FunctionOut, RoleMatrixOut, TeamRequirementsOut, UsualFunctionsIn
from api.usecases import agreements as agreements_uc
from api.usecases import reference as uc
from api.usecases import systems as systems_uc

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


@router.get("/functions", response_model=list[FunctionOut])
async def functions(uow: ReadUowDep) -> list[FunctionOut]:
    """The function (role) catalogue; ``core`` functions come first in gap analysis."""
    catalog = await systems_uc.role_catalog(uow)
    return [FunctionOut.model_validate(f) for f in catalog.functions.values()]


@router.put("/functions/{code}", response_model=FunctionOut, responses=responses(422))
async def put_function(
    code: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_]{0,63}$")], body: FunctionIn, uow: UowDep
) -> FunctionOut:
    """Create or replace a function of the catalogue."""
    function = Function(code=code, name=body.name, description=body.description, core=body.core,
                        element=body.element, service_categories=tuple(body.service_categories))
    catalog = await systems_uc.put_function(uow, function=function)
    return FunctionOut.model_validate(catalog.functions[code])


@router.get("/role-matrix", response_model=RoleMatrixOut, responses=responses(422))
async def role_matrix(
    request: Request, uow: ReadUowDep,
    seed_only: Annotated[bool, Query(description="only the seed's own chart, without project additions")] = False,
) -> RoleMatrixOut:
    """The default role matrix: the functions each partner type usually carries. The seed's chart is kept as the
    seed gives it; every other entry is listed in ``additions`` with its source."""
    reject_unknown_params(request, {"seed_only"})
    matrix = (await systems_uc.role_catalog(uow)).matrix
    return RoleMatrixOut.of(matrix.seed_chart() if seed_only else matrix)


@router.put("/role-matrix/{partner_type}", response_model=RoleMatrixOut, responses=responses(404, 422))
async def put_role_matrix_row(partner_type: str, body: UsualFunctionsIn, uow: UowDep) -> RoleMatrixOut:
    """Replace the functions one partner type usually carries; entries kept keep their source, new ones are the
    deployment's own additions."""
    catalog = await systems_uc.put_usual_functions(uow, partner_type=partner_type, functions=body.functions)
    return RoleMatrixOut.of(catalog.matrix)


@router.get("/team-requirements", response_model=TeamRequirementsOut)
async def team_requirements(uow: ReadUowDep) -> TeamRequirementsOut:
    """The partner types the leadership team should include (essential, or among the seed's "and others"), each
    with its source, and the intermediary's and champion's functions."""
    return TeamRequirementsOut.of(await systems_uc.role_catalog(uow))


@router.get("/agreement-checklists", response_model=list[ChecklistOut])
async def agreement_checklists(uow: ReadUowDep) -> list[ChecklistOut]:
    """The checklist each kind of agreement is judged by; each item names where it comes from."""
    return [ChecklistOut.of(c) for c in await agreements_uc.checklists(uow)]
