"""The row an observation is copied as: the same values the enum-reading version wrote."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.domain.codes import NaicsCode, SocCode
from api.domain.labor_market import Observation, Outlook
from api.repositories.labor_market import COLUMNS, _record


@pytest.mark.parametrize("code", [SocCode.parse("29-1141"), NaicsCode.parse("541511")])
@pytest.mark.parametrize("outlook", [None, *Outlook])
def test_an_observation_is_copied_with_its_code_kind_and_outlook_as_text(code, outlook) -> None:
    o = Observation(region="capital", code=code, period="2024-2034", source="bls", outlook=outlook,
                    retrieved_at=datetime(2026, 10, 1, tzinfo=UTC), employment=5, median_wage=1.5, wage_p90=2.0)
    row = _record(o)
    assert len(row) == len(COLUMNS)
    assert row == (
        o.region, o.code_kind.value, o.code.value, o.period, o.source, o.retrieved_at, o.employment,
        o.projected_employment, o.annual_openings, o.growth_percent, o.median_wage, o.wage_p10, o.wage_p25,
        o.wage_p75, o.wage_p90, o.outlook.value if o.outlook else None,
    )
    assert type(row[1]) is str and (row[15] is None or type(row[15]) is str)
