"""The fast serialization of a gap report says exactly what the ``GapReport`` DTO says, whatever the figures."""

from __future__ import annotations

from datetime import date
from enum import IntEnum
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticSerializationError

from api.domain.gap_reports import summarise_gaps
from api.domain.gaps import Gap, GapKind, Severity
from api.domain.recruiting import GapCandidate
from api.schemas.systems import GapOut, GapReport, GapSummaryOut, gap_report_json
from tests.hypothesis_profiles import examples

SYSTEM = UUID("6f1c2b9e-3d4a-4c5b-8e7f-9a0b1c2d3e4f")
AS_OF = date(2026, 11, 23)


class Rank(IntEnum):
    FIRST = 1


def _dto_json(gaps: list[Gap], system_id: UUID = SYSTEM) -> bytes:
    return GapReport(system_id=system_id, as_of=AS_OF, summary=GapSummaryOut.model_validate(summarise_gaps(gaps)),
                     gaps=[GapOut.model_validate(g) for g in gaps]).model_dump_json().encode()


figure_values = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.integers(),  # beyond 64 bits too
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
    st.booleans(),
    st.sampled_from([Rank.FIRST, 0.0, -0.0, 1e16, 5e-324, "\u2028\x00\x1f\"\\/", "é😀"]),
)
gaps_st = st.lists(st.builds(
    Gap, kind=st.sampled_from(GapKind), severity=st.sampled_from(Severity), subject=st.text(),
    explanation=st.text(), recommendation=st.text(),
    figures=st.dictionaries(st.text(max_size=12), figure_values, max_size=6), subject_label=st.text(),
    candidates=st.lists(st.builds(
        GapCandidate, partner_id=st.uuids(), name=st.text(), partner_type=st.text(), partner_type_label=st.text(),
        member=st.booleans(), score=st.integers(min_value=0, max_value=100), reasons=st.lists(st.text()).map(tuple),
        distance_km=st.one_of(st.none(), st.floats(min_value=0, max_value=20_000), st.integers(0, 500).map(float)),
    ), max_size=3).map(tuple),
), max_size=6)


@given(gaps=gaps_st)
@settings(max_examples=examples(300), deadline=None)
def test_report_json_is_byte_for_byte_the_dto_json(gaps: list[Gap]):
    assert gap_report_json(SYSTEM, AS_OF, gaps) == _dto_json(gaps)


def test_an_empty_report_and_the_usual_figures_are_the_dto_json():
    gaps = [
        Gap(kind=GapKind.TRAINING_CAPACITY, severity=Severity.HIGH, subject="29-1141",
            explanation="Registered Nurses (29-1141) has 530 annual openings", recommendation="Expand programs",
            figures={"annual_openings": 530, "capacity": 120, "shortfall": 410, "sources": "state_lmi",
                     "retrieved_at": "2026-10-01T00:00:00+00:00", "providers": "Cascade CC: Nursing (120)"}),
        Gap(kind=GapKind.FUNDING, severity=Severity.MEDIUM, subject="grant_only_dependence", explanation="All grant",
            recommendation="Braid", figures={"total": "1000.00", "grant_share": 1.0}),
        Gap(kind=GapKind.TEAM_COMPOSITION, severity=Severity.HIGH, subject="intermediary", explanation="None",
            recommendation="Designate one"),
        Gap(kind=GapKind.UNSERVED_POPULATION, severity=Severity.HIGH, subject="veteran", subject_label="Veterans",
            explanation="Nobody serves Veterans", recommendation="Bring on a partner",
            candidates=(GapCandidate(partner_id=uuid4(), name="Brightwater Veterans Office",
                                     partner_type="veterans_services", partner_type_label="Veterans services",
                                     member=False, score=100, reasons=("serves Veterans",), distance_km=4.0),
                        GapCandidate(partner_id=uuid4(), name="Member", partner_type="workforce_agency",
                                     partner_type_label="Workforce agency", member=True, score=60, reasons=()))),
    ]
    for found in ([], gaps):
        assert gap_report_json(SYSTEM, AS_OF, found) == _dto_json(found)
    system_id = uuid4()
    assert gap_report_json(system_id, AS_OF, gaps) == _dto_json(gaps, system_id)


def test_text_json_cannot_hold_fails_as_the_dto_fails():
    gap = Gap(kind=GapKind.FUNDING, severity=Severity.LOW, subject="\ud800", explanation="", recommendation="")
    with pytest.raises(PydanticSerializationError):
        _dto_json([gap])
    with pytest.raises(PydanticSerializationError):
        gap_report_json(SYSTEM, AS_OF, [gap])
