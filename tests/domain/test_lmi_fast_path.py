"""The fast path of an observation record answers exactly what the thorough path answers.

``observation_from_record`` reads a well-formed record through ``_fast_observation`` and leaves anything odd
to ``_thorough_observation`` (every field checked, then ``validate_observation``), the reference. These
tests generate records, awkward ones included, and hold the two to the same observation (same values,
same types) or the same refusal (same fields and messages).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from api.domain.errors import InvalidInput
from api.domain.labor_market import Observation, normalize_number
from api.domain.lmi_ingest import (
    _fast_observation,
    _LeftToThoroughPath,
    _text_number,
    _thorough_observation,
    observation_from_record,
)
from tests.hypothesis_profiles import examples

REGIONS: dict[str, Any] = {"capital": None, "coast": None}
WHOLE = ("employment", "projected_employment", "annual_openings")
DECIMAL = ("growth_percent", "median_wage", "wage_p10", "wage_p25", "wage_p75", "wage_p90")

ODD_TEXTS = [
    "", " ", " 1,234 ", "1,234", "$1,234", "$34,156", "27,505", "-5", "+5", "\u22125", "\u2212$5", "1.", ".5", "1.5",
    "$1,2", "1,23", "1,2345", ",123", "$,123", "0,123", "007", "12.5%", "$12.5%", "-12.5%", "12%", "%", "$", "N/A",
    "n/a", "NA", "-", "--", "\u2014", "*", "**", "#", "null", "None", "1_000", "1e5", "0x10", "\u0661\u0662",
    "\uff11\uff12", "\u00b2", "12 345", "1,234.56", "$1,234.56", "2147483647", "2147483648", "-2147483648",
    "999999999999999", "9999999999999999", "1" * 30, "1" * 400, "nan", "inf", "\t42\n", "42\u00a0", "$ 5",
]
texts = st.one_of(
    st.sampled_from(ODD_TEXTS),
    st.builds(
        lambda pad, sign, dollar, whole, frac, pct: f"{pad}{sign}{dollar}{whole}{frac}{pct}{pad}",
        st.sampled_from(["", " "]), st.sampled_from(["", "-", "+", "\u2212"]), st.sampled_from(["", "$"]),
        st.one_of(st.integers(0, 10**12).map(lambda n: f"{n:,}"), st.integers(0, 10**12).map(str),
                  st.from_regex(r"[0-9,]{0,12}", fullmatch=True)),
        st.sampled_from(["", ".", ".5", ".25", ".0"]), st.sampled_from(["", "", "%"]),
    ),
    st.text(max_size=12),
)
figures = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**31) - 2, 2**31 + 2),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, -(2**31), 10**20, 10**400, -(10**400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 5.0, 5.5, -100.0, -100.5, 1e10, 2147483647.0, 2147483648.0, float("nan")]),
    texts,
    st.sampled_from([[1], {"n": 1}]),
)


def mostly(usual: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The usual value four times in five, any figure otherwise."""
    return st.one_of(usual, usual, usual, usual, figures)


ordered_wages = st.lists(st.floats(0, 1e6), min_size=5, max_size=5).map(sorted)


def outcome(read: Any) -> tuple[Any, ...]:
    """What reading a record gave: the observation's fields with their types, a refusal, or an exception."""
    try:
        obs = read()
    except InvalidInput as exc:
        return ("refused", [(p.field, p.message) for p in exc.problems])
    except (OverflowError, ValueError, TypeError) as exc:  # the reference's own failures, if any, must be the same
        return ("raised", type(exc).__name__, str(exc))
    assert type(obs) is Observation
    return ("read", [(f.name, type(getattr(obs, f.name)), repr(getattr(obs, f.name)))
                     for f in dataclasses.fields(Observation)])


@st.composite
def records(draw: st.DrawFn) -> dict[str, object]:
    rec: dict[str, object] = {
        "region": draw(st.sampled_from(["capital", "coast", " capital", "elsewhere", "", 7])),
        "code": draw(st.sampled_from(["29-1141", "291141", "29-1141.01", "11", "44-45", "541511", "bad", "", None])),
        "period": draw(st.sampled_from(["2024", "2024-2034", " 2024", "2034-2024", "24", "2024-2034x", None])),
        "source": draw(st.sampled_from(["careeronestop", "bls-oews", " bls", "b l s", "x" * 65, "", None])),
        "retrieved_at": draw(st.sampled_from(["2025-03-01T00:00:00Z", "2025-03-01T00:00:00+02:00",
                                              "2025-03-01T00:00:00", "yesterday", " 2025-03-01T00:00:00Z", None])),
    }
    if draw(st.booleans()):
        rec["code_kind"] = draw(st.sampled_from(["soc", "naics", "SOC", "cip", None, 3]))
    if draw(st.booleans()):
        rec["outlook"] = draw(st.sampled_from(["Bright", "bright", "Below  Average", "great", "", None, 1]))
    for name in (*WHOLE, *DECIMAL):
        if draw(st.booleans()):
            rec[name] = draw(figures)
    if draw(st.integers(0, 9)) == 0:
        rec["emplyment"] = 1
    return {k: v for k, v in rec.items() if v is not None or draw(st.booleans())}


