"""Labour market information: observations per region and period, the in-demand rule, training shortfalls."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise

from api.domain.codes import NaicsCode, SocCode
from api.domain.errors import FieldProblem, InvalidInput

DEFAULT_MIN_ANNUAL_OPENINGS = 100
"""Annual openings in a region that make an occupation in demand, unless a board sets its own.

O*NET's Bright Outlook criterion (2016-26 vintage) is 100,000 or more openings nationally; 100 a year
is that figure brought down to the scale of a local workforce area.
"""

DEFAULT_MIN_GROWTH_PERCENT = 10.0
"""Projected growth over the projection period that makes an occupation in demand (Bright Outlook: 10%)."""

_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{4}))?")
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)(?P<dollar>\$?)(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]*)(?:\.(?P<frac>[0-9]+))?(?P<pct>%?)"
)
_MISSING = frozenset({"", "n/a", "na", "n.a.", "-", "--", "\u2014", "*", "**", "#", "null", "none"})


class CodeKind(StrEnum):
    """Which classification an observation's code belongs to."""

    SOC = "soc"
    NAICS = "naics"


class Outlook(StrEnum):
    """O*NET / CareerOneStop outlook category of an occupation."""

    BRIGHT = "Bright"
    AVERAGE = "Average"
    BELOW_AVERAGE = "Below Average"


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """Figures for one occupation or industry in one region and period, from a named source."""

    region: str
    code: SocCode | NaicsCode
    period: str
    source: str
    retrieved_at: datetime
    employment: int | None = None
    projected_employment: int | None = None
    annual_openings: int | None = None
    growth_percent: float | None = None
    median_wage: float | None = None
    wage_p10: float | None = None
    wage_p25: float | None = None
    wage_p75: float | None = None
    wage_p90: float | None = None
    outlook: Outlook | None = None

    @property
    def code_kind(self) -> CodeKind:
        """Return whether the code is an occupation (SOC) or an industry (NAICS)."""
        return CodeKind.SOC if isinstance(self.code, SocCode) else CodeKind.NAICS


@dataclass(frozen=True, slots=True, kw_only=True)
class InDemandRule:
    """Thresholds that make an occupation in demand: enough annual openings OR enough growth.

    A threshold left as None is not applied; with both None nothing is in demand. The defaults follow the
    Bright Outlook criteria (see DEFAULT_MIN_ANNUAL_OPENINGS); a state or local board sets its own,
    because WIOA leaves the determination to it.
    """

    min_annual_openings: int | None = DEFAULT_MIN_ANNUAL_OPENINGS
    min_growth_percent: float | None = DEFAULT_MIN_GROWTH_PERCENT


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainingCapacity:
    """Completers a year that a member's training prepares for one occupation in one region."""

    occupation: SocCode
    region: str
    capacity: int
    provider: str | None = None

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise ValueError(f"training capacity must not be negative, got {self.capacity}")


@dataclass(frozen=True, slots=True, kw_only=True)
class OccupationShortfall:
    """Openings against training capacity for one occupation across the regions asked about.

    ``annual_openings`` and ``shortfall`` are None when no region has an openings figure; regions
    without one are listed in ``regions_without_data``, so a partial sum is never mistaken for a whole.
    """

    occupation: SocCode
    annual_openings: int | None
    capacity: int
    shortfall: int | None
    sources: tuple[str, ...]
    observations: tuple[Observation, ...]
    regions_without_data: tuple[str, ...]

    @property
    def has_shortfall(self) -> bool:
        """Say whether openings exceed the training capacity."""
        return self.shortfall is not None and self.shortfall > 0


def parse_code(kind: CodeKind | str, text: str) -> SocCode | NaicsCode:
    """Read an observation's code as SOC or NAICS according to ``kind``."""
    return SocCode.parse(text) if CodeKind(kind) is CodeKind.SOC else NaicsCode.parse(text)


