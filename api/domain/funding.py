"""Funding streams, allocations to a system's services and functions, the braiding analysis, and gap kind 7.

Braided, never blended: every allocation keeps its stream code, and amounts are summed across streams
only in the totals by kind (and the grand total those shares are taken of); each total by kind still
names the streams it is made of. An allocation targets exactly one service or one function.

A stream open to the general public (``UNIVERSAL_POPULATION``) is eligible for every population, so the
untapped-stream check treats it as matching whatever populations the system targets.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from api.domain.errors import FieldProblem, InvalidInput
from api.domain.gaps import Gap, GapContext, GapKind, MemberPartner, OfferedService, Severity
from api.domain.labels import NO_LABELS, Labels
from api.domain.labor_market import period_years
from api.domain.partners import Status
from api.domain.reference import Catalog
from api.domain.systems import Assignment, CareerPathwaysSystem, Strength

UNIVERSAL_POPULATION = "general_public"
"""The population code meaning "everyone": a stream eligible to it is eligible to every target population."""

MONEY_PLACES = 2
MAX_AMOUNT = Decimal(10) ** 15
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_URL_RE = re.compile(r"^https?://\S+$", re.IGNORECASE)
_SHARE_PLACES = Decimal("0.0001")

ALLOCATION_EDITABLE = frozenset({"stream_code", "period", "amount", "service_id", "function", "partner_id", "note"})
ALLOCATION_NULLABLE = frozenset({"service_id", "function", "partner_id"})


class FundingKind(StrEnum):
    """Where a stream's money comes from, which says how lasting it is."""

    FORMULA = "formula"
    GRANT = "grant"
    STATE = "state"
    PRIVATE = "private"


LASTING_KINDS = frozenset({FundingKind.FORMULA, FundingKind.STATE})
"""Kinds that sustain a system beyond a grant period; money only of the other kinds is grant-only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FundingStream:
    """A source of money for career pathways: who administers it, whom it serves, what it pays for."""

    code: str
    name: str
    kind: FundingKind
    administering_agency_type: str
    provider_types: tuple[str, ...] = ()
    eligible_populations: tuple[str, ...] = ()
    allowed_service_categories: tuple[str, ...] = ()
    description: str = ""
    source_url: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    """An amount of one stream, for one period, to one service or one function of a system."""

    id: UUID
    system_id: UUID
    stream_code: str
    period: str
    amount: Decimal
    service_id: UUID | None = None
    function: str | None = None
    partner_id: UUID | None = None
    note: str = ""
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None


# --- reference data -------------------------------------------------------------------------------------


def _codes_known(problems: list[FieldProblem], where: str, values: Iterable[str], known: Collection[str],
                 what: str) -> None:
    for i, value in enumerate(values):
        if value not in known:
            problems.append(FieldProblem(f"{where}[{i}]", f"unknown {what} '{value}'"))


def validate_funding_stream(stream: FundingStream, catalog: Catalog | None = None) -> FundingStream:
    """Check a stream's code, name and source, and with a catalog its vocabulary codes; return it or raise."""
    problems: list[FieldProblem] = []
    if not _CODE_RE.match(stream.code):
        problems.append(FieldProblem("code", "must be 1-64 lowercase letters, digits and underscores"))
    if not stream.name.strip():
        problems.append(FieldProblem("name", "must not be blank"))
    if stream.source_url and not _URL_RE.match(stream.source_url):
        problems.append(FieldProblem("source_url", "must be an http(s) URL"))
    if catalog is not None:
        types = catalog.partner_types
        if stream.administering_agency_type not in types:
            problems.append(FieldProblem("administering_agency_type",
                                         f"unknown partner type '{stream.administering_agency_type}'"))
        _codes_known(problems, "provider_types", stream.provider_types, types, "partner type")
        _codes_known(problems, "eligible_populations", stream.eligible_populations, catalog.populations,
                     "population")
        _codes_known(problems, "allowed_service_categories", stream.allowed_service_categories,
                     catalog.service_categories, "service category")
    if problems:
        raise InvalidInput(problems)
    return stream


