"""DTOs of agreements (MOUs and others), their derived status, and completeness by the checklist of their kind."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain import agreements as rules
from api.domain.agreements import Agreement, AgreementStatus, AgreementType, Completeness
from api.domain.checklists import Checklist
from api.domain.systems import WorkingRelationship
from api.schemas.partners import Code

Title = Annotated[str, StringConstraints(min_length=1, max_length=rules.MAX_TITLE_LENGTH, strip_whitespace=True)]
Parties = Annotated[list[UUID], Field(min_length=1, max_length=100)]
AssignmentIds = Annotated[list[UUID], Field(max_length=500)]
Sections = Annotated[list[Code], Field(
    max_length=20, description="codes of the items of its kind's checklist the agreement covers "
                               "(GET /v1/reference/agreement-checklists)")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class AgreementIn(_In):
    """A new agreement among members of the system, and the role assignments it formalizes."""

    type: AgreementType
    title: Title
    parties: Parties = Field(description="partner ids, each a member of the system (an MOU needs two)")
    effective_on: date | None = None
    expires_on: date | None = None
    review_by: date | None = Field(default=None, description="an MOU is reviewed at least every three years")
    status: AgreementStatus = Field(default=AgreementStatus.DRAFT,
                                    description="the recorded status; responses also give the one derived from dates")
    signed_on: date | None = None
    formalizes: AssignmentIds = Field(default_factory=list, description="ids of role assignments it formalizes")
    working_relationship: WorkingRelationship | None = Field(
        default=None, description="the state/local working relationship the agreement records")
    contents: Sections = Field(default_factory=list)

    def to_domain(self, system_id: UUID) -> Agreement:
        return Agreement(
            id=uuid4(), system_id=system_id, type=self.type, title=self.title, parties=tuple(self.parties),
            effective_on=self.effective_on, expires_on=self.expires_on, review_by=self.review_by,
            status=self.status, signed_on=self.signed_on, formalizes=tuple(self.formalizes),
            working_relationship=self.working_relationship, contents=frozenset(self.contents),
        )


class AgreementPatch(_In):
    """A partial update of an agreement; null clears a date or the working relationship."""

    type: AgreementType | None = None
    title: Title | None = None
    parties: Parties | None = None
    effective_on: date | None = None
    expires_on: date | None = None
    review_by: date | None = None
    status: AgreementStatus | None = None
    signed_on: date | None = None
    formalizes: AssignmentIds | None = None
    working_relationship: WorkingRelationship | None = None
    contents: Sections | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class SignIn(_In):
    """The day the agreement was signed (today, UTC, when left out)."""

    signed_on: date | None = None


class AgreementOut(_Out):
    """An agreement; ``status`` is derived from its dates on ``as_of``, ``recorded_status`` is what was recorded."""

    id: UUID
    system_id: UUID
    type: AgreementType
    title: str
    parties: list[UUID]
    effective_on: date | None
    expires_on: date | None
    review_by: date | None
    review_due_on: date | None = Field(description="the review date, or for an MOU three years after it takes effect")
    status: AgreementStatus
    recorded_status: AgreementStatus
    in_force: bool = Field(description="signed, already effective and not expired on as_of")
    as_of: date
    signed_on: date | None
    formalizes: list[UUID]
    working_relationship: WorkingRelationship | None
    contents: list[str]
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, agreement: Agreement, today: date) -> AgreementOut:
        return cls(
            id=agreement.id, system_id=agreement.system_id, type=agreement.type, title=agreement.title,
            parties=list(agreement.parties), effective_on=agreement.effective_on, expires_on=agreement.expires_on,
            review_by=agreement.review_by, review_due_on=rules.review_due_on(agreement),
            status=rules.derived_status(agreement, today), recorded_status=agreement.status,
            in_force=rules.is_active_on(agreement, today), as_of=today, signed_on=agreement.signed_on,
            formalizes=list(agreement.formalizes), working_relationship=agreement.working_relationship,
            contents=sorted(agreement.contents), version=agreement.version, created_at=agreement.created_at,
            updated_at=agreement.updated_at,
        )


class AgreementPage(BaseModel):
    items: list[AgreementOut]
    next_cursor: str | None


class RequiredSectionOut(_Out):
    """An item of a checklist, and where the requirement comes from."""

    code: str
    description: str
    source: str


class CompletenessOut(_Out):
    """Which items of its kind's checklist the agreement covers and lacks.

    ``applies`` is false, and ``complete`` null, for a kind no checklist applies to (a contract, a grant
    agreement, ...): such an agreement is neither complete nor incomplete.
    """

    agreement_id: UUID
    type: AgreementType
    applies: bool
    complete: bool | None
    checklist: str = Field(description="the checklist's name, empty when none applies")
    present: list[RequiredSectionOut]
    missing: list[RequiredSectionOut]
    source: str

    @classmethod
    def of(cls, found: Completeness) -> CompletenessOut:
        return cls(
            agreement_id=found.agreement_id, type=found.type, applies=found.applies, complete=found.complete,
            checklist=found.checklist,
            present=[RequiredSectionOut.model_validate(s) for s in found.present],
            missing=[RequiredSectionOut.model_validate(s) for s in found.missing], source=found.source,
        )


class ChecklistOut(_Out):
    """The checklist an agreement of one kind is judged by; each item says where it comes from."""

    kind: str = Field(description="the agreement type it applies to")
    name: str
    source: str
    items: list[RequiredSectionOut]

    @classmethod
    def of(cls, checklist: Checklist) -> ChecklistOut:
        return cls(kind=checklist.kind, name=checklist.name, source=checklist.source,
                   items=[RequiredSectionOut.model_validate(i) for i in checklist.items])
