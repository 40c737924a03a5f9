"""DTOs of labour market information: observations with provenance, titles (bulk reports: api.schemas.bulk)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from api.domain.labor_market import CodeKind, InDemandRule, Observation, Outlook
from api.domain.lmi_ingest import TitleScheme


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ObservationOut(BaseModel):
    """Figures for one occupation or industry in one region and period, with where they came from."""

    region: str
    code_kind: CodeKind
    code: str
    title: str | None = Field(description="the code's title, when titles are loaded")
    period: str = Field(description="a year (2024) or a projection span (2024-2034)")
    source: str = Field(description="who published the figures (provenance)")
    retrieved_at: datetime = Field(description="when the figures were pulled from the source (provenance)")
    employment: int | None
    projected_employment: int | None
    annual_openings: int | None
    growth_percent: float | None
    median_wage: float | None
    wage_p10: float | None
    wage_p25: float | None
    wage_p75: float | None
    wage_p90: float | None
    outlook: Outlook | None

    @classmethod
    def of(cls, obs: Observation, title: str | None) -> ObservationOut:
        return cls(
            region=obs.region, code_kind=obs.code_kind, code=obs.code.value, title=title, period=obs.period,
            source=obs.source, retrieved_at=obs.retrieved_at, employment=obs.employment,
            projected_employment=obs.projected_employment, annual_openings=obs.annual_openings,
            growth_percent=obs.growth_percent, median_wage=obs.median_wage, wage_p10=obs.wage_p10,
            wage_p25=obs.wage_p25, wage_p75=obs.wage_p75, wage_p90=obs.wage_p90, outlook=obs.outlook,
        )


class ObservationPage(BaseModel):
    """One page of observations; follow ``next_cursor`` (or the ``Link: rel="next"`` header) for more."""

    items: list[ObservationOut]
    next_cursor: str | None


class InDemandRuleOut(_Out):
    """The thresholds applied: an occupation is in demand when it meets either one."""

    min_annual_openings: int | None
    min_growth_percent: float | None


class InDemandOut(BaseModel):
    """The occupations in demand in the regions, each with the latest observation that qualifies it."""

    regions: list[str]
    rule: InDemandRuleOut
    items: list[ObservationOut]

    @classmethod
    def of(cls, regions: list[str], rule: InDemandRule, rows: list[tuple[Observation, str | None]]) -> InDemandOut:
        return cls(regions=regions, rule=InDemandRuleOut.model_validate(rule),
                   items=[ObservationOut.of(o, t) for o, t in rows])


class PartnerLaborMarketOut(BaseModel):
    """The observations relevant to a partner, and the regions and codes they were chosen by."""

    partner_id: UUID
    regions: list[str]
    occupations: list[str] = Field(description="SOC codes its services lead to, with the groups above them")
    industries: list[str] = Field(description="its NAICS industries, with the groups above them")
    observations: list[ObservationOut]


class CodeTitleOut(_Out):
    """The title of a SOC, NAICS or CIP code."""

    scheme: TitleScheme
    code: str
    title: str
    level: str


class CodeTitlePage(BaseModel):
    """One page of titles, by code."""

    items: list[CodeTitleOut]
    next_cursor: str | None
