"""GraphQL projection of connections between organizations and of the win/win matches."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.domain import connections as d
from api.domain.access import Scope
from api.domain.errors import DomainError
from api.graphql.context import Context
from api.graphql.convert import mirror_enum, project, to_plain
from api.graphql.errors import ConflictError, NotFoundError, StaleVersionError, ValidationError, query_error
from api.graphql.ids import GlobalId
from api.graphql.node import Node
from api.graphql.permissions import requires
from api.graphql.relations import loaded
from api.graphql.resolve import lookup, mutate
from api.graphql.systems import System, TeamEnum, system_from_domain
from api.graphql.types import Partner, partner_from_domain
from api.schemas.connections import ConnectionIn, ConnectionPatch, JoinSystemIn
from api.usecases import connections as uc

Info = strawberry.Info[Context, None]

InterestEnum = mirror_enum(d.Interest)
ConnectionStageEnum = mirror_enum(d.ConnectionStage)


@strawberry.type(description="One organization's connection with another: interest, stage, planning answers.")
class ConnectionRecord(Node):
    database_id: UUID = strawberry.field(description="The connection's UUID, as REST names it.")
    from_partner: UUID
    to_partner: UUID
    interest: InterestEnum  # type: ignore[valid-type]
    stage: ConnectionStageEnum  # type: ignore[valid-type]
    what_is_possible: str
    what_is_practical: str
    who_can_help: str
    what_is_next: str
    notes: str
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @strawberry.field(description="The organization that stated its interest (fromPartner; batched per request).")
    async def from_organization(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.from_partner, partner_from_domain)

    @strawberry.field(description="The organization it wants to connect with (toPartner; batched per request).")
    async def to_organization(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.to_partner, partner_from_domain)


@strawberry.type(description="A candidate organization and its win/win score (0-100) with the reasons.")
class Match:
    partner_id: UUID
    score: int
    complementary_functions: float
    complementary_assets: float = strawberry.field(
        description="How far each one's assets meet the other's limitations (0-1).")
    shared_mission: float = strawberry.field(description="How much their missions share (0-1).")
    shared_populations: float
    shared_regions: float
    compatible_level: float
    reasons: list[str]
    candidate: strawberry.Private[Partner]

    @strawberry.field(description="The candidate's directory record.")
    async def partner(self) -> Partner:
        return self.candidate


def connection_from_domain(x: d.Connection) -> ConnectionRecord:
    """Project a domain connection."""
    return project(ConnectionRecord, x, id=GlobalId("ConnectionRecord", x.id), database_id=x.id)


def match_from_domain(x: d.PartnerMatch) -> Match:
    """Project a ranked match."""
    return project(Match, x.match, partner_id=x.partner.id, reasons=list(x.match.reasons),
                   candidate=partner_from_domain(x.partner))


@strawberry.input
class ConnectionInput:
    from_partner: UUID
    to_partner: UUID
    interest: InterestEnum  # type: ignore[valid-type]
    notes: str = ""
    what_is_possible: str = ""
    what_is_practical: str = ""
    who_can_help: str = ""
    what_is_next: str = ""


@strawberry.input(description="Only the fields given change.")
class ConnectionPatchInput:
    interest: InterestEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    notes: str | None = strawberry.UNSET
    what_is_possible: str | None = strawberry.UNSET
    what_is_practical: str | None = strawberry.UNSET
    who_can_help: str | None = strawberry.UNSET
    what_is_next: str | None = strawberry.UNSET


@strawberry.input
class JoinSystemInput:
    system_id: UUID
    representative: str
    team: TeamEnum = strawberry.field(default_factory=lambda: TeamEnum("leadership"))  # type: ignore[valid-type]
    partner_id: UUID | None = None
    joined_on: date | None = None


@strawberry.type
class ConnectionQuery:
    @strawberry.field(description="One connection record between organizations, or null.")
    async def connection_record(self, info: Info, id: UUID) -> ConnectionRecord | None:
        return await lookup(info, lambda uow: uc.get_connection(uow, connection_id=id), connection_from_domain)

    @strawberry.field(description="Other organizations ranked by win/win score, never the partner itself.")
    async def matches(self, info: Info, partner_id: UUID, limit: int = 20, min_score: int = 1) -> list[Match]:
        if not 1 <= limit <= 100 or not 0 <= min_score <= 100:
            raise query_error(DomainError("limit must be between 1 and 100, minScore between 0 and 100"))
        try:
            found = await uc.matches(await info.context.read_uow(), partner_id=partner_id, limit=limit,
                                     min_score=min_score)
        except DomainError as exc:
            raise query_error(exc) from exc
        return [match_from_domain(m) for m in found]




RecordInterestResult = Annotated[ConnectionRecord | ValidationError, strawberry.union("RecordInterestResult")]
ReviseConnectionResult = Annotated[
    ConnectionRecord | ValidationError | NotFoundError | ConflictError | StaleVersionError,
    strawberry.union("ReviseConnectionResult")]
AdvanceConnectionResult = Annotated[
    ConnectionRecord | NotFoundError | ConflictError | StaleVersionError, strawberry.union("AdvanceConnectionResult")]
JoinSystemResult = Annotated[
    System | ValidationError | NotFoundError | ConflictError, strawberry.union("JoinSystemResult")]


@strawberry.type
class ConnectionMutation:
    @strawberry.mutation(description="Record an organization's interest in connecting with another.",
                         permission_classes=[requires(Scope.DIRECTORY_WRITE)])
    async def record_interest(self, info: Info, input: ConnectionInput) -> RecordInterestResult:
        return await mutate(
            info,
            lambda uow, connection: uc.record_interest(uow, connection=connection),
            connection_from_domain,
            given=lambda: ConnectionIn.model_validate(to_plain(input)).to_domain(), result=RecordInterestResult)

    @strawberry.mutation(description="Change a connection's interest, notes or planning answers.",
                         permission_classes=[requires(Scope.DIRECTORY_WRITE)])
    async def revise_connection(self, info: Info, id: UUID, input: ConnectionPatchInput,
                                expected_version: int | None = None) -> ReviseConnectionResult:
        return await mutate(
            info,
            lambda uow, changes: uc.revise_connection(uow, connection_id=id, changes=changes,
                expected_version=expected_version),
            connection_from_domain,
            given=lambda: ConnectionPatch.model_validate(to_plain(input)).changes(), result=ReviseConnectionResult)

    @strawberry.mutation(description="Move a connection one stage on, or back one.",
                         permission_classes=[requires(Scope.DIRECTORY_WRITE)])
    async def advance_connection(self, info: Info, id: UUID, stage: ConnectionStageEnum,  # type: ignore[valid-type]
                                 expected_version: int | None = None) -> AdvanceConnectionResult:
        return await mutate(
            info,
            lambda uow, _: uc.advance(uow, connection_id=id, stage=d.ConnectionStage(stage.value),
                expected_version=expected_version),
            connection_from_domain, result=AdvanceConnectionResult)

    @strawberry.mutation(description="Add an organization of a partnered connection to a system as a member.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def join_system(self, info: Info, id: UUID, input: JoinSystemInput) -> JoinSystemResult:
        return await mutate(
            info,
            lambda uow, body: uc.join_system(uow, connection_id=id, system_id=body.system_id,
                representative=body.representative, team=body.team, partner_id=body.partner_id,
                joined_on=body.joined_on),
            system_from_domain,
            given=lambda: JoinSystemIn.model_validate(to_plain(input)), result=JoinSystemResult)
