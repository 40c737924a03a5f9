"""Labour market information: observations per region and period, the in-demand rule, training shortfalls."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from itertools import pairwise
from typing import cast

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
# the enum's ``value`` descriptor (bench/README.md item 22). ``code_kind.value`` for anything else.
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
    that were added up.
    """

    occupation: SocCode
    annual_openings: int | None
    capacity: int
    shortfall: int | None
    sources: tuple[str, ...]
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


def _as_utc(stamp: datetime) -> datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _latest_stamp(stamps: Iterable[datetime]) -> datetime:
    """The latest of non-empty timestamps; naive ones count as UTC only when they meet aware ones."""
    stamps = tuple(stamps)
    try:
        return max(stamps)
    except TypeError:
        return max(stamps, key=_as_utc)


# --- the rules, over columns ---------------------------------------------------------------------------------
#
# The rules read one occupation's figures as columns (``OccupationFigures``), row ``i`` being one observation.
# Per region and source only the latest row counts (latest period, then latest retrieval; the figures only
# break ties between duplicates, so the choice never depends on input order). An occupation is in demand when
# one of those rows meets the rule; its openings are added up over the regions asked about, one row per region
# (the latest per source, then the source preferred, the most recent, the source's name), so two sources are
# never added together. Figures are *plain* when every row is the only one of its region, inside the regions
# asked about, with an openings figure (a state's usual load): then every row counts and nothing needs choosing.
# tests/domain/labor_market_rows.py holds the same rules row by row, the reference these are tested against.


def occupation_figures(observations: Iterable[Observation]) -> list[OccupationFigures]:
    """Gather occupation observations into columns, one ``OccupationFigures`` per code in code order.

    Industries (NAICS) are left out: the columns hold occupations only.
    """
    rows: dict[SocCode, list[Observation]] = {}
    for obs in observations:
        if isinstance(obs.code, SocCode):
            rows.setdefault(obs.code, []).append(obs)
    return [_columns_of(code, group) for code, group in sorted(rows.items())]


def _columns_of(code: SocCode, group: Sequence[Observation]) -> OccupationFigures:
    return OccupationFigures(
        code=code, regions=tuple(o.region for o in group), periods=tuple(o.period for o in group),
        sources=tuple(o.source for o in group), retrieved_at=tuple(o.retrieved_at for o in group),
        annual_openings=tuple(o.annual_openings for o in group),
        growth_percent=tuple(o.growth_percent for o in group),
    )


def _by_code(figures: Iterable[OccupationFigures]) -> dict[str, OccupationFigures]:
    """One set of columns per code (keyed by its text, whose hash is kept, unlike a code's): columns given
    twice for a code are joined."""
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


def _recency(fig: OccupationFigures, row: int) -> tuple[tuple[int, int], datetime, int, float]:
    # Naive timestamps are read as UTC so that mixed inputs still compare; the last two entries
    # only break ties between duplicate rows, so that the choice never depends on input order.
    openings, growth = fig.annual_openings[row], fig.growth_percent[row]
    return (period_years(fig.periods[row]), _as_utc(fig.retrieved_at[row]), -1 if openings is None else openings,
            -math.inf if growth is None else growth)


def _latest_rows(fig: OccupationFigures, rows: Iterable[int]) -> dict[tuple[str, str], int]:
    """The latest of ``rows`` per (region, source), by ``_recency``.

    Recency is only worked out when two rows share a key, which most never do; every period is still read, so
    a malformed one is refused whether or not it meets a rival.
    """
    latest: dict[tuple[str, str], int] = {}
    periods: set[str] = set()
    for row in rows:
        periods.add(fig.periods[row])
        key = (fig.regions[row], fig.sources[row])
        kept = latest.setdefault(key, row)
        if kept != row and _recency(fig, row) > _recency(fig, kept):
            latest[key] = row
    for period in periods:
        period_years(period)
    return latest


@dataclass(frozen=True, slots=True)
class _PlainRegions:
    """What the plain rules read of a regions column: its regions as a set and in order, and those of the regions
    asked about that it lacks."""

    present: frozenset[str]
    ordered: tuple[str, ...]
    missing: tuple[str, ...]