def parse_outlook(text: str | None) -> Outlook | None:
    """Read an outlook category ("Bright", "average", ...); blank means none."""
    if text is None or not text.strip():
        return None
    wanted = " ".join(text.split()).casefold()
    for outlook in Outlook:
        if outlook.value.casefold() == wanted:
            return outlook
    raise ValueError(f"'{text}' is not an outlook (expected Bright, Average or Below Average)")


@lru_cache(maxsize=1024)
def period_years(period: str) -> tuple[int, int]:
    """Return the first and last year of a period written "2024" or "2024-2034"."""
    match = _PERIOD.fullmatch(period.strip())
    if match is None:
        raise ValueError(f"'{period}' is not a period (expected YYYY or YYYY-YYYY)")
    first = int(match[1])
    last = int(match[2]) if match[2] else first
    if last <= first and match[2]:
        raise ValueError(f"'{period}' is not a period (the end year must come after the start year)")
    return first, last


def normalize_number(text: str | float | None) -> int | float | None:
    """Read a CareerOneStop-style figure ("1,234", "$45,600", "12.5%", "N/A") as int, float or None.

    A figure with no decimal point is an int; a percentage keeps its units ("12.5%" is 12.5). Blanks
    and the usual suppression marks (N/A, -, *, **, #) are None.
    """
    if isinstance(text, bool):
        raise ValueError(f"'{text}' is not a number")
    if text is None:
        return None
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        return None if math.isnan(text) else text
    cleaned = text.strip().replace("\u2212", "-")
    if cleaned.casefold() in _MISSING:
        return None
    match = _NUMBER.fullmatch(cleaned)
    if match is None or not (match["whole"] or match["frac"]) or (match["dollar"] and match["pct"]):
        raise ValueError(f"'{text}' is not a number")
    whole = match["whole"].replace(",", "") or "0"
    sign = -1 if match["sign"] == "-" else 1
    if match["frac"] is None:
        return sign * int(whole)
    return sign * float(f"{whole}.{match['frac']}")


def validate_observation(obs: Observation) -> Observation:
    """Check an observation's figures are plausible; return it or raise InvalidInput."""
    problems: list[FieldProblem] = []
    for name in ("region", "source"):
        if not getattr(obs, name).strip():
            problems.append(FieldProblem(name, "must not be blank"))
    try:
        period_years(obs.period)
    except ValueError as exc:
        problems.append(FieldProblem("period", str(exc)))
    if obs.retrieved_at.tzinfo is None:
        problems.append(FieldProblem("retrieved_at", "must carry a time zone"))
    for name in ("employment", "projected_employment", "annual_openings"):
        value = getattr(obs, name)
        if value is not None and value < 0:
            problems.append(FieldProblem(name, "must not be negative"))
    growth = obs.growth_percent
    if growth is not None and not (math.isfinite(growth) and growth >= -100):
        problems.append(FieldProblem("growth_percent", "must be a number of at least -100"))
    wages = [
        (name, value)
        for name in ("wage_p10", "wage_p25", "median_wage", "wage_p75", "wage_p90")
        if (value := getattr(obs, name)) is not None
    ]
    for name, value in wages:
        if not (math.isfinite(value) and value >= 0):
            problems.append(FieldProblem(name, "must be a number of at least 0"))
    for (low_name, low), (high_name, high) in pairwise(wages):
        if low > high:
            problems.append(FieldProblem(high_name, f"must not be below {low_name}"))
    if problems:
        raise InvalidInput(problems)
    return obs


def validate_in_demand_rule(rule: InDemandRule) -> InDemandRule:
    """Check the thresholds of an in-demand rule; return it or raise InvalidInput."""
    problems: list[FieldProblem] = []
    if rule.min_annual_openings is not None and rule.min_annual_openings < 0:
        problems.append(FieldProblem("min_annual_openings", "must not be negative"))
    if rule.min_growth_percent is not None and not math.isfinite(rule.min_growth_percent):
        problems.append(FieldProblem("min_growth_percent", "must be a finite number"))
    if problems:
        raise InvalidInput(problems)
    return rule


