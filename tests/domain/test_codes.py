"""Classification codes: parsing, normalization and hierarchy of SOC, O*NET-SOC, NAICS and CIP."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.codes import (
    NAICS_SECTORS,
    SOC_MAJOR_GROUPS,
    CipCode,
    CipLevel,
    InvalidCode,
    NaicsCode,
    NaicsLevel,
    OnetSocCode,
    SocCode,
    SocLevel,
    parse_codes,
    validate_codes,
)
from api.domain.errors import FieldProblem, InvalidInput

REFERENCE_DATA = Path(__file__).resolve().parents[2] / "api" / "reference_data"

digit = st.sampled_from("0123456789")
nonzero = st.sampled_from("123456789")
soc_major = st.sampled_from(sorted(SOC_MAJOR_GROUPS))
naics_prefix = st.sampled_from(sorted(NAICS_SECTORS))


@st.composite
def detailed_soc(draw: st.DrawFn) -> str:
    """A detailed SOC code: XX-ABCD with A, C and D not 0 (B may be)."""
    return f"{draw(soc_major)}-{draw(nonzero)}{draw(digit)}{draw(nonzero)}{draw(nonzero)}"


@st.composite
def any_soc(draw: st.DrawFn) -> str:
    """A SOC code of any level."""
    code = draw(detailed_soc())
    level = draw(st.sampled_from(["detailed", "broad", "minor", "major"]))
    if level == "broad":
        return code[:-1] + "0"
    if level == "minor":
        return code[:-3] + "000"
    if level == "major":
        return code[:3] + "0000"
    return code


@st.composite
def any_naics(draw: st.DrawFn) -> str:
    """A NAICS code of 2 to 6 digits in a real sector."""
    return draw(naics_prefix) + "".join(draw(st.lists(digit, min_size=0, max_size=4)))


@st.composite
def any_cip(draw: st.DrawFn) -> str:
    """A dotted CIP code: series, group or program."""
    series = draw(digit) + draw(digit)
    more = "".join(draw(st.lists(digit, min_size=0, max_size=4).filter(lambda d: len(d) % 2 == 0)))
    return f"{series}.{more}" if more else series


# SOC


def test_a_soc_code_reads_the_same_with_or_without_its_hyphen_or_an_onet_suffix() -> None:
    assert SocCode.parse("29-1141") == SocCode.parse("291141") == SocCode.parse("29-1141.01")
    assert str(SocCode.parse(" 291141 ")) == "29-1141"


def test_registered_nurses_sit_under_their_broad_minor_and_major_groups() -> None:
    nurses = SocCode.parse("29-1141")
    assert nurses.level is SocLevel.DETAILED
    assert [str(c) for c in nurses.ancestors()] == ["29-1140", "29-1000", "29-0000"]
    assert [c.level for c in nurses.ancestors()] == [SocLevel.BROAD, SocLevel.MINOR, SocLevel.MAJOR]
    assert nurses.major_group == SocCode.parse("29-0000")
    assert nurses.flat == "291141"


def test_computer_occupations_belong_to_a_minor_group_ending_in_00() -> None:
    developers = SocCode.parse("15-1252")
    assert [str(c) for c in developers.ancestors()] == ["15-1250", "15-1200", "15-0000"]
    assert SocCode.parse("15-1200").level is SocLevel.MINOR
    assert str(SocCode.parse("31-1131").ancestors()[1]) == "31-1100"
    assert str(SocCode.parse("51-5112").ancestors()[1]) == "51-5100"
    assert str(SocCode.parse("15-1111").ancestors()[1]) == "15-1100"  # SOC 2010


def test_a_major_group_has_no_parent() -> None:
    assert SocCode.parse("55-0000").parent is None
    assert SocCode.parse("55-0000").level == "major"


def test_a_code_is_within_its_ancestors_and_itself_but_not_its_siblings() -> None:
    nurses = SocCode.parse("29-1141")
    assert nurses.is_within(SocCode.parse("29-0000"))
    assert nurses.is_within(nurses)
    assert not nurses.is_within(SocCode.parse("29-1130"))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("29-11", "expected XX-XXXX"),
        ("29-11411", "expected XX-XXXX"),
        ("2g-1141", "expected XX-XXXX"),
        ("29 1141", "expected XX-XXXX"),
        ("", "expected XX-XXXX"),
        ("\u0662\u0669-1141", "expected XX-XXXX"),
        ("12-1011", "12 is not a SOC major group"),
        ("00-0000", "00 is not a SOC major group"),
        ("29-0100", "only a major group has 0 after the hyphen"),
        ("29-1100", "minor groups end in 000"),
        ("29-1101", "broad occupation ending in a single 0"),
    ],
)
def test_a_text_that_is_not_a_soc_code_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidCode, match=re.escape(reason)) as caught:
        SocCode.parse(text)
    assert caught.value.kind == "SOC"
    assert str(caught.value).startswith(f"'{text}' is not a SOC code")


def test_a_number_is_not_taken_for_a_soc_code() -> None:
    with pytest.raises(InvalidCode, match="expected text, got int"):
        SocCode.parse(291141)  # type: ignore[arg-type]


def test_a_soc_code_cannot_be_built_in_a_form_other_than_the_normalized_one() -> None:
    with pytest.raises(InvalidCode):
        SocCode(value="291141")


def test_soc_codes_sort_with_each_group_before_its_members() -> None:
    codes = [SocCode.parse(t) for t in ["29-1141", "29-0000", "11-1011", "29-1140", "29-1000"]]
    assert [str(c) for c in sorted(codes)] == ["11-1011", "29-0000", "29-1000", "29-1140", "29-1141"]
    assert len({SocCode.parse("29-1141"), SocCode.parse("291141")}) == 1


@given(any_soc())
def test_soc_normalization_round_trips(text: str) -> None:
    code = SocCode.parse(text)
    assert SocCode.parse(str(code)) == code
    assert SocCode.parse(text.replace("-", "")) == code
    assert SocCode.parse(code.flat) == code


@given(detailed_soc())
def test_every_detailed_soc_code_has_a_major_group_that_is_itself_a_major_soc_code(text: str) -> None:
    major = SocCode.parse(text).major_group
    assert major.level is SocLevel.MAJOR
    assert SocCode.parse(str(major)) == major


@given(any_soc())
def test_the_soc_parent_chain_climbs_one_level_at_a_time_to_the_major_group(text: str) -> None:
    code = SocCode.parse(text)
    order = list(SocLevel)
    chain = [code, *code.ancestors()]
    assert chain[-1] == code.major_group
    assert len(chain) <= 4
    for child, parent in pairwise(chain):
        assert order.index(parent.level) < order.index(child.level)
        assert child.is_within(parent)


@given(st.text())
def test_text_outside_the_soc_pattern_is_refused(text: str) -> None:
    if re.fullmatch(r"\s*[0-9]{2}-?[0-9]{4}(\.[0-9]{2})?\s*", text):
        return
    with pytest.raises(InvalidCode):
        SocCode.parse(text)


NOT_MAJOR_GROUPS = sorted({f"{n:02d}" for n in range(100)} - SOC_MAJOR_GROUPS)


@given(st.sampled_from(NOT_MAJOR_GROUPS), detailed_soc())
def test_a_code_outside_the_23_major_groups_is_refused(major: str, code: str) -> None:
    with pytest.raises(InvalidCode, match="not a SOC major group"):
        SocCode.parse(major + code[2:])


# O*NET-SOC


def test_an_onet_soc_code_keeps_its_suffix_and_knows_its_soc_occupation() -> None:
    acute_care = OnetSocCode.parse("291141.01")
    assert str(acute_care) == "29-1141.01"
    assert acute_care.suffix == "01"
    assert acute_care.soc == SocCode.parse("29-1141")
    assert OnetSocCode.of(SocCode.parse("29-1141")) == OnetSocCode.parse("29-1141.00")


def test_an_onet_soc_code_needs_its_suffix() -> None:
    with pytest.raises(InvalidCode, match=re.escape("is not a O*NET-SOC code (expected XX-XXXX.XX)")):
        OnetSocCode.parse("29-1141")


@given(detailed_soc(), digit, digit)
def test_onet_soc_normalization_round_trips(text: str, a: str, b: str) -> None:
    code = OnetSocCode.parse(f"{text}.{a}{b}")
    assert OnetSocCode.parse(str(code)) == code
    assert OnetSocCode.parse(f"{text.replace('-', '')}.{a}{b}") == code
    assert code.soc == SocCode.parse(text)


# NAICS


def test_a_hospital_industry_climbs_to_the_health_care_sector() -> None:
    hospitals = NaicsCode.parse("622110")
    assert hospitals.level is NaicsLevel.NATIONAL_INDUSTRY
    assert [str(c) for c in hospitals.ancestors()] == ["62211", "6221", "622", "62"]
    assert [c.level for c in hospitals.ancestors()] == [
        NaicsLevel.NAICS_INDUSTRY,
        NaicsLevel.INDUSTRY_GROUP,
        NaicsLevel.SUBSECTOR,
        NaicsLevel.SECTOR,
    ]


@pytest.mark.parametrize(
    ("text", "sector"),
    [("3361", "31-33"), ("32", "31-33"), ("452", "44-45"), ("493110", "48-49"), ("54", "54")],
)
def test_ranged_sectors_are_named_by_their_range(text: str, sector: str) -> None:
    assert str(NaicsCode.parse(text).sector) == sector


def test_a_range_label_and_its_two_digit_prefixes_name_the_same_sector() -> None:
    assert NaicsCode.parse("31-33") == NaicsCode.parse("31") == NaicsCode.parse("33")
    assert NaicsCode.parse("44-45").level is NaicsLevel.SECTOR
    assert NaicsCode.parse("48-49").parent is None
    assert NaicsCode.parse("311").parent == NaicsCode.parse("31-33")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1", "expected 2 to 6 digits"),
        ("1234567", "expected 2 to 6 digits"),
        ("31-32", "expected 2 to 6 digits"),
        ("62-2110", "expected 2 to 6 digits"),
        ("99", "99 is not a NAICS sector"),
        ("431", "43 is not a NAICS sector"),
    ],
)
def test_a_text_that_is_not_a_naics_code_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidCode, match=re.escape(reason)):
        NaicsCode.parse(text)


@given(any_naics())
def test_naics_normalization_round_trips_and_keeps_leading_digits(text: str) -> None:
    code = NaicsCode.parse(text)
    assert NaicsCode.parse(str(code)) == code
    if len(text) > 2:
        assert str(code) == text


@given(any_naics())
def test_the_naics_parent_chain_drops_a_digit_at_a_time_to_the_sector(text: str) -> None:
    code = NaicsCode.parse(text)
    chain = [code, *code.ancestors()]
    assert chain[-1] == code.sector
    assert chain[-1].level is NaicsLevel.SECTOR
    assert len(chain) == max(1, len(text) - 1)
    assert all(child.is_within(parent) for child, parent in pairwise(chain))


@given(st.text())
def test_text_outside_the_naics_pattern_is_refused(text: str) -> None:
    if re.fullmatch(r"\s*([0-9]{2,6}|31-33|44-45|48-49)\s*", text):
        return
    with pytest.raises(InvalidCode):
        NaicsCode.parse(text)


# CIP


@pytest.mark.parametrize(
    ("text", "normalized", "level"),
    [
        ("14.0804", "14.0804", CipLevel.PROGRAM),
        ("140804", "14.0804", CipLevel.PROGRAM),
        ("010000", "01.0000", CipLevel.PROGRAM),
        ("1.0101", "01.0101", CipLevel.PROGRAM),
        ("14.08", "14.08", CipLevel.GROUP),
        ("1408", "14.08", CipLevel.GROUP),
        ("1.01", "01.01", CipLevel.GROUP),
        ("01", "01", CipLevel.SERIES),
    ],
)
def test_a_cip_code_reads_dotted_flat_or_with_its_leading_zero_lost(
    text: str, normalized: str, level: CipLevel
) -> None:
    code = CipCode.parse(text)
    assert str(code) == normalized
    assert code.level is level


def test_a_cip_program_climbs_to_its_group_and_series() -> None:
    program = CipCode.parse("51.3801")
    assert [str(c) for c in program.ancestors()] == ["51.38", "51"]
    assert program.series == CipCode.parse("51")
    assert program.flat == "513801"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("14.081", "a trailing zero may have been lost"),
        ("14.1", "a trailing zero may have been lost"),
        ("1", "expected XX, XX.XX or XX.XXXX"),
        ("14080", "expected XX, XX.XX or XX.XXXX"),
        ("14.080412", "expected XX, XX.XX or XX.XXXX"),
        ("14.", "expected XX, XX.XX or XX.XXXX"),
        ("140.804", "expected XX, XX.XX or XX.XXXX"),
        ("14-0804", "expected XX, XX.XX or XX.XXXX"),
    ],
)
def test_a_text_that_is_not_a_cip_code_is_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidCode, match=re.escape(reason)):
        CipCode.parse(text)


@given(any_cip())
def test_cip_normalization_round_trips_and_flat_equals_dotted(text: str) -> None:
    code = CipCode.parse(text)
    assert CipCode.parse(str(code)) == code
    assert CipCode.parse(text.replace(".", "")) == code
    assert str(code) == text


@given(any_cip())
def test_the_cip_parent_chain_ends_at_the_series(text: str) -> None:
    code = CipCode.parse(text)
    chain = [code, *code.ancestors()]
    assert chain[-1] == code.series
    assert chain[-1].level is CipLevel.SERIES
    assert len(chain) == len(code.flat) // 2


@given(st.text())
def test_text_outside_the_cip_patterns_is_refused(text: str) -> None:
    if re.fullmatch(r"\s*([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{1,2}\.([0-9]{2}|[0-9]{4}))\s*", text):
        return
    with pytest.raises(InvalidCode):
        CipCode.parse(text)


# Validation helpers


def test_validate_codes_names_the_field_and_position_of_each_bad_code() -> None:
    problems = validate_codes("target_occupations", ["29-1141", "15-1252", "29-11"], SocCode.parse)
    assert problems == [
        FieldProblem("target_occupations[2]", "'29-11' is not a SOC code (expected XX-XXXX)")
    ]
    expected = "target_occupations[2]: '29-11' is not a SOC code (expected XX-XXXX)"
    assert str(InvalidInput(problems)) == expected


def test_parse_codes_returns_normalized_codes_or_raises_every_problem_at_once() -> None:
    assert parse_codes("industries", ["622110", "32"], NaicsCode.parse) == [
        NaicsCode.parse("622110"),
        NaicsCode.parse("31-33"),
    ]
    with pytest.raises(InvalidInput) as caught:
        parse_codes("programs", ["14.081", "51.3801", "x"], CipCode.parse)
    assert [p.field for p in caught.value.problems] == ["programs[0]", "programs[2]"]


# Reference data


def test_the_shipped_soc_major_groups_are_the_23_structural_ones() -> None:
    groups = json.loads((REFERENCE_DATA / "soc_major_groups.json").read_text())
    assert len(groups) == 23
    assert {SocCode.parse(g["code"]).level for g in groups} == {SocLevel.MAJOR}
    assert {g["code"][:2] for g in groups} == SOC_MAJOR_GROUPS
    assert all(g["title"].strip() for g in groups)


def test_the_shipped_naics_sectors_are_the_20_structural_ones() -> None:
    sectors = json.loads((REFERENCE_DATA / "naics_sectors.json").read_text())
    assert len(sectors) == 20
    codes = [NaicsCode.parse(s["code"]) for s in sectors]
    assert [str(c) for c in codes] == [s["code"] for s in sectors]
    assert {c.level for c in codes} == {NaicsLevel.SECTOR}
    prefixes = {p for s in sectors for p in range_prefixes(s["code"])}
    assert prefixes == NAICS_SECTORS


def range_prefixes(code: str) -> list[str]:
    """Expand "31-33" into its two-digit prefixes."""
    first, _, last = code.partition("-")
    return [str(n) for n in range(int(first), int(last or first) + 1)]