class _Columns:
    """What one call of a rule works out from a column, once for every occupation whose column is equal to it.

    A state's figures repeat the same regions, periods and sources column for each of its hundreds of
    occupations; the set, the order and the check of such a column are the same for each, so one call of a rule
    works them out once per distinct column (by value: equal columns, whatever objects hold them).
    """

    __slots__ = ("_checked", "_regions", "_sorted", "_wanted", "_wanted_order")

    def __init__(self, wanted: AbstractSet[str], wanted_order: Sequence[str] = ()) -> None:
        self._wanted = wanted
        self._wanted_order = wanted_order
        self._regions: dict[tuple[str, ...], _PlainRegions | None] = {}
        self._checked: set[tuple[str, ...]] = set()
        self._sorted: dict[tuple[str, ...], tuple[str, ...]] = {}

    def regions(self, column: tuple[str, ...]) -> _PlainRegions | None:
        """The column's regions when each occurs once and all are asked about, else None."""
        try:
            return self._regions[column]
        except KeyError:
            pass
        present = frozenset(column)
        found = None
        if present and len(present) == len(column) and present <= self._wanted:
            missing = () if len(present) == len(self._wanted_order) else tuple(
                r for r in self._wanted_order if r not in present)
            found = _PlainRegions(present, tuple(sorted(column)), missing)
        self._regions[column] = found
        return found

    def check_periods(self, column: tuple[str, ...]) -> None:
        """Read every period of the column (raises ValueError for a malformed one)."""
        if column not in self._checked:
            for period in set(column):
                period_years(period)
            self._checked.add(column)

    def distinct_sorted(self, column: tuple[str, ...]) -> tuple[str, ...]:
        """The column's distinct values, in order."""
        found = self._sorted.get(column)
        if found is None:
            found = self._sorted[column] = tuple(sorted(set(column)))
        return found


def _plain_regions(fig: OccupationFigures, columns: _Columns) -> _PlainRegions | None:
    """The regions of plain figures, or None for figures that are not plain. Reads every period, as the
    choosing does, so a malformed one is refused either way."""
    present = columns.regions(fig.regions)
    if present is None or None in fig.annual_openings:
        return None
    columns.check_periods(fig.periods)
    return present


def _row_in_demand(fig: OccupationFigures, row: int, rule: InDemandRule) -> bool:
    openings, growth = fig.annual_openings[row], fig.growth_percent[row]
    return ((rule.min_annual_openings is not None and openings is not None and openings >= rule.min_annual_openings)
            or (rule.min_growth_percent is not None and growth is not None and growth >= rule.min_growth_percent))


def _rows_in_demand(fig: OccupationFigures, rule: InDemandRule, regions: Collection[str] | None) -> list[int]:
    """The latest rows with openings or growth (within ``regions``) that meet the rule, in no particular order."""
    judged = (row for row in range(len(fig.regions))
              if (regions is None or fig.regions[row] in regions)
              and (fig.annual_openings[row] is not None or fig.growth_percent[row] is not None))
    return [row for row in _latest_rows(fig, judged).values() if _row_in_demand(fig, row, rule)]


def _plain_in_demand(fig: OccupationFigures, rule: InDemandRule) -> bool:
    # Every row of plain figures is the latest of its key, so the occupation is in demand when any row is.
    least_openings = rule.min_annual_openings
    if least_openings is not None and max(cast("tuple[int, ...]", fig.annual_openings)) >= least_openings:
        return True
    least_growth = rule.min_growth_percent
    return least_growth is not None and any(g is not None and g >= least_growth for g in fig.growth_percent)


def in_demand_observations(
    observations: Iterable[Observation], rule: InDemandRule, *, regions: Collection[str] | None = None
) -> list[Observation]:
    """Return the latest occupation observations that meet the rule, ordered by code, region, source.

    Only observations carrying openings or growth are considered, so a newer wage-only row does not
    hide an older projection; ``regions`` limits the answer to those regions. Raises ValueError for a malformed
    period; validate_observation catches those on the way in.
    """
    groups: dict[str, tuple[SocCode, list[Observation]]] = {}
    for obs in observations:
        if isinstance(obs.code, SocCode):
            groups.setdefault(obs.code.value, (obs.code, []))[1].append(obs)
    found = [group[row] for code, group in groups.values()
             for row in _rows_in_demand(_columns_of(code, group), rule, regions)]
    return sorted(found, key=lambda o: (o.code.value, o.region, o.source))


def occupations_in_demand(
    figures: Iterable[OccupationFigures], rule: InDemandRule, *, regions: Collection[str]
) -> list[SocCode]:
    """Return, in code order, the occupations with an observation in demand (``in_demand_observations``) in the
    regions."""
    wanted = set(regions)
    columns = _Columns(wanted)
    found: list[SocCode] = []
    for fig in _by_code(figures).values():
        plain = _plain_regions(fig, columns) is not None
        if _plain_in_demand(fig, rule) if plain else _rows_in_demand(fig, rule, wanted):
            found.append(fig.code)
    return sorted(found, key=_code_text)


def _code_text(code: SocCode) -> str:
    # Codes order as their texts do; sorting by the text spares the dataclass's comparisons (800 targets).
    return code.value


