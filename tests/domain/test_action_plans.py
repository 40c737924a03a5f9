"""Action plans: goals, action items, the four planning questions and derived status."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.action_plans import (
    PLANNING_QUESTIONS,
    ActionItem,
    ActionPlan,
    Goal,
    ItemStatus,
    OwnerNotAMember,
    next_steps_to_actions,
    plan_status,
    revise_action_item,
    revise_goal,
    revise_plan,
    validate_action_item,
    validate_goal,
)
from api.domain.errors import InvalidInput
from api.domain.readiness import NextStepKind, Response, framework_from_dict, score_round

FRAMEWORK_JSON = Path(__file__).resolve().parents[2] / "api" / "reference_data" / "readiness_framework.json"
FRAMEWORK = framework_from_dict(json.loads(FRAMEWORK_JSON.read_text(encoding="utf-8")))
PLAN = ActionPlan(id=UUID(int=1), system_id=UUID(int=2))
EMPLOYERS = Goal(id=UUID(int=10), plan_id=PLAN.id, title="Engage employers", element_code="2")
FUNDING = Goal(id=UUID(int=11), plan_id=PLAN.id, title="Braid funding", gap_reference="4.3")
OWNER = UUID(int=0x100)
MEMBERS = frozenset({OWNER, UUID(int=0x101)})
TODAY = date(2024, 5, 15)


def item(n: int, goal: Goal, status: ItemStatus, due_on: date | None) -> ActionItem:
    return ActionItem(id=UUID(int=1000 + n), goal_id=goal.id, description=f"Step {n}", owner_id=OWNER,
                      due_on=due_on, status=status)


def test_unfinished_items_due_before_today_are_overdue() -> None:
    items = [
        item(1, EMPLOYERS, ItemStatus.IN_PROGRESS, date(2024, 5, 1)),
        item(2, EMPLOYERS, ItemStatus.DONE, date(2024, 4, 1)),
        item(3, EMPLOYERS, ItemStatus.BLOCKED, date(2024, 3, 1)),
        item(4, FUNDING, ItemStatus.NOT_STARTED, TODAY),
        item(5, FUNDING, ItemStatus.NOT_STARTED, None),
    ]
    status = plan_status(PLAN, [EMPLOYERS, FUNDING], items, TODAY)
    assert [(o.item.description, o.days_overdue) for o in status.overdue] == [("Step 3", 75), ("Step 1", 14)]


def test_a_goals_completion_is_the_share_of_its_items_done() -> None:
    empty = Goal(id=UUID(int=12), plan_id=PLAN.id, title="Align policies", element_code="5")
    items = [
        item(1, EMPLOYERS, ItemStatus.DONE, None),
        item(2, EMPLOYERS, ItemStatus.DONE, None),
        item(3, EMPLOYERS, ItemStatus.BLOCKED, None),
        item(4, EMPLOYERS, ItemStatus.IN_PROGRESS, None),
        item(5, FUNDING, ItemStatus.DONE, None),
    ]
    status = plan_status(PLAN, [FUNDING, empty, EMPLOYERS], items, TODAY)
    by_title = {g.title: g for g in status.goals}
    assert by_title["Engage employers"].percent_done == 50.0
    assert by_title["Engage employers"].items_blocked == 1
    assert by_title["Braid funding"].percent_done == 100.0
    assert by_title["Align policies"].percent_done is None
    assert (status.items_total, status.items_done, status.percent_done) == (5, 3, 60.0)


def test_plan_status_names_the_planning_questions_not_yet_answered() -> None:
    answered = revise_plan(PLAN, {"what_is_possible": "  A regional healthcare pathway  "})
    assert answered.what_is_possible == "A regional healthcare pathway"
    assert answered.version == PLAN.version + 1
    status = plan_status(answered, [], [], TODAY)
    assert status.unanswered_questions == ("what_is_practical", "who_can_help", "what_is_next")
    assert list(PLANNING_QUESTIONS) == [
        "what_is_possible", "what_is_practical", "who_can_help", "what_is_next",
    ]


def test_only_the_planning_questions_of_a_plan_can_be_revised() -> None:
    with pytest.raises(InvalidInput) as caught:
        revise_plan(PLAN, {"system_id": "x", "what_is_next": "Meet in June"})
    assert [p.field for p in caught.value.problems] == ["system_id"]


def test_items_of_an_unknown_goal_or_goals_of_another_plan_are_refused() -> None:
    stranger = Goal(id=UUID(int=13), plan_id=UUID(int=99), title="Elsewhere")
    with pytest.raises(InvalidInput) as caught:
        plan_status(PLAN, [EMPLOYERS, stranger], [item(1, FUNDING, ItemStatus.DONE, None)], TODAY)
    messages = {p.message for p in caught.value.problems}
    assert messages == {f"is not plan {PLAN.id}", f"unknown goal {FUNDING.id}"}


def test_an_action_items_owner_must_be_a_member() -> None:
    outsider = ActionItem(id=UUID(int=7), goal_id=EMPLOYERS.id, description="Call the chamber",
                          owner_id=UUID(int=0xBAD))
    with pytest.raises(OwnerNotAMember):
        validate_action_item(outsider, goal_ids={EMPLOYERS.id}, member_ids=MEMBERS)


def test_an_action_item_needs_a_known_goal_a_description_and_named_resources() -> None:
    bad = ActionItem(id=UUID(int=7), goal_id=UUID(int=404), description=" ", owner_id=OWNER, resources=("",))
    with pytest.raises(InvalidInput) as caught:
        validate_action_item(bad, goal_ids={EMPLOYERS.id}, member_ids=MEMBERS)
    assert [p.field for p in caught.value.problems] == ["goal_id", "description", "resources[0]"]


def test_revising_an_action_item_accepts_status_as_text_and_resources_as_a_list() -> None:
    before = item(1, EMPLOYERS, ItemStatus.NOT_STARTED, TODAY)
    after = revise_action_item(before, {"status": "done", "resources": ["WIOA Title I", "staff time"]},
                               goal_ids={EMPLOYERS.id}, member_ids=MEMBERS)
    assert (after.status, after.resources) == (ItemStatus.DONE, ("WIOA Title I", "staff time"))
    with pytest.raises(InvalidInput):
        revise_action_item(before, {"status": "finished"}, goal_ids={EMPLOYERS.id}, member_ids=MEMBERS)
    with pytest.raises(InvalidInput):
        revise_action_item(before, {"id": UUID(int=3)}, goal_ids={EMPLOYERS.id}, member_ids=MEMBERS)


def test_a_goal_links_to_a_known_element_and_has_a_title() -> None:
    codes = {e.code for e in FRAMEWORK.elements}
    assert validate_goal(EMPLOYERS, element_codes=codes) == EMPLOYERS
    with pytest.raises(InvalidInput) as caught:
        revise_goal(EMPLOYERS, {"title": "", "element_code": "9"}, element_codes=codes)
    assert [p.field for p in caught.value.problems] == ["title", "element_code"]


def test_next_steps_from_a_round_become_action_items_in_one_call() -> None:
    round_id = UUID(int=0xB)
    responses = [
        Response(round_id=round_id, respondent_id=UUID(int=n), ratings={"2.1": 1, "2.2": 2, "2.3": n},
                 priorities=frozenset({"4.4"}), submitted_at=datetime(2024, 1, 1))
        for n in (1, 4)
    ]
    summary = score_round(FRAMEWORK, responses).summary
    ids = (UUID(int=5000 + n) for n in itertools.count())
    items = next_steps_to_actions(summary, FUNDING, OWNER, date(2024, 9, 30), member_ids=MEMBERS,
                                  new_id=lambda: next(ids))
    assert [i.description for i in items] == [s.text for s in summary.next_steps]
    assert all(
        (i.goal_id, i.owner_id, i.due_on, i.status) == (FUNDING.id, OWNER, date(2024, 9, 30),
                                                        ItemStatus.NOT_STARTED)
        for i in items
    )
    assert len({i.id for i in items}) == len(items)

    gaps_only = next_steps_to_actions(summary, FUNDING, OWNER, None, kinds={NextStepKind.GAP})
    gap_steps = [s.text for s in summary.next_steps if s.kind is NextStepKind.GAP]
    assert [i.description for i in gaps_only] == gap_steps
    assert gaps_only

    with pytest.raises(OwnerNotAMember):
        next_steps_to_actions(summary, FUNDING, UUID(int=0xBAD), None, member_ids=MEMBERS)


def test_next_steps_for_element_five_do_not_land_in_a_goal_of_element_four() -> None:
    round_id = UUID(int=0xC)
    responses = [
        Response(round_id=round_id, respondent_id=UUID(int=n), ratings={"4.1": 1, "4.2": 1, "5.1": 1, "5.2": 2},
                 submitted_at=datetime(2024, 1, 1))
        for n in (1, 2)
    ]
    summary = score_round(FRAMEWORK, responses).summary
    assert {s.element_code for s in summary.next_steps} >= {"4", "5"}
    funding = Goal(id=UUID(int=12), plan_id=PLAN.id, title="Braid funding", element_code="4")
    items = next_steps_to_actions(summary, funding, OWNER, None)
    assert items and [i.description for i in items] == [s.text for s in summary.next_steps if s.element_code == "4"]


def test_asking_twice_for_a_rounds_next_steps_adds_nothing_the_goal_already_holds() -> None:
    round_id = UUID(int=0xD)
    responses = [Response(round_id=round_id, respondent_id=UUID(int=1), ratings={"2.1": 1, "2.2": 1},
                          submitted_at=datetime(2024, 1, 1))]
    summary = score_round(FRAMEWORK, responses).summary
    first = next_steps_to_actions(summary, EMPLOYERS, OWNER, None)
    assert first
    again = next_steps_to_actions(summary, EMPLOYERS, OWNER, None, existing=first)
    assert again == ()
    other_goal = next_steps_to_actions(summary, replace(EMPLOYERS, id=UUID(int=13)), OWNER, None, existing=first)
    assert [i.description for i in other_goal] == [i.description for i in first]


statuses = st.sampled_from(list(ItemStatus))
due_dates = st.none() | st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31))


@given(st.lists(st.tuples(st.booleans(), statuses, due_dates), max_size=12), st.data())
def test_plan_status_does_not_depend_on_the_order_of_goals_or_items(
    rows: list[tuple[bool, ItemStatus, date | None]], data: st.DataObject
) -> None:
    items = [
        item(n, EMPLOYERS if first else FUNDING, status, due) for n, (first, status, due) in enumerate(rows)
    ]
    expected = plan_status(PLAN, [EMPLOYERS, FUNDING], items, TODAY)
    shuffled = plan_status(PLAN, [FUNDING, EMPLOYERS], data.draw(st.permutations(items)), TODAY)
    assert shuffled == expected
    for goal in expected.goals:
        assert goal.percent_done is None or 0 <= goal.percent_done <= 100
    assert all(o.item.status is not ItemStatus.DONE and o.days_overdue > 0 for o in expected.overdue)
