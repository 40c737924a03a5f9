"""Use cases of readiness assessment: the framework, rounds, responses, scores, the chart and next steps."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from api.domain import action_plans as plans
from api.domain import readiness as rules
from api.domain.access import Scope, require
from api.domain.action_plans import ActionItem
from api.domain.errors import FieldProblem, InvalidInput, NotFound, VersionMismatch
from api.domain.ports import UnitOfWork
from api.domain.readiness import Framework, NextStepKind, Response, Round, RoundScore
from api.usecases import policy
from api.usecases.paging import Paged, decode_cursor, encode_cursor


def _today() -> date:
    return datetime.now(UTC).date()


async def current_framework(uow: UnitOfWork) -> Framework:
    """Return the framework version new rounds start with (the latest)."""
    framework = await uow.readiness.current_framework()
    if framework is None:
        raise NotFound("readiness framework", "current")
    return framework


async def frameworks_by_id(uow: UnitOfWork, *, framework_ids: Sequence[UUID]) -> dict[UUID, Framework]:
    """Return framework versions by id (public reference data, as the current one); missing ids are absent."""
    return await uow.readiness.frameworks(list(dict.fromkeys(framework_ids)))


async def get_framework(uow: UnitOfWork, *, framework_id: UUID) -> Framework:
    """Return one framework version or raise NotFound."""
    found = (await frameworks_by_id(uow, framework_ids=[framework_id])).get(framework_id)
    if found is None:
        raise NotFound("readiness framework", framework_id)
    return found


async def revise_framework(
    uow: UnitOfWork, *, changes: Mapping[str, Any], expected_version: int | None = None
) -> Framework:
    """Store an edit of the framework as its next version; rounds already started keep theirs."""
    policy.administer(uow)
    current = await current_framework(uow)
    if expected_version is not None and expected_version != current.version:
        raise VersionMismatch("readiness framework", current.id, expected_version, current.version)
    revised = rules.revise_framework(current, changes)
    if not await uow.readiness.add_framework(revised):  # another edit took this version number first
        latest = await current_framework(uow)
        raise VersionMismatch("readiness framework", current.id, current.version, latest.version)
    await policy.audit(uow, action="revise", kind="readiness_framework", record_id=revised.id,
                       old=current, new=revised)
    return revised


async def _round(uow: UnitOfWork, round_id: UUID, *, for_update: bool = False, write: bool = False) -> Round:
    """Load a round of a system the caller may see (and, with ``write``, change)."""
    require(uow.caller, Scope.SYSTEMS_WRITE if write else Scope.SYSTEMS_READ)
    found = await uow.readiness.get_round(round_id, for_update=for_update)
    if found is None:
        raise NotFound("round", round_id)
    await policy.guard_system(uow, found.system_id, write=write, asked_for=("round", round_id))
    return found


async def _members(uow: UnitOfWork, system_id: UUID, *, for_update: bool = False) -> frozenset[UUID]:
    state = await uow.systems.load(system_id, for_update=for_update)
    if state is None:
        raise NotFound("system", system_id)
    return frozenset(m.partner_id for m in state.members)


def _round_key(after: tuple[object, ...] | None) -> tuple[object, ...] | None:
    if after is None:
        return None
    try:
        return date.fromisoformat(str(after[0])), UUID(str(after[1]))
    except ValueError:
        raise InvalidInput(FieldProblem("cursor", "is not a cursor of this listing; start again without it")) from None


async def list_rounds(
    uow: UnitOfWork, *, system_id: UUID, limit: int = 50, cursor: str | None = None, backward: bool = False
) -> Paged[Round]:
    """List a system's rounds, the latest first, one keyset page at a time;
    ``backward``: the page before ``cursor``, in the same order."""
    await policy.guard_system(uow, system_id)
    page = await uow.readiness.list_rounds(system_id, limit=limit, after=_round_key(decode_cursor("rounds", cursor)),
                                           backward=backward)
    return Paged(
        items=list(page.items),
        next_cursor=encode_cursor("rounds", page.next_after) if page.next_after else None,
        cursors=[encode_cursor("rounds", k) for k in page.keys],
    )


async def start_round(
    uow: UnitOfWork, *, system_id: UUID, started_on: date | None = None, round_id: UUID | None = None
) -> Round:
    """Open a round for a system on the current framework version (one open round at a time)."""
    await policy.guard_system(uow, system_id, write=True)
    await _members(uow, system_id, for_update=True)  # the system's lock serializes rounds being started
    framework = await current_framework(uow)
    new = rules.start_round(framework, system_id=system_id, started_on=started_on or _today(),
                            rounds=await uow.readiness.rounds_of(system_id), new_id=lambda: round_id or uuid4())
    await uow.readiness.add_round(new)
    await policy.audit(uow, action="start_round", kind="round", record_id=new.id, new=new)
    return new


async def get_round(uow: UnitOfWork, *, round_id: UUID) -> tuple[Round, list[Response]]:
    """Return a round with its responses."""
    round_ = await _round(uow, round_id)
    return round_, (await uow.readiness.responses([round_id]))[round_id]


async def responses_of_rounds(uow: UnitOfWork, *, round_ids: Sequence[UUID]) -> dict[UUID, list[Response]]:
    """Return the responses of many rounds in one read (rounds the caller was already allowed to see)."""
    require(uow.caller, Scope.SYSTEMS_READ)
    return await uow.readiness.responses(round_ids)


async def record_response(
    uow: UnitOfWork, *, round_id: UUID, respondent_id: UUID, ratings: Mapping[str, int | None],
    priorities: Iterable[str] = (), technical_assistance: Iterable[str] = (), notes: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Response:
    """Record or wholly replace a member's answers while the round is open."""
    round_ = await _round(uow, round_id, for_update=True, write=True)  # the lock orders answers against closing
    framework = rules.framework_for_round(round_, (await uow.readiness.frameworks([round_.framework_id])).values())
    previous = next(
        (r for r in (await uow.readiness.responses([round_id]))[round_id] if r.respondent_id == respondent_id), None
    )
    response = rules.record_response(
        round_, framework, respondent_id=respondent_id, member_ids=await _members(uow, round_.system_id),
        ratings=ratings, priorities=priorities, technical_assistance=technical_assistance, notes=notes,
        previous=previous, now=now or datetime.now(UTC),
    )
    await uow.readiness.put_response(response)
    await policy.audit(uow, action="respond", kind="round", record_id=round_id, old=previous, new=response)
    return response


