"""DTOs of career pathways systems, role assignment, gaps and suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from types import SimpleNamespace
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain.gap_reports import summarise_gaps
from api.domain.gaps import Gap, GapKind, Severity
from api.domain.partners import Jurisdiction, Status
from api.domain.relationships import current_confirmations
from api.domain.systems import (
    MAX_CONFIRMER_LENGTH,
    MAX_REASON_LENGTH,
    MAX_TOPIC_LENGTH,
    CareerPathwaysSystem,
    RoleCatalog,
    RoleMatrix,
    StaffSession,
    StaffSessionKind,
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
Cadence = Annotated[int, Field(ge=1, le=120)]
PopulationSizes = Annotated[
    dict[Code, Annotated[int, Field(ge=0, le=1_000_000_000)]],
    Field(max_length=50, description="estimated people in each target population, by population code"),
]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REASON_LENGTH, strip_whitespace=True)]


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
    review_cadence_months: Cadence = 12
    last_reviewed_on: date | None = None
    state_system_id: UUID | None = Field(default=None,
                                         description="the state system a local system answers to")
    vision_review_cadence_months: Cadence = Field(
        default=12, description="months between revisits of the vision, mission and goals")
    vision_revisited_on: date | None = Field(
        default=None, description="when the vision and mission were last revisited (today when given now)")
    target_population_sizes: PopulationSizes = Field(default_factory=dict)

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
    review_cadence_months: Cadence | None = None
    state_system_id: UUID | None = Field(default=None, description="null unlinks the system from its state system")
    vision_review_cadence_months: Cadence | None = None
    target_population_sizes: PopulationSizes | None = None

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
    """The day the membership was reviewed: today or earlier, not before the last review."""

    reviewed_on: date


class ReviewCorrectionIn(_In):
    """A correction of a mistaken membership review date (null: never reviewed), and why."""

    reviewed_on: date | None
    reason: Reason


class VisionReviewIn(_In):
    """The day the team revisited its vision, mission and goals: today or earlier."""

    revisited_on: date


class VisionReviewCorrectionIn(_In):
    """A correction of a mistaken revisit date of the vision and mission (null: never revisited), and why."""

    revisited_on: date | None
    reason: Reason


class ConfirmationIn(_In):
    """That the roles of a local system's working relationship with its state are understood and agreed at one
    level: the local level by the local system, the state level by its state system."""

    level: SystemLevel
    confirmed_on: date
    confirmed_by: Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONFIRMER_LENGTH,
                                                   strip_whitespace=True)]


class MemberOut(_Out):
    partner_id: UUID
    representative: str
    team: Team
    joined_on: date | None
    partner_type: str | None = None
    status: Status | None = Field(default=None, description="the partner's directory status (retired: gap)")


class LinkedSystemOut(_Out):
    """A system linked to this one: its state system, or one of its local systems."""

    id: UUID
    name: str
    level: SystemLevel
    jurisdiction: JurisdictionOut
    working_relationship: WorkingRelationship


class ConfirmationOut(_Out):
    """A dated confirmation of the state/local roles at one level; ``current`` while the relationship it
    confirmed is still the one the system records."""

    level: SystemLevel
    confirmed_on: date
    confirmed_by: str
    relationship: WorkingRelationship
    current: bool


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
    state_system_id: UUID | None
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
    state_system_id: UUID | None
    state_system: LinkedSystemOut | None
    local_systems: list[LinkedSystemOut]
    relationship_confirmations: list[ConfirmationOut]
    vision_review_cadence_months: int
    vision_revisited_on: date | None
    target_population_sizes: dict[str, int]

    @classmethod
    def of(cls, state: SystemState) -> SystemOut:
        members = [
            MemberOut(partner_id=m.partner_id, representative=m.representative, team=m.team, joined_on=m.joined_on,
                      partner_type=state.partner_types.get(m.partner_id),
                      status=state.partner_statuses.get(m.partner_id))
            for m in state.members
        ]
        system = state.system
        current = current_confirmations(system)
        confirmations = [
            ConfirmationOut(level=c.level, confirmed_on=c.confirmed_on, confirmed_by=c.confirmed_by,
                            relationship=c.relationship, current=current.get(c.level) is c)
            for c in system.relationship_confirmations
        ]
        return cls.model_validate(
            {**{k: getattr(system, k) for k in cls.model_fields if hasattr(system, k)},
             "jurisdiction": system.jurisdiction, "members": members,
             "assignments": [AssignmentOut.model_validate(a) for a in state.assignments],
             "state_system": state.state_system, "local_systems": list(state.local_systems),
             "relationship_confirmations": confirmations,
             "target_population_sizes": dict(system.target_population_sizes)}
        )


class SystemPage(BaseModel):
    items: list[SystemSummaryOut]
    next_cursor: str | None


class RemovedMember(BaseModel):
    """The result of removing a member: the system now, and the assignments removed with it."""

    system: SystemOut
    removed_assignments: list[AssignmentOut]


class GapCandidateOut(_Out):
    """An organization that could close a gap: a member that could already lead an unled function, or an active
    organization of the directory in or near the system's area that fits."""

    partner_id: UUID
    name: str
    partner_type: str
    partner_type_label: str = Field(description="the partner type's name")
    member: bool = Field(description="already a member (members that could lead an unled function come first)")
    score: int = Field(description="0-100: how well it fits the gap, and where it is")
    reasons: list[str]
    distance_km: float | None = Field(
        description="km from the members' mean position, where both have coordinates (null for members)")


