"""Agreements that formalize a system's roles (MOUs and others), their status, and gap analysis kind 6.

Status is recorded and derived. The recorded ``status`` says what the team did (drafted, signed/activated,
closed); ``derived_status`` reads it against the calendar: an agreement stays a draft until it is signed
(``signed_on`` reached) or recorded active, then is active until the day after ``expires_on``, when it
is expired. A recorded ``expired`` status (closed early, or acknowledged as lapsed) is final. The derived
status therefore only ever moves draft -> active -> expired as time passes.

An agreement formalizes an assignment when it lists the assignment in ``formalizes`` or when the
assignment names it in its ``agreement_id``; both links come from the team's records, so both count.

Completeness is judged by the checklist of the agreement's kind (reference data, ``api.domain.checklists``):
the one-stop MOU contents of 20 CFR 678.500(b) for one-stop MOUs only; a checklist drawn from the seeds for
partnership MOUs and state/local MOUs; nothing for kinds with no checklist (a contract, a grant agreement).
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from api.domain.checklists import Checklist, ChecklistItem
from api.domain.errors import FieldProblem, InvalidInput, RuleViolation
from api.domain.gaps import Gap, GapContext, GapKind, Severity
from api.domain.systems import Assignment, Strength, WorkingRelationship

MOU_REVIEW_YEARS = 3
"""An MOU is reviewed, and renewed if there are substantial changes, at least every 3 years (20 CFR 678.500)."""


MAX_TITLE_LENGTH = 300

AGREEMENT_EDITABLE = frozenset(
    {
        "type", "title", "parties", "effective_on", "expires_on", "review_by", "status", "signed_on",
        "formalizes", "working_relationship", "contents",
    }
)
AGREEMENT_NULLABLE = frozenset({"effective_on", "expires_on", "review_by", "signed_on", "working_relationship"})


class AgreementType(StrEnum):
    """The kinds of agreement that formalize a partnership.

    ``mou`` is the seeds' partnership MOU; ``state_local_mou`` formalizes the working relationship between state
    and local partners; ``one_stop_mou`` is the MOU of a local board with the one-stop partners (WIOA).
    """

    MOU = "mou"
    STATE_LOCAL_MOU = "state_local_mou"
    ONE_STOP_MOU = "one_stop_mou"
    INFRASTRUCTURE_FUNDING_AGREEMENT = "infrastructure_funding_agreement"
    CONTRACT = "contract"
    GRANT_AGREEMENT = "grant_agreement"
    STATEMENT_OF_COLLABORATION = "statement_of_collaboration"


class AgreementStatus(StrEnum):
    """Where an agreement stands, in the order it moves through."""

    DRAFT = "draft"
    ACTIVE = "active"
    EXPIRED = "expired"


_STATUS_RANK = {s: i for i, s in enumerate(AgreementStatus)}
MOU_TYPES = frozenset({AgreementType.MOU, AgreementType.STATE_LOCAL_MOU, AgreementType.ONE_STOP_MOU})
"""The memoranda of understanding: at least two parties, reviewed at least every three years."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    """A written agreement among members of a system, and the roles and relationship it formalizes."""

    id: UUID
    system_id: UUID
    type: AgreementType
    title: str
    parties: tuple[UUID, ...]
    effective_on: date | None = None
    expires_on: date | None = None
    review_by: date | None = None
    status: AgreementStatus = AgreementStatus.DRAFT
    signed_on: date | None = None
    formalizes: tuple[UUID, ...] = ()
    working_relationship: WorkingRelationship | None = None
    contents: frozenset[str] = frozenset()
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Completeness:
    """Which items of its kind's checklist an agreement covers; ``applies`` is False for kinds with no checklist."""

    agreement_id: UUID
    type: AgreementType
    applies: bool
    present: tuple[ChecklistItem, ...] = ()
    missing: tuple[ChecklistItem, ...] = ()
    checklist: str = ""
    source: str = ""

    @property
    def complete(self) -> bool | None:
        """Say whether every item of the checklist is covered; None when no checklist applies."""
        return not self.missing if self.applies else None