async def close_round(uow: UnitOfWork, *, round_id: UUID, closed_on: date | None = None) -> Round:
    """Close an open round; its responses become read-only."""
    round_ = await _round(uow, round_id, for_update=True, write=True)
    closed = rules.close_round(round_, closed_on=closed_on or _today())
    await uow.readiness.save_round(closed)
    await policy.audit(uow, action="close_round", kind="round", record_id=round_id, old=round_, new=closed)
    return closed


async def _scores(uow: UnitOfWork, round_id: UUID, *, write: bool = False) -> tuple[Round, RoundScore, Round | None]:
    """Score a round against its own framework version, compared with the system's previous closed round."""
    round_ = await _round(uow, round_id, write=write)
    previous = rules.previous_closed_round(round_, await uow.readiness.rounds_of(round_.system_id))
    scored = [r for r in (previous, round_) if r is not None]
    frameworks = (await uow.readiness.frameworks(list({r.framework_id for r in scored}))).values()
    responses = await uow.readiness.responses([r.id for r in scored])
    previous_score = None
    if previous is not None:
        previous_score = rules.score_round(rules.framework_for_round(previous, frameworks), responses[previous.id],
                                           round_=previous)
    score = rules.score_round(rules.framework_for_round(round_, frameworks), responses[round_.id], previous_score,
                              round_=round_)
    return round_, score, previous


async def score_round(uow: UnitOfWork, *, round_id: UUID) -> RoundScore:
    """Score a round: indicators, elements, overall, change since the previous closed round, and the summary."""
    _, score, _ = await _scores(uow, round_id)
    return score


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundChart:
    """What a chart of a round shows: each element's mean on the phase scale (None for insufficient data) and
    its phase, against the previous closed round's, with the scale's phases and the words that label them."""

    element_labels: tuple[str, ...]
    current: tuple[float | None, ...]
    phases: tuple[str | None, ...]
    previous: tuple[float | None, ...] | None
    scale: tuple[tuple[float, str], ...]
    title: str
    current_label: str
    previous_label: str


async def round_chart(uow: UnitOfWork, *, round_id: UUID) -> RoundChart:
    """The round's element means on the phase scale against the previous closed round's, labelled for a chart."""
    round_, score, previous = await _scores(uow, round_id)
    framework = (await uow.readiness.frameworks([round_.framework_id]))[round_.framework_id]
    return RoundChart(
        element_labels=tuple(f"{e.code}. {e.name}" for e in score.elements),
        current=tuple(e.mean for e in score.elements),
        phases=tuple(e.phase.label if e.phase else None for e in score.elements),
        previous=tuple(e.previous_mean for e in score.elements) if previous is not None else None,
        scale=tuple((float(level.value), level.label) for level in framework.scale),
        title=f"Readiness by element, round started {round_.started_on.isoformat()}",
        current_label=f"This round ({round_.status.value})",
        previous_label=f"Previous round (closed {previous.closed_on})" if previous else "Previous round",
    )


async def next_steps_to_actions(
    uow: UnitOfWork, *, round_id: UUID, goal_id: UUID, owner_id: UUID, due_on: date | None = None,
    kinds: Collection[NextStepKind] | None = None,
) -> list[ActionItem]:
    """Turn a round's next steps for the goal's element into not-started action items of that goal; steps the
    goal already holds are not added again (the items added are returned)."""
    round_, score, _ = await _scores(uow, round_id, write=True)
    contents = await uow.plans.load(round_.system_id, for_update=True)
    if contents is None:
        raise NotFound("action plan of system", round_.system_id)
    goal_ids = {g.id for g in contents.goals}
    goal = next((g for g in contents.goals if g.id == goal_id), None)
    if goal is None:
        raise InvalidInput(FieldProblem("goal_id", f"unknown goal {goal_id} in the plan of system {round_.system_id}"))
    members = await _members(uow, round_.system_id)
    items = [
        plans.validate_action_item(item, goal_ids=goal_ids, member_ids=members)
        for item in plans.next_steps_to_actions(score.summary, goal, owner_id, due_on, kinds=kinds,
                                                member_ids=members, existing=contents.items)
    ]
    if items:
        await uow.plans.put_items(items)
        await uow.plans.touch(contents.plan.id)
        await policy.audit(uow, action="next_steps_to_actions", kind="action_plan", record_id=contents.plan.id,
                           new={f"items[{i.id}]": i for i in items})
    return items
