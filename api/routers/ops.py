"""Service description and health probes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api import __version__

router = APIRouter(tags=["operations"])


class ServiceDescription(BaseModel):
    """What this service is and where its descriptions live."""

    name: str
    version: str
    links: dict[str, str]


class Health(BaseModel):
    status: str
    detail: str | None = None
    reads: str | None = Field(default=None, description=(
        "With a read replica configured: where reads go and why, e.g. `reads on the replica, 0.2 s behind` or "
        "`replica unreachable (...); reads on the primary`."))


@router.get("/", response_model=ServiceDescription)
async def describe() -> ServiceDescription:
    """Describe the service and link its API descriptions."""
    return ServiceDescription(
        name="Pathways",
        version=__version__,
        links={"openapi": "/openapi.json", "docs": "/docs", "graphql": "/graphql", "partners": "/v1/partners",
               "reference": "/v1/reference/partner-types", "hsds": "/hsds/"},
    )


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(request: Request) -> Health | JSONResponse:
    """The database answers and is migrated to the code's head revision; ``reads`` says where reads go.

    A replica that does not answer leaves the service ready: its reads go to the primary.
    """
    ok, detail, reads = await request.app.state.readiness()
    if not ok:
        return JSONResponse({"status": "unavailable", "detail": detail}, status_code=503)
    return Health(status="ok", detail=detail, reads=reads)
