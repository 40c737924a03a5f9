"""DTOs of career pathways systems, role assignment, gaps and suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from types import SimpleNamespace
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain.gaps import Gap, GapKind, Severity
from api.domain.partners import Jurisdiction
from api.domain.systems import (
    CareerPathwaysSystem,
    Strength,
    SystemLevel,
    SystemState,
    Team,
    WorkingRelationship,
)
from api.schemas import _json
from api.schemas.partners import Code, JurisdictionDto, JurisdictionOut, Name, Text

Codes = Annotated[list[Code], Field(max_length=200)]
Goals = Annotated[list[Annotated[str, StringConstraints(max_length=1000)]], Field(max_length=50)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SystemCreate(_In):
    """A new career pathways system (partnership); add members and the intermediary afterwards."""

    name: Name
    level: SystemLevel
    jurisdiction: JurisdictionDto
    vision: Text = ""
    mission: Text = ""
    goals: Goals = Field(default_factory=list)
    target_sectors: Codes = Field(default_factory=list, description="NAICS codes (2 to 6 digits)")
    target_occupations: Codes = Field(default_factory=list, description="SOC codes (XX-XXXX)")
    target_populations: Codes = Field(default_factory=list)
    regions: Codes = Field(default_factory=list)
    working_relationship: WorkingRelationship = WorkingRelationship.SHARED
    working_relationship_notes: Text = ""
    review_cadence_months: Annotated[int, Field(ge=1, le=120)] = 12
    last_reviewed_on: date | None = None

    def to_domain(self) -> CareerPathwaysSystem:
        data = self.model_dump(exclude={"jurisdiction"})
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return CareerPathwaysSystem(id=uuid4(), jurisdiction=self.jurisdiction.to_domain(), **data)


class SystemPatch(_In):
    """A partial update of a system's own fields."""

    name: Name | None = None
    level: SystemLevel | None = None
    jurisdiction: JurisdictionDto | None = None
    vision: Text | None = None
    mission: Text | None = None
    goals: Goals | None = None
    target_sectors: Codes | None = None
    target_occupations: Codes | None = None
    target_populations: Codes | None = None
    regions: Codes | None = None
    working_relationship: WorkingRelationship | None = None
    working_relationship_notes: Text | None = None
    review_cadence_months: Annotated[int, Field(ge=1, le=120)] | None = None

    def changes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.model_dump(exclude_unset=True).items():
            if key == "jurisdiction" and value is not None:
                value = Jurisdiction(**value)
            elif isinstance(value, list):
                value = tuple(value)
            out[key] = value
        return out


class MemberIn(_In):
    """A partner joining the system, through its representative."""

    partner_id: UUID
    representative: Name
    team: Team = Team.LEADERSHIP
    joined_on: date | None = None


class MemberPatch(_In):
    representative: Name | None = None
    team: Team | None = None


class IntermediaryIn(_In):
    """The member that coordinates day-to-day collaboration and champions the system."""

    partner_id: UUID


class AssignmentIn(_In):
    """Give a member a function with a strength."""

    partner_id: UUID
    function: Code
    strength: Strength
    agreement_id: UUID | None = None


class ReviewIn(_In):
    reviewed_on: date


class MemberOut(_Out):
    partner_id: UUID
    representative: str
    team: Team
    joined_on: date | None
    partner_type: str | None = None


class AssignmentOut(_Out):
    """A member's role: ``atypical`` when the function is outside its partner type's usual ones."""

    id: UUID
    partner_id: UUID
    function: str
    strength: Strength
    agreement_id: UUID | None
    atypical: bool


class SystemSummaryOut(_Out):
    id: UUID
    name: str
    level: SystemLevel
    jurisdiction: JurisdictionOut
    intermediary_id: UUID | None
    version: int
    updated_at: datetime | None


class SystemOut(_Out):
    """A system with its members and role assignments."""

    id: UUID
    name: str
    level: SystemLevel
    jurisdiction: JurisdictionOut
    vision: str
    mission: str
    goals: list[str]
    target_sectors: list[str]
    target_occupations: list[str]
    target_populations: list[str]
    regions: list[str]
    working_relationship: WorkingRelationship
    working_relationship_notes: str
    review_cadence_months: int
    last_reviewed_on: date | None
    intermediary_id: UUID | None
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    members: list[MemberOut]
    assignments: list[AssignmentOut]

    @classmethod
    def of(cls, state: SystemState) -> SystemOut:
        members = [
            MemberOut(partner_id=m.partner_id, representative=m.representative, team=m.team, joined_on=m.joined_on,
                      partner_type=state.partner_types.get(m.partner_id))
            for m in state.members
        ]
        return cls.model_validate(
            {**{k: getattr(state.system, k) for k in cls.model_fields if hasattr(state.system, k)},
             "jurisdiction": state.system.jurisdiction, "members": members,
             "assignments": [AssignmentOut.model_validate(a) for a in state.assignments]}
        )


class SystemPage(BaseModel):
    items: list[SystemSummaryOut]
    next_cursor: str | None


class RemovedMember(BaseModel):
    """The result of removing a member: the system now, and the assignments removed with it."""

    system: SystemOut
    removed_assignments: list[AssignmentOut]


class GapOut(_Out):
    """Something the system lacks: what, how severe, why it matters and what to do."""

    kind: GapKind
    severity: Severity
    subject: str
    explanation: str
    recommendation: str
    figures: dict[str, float | int | str]


class GapReport(BaseModel):
    system_id: UUID
    as_of: date
    gaps: list[GapOut]


_json.dto_encoder(GapReport)  # compiled at import: a field it cannot write fails here, not in a response


def gap_report_json(system_id: UUID, as_of: date, gaps: Sequence[Gap]) -> bytes:
    """The JSON of a ``GapReport``, written straight from the domain gaps by the compiled encoder.

    The same bytes as the DTO's (tests hold the two together) without validating each gap into a ``GapOut``
    first: a state system reports 800 gaps and 1.7 MB of explanations and figures.
    """
    return _json.dto_json(GapReport, SimpleNamespace(system_id=system_id, as_of=as_of, gaps=gaps))


class TeamReviewOut(BaseModel):
    system_id: UUID
    as_of: date
    last_reviewed_on: date | None
    due_on: date | None
    overdue: bool
    days_overdue: int | None
    gaps: list[GapOut]


class CandidateOut(_Out):
    partner_id: UUID
    name: str
    score: int
    fits: bool
    reasons: list[str]


class LeadSuggestionOut(_Out):
    """Members ranked to lead a function without a lead, or partner types to recruit when none fits."""

    function: str
    core: bool
    candidates: list[CandidateOut]
    recruit: list[str]


class SuggestionReport(BaseModel):
    system_id: UUID
    suggestions: list[LeadSuggestionOut]


class FunctionOut(_Out):
    code: str
    name: str
    description: str
    core: bool
    element: int | None
    service_categories: list[str]


class FunctionIn(_In):
    name: Name
    description: Text = ""
    core: bool = False
    element: Annotated[int, Field(ge=1, le=6)] | None = None
    service_categories: Codes = Field(default_factory=list)


class RoleMatrixOut(BaseModel):
    """Partner type -> the functions it usually carries."""

    usual_functions: dict[str, list[str]]


class UsualFunctionsIn(_In):
    functions: Annotated[list[Code], Field(max_length=100)]