def is_in_demand(obs: Observation, rule: InDemandRule) -> bool:
    """Decide whether an observation meets the openings threshold or the growth threshold."""
    by_openings = (
        rule.min_annual_openings is not None
        and obs.annual_openings is not None
        and obs.annual_openings >= rule.min_annual_openings
    )
    by_growth = (
        rule.min_growth_percent is not None
        and obs.growth_percent is not None
        and obs.growth_percent >= rule.min_growth_percent
    )
    return by_openings or by_growth


def _recency(obs: Observation) -> tuple[tuple[int, int], datetime, int, float]:
    # Naive timestamps are read as UTC so that mixed inputs still compare; the last two entries
    # only break ties between duplicate rows, so that the choice never depends on input order.
    retrieved = obs.retrieved_at if obs.retrieved_at.tzinfo else obs.retrieved_at.replace(tzinfo=UTC)
    openings = -1 if obs.annual_openings is None else obs.annual_openings
    growth = -math.inf if obs.growth_percent is None else obs.growth_percent
    return period_years(obs.period), retrieved, openings, growth


def latest_observations(observations: Iterable[Observation]) -> list[Observation]:
    """Keep the latest observation per (region, code, source): latest period, then latest retrieval.

    Raises ValueError for a malformed period; validate_observation catches those on the way in.
    """
    latest: dict[tuple[str, str, str], tuple[tuple[tuple[int, int], datetime, int, float], Observation]] = {}
    for obs in observations:
        key = (obs.region, obs.code.value, obs.source)  # SOC and NAICS texts never coincide (XX-XXXX vs digits)
        kept = latest.get(key)
        recency = _recency(obs)
        if kept is None or recency > kept[0]:
            latest[key] = (recency, obs)
    return [obs for _, (_, obs) in sorted(latest.items(), key=lambda item: (item[0][1], item[0][0], item[0][2]))]


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
) -> list[OccupationShortfall]:
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
    latest = latest_observations(
        obs
        for obs in observations
        if obs.code in target_set and obs.region in region_set and obs.annual_openings is not None
    )
    rank = {source: i for i, source in enumerate(prefer_sources)}
    candidates: dict[tuple[SocCode | NaicsCode, str], list[Observation]] = {}
    for obs in latest:
        candidates.setdefault((obs.code, obs.region), []).append(obs)
    chosen = {key: _preferred(group, rank) for key, group in candidates.items()}
    seats: dict[SocCode, int] = {}
    for cap in capacities:
        if cap.occupation in target_set and cap.region in region_set:
            seats[cap.occupation] = seats.get(cap.occupation, 0) + cap.capacity
    report: list[OccupationShortfall] = []
    for occupation in targets:
        used = tuple(chosen[(occupation, r)] for r in wanted_regions if (occupation, r) in chosen)
        openings = sum(o.annual_openings or 0 for o in used) if used else None
        capacity = seats.get(occupation, 0)
        report.append(
            OccupationShortfall(
                occupation=occupation,
                annual_openings=openings,
                capacity=capacity,
                shortfall=None if openings is None else max(0, openings - capacity),
                sources=tuple(sorted({o.source for o in used})),
                observations=used,
                regions_without_data=tuple(r for r in wanted_regions if (occupation, r) not in chosen),
            )
        )
    return report


def _preferred(group: list[Observation], rank: dict[str, int]) -> Observation:
    # Stable sorts, least significant key first, give: preferred source, then most recent, then name.
    ordered = sorted(group, key=lambda o: o.source)
    ordered.sort(key=_recency, reverse=True)
    ordered.sort(key=lambda o: rank.get(o.source, len(rank)))
    return ordered[0]
