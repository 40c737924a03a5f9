"""REST routes of labour market information: bulk loads, observations, in-demand occupations, titles."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response

from api.deps import ReadUowDep, SettingsDep, UowDep
from api.domain.filters import MAX_CODE_LENGTH, MAX_CURSOR_LENGTH, MAX_SEARCH_LENGTH
from api.domain.labor_market import InDemandRule
from api.domain.lmi_ingest import RawRecord, TitleScheme, raw_record
from api.domain.ports import ObservationFilter
from api.domain.sync import OnError
from api.problems import responses
from api.routers._http import reject_unknown_params, set_next_link
from api.routers._ndjson import body_lines, ndjson_runs
from api.schemas.labor_market import (
    BulkReportOut,
    CodeTitleOut,
    CodeTitlePage,
    InDemandOut,
    ObservationOut,
    ObservationPage,
    PartnerLaborMarketOut,
)
from api.usecases import labor_market as uc

router = APIRouter(tags=["labor market"])

NDJSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json", "application/ndjson")
CSV_TYPE = "text/csv"
OBSERVATION_LINE = (
    "One JSON object a line: region (a region code), code_kind (soc, the default, or naics), code, period "
    "(2024 or 2024-2034), source, retrieved_at (RFC 3339 with a time zone), and any of employment, "
    "projected_employment, annual_openings, growth_percent, median_wage, wage_p10, wage_p25, wage_p75, "
    "wage_p90 (numbers, or text such as \"1,234\" or \"$45,600\"), outlook (Bright, Average, Below Average)."
)
TITLE_LINE = (
    "NDJSON (one object a line) or CSV with a header row: scheme (soc, naics or cip; or give ?scheme=), "
    "code, title. Other fields or columns are ignored."
)


def _bulk_body(description: str, *types: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description,
                            "content": {t: {"schema": {"type": "string"}} for t in types}}}


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "application/x-ndjson").split(";")[0].strip().lower()


async def _json_records(request: Request, max_line_bytes: int) -> AsyncIterator[RawRecord]:
    """Yield each non-blank line as a record, a piece of the body's lines at a time (``ndjson_runs``)."""
    async for run in ndjson_runs(request, max_line_bytes):
        for line, value in run:
            if isinstance(value, Exception):
                yield raw_record(line, None, str(value))
            elif isinstance(value, dict):
                yield raw_record(line, value, None)
            else:
                yield raw_record(line, None, "each line must be a JSON object")


async def _raw_lines(request: Request, max_line_bytes: int) -> AsyncIterator[tuple[int, str | None]]:
    """Yield (line number, text) for each line, or (line number, None) for a line over the size limit."""
    async for number, raw in body_lines(request, max_line_bytes):
        yield number, None if raw is None else raw.decode("utf-8-sig", errors="replace")


async def _csv_records(request: Request, max_line_bytes: int) -> AsyncIterator[RawRecord]:
    """Read CSV with a header row; a quoted field may span lines (the record takes its first line's number)."""
    header: list[str] | None = None
    pending, first = "", 0
    async for number, text in _raw_lines(request, max_line_bytes):
        if text is None:
            yield RawRecord(line=number, error=f"the line exceeds {max_line_bytes} bytes")
            pending = ""
            continue
        if not pending:
            first = number
        pending = f"{pending}\n{text}" if pending else text
        if pending.count('"') % 2:
            continue  # inside a quoted field: the record goes on on the next line
        try:
            row = next(csv.reader([pending]), [])
        except csv.Error as exc:  # e.g. a bare carriage return inside an unquoted field
            yield RawRecord(line=first, error=f"not valid CSV ({exc})")
            pending = ""
            continue
        pending = ""
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            continue
        if len(row) > len(header):
            yield RawRecord(line=first, error=f"{len(row)} cells but the header names {len(header)} columns")
            continue
        yield RawRecord(line=first, fields=dict(zip(header, row, strict=False)))
    if pending:
        yield RawRecord(line=first, error="a quoted field is not closed")


