"""Labour market information over REST: bulk loads, provenance, in-demand occupations and the training gap."""

from __future__ import annotations

import json

import httpx
import pytest

from api.domain.access import Scope
from api.domain.partners import Jurisdiction
from api.repositories.database import Database
from tests.conftest import add_region, mint_key, partner_body

NDJSON = {"content-type": "application/x-ndjson"}
RETRIEVED = "2026-09-30T12:00:00+00:00"


def observation(**overrides: object) -> dict[str, object]:
    """Registered nurses in the test region, 2024-2034, as an LMI script would send them."""
    record: dict[str, object] = {
        "region": "or-test", "code": "29-1141", "period": "2024-2034", "source": "careeronestop",
        "retrieved_at": RETRIEVED, "employment": "3,120", "projected_employment": "3,310", "annual_openings": 400,
        "growth_percent": "6.1%", "median_wage": "$98,630", "wage_p10": 72_000, "wage_p90": "$131,000",
        "outlook": "Bright",
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not None}


def ndjson(*records: dict[str, object]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


async def _ingest(client: httpx.AsyncClient, body: bytes, **params: str) -> httpx.Response:
    return await client.post("/v1/labor-market/observations", content=body, headers=NDJSON, params=params)


async def _partner(client: httpx.AsyncClient, name: str, partner_type: str = "educational_institution",
                   **extra: object) -> str:
    r = await client.post("/v1/partners", json=partner_body(name=name, partner_type=partner_type, **extra))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _program(client: httpx.AsyncClient, partner: str, capacity: int, occupations: list[str],
                   name: str = "Nursing ADN") -> None:
    r = await client.post(f"/v1/partners/{partner}/services", json={
        "name": name, "category": "occupational_training", "capacity": capacity, "occupations": occupations,
        "program_cip": "513801", "regions": ["or-test"]})
    assert r.status_code == 201, r.text


async def _system(client: httpx.AsyncClient, **extra: object) -> str:
    body = {"name": "Test Valley Pathways", "level": "local", "jurisdiction": {"state": "OR", "local_area": "or-test"},
            "regions": ["or-test"], **extra}
    r = await client.post("/v1/systems", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _join(client: httpx.AsyncClient, system: str, partner: str) -> None:
    r = await client.post(f"/v1/systems/{system}/members",
                          json={"partner_id": partner, "representative": "Pat Doe", "team": "operations"})
    assert r.status_code == 201, r.text


async def _training_gaps(client: httpx.AsyncClient, system: str) -> list[dict]:
    r = await client.get(f"/v1/systems/{system}/gaps")
    assert r.status_code == 200, r.text
    return [g for g in r.json()["gaps"] if g["kind"] == "training_capacity"]


@pytest.fixture
async def region(client: httpx.AsyncClient) -> str:
    await add_region(client, "or-test")
    return "or-test"


# --- the scenario of the issue --------------------------------------------------------------------------


async def test_nurses_with_400_openings_and_120_seats_show_a_gap_of_280_cleared_by_a_college_program_of_300(
    client, region
):
    assert (await _ingest(client, ndjson(observation()))).status_code == 200
    system = await _system(client, target_occupations=["29-1141"])
    board = await _partner(client, "Test Valley WorkSource", "workforce_agency")
    await _program(client, board, 120, ["29-1141"], name="CNA to RN bridge")
    await _join(client, system, board)

    [gap] = await _training_gaps(client, system)
    assert gap["subject"] == "29-1141"
    assert gap["severity"] == "high"
    figures = gap["figures"]
    assert (figures["annual_openings"], figures["capacity"], figures["shortfall"]) == (400, 120, 280)
    assert figures["sources"] == "careeronestop"
    assert figures["periods"] == "2024-2034"
    assert figures["retrieved_at"].startswith("2026-09-30T12:00:00")
    assert "Test Valley WorkSource" in figures["providers"]
    assert "280 short" in gap["explanation"]

    college = await _partner(client, "Cascade Community College")
    await _program(client, college, 300, ["29-1141"])
    await _join(client, system, college)
    assert await _training_gaps(client, system) == []


async def test_a_system_without_target_occupations_weighs_the_in_demand_ones(client, region):
    body = ndjson(observation(), observation(code="51-4121", annual_openings=40, growth_percent="2%"))
    assert (await _ingest(client, body)).status_code == 200
    system = await _system(client)
    gaps = await _training_gaps(client, system)
    assert [g["subject"] for g in gaps] == ["29-1141"], "welders (40 openings, 2% growth) are not in demand"
    assert gaps[0]["figures"]["basis"] == "in_demand"
    assert gaps[0]["figures"]["capacity"] == 0


async def test_a_target_occupation_without_figures_is_a_low_gap_asking_for_data(client, region):
    system = await _system(client, target_occupations=["51-4121"])
    [gap] = await _training_gaps(client, system)
    assert gap["severity"] == "low"
    assert gap["figures"]["regions_without_data"] == "or-test"


async def test_seats_of_a_program_offered_in_two_regions_count_once(client, region):
    await add_region(client, "or-other")
    body = ndjson(observation(), observation(region="or-other", annual_openings=100))
    assert (await _ingest(client, body)).status_code == 200
    system = await _system(client, target_occupations=["29-1141"], regions=["or-test", "or-other"])
    college = await _partner(client, "Cascade Community College")
    r = await client.post(f"/v1/partners/{college}/services", json={
        "name": "Nursing", "category": "occupational_training", "capacity": 150, "occupations": ["29-1141"],
        "regions": ["or-test", "or-other"]})
    assert r.status_code == 201, r.text
    await _join(client, system, college)
    [gap] = await _training_gaps(client, system)
    assert (gap["figures"]["annual_openings"], gap["figures"]["capacity"], gap["figures"]["shortfall"]) == (
        500, 150, 350)


# --- bulk ingest ----------------------------------------------------------------------------------------


async def test_ingest_reports_created_then_re_ingesting_the_same_body_changes_nothing(client, region, clean_db):
    body = ndjson(observation(), observation(code="51-4121"), observation(period="2023"))
    first = await _ingest(client, body)
    assert first.status_code == 200, first.text
    assert {k: first.json()[k] for k in ("lines", "created", "updated", "unchanged", "rejected")} == {
        "lines": 3, "created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    async with clean_db.pool.acquire() as conn:
        stamps = await conn.fetch("SELECT updated_at FROM labor_market_observations ORDER BY code, period")
    again = (await _ingest(client, body)).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    async with clean_db.pool.acquire() as conn:
        assert await conn.fetch("SELECT updated_at FROM labor_market_observations ORDER BY code, period") == stamps
    changed = (await _ingest(client, ndjson(observation(annual_openings=410)))).json()
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 0)


async def test_figures_arrive_as_text_with_separators_and_leave_as_numbers_with_provenance(client, region):
    await _ingest(client, ndjson(observation()))
    [item] = (await client.get("/v1/labor-market/observations")).json()["items"]
    assert item["employment"] == 3120 and item["median_wage"] == 98630.0 and item["growth_percent"] == 6.1
    assert (item["source"], item["period"]) == ("careeronestop", "2024-2034")
    assert item["retrieved_at"].startswith("2026-09-30T12:00:00")
    assert item["title"] is None
    assert item["outlook"] == "Bright"


async def test_one_invalid_line_rejects_the_whole_body_with_a_422_naming_each_line_and_field(client, region):
    body = ndjson(observation(), observation(code="29-11"), observation(region="nowhere", employment="lots"))
    body += b"not json\n"
    r = await _ingest(client, body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    fields = {(e["line"], e["field"]) for e in r.json()["errors"]}
    assert {(2, "code"), (3, "region"), (3, "employment"), (4, "")} <= fields
    assert r.json()["report"]["problems"] == r.json()["errors"], "the same problems as a skip report"
    assert (r.json()["report"]["lines"], r.json()["report"]["rejected"]) == (4, 3)
    assert "nothing was written" in r.json()["detail"]
    assert (await client.get("/v1/labor-market/observations")).json()["items"] == []


async def test_on_error_skip_applies_the_valid_lines_and_reports_the_others(client, region):
    body = ndjson(observation(), observation(code="29-11"), observation(code="51-4121", bogus=1))
    r = await _ingest(client, body, on_error="skip")
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["created"], report["rejected"]) == (1, 2)
    assert {(p["line"], p["field"]) for p in report["problems"]} == {(2, "code"), (3, "bogus")}


async def test_a_whole_figure_out_of_range_is_refused_whether_written_as_an_integer_or_a_float(client, region):
    # A float such as 1e10 once slipped past the fast path and failed in COPY as a 500.
    body = ndjson(observation(employment=1e10), observation(code="51-4121", annual_openings=2**31))
    r = await _ingest(client, body)
    assert r.status_code == 422, r.text
    assert {(e["line"], e["field"], e["message"]) for e in r.json()["errors"]} == {
        (1, "employment", "is too large"), (2, "annual_openings", "is too large")}


async def test_a_figure_with_more_digits_than_a_float_holds_is_refused_and_nothing_is_written(client, region):
    # Such a text once raised OverflowError on both paths: a 500.
    body = ndjson(observation(median_wage="1" * 400), observation(code="51-4121", employment="9" * 400),
                  observation(code="43-4051"))
    r = await _ingest(client, body)
    assert r.status_code == 422, r.text
    assert {(e["line"], e["field"], e["message"]) for e in r.json()["errors"]} == {
        (1, "median_wage", "is too large"), (2, "employment", "is too large")}
    assert (await client.get("/v1/labor-market/observations")).json()["items"] == []


async def test_a_later_line_with_the_same_key_supersedes_an_earlier_one(client, region):
    r = await _ingest(client, ndjson(observation(annual_openings=1), observation(annual_openings=2)))
    assert (r.json()["created"], r.json()["duplicates"]) == (1, 1)
    [item] = (await client.get("/v1/labor-market/observations")).json()["items"]
    assert item["annual_openings"] == 2


async def test_batches_are_written_as_they_fill_and_an_atomic_failure_still_writes_nothing(app, client, region):
    app.state.settings = app.state.settings.model_copy(update={"lmi_batch_rows": 2})
    good = [observation(period=str(2000 + i)) for i in range(5)]
    r = await _ingest(client, ndjson(*good))
    assert r.json()["created"] == 5
    r = await _ingest(client, ndjson(*[observation(period=str(2010 + i)) for i in range(5)], observation(code="x")))
    assert r.status_code == 422
    assert len((await client.get("/v1/labor-market/observations", params={"limit": 100})).json()["items"]) == 5


async def test_an_oversized_line_is_rejected_by_number_without_buffering_it(app, client, region):
    app.state.settings = app.state.settings.model_copy(update={"max_ndjson_line_bytes": 2048})
    huge = observation(source="x" * 5000)
    r = await _ingest(client, ndjson(observation(), huge))
    assert r.status_code == 422
    assert r.json()["errors"] == [{"line": 2, "field": "", "message": "the line exceeds 2048 bytes"}]


async def test_bulk_bodies_may_exceed_the_json_body_limit(client, region):
    # The test app limits JSON bodies to 1 MiB; a bulk load streams and takes more.
    rows = [observation(period=str(1900 + i % 120), source=f"s{i // 120}") for i in range(5000)]
    body = ndjson(*rows)
    assert len(body) > 1024 * 1024
    r = await _ingest(client, body)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 5000


async def test_an_unsupported_content_type_is_415(client, region):
    r = await client.post("/v1/labor-market/observations", content=b"a,b\n", headers={"content-type": "text/csv"})
    assert r.status_code == 415
    assert r.headers["content-type"] == "application/problem+json"


async def test_loading_needs_the_lmi_scope_and_stays_inside_the_keys_jurisdiction(anon_client, client, region,
                                                                                  clean_db: Database):
    await add_region(client, "wa-test", state="WA")
    read_key = await mint_key(clean_db, Scope.DIRECTORY_READ, jurisdiction=Jurisdiction(state="OR"))
    reader = {"Authorization": f"Bearer {read_key}"}
    r = await anon_client.post("/v1/labor-market/observations", content=ndjson(observation()),
                               headers={**NDJSON, **reader})
    assert r.status_code == 403
    oregon = await mint_key(clean_db, Scope.LMI_WRITE, jurisdiction=Jurisdiction(state="OR"))
    headers = {**NDJSON, "Authorization": f"Bearer {oregon}"}
    r = await anon_client.post("/v1/labor-market/observations", content=ndjson(observation()), headers=headers)
    assert r.status_code == 200, r.text
    r = await anon_client.post("/v1/labor-market/observations", params={"on_error": "skip"}, headers=headers,
                               content=ndjson(observation(code="51-4121"), observation(region="wa-test")))
    assert r.status_code == 403
    assert "line 2" in r.json()["detail"]
    assert len((await anon_client.get("/v1/labor-market/observations")).json()["items"]) == 1
    audit = (await client.get("/v1/audit", params={"kind": "labor_market_observations"})).json()["items"]
    assert [(e["action"], e["changes"]["created"]["new"]) for e in audit] == [("ingest", 1)]


# --- reading --------------------------------------------------------------------------------------------


async def test_observations_filter_with_and_and_page_by_cursor(client, region):
    rows = [observation(code=code, period=period) for code in ("29-1141", "51-4121", "31-1131")
            for period in ("2023", "2024-2034")]
    await _ingest(client, ndjson(*rows, observation(code="622110", code_kind="naics")))
    seen, cursor = [], None
    while True:
        r = await client.get("/v1/labor-market/observations",
                             params={"limit": 2, "code_kind": "soc", **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        seen += [(i["code"], i["period"]) for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
        assert 'rel="next"' in r.headers["link"]
    assert seen == sorted((c, p) for c in ("29-1141", "31-1131", "51-4121") for p in ("2023", "2024-2034"))
    only = (await client.get("/v1/labor-market/observations", params={"code": "291141", "period": "2023"})).json()
    assert [(i["code"], i["period"]) for i in only["items"]] == [("29-1141", "2023")]
    naics = (await client.get("/v1/labor-market/observations", params={"code_kind": "naics", "code": "622110"}))
    assert [i["code_kind"] for i in naics.json()["items"]] == ["naics"]


async def test_invalid_codes_and_cursors_in_queries_are_422_naming_the_parameter(client, region):
    r = await client.get("/v1/labor-market/observations", params={"code": "29-11"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"
    r = await client.get("/v1/labor-market/observations", params={"cursor": "bogus"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "cursor"
    r = await client.get("/v1/labor-market/observations", params={"regoin": "or-test"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "regoin"


async def test_in_demand_occupations_follow_the_thresholds(client, region):
    await _ingest(client, ndjson(
        observation(),  # 400 openings
        observation(code="51-4121", annual_openings=40, growth_percent="12%"),  # fast growth
        observation(code="31-1131", annual_openings=30, growth_percent="1%"),  # neither
    ))
    r = await client.get("/v1/labor-market/in-demand", params={"region": "or-test"})
    assert r.status_code == 200, r.text
    assert [i["code"] for i in r.json()["items"]] == ["29-1141", "51-4121"]
    assert r.json()["rule"] == {"min_annual_openings": 100, "min_growth_percent": 10.0}
    strict = await client.get("/v1/labor-market/in-demand", params={"region": "or-test", "min_annual_openings": 500,
                                                                    "min_growth_percent": 50})
    assert strict.json()["items"] == []
    assert (await client.get("/v1/labor-market/in-demand")).status_code == 422


async def test_in_demand_thresholds_are_settings(app, client, region):
    app.state.settings = app.state.settings.model_copy(update={"in_demand_min_annual_openings": 1000,
                                                               "in_demand_min_growth_percent": None})
    await _ingest(client, ndjson(observation()))
    r = await client.get("/v1/labor-market/in-demand", params={"region": "or-test"})
    assert r.json()["items"] == []
    assert await _training_gaps(client, await _system(client)) == []


async def test_a_partners_labor_market_follows_its_regions_occupations_and_industries(client, region):
    hospital = await _partner(client, "Valley Hospital", "employer", industries=["622110"])
    await _program(client, hospital, 12, ["29-1141"], name="Nurse residency")
    await _ingest(client, ndjson(
        observation(),
        observation(code="29-1000"),  # the minor group above the occupation
        observation(code="51-4121"),  # not this partner's occupation
        observation(code="62", code_kind="naics", annual_openings=900),  # its sector
        observation(code="622110", code_kind="naics"),
        observation(code="311", code_kind="naics"),  # another industry
    ))
    r = await client.get(f"/v1/partners/{hospital}/labor-market")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["regions"] == ["or-test"]
    assert body["industries"] == ["622110", "62211", "6221", "622", "62"]
    assert "29-1141" in body["occupations"] and "29-0000" in body["occupations"]
    got = sorted((o["code_kind"], o["code"]) for o in body["observations"])
    assert got == [("naics", "62"), ("naics", "622110"), ("soc", "29-1000"), ("soc", "29-1141")]
    titles = {o["code"]: o["title"] for o in body["observations"]}
    assert titles["62"] == "Health Care and Social Assistance"
    assert all(o["source"] == "careeronestop" and o["retrieved_at"] for o in body["observations"])
    assert (await client.get(f"/v1/partners/{'0' * 8}-0000-0000-0000-{'0' * 12}/labor-market")).status_code == 404


async def test_employer_industries_are_naics_codes_normalized_and_invalid_ones_are_422(client, region):
    r = await client.post("/v1/partners", json=partner_body(partner_type="employer", industries=["32", "622110"]))
    assert r.status_code == 201, r.text
    assert r.json()["industries"] == ["31-33", "622110"]
    pid = r.json()["id"]
    r = await client.patch(f"/v1/partners/{pid}", json={"industries": ["62", "99"]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "industries[1]"
    r = await client.patch(f"/v1/partners/{pid}", json={"industries": ["622"]})
    assert r.json()["industries"] == ["622"]


# --- titles ---------------------------------------------------------------------------------------------


async def test_the_service_ships_soc_major_groups_and_naics_sectors(anon_client, client):
    majors = (await anon_client.get("/v1/reference/occupations", params={"limit": 500})).json()["items"]
    assert len(majors) == 23 and majors[0] == {"scheme": "soc", "code": "11-0000",
                                               "title": "Management Occupations", "level": "major"}
    sectors = (await anon_client.get("/v1/reference/industries", params={"limit": 500})).json()["items"]
    assert {"code": "31-33", "title": "Manufacturing"}.items() <= next(s for s in sectors
                                                                        if s["code"] == "31-33").items()
    assert len(sectors) == 20


async def test_titles_load_as_ndjson_or_csv_and_feed_observations(client, region):
    body = ndjson({"scheme": "soc", "code": "291141", "title": "Registered Nurses"},
                  {"scheme": "cip", "code": "513801", "title": "Registered Nursing/Registered Nurse"})
    r = await client.post("/v1/labor-market/titles", content=body, headers=NDJSON)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    csv_body = (b'code,title,description\r\n622110,"General Medical and Surgical Hospitals",x\r\n'
                b'"622","Hospitals, with a comma\nand a line break",y\r\n')
    r = await client.post("/v1/labor-market/titles", params={"scheme": "naics"}, content=csv_body,
                          headers={"content-type": "text/csv"})
    assert r.status_code == 200, r.text
    assert (r.json()["lines"], r.json()["created"]) == (2, 2)
    r = await client.post("/v1/labor-market/titles", params={"scheme": "naics"}, content=csv_body,
                          headers={"content-type": "text/csv"})
    assert (r.json()["created"], r.json()["unchanged"]) == (0, 2)
    found = (await client.get("/v1/reference/industries", params={"q": "hospitals"})).json()["items"]
    assert [(t["code"], t["level"]) for t in found] == [("622", "subsector"), ("622110", "national_industry")]
    assert found[0]["title"] == "Hospitals, with a comma\nand a line break"
    programs = (await client.get("/v1/reference/programs")).json()["items"]
    assert programs == [{"scheme": "cip", "code": "51.3801", "title": "Registered Nursing/Registered Nurse",
                         "level": "program"}]
    await _ingest(client, ndjson(observation()))
    [item] = (await client.get("/v1/labor-market/observations")).json()["items"]
    assert item["title"] == "Registered Nurses"


async def test_invalid_titles_are_422_naming_line_and_field_and_only_admins_load_them(client, anon_client, region,
                                                                                     clean_db):
    r = await client.post("/v1/labor-market/titles", content=ndjson(
        {"scheme": "soc", "code": "29-1141.01", "title": "Acute Care Nurses"}, {"scheme": "isco", "code": "1"},
    ), headers=NDJSON)
    assert r.status_code == 422
    assert {(e["line"], e["field"]) for e in r.json()["errors"]} == {(1, "code"), (2, "scheme"), (2, "title")}
    lmi = await mint_key(clean_db, Scope.LMI_WRITE, jurisdiction=Jurisdiction(state="OR"))
    r = await anon_client.post("/v1/labor-market/titles", headers={**NDJSON, "Authorization": f"Bearer {lmi}"},
                               content=ndjson({"scheme": "soc", "code": "29-1141", "title": "Registered Nurses"}))
    assert r.status_code == 403


async def test_titles_page_by_cursor(client):
    seen, cursor = [], None
    while True:
        page = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/reference/occupations", params=page)
        seen += [t["code"] for t in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 23 and seen == sorted(seen)
    r = await client.get("/v1/reference/industries", params={"cursor": (await client.get(
        "/v1/reference/occupations", params={"limit": 1})).json()["next_cursor"]})
    assert r.status_code == 422, "a cursor of one listing is refused by another"
