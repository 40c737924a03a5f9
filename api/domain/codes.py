"""Classification codes: SOC, O*NET-SOC, NAICS and CIP as value objects with parsing and hierarchy.

Each code parses the spellings found in public data (dotted or flat, with or without the hyphen),
keeps one normalized form (its ``str``), and knows its level and its parent. Only structural facts
of each classification live here (which SOC major groups and NAICS sectors exist, how codes nest);
titles are reference data in ``api/reference_data/``.

Decisions worth knowing:

- SOC minor groups end in 000, except the few that end in 00 (15-1100 in 2010; 15-1200 and 31-1100
  in 2018; 51-5100 in both). A code ending in 00 that is not one of those is refused, because it is
  neither a minor group nor a broad occupation (broad occupations end in a single 0).
- NAICS sectors 31, 32 and 33 (and 44/45, 48/49) are one sector each: "32" and "31-33" parse to the
  same code, whose normalized form is the range label "31-33".
- CIP codes stored as numbers in spreadsheets lose their leading zero ("01.0101" becomes 1.0101), so
  a dotted code with a one-digit series is accepted and padded. A lost trailing zero cannot be
  recovered ("14.0810" becomes 14.081), so an odd number of decimals is refused, as is a flat code
  with an odd number of digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Self, TypeVar

from api.domain.errors import FieldProblem, InvalidInput

SOC_MAJOR_GROUPS = frozenset("11 13 15 17 19 21 23 25 27 29 31 33 35 37 39 41 43 45 47 49 51 53 55".split())
"""First two digits of the SOC major groups (the same 23 in SOC 2010 and SOC 2018)."""

SOC_HUNDREDS_MINOR_GROUPS = frozenset({"15-1100", "15-1200", "31-1100", "51-5100"})
"""The SOC minor groups that end in 00 rather than 000 (2010 and 2018 editions)."""

NAICS_SECTORS = frozenset("11 21 22 23 31 32 33 42 44 45 48 49 51 52 53 54 55 56 61 62 71 72 81 92".split())
"""Two-digit prefixes that belong to a NAICS sector (ranged sectors contribute each prefix)."""

NAICS_RANGED_SECTORS: Mapping[str, str] = MappingProxyType(
    {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45", "48": "48-49", "49": "48-49"}
)
"""The sectors that span several two-digit prefixes, by prefix, with their range label."""

_SOC_TEXT = re.compile(r"([0-9]{2})-?([0-9]{4})(?:\.([0-9]{2}))?")
_SOC_FORM = re.compile(r"[0-9]{2}-[0-9]{4}")
_ONET_TEXT = re.compile(r"([0-9]{2})-?([0-9]{4})\.([0-9]{2})")
_ONET_FORM = re.compile(r"[0-9]{2}-[0-9]{4}\.[0-9]{2}")
_NAICS_DIGITS = re.compile(r"[0-9]{2,6}")
_CIP_DOTTED = re.compile(r"([0-9]{1,2})\.([0-9]+)")
_CIP_FLAT = re.compile(r"[0-9]{2}(?:[0-9]{2}){0,2}")
_CIP_FORM = re.compile(r"[0-9]{2}(?:\.[0-9]{2}(?:[0-9]{2})?)?")

_SOC_EXPECTED = "expected XX-XXXX"
_ONET_EXPECTED = "expected XX-XXXX.XX"
_NAICS_EXPECTED = "expected 2 to 6 digits, or 31-33, 44-45 or 48-49"
_CIP_EXPECTED = "expected XX, XX.XX or XX.XXXX"


class InvalidCode(ValueError):
    """A text is not a code of the named classification."""

    def __init__(self, kind: str, text: object, reason: str) -> None:
        self.kind = kind
        self.text = text
        self.reason = reason
        ValueError.__init__(self, f"'{text}' is not a {kind} code ({reason})")


class SocLevel(StrEnum):
    """Level of a SOC code, from the top."""

    MAJOR = "major"
    MINOR = "minor"
    BROAD = "broad"
    DETAILED = "detailed"


class NaicsLevel(StrEnum):
    """Level of a NAICS code, from the top."""

    SECTOR = "sector"
    SUBSECTOR = "subsector"
    INDUSTRY_GROUP = "industry_group"
    NAICS_INDUSTRY = "naics_industry"
    NATIONAL_INDUSTRY = "national_industry"


class CipLevel(StrEnum):
    """Level of a CIP code, from the top."""

    SERIES = "series"
    GROUP = "group"
    PROGRAM = "program"


def _text(kind: str, text: object) -> str:
    if not isinstance(text, str):
        raise InvalidCode(kind, text, f"expected text, got {type(text).__name__}")
    return text.strip()


def _soc_problem(value: str) -> str | None:
    """Say why a code of the form XX-XXXX breaks the SOC structure, or None when it does not."""
    major, rest = value[:2], value[3:]
    if major not in SOC_MAJOR_GROUPS:
        return f"{major} is not a SOC major group"
    if rest == "0000":
        return None
    if rest[0] == "0":
        return "only a major group has 0 after the hyphen, as in XX-0000"
    if rest[2:] == "00" and rest[1] != "0" and value not in SOC_HUNDREDS_MINOR_GROUPS:
        return "minor groups end in 000 and broad occupations in a single 0"
    if rest[2] == "0" and rest[3] != "0":
        return "a detailed occupation belongs to a broad occupation ending in a single 0"
    return None


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class SocCode:
    """A Standard Occupational Classification code, normalized as XX-XXXX."""

    value: str

    KIND = "SOC"

    def __post_init__(self) -> None:
        reason = _SOC_EXPECTED if not _SOC_FORM.fullmatch(self.value) else _soc_problem(self.value)
        if reason:
            raise InvalidCode(self.KIND, self.value, reason)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read a SOC code from "29-1141", "291141" or the O*NET-SOC "29-1141.01" (its SOC part)."""
        cleaned = _text(cls.KIND, text)
        match = _SOC_TEXT.fullmatch(cleaned)
        if match is None:
            raise InvalidCode(cls.KIND, text, _SOC_EXPECTED)
        value = f"{match[1]}-{match[2]}"
        reason = _soc_problem(value)
        if reason:
            raise InvalidCode(cls.KIND, text, reason)
        return cls(value=value)

    def __str__(self) -> str:
        return self.value

    @property
    def flat(self) -> str:
        """Return the code without its hyphen, as BLS flat files store it."""
        return self.value.replace("-", "")

    @property
    def level(self) -> SocLevel:
        """Return the level: major group, minor group, broad or detailed occupation."""
        rest = self.value[3:]
        if rest == "0000":
            return SocLevel.MAJOR
        if rest.endswith("00"):
            return SocLevel.MINOR
        if rest.endswith("0"):
            return SocLevel.BROAD
        return SocLevel.DETAILED

    @property
    def major_group(self) -> SocCode:
        """Return the major group (XX-0000) the code belongs to."""
        return SocCode(value=f"{self.value[:2]}-0000")

    @property
    def parent(self) -> SocCode | None:
        """Return the code one level up, or None for a major group."""
        level = self.level
        if level is SocLevel.MAJOR:
            return None
        if level is SocLevel.MINOR:
            return self.major_group
        if level is SocLevel.DETAILED:
            return SocCode(value=self.value[:-1] + "0")
        hundreds = self.value[:-2] + "00"
        if hundreds in SOC_HUNDREDS_MINOR_GROUPS:
            return SocCode(value=hundreds)
        return SocCode(value=self.value[:-3] + "000")

    def ancestors(self) -> tuple[SocCode, ...]:
        """Return the codes above this one, nearest first."""
        return _ancestors(self)

    def is_within(self, other: SocCode) -> bool:
        """Say whether this code is ``other`` or lies beneath it."""
        return self == other or other in self.ancestors()


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class OnetSocCode:
    """An O*NET-SOC occupation code, XX-XXXX.XX: a SOC code and a two-digit O*NET suffix."""

    value: str

    KIND = "O*NET-SOC"

    def __post_init__(self) -> None:
        reason = _ONET_EXPECTED if not _ONET_FORM.fullmatch(self.value) else _soc_problem(self.value[:7])
        if reason:
            raise InvalidCode(self.KIND, self.value, reason)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read an O*NET-SOC code from "29-1141.00" or "291141.00"; the suffix is required."""
        cleaned = _text(cls.KIND, text)
        match = _ONET_TEXT.fullmatch(cleaned)
        if match is None:
            raise InvalidCode(cls.KIND, text, _ONET_EXPECTED)
        soc = f"{match[1]}-{match[2]}"
        reason = _soc_problem(soc)
        if reason:
            raise InvalidCode(cls.KIND, text, reason)
        return cls(value=f"{soc}.{match[3]}")

    @classmethod
    def of(cls, soc: SocCode, suffix: str = "00") -> Self:
        """Build the O*NET-SOC code for a SOC code; ".00" names the occupation as SOC defines it."""
        return cls(value=f"{soc.value}.{suffix}")

    def __str__(self) -> str:
        return self.value

    @property
    def soc(self) -> SocCode:
        """Return the SOC occupation this O*NET-SOC occupation belongs to."""
        return SocCode(value=self.value[:7])

    @property
    def suffix(self) -> str:
        """Return the two-digit O*NET suffix ("00" for the SOC occupation itself)."""
        return self.value[8:]


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class NaicsCode:
    """A North American Industry Classification System code: 2 to 6 digits, or a ranged sector."""

    value: str

    KIND = "NAICS"

    def __post_init__(self) -> None:
        if self.value in NAICS_RANGED_SECTORS.values():
            return
        reason: str | None = None
        if not _NAICS_DIGITS.fullmatch(self.value):
            reason = _NAICS_EXPECTED
        elif self.value in NAICS_RANGED_SECTORS:
            reason = f"the sector is written {NAICS_RANGED_SECTORS[self.value]}"
        elif self.value[:2] not in NAICS_SECTORS:
            reason = f"{self.value[:2]} is not a NAICS sector"
        if reason:
            raise InvalidCode(self.KIND, self.value, reason)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read a NAICS code from "622110", "62", "31-33" or "32" (the manufacturing sector)."""
        cleaned = _text(cls.KIND, text)
        if cleaned in NAICS_RANGED_SECTORS.values():
            return cls(value=cleaned)
        if not _NAICS_DIGITS.fullmatch(cleaned):
            raise InvalidCode(cls.KIND, text, _NAICS_EXPECTED)
        if cleaned[:2] not in NAICS_SECTORS:
            raise InvalidCode(cls.KIND, text, f"{cleaned[:2]} is not a NAICS sector")
        return cls(value=NAICS_RANGED_SECTORS.get(cleaned, cleaned))

    def __str__(self) -> str:
        return self.value

    @property
    def level(self) -> NaicsLevel:
        """Return the level: sector, subsector, industry group, NAICS industry or national industry."""
        if "-" in self.value:
            return NaicsLevel.SECTOR
        return list(NaicsLevel)[len(self.value) - 2]

    @property
    def sector(self) -> NaicsCode:
        """Return the sector; a ranged sector's code is its label, as in "31-33"."""
        prefix = self.value[:2]
        return NaicsCode(value=NAICS_RANGED_SECTORS.get(prefix, prefix))

    @property
    def parent(self) -> NaicsCode | None:
        """Return the code one digit shorter (the sector for a subsector), or None for a sector."""
        if self.level is NaicsLevel.SECTOR:
            return None
        if len(self.value) == 3:
            return self.sector
        return NaicsCode(value=self.value[:-1])

    def ancestors(self) -> tuple[NaicsCode, ...]:
        """Return the codes above this one, nearest first."""
        return _ancestors(self)

    def is_within(self, other: NaicsCode) -> bool:
        """Say whether this code is ``other`` or lies beneath it."""
        return self == other or other in self.ancestors()


