"""GraphQL projection of agreements, funding streams, allocations and the braiding analysis."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api.domain import agreements as d
from api.domain import funding as f
from api.domain.access import Scope
from api.domain.checklists import Checklist
from api.domain.errors import DomainError
from api.graphql.context import Context
from api.graphql.convert import mirror_enum, project, to_plain
from api.graphql.errors import ConflictError, NotFoundError, StaleVersionError, ValidationError, query_error
from api.graphql.ids import GlobalId
from api.graphql.node import Node
from api.graphql.permissions import requires
from api.graphql.relations import loaded
from api.graphql.resolve import After, Before, First, Last, lookup, mutate, paginate
from api.graphql.systems import System, WorkingRelationshipEnum, system_from_domain
from api.graphql.types import PageInfo, Partner, Service, partner_from_domain, service_from_domain
from api.schemas.agreements import AgreementIn, AgreementOut, AgreementPatch
from api.schemas.funding import AllocationIn, AllocationPatch, FundingStreamIn
from api.usecases import agreements as uc
from api.usecases import funding as funding_uc

Info = strawberry.Info[Context, None]

AgreementTypeEnum = mirror_enum(d.AgreementType)
AgreementStatusEnum = mirror_enum(d.AgreementStatus)
FundingKindEnum = mirror_enum(f.FundingKind)
StreamRoleEnum = strawberry.enum(mirror_enum(f.StreamRole), description=(
    "How a member stands to a funding stream: its type administers it, usually draws on it, or neither."))


@strawberry.type(description="An agreement among members; status is derived from its dates on asOf.")
class Agreement(Node):
    database_id: UUID = strawberry.field(description="The agreement's UUID, as REST names it.")
    system_id: UUID
    type: AgreementTypeEnum  # type: ignore[valid-type]
    title: str
    parties: list[UUID]
    effective_on: date | None
    expires_on: date | None
    review_by: date | None
    review_due_on: date | None
    status: AgreementStatusEnum  # type: ignore[valid-type]
    recorded_status: AgreementStatusEnum  # type: ignore[valid-type]
    in_force: bool
    as_of: date
    signed_on: date | None
    formalizes: list[UUID]
    working_relationship: WorkingRelationshipEnum | None  # type: ignore[valid-type]
    contents: list[str]
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    domain: strawberry.Private[d.Agreement]
    checklists: strawberry.Private[Checklists | None] = None

    @strawberry.field(description="The system the agreement belongs to (batched per request).")
    async def system(self, info: Info) -> System | None:
        return await loaded(info.context.loaders.systems, self.system_id, system_from_domain)

    @strawberry.field(description="The items of its kind's checklist it covers and lacks (none for some kinds).")
    async def completeness(self, info: Info) -> Completeness:
        checklists = self.checklists or Checklists(info)
        found = d.completeness(self.domain, await checklists.get())
        return Completeness(
            applies=found.applies, complete=found.complete, source=found.source, checklist=found.checklist,
            present=[project(RequiredSection, s) for s in found.present],
            missing=[project(RequiredSection, s) for s in found.missing],
        )


class Checklists:
    """The agreement checklists, read once for every agreement of one answer."""

    def __init__(self, info: Info) -> None:
        self._info = info
        self._task: asyncio.Future[Mapping[str, Checklist]] | None = None

    async def get(self) -> Mapping[str, Checklist]:
        """Read the checklists on first use; later (and concurrent) calls share the read."""
        if self._task is None:
            async def load() -> Mapping[str, Checklist]:
                return await uc.checklists_by_kind(await self._info.context.read_uow())
            self._task = asyncio.ensure_future(load())
        return await self._task


@strawberry.type(description="An item of a checklist, and where it comes from.")
class RequiredSection:
    code: str
    description: str
    source: str


@strawberry.type(description="The checklist an agreement of one kind is judged by.")
class AgreementChecklist:
    kind: str
    name: str
    source: str
    items: list[RequiredSection]


@strawberry.type
class Completeness:
    applies: bool
    complete: bool | None
    checklist: str
    present: list[RequiredSection]
    missing: list[RequiredSection]
    source: str


def agreement_from_domain(x: d.Agreement, checklists: Checklists | None = None) -> Agreement:
    """Project a domain agreement, its status derived today."""
    out = AgreementOut.of(x, uc.today_utc())
    relationship = WorkingRelationshipEnum(out.working_relationship.value) if out.working_relationship else None
    return project(Agreement, out, id=GlobalId("Agreement", (x.system_id, x.id)), database_id=x.id,
                   working_relationship=relationship, parties=list(out.parties),
                   formalizes=list(out.formalizes), contents=list(out.contents), domain=x, checklists=checklists)


@strawberry.type
class AgreementEdge:
    node: Agreement
    cursor: str


@strawberry.type
class AgreementConnection:
    edges: list[AgreementEdge]
    page_info: PageInfo


@strawberry.type(description="A source of money for career pathways.")
class FundingStream(Node):
    code: str
    name: str
    kind: FundingKindEnum  # type: ignore[valid-type]
    administering_agency_type: str
    provider_types: list[str]
    eligible_populations: list[str]
    allowed_service_categories: list[str]
    description: str
    source_url: str


def stream_from_domain(x: f.FundingStream) -> FundingStream:
    """Project a domain funding stream."""
    return project(FundingStream, x, id=GlobalId("FundingStream", x.code), provider_types=list(x.provider_types),
                   eligible_populations=list(x.eligible_populations),
                   allowed_service_categories=list(x.allowed_service_categories))


@strawberry.type(description="An amount of one stream, for one period, to one service or one function.")
class Allocation(Node):
    database_id: UUID = strawberry.field(description="The allocation's UUID, as REST names it.")
    system_id: UUID
    stream_code: str
    period: str
    amount: Decimal
    service_id: UUID | None
    function: str | None
    partner_id: UUID | None
    note: str
    version: int
    created_at: datetime | None = strawberry.field(description="When the allocation was recorded.")
    updated_at: datetime | None = strawberry.field(description="When the allocation last changed.")

    @strawberry.field(description="The system the allocation belongs to (batched per request).")
    async def system(self, info: Info) -> System | None:
        return await loaded(info.context.loaders.systems, self.system_id, system_from_domain)

    @strawberry.field(description="The service the amount goes to, if any (batched per request).")
    async def service(self, info: Info) -> Service | None:
        return await loaded(info.context.loaders.service_records, self.service_id, service_from_domain)

    @strawberry.field(description="The partner the amount goes to, if any (batched per request).")
    async def partner(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.partner_id, partner_from_domain)


@strawberry.type
class AllocationEdge:
    node: Allocation
    cursor: str


@strawberry.type
class AllocationConnection:
    edges: list[AllocationEdge]
    page_info: PageInfo


@strawberry.type
class StreamTotal:
    stream_code: str
    name: str
    kind: FundingKindEnum  # type: ignore[valid-type]
    amount: Decimal
    allocations: list[Allocation]


@strawberry.type
class KindTotal:
    kind: FundingKindEnum  # type: ignore[valid-type]
    amount: Decimal
    streams: list[str]


@strawberry.type
class StreamAmount:
    stream_code: str
    amount: Decimal


@strawberry.type
class TargetFunding:
    service_id: UUID | None
    function: str | None
    streams: list[StreamAmount]

    @strawberry.field(description="The service funded, if the target is one (batched per request).")
    async def service(self, info: Info) -> Service | None:
        return await loaded(info.context.loaders.service_records, self.service_id, service_from_domain)


@strawberry.type
class UnfundedService:
    service_id: UUID
    name: str
    category: str
    partner_id: UUID
    partner_name: str

    @strawberry.field(description="The service with no stream (batched per request).")
    async def service(self, info: Info) -> Service | None:
        return await loaded(info.context.loaders.service_records, self.service_id, service_from_domain)

    @strawberry.field(description="The partner offering it (batched per request).")
    async def partner(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.partner_id, partner_from_domain)


@strawberry.type
class UnfundedFunction:
    function: str
    lead_partner_id: UUID
    lead_name: str

    @strawberry.field(description="The function's lead (batched per request).")
    async def lead_partner(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.lead_partner_id, partner_from_domain)


@strawberry.type
class FundingCandidate:
    partner_id: UUID
    name: str
    partner_type: str
    type_matches: bool
    categories: list[str]
    role: StreamRoleEnum = strawberry.field(  # type: ignore[valid-type]
        description="Whether the member's type administers the stream, usually draws on it, or only offers what "
                    "it pays for (candidates are ordered by it).")

    @strawberry.field(description="The candidate's directory record (batched per request).")
    async def partner(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.partner_id, partner_from_domain)


@strawberry.type(description="An allocation to a service or function its stream does not usually pay for.")
class AllocationWarning:
    allocation_id: UUID = strawberry.field(description="The allocation.")
    stream_code: str = strawberry.field(description="Its funding stream.")
    service_id: UUID | None = strawberry.field(description="The service it funds, if a service.")
    function: str | None = strawberry.field(description="The function it funds, if a function.")
    message: str = strawberry.field(description="What the stream usually pays for, and whom to ask.")


@strawberry.type
class UntappedStream:
    stream_code: str
    name: str
    kind: FundingKindEnum  # type: ignore[valid-type]
    administering_agency_type: str
    populations: list[str]
    categories: list[str]
    candidates: list[FundingCandidate]
    reasons: list[str]


@strawberry.type(description="The braiding analysis: streams kept separate, shares, unfunded work, untapped streams.")
class Funding:
    system_id: UUID
    period: str | None
    total: Decimal
    formula_share: float | None
    grant_share: float | None
    grant_only: bool
    by_stream: list[StreamTotal]
    by_kind: list[KindTotal]
    by_target: list[TargetFunding]
    unfunded_services: list[UnfundedService]
    unfunded_functions: list[UnfundedFunction]
    untapped: list[UntappedStream]
    warnings: list[AllocationWarning] = strawberry.field(
        default_factory=list,
        description="Allocations to a target the stream does not usually pay for (a warning, not a refusal).")

    @strawberry.field(description="The system analysed (batched per request).")
    async def system(self, info: Info) -> System | None:
        return await loaded(info.context.loaders.systems, self.system_id, system_from_domain)


def allocation_from_domain(x: f.Allocation) -> Allocation:
    """Project a domain allocation."""
    return project(Allocation, x, id=GlobalId("Allocation", (x.system_id, x.id)), database_id=x.id)


def funding_from_domain(x: f.FundingAnalysis) -> Funding:
    """Project a funding analysis."""
    return project(
        Funding, x,
        by_stream=[project(StreamTotal, t, allocations=[allocation_from_domain(a) for a in t.allocations])
                   for t in x.by_stream],
        by_kind=[project(KindTotal, k, streams=list(k.streams)) for k in x.by_kind],
        by_target=[project(TargetFunding, t, streams=[project(StreamAmount, s) for s in t.streams])
                   for t in x.by_target],
        unfunded_services=[project(UnfundedService, s) for s in x.unfunded_services],
        unfunded_functions=[project(UnfundedFunction, u) for u in x.unfunded_functions],
        untapped=[project(UntappedStream, u, populations=list(u.populations), categories=list(u.categories),
                          reasons=list(u.reasons),
                          candidates=[project(FundingCandidate, c, categories=list(c.categories))
                                      for c in u.candidates])
                  for u in x.untapped],
        warnings=[project(AllocationWarning, w) for w in x.warnings],
    )


@strawberry.input
class AgreementInput:
    type: AgreementTypeEnum  # type: ignore[valid-type]
    title: str
    parties: list[UUID]
    effective_on: date | None = None
    expires_on: date | None = None
    review_by: date | None = None
    status: AgreementStatusEnum = strawberry.field(  # type: ignore[valid-type]
        default_factory=lambda: AgreementStatusEnum("draft"))
    signed_on: date | None = None
    formalizes: list[UUID] = strawberry.field(default_factory=list)
    working_relationship: WorkingRelationshipEnum | None = None  # type: ignore[valid-type]
    contents: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given change; null clears a date or the working relationship.")
class AgreementPatchInput:
    type: AgreementTypeEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    title: str | None = strawberry.UNSET
    parties: list[UUID] | None = strawberry.UNSET
    effective_on: date | None = strawberry.UNSET
    expires_on: date | None = strawberry.UNSET
    review_by: date | None = strawberry.UNSET
    status: AgreementStatusEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    signed_on: date | None = strawberry.UNSET
    formalizes: list[UUID] | None = strawberry.UNSET
    working_relationship: WorkingRelationshipEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    contents: list[str] | None = strawberry.UNSET


@strawberry.input
class AllocationInput:
    stream_code: str
    period: str
    amount: Decimal
    service_id: UUID | None = None
    function: str | None = None
    partner_id: UUID | None = None
    note: str = ""


@strawberry.input(description="Only the fields given change; null clears the service, function or partner.")
class AllocationPatchInput:
    stream_code: str | None = strawberry.UNSET
    period: str | None = strawberry.UNSET
    amount: Decimal | None = strawberry.UNSET
    service_id: UUID | None = strawberry.UNSET
    function: str | None = strawberry.UNSET
    partner_id: UUID | None = strawberry.UNSET
    note: str | None = strawberry.UNSET


@strawberry.input
class FundingStreamInput:
    name: str
    kind: FundingKindEnum  # type: ignore[valid-type]
    administering_agency_type: str
    provider_types: list[str] = strawberry.field(default_factory=list)
    eligible_populations: list[str] = strawberry.field(default_factory=list)
    allowed_service_categories: list[str] = strawberry.field(default_factory=list)
    description: str = ""
    source_url: str = ""


@strawberry.type
class AgreementQuery:
    @strawberry.field(description="A system's agreements by title, as a Relay connection.")
    async def agreements(self, info: Info, system_id: UUID, first: First = None, after: After = None,
                         last: Last = None, before: Before = None) -> AgreementConnection:
        checklists = Checklists(info)
        page = await paginate(
            info, lambda uow, r: uc.list_agreements(uow, system_id=system_id, limit=r.limit, cursor=r.cursor,
                                                    backward=r.backward),
            lambda a, c: AgreementEdge(node=agreement_from_domain(a, checklists), cursor=c),
            first=first, after=after, last=last, before=before)
        return AgreementConnection(edges=page.edges, page_info=page.page_info)

    @strawberry.field(description="One agreement of a system, or null.")
    async def agreement(self, info: Info, system_id: UUID, id: UUID) -> Agreement | None:
        return await lookup(info, lambda uow: uc.get_agreement(uow, system_id=system_id, agreement_id=id),
                            agreement_from_domain)

    @strawberry.field(description="The checklist each kind of agreement is judged by, each item with its source.")
    async def agreement_checklists(self, info: Info) -> list[AgreementChecklist]:
        return [AgreementChecklist(kind=c.kind, name=c.name, source=c.source,
                                   items=[project(RequiredSection, i) for i in c.items])
                for c in await uc.checklists(await info.context.read_uow())]

    @strawberry.field(description="The funding stream catalogue.")
    async def funding_streams(self, info: Info) -> list[FundingStream]:
        return [stream_from_domain(s) for s in await funding_uc.list_streams(await info.context.read_uow())]

    @strawberry.field(description="A system's allocations of one period, or of every period, as a Relay connection.")
    async def allocations(self, info: Info, system_id: UUID, period: str | None = None, first: First = None,
                          after: After = None, last: Last = None, before: Before = None) -> AllocationConnection:
        page = await paginate(
            info, lambda uow, r: funding_uc.list_allocations(uow, system_id=system_id, period=period, limit=r.limit,
                                                             cursor=r.cursor, backward=r.backward),
            lambda a, c: AllocationEdge(node=allocation_from_domain(a), cursor=c),
            first=first, after=after, last=last, before=before)
        return AllocationConnection(edges=page.edges, page_info=page.page_info)

    @strawberry.field(description="The braiding analysis of a system's funding.")
    async def funding(self, info: Info, system_id: UUID, period: str | None = None) -> Funding:
        try:
            found = await funding_uc.analyse(await info.context.read_uow(), system_id=system_id, period=period)
        except DomainError as exc:
            raise query_error(exc) from exc
        return funding_from_domain(found)




CreateAgreementResult = Annotated[
    Agreement | ValidationError | NotFoundError | ConflictError, strawberry.union("CreateAgreementResult")]
UpdateAgreementResult = Annotated[
    Agreement | ValidationError | NotFoundError | ConflictError | StaleVersionError,
    strawberry.union("UpdateAgreementResult")]
SignAgreementResult = Annotated[
    Agreement | ValidationError | NotFoundError | ConflictError | StaleVersionError,
    strawberry.union("SignAgreementResult")]
DeleteAgreementResult = Annotated[
    Agreement | NotFoundError | ConflictError | StaleVersionError, strawberry.union("DeleteAgreementResult")]
CreateAllocationResult = Annotated[
    Allocation | ValidationError | NotFoundError, strawberry.union("CreateAllocationResult")]
UpdateAllocationResult = Annotated[
    Allocation | ValidationError | NotFoundError | StaleVersionError, strawberry.union("UpdateAllocationResult")]
DeleteAllocationResult = Annotated[
    Allocation | NotFoundError | StaleVersionError, strawberry.union("DeleteAllocationResult")]
PutFundingStreamResult = Annotated[FundingStream | ValidationError, strawberry.union("PutFundingStreamResult")]


@strawberry.type
class AgreementMutation:
    @strawberry.mutation(description="Record an agreement among members of a system.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def create_agreement(self, info: Info, system_id: UUID, input: AgreementInput) -> CreateAgreementResult:
        return await mutate(
            info,
            lambda uow, agreement: uc.create_agreement(uow, agreement=agreement),
            agreement_from_domain,
            given=lambda: AgreementIn.model_validate(to_plain(input)).to_domain(system_id),
            result=CreateAgreementResult)

    @strawberry.mutation(description="Change an agreement; pass expectedVersion to refuse lost updates.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def update_agreement(self, info: Info, system_id: UUID, id: UUID, input: AgreementPatchInput,
                               expected_version: int | None = None) -> UpdateAgreementResult:
        return await mutate(
            info,
            lambda uow, changes: uc.update_agreement(uow, system_id=system_id, agreement_id=id, changes=changes,
                expected_version=expected_version),
            agreement_from_domain,
            given=lambda: AgreementPatch.model_validate(to_plain(input)).changes(), result=UpdateAgreementResult)

    @strawberry.mutation(description="Record that a draft agreement was signed (today unless signedOn says).",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def sign_agreement(self, info: Info, system_id: UUID, id: UUID, signed_on: date | None = None,
                             expected_version: int | None = None) -> SignAgreementResult:
        return await mutate(
            info,
            lambda uow, _: uc.sign_agreement(uow, system_id=system_id, agreement_id=id, signed_on=signed_on,
                expected_version=expected_version),
            agreement_from_domain, result=SignAgreementResult)

    @strawberry.mutation(description="Delete an agreement; returns it as it was.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def delete_agreement(self, info: Info, system_id: UUID, id: UUID,
                               expected_version: int | None = None) -> DeleteAgreementResult:
        return await mutate(
            info,
            lambda uow, _: uc.delete_agreement(uow, system_id=system_id, agreement_id=id,
                expected_version=expected_version),
            agreement_from_domain, result=DeleteAgreementResult)

    @strawberry.mutation(description="Allocate an amount of one stream to one service or function of a system.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def create_allocation(self, info: Info, system_id: UUID, input: AllocationInput) -> CreateAllocationResult:
        return await mutate(
            info,
            lambda uow, allocation: funding_uc.create_allocation(uow, allocation=allocation),
            allocation_from_domain,
            given=lambda: AllocationIn.model_validate(to_plain(input)).to_domain(system_id),
            result=CreateAllocationResult)

    @strawberry.mutation(description="Change an allocation; pass expectedVersion to refuse lost updates.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def update_allocation(self, info: Info, system_id: UUID, id: UUID, input: AllocationPatchInput,
                                expected_version: int | None = None) -> UpdateAllocationResult:
        return await mutate(
            info,
            lambda uow, changes: funding_uc.update_allocation(uow, system_id=system_id, allocation_id=id,
                changes=changes, expected_version=expected_version),
            allocation_from_domain,
            given=lambda: AllocationPatch.model_validate(to_plain(input)).changes(), result=UpdateAllocationResult)

    @strawberry.mutation(description="Delete an allocation; returns it as it was.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def delete_allocation(self, info: Info, system_id: UUID, id: UUID,
                                expected_version: int | None = None) -> DeleteAllocationResult:
        return await mutate(
            info,
            lambda uow, _: funding_uc.delete_allocation(uow, system_id=system_id, allocation_id=id,
                expected_version=expected_version),
            allocation_from_domain, result=DeleteAllocationResult)

    @strawberry.mutation(description="Create or replace a stream of the funding catalogue.",
                         permission_classes=[requires(Scope.ADMIN)])
    async def put_funding_stream(self, info: Info, code: str, input: FundingStreamInput) -> PutFundingStreamResult:
        return await mutate(
            info,
            lambda uow, stream: funding_uc.put_stream(uow, stream=stream),
            stream_from_domain,
            given=lambda: FundingStreamIn.model_validate(to_plain(input)).to_domain(code),
            result=PutFundingStreamResult)
