"""Set-up shared by the readiness and action plan tests: a system with members, and a framework's codes."""

from __future__ import annotations

import httpx

from tests.conftest import add_region, partner_body

PROBLEM = "application/problem+json"


async def partner(client: httpx.AsyncClient, name: str, partner_type: str = "workforce_agency") -> str:
    """Create a partner through the API; return its id."""
    r = await client.post("/v1/partners", json=partner_body(name=name, partner_type=partner_type))
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def system_with_members(client: httpx.AsyncClient, members: int = 3) -> tuple[str, list[str]]:
    """Create a region, a system and ``members`` member partners; return the system id and the partner ids."""
    await add_region(client, "or-test")
    r = await client.post("/v1/systems", json={"name": "Test Valley Pathways", "level": "local",
                                               "jurisdiction": {"state": "OR", "local_area": "or-test"}})
    assert r.status_code == 201, r.text
    system = r.json()["id"]
    ids = []
    for n in range(members):
        pid = await partner(client, f"Member {n}")
        r = await client.post(f"/v1/systems/{system}/members", json={"partner_id": pid, "representative": "Pat"})
        assert r.status_code == 201, r.text
        ids.append(pid)
    return system, ids


async def indicator_codes(client: httpx.AsyncClient) -> list[str]:
    """Every indicator code of the current framework, in order."""
    r = await client.get("/v1/reference/readiness-framework")
    assert r.status_code == 200, r.text
    return [i["code"] for e in r.json()["elements"] for i in e["indicators"]]


async def start_round(client: httpx.AsyncClient, system: str, started_on: str = "2026-01-10") -> str:
    """Start a round; return its id."""
    r = await client.post(f"/v1/systems/{system}/rounds", json={"started_on": started_on})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def respond(client: httpx.AsyncClient, round_id: str, respondent: str, **body: object) -> httpx.Response:
    """Put a member's response in a round."""
    return await client.put(f"/v1/rounds/{round_id}/responses/{respondent}", json=body)