# --- errors ---------------------------------------------------------------------------------------------


class AgreementNotDraft(RuleViolation):
    """Only a draft agreement can be signed."""

    title = "Agreement is not a draft"


class PartyNotAMember(RuleViolation):
    """Every party to a system's agreement is a member of the system."""

    title = "Party is not a member of the system"


class FormalizedRoleNotHeldByAParty(RuleViolation):
    """An agreement formalizes only the roles of its own parties."""

    title = "Formalized role is not held by a party"


# --- dates and status -----------------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """Return the same calendar day ``years`` later (29 February becomes 28 February)."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def review_due_on(agreement: Agreement, *, review_years: int = MOU_REVIEW_YEARS) -> date | None:
    """Return when an agreement is due for review: its review date, or for an MOU 3 years after it takes effect."""
    if agreement.review_by is not None:
        return agreement.review_by
    if agreement.type in MOU_TYPES and agreement.effective_on is not None:
        return add_years(agreement.effective_on, review_years)
    return None


def derived_status(agreement: Agreement, today: date) -> AgreementStatus:
    """Derive an agreement's status on a day: draft until signed, active until expiry, then expired."""
    if agreement.status is AgreementStatus.EXPIRED:
        return AgreementStatus.EXPIRED
    signed = agreement.status is AgreementStatus.ACTIVE or (
        agreement.signed_on is not None and agreement.signed_on <= today
    )
    if not signed:
        return AgreementStatus.DRAFT
    if agreement.expires_on is not None and today > agreement.expires_on:
        return AgreementStatus.EXPIRED
    return AgreementStatus.ACTIVE


def status_rank(status: AgreementStatus) -> int:
    """Return a status's place in the draft -> active -> expired order."""
    return _STATUS_RANK[status]


def is_active_on(agreement: Agreement, day: date) -> bool:
    """Say whether an agreement is in force on a day: signed, already effective and not yet expired."""
    if derived_status(agreement, day) is not AgreementStatus.ACTIVE:
        return False
    return agreement.effective_on is None or agreement.effective_on <= day


def formalizes(agreement: Agreement, assignment: Assignment) -> bool:
    """Say whether an agreement formalizes an assignment (listed by either side)."""
    return assignment.id in agreement.formalizes or assignment.agreement_id == agreement.id


# --- validation -----------------------------------------------------------------------------------------


def _duplicates(problems: list[FieldProblem], field_name: str, values: Iterable[UUID], what: str) -> None:
    seen: set[UUID] = set()
    for i, value in enumerate(values):
        if value in seen:
            problems.append(FieldProblem(f"{field_name}[{i}]", f"{what} {value} appears twice"))
        seen.add(value)


def _dates(problems: list[FieldProblem], agreement: Agreement, review_years: int) -> None:
    effective, expires, review = agreement.effective_on, agreement.expires_on, agreement.review_by
    if effective is not None and expires is not None and expires < effective:
        problems.append(FieldProblem("expires_on", f"must not be before effective_on ({effective})"))
    if effective is not None and review is not None and review < effective:
        problems.append(FieldProblem("review_by", f"must not be before effective_on ({effective})"))
    if agreement.signed_on is not None and expires is not None and agreement.signed_on > expires:
        problems.append(FieldProblem("signed_on", f"must not be after expires_on ({expires})"))
    if agreement.type in MOU_TYPES and effective is not None and review is not None:
        latest = add_years(effective, review_years)
        if review > latest:
            problems.append(
                FieldProblem("review_by", f"an MOU is reviewed at least every {review_years} years: by {latest}")
            )


def _contents(problems: list[FieldProblem], agreement: Agreement, checklists: Mapping[str, Checklist]) -> None:
    checklist = checklists.get(agreement.type.value)
    if checklist is None:
        if agreement.contents:
            problems.append(FieldProblem("contents", f"no checklist applies to a {agreement.type.value}"))
        return
    for code in sorted(agreement.contents - checklist.codes()):
        problems.append(FieldProblem("contents", f"'{code}' is not an item of the {checklist.name} checklist"))


