"""One timestamp format: a record's moments read the same through REST and GraphQL (RFC 3339, UTC as ``Z``)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from pydantic import BaseModel

from api.domain.access import changes_between
from api.domain.moments import rfc3339
from tests.conftest import add_region, partner_body

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")


async def test_a_records_timestamps_read_the_same_through_rest_and_graphql(client: httpx.AsyncClient, clean_db):
    await add_region(client)
    created = await client.post("/v1/partners", json=partner_body(name="Valley Hospital", partner_type="employer"))
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    patched = await client.patch(f"/v1/partners/{pid}", json={"description": "A hospital."})
    assert patched.status_code == 200, patched.text
    system = await client.post("/v1/systems",
                               json={"name": "Valley", "level": "state", "jurisdiction": {"state": "OR"}})
    assert system.status_code == 201, system.text
    sid = system.json()["id"]

    rest_partner = (await client.get(f"/v1/partners/{pid}")).json()
    rest_system = (await client.get(f"/v1/systems/{sid}")).json()
    query = """query($p: UUID!, $s: UUID!) { partner(id: $p) { createdAt updatedAt services { createdAt } }
                                            system(id: $s) { createdAt updatedAt } }"""
    r = await client.post("/graphql", json={"query": query, "variables": {"p": pid, "s": sid}})
    data = r.json()["data"]

    stamps = [(rest_partner["created_at"], data["partner"]["createdAt"]),
              (rest_partner["updated_at"], data["partner"]["updatedAt"]),
              (rest_system["created_at"], data["system"]["createdAt"]),
              (rest_system["updated_at"], data["system"]["updatedAt"])]
    for rest, graphql in stamps:
        assert rest == graphql
        assert RFC3339_UTC.match(graphql), graphql
    assert rest_partner["created_at"] != rest_partner["updated_at"]  # two moments compared, not one twice


@pytest.mark.parametrize("moment", [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 5, tzinfo=timezone(timedelta(hours=-7))), datetime(2026, 1, 2, 3, 4, 5),
])
def test_the_service_writes_a_moment_as_rests_dtos_do(moment: datetime):
    class Stamped(BaseModel):
        at: datetime

    assert rfc3339(moment) == json.loads(Stamped(at=moment).model_dump_json())["at"]


def test_audit_values_write_moments_the_same_way():
    before = {"expires_at": None}
    after = {"expires_at": datetime(2027, 1, 1, 12, tzinfo=UTC)}
    assert changes_between(before, after)["expires_at"]["new"] == "2027-01-01T12:00:00Z"
