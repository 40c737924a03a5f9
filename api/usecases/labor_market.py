"""Use cases of labour market information: bulk loads, listings, in-demand occupations and partner views.

Reading observations and titles follows the directory's read access; loading observations needs the
``lmi:write`` scope and stays inside the key's jurisdiction (by the state of each line's region);
loading code titles, which every deployment-wide view shares, needs ``admin``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterable, Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID, uuid4

from api.domain.access import AuditEntry, Forbidden, Scope, require
from api.domain.bulk import BulkReport, EmptyBody, WriteCounts
from api.domain.codes import InvalidCode, NaicsCode, SocCode
from api.domain.errors import FieldProblem, InvalidInput, NotFound
from api.domain.filters import check_code_list, check_text
from api.domain.labor_market import (
    CodeKind,
    InDemandRule,
    Observation,
    in_demand_observations,
    parse_code,
    validate_in_demand_rule,
)
from api.domain.lmi_gaps import LaborMarketFacts
from api.domain.lmi_ingest import (
    CodeTitle,
    RawRecord,
    TitleScheme,
    observation_from_record,
    observation_key,
    title_from_record,
)
from api.domain.partners import Partner, region_jurisdiction
from api.domain.ports import ObservationFilter, TitledObservation, UnitOfWork
from api.domain.reference import Region
from api.domain.systems import CareerPathwaysSystem
from api.usecases import policy
from api.usecases.paging import Paged

T = TypeVar("T")
YIELD_EVERY = 128
MAX_LISTED_SOURCES = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerLaborMarket:
    """The observations relevant to a partner: its regions, its services' occupations, its industries."""

    partner: Partner
    regions: tuple[str, ...]
    occupations: tuple[str, ...]
    industries: tuple[str, ...]
    observations: tuple[TitledObservation, ...]


