"""The example LMI script: it normalizes recorded CareerOneStop responses and pushes them through our API.

The source is ``httpx.MockTransport`` serving recorded responses; the push goes to the real application
through ``httpx.ASGITransport``. No network.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from tests.conftest import add_region, mint_key

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
NOW = datetime(2026, 9, 30, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pull_lmi", ROOT / "examples" / "pull_lmi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["pull_lmi"] = module
    spec.loader.exec_module(module)
    return module


def recorded(code: str) -> dict:
    return json.loads((FIXTURES / f"careeronestop_occupation_{code}_OR.json").read_text())


@pytest.mark.parametrize(("text", "number"), [
    ("41,230", 41230), ("$86,070", 86070), ("$86,070.50", 86070.5), ("9%", 9), ("-2.5", -2.5), (1200, 1200),
    ("N/A", None), ("*", None), ("", None), (None, None),
])
def test_figures_read_as_numbers_and_suppression_marks_as_nothing(example, text, number):
    assert example.parse_number(text) == number


def test_text_that_is_not_a_figure_is_refused(example):
    with pytest.raises(ValueError, match="not a number"):
        example.parse_number("lots")


def test_a_response_becomes_a_projection_and_a_wage_observation_using_the_annual_row(example):
    records = example.observations_from_response(recorded("29-1141"), region="or-test", stfips="41",
                                                 retrieved_at=NOW)
    stamp = NOW.isoformat()
    base = {"region": "or-test", "code_kind": "soc", "code": "29-1141", "source": "careeronestop",
            "retrieved_at": stamp}
    assert records == [
        {**base, "period": "2022-2032", "employment": 41230, "projected_employment": 44960, "growth_percent": 9,
         "annual_openings": 2930, "outlook": "Bright"},
        {**base, "period": "2023", "median_wage": 113000.0, "wage_p10": 82060.0, "wage_p25": 96120.0,
         "wage_p75": 128690.0, "wage_p90": 141650.0},
    ]


def test_regional_wages_beat_state_ones_and_an_hourly_row_is_annualized_only_without_an_annual_one(example):
    [_, wages] = example.observations_from_response(recorded("51-4121"), region="or-test", stfips="41",
                                                    retrieved_at=NOW)
    assert wages["median_wage"] == 25.40 * 2080
    assert "wage_p90" not in wages, "a suppressed figure is left out"


async def test_the_script_pulls_recorded_responses_and_pushes_them_through_our_api(example, app, client, clean_db):
    await add_region(client, "or-test")
    key = await mint_key(clean_db, Scope.LMI_WRITE, jurisdiction=Jurisdiction(state="OR"), name="LMI job")
    asked: list[str] = []

    def careeronestop(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer c1s-token"
        _, _, _, user, keyword, location = request.url.path.split("/")
        assert (user, location) == ("user-123", "OR")
        assert request.url.params["wages"] == "true" and request.url.params["projectedEmployment"] == "true"
        asked.append(keyword)
        return httpx.Response(200, json=recorded(keyword))

    env = {"CAREERONESTOP_USER_ID": "user-123", "CAREERONESTOP_TOKEN": "c1s-token", "PATHWAYS_API_KEY": key,
           "PATHWAYS_API_URL": "http://pathways.test"}

    async def pull() -> dict:
        return await example.run(["--region", "or-test", "--location", "OR", "29-1141", "51-4121"], environ=env,
                                 source_transport=httpx.MockTransport(careeronestop),
                                 api_transport=httpx.ASGITransport(app=app), now=NOW)

    report = await pull()
    assert asked == ["29-1141", "51-4121"]
    assert (report["created"], report["rejected"]) == (4, 0)
    again = await pull()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)

    listed = (await client.get("/v1/labor-market/observations", params={"code": "29-1141"})).json()["items"]
    projection = next(o for o in listed if o["period"] == "2022-2032")
    assert (projection["annual_openings"], projection["employment"], projection["growth_percent"]) == (2930, 41230, 9)
    assert projection["source"] == "careeronestop"
    assert projection["retrieved_at"].startswith("2026-09-30T15:00:00")


async def test_a_refusal_from_our_api_surfaces_as_an_error(example, app, client, clean_db):
    key = await mint_key(clean_db, Scope.LMI_WRITE, jurisdiction=Jurisdiction(state="OR"))
    env = {"PATHWAYS_API_KEY": key, "PATHWAYS_API_URL": "http://pathways.test"}
    saved = str(FIXTURES / "careeronestop_occupation_29-1141_OR.json")
    with pytest.raises(RuntimeError, match="unknown region"):
        await example.run(["--region", "nowhere", "--location", "OR", "--from-file", saved], environ=env,
                          api_transport=httpx.ASGITransport(app=app), now=NOW)
