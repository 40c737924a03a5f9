"""Readiness and action plans over GraphQL: the same use cases as REST, typed mutation errors, bounded queries."""

from __future__ import annotations

from api.repositories.database import QueryCounter
from tests.graphql.helpers import gql
from tests.readiness_support import indicator_codes, system_with_members

ERROR_FIELDS = ("... on ValidationError { message errors { field } } ... on ConflictError { rule } "
                "... on NotFoundError { message }")
START = f"""mutation($s: UUID!) {{ startRound(systemId: $s, startedOn: "2026-01-10") {{
  __typename ... on Round {{ databaseId status frameworkVersion }} {ERROR_FIELDS} }} }}"""
RESPOND = f"""mutation($r: UUID!, $p: UUID!, $input: ResponseInput!) {{
  recordResponse(roundId: $r, respondentId: $p, input: $input) {{
    __typename ... on RoundResponse {{ ratings {{ indicatorCode value }} }} {ERROR_FIELDS} }} }}"""
CLOSE = f"""mutation($r: UUID!) {{ closeRound(roundId: $r, closedOn: "2026-02-01") {{
  __typename ... on Round {{ status closedOn }} {ERROR_FIELDS} }} }}"""


async def test_a_round_is_answered_closed_and_scored_with_typed_errors_for_broken_rules(client):
    system, (a, b) = await system_with_members(client, members=2)
    codes = await indicator_codes(client)
    round_id = (await gql(client, START, s=system))["startRound"]["databaseId"]
    again = (await gql(client, START, s=system))["startRound"]
    assert again == {"__typename": "ConflictError", "rule": "RoundAlreadyOpen"}

    ratings = [{"indicatorCode": c, "value": 2} for c in codes]
    ok = (await gql(client, RESPOND, r=round_id, p=a, input={"ratings": ratings}))["recordResponse"]
    assert ok["__typename"] == "RoundResponse"
    too_high = await gql(client, RESPOND, r=round_id, p=b, input={"ratings": [{"indicatorCode": "1.1", "value": 5}]})
    assert too_high["recordResponse"]["__typename"] == "ValidationError"
    assert (await gql(client, CLOSE, r=round_id))["closeRound"] == {"__typename": "Round", "status": "CLOSED",
                                                                      "closedOn": "2026-02-01"}
    late = (await gql(client, RESPOND, r=round_id, p=b, input={"ratings": ratings}))["recordResponse"]
    assert late == {"__typename": "ConflictError", "rule": "RoundClosed"}

    data = await gql(client, """query($r: UUID!) {
      round(id: $r) { status responses { respondentId } }
      roundScore(roundId: $r) { respondents mean phase { label } elements { code percent status } }
    }""", r=round_id)
    assert [r["respondentId"] for r in data["round"]["responses"]] == [a]
    score = data["roundScore"]
    assert score["respondents"] == 1
    assert score["mean"] == 2.0
    assert score["phase"]["label"] == "Planning Phase"
    assert len(score["elements"]) == 6
    rest = (await client.get(f"/v1/rounds/{round_id}/score")).json()
    assert [e["percent"] for e in score["elements"]] == [e["percent"] for e in rest["elements"]]


async def test_responses_of_a_page_of_rounds_cost_a_fixed_number_of_round_trips(client, clean_db):
    system, (a,) = await system_with_members(client, members=1)
    for n in range(4):
        started = await client.post(f"/v1/systems/{system}/rounds", json={"started_on": f"202{n}-01-01"})
        round_id = started.json()["id"]
        await client.put(f"/v1/rounds/{round_id}/responses/{a}", json={"ratings": {"1.1": 2}})
        await client.post(f"/v1/rounds/{round_id}/close", json={"closed_on": f"202{n}-02-01"})
    query = """query($s: UUID!, $n: Int!) { rounds(systemId: $s, first: $n) {
      edges { node { startedOn responses { respondentId ratings { value } } } } } }"""
    counts = []
    for first in (1, 4):
        counter = QueryCounter()
        clean_db.query_observer = counter
        data = await gql(client, query, s=system, n=first)
        clean_db.query_observer = None
        assert len(data["rounds"]["edges"]) == first
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


async def test_an_action_plan_is_built_from_next_steps_and_reports_overdue_items(client):
    system, (owner, _) = await system_with_members(client, members=2)
    codes = await indicator_codes(client)
    round_id = (await gql(client, START, s=system))["startRound"]["databaseId"]
    low = [{"indicatorCode": c, "value": 1 if c == "4.3" else 3} for c in codes]
    await gql(client, RESPOND, r=round_id, p=owner, input={"ratings": low})

    plan = await gql(client, """mutation($s: UUID!) {
      putActionPlan(systemId: $s, input: {whatIsPossible: "Braided funding for every pathway"}) {
        __typename ... on ActionPlan { version questions { field } } } }""", s=system)
    assert plan["putActionPlan"]["version"] == 1
    goal = (await gql(client, """mutation($s: UUID!) {
      addGoal(systemId: $s, input: {title: "Braid funding", elementCode: "4", gapReference: "4.3"}) {
        __typename ... on Goal { databaseId } } }""", s=system))["addGoal"]["databaseId"]

    outsider = (await client.post("/v1/partners", json={
        "name": "Outsider", "partner_type": "employer", "level": "local", "jurisdiction": {"state": "OR"}})).json()
    steps = """mutation($r: UUID!, $input: NextStepsInput!) { nextStepsToActions(roundId: $r, input: $input) {
      __typename ... on ActionItemList { items { description status dueOn } } ... on ConflictError { rule } } }"""
    refused = await gql(client, steps, r=round_id, input={"goalId": goal, "ownerId": outsider["id"]})
    assert refused["nextStepsToActions"] == {"__typename": "ConflictError", "rule": "OwnerNotAMember"}
    made = await gql(client, steps, r=round_id, input={"goalId": goal, "ownerId": owner, "dueOn": "2026-03-01"})
    items = made["nextStepsToActions"]["items"]
    assert len(items) == 1
    assert "4.3" in items[0]["description"]
    assert items[0]["status"] == "NOT_STARTED"

    data = await gql(client, """query($s: UUID!) { actionPlan(systemId: $s) {
      whatIsPossible goals { title elementCode } items { owner { databaseId } }
      status(asOf: "2026-04-01") { itemsTotal overdue { daysOverdue item { goalId } } unansweredQuestions } } }""",
                      s=system)
    found = data["actionPlan"]
    assert found["goals"] == [{"title": "Braid funding", "elementCode": "4"}]
    assert found["items"] == [{"owner": {"databaseId": owner}}]
    assert found["status"]["overdue"] == [{"daysOverdue": 31, "item": {"goalId": goal}}]
    assert len(found["status"]["unansweredQuestions"]) == 3