@st.composite
def usual_records(draw: st.DrawFn) -> dict[str, object]:
    """Records like a CareerOneStop export: mostly accepted, with a figure now and then out of line."""
    p10, p25, median, p75, p90 = draw(ordered_wages)
    rec: dict[str, object] = {
        "region": "capital", "code": draw(st.sampled_from(["15-1252", "29-1141", "541511"])),
        "code_kind": draw(st.sampled_from(["soc", "soc", "naics"])), "period": "2024-2034", "source": "bls-oews",
        "retrieved_at": "2026-10-01T00:00:00+00:00",
        "employment": draw(mostly(st.integers(0, 10**6).map(lambda n: f"{n:,}"))),
        "projected_employment": draw(mostly(st.integers(0, 10**6))),
        "annual_openings": draw(mostly(st.integers(0, 10**5))),
        "growth_percent": draw(mostly(st.floats(-100, 100))),
        "median_wage": draw(mostly(st.sampled_from([f"${round(median):,}", median]))),
        "wage_p10": p10, "wage_p25": p25, "wage_p75": p75, "wage_p90": draw(mostly(st.just(p90))),
        "outlook": draw(st.sampled_from(["Bright", "Average", None])),
    }
    if rec["code_kind"] == "naics":
        rec["code"] = "541511"
    required = ("region", "code", "period", "source", "retrieved_at")
    return {k: v for k, v in rec.items() if k in required or (v is not None and draw(st.integers(0, 9)))}


@settings(max_examples=examples(1500))
@given(records())
@example({"region": "capital", "code": "29-1141", "period": "2024", "source": "bls", "employment": 1e10,
          "retrieved_at": "2025-03-01T00:00:00Z"})
@example({"region": "capital", "code": "29-1141", "period": "2024", "source": "bls", "median_wage": "1" * 400,
          "retrieved_at": "2025-03-01T00:00:00Z"})
@example({"region": "capital", "code": "29-1141", "period": "2024", "source": "bls", "wage_p10": 5.0,
          "median_wage": "$4", "retrieved_at": "2025-03-01T00:00:00Z"})
def test_any_record_reads_as_the_thorough_path_reads_it(rec: dict[str, object]) -> None:
    assert outcome(lambda: observation_from_record(rec, regions=REGIONS)) == outcome(
        lambda: _thorough_observation(rec, REGIONS))


@settings(max_examples=examples(1500))
@given(usual_records())
def test_usual_records_read_as_the_thorough_path_reads_them(rec: dict[str, object]) -> None:
    assert outcome(lambda: observation_from_record(rec, regions=REGIONS)) == outcome(
        lambda: _thorough_observation(rec, REGIONS))


@settings(max_examples=examples(1000))
@given(st.one_of(records(), usual_records()))
def test_the_fast_path_accepts_only_what_the_thorough_path_accepts_as_the_same_observation(
    rec: dict[str, object],
) -> None:
    try:
        fast = _fast_observation(rec, REGIONS)
    except _LeftToThoroughPath:
        return
    assert outcome(lambda: fast) == outcome(lambda: _thorough_observation(rec, REGIONS))


def test_the_usual_careeronestop_record_takes_the_fast_path() -> None:
    rec = {"region": "capital", "code": "15-6271", "period": "2022", "source": "bls-oews",
           "retrieved_at": "2026-10-01T00:00:00+00:00", "employment": "27,505", "projected_employment": 27701,
           "annual_openings": 371, "growth_percent": 11.5, "median_wage": "$34,156", "wage_p10": 23909.2,
           "wage_p90": 51234.0, "outlook": "Bright"}
    fast = _fast_observation(rec, REGIONS)
    assert outcome(lambda: fast) == outcome(lambda: _thorough_observation(rec, REGIONS))
    assert fast.employment == 27505 and type(fast.median_wage) is float and fast.median_wage == 34156.0


@settings(max_examples=examples(3000))
@given(texts)
@example("1" * 5000)
def test_a_figure_written_as_text_reads_as_normalize_number_reads_it(text: str) -> None:
    try:
        expected: Any = normalize_number(text)
    except ValueError:
        expected = _LeftToThoroughPath
    try:
        got: Any = _text_number(text)
    except _LeftToThoroughPath:
        got = _LeftToThoroughPath
    assert (type(got), got) == (type(expected), expected)