class GapOut(_Out):
    """Something the system lacks: what, how severe, why it matters and what to do."""

    kind: GapKind
    severity: Severity
    subject: str
    subject_label: str = Field(description="the subject in words: a population's, function's, partner type's, "
                                           "service category's or occupation's name")
    explanation: str
    recommendation: str
    figures: dict[str, float | int | str]
    candidates: list[GapCandidateOut] = Field(
        description="who could close the gap, best first; given when asked for with `candidates=N`")


class TopActionOut(_Out):
    """One thing to do, from one of the most severe gaps."""

    kind: GapKind
    severity: Severity
    subject: str
    subject_label: str = Field(description="the subject in words")
    recommendation: str


class GapSummaryOut(_Out):
    """The report at a glance: counts by severity and kind, and the first things to do."""

    total: int
    by_severity: dict[str, int] = Field(description="gaps per severity, every severity listed")
    by_kind: dict[str, int] = Field(description="gaps per kind, the kinds found")
    top_actions: list[TopActionOut] = Field(description="the recommendations of the most severe gaps, each once")


class GapReport(BaseModel):
    system_id: UUID
    as_of: date
    summary: GapSummaryOut
    gaps: list[GapOut]


_json.dto_encoder(GapReport)  # compiled at import: a field it cannot write fails here, not in a response


def gap_report_json(system_id: UUID, as_of: date, gaps: Sequence[Gap]) -> bytes:
    """The JSON of a ``GapReport``, written straight from the domain gaps by the compiled encoder.

    The same bytes as the DTO's (tests hold the two together) without validating each gap into a ``GapOut``
    first: a state system reports 800 gaps and 1.7 MB of explanations and figures.
    """
    return _json.dto_json(GapReport, SimpleNamespace(system_id=system_id, as_of=as_of,
                                                     summary=summarise_gaps(gaps), gaps=gaps))


class TeamReviewOut(BaseModel):
    """The periodic review: unled or unsupported core functions, unserved target populations, the leadership
    team's composition, retired members and partners missing from the team lists."""

    system_id: UUID
    as_of: date
    last_reviewed_on: date | None
    due_on: date | None
    overdue: bool
    days_overdue: int | None
    summary: GapSummaryOut
    gaps: list[GapOut]
    retired_members: list[UUID] = Field(description="members retired in the directory, by name")
    champion_id: UUID | None = Field(
        description="who champions the system: the member given the champion function as lead, else the "
                    "intermediary (seed 001: \"The intermediary also serves as the system's champion\")")


class StaffSessionIn(_In):
    """A session that informed or trained the staff of member agencies about the system."""

    held_on: date
    kind: StaffSessionKind
    topic: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TOPIC_LENGTH, strip_whitespace=True)]
    level: SystemLevel = Field(description="whether state or local staff took part")
    agencies: Annotated[list[UUID], Field(min_length=1, max_length=500,
                                          description="members whose staff took part")]

    def to_domain(self, system_id: UUID) -> StaffSession:
        return StaffSession(id=uuid4(), system_id=system_id, held_on=self.held_on, kind=self.kind,
                            topic=self.topic, level=self.level, agencies=tuple(self.agencies))


class StaffSessionOut(_Out):
    id: UUID
    system_id: UUID
    held_on: date
    kind: StaffSessionKind
    topic: str
    level: SystemLevel
    agencies: list[UUID]
    created_at: datetime | None


class StaffSessionPage(BaseModel):
    items: list[StaffSessionOut]
    next_cursor: str | None


class CandidateOut(_Out):
    partner_id: UUID
    name: str
    score: int
    fits: bool
    reasons: list[str]


class LeadSuggestionOut(_Out):
    """Members ranked to lead a function without a lead, or partner types to recruit when none fits."""

    function: str
    function_label: str = Field(description="the function's name")
    core: bool
    candidates: list[CandidateOut]
    recruit: list[str]
    recruit_labels: list[str] = Field(description="the names of the partner types in `recruit`, in its order")
    prospects: list[GapCandidateOut] = Field(
        description="organizations of the directory, not members, in or near the system's area that could take "
                    "the function on, best first")


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


class MatrixAdditionOut(BaseModel):
    """An entry of the role matrix that is not in the seed's chart, and where it comes from."""

    partner_type: str
    function: str
    source: str


class RoleMatrixOut(BaseModel):
    """Partner type -> the functions it usually carries; ``additions`` are the entries beyond the seed's chart."""

    usual_functions: dict[str, list[str]]
    additions: list[MatrixAdditionOut] = Field(
        description="entries that are not in the seed's chart (project or deployment additions), with their source")

    @classmethod
    def of(cls, matrix: RoleMatrix) -> RoleMatrixOut:
        additions = [MatrixAdditionOut(partner_type=t, function=f, source=source)
                     for (t, f), source in sorted(matrix.sources.items())]
        return cls(usual_functions={t: sorted(f) for t, f in sorted(matrix.usual.items())}, additions=additions)


class TeamRequirementOut(_Out):
    """A partner type the leadership team should include: essential, or among the seed's "and others"."""

    partner_type: str
    tier: str
    severity: Severity
    source: str


class TeamRequirementsOut(BaseModel):
    leadership_team: list[TeamRequirementOut]
    intermediary_function: str
    champion_function: str | None

    @classmethod
    def of(cls, catalog: RoleCatalog) -> TeamRequirementsOut:
        return cls(leadership_team=[TeamRequirementOut.model_validate(r) for r in catalog.team_requirements],
                   intermediary_function=catalog.coordination_function, champion_function=catalog.champion_function)


class UsualFunctionsIn(_In):
    functions: Annotated[list[Code], Field(max_length=100)]
