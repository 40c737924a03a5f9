"""GraphQL projection of what makes a gap report actionable: candidates, the summary, the report's filters."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated
from uuid import UUID

import strawberry

from api.domain import gap_reports as gr
from api.domain import gaps as g
from api.domain import recruiting as r
from api.domain.errors import FieldProblem, InvalidInput
from api.graphql.errors import query_error
from api.usecases import systems as uc

GapKindEnum = strawberry.enum(Enum("GapKind", {m.name: m.value for m in g.GapKind}))
SeverityEnum = strawberry.enum(Enum("Severity", {m.name: m.value for m in g.Severity}))


@strawberry.type(description="An organization that could close a gap: a member that could already lead an unled "
                             "function, or an active organization of the directory in or near the system's area.")
class GapCandidate:
    partner_id: UUID = strawberry.field(description="The organization's id in the directory.")
    name: str = strawberry.field(description="Its name.")
    partner_type: str = strawberry.field(description="Its partner type's code.")
    partner_type_label: str = strawberry.field(description="Its partner type's name.")
    member: bool = strawberry.field(description="Already a member (members come first).")
    score: int = strawberry.field(description="0-100: how well it fits the gap, and where it is.")
    reasons: list[str] = strawberry.field(description="Why it fits.")
    distance_km: float | None = strawberry.field(
        description="Kilometres from the members' mean position, where both have coordinates.")


def candidate_from_domain(x: r.GapCandidate) -> GapCandidate:
    """Project a domain candidate."""
    return GapCandidate(partner_id=x.partner_id, name=x.name, partner_type=x.partner_type,
                        partner_type_label=x.partner_type_label, member=x.member, score=x.score,
                        reasons=list(x.reasons), distance_km=x.distance_km)


@strawberry.type(description="How many gaps of one kind or severity.")
class GapCount:
    key: str = strawberry.field(description="The kind or severity.")
    count: int = strawberry.field(description="How many gaps.")


@strawberry.type(description="One thing to do, from one of the most severe gaps.")
class TopAction:
    kind: GapKindEnum = strawberry.field(description="The gap's kind.")  # type: ignore[valid-type]
    severity: SeverityEnum = strawberry.field(description="The gap's severity.")  # type: ignore[valid-type]
    subject: str = strawberry.field(description="The gap's subject code.")
    subject_label: str = strawberry.field(description="The subject in words.")
    recommendation: str = strawberry.field(description="What to do.")


@strawberry.type(description="A gap report at a glance: counts by severity and kind, and the top actions.")
class GapSummary:
    total: int = strawberry.field(description="How many gaps the report holds.")
    by_severity: list[GapCount] = strawberry.field(description="Gaps per severity, every severity listed.")
    by_kind: list[GapCount] = strawberry.field(description="Gaps per kind, the kinds found.")
    top_actions: list[TopAction] = strawberry.field(
        description="The recommendations of the most severe gaps, each once.")


def summary_from_domain(x: gr.GapSummary) -> GapSummary:
    """Project a domain summary."""
    return GapSummary(
        total=x.total,
        by_severity=[GapCount(key=k, count=v) for k, v in x.by_severity.items()],
        by_kind=[GapCount(key=k, count=v) for k, v in x.by_kind.items()],
        top_actions=[TopAction(kind=GapKindEnum(a.kind.value), severity=SeverityEnum(a.severity.value),
                               subject=a.subject, subject_label=a.subject_label, recommendation=a.recommendation)
                     for a in x.top_actions],
    )


SeverityArg = Annotated[SeverityEnum | None, strawberry.argument(  # type: ignore[valid-type]
    description="The least severe gaps to show (HIGH: high and critical).")]
KindsArg = Annotated[list[GapKindEnum] | None, strawberry.argument(  # type: ignore[valid-type]
    description="Only gaps of these kinds.")]
SubjectArg = Annotated[str | None, strawberry.argument(description="Only gaps about this subject (code or label).")]
AsOfArg = Annotated[date | None, strawberry.argument(
    description="Evaluate as of this date (default today): reviews and agreements due, overdue items.")]
CandidatesArg = Annotated[int, strawberry.argument(
    description="How many organizations to name for each gap a partner could close (0 to 10).")]


def gap_filter(severity: object, kinds: list[object] | None, subject: str | None,
               candidates: int) -> uc.GapFilter:
    """The use case's filter from the arguments; a bad count is an ``INVALID_INPUT`` error."""
    if not 0 <= candidates <= r.MAX_CANDIDATES:
        raise query_error(InvalidInput(FieldProblem("candidates", f"must be between 0 and {r.MAX_CANDIDATES}")))
    return uc.GapFilter(
        min_severity=g.Severity(severity.value) if isinstance(severity, Enum) else None,
        kinds=tuple(g.GapKind(k.value) for k in kinds or () if isinstance(k, Enum)),
        subject=subject,
    )