def validate_agreement(
    agreement: Agreement,
    *,
    member_ids: Collection[UUID] | None = None,
    assignments: Mapping[UUID, Assignment] | None = None,
    review_years: int = MOU_REVIEW_YEARS,
    checklists: Mapping[str, Checklist] | None = None,
) -> Agreement:
    """Check an agreement's fields, and with the system's members and assignments its parties and roles;
    with the checklists, that its contents are items of its kind's checklist."""
    problems: list[FieldProblem] = []
    if not agreement.title.strip():
        problems.append(FieldProblem("title", "must not be blank"))
    elif len(agreement.title) > MAX_TITLE_LENGTH:
        problems.append(FieldProblem("title", f"must be at most {MAX_TITLE_LENGTH} characters"))
    if agreement.type in MOU_TYPES and len(set(agreement.parties)) < 2:
        problems.append(FieldProblem("parties", "an MOU needs at least 2 parties"))
    elif not agreement.parties:
        problems.append(FieldProblem("parties", "needs at least one party"))
    _duplicates(problems, "parties", agreement.parties, "partner")
    _duplicates(problems, "formalizes", agreement.formalizes, "assignment")
    _dates(problems, agreement, review_years)
    if checklists is not None:
        _contents(problems, agreement, checklists)
    if agreement.version < 1:
        problems.append(FieldProblem("version", "must be at least 1"))
    if assignments is not None:
        for i, assignment_id in enumerate(agreement.formalizes):
            found = assignments.get(assignment_id)
            if found is None or found.system_id != agreement.system_id:
                problems.append(FieldProblem(f"formalizes[{i}]", f"unknown assignment {assignment_id} in this system"))
    if problems:
        raise InvalidInput(problems)
    if member_ids is not None:
        outsiders = [p for p in agreement.parties if p not in member_ids]
        if outsiders:
            raise PartyNotAMember(
                f"partner {outsiders[0]} is not a member of system {agreement.system_id}; add it before it signs"
            )
    if assignments is not None:
        for assignment_id in agreement.formalizes:
            assignment = assignments[assignment_id]
            if assignment.partner_id not in agreement.parties:
                raise FormalizedRoleNotHeldByAParty(
                    f"assignment {assignment_id} ('{assignment.function}') is held by partner "
                    f"{assignment.partner_id}, who is not a party to the agreement"
                )
    return agreement


def revise_agreement(
    agreement: Agreement,
    changes: Mapping[str, Any],
    *,
    member_ids: Collection[UUID] | None = None,
    assignments: Mapping[UUID, Assignment] | None = None,
    checklists: Mapping[str, Checklist] | None = None,
) -> Agreement:
    """Apply a partial update to an agreement, validate it, and bump its version."""
    problems = [FieldProblem(name, "cannot be changed") for name in sorted(set(changes) - AGREEMENT_EDITABLE)]
    problems += [
        FieldProblem(name, "must not be null")
        for name, value in sorted(changes.items())
        if value is None and name in AGREEMENT_EDITABLE and name not in AGREEMENT_NULLABLE
    ]
    if problems:
        raise InvalidInput(problems)
    normalised: dict[str, Any] = dict(changes)
    for name in ("parties", "formalizes"):
        if name in normalised:
            normalised[name] = tuple(normalised[name])
    if "contents" in normalised:
        normalised["contents"] = frozenset(normalised["contents"])
    revised = replace(agreement, **normalised, version=agreement.version + 1)
    return validate_agreement(revised, member_ids=member_ids, assignments=assignments, checklists=checklists)


def sign_agreement(agreement: Agreement, *, signed_on: date) -> Agreement:
    """Record that a draft agreement was signed: it becomes active and its version is bumped."""
    if agreement.status is not AgreementStatus.DRAFT:
        raise AgreementNotDraft(f"agreement {agreement.id} is {agreement.status.value}; only a draft is signed")
    return validate_agreement(
        replace(agreement, status=AgreementStatus.ACTIVE, signed_on=signed_on, version=agreement.version + 1)
    )


