"""What the GraphQL tests share."""

from __future__ import annotations

import httpx


async def gql(client: httpx.AsyncClient, query: str, **variables: object) -> dict:
    """Run ``query`` over HTTP and return its ``data``, failing on a non-200 answer or any GraphQL error."""
    r = await client.post("/graphql", json={"query": query, "variables": variables})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    return body["data"]
