"""The statewide roll-up's rules: areas group systems, the worst status of an area's systems is the area's."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from api.domain.action_plans import Goal, goal_for_gap, goal_gaps
from api.domain.errors import InvalidInput
from api.domain.gaps import Gap, GapKind, Severity
from api.domain.partners import Jurisdiction
from api.domain.readiness import Round, RoundStatus
from api.domain.states import FunctionStatus, SystemAnalysis, latest_closed_rounds, roll_up
from tests.domain.system_factories import make_system, role_catalog


def _unled(code: str, supporters: int = 0) -> Gap:
    return Gap(kind=GapKind.UNCOVERED_FUNCTION, severity=Severity.CRITICAL, subject=code, explanation="x",
               recommendation="y", figures={"supporters": supporters})


def test_an_area_takes_the_worst_status_of_its_systems_and_counts_each():
    area = Jurisdiction(state="OR", local_area="or-east")
    led = make_system(name="A", jurisdiction=area)
    supported = make_system(name="B", jurisdiction=area)
    statewide = make_system(name="C", jurisdiction=Jurisdiction(state="OR"))
    overview = roll_up("OR", [
        SystemAnalysis(system=led, gaps=[]),
        SystemAnalysis(system=supported, gaps=[_unled("engage_employers", supporters=2)]),
        SystemAnalysis(system=statewide, gaps=[_unled("engage_employers")]),
    ], role_catalog(), as_of=date(2026, 12, 7))
    assert [a.label for a in overview.areas] == ["statewide", "or-east"]
    east = overview.areas[1].function("engage_employers")
    assert (east.status, east.systems_unled, east.systems_supported_only) == (FunctionStatus.SUPPORTED_ONLY, 0, 1)
    assert overview.areas[0].function("engage_employers").status is FunctionStatus.UNLED
    assert overview.areas[1].function("assess_skills").status is FunctionStatus.LED
    totals = next(t for t in overview.function_totals if t.function == "engage_employers")
    assert (totals.led, totals.supported_only, totals.unled) == (0, 1, 1)
    assert overview.areas[1].gaps_total == 1 and overview.areas[1].gap_counts[0].count == 1


def test_the_latest_closed_round_is_read_and_open_rounds_are_not():
    system = uuid4()

    def round_(started: date, closed: date | None) -> Round:
        return Round(id=uuid4(), system_id=system, framework_id=uuid4(), framework_version=1, started_on=started,
                     closed_on=closed, status=RoundStatus.CLOSED if closed else RoundStatus.OPEN)

    old, new, still_open = round_(date(2025, 1, 1), date(2025, 2, 1)), round_(date(2026, 1, 1), date(2026, 2, 1)), \
        round_(date(2026, 6, 1), None)
    assert latest_closed_rounds([new, still_open, old]) == {system: new}


def test_a_goal_is_made_only_from_a_gap_in_the_report_and_knows_when_it_closes():
    plan = uuid4()
    gap = _unled("assess_skills")
    goal = goal_for_gap([gap], kind="uncovered_function", subject="assess_skills", plan_id=plan)
    assert (goal.gap_kind, goal.gap_subject, goal.title, goal.description) == (
        "uncovered_function", "assess_skills", "x", "y")
    for kind, subject, field in (("uncovered_function", "design_programs", "subject"), ("nonsense", "x", "kind")):
        with pytest.raises(InvalidInput) as refused:
            goal_for_gap([gap], kind=kind, subject=subject, plan_id=plan)
        assert [p.field for p in refused.value.problems] == [field]
    plain = Goal(id=uuid4(), plan_id=plan, title="Plain goal")
    assert [g.open for g in goal_gaps([goal, plain], [gap])] == [True]
    assert [g.open for g in goal_gaps([goal, plain], [])] == [False]
