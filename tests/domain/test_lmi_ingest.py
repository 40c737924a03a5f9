"""Reading labour market records one line at a time: observations, titles, and the report of a bulk load."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.bulk import BulkReport, LineProblem
from api.domain.codes import NaicsCode, SocCode
from api.domain.errors import FieldProblem, InvalidInput
from api.domain.labor_market import Outlook
from api.domain.lmi_ingest import (
    TitleScheme,
    observation_from_record,
    observation_key,
    title_from_record,
)
from api.domain.reference import Region

REGIONS = {"capital": Region(code="capital", name="Capital", state="OR")}


def record(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "region": "capital", "code": "29-1141", "period": "2024-2034", "source": "careeronestop",
        "retrieved_at": "2025-03-01T00:00:00Z", "employment": "5,000", "annual_openings": "400",
        "growth_percent": "6.0%", "median_wage": "$86,070", "wage_p10": "63,720", "outlook": "bright",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def fields_of(exc: pytest.ExceptionInfo[InvalidInput]) -> set[str]:
    return {p.field for p in exc.value.problems}


def test_a_careeronestop_style_record_reads_as_an_observation() -> None:
    obs = observation_from_record(record(), regions=REGIONS)
    assert obs.code == SocCode.parse("29-1141")
    assert (obs.employment, obs.annual_openings, obs.growth_percent) == (5000, 400, 6.0)
    assert (obs.median_wage, obs.wage_p10, obs.outlook) == (86070.0, 63720.0, Outlook.BRIGHT)
    assert obs.retrieved_at == datetime(2025, 3, 1, tzinfo=UTC)
    assert observation_key(obs) == ("capital", "soc", "29-1141", "2024-2034", "careeronestop")


def test_the_code_kind_says_how_to_read_the_code() -> None:
    obs = observation_from_record(record(code="32", code_kind="NAICS"), regions=REGIONS)
    assert obs.code == NaicsCode.parse("31-33")
    assert observation_from_record(record(code="291141"), regions=REGIONS).code.value == "29-1141"


def test_every_problem_of_a_record_is_named_by_its_field() -> None:
    bad = record(code="29-11", region="elsewhere", period="soon", source="", retrieved_at="2025-03-01T00:00:00",
                 employment="lots", annual_openings="12.5", outlook="rosy", extra="x")
    with pytest.raises(InvalidInput) as exc:
        observation_from_record(bad, regions=REGIONS)
    assert fields_of(exc) == {"code", "region", "period", "source", "retrieved_at", "employment",
                              "annual_openings", "outlook", "extra"}


def test_a_code_kind_other_than_soc_or_naics_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        observation_from_record(record(code_kind="cip"), regions=REGIONS)
    assert fields_of(exc) == {"code_kind"}


def test_figures_of_the_wrong_type_are_refused_not_crashed_on() -> None:
    with pytest.raises(InvalidInput) as exc:
        observation_from_record(record(employment=[1], median_wage={"a": 1}, growth_percent=True, outlook=3),
                                regions=REGIONS)
    assert fields_of(exc) == {"employment", "median_wage", "growth_percent", "outlook"}


def test_implausible_figures_are_refused_by_the_domain_rules() -> None:
    with pytest.raises(InvalidInput) as exc:
        observation_from_record(record(wage_p10="$90,000", annual_openings="-4"), regions=REGIONS)
    assert fields_of(exc) == {"median_wage", "annual_openings"}


def test_retrieval_time_is_required_for_provenance() -> None:
    with pytest.raises(InvalidInput) as exc:
        observation_from_record(record(retrieved_at=None), regions=REGIONS)
    assert fields_of(exc) == {"retrieved_at"}


@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_a_whole_figure_written_with_separators_reads_back_exactly(n: int) -> None:
    obs = observation_from_record(record(employment=f"{n:,}"), regions=REGIONS)
    assert obs.employment == n


def test_titles_normalize_their_codes_and_know_their_level() -> None:
    soc = title_from_record({"scheme": "SOC", "code": "291141", "title": " Registered Nurses "})
    assert (soc.scheme, soc.code, soc.title, soc.level) == (TitleScheme.SOC, "29-1141", "Registered Nurses",
                                                            "detailed")
    cip = title_from_record({"code": "1.0101", "title": "Agricultural Business"}, default_scheme=TitleScheme.CIP)
    assert (cip.code, cip.level) == ("01.0101", "program")
    naics = title_from_record({"scheme": "naics", "code": "44", "title": "Retail Trade", "notes": "ignored"})
    assert (naics.code, naics.level) == ("44-45", "sector")


def test_an_onet_specialty_is_not_filed_as_a_soc_title() -> None:
    with pytest.raises(InvalidInput) as exc:
        title_from_record({"scheme": "soc", "code": "29-1141.01", "title": "Acute Care Nurses"})
    assert fields_of(exc) == {"code"}


def test_a_title_without_a_scheme_needs_a_default() -> None:
    with pytest.raises(InvalidInput) as exc:
        title_from_record({"code": "62", "title": "Health Care"})
    assert fields_of(exc) == {"scheme"}


def test_a_refused_load_names_every_line_and_field_and_counts_those_not_listed() -> None:
    report = BulkReport(lines=3)
    report.reject(2, [FieldProblem("code", "bad")])
    report.reject(3, [FieldProblem("", "not JSON")])
    assert report.problems == [LineProblem(line=2, field="code", message="bad"),
                               LineProblem(line=3, field="", message="not JSON")]
    refusal = report.refusal()
    assert [(p.line, p.field) for p in refusal.problems] == [(2, "code"), (3, "")]
    assert refusal.detail == "2 of 3 lines are invalid (2, 3); nothing was written"


def test_a_report_lists_at_most_a_thousand_problems() -> None:
    report = BulkReport(lines=1500)
    for line in range(1500):
        report.reject(line + 1, [FieldProblem("code", "bad")])
    assert report.rejected == 1500 and len(report.problems) == 1000
    assert "500 more rejected lines are not listed" in report.refusal().detail
