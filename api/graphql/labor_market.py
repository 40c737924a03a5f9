"""GraphQL projection of labour market information: observations, in-demand occupations, titles."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.domain import labor_market as d
from api.domain.errors import DomainError
from api.domain.lmi_ingest import TitleScheme
from api.domain.ports import ObservationFilter
from api.graphql.context import Context
from api.graphql.convert import mirror_enum, project
from api.graphql.errors import query_error
from api.graphql.relations import loaded
from api.graphql.resolve import After, Before, First, Last, lookup, paginate, settings_of
from api.graphql.types import PageInfo, Partner, partner_from_domain
from api.usecases import labor_market as uc

Info = strawberry.Info[Context, None]

CodeKindEnum = mirror_enum(d.CodeKind)
OutlookEnum = mirror_enum(d.Outlook)
TitleSchemeEnum = mirror_enum(TitleScheme)


@strawberry.type(description="Figures for one occupation or industry in one region and period, with provenance.")
class LaborMarketObservation:
    region: str
    code_kind: CodeKindEnum  # type: ignore[valid-type]
    code: str
    title: str | None
    period: str
    source: str
    retrieved_at: datetime
    employment: int | None
    projected_employment: int | None
    annual_openings: int | None
    growth_percent: float | None
    median_wage: float | None
    wage_p10: float | None
    wage_p25: float | None
    wage_p75: float | None
    wage_p90: float | None
    outlook: OutlookEnum | None  # type: ignore[valid-type]


def observation_from_domain(obs: d.Observation, title: str | None) -> LaborMarketObservation:
    """Project an observation with its code's title."""
    return project(LaborMarketObservation, obs, code_kind=CodeKindEnum(obs.code_kind.value), code=obs.code.value,
                   title=title, outlook=OutlookEnum(obs.outlook.value) if obs.outlook else None)


@strawberry.type
class LaborMarketObservationEdge:
    node: LaborMarketObservation
    cursor: str


@strawberry.type
class LaborMarketObservationConnection:
    edges: list[LaborMarketObservationEdge]
    page_info: PageInfo


@strawberry.input
class LaborMarketFilterInput:
    region: str | None = None
    code_kind: CodeKindEnum | None = None  # type: ignore[valid-type]
    code: str | None = None
    source: str | None = None
    period: str | None = None


@strawberry.type(description="An occupation is in demand when it meets either threshold.")
class InDemandThresholds:
    min_annual_openings: int | None
    min_growth_percent: float | None


@strawberry.type
class InDemandOccupations:
    regions: list[str]
    rule: InDemandThresholds
    items: list[LaborMarketObservation]


@strawberry.type(description="The observations relevant to a partner's regions, occupations and industries.")
class PartnerLaborMarket:
    partner_id: UUID
    regions: list[str]
    occupations: list[str]
    industries: list[str]
    observations: list[LaborMarketObservation]

    @strawberry.field(description="The partner's directory record (batched per request).")
    async def partner(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.partner_id, partner_from_domain)


@strawberry.type
class CodeTitle:
    scheme: TitleSchemeEnum  # type: ignore[valid-type]
    code: str
    title: str
    level: str


@strawberry.type
class CodeTitleEdge:
    node: CodeTitle
    cursor: str


@strawberry.type
class CodeTitleConnection:
    edges: list[CodeTitleEdge]
    page_info: PageInfo


@strawberry.type
class LaborMarketQuery:
    @strawberry.field(description="Labour market observations as a Relay connection, filtered with AND.")
    async def labor_market_observations(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None,
        where: LaborMarketFilterInput | None = None,
    ) -> LaborMarketObservationConnection:
        w = where or LaborMarketFilterInput()
        flt = ObservationFilter(region=w.region, code_kind=w.code_kind.value if w.code_kind else None, code=w.code,
                                source=w.source, period=w.period)
        page = await paginate(
            info, lambda uow, r: uc.list_observations(uow, flt=flt, limit=r.limit, cursor=r.cursor,
                                                      backward=r.backward),
            lambda x, c: LaborMarketObservationEdge(node=observation_from_domain(*x), cursor=c),
            first=first, after=after, last=last, before=before)
        return LaborMarketObservationConnection(edges=page.edges, page_info=page.page_info)

    @strawberry.field(description="Occupations in demand in the regions under the deployment's thresholds.")
    async def in_demand_occupations(self, info: Info, regions: list[str]) -> InDemandOccupations:
        rule = settings_of(info).in_demand_rule()
        try:
            rows = await uc.in_demand(await info.context.read_uow(), regions=regions, rule=rule)
        except DomainError as exc:
            raise query_error(exc) from exc
        return InDemandOccupations(
            regions=list(dict.fromkeys(regions)),
            rule=InDemandThresholds(min_annual_openings=rule.min_annual_openings,
                                    min_growth_percent=rule.min_growth_percent),
            items=[observation_from_domain(o, t) for o, t in rows],
        )

    @strawberry.field(description="Observations relevant to a partner, or null when it does not exist.")
    async def partner_labor_market(self, info: Info, partner_id: UUID) -> PartnerLaborMarket | None:
        return await lookup(info, lambda uow: uc.partner_labor_market(uow, partner_id=partner_id),
                            lambda found: PartnerLaborMarket(
                                partner_id=found.partner.id, regions=list(found.regions),
                                occupations=list(found.occupations), industries=list(found.industries),
                                observations=[observation_from_domain(o, t) for o, t in found.observations]))

    @strawberry.field(description="Titles of SOC, NAICS or CIP codes by code.")
    async def code_titles(
        self, info: Info, scheme: TitleSchemeEnum,  # type: ignore[valid-type]
        first: First = None, after: After = None, last: Last = None, before: Before = None,
        q: str | None = None, level: str | None = None,
    ) -> CodeTitleConnection:
        page = await paginate(
            info, lambda uow, r: uc.list_titles(uow, scheme=TitleScheme(scheme.value), q=q, level=level,
                                                limit=r.limit, cursor=r.cursor, backward=r.backward),
            lambda t, c: CodeTitleEdge(node=project(CodeTitle, t), cursor=c),
            first=first, after=after, last=last, before=before)
        return CodeTitleConnection(edges=page.edges, page_info=page.page_info)
