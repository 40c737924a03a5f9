"""The labour market rules row by row, as first written: the reference the column rules are held to.

Production decides over columns (``api.domain.labor_market``: ``in_demand_observations``,
``occupations_in_demand``, ``occupation_shortfalls``) and adds members' seats up per occupation in one loop
(``api.domain.lmi_gaps._member_seats``); these functions decide the same questions one observation (or one
service) at a time, the plain way, and the property tests in ``test_labor_market_columns.py`` compare the
two on generated, awkward data. They returned ``OccupationShortfall`` in production; here they return
``RowShortfall``, which also carries the observations that were added up.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from api.domain.codes import InvalidCode, NaicsCode, SocCode
from api.domain.gaps import GapContext
from api.domain.labor_market import InDemandRule, Observation, TrainingCapacity, is_in_demand, period_years
from api.domain.partners import DeliveryMode


@dataclass(frozen=True, slots=True, kw_only=True)
class RowShortfall:
    """``OccupationShortfall``'s figures with the observations they were added up from."""

    occupation: SocCode
    annual_openings: int | None
    capacity: int
    shortfall: int | None
    sources: tuple[str, ...]
    observations: tuple[Observation, ...]
    regions_without_data: tuple[str, ...]
    regions: tuple[str, ...]
    periods: tuple[str, ...]
    retrieved_at: datetime | None

    @property
    def has_shortfall(self) -> bool:
        return self.shortfall is not None and self.shortfall > 0


def _recency(obs: Observation) -> tuple[tuple[int, int], datetime, int, float]:
    # Naive timestamps are read as UTC so that mixed inputs still compare; the last two entries
    # only break ties between duplicate rows, so that the choice never depends on input order.
    retrieved = obs.retrieved_at if obs.retrieved_at.tzinfo else obs.retrieved_at.replace(tzinfo=UTC)
    openings = -1 if obs.annual_openings is None else obs.annual_openings
    growth = -math.inf if obs.growth_percent is None else obs.growth_percent
    return period_years(obs.period), retrieved, openings, growth


def _as_utc(stamp: datetime) -> datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _latest_stamp(stamps: Iterable[datetime]) -> datetime:
    """The latest of non-empty timestamps; naive ones count as UTC only when they meet aware ones."""
    stamps = tuple(stamps)
    try:
        return max(stamps)
    except TypeError:
        return max(stamps, key=_as_utc)


def _latest(observations: Iterable[Observation]) -> dict[tuple[str, str, str], Observation]:
    """The latest observation per (region, code, source), by ``_recency``, in no particular order.

    Recency is only worked out when two observations share a key, which most never do; every period is
    still read, so a malformed one is refused whether or not it meets a rival.
    """
    latest: dict[tuple[str, str, str], Observation] = {}
    periods: set[str] = set()
    for obs in observations:
        periods.add(obs.period)
        key = (obs.region, obs.code.value, obs.source)  # SOC and NAICS texts never coincide (XX-XXXX vs digits)
        kept = latest.setdefault(key, obs)
        if kept is not obs and _recency(obs) > _recency(kept):
            latest[key] = obs
    for period in periods:
        period_years(period)
    return latest


def latest_observations(observations: Iterable[Observation]) -> list[Observation]:
    """Keep the latest observation per (region, code, source): latest period, then latest retrieval.

    Raises ValueError for a malformed period; validate_observation catches those on the way in.
    """
    latest = _latest(observations)
    return [latest[key] for key in sorted(latest, key=lambda key: (key[1], key[0], key[2]))]


def in_demand_occupations(
    observations: Iterable[Observation], rule: InDemandRule, *, regions: Collection[str] | None = None
) -> list[Observation]:
    """Return the latest occupation observations that meet the rule, ordered by code, region, source.

    Only observations carrying openings or growth are considered, so a newer wage-only row does not
    hide an older projection; ``regions`` limits the answer to those regions.
    """
    judged = (
        obs
        for obs in observations
        if isinstance(obs.code, SocCode)
        and (regions is None or obs.region in regions)
        and (obs.annual_openings is not None or obs.growth_percent is not None)
    )
    return [obs for obs in latest_observations(judged) if is_in_demand(obs, rule)]