def _strings(problems: list[FieldProblem], where: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        problems.append(FieldProblem(where, "must be a list of codes"))
        return ()
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item:
            problems.append(FieldProblem(f"{where}[{i}]", "must be a non-empty string"))
    return tuple(str(item) for item in value)


def funding_streams_from_dicts(
    rows: Sequence[Mapping[str, Any]], catalog: Catalog | None = None
) -> dict[str, FundingStream]:
    """Build the stream catalogue from parsed reference data, or raise InvalidInput naming each bad entry."""
    problems: list[FieldProblem] = []
    streams: dict[str, FundingStream] = {}
    for i, raw in enumerate(rows):
        where = f"funding_streams[{i}]"
        kind = raw.get("kind")
        if kind not in {k.value for k in FundingKind}:
            problems.append(FieldProblem(f"{where}.kind", f"must be one of {', '.join(FundingKind)}"))
            continue
        stream = FundingStream(
            code=str(raw.get("code", "")),
            name=str(raw.get("name", "")),
            kind=FundingKind(kind),
            administering_agency_type=str(raw.get("administering_agency_type", "")),
            provider_types=_strings(problems, f"{where}.provider_types", raw.get("provider_types", [])),
            eligible_populations=_strings(problems, f"{where}.eligible_populations",
                                          raw.get("eligible_populations", [])),
            allowed_service_categories=_strings(problems, f"{where}.allowed_service_categories",
                                                raw.get("allowed_service_categories", [])),
            description=str(raw.get("description", "")),
            source_url=str(raw.get("source_url", "")),
        )
        try:
            validate_funding_stream(stream, catalog)
        except InvalidInput as error:
            problems += [FieldProblem(f"{where}.{p.field}", p.message) for p in error.problems]
            continue
        if stream.code in streams:
            problems.append(FieldProblem(f"{where}.code", f"'{stream.code}' appears twice"))
        streams[stream.code] = stream
    if problems:
        raise InvalidInput(problems)
    return streams


# --- allocations ----------------------------------------------------------------------------------------


def _amount_problems(amount: object) -> list[FieldProblem]:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return [FieldProblem("amount", "must be a finite decimal amount")]
    if amount < 0:
        return [FieldProblem("amount", "must not be negative")]
    if amount >= MAX_AMOUNT:
        return [FieldProblem("amount", f"must be less than {MAX_AMOUNT}")]
    if amount != amount.quantize(Decimal(1).scaleb(-MONEY_PLACES)):
        return [FieldProblem("amount", f"must have at most {MONEY_PLACES} decimal places")]
    return []


def validate_allocation(
    allocation: Allocation,
    *,
    streams: Mapping[str, FundingStream] | None = None,
    service_ids: Collection[UUID] | None = None,
    functions: Collection[str] | None = None,
    member_ids: Collection[UUID] | None = None,
) -> Allocation:
    """Check an allocation (one target, a YYYY or YYYY-YYYY period, a non-negative amount); return it normalized."""
    problems: list[FieldProblem] = []
    if streams is not None and allocation.stream_code not in streams:
        problems.append(FieldProblem("stream_code", f"unknown funding stream '{allocation.stream_code}'"))
    elif not allocation.stream_code.strip():
        problems.append(FieldProblem("stream_code", "must not be blank"))
    if (allocation.service_id is None) == (allocation.function is None):
        problems.append(FieldProblem("service_id", "target exactly one: a service_id or a function"))
    if allocation.service_id is not None and service_ids is not None and allocation.service_id not in service_ids:
        problems.append(FieldProblem("service_id", f"{allocation.service_id} is not a service of a member"))
    if allocation.function is not None and functions is not None and allocation.function not in functions:
        problems.append(FieldProblem("function", f"unknown function '{allocation.function}'"))
    if allocation.partner_id is not None and member_ids is not None and allocation.partner_id not in member_ids:
        problems.append(FieldProblem("partner_id", f"partner {allocation.partner_id} is not a member of the system"))
    period = allocation.period.strip()
    try:
        first, last = period_years(period)
        if not 1900 <= first <= last <= 2200:
            problems.append(FieldProblem("period", "years must lie between 1900 and 2200"))
    except ValueError:
        problems.append(FieldProblem("period", "must be a year (2026) or a span of years (2026-2027)"))
    problems += _amount_problems(allocation.amount)
    if problems:
        raise InvalidInput(problems)
    return replace(allocation, period=period)


def revise_allocation(
    allocation: Allocation,
    changes: Mapping[str, Any],
    *,
    streams: Mapping[str, FundingStream] | None = None,
    service_ids: Collection[UUID] | None = None,
    functions: Collection[str] | None = None,
    member_ids: Collection[UUID] | None = None,
) -> Allocation:
    """Apply a partial update to an allocation, validate it as validate_allocation does, and bump its version."""
    problems = [FieldProblem(name, "cannot be changed") for name in sorted(set(changes) - ALLOCATION_EDITABLE)]
    problems += [
        FieldProblem(name, "must not be null")
        for name, value in sorted(changes.items())
        if value is None and name in ALLOCATION_EDITABLE and name not in ALLOCATION_NULLABLE
    ]
    if problems:
        raise InvalidInput(problems)
    return validate_allocation(
        replace(allocation, **changes, version=allocation.version + 1),
        streams=streams, service_ids=service_ids, functions=functions, member_ids=member_ids,
    )


# --- the braiding analysis ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamTotal:
    """What one stream puts into the system, with the allocations it is made of."""

    stream_code: str
    name: str
    kind: FundingKind
    amount: Decimal
    allocations: tuple[Allocation, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class KindTotal:
    """The money of one kind, naming the streams it comes from (the only view summed across streams)."""

    kind: FundingKind
    amount: Decimal
    streams: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamAmount:
    """One stream's part in funding a target."""

    stream_code: str
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetFunding:
    """The streams braided into one service or function, each kept separate."""

    service_id: UUID | None
    function: str | None
    streams: tuple[StreamAmount, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class UnfundedService:
    """A member's active service with no allocation and no funding stream of its own."""

    service_id: UUID
    name: str
    category: str
    partner_id: UUID
    partner_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UnfundedFunction:
    """A function the system leads with no allocation."""

    function: str
    lead_partner_id: UUID
    lead_name: str


class StreamRole(StrEnum):
    """How a member stands to a stream: its type administers it, usually draws on it, or neither."""

    ADMINISTERS = "administers"
    USUALLY_DRAWS = "usually_draws"
    OFFERS_ONLY = "offers_only"


@dataclass(frozen=True, slots=True, kw_only=True)
class FundingCandidate:
    """A member that could draw on an untapped stream: it offers what the stream pays for, or administers it."""

    partner_id: UUID
    name: str
    partner_type: str
    type_matches: bool
    categories: tuple[str, ...]
    role: StreamRole = StreamRole.OFFERS_ONLY
    """Whether its type administers the stream, usually draws on it, or only offers what it pays for."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AllocationWarning:
    """An allocation to a service or function the stream does not usually pay for: allowed, but worth a look."""

    allocation_id: UUID
    stream_code: str
    service_id: UUID | None
    function: str | None
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class UntappedStream:
    """A stream the system's populations and members' services qualify for, that no member draws on."""

    stream_code: str
    name: str
    kind: FundingKind
    administering_agency_type: str
    populations: tuple[str, ...]
    categories: tuple[str, ...]
    candidates: tuple[FundingCandidate, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FundingAnalysis:
    """How a system is funded: totals per stream and kind, shares, what is unfunded, and what is untapped.

    ``formula_share`` and ``grant_share`` are fractions of ``total`` (None when the total is 0);
    ``grant_only`` is True when there is money and all of it is grant or private.
    """

    system_id: UUID
    period: str | None
    total: Decimal
    by_stream: tuple[StreamTotal, ...]
    by_kind: tuple[KindTotal, ...]
    formula_share: float | None
    grant_share: float | None
    by_target: tuple[TargetFunding, ...]
    unfunded_services: tuple[UnfundedService, ...]
    unfunded_functions: tuple[UnfundedFunction, ...]
    grant_only: bool
    untapped: tuple[UntappedStream, ...]
    warnings: tuple[AllocationWarning, ...] = ()
    """Allocations to targets their stream does not usually pay for (a warning, never a refusal)."""


def _share(part: Decimal, total: Decimal) -> float | None:
    return float((part / total).quantize(_SHARE_PLACES)) if total else None


def _with_parents(category: str, parents: Mapping[str, str | None]) -> list[str]:
    chain, seen = [category], {category}
    parent = parents.get(category)
    while parent is not None and parent not in seen:
        chain.append(parent)
        seen.add(parent)
        parent = parents.get(parent)
    return chain


def _partner_order(partner: MemberPartner) -> tuple[str, str, bytes]:
    return partner.name.casefold(), partner.name, partner.id.bytes


def _stream_totals(allocations: list[Allocation], catalogue: Mapping[str, FundingStream]) -> list[StreamTotal]:
    grouped: dict[str, list[Allocation]] = {}
    for allocation in allocations:
        grouped.setdefault(allocation.stream_code, []).append(allocation)
    totals = []
    for code, items in grouped.items():
        stream = catalogue[code]
        items.sort(key=lambda a: (a.period, a.function or "", str(a.service_id or ""), a.id.bytes))
        totals.append(StreamTotal(stream_code=code, name=stream.name, kind=stream.kind,
                                  amount=sum((a.amount for a in items), Decimal(0)), allocations=tuple(items)))
    totals.sort(key=lambda t: (-t.amount, t.name, t.stream_code))
    return totals


def _target_funding(allocations: list[Allocation], service_names: Mapping[UUID, str]) -> list[TargetFunding]:
    grouped: dict[tuple[UUID | None, str | None], dict[str, Decimal]] = {}
    for a in allocations:
        per_stream = grouped.setdefault((a.service_id, a.function), {})
        per_stream[a.stream_code] = per_stream.get(a.stream_code, Decimal(0)) + a.amount

    def order(key: tuple[UUID | None, str | None]) -> tuple[int, str, str]:
        service_id, function = key
        if function is not None:
            return 0, function, ""
        return 1, service_names.get(service_id, "") if service_id else "", str(service_id)

    return [
        TargetFunding(
            service_id=service_id,
            function=function,
            streams=tuple(
                StreamAmount(stream_code=code, amount=amount)
                for code, amount in sorted(grouped[(service_id, function)].items())
            ),
        )
        for service_id, function in sorted(grouped, key=order)
    ]


def stream_role(stream: FundingStream, partner_type: str) -> StreamRole:
    """How a partner of a type stands to a stream: it administers it, usually draws on it, or neither."""
    if partner_type == stream.administering_agency_type:
        return StreamRole.ADMINISTERS
    if partner_type in stream.provider_types:
        return StreamRole.USUALLY_DRAWS
    return StreamRole.OFFERS_ONLY


def allocation_warnings(
    allocations: Iterable[Allocation],
    catalogue: Mapping[str, FundingStream],
    service_categories: Mapping[UUID, str],
    function_categories: Mapping[str, tuple[str, ...]],
    parents: Mapping[str, str | None],
    labels: Labels = NO_LABELS,
) -> list[AllocationWarning]:
    """Warn of allocations to a service or function whose services the stream does not usually pay for.

    A stream's allowed service categories say what it usually pays for; a service counts under its category and
    that category's parents; a function under the categories of service that carry it (a function with none
    recorded is not judged). This is a warning for the team to check with the administering agency, never a
    refusal: the rules of a stream have exceptions a catalogue cannot hold.
    """
    found = []
    for a in allocations:
        stream = catalogue.get(a.stream_code)
        ask = f"check with the agency that administers it ({labels.partner_type(stream.administering_agency_type)})" \
            if stream is not None else ""
        if stream is None or not stream.allowed_service_categories:
            continue
        allowed = set(stream.allowed_service_categories)
        if a.service_id is not None and (category := service_categories.get(a.service_id)) is not None:
            if allowed.isdisjoint(_with_parents(category, parents)):
                found.append(AllocationWarning(
                    allocation_id=a.id, stream_code=a.stream_code, service_id=a.service_id, function=None,
                    message=f"{stream.name} does not usually pay for {labels.category(category)}; {ask}."))
        elif a.function is not None and (categories := function_categories.get(a.function)):
            chains = {c for category in categories for c in _with_parents(category, parents)}
            if allowed.isdisjoint(chains):
                found.append(AllocationWarning(
                    allocation_id=a.id, stream_code=a.stream_code, service_id=None, function=a.function,
                    message=f"{stream.name} does not usually pay for the services of '{labels.function(a.function)}' "
                            f"({labels.categories_of(categories)}); {ask}."))
    found.sort(key=lambda w: (w.stream_code, w.function or "", str(w.service_id or ""), w.allocation_id.bytes))
    return found


def _untapped(
    stream: FundingStream,
    targets: set[str],
    offered_by: Mapping[UUID, set[str]],
    members: Sequence[MemberPartner],
    universal_population: str,
    labels: Labels,
) -> UntappedStream | None:
    if universal_population in stream.eligible_populations:
        populations = sorted(targets)
    else:
        populations = sorted(targets & set(stream.eligible_populations))
    allowed = set(stream.allowed_service_categories)
    offered = set().union(*offered_by.values()) if offered_by else set()
    categories = sorted(allowed & offered)
    if not populations or not categories:
        return None
    candidates = []
    for partner in members:
        mine = tuple(sorted(offered_by.get(partner.id, set()) & allowed))
        role = stream_role(stream, partner.partner_type)
        if mine or role is StreamRole.ADMINISTERS:
            candidates.append(FundingCandidate(partner_id=partner.id, name=partner.name,
                                               partner_type=partner.partner_type,
                                               type_matches=role is not StreamRole.OFFERS_ONLY, categories=mine,
                                               role=role))
    # By fit: the agency that administers the stream, then the types that usually draw on it, then any member
    # offering what it pays for; within each, the member offering more of it first.
    rank = {r: i for i, r in enumerate(StreamRole)}
    candidates.sort(key=lambda c: (rank[c.role], -len(c.categories), c.name.casefold(), c.name, c.partner_id.bytes))
    if universal_population in stream.eligible_populations:
        reasons = [f"open to the general public, so to the populations the system targets: "
                   f"{labels.populations_of(populations)}"]
    else:
        reasons = [f"eligible populations the system targets: {labels.populations_of(populations)}"]
    reasons.append(f"allowed services members offer: {labels.categories_of(categories)}")
    for c in candidates:
        why = f"{c.name} ({labels.partner_type(c.partner_type)}"
        why += {StreamRole.ADMINISTERS: ", the type that administers it)",
                StreamRole.USUALLY_DRAWS: ", a type that usually draws on it)",
                StreamRole.OFFERS_ONLY: ")"}[c.role]
        reasons.append(f"{why} could draw on it" + (f" for {labels.categories_of(c.categories)}"
                                                     if c.categories else ""))
    return UntappedStream(
        stream_code=stream.code,
        name=stream.name,
        kind=stream.kind,
        administering_agency_type=stream.administering_agency_type,
        populations=tuple(populations),
        categories=tuple(categories),
        candidates=tuple(candidates),
        reasons=tuple(reasons),
    )


def analyse_funding(
    system: CareerPathwaysSystem,
    partners: Iterable[MemberPartner],
    services: Iterable[OfferedService],
    assignments: Iterable[Assignment],
    allocations: Iterable[Allocation],
    streams: Iterable[FundingStream],
    *,
    period: str | None = None,
    category_parents: Mapping[str, str | None] | None = None,
    universal_population: str = UNIVERSAL_POPULATION,
    function_categories: Mapping[str, tuple[str, ...]] | None = None,
    labels: Labels = NO_LABELS,
) -> FundingAnalysis:
    """Analyse how a system's members' services and led functions are funded, stream by stream.

    ``partners`` are the members' partners; services of other partners and allocations of other systems are
    ignored. With ``period`` only that period's allocations count toward totals and funded targets, but a
    stream used in any period is not untapped. With ``category_parents`` (category -> parent) a service also
    counts under its parent categories when matched against what a stream allows. With ``function_categories``
    (function -> the service categories that carry it) allocations to functions are checked too; ``labels`` name
    the codes in reasons and warnings.
    """
    catalogue = {s.code: s for s in streams}
    members = sorted({p.id: p for p in partners}.values(), key=_partner_order)
    member_ids = {p.id for p in members}
    names = {p.id: p.name for p in members}
    system_allocations = [a for a in allocations if a.system_id == system.id]
    unknown = [
        FieldProblem(f"allocations[{a.id}].stream_code", f"unknown funding stream '{a.stream_code}'")
        for a in system_allocations if a.stream_code not in catalogue
    ]
    if unknown:
        raise InvalidInput(unknown)
    counted = [a for a in system_allocations if period is None or a.period == period]

    by_stream = _stream_totals(counted, catalogue)
    total = sum((t.amount for t in by_stream), Decimal(0))
    by_kind = tuple(
        KindTotal(
            kind=kind,
            amount=sum((t.amount for t in by_stream if t.kind is kind), Decimal(0)),
            streams=tuple(sorted(t.stream_code for t in by_stream if t.kind is kind)),
        )
        for kind in FundingKind
    )
    kind_amount = {k.kind: k.amount for k in by_kind}

    active = [s for s in services if s.status is Status.ACTIVE and s.partner_id in member_ids]
    funded_services = {a.service_id for a in counted if a.service_id is not None}
    unfunded_services = tuple(
        UnfundedService(service_id=s.id, name=s.name, category=s.category, partner_id=s.partner_id,
                        partner_name=names.get(s.partner_id, str(s.partner_id)))
        for s in sorted(  # only what is reported needs an order (a state system has thousands of services)
            (s for s in active if not s.funding_streams and s.id not in funded_services),
            key=lambda s: (s.name.casefold(), s.name, s.id.bytes),
        )
    )
    funded_functions = {a.function for a in counted if a.function is not None}
    leads = sorted(
        (a for a in assignments if a.strength is Strength.LEAD and a.system_id == system.id),
        key=lambda a: (a.function, a.id.bytes),
    )
    unfunded_functions = tuple(
        UnfundedFunction(function=a.function, lead_partner_id=a.partner_id,
                         lead_name=names.get(a.partner_id, str(a.partner_id)))
        for a in leads
        if a.function not in funded_functions
    )

    used = {a.stream_code for a in system_allocations}
    used.update(code for p in members for code in p.funding_streams)
    parents = category_parents or {}
    offered_by: dict[UUID, set[str]] = {}
    chains: dict[str, list[str]] = {}  # a state system's thousands of services share a few dozen categories
    for service in active:  # one pass over a state system's 5,000 services
        used.update(service.funding_streams)
        chain = chains.get(service.category)
        if chain is None:
            chain = chains[service.category] = _with_parents(service.category, parents)
        offered = offered_by.get(service.partner_id)
        if offered is None:
            offered = offered_by[service.partner_id] = set()
        offered.update(chain)
    targets = set(system.target_populations)
    untapped = [
        found
        for stream in catalogue.values()
        if stream.code not in used
        and (found := _untapped(stream, targets, offered_by, members, universal_population, labels)) is not None
    ]
    kind_rank = {k: i for i, k in enumerate(FundingKind)}
    untapped.sort(key=lambda u: (kind_rank[u.kind], u.name, u.stream_code))

    allocated_services = {a.service_id for a in system_allocations if a.service_id is not None}
    lasting = sum((kind_amount[k] for k in LASTING_KINDS), Decimal(0))
    return FundingAnalysis(
        system_id=system.id,
        period=period,
        total=total,
        by_stream=tuple(by_stream),
        by_kind=by_kind,
        formula_share=_share(kind_amount[FundingKind.FORMULA], total),
        grant_share=_share(kind_amount[FundingKind.GRANT], total),
        # Only allocations to a service read its name.
        by_target=tuple(_target_funding(counted, {s.id: s.name for s in active} if any(
            a.service_id is not None for a in counted) else {})),
        unfunded_services=unfunded_services,
        unfunded_functions=unfunded_functions,
        grant_only=total > 0 and lasting == 0,
        untapped=tuple(untapped),
        warnings=tuple(allocation_warnings(
            system_allocations, catalogue,
            {s.id: s.category for s in active if s.id in allocated_services} if allocated_services else {},
            function_categories or {}, parents, labels)),
    )


# --- gap analysis, kind 7 -------------------------------------------------------------------------------


def funding_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find unfunded led functions and services, grant-only dependence, and streams no member draws on."""
    analysis = ctx.funding
    if analysis is None:
        return
    for function in analysis.unfunded_functions:
        known = ctx.catalog.functions.get(function.function)
        core = known is not None and known.core
        name = known.name if known is not None else function.function
        yield Gap(
            kind=GapKind.FUNDING,
            severity=Severity.MEDIUM if core else Severity.LOW,
            subject=function.function,
            explanation=f"No funding stream is allocated to '{name}', which {function.lead_name} leads.",
            recommendation="Allocate a stream to it, braiding several if needed and tracking each separately.",
            figures={"lead_partner_id": str(function.lead_partner_id)},
        )
    for service in analysis.unfunded_services:
        yield Gap(
            kind=GapKind.FUNDING,
            severity=Severity.MEDIUM,
            subject=service.name,
            explanation=f"{service.partner_name}'s service '{service.name}' ({ctx.labels.category(service.category)})"
                        " has no funding stream.",
            recommendation="Record the stream that pays for it, or allocate one whose rules allow it.",
            figures={"service_id": str(service.service_id), "partner_id": str(service.partner_id),
                     "category": service.category},
        )
    if analysis.grant_only:
        yield Gap(
            kind=GapKind.FUNDING,
            severity=Severity.MEDIUM,
            subject="grant_only_dependence",
            explanation="All of the system's recorded funding is grant or private money, which ends with the "
                        "grant period.",
            recommendation="Braid formula or state funds into the mix to sustain the system beyond its grants.",
            figures={"total": str(analysis.total), "grant_share": analysis.grant_share or 0.0},
        )
    labels = ctx.labels
    for stream in analysis.untapped:
        administrator = labels.partner_type(stream.administering_agency_type)
        best = stream.candidates[0] if stream.candidates else None
        if best is not None and best.role is StreamRole.ADMINISTERS:
            advice = (f"Explore drawing on {stream.name} through {best.name}, whose type "
                      f"({labels.partner_type(best.partner_type)}) administers it.")
        elif best is not None and best.role is StreamRole.USUALLY_DRAWS:
            advice = (f"Explore drawing on {stream.name} through {best.name} "
                      f"({labels.partner_type(best.partner_type)}, a type that usually draws on it); it is "
                      f"administered by {_a(administrator)}.")
        else:
            advice = (f"No member administers or usually draws on {stream.name}: bring on {_a(administrator)}, "
                      f"which administers it, or a partner of a type that draws on it.")
        yield Gap(
            kind=GapKind.FUNDING,
            severity=Severity.LOW,
            subject=stream.stream_code,
            explanation=(
                f"No member draws on {stream.name} ({stream.kind.value}), though it serves "
                f"{labels.populations_of(stream.populations)} and pays for {labels.categories_of(stream.categories)}"
                ", which members offer."
            ),
            recommendation=advice,
            figures={"candidates": ", ".join(c.name for c in stream.candidates)},
        )


def _a(words: str) -> str:
    words = words[:1].lower() + words[1:] if words[1:2].islower() else words
    return f"an {words}" if words[:1].lower() in "aeiou" else f"a {words}"
