"""DTOs of funding streams, allocations and the braiding analysis (amounts are exact decimals)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain.funding import Allocation, FundingAnalysis, FundingKind, FundingStream, StreamRole
from api.schemas.partners import Code, Codes, Name, Text

Period = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{4})?$", max_length=9,
                                          strip_whitespace=True)]
Amount = Annotated[Decimal, Field(ge=0, lt=Decimal(10) ** 15, max_digits=17, decimal_places=2,
                                  description="money, at most 2 decimal places")]
Note = Annotated[str, StringConstraints(max_length=2000)]
Url = Annotated[str, StringConstraints(max_length=2000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class FundingStreamIn(_In):
    """A stream of the catalogue to create or replace (its code is in the path)."""

    name: Name
    kind: FundingKind
    administering_agency_type: Code
    provider_types: Codes = Field(default_factory=list)
    eligible_populations: Codes = Field(default_factory=list)
    allowed_service_categories: Codes = Field(default_factory=list)
    description: Text = ""
    source_url: Url = ""

    def to_domain(self, code: str) -> FundingStream:
        data: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in self.model_dump().items()}
        return FundingStream(code=code, **data)


class FundingStreamOut(_Out):
    """A source of money: kind, who administers it, whom it serves and what it pays for."""

    code: str
    name: str
    kind: FundingKind
    administering_agency_type: str
    provider_types: list[str]
    eligible_populations: list[str]
    allowed_service_categories: list[str]
    description: str
    source_url: str


class AllocationIn(_In):
    """An amount of one stream, for one period, to exactly one service or one function of the system."""

    stream_code: Code
    period: Period = Field(description="a year (2026) or a span of years (2026-2027)")
    amount: Amount
    service_id: UUID | None = Field(default=None, description="a service of a member")
    function: Code | None = Field(default=None, description="a function code")
    partner_id: UUID | None = Field(default=None, description="the member drawing on the stream")
    note: Note = ""

    def to_domain(self, system_id: UUID) -> Allocation:
        return Allocation(id=uuid4(), system_id=system_id, **self.model_dump())


class AllocationPatch(_In):
    """A partial update of an allocation; null clears the service, function or partner."""

    stream_code: Code | None = None
    period: Period | None = None
    amount: Amount | None = None
    service_id: UUID | None = None
    function: Code | None = None
    partner_id: UUID | None = None
    note: Note | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class AllocationOut(_Out):
    id: UUID
    system_id: UUID
    stream_code: str
    period: str
    amount: Decimal
    service_id: UUID | None
    function: str | None
    partner_id: UUID | None
    note: str
    version: int
    created_at: datetime | None
    updated_at: datetime | None


class AllocationPage(BaseModel):
    items: list[AllocationOut]
    next_cursor: str | None


class StreamTotalOut(_Out):
    """What one stream puts into the system, with the allocations it is made of."""

    stream_code: str
    name: str
    kind: FundingKind
    amount: Decimal
    allocations: list[AllocationOut]


class KindTotalOut(_Out):
    """The money of one kind, naming the streams it comes from."""

    kind: FundingKind
    amount: Decimal
    streams: list[str]


class StreamAmountOut(_Out):
    stream_code: str
    amount: Decimal


class TargetFundingOut(_Out):
    """The streams braided into one service or function, each kept separate."""

    service_id: UUID | None
    function: str | None
    streams: list[StreamAmountOut]


class UnfundedServiceOut(_Out):
    service_id: UUID
    name: str
    category: str
    partner_id: UUID
    partner_name: str


class UnfundedFunctionOut(_Out):
    function: str
    lead_partner_id: UUID
    lead_name: str


class FundingCandidateOut(_Out):
    partner_id: UUID
    name: str
    partner_type: str
    type_matches: bool
    categories: list[str]
    role: StreamRole = Field(description="whether the member's type administers the stream, usually draws on it, "
                                         "or only offers what it pays for (candidates are ordered by it)")


class AllocationWarningOut(_Out):
    """An allocation to a service or function its stream does not usually pay for: allowed, worth checking."""

    allocation_id: UUID = Field(description="the allocation")
    stream_code: str
    service_id: UUID | None
    function: str | None
    message: str = Field(description="what the stream usually pays for, and whom to ask")


class UntappedStreamOut(_Out):
    """A stream the system's populations and members' services qualify for, that no member draws on."""

    stream_code: str
    name: str
    kind: FundingKind
    administering_agency_type: str
    populations: list[str]
    categories: list[str]
    candidates: list[FundingCandidateOut]
    reasons: list[str]


class FundingOut(_Out):
    """The braiding analysis: per-stream and per-kind totals, shares, unfunded work and untapped streams."""

    system_id: UUID
    period: str | None
    total: Decimal
    formula_share: float | None = Field(description="fraction of the total from formula streams")
    grant_share: float | None = Field(description="fraction of the total from grants")
    grant_only: bool
    by_stream: list[StreamTotalOut]
    by_kind: list[KindTotalOut]
    by_target: list[TargetFundingOut]
    unfunded_services: list[UnfundedServiceOut]
    unfunded_functions: list[UnfundedFunctionOut]
    untapped: list[UntappedStreamOut]
    warnings: list[AllocationWarningOut] = Field(
        description="allocations to a target the stream does not usually pay for (a warning, not a refusal)")

    @classmethod
    def of(cls, analysis: FundingAnalysis) -> FundingOut:
        return cls.model_validate(analysis)
