"""The working relationship between state and local partners: links, confirmations and gap analysis.

Seed 001, "Clarify working relationship between state and local partners": "the leadership team may want to
defines the working relationship between the state-level agencies and the local-level agencies and partners.
Are decisions made at the state level, with local officials expected to implement them? Or are most decisions
made at the local level, with state officials acting in advisory and supporting roles? However the working
relationship is defined, it is important to ensure that roles are understood and agreed upon among partners at
the state and local levels. Like other partnerships, it may be useful to formalize these relationships with a
written agreement or within a memorandum of understanding (MOU)."

A local system names the state system it answers to (``CareerPathwaysSystem.state_system_id``); the state
system lists its local systems. The relationship is read on the local system: its own record
(``working_relationship``), the agreements in force that record one, and the dated confirmations at each level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from api.domain.agreements import agreements_in, is_active_on
from api.domain.errors import FieldProblem, InvalidInput, RuleViolation
from api.domain.gaps import Gap, GapContext, GapKind, Severity
from api.domain.systems import (
    MAX_CONFIRMER_LENGTH,
    CareerPathwaysSystem,
    RelationshipConfirmation,
    SystemLevel,
    SystemState,
    WorkingRelationship,
    not_in_future,
)


class SystemHasLocalSystems(RuleViolation):
    """A state system that local systems answer to stays a state system in its state."""

    title = "System has local systems"


class NotALocalSystemOfIt(RuleViolation):
    """A state system confirms the working relationship only of a local system that names it."""

    title = "Not one of its local systems"


# --- links between state and local systems --------------------------------------------------------------


def check_state_system(system: CareerPathwaysSystem, state_system: CareerPathwaysSystem | None) -> None:
    """Check the state system a local system names: a state-level system of the same state.

    Seed 001: "the leadership team may want to defines the working relationship between the state-level
    agencies and the local-level agencies and partners."
    """
    if system.state_system_id is None:
        return
    if (
        state_system is None
        or state_system.id != system.state_system_id
        or state_system.level is not SystemLevel.STATE
        or state_system.jurisdiction.state != system.jurisdiction.state
    ):
        raise InvalidInput(FieldProblem(
            "state_system_id",
            f"system {system.state_system_id} is not a state-level system of {system.jurisdiction.state}",
        ))


def check_links_kept(state: SystemState, revised: CareerPathwaysSystem) -> None:
    """Refuse to make a state system that local systems answer to a local one, or move it to another state."""
    if not state.local_systems:
        return
    if revised.level is not SystemLevel.STATE or revised.jurisdiction.state != state.system.jurisdiction.state:
        names = ", ".join(sorted(s.name for s in state.local_systems))
        raise SystemHasLocalSystems(
            f"local systems answer to this state system ({names}); they must name another state system first"
        )


# --- the state/local working relationship ---------------------------------------------------------------


def confirm_relationship(
    state: SystemState, *, level: SystemLevel, confirmed_on: date, confirmed_by: str, today: date
) -> SystemState:
    """Record that the roles of the working relationship are understood and agreed at one level, by whom.

    Seed 001: "However the working relationship is defined, it is important to ensure that roles are understood
    and agreed upon among partners at the state and local levels." Only a local system's relationship with its
    state is confirmed; a confirmation replaces the earlier one of its level.
    """
    system = state.system
    if system.level is not SystemLevel.LOCAL:
        raise InvalidInput(FieldProblem("level", "the working relationship is confirmed on the local system"))
    if level is SystemLevel.STATE and system.state_system_id is None:
        raise InvalidInput(FieldProblem("level", "name the state system first: it confirms at the state level"))
    problems: list[FieldProblem] = []
    if not confirmed_by.strip():
        problems.append(FieldProblem("confirmed_by", "must not be blank"))
    elif len(confirmed_by) > MAX_CONFIRMER_LENGTH:
        problems.append(FieldProblem("confirmed_by", f"must be at most {MAX_CONFIRMER_LENGTH} characters"))
    not_in_future(problems, "confirmed_on", confirmed_on, today)
    if problems:
        raise InvalidInput(problems)
    confirmation = RelationshipConfirmation(level=level, confirmed_on=confirmed_on, confirmed_by=confirmed_by.strip(),
                                            relationship=system.working_relationship)
    kept = tuple(c for c in system.relationship_confirmations if c.level is not level)
    confirmations = tuple(sorted((*kept, confirmation), key=lambda c: c.level is SystemLevel.LOCAL))
    return replace(state, system=replace(system, relationship_confirmations=confirmations,
                                         version=system.version + 1))


def require_local_system_of(state_system: SystemState, local: SystemState) -> None:
    """Check that a local system names this state system, so the state may confirm their relationship."""
    if local.system.state_system_id != state_system.system.id:
        raise NotALocalSystemOfIt(
            f"system {local.system.id} does not name state system {state_system.system.id} as its state system"
        )


def current_confirmations(system: CareerPathwaysSystem) -> dict[SystemLevel, RelationshipConfirmation]:
    """Return the confirmations by level that still hold: those of the relationship the system records now."""
    return {c.level: c for c in system.relationship_confirmations if c.relationship is system.working_relationship}


# --- gap analysis ---------------------------------------------------------------------------------------


_SAYS = {
    WorkingRelationship.STATE_DIRECTED: "decisions are made at the state level, with local officials implementing them",
    WorkingRelationship.LOCALLY_DIRECTED: "most decisions are made locally, with state officials advising and "
                                          "supporting",
    WorkingRelationship.SHARED: "state and local partners share the decisions",
}


def working_relationship_gaps(ctx: GapContext) -> Iterable[Gap]:
    """Find a local system's relationship with its state left unformalized, contradicted or unconfirmed.

    Seed 001: "it is important to ensure that roles are understood and agreed upon among partners at the state
    and local levels. Like other partnerships, it may be useful to formalize these relationships with a written
    agreement or within a memorandum of understanding (MOU)."

    - no agreement in force records the relationship (high when the state directs: local officials are expected
      to implement decisions they never signed up to);
    - an agreement in force records another relationship than the system does (high);
    - the roles have not been confirmed at both levels, for the relationship recorded now (medium);
    - the system names no state system, so nobody can confirm at the state level (low).
    """
    system = ctx.system
    if system.level is not SystemLevel.LOCAL:
        return
    recorded = system.working_relationship
    relationship = f"'{recorded.value}' ({_SAYS[recorded]})"
    agreements = agreements_in(ctx) or []
    in_force = [a for a in agreements if is_active_on(a, ctx.today) and a.working_relationship is not None]
    if not in_force:
        yield Gap(
            kind=GapKind.WORKING_RELATIONSHIP,
            severity=Severity.HIGH if recorded is WorkingRelationship.STATE_DIRECTED else Severity.MEDIUM,
            subject="formalization",
            explanation=f"The working relationship with the state, {relationship}, is not formalized in an "
                        "agreement in force.",
            recommendation="Write it into a state/local MOU (or another agreement) signed by partners at both "
                           "levels, recording the relationship.",
            figures={"working_relationship": recorded.value},
        )
    for agreement in in_force:
        if agreement.working_relationship is recorded:
            continue
        assert agreement.working_relationship is not None
        yield Gap(
            kind=GapKind.WORKING_RELATIONSHIP,
            severity=Severity.HIGH,
            subject=f"agreement:{agreement.title}",
            explanation=(
                f"'{agreement.title}' records the relationship as '{agreement.working_relationship.value}' "
                f"({_SAYS[agreement.working_relationship]}), but the system records {relationship}."
            ),
            recommendation="Settle who decides with the state partners, then amend the agreement or correct "
                           "the system's working relationship so both say the same.",
            figures={"agreement_id": str(agreement.id), "agreement_relationship": agreement.working_relationship.value,
                     "working_relationship": recorded.value},
        )
    if system.state_system_id is None:
        yield Gap(
            kind=GapKind.WORKING_RELATIONSHIP,
            severity=Severity.LOW,
            subject="state_system",
            explanation="The system names no state system it answers to, so no one can confirm the roles at the "
                        "state level.",
            recommendation="Name the state system this local system answers to.",
        )
        return
    confirmed = current_confirmations(system)
    missing = [level for level in (SystemLevel.STATE, SystemLevel.LOCAL) if level not in confirmed]
    if missing:
        state_name = ctx.state_system.name if ctx.state_system is not None else str(system.state_system_id)
        levels = " and ".join(level.value for level in missing)
        figures: dict[str, float | int | str] = {"unconfirmed_levels": levels, "working_relationship": recorded.value}
        for level, confirmation in sorted(confirmed.items()):
            figures[f"{level.value}_confirmed_on"] = confirmation.confirmed_on.isoformat()
            figures[f"{level.value}_confirmed_by"] = confirmation.confirmed_by
        yield Gap(
            kind=GapKind.WORKING_RELATIONSHIP,
            severity=Severity.MEDIUM,
            subject="confirmation",
            explanation=(
                f"The roles of the relationship {relationship} with '{state_name}' have not been confirmed at "
                f"the {levels} level{'s' if len(missing) > 1 else ''}."
            ),
            recommendation="Go through the roles with partners at both levels and record, at each level, who "
                           "confirmed them and when.",
            figures=figures,
        )
