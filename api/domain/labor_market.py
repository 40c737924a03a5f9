"""Labour market information: observations per region and period, the in-demand rule, training shortfalls."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import Any

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


# The stored text of an observation's code kind by the code's class: what a bulk load reads per row, without
# the enum's ``value`` descriptor (a third of building a row to copy). ``code_kind.value`` for anything else.
CODE_KIND_TEXT: dict[type, str] = {SocCode: CodeKind.SOC.value, NaicsCode: CodeKind.NAICS.value}


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
    ``regions`` (in order), ``periods`` and ``retrieved_at`` (the latest retrieval) describe the figures
    that were added up. ``observations`` are those figures themselves when they were given as observations
    (``training_shortfall``); ``occupation_shortfalls``, which reads columns, leaves it empty.
    """

    occupation: SocCode
    annual_openings: int | None
    capacity: int
    shortfall: int | None
    sources: tuple[str, ...]
    observations: tuple[Observation, ...] = ()
    regions_without_data: tuple[str, ...]
    regions: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    retrieved_at: datetime | None = None

    @property
    def has_shortfall(self) -> bool:
        """Say whether openings exceed the training capacity."""
        return self.shortfall is not None and self.shortfall > 0


@dataclass(frozen=True, slots=True, kw_only=True)
class OccupationFigures:
    """One occupation's openings and growth across regions, periods and sources, as parallel columns.

    Row ``i`` is one observation: ``regions[i]``, ``periods[i]``, ``sources[i]``, ``retrieved_at[i]``,
    ``annual_openings[i]`` and ``growth_percent[i]``. The training-capacity rule of a state system reads tens
    of thousands of observations; one object per occupation, not one per observation, keeps that cheap.
    """

    code: SocCode
    regions: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    retrieved_at: tuple[datetime, ...] = ()
    annual_openings: tuple[int | None, ...] = ()
    growth_percent: tuple[float | None, ...] = ()

    def __post_init__(self) -> None:
        rows = len(self.regions)
        if not (len(self.periods) == len(self.sources) == len(self.retrieved_at) == len(self.annual_openings)
                == len(self.growth_percent) == rows):
            raise ValueError("every column of an occupation's figures must have one entry per observation")

    def observations(self) -> list[Observation]:
        """Return the rows as observations (without the figures the columns do not carry)."""
        return [
            Observation(region=region, code=self.code, period=period, source=source, retrieved_at=retrieved,
                        annual_openings=openings, growth_percent=growth)
            for region, period, source, retrieved, openings, growth in zip(
                self.regions, self.periods, self.sources, self.retrieved_at, self.annual_openings,
                self.growth_percent, strict=True)
        ]


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


# --- the same rules over columns ---------------------------------------------------------------------------
#
# An occupation whose figures are plain (one observation per region, all in the regions asked about, each
# with an openings figure) needs no choosing: every observation is the latest of its region, code and
# source and the only candidate of its region. Those are decided straight from the columns; any other
# occupation goes through the rules above, row by row, so both ways always agree.


def occupation_figures(observations: Iterable[Observation]) -> list[OccupationFigures]:
    """Gather occupation observations into columns, one ``OccupationFigures`` per code in code order.

    Industries (NAICS) are left out: the columns hold occupations only.
    """
    rows: dict[SocCode, list[Observation]] = {}
    for obs in observations:
        if isinstance(obs.code, SocCode):
            rows.setdefault(obs.code, []).append(obs)
    return [
        OccupationFigures(
            code=code, regions=tuple(o.region for o in group), periods=tuple(o.period for o in group),
            sources=tuple(o.source for o in group), retrieved_at=tuple(o.retrieved_at for o in group),
            annual_openings=tuple(o.annual_openings for o in group),
            growth_percent=tuple(o.growth_percent for o in group),
        )
        for code, group in sorted(rows.items())
    ]


def _by_code(figures: Iterable[OccupationFigures]) -> dict[str, OccupationFigures]:
    """One set of columns per code (keyed by its text: a code's own hash is a dataclass's, worked out anew on
    every lookup; its text's is kept): columns given twice for a code are joined."""
    out: dict[str, OccupationFigures] = {}
    for fig in figures:
        kept = out.get(fig.code.value)
        out[fig.code.value] = fig if kept is None else OccupationFigures(
            code=fig.code, regions=kept.regions + fig.regions, periods=kept.periods + fig.periods,
            sources=kept.sources + fig.sources, retrieved_at=kept.retrieved_at + fig.retrieved_at,
            annual_openings=kept.annual_openings + fig.annual_openings,
            growth_percent=kept.growth_percent + fig.growth_percent,
        )
    return out


class LastColumn:
    """What one rule works out of a column, kept for the column the previous occupation had.

    Storage hands consecutive occupations the very same tuple when their columns are equal (a state's load
    has the same regions, period and source for every occupation), so each is worked out once per run of
    equal columns, not once per occupation. Columns are immutable (tuples, datetimes): the same object always
    holds the same values.
    """

    __slots__ = ("_column", "_value", "_work")

    def __init__(self, work: Callable[[Any], Any]) -> None:
        self._column: object = None
        self._value: Any = None
        self._work = work

    def __call__(self, column: Any) -> Any:
        if column is not self._column:
            self._value = self._work(column)  # raises before remembering anything
            self._column = column
        return self._value


def _checked_periods(periods: tuple[str, ...]) -> None:
    for period in set(periods):
        period_years(period)