def _preferred(fig: OccupationFigures, rows: list[int], rank: Mapping[str, int]) -> int:
    # Stable sorts, least significant key first, give: preferred source, then most recent, then name.
    ordered = sorted(rows, key=lambda row: fig.sources[row])
    ordered.sort(key=lambda row: _recency(fig, row), reverse=True)
    ordered.sort(key=lambda row: rank.get(fig.sources[row], len(rank)))
    return ordered[0]


def _counted_rows(fig: OccupationFigures, regions: AbstractSet[str], rank: Mapping[str, int]) -> dict[str, int]:
    """The row whose openings count in each region that has one: the latest per source, then the preferred."""
    with_openings = (row for row in range(len(fig.regions))
                     if fig.regions[row] in regions and fig.annual_openings[row] is not None)
    candidates: dict[str, list[int]] = {}
    for (region, _), row in _latest_rows(fig, with_openings).items():
        candidates.setdefault(region, []).append(row)
    return {region: rows[0] if len(rows) == 1 else _preferred(fig, rows, rank) for region, rows in candidates.items()}


def occupation_shortfalls(
    *,
    occupations: Iterable[SocCode],
    regions: Iterable[str],
    figures: Iterable[OccupationFigures],
    capacities: Iterable[TrainingCapacity] = (),
    prefer_sources: Sequence[str] = (),
    seats: Mapping[str, int] | None = None,
) -> list[OccupationShortfall]:
    """Compare annual openings with training capacity per target occupation, summed over the regions.

    Per region the openings come from one observation: the latest per source (among those with an openings
    figure), then the source listed first in ``prefer_sources``, then the most recent, then the source name.
    Codes match exactly: capacity for a broad occupation does not count toward a detailed one. Every target is
    reported, in code order; ``shortfall`` is openings minus capacity, never below 0. ``seats``, when given,
    replaces ``capacities``: the capacity of each occupation (by code) already added up over ``regions`` (so
    none counts when there are no regions).
    """
    distinct: dict[str, SocCode] = {}
    for code in occupations:  # as set() would, without hashing each dataclass
        distinct.setdefault(code.value, code)
    targets = sorted(distinct.values(), key=_code_text)
    wanted_regions = sorted(set(regions))
    region_set = set(wanted_regions)
    if seats is None:
        seats = {}
        for cap in capacities:
            if cap.region in region_set:
                seats[cap.occupation.value] = seats.get(cap.occupation.value, 0) + cap.capacity
    elif not wanted_regions:
        seats = {}
    by_code = _by_code(figures)
    rank = {source: i for i, source in enumerate(prefer_sources)}
    columns = _Columns(region_set, wanted_regions)
    report: list[OccupationShortfall] = []
    for occupation in targets:
        capacity = seats.get(occupation.value, 0)
        fig = by_code.get(occupation.value)
        present = _plain_regions(fig, columns) if fig is not None else None
        if fig is not None and present is not None:
            report.append(_plain_shortfall(fig, present, columns, capacity))
            continue
        counted = _counted_rows(fig, region_set, rank) if fig is not None else {}
        used = [counted[r] for r in wanted_regions if r in counted]
        openings = sum(fig.annual_openings[row] or 0 for row in used) if fig is not None and used else None
        report.append(OccupationShortfall(
            occupation=occupation,
            annual_openings=openings,
            capacity=capacity,
            shortfall=None if openings is None else max(0, openings - capacity),
            sources=tuple(sorted({fig.sources[row] for row in used})) if fig is not None else (),
            regions_without_data=tuple(r for r in wanted_regions if r not in counted),
            regions=tuple(fig.regions[row] for row in used) if fig is not None else (),
            periods=tuple(sorted({fig.periods[row] for row in used})) if fig is not None else (),
            retrieved_at=_latest_stamp(fig.retrieved_at[row] for row in used) if fig is not None and used else None,
        ))
    return report


def _plain_shortfall(fig: OccupationFigures, present: _PlainRegions, columns: _Columns,
                     capacity: int) -> OccupationShortfall:
    """The shortfall of plain figures (``present``: their regions): every row counts, in region order."""
    openings = sum(cast("tuple[int, ...]", fig.annual_openings))  # plain: no None among them
    return OccupationShortfall(
        occupation=fig.code,
        annual_openings=openings,
        capacity=capacity,
        shortfall=max(0, openings - capacity),
        sources=columns.distinct_sorted(fig.sources),
        regions_without_data=present.missing,
        regions=present.ordered,
        periods=columns.distinct_sorted(fig.periods),
        retrieved_at=_latest_stamp(fig.retrieved_at),
    )