@router.post(
    "/v1/labor-market/observations", response_model=BulkReportOut, responses=responses(401, 403, 413, 415, 422),
    openapi_extra=_bulk_body(OBSERVATION_LINE, "application/x-ndjson"),
)
async def ingest_observations(
    request: Request, uow: UowDep, settings: SettingsDep, on_error: OnError = OnError.REJECT
) -> BulkReportOut:
    """Load observations from NDJSON, upserted by (region, code kind, code, period, source).

    Streams the body. Atomic by default: one invalid line rejects the request (422 listing every invalid line
    and field) and nothing is written; ``on_error=skip`` applies the valid lines and reports the others.
    Sending the same body again changes nothing (every line ``unchanged``). Lines for a region outside the
    key's jurisdiction are refused (403) whatever ``on_error`` says.
    """
    reject_unknown_params(request, {"on_error"})
    if _media_type(request) not in NDJSON_TYPES:
        raise HTTPException(415, "send application/x-ndjson: one JSON object a line")
    report = await uc.ingest_observations(
        uow, records=_json_records(request, settings.max_ndjson_line_bytes),
        skip_invalid=on_error is OnError.SKIP, batch_rows=settings.lmi_batch_rows,
    )
    return BulkReportOut.model_validate(report)


@router.post(
    "/v1/labor-market/titles", response_model=BulkReportOut, responses=responses(401, 403, 413, 415, 422),
    openapi_extra=_bulk_body(TITLE_LINE, "application/x-ndjson", CSV_TYPE),
)
async def ingest_titles(
    request: Request, uow: UowDep, settings: SettingsDep, on_error: OnError = OnError.REJECT,
    scheme: Annotated[TitleScheme | None, Query(description="the classification of rows that name none")] = None,
) -> BulkReportOut:
    """Load occupation (SOC), industry (NAICS) and program (CIP) titles, upserted by (scheme, code).

    NDJSON or CSV by ``Content-Type``; atomic unless ``on_error=skip``, like the observations load.
    """
    reject_unknown_params(request, {"on_error", "scheme"})
    media = _media_type(request)
    if media == CSV_TYPE:
        records = _csv_records(request, settings.max_ndjson_line_bytes)
    elif media in NDJSON_TYPES:
        records = _json_records(request, settings.max_ndjson_line_bytes)
    else:
        raise HTTPException(415, "send application/x-ndjson or text/csv")
    report = await uc.ingest_titles(uow, records=records, default_scheme=scheme,
                                    skip_invalid=on_error is OnError.SKIP, batch_rows=settings.lmi_batch_rows)
    return BulkReportOut.model_validate(report)