def completeness(agreement: Agreement, checklists: Mapping[str, Checklist]) -> Completeness:
    """List the items of its kind's checklist an agreement covers and those it lacks.

    Seed 001: "Your team may decide to formalize these relationships with a written agreement or within a
    memorandum of understanding (MOU) in order to support sustaining relationships over time." A partnership
    MOU is judged by the seeds' checklist, a one-stop MOU by 20 CFR 678.500(b); other kinds by none.
    """
    checklist = checklists.get(agreement.type.value)
    if checklist is None:
        return Completeness(agreement_id=agreement.id, type=agreement.type, applies=False)
    return Completeness(
        agreement_id=agreement.id,
        type=agreement.type,
        applies=True,
        present=tuple(i for i in checklist.items if i.code in agreement.contents),
        missing=tuple(i for i in checklist.items if i.code not in agreement.contents),
        checklist=checklist.name,
        source=checklist.source,
    )


def formalized_partners(
    assignments: Iterable[Assignment], agreements: Iterable[Agreement], today: date
) -> set[UUID]:
    """Return the partners bound by an agreement in force today: its parties and the holders of its roles."""
    active = [a for a in agreements if is_active_on(a, today)]
    partners = {party for a in active for party in a.parties}
    partners |= {s.partner_id for s in assignments if any(formalizes(a, s) for a in active)}
    return partners


# --- gap analysis, kind 6 -------------------------------------------------------------------------------


def agreements_in(ctx: GapContext) -> list[Agreement] | None:
    """Return the system's agreements the context holds (by title), or None when it holds none at all."""
    return _agreements(ctx)


def _agreements(ctx: GapContext) -> list[Agreement] | None:
    if ctx.agreements is None:
        return None
    mine = [a for a in ctx.agreements if a.system_id == ctx.system.id]
    return sorted(mine, key=lambda a: (a.title.casefold(), a.title, a.id.bytes))


def _expiry_window(ctx: GapContext) -> int:
    window = ctx.agreement_expiry_window_days
    if window < 0:
        raise InvalidInput(FieldProblem("agreement_expiry_window_days", "must be a whole number of days, 0 or more"))
    return window


def _formalize_advice(ctx: GapContext, lead: Assignment, agreements: list[Agreement]) -> str:
    covering = [a for a in agreements if formalizes(a, lead)]
    for agreement in covering:
        status = derived_status(agreement, ctx.today)
        if status is AgreementStatus.DRAFT:
            return f"Sign the draft agreement '{agreement.title}', which formalizes this lead."
        if status is AgreementStatus.ACTIVE and agreement.effective_on is not None:
            return (
                f"'{agreement.title}' formalizes this lead from {agreement.effective_on.isoformat()}; "
                "bring its effective date forward if the work has started."
            )
    lapsed = [a for a in covering if derived_status(a, ctx.today) is AgreementStatus.EXPIRED]
    if lapsed:
        last = max(lapsed, key=lambda a: (a.expires_on or date.min, a.title, a.id.bytes))
        until = f" until {last.expires_on.isoformat()}" if last.expires_on is not None else ""
        return f"Renew '{last.title}', which formalized this lead{until}."
    return f"Formalize the lead in an MOU or another agreement signed by {ctx.name(lead.partner_id)}."


def unformalized_leads(ctx: GapContext) -> Iterable[Gap]:
    """Find lead assignments that no agreement in force today formalizes (core functions more severe)."""
    agreements = _agreements(ctx)
    if agreements is None:
        return
    leads = sorted(
        (a for a in ctx.assignments if a.strength is Strength.LEAD), key=lambda a: (a.function, a.id.bytes)
    )
    for lead in leads:
        if any(is_active_on(a, ctx.today) and formalizes(a, lead) for a in agreements):
            continue
        function = ctx.catalog.functions.get(lead.function)
        core = function is not None and function.core
        name = function.name if function is not None else lead.function
        yield Gap(
            kind=GapKind.FORMALIZATION,
            severity=Severity.HIGH if core else Severity.MEDIUM,
            subject=lead.function,
            explanation=(
                f"{ctx.name(lead.partner_id)} leads the {'core function' if core else 'function'} '{name}' "
                "without an agreement in force that formalizes it."
            ),
            recommendation=_formalize_advice(ctx, lead, agreements),
            figures={"assignment_id": str(lead.id), "partner_id": str(lead.partner_id)},
        )


