"""DTOs of the reference vocabularies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PartnerTypeOut(_Out):
    code: str
    name: str
    description: str


class ServiceCategoryOut(_Out):
    code: str
    name: str
    parent: str | None
    description: str


class PopulationOut(_Out):
    code: str
    name: str
    ceds_code: str | None
    description: str


class RegionOut(_Out):
    code: str
    name: str
    state: str
    kind: str


class RegionIn(BaseModel):
    """A region to create or replace."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    state: Annotated[str, StringConstraints(min_length=2, max_length=2, to_upper=True)]
    kind: Annotated[str, StringConstraints(pattern=r"^(local_area|county|economic_region|state)$")] = "local_area"