@router.get("/v1/labor-market/observations", response_model=ObservationPage, responses=responses(401, 403, 422))
async def list_observations(
    request: Request,
    response: Response,
    uow: ReadUowDep,
    region: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    code_kind: Annotated[str | None, Query(description="soc or naics; a code is read as SOC unless naics")] = None,
    code: Annotated[str | None, Query(max_length=16)] = None,
    source: Annotated[str | None, Query(max_length=MAX_CODE_LENGTH)] = None,
    period: Annotated[str | None, Query(max_length=9)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> ObservationPage:
    """List observations with their provenance (source, period, retrieved_at), filtered with AND."""
    reject_unknown_params(request, {"region", "code_kind", "code", "source", "period", "limit", "cursor"})
    flt = ObservationFilter(region=region, code_kind=code_kind, code=code, source=source, period=period)
    page = await uc.list_observations(uow, flt=flt, limit=limit, cursor=cursor)
    set_next_link(request, response, page.next_cursor)
    return ObservationPage(items=[ObservationOut.of(o, t) for o, t in page.items], next_cursor=page.next_cursor)


@router.get("/v1/labor-market/in-demand", response_model=InDemandOut, responses=responses(401, 403, 422))
async def in_demand(
    request: Request,
    uow: ReadUowDep,
    settings: SettingsDep,
    region: Annotated[list[str], Query(min_length=1, max_length=100, description="one or more region codes")],
    min_annual_openings: Annotated[int | None, Query(ge=0, description="overrides the deployment's")] = None,
    min_growth_percent: Annotated[float | None, Query(description="overrides the deployment's")] = None,
) -> InDemandOut:
    """The occupations in demand in the regions: annual openings or growth at or above the thresholds."""
    reject_unknown_params(request, {"region", "min_annual_openings", "min_growth_percent"})
    rule = settings.in_demand_rule()
    if min_annual_openings is not None or min_growth_percent is not None:
        rule = InDemandRule(
            min_annual_openings=min_annual_openings if min_annual_openings is not None else rule.min_annual_openings,
            min_growth_percent=min_growth_percent if min_growth_percent is not None else rule.min_growth_percent,
        )
    rows = await uc.in_demand(uow, regions=region, rule=rule)
    return InDemandOut.of(list(dict.fromkeys(region)), rule, rows)


@router.get("/v1/partners/{partner_id}/labor-market", response_model=PartnerLaborMarketOut,
            responses=responses(401, 403, 404), tags=["partners"])
async def partner_labor_market(partner_id: UUID, uow: ReadUowDep) -> PartnerLaborMarketOut:
    """Observations relevant to a partner: its regions, the occupations its services lead to, its industries."""
    found = await uc.partner_labor_market(uow, partner_id=partner_id)
    return PartnerLaborMarketOut(
        partner_id=found.partner.id, regions=list(found.regions), occupations=list(found.occupations),
        industries=list(found.industries), observations=[ObservationOut.of(o, t) for o, t in found.observations],
    )


async def _titles(request: Request, response: Response, uow: Any, scheme: TitleScheme, q: str | None,
                  level: str | None, limit: int, cursor: str | None) -> CodeTitlePage:
    reject_unknown_params(request, {"q", "level", "limit", "cursor"})
    page = await uc.list_titles(uow, scheme=scheme, q=q, level=level, limit=limit, cursor=cursor)
    set_next_link(request, response, page.next_cursor)
    return CodeTitlePage(items=[CodeTitleOut.model_validate(t) for t in page.items], next_cursor=page.next_cursor)


Q = Annotated[str | None, Query(max_length=MAX_SEARCH_LENGTH,
                                description="words in the title, or the start of the code")]
Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)]


@router.get("/v1/reference/occupations", response_model=CodeTitlePage, responses=responses(422), tags=["reference"])
async def occupations(
    request: Request, response: Response, uow: ReadUowDep, q: Q = None,
    level: Annotated[str | None, Query(pattern=r"^(major|minor|broad|detailed)$")] = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> CodeTitlePage:
    """SOC occupation titles by code (the major groups are shipped; a deployment loads the rest)."""
    return await _titles(request, response, uow, TitleScheme.SOC, q, level, limit, cursor)


@router.get("/v1/reference/industries", response_model=CodeTitlePage, responses=responses(422), tags=["reference"])
async def industries(
    request: Request, response: Response, uow: ReadUowDep, q: Q = None,
    level: Annotated[str | None, Query(
        pattern=r"^(sector|subsector|industry_group|naics_industry|national_industry)$")] = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> CodeTitlePage:
    """NAICS industry titles by code (the sectors are shipped; a deployment loads the rest)."""
    return await _titles(request, response, uow, TitleScheme.NAICS, q, level, limit, cursor)


@router.get("/v1/reference/programs", response_model=CodeTitlePage, responses=responses(422), tags=["reference"])
async def programs(
    request: Request, response: Response, uow: ReadUowDep, q: Q = None,
    level: Annotated[str | None, Query(pattern=r"^(series|group|program)$")] = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> CodeTitlePage:
    """CIP program titles by code (loaded by the deployment)."""
    return await _titles(request, response, uow, TitleScheme.CIP, q, level, limit, cursor)