class _PlainTest:
    """Say whether figures are plain: every row the only one of its region, in the regions asked about, with
    an openings figure.

    Reads every period, as the row-by-row rules do, so a malformed one is refused either way. Each distinct
    column is worked out once (``LastColumn``).
    """

    __slots__ = ("_periods_checked", "_regions_ok")

    def __init__(self, regions: AbstractSet[str]) -> None:
        def regions_ok(column: tuple[str, ...]) -> bool:
            present = set(column)
            return bool(present) and len(present) == len(column) and present <= regions

        self._regions_ok = LastColumn(regions_ok)
        self._periods_checked = LastColumn(_checked_periods)

    def __call__(self, fig: OccupationFigures) -> bool:
        if not self._regions_ok(fig.regions) or None in fig.annual_openings:
            return False
        self._periods_checked(fig.periods)
        return True


def _plain_in_demand(fig: OccupationFigures, rule: InDemandRule) -> bool:
    # Every row of plain figures is the latest of its key, so the occupation is in demand when any row is.
    least_openings = rule.min_annual_openings
    if least_openings is not None and max(fig.annual_openings) >= least_openings:  # type: ignore[type-var]
        return True
    least_growth = rule.min_growth_percent
    return least_growth is not None and any(g is not None and g >= least_growth for g in fig.growth_percent)


def occupations_in_demand(
    figures: Iterable[OccupationFigures], rule: InDemandRule, *, regions: Collection[str]
) -> list[SocCode]:
    """Return, in code order, the occupations that ``in_demand_occupations`` finds in demand in the regions."""
    wanted = set(regions)
    plain = _PlainTest(wanted)
    found: list[SocCode] = []
    for fig in _by_code(figures).values():
        if plain(fig):
            if _plain_in_demand(fig, rule):
                found.append(fig.code)
        elif in_demand_occupations(fig.observations(), rule, regions=wanted):
            found.append(fig.code)
    return sorted(found, key=_code_text)


def _code_text(code: SocCode) -> str:
    # Codes order as their texts do; sorting by the text spares the dataclass's comparisons (800 targets).
    return code.value


def occupation_shortfalls(
    *,
    occupations: Iterable[SocCode],
    regions: Iterable[str],
    figures: Iterable[OccupationFigures],
    capacities: Iterable[TrainingCapacity] = (),
    prefer_sources: Sequence[str] = (),
    seats: Mapping[str, int] | None = None,
) -> list[OccupationShortfall]:
    """Return what ``training_shortfall`` returns for the same observations given as columns.

    Each shortfall's ``observations`` is left empty; its ``regions``, ``periods`` and ``retrieved_at`` say
    which figures were added up. ``seats``, when given, replaces ``capacities``: the capacity of each
    occupation (by code) already added up over ``regions`` (so none counts when there are no regions).
    """
    distinct: dict[str, SocCode] = {}
    for code in occupations:  # as set() would, without hashing each dataclass
        distinct.setdefault(code.value, code)
    targets = sorted(distinct.values(), key=_code_text)
    wanted_regions = sorted(set(regions))
    region_set = set(wanted_regions)
    by_code = _by_code(figures)
    capacities_of: dict[str, list[TrainingCapacity]] = {}
    if seats is None:
        for cap in capacities:
            capacities_of.setdefault(cap.occupation.value, []).append(cap)
    elif not wanted_regions:
        seats = {}
    report: list[OccupationShortfall] = []
    plain_test, plain_shortfall = _PlainTest(region_set), _PlainShortfall(wanted_regions)
    for occupation in targets:
        fig = by_code.get(occupation.value)
        plain = fig is not None and plain_test(fig)
        if seats is None:
            caps = capacities_of.get(occupation.value, [])
            capacity = sum(cap.capacity for cap in caps if cap.region in region_set) if plain else 0
        else:
            capacity = seats.get(occupation.value, 0)
            # For the rules row by row, one capacity in a region asked about stands for the seats added up.
            caps = [TrainingCapacity(occupation=occupation, region=wanted_regions[0], capacity=capacity)
                    ] if capacity and not plain else []
        if plain:
            report.append(plain_shortfall(fig, capacity))  # type: ignore[arg-type]
            continue
        [found] = training_shortfall(occupations=[occupation], regions=wanted_regions,
                                     observations=fig.observations() if fig is not None else (),
                                     capacities=caps, prefer_sources=prefer_sources)
        report.append(replace(found, observations=()))
    return report


class _PlainShortfall:
    """The shortfall of plain figures against the regions asked about, each distinct column worked out once."""

    __slots__ = ("_latest", "_periods", "_regions", "_sources")

    def __init__(self, wanted_regions: list[str]) -> None:
        def regions(column: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
            present = set(column)
            missing = () if len(present) == len(wanted_regions) else tuple(
                r for r in wanted_regions if r not in present)
            return tuple(sorted(column)), missing

        self._regions = LastColumn(regions)
        self._sources = LastColumn(lambda column: tuple(sorted(set(column))))
        self._periods = LastColumn(lambda column: tuple(sorted(set(column))))
        self._latest = LastColumn(_latest_stamp)

    def __call__(self, fig: OccupationFigures, capacity: int) -> OccupationShortfall:
        openings: int = sum(fig.annual_openings)  # type: ignore[arg-type]  # plain: no None among them
        regions, missing = self._regions(fig.regions)
        return OccupationShortfall(
            occupation=fig.code,
            annual_openings=openings,
            capacity=capacity,
            shortfall=max(0, openings - capacity),
            sources=self._sources(fig.sources),
            regions_without_data=missing,
            regions=regions,
            periods=self._periods(fig.periods),
            retrieved_at=self._latest(fig.retrieved_at),
        )

