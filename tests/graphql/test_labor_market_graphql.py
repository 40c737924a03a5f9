"""Labour market information over GraphQL: the same use cases and figures as REST."""

from __future__ import annotations

import json

import httpx

from tests.conftest import add_region, partner_body
from tests.graphql.helpers import gql


async def _load(client: httpx.AsyncClient) -> None:
    await add_region(client, "or-test")
    rows = [
        {"region": "or-test", "code": code, "period": "2024-2034", "source": "bls", "annual_openings": n,
         "growth_percent": g, "retrieved_at": "2026-01-05T00:00:00Z", "outlook": "Average"}
        for code, n, g in (("29-1141", 400, 6.0), ("51-4121", 40, 2.0), ("31-1131", 150, 3.0))
    ]
    body = b"".join(json.dumps(r).encode() + b"\n" for r in rows)
    r = await client.post("/v1/labor-market/observations", content=body,
                          headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 200, r.text


OBSERVATIONS = """
query($first: Int!, $after: String, $where: LaborMarketFilterInput) {
  laborMarketObservations(first: $first, after: $after, where: $where) {
    edges { cursor node { code codeKind title period source retrievedAt annualOpenings outlook } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_observations_page_as_a_connection_with_provenance(client):
    await _load(client)
    first = (await gql(client, OBSERVATIONS, first=2))["laborMarketObservations"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = (await gql(client, OBSERVATIONS, first=2, after=first["pageInfo"]["endCursor"]))["laborMarketObservations"]
    codes = [e["node"]["code"] for e in first["edges"] + rest["edges"]]
    assert codes == ["29-1141", "31-1131", "51-4121"]
    node = first["edges"][0]["node"]
    assert (node["codeKind"], node["source"], node["period"], node["outlook"]) == ("SOC", "bls", "2024-2034",
                                                                                  "AVERAGE")
    assert node["retrievedAt"].startswith("2026-01-05")
    only = await gql(client, OBSERVATIONS, first=10, where={"code": "51-4121"})
    assert [e["node"]["annualOpenings"] for e in only["laborMarketObservations"]["edges"]] == [40]


async def test_an_invalid_code_filter_is_an_invalid_input_error_naming_the_field(client):
    r = await client.post("/graphql", json={"query": OBSERVATIONS, "variables": {"first": 5,
                                                                                "where": {"code": "29-11"}}})
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["errors"][0]["field"] == "code"


async def test_in_demand_occupations_and_a_partners_labor_market(client):
    await _load(client)
    data = await gql(client, """
      query { inDemandOccupations(regions: ["or-test"]) { rule { minAnnualOpenings } items { code title } } }""")
    assert [i["code"] for i in data["inDemandOccupations"]["items"]] == ["29-1141", "31-1131"]
    assert data["inDemandOccupations"]["items"][0]["title"] is None
    r = await client.post("/v1/partners", json=partner_body(name="Valley Hospital", partner_type="employer",
                                                             industries=["622110"]))
    pid = r.json()["id"]
    await client.post(f"/v1/partners/{pid}/services", json={
        "name": "Residency", "category": "occupational_training", "capacity": 10, "occupations": ["31-1131"]})
    data = await gql(client, """
      query($id: UUID!) {
        partnerLaborMarket(partnerId: $id) { industries occupations observations { code annualOpenings } }
        partner(id: $id) { industries }
      }""", id=pid)
    assert data["partner"]["industries"] == ["622110"]
    assert [o["code"] for o in data["partnerLaborMarket"]["observations"]] == ["31-1131"]
    assert data["partnerLaborMarket"]["industries"][-1] == "62"


async def test_code_titles_and_the_training_gap_of_a_system(client):
    await _load(client)
    titles = await gql(client, 'query { codeTitles(scheme: NAICS, q: "manufact") { edges { node { code title } } } }')
    assert [e["node"]["code"] for e in titles["codeTitles"]["edges"]] == ["31-33"]
    r = await client.post("/v1/systems", json={"name": "Valley", "level": "local", "regions": ["or-test"],
                                               "jurisdiction": {"state": "OR"}, "target_occupations": ["29-1141"]})
    system = r.json()["id"]
    data = await gql(client, """
      query($id: UUID!) { system(id: $id) { gaps { kind subject
        figures { annualOpenings capacity shortfall retrievedAt basis daysOverdue } } } }""", id=system)
    [gap] = [g for g in data["system"]["gaps"] if g["kind"] == "TRAINING_CAPACITY"]
    assert gap["figures"] == {"annualOpenings": 400.0, "capacity": 0.0, "shortfall": 400.0,
                              "retrievedAt": "2026-01-05T00:00:00Z", "basis": "target_occupation", "daysOverdue": None}
    rest = (await client.get(f"/v1/systems/{system}/gaps")).json()["gaps"]
    [same] = [g["figures"] for g in rest if g["kind"] == "training_capacity"]
    assert (same["annual_openings"], same["capacity"], same["shortfall"]) == (400, 0, 400)
    assert same["retrieved_at"] == gap["figures"]["retrievedAt"]  # one timestamp format


async def test_creating_a_partner_with_an_invalid_industry_names_the_field(client):
    await add_region(client, "or-test")
    mutation = """
      mutation($input: PartnerInput!) {
        createPartner(input: $input) { __typename ... on Partner { industries }
                                       ... on ValidationError { errors { field } } }
      }"""
    base = {"name": "Mill", "partnerType": "employer", "level": "LOCAL", "jurisdiction": {"state": "OR"}}
    bad = await gql(client, mutation, input={**base, "industries": ["99"]})
    assert bad["createPartner"]["errors"] == [{"field": "industries.0"}]
    good = await gql(client, mutation, input={**base, "industries": ["33"]})
    assert good["createPartner"]["industries"] == ["31-33"]
