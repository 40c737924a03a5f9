"""The GraphQL schema: queries and mutations over the same use cases as REST."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types

from api.domain.access import Scope
from api.domain.ports import PartnerFilter
from api.graphql.action_plans import ActionPlanMutation, ActionPlanQuery
from api.graphql.agreements import AgreementMutation, AgreementQuery
from api.graphql.changes import ChangeQuery
from api.graphql.connections import ConnectionMutation, ConnectionQuery
from api.graphql.context import Context
from api.graphql.convert import to_plain
from api.graphql.descriptions import describe
from api.graphql.errors import (
    ConflictError,
    HideUnexpectedErrors,
    NotFoundError,
    StaleVersionError,
    ValidationError,
)
from api.graphql.goal_gaps import GoalGapMutation, GoalGapQuery
from api.graphql.ids import GlobalId
from api.graphql.labor_market import LaborMarketQuery
from api.graphql.limits import cost_rule
from api.graphql.nodes import NodeQuery
from api.graphql.permissions import requires
from api.graphql.readiness import ReadinessMutation, ReadinessQuery
from api.graphql.resolve import After, Before, First, Last, lookup, mutate, paginate
from api.graphql.scalars import SCALAR_OVERRIDES
from api.graphql.states import StateQuery
from api.graphql.systems import PartnershipMutation, PartnershipQuery, SystemMutation, SystemQuery
from api.graphql.types import (
    Partner,
    PartnerConnection,
    PartnerEdge,
    PartnerFilterInput,
    PartnerInput,
    PartnerPatchInput,
    Service,
    ServiceInput,
    ServicePatchInput,
    partner_from_domain,
    service_from_domain,
)
from api.schemas.partners import PartnerCreate, PartnerPatch, ServiceCreate, ServicePatch, patch_changes
from api.usecases import partners as uc

Info = strawberry.Info[Context, None]
log = logging.getLogger("pathways")


def _filter(where: PartnerFilterInput | None) -> PartnerFilter:
    if where is None:
        return PartnerFilter()
    near = (where.near.lat, where.near.lon) if where.near else None
    return PartnerFilter(
        q=where.q, partner_type=where.partner_type, population=where.population,
        service_category=where.service_category, region=where.region,
        state=where.jurisdiction.upper() if where.jurisdiction else None, local_area=where.local_area,
        status=where.status.value if where.status else None, near=near, radius_km=where.radius_km,
        updated_since=where.updated_since,
    )


@strawberry.type
class PartnerQuery:
    @strawberry.field(description="The partner directory as a Relay connection, filtered with AND.")
    async def partners(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
        where: PartnerFilterInput | None = None, include_total: bool = False,
    ) -> PartnerConnection:
        flt = _filter(where)
        page = await paginate(
            info, lambda uow, r: uc.list_partners(uow, flt=flt, limit=r.limit, cursor=r.cursor, backward=r.backward,
                                                  with_total=include_total),
            lambda p, c: PartnerEdge(node=partner_from_domain(p), cursor=c),
            first=first, after=after, last=last, before=before)
        return PartnerConnection(edges=page.edges, page_info=page.page_info, total_count=page.total_count)

    @strawberry.field(description="One partner, or null when it does not exist.")
    async def partner(self, info: Info, id: UUID) -> Partner | None:
        return await lookup(info, lambda uow: uc.get_partner(uow, partner_id=id), partner_from_domain)

@strawberry.type
class DeletedResult:
    id: UUID = strawberry.field(deprecation_reason="A plain UUID, not a global id: read databaseId or deletedId.")
    database_id: UUID = strawberry.field(description="The deleted record's UUID, as REST names it.")
    deleted_id: GlobalId = strawberry.field(graphql_type=strawberry.ID,
                                            description="The deleted record's global id (for a client cache).")


CreatePartnerResult = Annotated[Partner | ValidationError | ConflictError, strawberry.union("CreatePartnerResult")]
UpdatePartnerResult = Annotated[
    Partner | ValidationError | NotFoundError | ConflictError | StaleVersionError,
    strawberry.union("UpdatePartnerResult")]
DeletePartnerResult = Annotated[
    DeletedResult | NotFoundError | ConflictError | StaleVersionError, strawberry.union("DeletePartnerResult")]
CreateServiceResult = Annotated[
    Service | ValidationError | NotFoundError | ConflictError, strawberry.union("CreateServiceResult")]
UpdateServiceResult = Annotated[
    Service | ValidationError | NotFoundError | ConflictError | StaleVersionError,
    strawberry.union("UpdateServiceResult")]
DeleteServiceResult = Annotated[DeletedResult | NotFoundError | StaleVersionError,
                                strawberry.union("DeleteServiceResult")]


@strawberry.type
class PartnerMutation:
    @strawberry.mutation(description="Create a partner.", permission_classes=[requires(Scope.DIRECTORY_WRITE)])
    async def create_partner(self, info: Info, input: PartnerInput) -> CreatePartnerResult:
        return await mutate(info, lambda uow, partner: uc.create_partner(uow, partner=partner), partner_from_domain,
                            result=CreatePartnerResult,
                            given=lambda: PartnerCreate.model_validate(to_plain(input)).to_domain())

    @strawberry.mutation(
        description="Change some fields of a partner; pass expectedVersion to refuse lost updates.",
        permission_classes=[requires(Scope.DIRECTORY_WRITE)],
    )
    async def update_partner(
        self, info: Info, id: UUID, input: PartnerPatchInput, expected_version: int | None = None
    ) -> UpdatePartnerResult:
        return await mutate(info, lambda uow, changes: uc.update_partner(
            uow, partner_id=id, changes=changes, expected_version=expected_version), partner_from_domain,
            result=UpdatePartnerResult, given=lambda: patch_changes(PartnerPatch.model_validate(to_plain(input))))

    @strawberry.mutation(
        description="Delete a partner and its services.",
        permission_classes=[requires(Scope.DIRECTORY_WRITE)],
    )
    async def delete_partner(
        self, info: Info, id: UUID, expected_version: int | None = None
    ) -> DeletePartnerResult:
        return await mutate(info, lambda uow, _: uc.delete_partner(uow, partner_id=id,
                                                                   expected_version=expected_version),
                            lambda _: DeletedResult(id=id, database_id=id, deleted_id=GlobalId("Partner", id)),
                            result=DeletePartnerResult)

    @strawberry.mutation(
        description="Add a service to a partner.",
        permission_classes=[requires(Scope.DIRECTORY_WRITE)],
    )
    async def create_service(self, info: Info, partner_id: UUID, input: ServiceInput) -> CreateServiceResult:
        return await mutate(info, lambda uow, service: uc.create_service(uow, service=service), service_from_domain,
                            result=CreateServiceResult,
                            given=lambda: ServiceCreate.model_validate(to_plain(input)).to_domain(partner_id))

    @strawberry.mutation(
        description="Change some fields of a partner's service; pass expectedVersion to refuse lost updates.",
        permission_classes=[requires(Scope.DIRECTORY_WRITE)],
    )
    async def update_service(
        self, info: Info, partner_id: UUID, id: UUID, input: ServicePatchInput, expected_version: int | None = None
    ) -> UpdateServiceResult:
        return await mutate(info, lambda uow, changes: uc.update_service(
            uow, partner_id=partner_id, service_id=id, changes=changes, expected_version=expected_version),
            service_from_domain,
            result=UpdateServiceResult, given=lambda: patch_changes(ServicePatch.model_validate(to_plain(input))))

    @strawberry.mutation(
        description="Delete a service of a partner.",
        permission_classes=[requires(Scope.DIRECTORY_WRITE)],
    )
    async def delete_service(
        self, info: Info, partner_id: UUID, id: UUID, expected_version: int | None = None
    ) -> DeleteServiceResult:
        return await mutate(info, lambda uow, _: uc.delete_service(uow, partner_id=partner_id, service_id=id,
                                                                   expected_version=expected_version),
                            lambda _: DeletedResult(id=id, database_id=id,
                                                    deleted_id=GlobalId("Service", (partner_id, id))),
                            result=DeleteServiceResult)


Query = merge_types("Query", (PartnerQuery, SystemQuery, ReadinessQuery, ActionPlanQuery, AgreementQuery,
                              ConnectionQuery, LaborMarketQuery, PartnershipQuery, StateQuery, GoalGapQuery, NodeQuery,
                              ChangeQuery))
Mutation = merge_types("Mutation", (PartnerMutation, SystemMutation, ReadinessMutation, ActionPlanMutation,
                                    AgreementMutation, ConnectionMutation, PartnershipMutation, GoalGapMutation))


def fast_execution_context() -> type[Any] | None:
    """The fast path's execution context, or None (logged) when its package cannot load or refuses the
    installed graphql-core or Strawberry: the schema then runs the stock executor."""
    try:
        from api.graphql.fast import FastExecutionContext  # here, not at the top: only when it is enabled
    except Exception as exc:  # whatever stops it loading, the stock executor answers the same
        log.warning("the GraphQL fast path is off: %s: %s", type(exc).__name__, exc)
        return None
    return FastExecutionContext


def build_schema(
    *, max_depth: int = 10, max_aliases: int = 30, max_tokens: int = 2000, max_cost: int = 50_000,
    introspection: bool = True, fast_fields: bool = True, default_page: int = 50, max_page: int = 500,
) -> strawberry.Schema:
    """Build the schema with its abuse limits.

    ``fast_fields`` executes with the fast path (``api/graphql/fast/``) when it loads; the results and errors
    are the same either way.
    """
    # The limits' validation rules are classes made once here: ``ValidationCache`` keys on them, so rules made
    # for each request (as the limiters' constructors do) would make every request validate its document again.
    rules = [cost_rule(max_cost, default_page, max_page), *QueryDepthLimiter(max_depth=max_depth).validation_rules,
             *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules]
    extensions: list[Any] = [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    # Clients send the same few documents again and again: parse and validate each once (bounded LRU caches,
    # keyed by the text, the parse options and the rules above, so a limit is never skipped).
    extensions += [lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256), HideUnexpectedErrors]
    built = strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions, scalar_overrides=SCALAR_OVERRIDES,
                              execution_context_class=fast_execution_context() if fast_fields else None)
    describe(built._schema)
    return built


# The schema as written to openapi/schema.graphql (its executor does not matter there).
schema = build_schema(fast_fields=False)