def agreement_renewals(ctx: GapContext) -> Iterable[Gap]:
    """Find agreements in force that lapsed, are past their review date, or expire within the window."""
    agreements = _agreements(ctx)
    if agreements is None:
        return
    window = _expiry_window(ctx)
    for agreement in agreements:
        if agreement.status is AgreementStatus.EXPIRED:
            continue  # recorded as expired: the team has acknowledged it, nothing left to renew
        status = derived_status(agreement, ctx.today)
        if status is AgreementStatus.DRAFT:
            continue
        figures: dict[str, float | int | str] = {"agreement_id": str(agreement.id), "type": agreement.type.value}
        expires, review = agreement.expires_on, review_due_on(agreement)
        if expires is not None:
            figures["expires_on"] = expires.isoformat()
        if review is not None:
            figures["review_by"] = review.isoformat()
        title = agreement.title
        if status is AgreementStatus.EXPIRED and expires is not None:
            figures["days_expired"] = (ctx.today - expires).days
            yield Gap(
                kind=GapKind.FORMALIZATION,
                severity=Severity.HIGH,
                subject=title,
                explanation=f"'{title}' expired on {expires.isoformat()} but is still recorded as active.",
                recommendation=f"Renew '{title}' with its parties, or record it as expired.",
                figures=figures,
            )
        elif review is not None and review < ctx.today:
            figures["days_past_review"] = (ctx.today - review).days
            yield Gap(
                kind=GapKind.FORMALIZATION,
                severity=Severity.HIGH,
                subject=title,
                explanation=f"'{title}' was due for review on {review.isoformat()}.",
                recommendation=(
                    f"Review '{title}' with its parties and renew it if anything substantial has changed "
                    f"(MOUs are reviewed at least every {MOU_REVIEW_YEARS} years)."
                ),
                figures=figures,
            )
        elif expires is not None and (expires - ctx.today).days <= window:
            figures["days_to_expiry"] = (expires - ctx.today).days
            yield Gap(
                kind=GapKind.FORMALIZATION,
                severity=Severity.MEDIUM,
                subject=title,
                explanation=f"'{title}' expires on {expires.isoformat()}, within {window} days.",
                recommendation=f"Start renewing '{title}' with its parties before it expires.",
                figures=figures,
            )


def incomplete_agreements(ctx: GapContext) -> Iterable[Gap]:
    """Find agreements in force that lack items of their kind's checklist (a one-stop MOU's are required).

    Seed 001: "Your team may decide to formalize these relationships with a written agreement or within a
    memorandum of understanding (MOU) in order to support sustaining relationships over time."
    """
    agreements = _agreements(ctx)
    if agreements is None:
        return
    for agreement in agreements:
        if not is_active_on(agreement, ctx.today):
            continue
        found = completeness(agreement, ctx.catalog.agreement_checklists)
        if not found.applies or not found.missing:
            continue
        missing = ", ".join(item.code for item in found.missing)
        required = agreement.type is AgreementType.ONE_STOP_MOU
        yield Gap(
            kind=GapKind.AGREEMENT_COMPLETENESS,
            severity=Severity.HIGH if required else Severity.MEDIUM,
            subject=agreement.title,
            explanation=(
                f"'{agreement.title}' is in force but lacks {len(found.missing)} of the "
                f"{len(found.missing) + len(found.present)} items of the {found.checklist} checklist: {missing}."
            ),
            recommendation=f"Amend '{agreement.title}' with its parties to cover {missing}.",
            figures={"agreement_id": str(agreement.id), "type": agreement.type.value, "missing": missing},
        )
