"""Labour market records as they arrive in bulk: one NDJSON or CSV record at a time, checked and reported.

A bulk load reads records one by one, turns each into a domain object (or says, field by field, why it
cannot), and reports what happened to every line: created, updated, unchanged, superseded by a later
line with the same key, or rejected with its reasons.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from api.domain.codes import CipCode, InvalidCode, NaicsCode, SocCode
from api.domain.errors import FieldProblem, InvalidInput
from api.domain.labor_market import (
    CODE_KIND_TEXT,
    CodeKind,
    Observation,
    Outlook,
    normalize_number,
    parse_code,
    parse_outlook,
    period_years,
)
from api.domain.labor_market import validate_observation as _validate_figures
from api.domain.reference import Region

_SOURCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
_WHOLE_FIELDS = ("employment", "projected_employment", "annual_openings")
_DECIMAL_FIELDS = ("growth_percent", "median_wage", "wage_p10", "wage_p25", "wage_p75", "wage_p90")
OBSERVATION_FIELDS = frozenset(
    {"region", "code_kind", "code", "period", "source", "retrieved_at", "outlook", *_WHOLE_FIELDS,
     *_DECIMAL_FIELDS}
)
"""The fields an observation record may carry; any other is refused, so a misspelt figure is never lost."""

ObservationKey = tuple[str, str, str, str, str]


class TitleScheme(StrEnum):
    """The classification a title belongs to."""

    SOC = "soc"
    NAICS = "naics"
    CIP = "cip"


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeTitle:
    """The official title of an occupation (SOC), industry (NAICS) or program (CIP) code."""

    scheme: TitleScheme
    code: str
    title: str
    level: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RawRecord:
    """One record of a bulk body as the transport decoded it, or why it could not be decoded."""

    line: int
    fields: Mapping[str, object] | None = None
    error: str | None = None


def _text(record: Mapping[str, object], name: str, problems: list[FieldProblem], *, max_length: int = 64,
          required: bool = True) -> str | None:
    value = record.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(FieldProblem(name, "is required"))
        return None
    if not isinstance(value, str):
        problems.append(FieldProblem(name, f"must be text, got {type(value).__name__}"))
        return None
    value = value.strip()
    if len(value) > max_length:
        problems.append(FieldProblem(name, f"must be at most {max_length} characters"))
        return None
    return value


def _figure(record: Mapping[str, object], name: str, problems: list[FieldProblem], *, whole: bool) -> float | None:
    raw = record.get(name)
    if raw is not None and not isinstance(raw, str | int | float):
        problems.append(FieldProblem(name, f"must be a number, got {type(raw).__name__}"))
        return None
    try:
        value = normalize_number(raw)
    except ValueError as exc:
        problems.append(FieldProblem(name, str(exc)))
        return None
    if value is None:
        return None
    try:
        finite = math.isfinite(value)
    except OverflowError:  # a whole number written with more digits than a float holds
        problems.append(FieldProblem(name, "is too large"))
        return None
    if not finite:
        problems.append(FieldProblem(name, "must be a finite number"))
        return None
    if whole:
        if value != int(value):
            problems.append(FieldProblem(name, "must be a whole number"))
            return None
        if abs(value) > 2**31 - 1:
            problems.append(FieldProblem(name, "is too large"))
            return None
        return int(value)
    return float(value)


def _retrieved_at(record: Mapping[str, object], problems: list[FieldProblem]) -> datetime | None:
    raw = _text(record, "retrieved_at", problems)
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        problems.append(FieldProblem("retrieved_at", "must be an RFC 3339 timestamp with a time zone"))
        return None
    if when.tzinfo is None:
        problems.append(FieldProblem("retrieved_at", "must carry a time zone"))
        return None
    return when


@lru_cache(maxsize=8192)
def _known_code(kind: str, text: str) -> SocCode | NaicsCode | None:
    try:
        return parse_code(kind, text)
    except InvalidCode:
        return None


@lru_cache(maxsize=1024)
def _known_period(text: str) -> bool:
    try:
        period_years(text)
    except ValueError:
        return False
    return len(text) <= 9 and text == text.strip()


@lru_cache(maxsize=1024)
def _known_source(text: str) -> bool:
    return _SOURCE_RE.match(text) is not None and text == text.strip()


@lru_cache(maxsize=1024)
def _known_time(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


@lru_cache(maxsize=64)
def _known_outlook(text: str) -> tuple[bool, Outlook | None]:
    try:
        return True, parse_outlook(text)
    except ValueError:
        return False, None


class _LeftToThoroughPath(Exception):
    """The fast path met something it leaves to the thorough one (which names every problem)."""


_INT_MAX = 2**31 - 1
_INF = math.inf
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")


def _text_number(text: str) -> int | float | None:
    """Read a figure written as text, as normalize_number does; raise _LeftToThoroughPath where it would refuse.

    The usual shapes ("27,505", "$34,156", "412") are read here; anything else goes to normalize_number.
    """
    digits = text[1:] if text[:1] == "$" else text
    plain = digits.replace(",", "")
    if (plain.isascii() and plain.isdigit() and len(plain) <= 15
            and (len(plain) == len(digits) or _GROUPED.fullmatch(digits) is not None)):
        return int(plain)
    try:
        return normalize_number(text)
    except ValueError:
        raise _LeftToThoroughPath from None


def _whole(raw: object) -> int | None:
    """A whole figure the domain accepts as it stands (0 to 2**31 - 1), or None; raise _LeftToThoroughPath otherwise."""
    if type(raw) is str:
        raw = _text_number(raw)
    if raw is None:
        return None
    if type(raw) is int:
        if 0 <= raw <= _INT_MAX:
            return raw
    elif type(raw) is float and 0.0 <= raw <= _INT_MAX and raw == int(raw):
        return int(raw)
    raise _LeftToThoroughPath


def _decimal(raw: object) -> float | None:
    """A decimal figure as a float (not yet range-checked), or None; raise _LeftToThoroughPath otherwise."""
    if type(raw) is str:
        raw = _text_number(raw)
    if raw is None:
        return None
    if type(raw) is float:
        return raw
    if type(raw) is int:
        try:
            return float(raw)
        except OverflowError:
            raise _LeftToThoroughPath from None
    raise _LeftToThoroughPath




def _fast_observation(record: Mapping[str, object], regions: Mapping[str, Region]) -> Observation:
    """Read a well-formed, plausible record quickly; raise _LeftToThoroughPath for what the thorough path judges.

    Everything it accepts the thorough path accepts as the same observation, validate_observation included
    (tests/domain/test_lmi_fast_path.py holds them equal); anything else, odd or wrong, goes to the thorough
    path, so a refusal always names every problem.
    """
    if not OBSERVATION_FIELDS.issuperset(record):
        raise _LeftToThoroughPath
    g = record.get
    region, code, period, source, stamp = g("region"), g("code"), g("period"), g("source"), g("retrieved_at")
    kind = g("code_kind", "soc")
    if not (type(region) is str and region in regions and type(code) is str and type(kind) is str
            and type(period) is str and type(source) is str and type(stamp) is str and region.strip()):
        raise _LeftToThoroughPath
    parsed = _known_code(kind, code) if kind in ("soc", "naics") and len(code) <= 16 else None
    retrieved_at = _known_time(stamp) if len(stamp) <= 64 else None
    if parsed is None or retrieved_at is None or not _known_period(period) or not _known_source(source):
        raise _LeftToThoroughPath
    outlook = g("outlook")
    if outlook is not None:
        if type(outlook) is not str:
            raise _LeftToThoroughPath
        ok, outlook = _known_outlook(outlook)
        if not ok:
            raise _LeftToThoroughPath
    employment, projected, openings = g("employment"), g("projected_employment"), g("annual_openings")
    # The usual figure is an int in range or a float: checked here, anything else by _whole and _decimal.
    if type(employment) is not int or not 0 <= employment <= _INT_MAX:
        employment = _whole(employment)
    if type(projected) is not int or not 0 <= projected <= _INT_MAX:
        projected = _whole(projected)
    if type(openings) is not int or not 0 <= openings <= _INT_MAX:
        openings = _whole(openings)
    growth = g("growth_percent")
    if type(growth) is not float:
        growth = _decimal(growth)
    if growth is not None and not -100.0 <= growth < _INF:
        raise _LeftToThoroughPath
    wages: list[float | None] = []
    low = 0.0
    for raw in (g("wage_p10"), g("wage_p25"), g("median_wage"), g("wage_p75"), g("wage_p90")):
        wage = raw if type(raw) is float else None if raw is None else _decimal(raw)
        if wage is not None:
            if not low <= wage < _INF:  # at least 0, finite, and not below the percentile before it
                raise _LeftToThoroughPath
            low = wage
        wages.append(wage)
    p10, p25, median, p75, p90 = wages
    return Observation(region=region, code=parsed, period=period, source=source, retrieved_at=retrieved_at,
                       employment=employment, projected_employment=projected, annual_openings=openings,
                       growth_percent=growth, median_wage=median, wage_p10=p10, wage_p25=p25, wage_p75=p75,
                       wage_p90=p90, outlook=outlook)


def observation_from_record(record: Mapping[str, object], *, regions: Mapping[str, Region]) -> Observation:
    """Read one observation record (figures as numbers or CareerOneStop-style text); raise InvalidInput.

    ``code_kind`` defaults to ``soc``; the region must be one of ``regions``; unknown fields are refused.
    """
    try:
        return _fast_observation(record, regions)
    except _LeftToThoroughPath:
        return _thorough_observation(record, regions)


def _thorough_observation(record: Mapping[str, object], regions: Mapping[str, Region]) -> Observation:
    """Read a record checking every field, so that a refusal names each problem."""
    problems = [FieldProblem(name, "is not a field of an observation")
                for name in sorted(set(record) - OBSERVATION_FIELDS)]
    region = _text(record, "region", problems)
    if region is not None and region not in regions:
        problems.append(FieldProblem("region", f"unknown region '{region}'"))
    kind_text = _text(record, "code_kind", problems, required=False) or CodeKind.SOC.value
    kind: CodeKind | None = None
    try:
        kind = CodeKind(kind_text.lower())
    except ValueError:
        problems.append(FieldProblem("code_kind", f"'{kind_text}' is not soc or naics"))
    code_text = _text(record, "code", problems, max_length=16)
    code: SocCode | NaicsCode | None = None
    if code_text is not None and kind is not None:
        try:
            code = parse_code(kind, code_text)
        except InvalidCode as exc:
            problems.append(FieldProblem("code", str(exc)))
    period = _text(record, "period", problems, max_length=9)
    if period is not None:
        try:
            period_years(period)
        except ValueError as exc:
            problems.append(FieldProblem("period", str(exc)))
    source = _text(record, "source", problems)
    if source is not None and not _SOURCE_RE.match(source):
        problems.append(FieldProblem("source", "must be 1-64 letters, digits, . _ : / -"))
    retrieved_at = _retrieved_at(record, problems)
    figures = {name: _figure(record, name, problems, whole=True) for name in _WHOLE_FIELDS}
    figures.update({name: _figure(record, name, problems, whole=False) for name in _DECIMAL_FIELDS})
    outlook = None
    outlook_raw = record.get("outlook")
    if outlook_raw is not None and not isinstance(outlook_raw, str):
        problems.append(FieldProblem("outlook", f"must be text, got {type(outlook_raw).__name__}"))
    else:
        try:
            outlook = parse_outlook(outlook_raw)
        except ValueError as exc:
            problems.append(FieldProblem("outlook", str(exc)))
    if problems:
        raise InvalidInput(problems)
    assert region is not None and code is not None and period is not None and source is not None
    assert retrieved_at is not None
    obs = Observation(region=region, code=code, period=period, source=source, retrieved_at=retrieved_at,
                      outlook=outlook, **figures)  # type: ignore[arg-type]
    return _validate_figures(obs)


def observation_key(obs: Observation) -> ObservationKey:
    """The identity of an observation: (region, code kind, code, period, source)."""
    code = obs.code
    return obs.region, CODE_KIND_TEXT.get(type(code)) or obs.code_kind.value, code.value, obs.period, obs.source


def title_code(scheme: TitleScheme, text: str) -> tuple[str, str]:
    """Normalize a code of ``scheme`` and return it with its level; raise InvalidCode."""
    if scheme is TitleScheme.SOC:
        if "." in text:
            # SocCode.parse reads an O*NET-SOC code as its SOC part, which would file the title of a
            # specialty (29-1141.01) under the whole occupation.
            raise InvalidCode(SocCode.KIND, text, "expected XX-XXXX; O*NET-SOC titles are not SOC titles")
        soc = SocCode.parse(text)
        return soc.value, soc.level.value
    if scheme is TitleScheme.NAICS:
        naics = NaicsCode.parse(text)
        return naics.value, naics.level.value
    cip = CipCode.parse(text)
    return cip.value, cip.level.value


def title_from_record(record: Mapping[str, object], *, default_scheme: TitleScheme | None = None) -> CodeTitle:
    """Read one title record (``scheme``, ``code``, ``title``; other fields are ignored); raise InvalidInput.

    Columns other than these are ignored, so an official list loads once its headers are named.
    """
    problems: list[FieldProblem] = []
    scheme_text = _text(record, "scheme", problems, required=default_scheme is None)
    scheme = default_scheme
    if scheme_text is not None:
        try:
            scheme = TitleScheme(scheme_text.lower())
        except ValueError:
            problems.append(FieldProblem("scheme", f"'{scheme_text}' is not soc, naics or cip"))
            scheme = None
    code_text = _text(record, "code", problems, max_length=16)
    title = _text(record, "title", problems, max_length=500)
    code = level = None
    if scheme is not None and code_text is not None:
        try:
            code, level = title_code(scheme, code_text)
        except InvalidCode as exc:
            problems.append(FieldProblem("code", str(exc)))
    if problems:
        raise InvalidInput(problems)
    assert scheme is not None and code is not None and level is not None and title is not None
    return CodeTitle(scheme=scheme, code=code, title=title, level=level)
