"""Who could close a gap: organizations of the directory, ranked, each with its reasons and its distance.

Seed 001: "Team membership is periodically reviewed to ensure that the team includes representatives that
support key functions and services within the system. In addition, partnerships are expanded as the group
seeks to engage new target populations." A gap that a partner could close (an unserved population, a
function without a lead, a missing support service, a partner type missing from the leadership team, training
short of demand) is answered with names, not only types: ``recruitment_needs`` says what to look for,
storage loads one bounded pool of active non-members in or near the system's area (``Prospect``), and
``attach_candidates`` ranks them for every gap. Members that could already lead an unled function come first.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from uuid import UUID

from api.domain.gaps import Gap, GapContext, GapKind, MemberPartner, Severity
from api.domain.labels import Labels
from api.domain.partners import Status

DEFAULT_NEAR_KM = 50.0
"""How far from the members (their mean position) an organization outside the system's regions still counts as
near, unless a setting says."""
POOL_LIMIT = 400
"""The most organizations one pool holds: the nearest, those serving the system's area first."""
MAX_CANDIDATES = 10
"""The most candidates a gap may be given."""
DEFAULT_SUGGESTED = 3
"""How many organizations a lead suggestion names, unless asked for another number."""

SERVES_POINTS = 50
USUAL_TYPE_POINTS = 30
OFFERS_POINTS = 30
IN_AREA_POINTS = 20
NEAR_POINTS = 10
CAPACITY_POINTS = 5

_PROSPECT_KINDS = frozenset({GapKind.UNSERVED_POPULATION, GapKind.UNCOVERED_FUNCTION, GapKind.SUPPORT_SERVICE,
                             GapKind.TEAM_COMPOSITION, GapKind.TRAINING_CAPACITY})