@dataclass(frozen=True, slots=True, kw_only=True, order=True)
class CipCode:
    """A Classification of Instructional Programs code: XX series, XX.XX group or XX.XXXX program."""

    value: str

    KIND = "CIP"

    def __post_init__(self) -> None:
        if not _CIP_FORM.fullmatch(self.value):
            raise InvalidCode(self.KIND, self.value, _CIP_EXPECTED)

    @classmethod
    def parse(cls, text: str) -> Self:
        """Read a CIP code from "14.0804", "140804", "14.08", "1408", "14", or "1.0101" as "01.0101"."""
        cleaned = _text(cls.KIND, text)
        if _CIP_FLAT.fullmatch(cleaned):
            series, rest = cleaned[:2], cleaned[2:]
        elif (match := _CIP_DOTTED.fullmatch(cleaned)) is not None:
            series, rest = match[1].zfill(2), match[2]
            if len(rest) in (1, 3):
                raise InvalidCode(
                    cls.KIND, text, f"{_CIP_EXPECTED}; a trailing zero may have been lost in a spreadsheet"
                )
            if len(rest) not in (2, 4):
                raise InvalidCode(cls.KIND, text, _CIP_EXPECTED)
        else:
            raise InvalidCode(cls.KIND, text, _CIP_EXPECTED)
        return cls(value=f"{series}.{rest}" if rest else series)

    def __str__(self) -> str:
        return self.value

    @property
    def flat(self) -> str:
        """Return the code without its dot, as many files store it."""
        return self.value.replace(".", "")

    @property
    def level(self) -> CipLevel:
        """Return the level: 2-digit series, 4-digit group or 6-digit program."""
        return (CipLevel.SERIES, CipLevel.GROUP, CipLevel.PROGRAM)[len(self.flat) // 2 - 1]

    @property
    def series(self) -> CipCode:
        """Return the 2-digit series the code belongs to."""
        return CipCode(value=self.value[:2])

    @property
    def parent(self) -> CipCode | None:
        """Return the code two digits shorter, or None for a series."""
        if self.level is CipLevel.SERIES:
            return None
        return CipCode(value=self.value[:-2].rstrip("."))

    def ancestors(self) -> tuple[CipCode, ...]:
        """Return the codes above this one, nearest first."""
        return _ancestors(self)

    def is_within(self, other: CipCode) -> bool:
        """Say whether this code is ``other`` or lies beneath it."""
        return self == other or other in self.ancestors()


_Code = TypeVar("_Code", SocCode, NaicsCode, CipCode)
_Parsed = TypeVar("_Parsed")


def _ancestors(code: _Code) -> tuple[_Code, ...]:
    chain: list[_Code] = []
    parent = code.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return tuple(chain)


def _parse_all(
    field: str, values: Iterable[str], parser: Callable[[str], _Parsed]
) -> tuple[list[_Parsed], list[FieldProblem]]:
    parsed: list[_Parsed] = []
    problems: list[FieldProblem] = []
    for i, value in enumerate(values):
        try:
            parsed.append(parser(value))
        except InvalidCode as exc:
            problems.append(FieldProblem(f"{field}[{i}]", str(exc)))
    return parsed, problems


def validate_codes(field: str, values: Iterable[str], parser: Callable[[str], object]) -> list[FieldProblem]:
    """List a problem, named ``field[i]``, for each value the parser refuses."""
    return _parse_all(field, values, parser)[1]


def parse_codes(field: str, values: Iterable[str], parser: Callable[[str], _Parsed]) -> list[_Parsed]:
    """Parse every value, or raise InvalidInput naming each one that is not a code."""
    parsed, problems = _parse_all(field, values, parser)
    if problems:
        raise InvalidInput(problems)
    return parsed