def _encode(order: str, key: Sequence[object]) -> str:
    raw = json.dumps([order, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(order: str, cursor: str | None, size: int) -> tuple[object, ...] | None:
    """Unwrap a cursor of ``order`` holding ``size`` text keys; anything else is invalid input."""
    if cursor is None:
        return None
    check_text(cursors={"cursor": cursor})
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        data = None
    if not (isinstance(data, list) and len(data) == size + 1 and data[0] == order
            and all(isinstance(v, str) for v in data[1:])):
        raise InvalidInput(FieldProblem("cursor", "is not a cursor of this listing; start again without it"))
    return tuple(data[1:])


async def _bulk(
    records: AsyncIterable[RawRecord], *, parse: Callable[[Mapping[str, object]], T], key: Callable[[T], Hashable],
    check: Callable[[int, T], None], write: Callable[[list[T]], Awaitable[WriteCounts]], skip_invalid: bool,
    batch_rows: int,
) -> BulkReport:
    """Read, check and write records in batches of distinct keys; the last line with a key wins within a batch.

    Atomic unless ``skip_invalid``: after the first invalid line nothing more is written, every further
    line is still checked so the refusal lists them all, and the caller's transaction is rolled back.

    A full batch is written while the next one is read and checked (the database works on one batch
    while this process parses the next); at most one write is in flight, so memory stays at two batches.
    """
    report = BulkReport()
    batch: dict[Hashable, T] = {}
    writing: asyncio.Task[WriteCounts] | None = None
    try:
        async for raw in records:
            report.lines += 1
            if writing is not None and not report.lines % YIELD_EVERY:
                await asyncio.sleep(0)  # parsing never waits: let the write in flight take its next step
            if raw.fields is None:
                report.reject(raw.line, [FieldProblem("", raw.error or "not a record")])
                continue
            try:
                item = parse(raw.fields)
            except InvalidInput as exc:
                report.reject(raw.line, exc.problems)
                continue
            check(raw.line, item)
            if report.rejected and not skip_invalid:
                continue
            k = key(item)
            if k in batch:
                report.duplicates += 1
            batch[k] = item
            if len(batch) >= batch_rows:
                if writing is not None:
                    report.add(await writing)
                writing = asyncio.ensure_future(write(list(batch.values())))
                batch = {}
        if writing is not None:
            report.add(await writing)
            writing = None
    finally:
        if writing is not None:
            # Leave the connection idle before the error rolls the transaction back.
            with contextlib.suppress(Exception):
                await writing
    if not report.lines:
        raise EmptyBody()
    if report.rejected and not skip_invalid:
        raise report.refusal()
    if batch:
        report.add(await write(list(batch.values())))
    return report


def _within(uow: UnitOfWork, regions: Mapping[str, Region]) -> Callable[[int, Observation], None]:
    """A check refusing lines whose region lies outside the caller's jurisdiction (authorization, never skipped)."""
    allowed: dict[str, bool] = {}

    def check(line: int, obs: Observation) -> None:
        ok = allowed.get(obs.region)
        if ok is None:
            region = regions[obs.region]
            ok = allowed[obs.region] = uow.caller.covers(region_jurisdiction(region))
        if not ok:
            raise Forbidden(f"line {line}: region '{obs.region}' lies outside this key's jurisdiction")

    return check


async def ingest_observations(
    uow: UnitOfWork, *, records: AsyncIterable[RawRecord], skip_invalid: bool = False, batch_rows: int = 5000
) -> BulkReport:
    """Validate and upsert observations keyed by (region, code, period, source); identical rows stay unchanged."""
    require(uow.caller, Scope.LMI_WRITE)
    catalog = await uow.reference.catalog()
    sources: set[str] = set()

    def parse(fields: Mapping[str, object]) -> Observation:
        obs = observation_from_record(fields, regions=catalog.regions)
        if len(sources) < MAX_LISTED_SOURCES:
            sources.add(obs.source)
        return obs

    report = await _bulk(records, parse=parse, key=observation_key, check=_within(uow, catalog.regions),
                         write=uow.labor_market.upsert_observations, skip_invalid=skip_invalid,
                         batch_rows=batch_rows)
    await _audit(uow, "labor_market_observations", ",".join(sorted(sources)) or "-", report)
    return report


async def ingest_titles(
    uow: UnitOfWork, *, records: AsyncIterable[RawRecord], default_scheme: TitleScheme | None = None,
    skip_invalid: bool = False, batch_rows: int = 5000,
) -> BulkReport:
    """Validate and upsert occupation, industry and program titles keyed by (scheme, code)."""
    policy.administer(uow)

    def parse(fields: Mapping[str, object]) -> CodeTitle:
        return title_from_record(fields, default_scheme=default_scheme)

    report = await _bulk(records, parse=parse, key=lambda t: (t.scheme, t.code), check=lambda _line, _t: None,
                         write=uow.labor_market.upsert_titles, skip_invalid=skip_invalid, batch_rows=batch_rows)
    await _audit(uow, "code_titles", default_scheme.value if default_scheme else "-", report)
    return report


async def _audit(uow: UnitOfWork, kind: str, record_id: str, report: BulkReport) -> None:
    if not (report.created or report.updated):
        return
    changes = {name: {"old": None, "new": getattr(report, name)}
               for name in ("lines", "created", "updated", "unchanged", "duplicates", "rejected")}
    await uow.audit.record([AuditEntry(id=uuid4(), key_id=uow.caller.key_id, actor=uow.caller.name, action="ingest",
                                       kind=kind, record_id=record_id, changes=changes)])


def _filter_code(code: str | None, code_kind: str | None) -> tuple[str | None, str | None]:
    """Normalize the code filter (SOC unless ``code_kind`` says naics); invalid codes are invalid input."""
    kind: CodeKind | None = None
    if code_kind is not None:
        try:
            kind = CodeKind(code_kind)
        except ValueError:
            raise InvalidInput(FieldProblem("code_kind", f"'{code_kind}' is not soc or naics")) from None
    if code is None:
        return None, kind.value if kind else None
    kind = kind or CodeKind.SOC
    try:
        return parse_code(kind, code).value, kind.value
    except InvalidCode as exc:
        raise InvalidInput(FieldProblem("code", str(exc))) from None


async def list_observations(
    uow: UnitOfWork, *, flt: ObservationFilter, limit: int = 50, cursor: str | None = None, backward: bool = False
) -> Paged[TitledObservation]:
    """List observations with their provenance, by region, code, period and source, one keyset page at a time;
    ``backward``: the page before ``cursor``, in the same order."""
    policy.read_directory(uow)
    check_text(codes={"region": flt.region, "code": flt.code, "source": flt.source, "period": flt.period})
    code, kind = _filter_code(flt.code, flt.code_kind)
    flt = ObservationFilter(region=flt.region, code_kind=kind, code=code, source=flt.source, period=flt.period)
    page = await uow.labor_market.list_observations(flt, limit=limit, after=_decode("lmi", cursor, 5),
                                                    backward=backward)
    return Paged(items=list(page.items),
                 next_cursor=_encode("lmi", page.next_after) if page.next_after else None,
                 cursors=[_encode("lmi", k) for k in page.keys])


async def in_demand(uow: UnitOfWork, *, regions: Sequence[str], rule: InDemandRule) -> list[TitledObservation]:
    """The occupations in demand in the regions under ``rule``: the latest qualifying observation of each."""
    policy.read_directory(uow)
    check_code_list("region", regions)
    validate_in_demand_rule(rule)
    rows = await uow.labor_market.observations_for(regions=list(dict.fromkeys(regions)), occupations=None,
                                                   demand_only=True)
    titles = {obs.code.value: title for obs, title in rows if title}
    found = in_demand_observations([obs for obs, _ in rows], rule, regions=set(regions))
    return [(obs, titles.get(obs.code.value)) for obs in found]


def _with_ancestors(codes: Sequence[SocCode] | Sequence[NaicsCode]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for code in codes:
        out[code.value] = None
        for parent in code.ancestors():
            out[parent.value] = None
    return tuple(out)


async def partner_labor_market(uow: UnitOfWork, *, partner_id: UUID) -> PartnerLaborMarket:
    """Observations for a partner's regions and codes: its services' occupations and its industries, with
    the groups above them (sector figures matter to an employer of a detailed industry)."""
    policy.read_directory(uow)
    partner = await uow.partners.get(partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    services = (await uow.partners.services_of([partner_id])).get(partner_id, [])
    regions = tuple(dict.fromkeys([*partner.regions_served, *(r for s in services for r in s.regions),
                                   *([partner.jurisdiction.local_area] if partner.jurisdiction.local_area else [])]))
    socs = [SocCode.parse(c) for s in services for c in s.occupations]
    naics = [NaicsCode.parse(c) for c in partner.industries]
    occupations, industries = _with_ancestors(socs), _with_ancestors(naics)
    rows: list[TitledObservation] = []
    if occupations or industries:
        rows = await uow.labor_market.observations_for(regions=regions or None, occupations=occupations,
                                                       industries=industries)
    return PartnerLaborMarket(partner=partner, regions=regions, occupations=occupations, industries=industries,
                              observations=tuple(rows))


async def list_titles(
    uow: UnitOfWork, *, scheme: TitleScheme, q: str | None = None, level: str | None = None, limit: int = 50,
    cursor: str | None = None, backward: bool = False,
) -> Paged[CodeTitle]:
    """List the titles of one classification by code; anyone may read them.
    ``backward``: the page before ``cursor``, in the same order."""
    check_text(search={"q": q}, codes={"level": level})
    after = _decode(f"titles:{scheme.value}", cursor, 1)
    page = await uow.labor_market.titles(scheme.value, q=q, level=level, limit=limit,
                                         after=str(after[0]) if after else None, backward=backward)
    order = f"titles:{scheme.value}"
    return Paged(items=list(page.items),
                 next_cursor=_encode(order, page.next_after) if page.next_after else None,
                 cursors=[_encode(order, k) for k in page.keys])


async def labor_market_facts(
    uow: UnitOfWork, *, system: CareerPathwaysSystem, rule: InDemandRule
) -> LaborMarketFacts:
    """The figures the training-capacity gap rule reads, in one query: the system's target occupations in its
    regions or, when it names none, every occupation with openings or growth there (the rule picks)."""
    if not system.regions:
        return LaborMarketFacts(rule=rule)
    rows = await uow.labor_market.occupation_figures(
        regions=list(system.regions), occupations=list(system.target_occupations) or None)
    return LaborMarketFacts(occupations=tuple(figures for figures, _ in rows),
                            titles={figures.code.value: title for figures, title in rows if title}, rule=rule)