@dataclass(frozen=True, slots=True, kw_only=True)
class Prospect:
    """An active organization of the directory that is not a member, as the ranking reads it."""

    id: UUID
    name: str
    partner_type: str
    local_area: str | None = None
    regions_served: tuple[str, ...] = ()
    populations_served: tuple[str, ...] = ()
    capacity: int | None = None
    categories: tuple[str, ...] = ()
    """Categories of its active services (those recording a capacity of 0 left out)."""
    service_populations: tuple[str, ...] = ()
    occupations: tuple[str, ...] = ()
    """Occupations (SOC) its active training leads to."""
    distance_km: float | None = None
    """From the members' mean position; None when either has no coordinates."""
    in_area: bool = False
    """Whether it serves one of the system's regions (or is based in one)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GapCandidate:
    """An organization that could close a gap, with a 0-100 score, the reasons for it and its distance."""

    partner_id: UUID
    name: str
    partner_type: str
    partner_type_label: str
    member: bool
    score: int
    reasons: tuple[str, ...]
    distance_km: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecruitmentNeeds:
    """What the pool of prospects is drawn for: where, and what would make an organization fit."""

    state: str
    areas: tuple[str, ...]
    members: tuple[UUID, ...]
    partner_types: tuple[str, ...]
    populations: tuple[str, ...]
    categories: tuple[str, ...]
    occupations: tuple[str, ...]
    near_km: float = DEFAULT_NEAR_KM
    limit: int = POOL_LIMIT

    @property
    def empty(self) -> bool:
        """Whether nothing is looked for (no pool needs loading)."""
        return not (self.partner_types or self.populations or self.categories or self.occupations)


def _usual_types(ctx: GapContext, gap: Gap) -> tuple[str, ...]:
    if gap.kind is GapKind.UNSERVED_POPULATION:
        return tuple(ctx.catalog.population_partner_types.get(gap.subject, ()))
    if gap.kind is GapKind.UNCOVERED_FUNCTION:
        return tuple(ctx.catalog.matrix.types_for(gap.subject))
    if gap.kind is GapKind.TEAM_COMPOSITION and gap.subject != "intermediary":
        return (gap.subject,)
    return ()


def _recruits(ctx: GapContext, gap: Gap) -> bool:
    """Whether a partner from outside could close the gap (designating an intermediary is the team's own)."""
    if gap.kind not in _PROSPECT_KINDS:
        return False
    if gap.kind is GapKind.UNCOVERED_FUNCTION:
        return gap.subject not in (ctx.catalog.coordination_function, ctx.catalog.champion_function)
    return not (gap.kind is GapKind.TEAM_COMPOSITION and gap.subject == "intermediary")


def recruitment_needs(ctx: GapContext, gaps: Iterable[Gap], *, near_km: float = DEFAULT_NEAR_KM,
                      limit: int = POOL_LIMIT) -> RecruitmentNeeds:
    """What to look for in the directory to close these gaps: types, populations, services and occupations."""
    types: dict[str, None] = {}
    populations: dict[str, None] = {}
    categories: dict[str, None] = {}
    occupations: dict[str, None] = {}
    for gap in gaps:
        if not _recruits(ctx, gap):
            continue
        types.update(dict.fromkeys(_usual_types(ctx, gap)))
        if gap.kind is GapKind.UNSERVED_POPULATION:
            populations[gap.subject] = None
        elif gap.kind is GapKind.UNCOVERED_FUNCTION:
            function = ctx.catalog.functions.get(gap.subject)
            if function is not None:
                categories.update(dict.fromkeys(function.service_categories))
        elif gap.kind is GapKind.SUPPORT_SERVICE:
            categories[gap.subject] = None
        elif gap.kind is GapKind.TRAINING_CAPACITY:
            occupations[gap.subject] = None
    system = ctx.system
    areas = dict.fromkeys(system.regions)
    if system.jurisdiction.local_area:
        areas[system.jurisdiction.local_area] = None
    return RecruitmentNeeds(
        state=system.jurisdiction.state, areas=tuple(areas), members=tuple(m.partner_id for m in ctx.members),
        partner_types=tuple(types), populations=tuple(populations), categories=tuple(categories),
        occupations=tuple(occupations), near_km=near_km, limit=limit,
    )


def _where(p: Prospect, near_km: float, labels: Labels) -> tuple[int, list[str]]:
    if p.in_area:
        return IN_AREA_POINTS, ["serves the system's area"]
    if p.distance_km is not None and p.distance_km <= near_km:
        return NEAR_POINTS, [f"is near the system's members ({p.distance_km:.0f} km)"]
    return 0, []


def _fit(ctx: GapContext, gap: Gap, p: Prospect, labels: Labels, usual: tuple[str, ...], *,
         explain: bool = True) -> tuple[int, list[str]]:
    """How well a prospect fits one gap (0: not at all) and, with ``explain``, why.

    Scores are worked out for every prospect; the reasons only for those kept (a state system's report ranks
    thousands of pairs and shows a few).
    """
    score, reasons = 0, []
    if gap.kind is GapKind.UNSERVED_POPULATION:
        if gap.subject in p.populations_served or gap.subject in p.service_populations:
            score += SERVES_POINTS
            if explain:
                reasons.append(f"serves {labels.population(gap.subject)}")
        if p.partner_type in usual:
            score += USUAL_TYPE_POINTS
            if explain:
                reasons.append(f"{labels.partner_type(p.partner_type)}: the type that usually serves them")
    elif gap.kind is GapKind.UNCOVERED_FUNCTION:
        if p.partner_type in usual:
            score += USUAL_TYPE_POINTS
            if explain:
                reasons.append(f"{labels.partner_type(p.partner_type)} partners usually carry this function")
        function = ctx.catalog.functions.get(gap.subject)
        if function is not None and not set(function.service_categories).isdisjoint(p.categories):
            score += OFFERS_POINTS
            if explain:
                matching = sorted(set(p.categories) & set(function.service_categories))
                reasons.append(f"offers {labels.categories_of(matching)}")
    elif gap.kind is GapKind.SUPPORT_SERVICE:
        if gap.subject in p.categories:
            score += SERVES_POINTS
            if explain:
                reasons.append(f"offers {labels.category(gap.subject)}")
            targets = [t for t in ctx.system.target_populations
                       if gap.subject in ctx.catalog.support_needs.get(t, ())
                       and (t in p.populations_served or t in p.service_populations)]
            if targets:
                score += USUAL_TYPE_POINTS
                if explain:
                    reasons.append(f"serves {labels.populations_of(targets)}")
    elif gap.kind is GapKind.TEAM_COMPOSITION:
        if p.partner_type == gap.subject:
            score += SERVES_POINTS + USUAL_TYPE_POINTS
            if explain:
                type_label = labels.partner_type(p.partner_type)
                reasons.append(f"is {type_label.lower() if type_label[1:2].islower() else type_label}")
    elif gap.kind is GapKind.TRAINING_CAPACITY:
        if gap.subject in p.occupations:
            score += SERVES_POINTS + USUAL_TYPE_POINTS
            if explain:
                reasons.append(f"offers training leading to {labels.occupation(gap.subject)}")
    if score == 0:
        return 0, []
    if p.capacity:
        score += CAPACITY_POINTS
        if explain:
            reasons.append(f"reports capacity for {p.capacity} participants a year")
    return score, reasons


def member_offers(ctx: GapContext) -> dict[UUID, frozenset[str]]:
    """The categories of each member's active services (read once for every gap)."""
    return {m.partner_id: frozenset(s.category for s in ctx.services_by_partner.get(m.partner_id, ())
                                    if s.status is Status.ACTIVE)
            for m in ctx.members}


@dataclass(frozen=True, slots=True)
class _Member:
    partner: MemberPartner
    offers: frozenset[str]
    order: tuple[str, bytes]
    """Name (case folded), then id: the order of members of equal score."""


@dataclass(frozen=True, slots=True)
class MemberIndex:
    """The members that are not retired, by partner type and by the categories they offer: who could lead an
    unled function is looked up for each such gap, not found by walking every member for each (a state system
    has 500 members and a report may hold a dozen unled functions)."""

    by_type: Mapping[str, list[_Member]]
    by_category: Mapping[str, list[_Member]]


def member_index(ctx: GapContext) -> MemberIndex:
    """The members of ``ctx`` as ``_member_candidates`` reads them (built once for every gap)."""
    offers = member_offers(ctx)
    by_type: dict[str, list[_Member]] = {}
    by_category: dict[str, list[_Member]] = {}
    for m in ctx.members:
        partner = ctx.partners.get(m.partner_id)
        if partner is None or partner.status is Status.RETIRED:
            continue
        member = _Member(partner, offers.get(m.partner_id, frozenset()), (partner.name.casefold(), partner.id.bytes))
        by_type.setdefault(partner.partner_type, []).append(member)
        for category in member.offers:
            by_category.setdefault(category, []).append(member)
    return MemberIndex(by_type, by_category)


def _member_candidates(ctx: GapContext, gap: Gap, labels: Labels, members: MemberIndex,
                       limit: int) -> list[GapCandidate]:
    """Up to ``limit`` members that could already lead an unled function: of a type that usually carries it, or
    offering its services (best first: score, then name, then id)."""
    if gap.kind is not GapKind.UNCOVERED_FUNCTION or not _recruits(ctx, gap):
        return []
    function = ctx.catalog.functions.get(gap.subject)
    usual = set(ctx.catalog.matrix.types_for(gap.subject))
    wanted = frozenset(function.service_categories) if function else frozenset()
    found: dict[int, _Member] = {}  # by identity, as ``_relevant``
    for partner_type in usual:
        found.update((id(m), m) for m in members.by_type.get(partner_type, ()))
    for category in wanted:
        found.update((id(m), m) for m in members.by_category.get(category, ()))
    scored = []
    for m in found.values():
        usual_type = m.partner.partner_type in usual
        offered = m.offers & wanted
        score = (USUAL_TYPE_POINTS + IN_AREA_POINTS if usual_type else 0) + (OFFERS_POINTS if offered else 0)
        scored.append((-min(score, 100), m.order, m.partner, usual_type, offered))
    out = []
    for negative, _, partner, usual_type, offered in heapq.nsmallest(limit, scored, key=lambda row: row[:2]):
        type_label = labels.partner_type(partner.partner_type)
        reasons = ["already a member"]
        if usual_type:
            reasons.append(f"{type_label} partners usually carry this function")
        if offered:
            reasons.append(f"offers {labels.categories_of(sorted(offered))}")
        out.append(GapCandidate(partner_id=partner.id, name=partner.name, partner_type=partner.partner_type,
                                partner_type_label=type_label, member=True, score=-negative,
                                reasons=tuple(reasons)))
    return out


def candidates_for(ctx: GapContext, gap: Gap, pool: Sequence[Prospect], *, limit: int,
                   near_km: float = DEFAULT_NEAR_KM,
                   members: MemberIndex | None = None,
                   with_members: bool = True) -> tuple[GapCandidate, ...]:
    """Up to ``limit`` candidates for one gap: members that could lead an unled function first, then the
    prospects that fit, best first (score, then the nearest, then by name). ``members``: ``member_index(ctx)``,
    when already built; without ``with_members`` only organizations outside the team."""
    if limit <= 0 or not _recruits(ctx, gap):
        return ()
    if not pool and not (with_members and gap.kind is GapKind.UNCOVERED_FUNCTION):
        return ()  # nobody to rank (most of a state system's training gaps: no prospect trains for them)
    labels = ctx.labels
    found = (_member_candidates(ctx, gap, labels, member_index(ctx) if members is None else members, limit)
             if with_members else [])
    usual = _usual_types(ctx, gap)
    scored = []
    for p in pool:
        score, _ = _fit(ctx, gap, p, labels, usual, explain=False)
        if not score:
            continue
        where_points, _ = _where(p, near_km, labels)
        if not where_points:  # the pool holds only the area and its surroundings; a stray row is not a candidate
            continue
        distance = round(p.distance_km, 1) if p.distance_km is not None else None
        scored.append((-min(score + where_points, 100), distance if distance is not None else float("inf"),
                       p.name.casefold(), p.id.bytes, p))
    outside = []
    for negative, _, _, _, p in heapq.nsmallest(max(0, limit - len(found)), scored, key=lambda row: row[:4]):
        _, reasons = _fit(ctx, gap, p, labels, usual)
        _, where = _where(p, near_km, labels)
        outside.append(GapCandidate(
            partner_id=p.id, name=p.name, partner_type=p.partner_type,
            partner_type_label=labels.partner_type(p.partner_type), member=False, score=-negative,
            reasons=tuple(reasons + where),
            distance_km=round(p.distance_km, 1) if p.distance_km is not None else None))
    return tuple((found + outside)[:limit])


def attach_candidates(ctx: GapContext, gaps: Iterable[Gap], pool: Sequence[Prospect], *, limit: int,
                      near_km: float = DEFAULT_NEAR_KM) -> list[Gap]:
    """The gaps, each that a partner could close given up to ``limit`` candidates."""
    limit = min(limit, MAX_CANDIDATES)
    indexed = _index(pool)
    members = member_index(ctx)
    out = []
    for g in gaps:
        found = (candidates_for(ctx, g, _relevant(ctx, g, indexed), limit=limit, near_km=near_km, members=members)
                 if _recruits(ctx, g) else ())
        out.append(replace(g, candidates=found) if found != g.candidates else g)
    return out


@dataclass(frozen=True, slots=True)
class _Index:
    by_type: Mapping[str, list[Prospect]]
    by_population: Mapping[str, list[Prospect]]
    by_category: Mapping[str, list[Prospect]]
    by_occupation: Mapping[str, list[Prospect]]


def _index(pool: Sequence[Prospect]) -> _Index:
    """The pool by what a gap may ask of it, so each gap reads only the prospects that could fit it."""
    by_type: dict[str, list[Prospect]] = {}
    by_population: dict[str, list[Prospect]] = {}
    by_category: dict[str, list[Prospect]] = {}
    by_occupation: dict[str, list[Prospect]] = {}
    for p in pool:
        by_type.setdefault(p.partner_type, []).append(p)
        for code in dict.fromkeys((*p.populations_served, *p.service_populations)):
            by_population.setdefault(code, []).append(p)
        for code in p.categories:
            by_category.setdefault(code, []).append(p)
        for code in p.occupations:
            by_occupation.setdefault(code, []).append(p)
    return _Index(by_type, by_population, by_category, by_occupation)


def _relevant(ctx: GapContext, gap: Gap, index: _Index) -> list[Prospect]:
    found: dict[int, Prospect] = {}  # by identity: a UUID's hash is a Python call, and a pool row is one object
    for t in _usual_types(ctx, gap):
        found.update((id(p), p) for p in index.by_type.get(t, ()))
    if gap.kind is GapKind.UNSERVED_POPULATION:
        found.update((id(p), p) for p in index.by_population.get(gap.subject, ()))
    elif gap.kind is GapKind.UNCOVERED_FUNCTION:
        function = ctx.catalog.functions.get(gap.subject)
        for c in function.service_categories if function else ():
            found.update((id(p), p) for p in index.by_category.get(c, ()))
    elif gap.kind is GapKind.SUPPORT_SERVICE:
        found.update((id(p), p) for p in index.by_category.get(gap.subject, ()))
    elif gap.kind is GapKind.TRAINING_CAPACITY:
        found.update((id(p), p) for p in index.by_occupation.get(gap.subject, ()))
    return list(found.values())


def function_gaps(functions: Iterable[str]) -> list[Gap]:
    """Functions without a lead, as the gaps the ranking reads (for the lead suggestions)."""
    return [Gap(kind=GapKind.UNCOVERED_FUNCTION, severity=Severity.HIGH, subject=code, explanation="",
                recommendation="") for code in functions]


def prospects_for_function(ctx: GapContext, function: str, pool: Sequence[Prospect], *, limit: int,
                           near_km: float = DEFAULT_NEAR_KM) -> tuple[GapCandidate, ...]:
    """Up to ``limit`` organizations of the directory (not members) that could take on a function."""
    gap = function_gaps((function,))[0]
    return candidates_for(ctx, gap, pool, limit=min(limit, MAX_CANDIDATES), near_km=near_km, with_members=False)