def training_shortfall(
    *,
    occupations: Iterable[SocCode],
    regions: Iterable[str],
    observations: Iterable[Observation],
    capacities: Iterable[TrainingCapacity],
    prefer_sources: Sequence[str] = (),
) -> list[RowShortfall]:
    """Compare annual openings with training capacity per target occupation, summed over the regions.

    Per region the openings come from one observation: the latest per source (among those with an
    openings figure), then the source listed first in ``prefer_sources``, then the most recent, then
    the source name, so that two sources are never added together. Codes match exactly: capacity for
    a broad occupation does not count toward a detailed one. Every target is reported, in code order;
    ``shortfall`` is openings minus capacity, never below 0.
    """
    targets = sorted(set(occupations))
    wanted_regions = sorted(set(regions))
    target_set, region_set = set(targets), set(wanted_regions)
    latest = _latest(
        obs
        for obs in observations
        if obs.code in target_set and obs.region in region_set and obs.annual_openings is not None
    )
    rank = {source: i for i, source in enumerate(prefer_sources)}
    candidates: dict[tuple[SocCode | NaicsCode, str], list[Observation]] = {}
    for obs in latest.values():
        candidates.setdefault((obs.code, obs.region), []).append(obs)
    chosen = {key: group[0] if len(group) == 1 else _preferred(group, rank) for key, group in candidates.items()}
    seats = _seats(capacities, target_set, region_set)
    report: list[RowShortfall] = []
    for occupation in targets:
        used = tuple(chosen[(occupation, r)] for r in wanted_regions if (occupation, r) in chosen)
        openings = sum(o.annual_openings or 0 for o in used) if used else None
        capacity = seats.get(occupation, 0)
        report.append(
            RowShortfall(
                occupation=occupation,
                annual_openings=openings,
                capacity=capacity,
                shortfall=None if openings is None else max(0, openings - capacity),
                sources=tuple(sorted({o.source for o in used})),
                observations=used,
                regions_without_data=tuple(r for r in wanted_regions if (occupation, r) not in chosen),
                regions=tuple(o.region for o in used),
                periods=tuple(sorted({o.period for o in used})),
                retrieved_at=_latest_stamp(o.retrieved_at for o in used) if used else None,
            )
        )
    return report


def _seats(capacities: Iterable[TrainingCapacity], occupations: Collection[SocCode],
           regions: Collection[str]) -> dict[SocCode, int]:
    seats: dict[SocCode, int] = {}
    for cap in capacities:
        if cap.occupation in occupations and cap.region in regions:
            seats[cap.occupation] = seats.get(cap.occupation, 0) + cap.capacity
    return seats


def _preferred(group: list[Observation], rank: dict[str, int]) -> Observation:
    # Stable sorts, least significant key first, give: preferred source, then most recent, then name.
    ordered = sorted(group, key=lambda o: o.source)
    ordered.sort(key=_recency, reverse=True)
    ordered.sort(key=lambda o: rank.get(o.source, len(rank)))
    return ordered[0]


def member_training(ctx: GapContext, occupations: Collection[SocCode], regions: list[str]) -> list[TrainingCapacity]:
    """The yearly capacity of members' active services that lead to the occupations, within the regions: one
    ``TrainingCapacity`` per service and occupation (in code order), counted in the first of ``regions`` the
    service is offered in (its own regions, or its partner's when it names none; online, or placed nowhere, is
    everywhere). What ``lmi_gaps._member_seats`` adds up per occupation."""
    wanted = {code.value: code for code in occupations}
    found: list[TrainingCapacity] = []
    for service in ctx.active_services():
        if not service.capacity or not service.occupations:
            continue
        partner = ctx.partners.get(service.partner_id)
        served = service.regions or (partner.regions_served if partner else ())
        if service.delivery_mode is DeliveryMode.ONLINE or not served:
            places = regions[:1]
        else:
            places = [r for r in regions if r in served][:1]
        if not places:
            continue
        leads_to = sorted({value for text in service.occupations if (value := _code_value(text)) in wanted})
        for value in leads_to:
            found.append(TrainingCapacity(occupation=wanted[value], region=places[0], capacity=service.capacity,
                                          provider=f"{ctx.name(service.partner_id)}: {service.name}"))
    return found


def _code_value(text: str) -> str | None:
    try:
        return SocCode.parse(text).value
    except InvalidCode:
        return None
