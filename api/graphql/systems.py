"""GraphQL projection of career pathways systems: queries, mutations, gaps, suggestions and review."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated
from uuid import UUID

import strawberry
from pydantic import ValidationError as PydanticValidationError

from api.domain import gaps as g
from api.domain import suggestions as sg
from api.domain import systems as d
from api.domain.access import Scope
from api.domain.errors import DomainError, NotFound
from api.graphql.context import Context
from api.graphql.convert import to_plain
from api.graphql.errors import MutationError, as_result, query_error
from api.graphql.labor_market import settings_of
from api.graphql.permissions import requires
from api.graphql.types import Jurisdiction, JurisdictionInput, PageInfo, Partner, partner_from_domain
from api.schemas.systems import AssignmentIn, MemberIn, SystemCreate, SystemPatch
from api.usecases import systems as uc

Info = strawberry.Info[Context, None]


SystemLevelEnum = strawberry.enum(Enum("SystemLevel", {m.name: m.value for m in d.SystemLevel}))
TeamEnum = strawberry.enum(Enum("Team", {m.name: m.value for m in d.Team}))
StrengthEnum = strawberry.enum(Enum("Strength", {m.name: m.value for m in d.Strength}))
WorkingRelationshipEnum = strawberry.enum(
    Enum("WorkingRelationship", {m.name: m.value for m in d.WorkingRelationship}))
GapKindEnum = strawberry.enum(Enum("GapKind", {m.name: m.value for m in g.GapKind}))
SeverityEnum = strawberry.enum(Enum("Severity", {m.name: m.value for m in g.Severity}))


@strawberry.type
class Member:
    partner_id: UUID
    representative: str
    team: TeamEnum  # type: ignore[valid-type]
    joined_on: date | None
    partner_type: str | None

    @strawberry.field(description="The member's directory record (batched per request).")
    async def partner(self, info: Info) -> Partner | None:
        found = await info.context.loaders.partners.load(self.partner_id)
        return partner_from_domain(found) if found else None


@strawberry.type
class Assignment:
    id: UUID
    partner_id: UUID
    function: str
    strength: StrengthEnum  # type: ignore[valid-type]
    agreement_id: UUID | None
    atypical: bool


@strawberry.type
class Figure:
    name: str
    value: str


@strawberry.type
class Gap:
    kind: GapKindEnum  # type: ignore[valid-type]
    severity: SeverityEnum  # type: ignore[valid-type]
    subject: str
    explanation: str
    recommendation: str
    figures: list[Figure]


@strawberry.type
class Candidate:
    partner_id: UUID
    name: str
    score: int
    fits: bool
    reasons: list[str]


@strawberry.type
class LeadSuggestion:
    function: str
    core: bool
    candidates: list[Candidate]
    recruit: list[str]


@strawberry.type
class TeamReview:
    last_reviewed_on: date | None
    due_on: date | None
    overdue: bool
    days_overdue: int | None
    gaps: list[Gap]


def gap_from_domain(x: g.Gap) -> Gap:
    """Project a domain gap."""
    return Gap(kind=GapKindEnum(x.kind.value), severity=SeverityEnum(x.severity.value), subject=x.subject,
               explanation=x.explanation, recommendation=x.recommendation,
               figures=[Figure(name=k, value=str(v)) for k, v in sorted(x.figures.items())])


def suggestion_from_domain(x: sg.LeadSuggestion) -> LeadSuggestion:
    """Project a domain suggestion."""
    return LeadSuggestion(
        function=x.function, core=x.core, recruit=list(x.recruit),
        candidates=[Candidate(partner_id=c.partner_id, name=c.name, score=c.score, fits=c.fits,
                              reasons=list(c.reasons)) for c in x.candidates],
    )


@strawberry.type
class System:
    id: UUID
    name: str
    level: SystemLevelEnum  # type: ignore[valid-type]
    jurisdiction: Jurisdiction
    vision: str
    mission: str
    goals: list[str]
    target_sectors: list[str]
    target_occupations: list[str]
    target_populations: list[str]
    regions: list[str]
    working_relationship: WorkingRelationshipEnum  # type: ignore[valid-type]
    working_relationship_notes: str
    review_cadence_months: int
    last_reviewed_on: date | None
    intermediary_id: UUID | None
    version: int
    created_at: datetime | None
    updated_at: datetime | None
    members: list[Member]
    assignments: list[Assignment]

    @strawberry.field(description="Gap analysis, most severe first.")
    async def gaps(self, info: Info) -> list[Gap]:
        settings = settings_of(info)
        found = await uc.analyse(await info.context.read_uow(), system_id=self.id,
                                 expiry_window_days=settings.agreement_expiry_window_days,
                                 in_demand=settings.in_demand_rule())
        return [gap_from_domain(x) for x in found]

    @strawberry.field(description="Ranked candidates for each function without a lead.")
    async def suggestions(self, info: Info) -> list[LeadSuggestion]:
        found = await uc.suggestions(await info.context.read_uow(), system_id=self.id)
        return [suggestion_from_domain(x) for x in found]

    @strawberry.field(description="Membership review status and team composition gaps.")
    async def review(self, info: Info) -> TeamReview:
        r = await uc.review(await info.context.read_uow(), system_id=self.id)
        return TeamReview(last_reviewed_on=r.last_reviewed_on, due_on=r.due_on, overdue=r.overdue,
                          days_overdue=r.days_overdue, gaps=[gap_from_domain(x) for x in r.gaps])


def system_from_domain(state: d.SystemState) -> System:
    """Project a domain system state."""
    s = state.system
    return System(
        id=s.id, name=s.name, level=SystemLevelEnum(s.level.value),
        jurisdiction=Jurisdiction(state=s.jurisdiction.state, local_area=s.jurisdiction.local_area),
        vision=s.vision, mission=s.mission, goals=list(s.goals), target_sectors=list(s.target_sectors),
        target_occupations=list(s.target_occupations), target_populations=list(s.target_populations),
        regions=list(s.regions), working_relationship=WorkingRelationshipEnum(s.working_relationship.value),
        working_relationship_notes=s.working_relationship_notes, review_cadence_months=s.review_cadence_months,
        last_reviewed_on=s.last_reviewed_on, intermediary_id=s.intermediary_id, version=s.version,
        created_at=s.created_at, updated_at=s.updated_at,
        members=[Member(partner_id=m.partner_id, representative=m.representative, team=TeamEnum(m.team.value),
                        joined_on=m.joined_on, partner_type=state.partner_types.get(m.partner_id))
                 for m in state.members],
        assignments=[assignment_from_domain(a) for a in state.assignments],
    )


def assignment_from_domain(a: d.Assignment) -> Assignment:
    """Project a domain assignment."""
    return Assignment(id=a.id, partner_id=a.partner_id, function=a.function, strength=StrengthEnum(a.strength.value),
                      agreement_id=a.agreement_id, atypical=a.atypical)


@strawberry.type
class SystemEdge:
    node: System
    cursor: str


@strawberry.type
class SystemConnection:
    edges: list[SystemEdge]
    page_info: PageInfo


@strawberry.input
class SystemInput:
    name: str
    level: SystemLevelEnum  # type: ignore[valid-type]
    jurisdiction: JurisdictionInput
    vision: str = ""
    mission: str = ""
    goals: list[str] = strawberry.field(default_factory=list)
    target_sectors: list[str] = strawberry.field(default_factory=list)
    target_occupations: list[str] = strawberry.field(default_factory=list)
    target_populations: list[str] = strawberry.field(default_factory=list)
    regions: list[str] = strawberry.field(default_factory=list)
    working_relationship: WorkingRelationshipEnum = strawberry.field(  # type: ignore[valid-type]
        default_factory=lambda: WorkingRelationshipEnum("shared"))
    working_relationship_notes: str = ""
    review_cadence_months: int = 12
    last_reviewed_on: date | None = None


@strawberry.input(description="Only the fields given change.")
class SystemPatchInput:
    name: str | None = strawberry.UNSET
    vision: str | None = strawberry.UNSET
    mission: str | None = strawberry.UNSET
    goals: list[str] | None = strawberry.UNSET
    target_sectors: list[str] | None = strawberry.UNSET
    target_occupations: list[str] | None = strawberry.UNSET
    target_populations: list[str] | None = strawberry.UNSET
    regions: list[str] | None = strawberry.UNSET
    working_relationship: WorkingRelationshipEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    working_relationship_notes: str | None = strawberry.UNSET
    review_cadence_months: int | None = strawberry.UNSET


@strawberry.input
class MemberInput:
    partner_id: UUID
    representative: str
    team: TeamEnum = strawberry.field(default_factory=lambda: TeamEnum("leadership"))  # type: ignore[valid-type]
    joined_on: date | None = None


@strawberry.input
class AssignmentInput:
    partner_id: UUID
    function: str
    strength: StrengthEnum  # type: ignore[valid-type]
    agreement_id: UUID | None = None


@strawberry.type
class SystemQuery:
    @strawberry.field(description="Career pathways systems as a Relay connection.")
    async def systems(self, info: Info, first: int = 50, after: str | None = None,
                      jurisdiction: str | None = None, local_area: str | None = None) -> SystemConnection:
        if not 1 <= first <= 500:
            raise query_error(DomainError("first must be between 1 and 500"))
        uow = await info.context.read_uow()
        try:
            page = await uc.list_systems(uow, state=jurisdiction.upper() if jurisdiction else None,
                                         local_area=local_area, limit=first, cursor=after)
        except DomainError as exc:
            raise query_error(exc) from exc
        states = [await uc.get_system(uow, system_id=s.id) for s in page.items]
        return SystemConnection(
            edges=[SystemEdge(node=system_from_domain(st), cursor=c) for st, c in zip(states, page.cursors,
                                                                                      strict=True)],
            page_info=PageInfo(has_next_page=page.next_cursor is not None,
                               end_cursor=page.cursors[-1] if page.cursors else None),
        )

    @strawberry.field(description="One system with members and assignments, or null.")
    async def system(self, info: Info, id: UUID) -> System | None:
        try:
            return system_from_domain(await uc.get_system(await info.context.read_uow(), system_id=id))
        except NotFound:
            return None
        except DomainError as exc:
            raise query_error(exc) from exc


SystemResult = Annotated[System | MutationError, strawberry.union("SystemResult")]
AssignmentResult = Annotated[Assignment | MutationError, strawberry.union("AssignmentResult")]


@strawberry.type
class SystemMutation:
    @strawberry.mutation(
        description="Create a career pathways system.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def create_system(self, info: Info, input: SystemInput) -> SystemResult:
        try:
            system = SystemCreate.model_validate(to_plain(input)).to_domain()
            async with info.context.write_uow() as uow:
                state = await uc.create_system(uow, system=system)
                await uow.commit()
        except (DomainError, PydanticValidationError) as exc:
            return as_result(exc)
        return system_from_domain(state)

    @strawberry.mutation(
        description="Change a system's own fields.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def update_system(self, info: Info, id: UUID, input: SystemPatchInput,
                            expected_version: int | None = None) -> SystemResult:
        try:
            changes = SystemPatch.model_validate(to_plain(input)).changes()
            async with info.context.write_uow() as uow:
                state = await uc.update_system(uow, system_id=id, changes=changes, expected_version=expected_version)
                await uow.commit()
        except (DomainError, PydanticValidationError) as exc:
            return as_result(exc)
        return system_from_domain(state)

    @strawberry.mutation(description="Add a partner to the system.", permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def add_member(self, info: Info, system_id: UUID, input: MemberInput) -> SystemResult:
        try:
            body = MemberIn.model_validate(to_plain(input))
            member = d.Member(partner_id=body.partner_id, representative=body.representative, team=body.team,
                              joined_on=body.joined_on)
            async with info.context.write_uow() as uow:
                state = await uc.add_member(uow, system_id=system_id, member=member)
                await uow.commit()
        except (DomainError, PydanticValidationError) as exc:
            return as_result(exc)
        return system_from_domain(state)

    @strawberry.mutation(
        description="Remove a member; with cascade its assignments go too.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def remove_member(self, info: Info, system_id: UUID, partner_id: UUID,
                            cascade: bool = False) -> SystemResult:
        try:
            async with info.context.write_uow() as uow:
                state, _ = await uc.remove_member(uow, system_id=system_id, partner_id=partner_id, cascade=cascade)
                await uow.commit()
        except DomainError as exc:
            return as_result(exc)
        return system_from_domain(state)

    @strawberry.mutation(
        description="Designate the intermediary; it leads coordination.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def set_intermediary(self, info: Info, system_id: UUID, partner_id: UUID) -> SystemResult:
        try:
            async with info.context.write_uow() as uow:
                state = await uc.set_intermediary(uow, system_id=system_id, partner_id=partner_id)
                await uow.commit()
        except DomainError as exc:
            return as_result(exc)
        return system_from_domain(state)

    @strawberry.mutation(
        description="Assign a function to a member.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def assign_role(self, info: Info, system_id: UUID, input: AssignmentInput) -> AssignmentResult:
        try:
            body = AssignmentIn.model_validate(to_plain(input))
            async with info.context.write_uow() as uow:
                assignment = await uc.assign_role(uow, system_id=system_id, partner_id=body.partner_id,
                                                  function=body.function, strength=body.strength,
                                                  agreement_id=body.agreement_id)
                await uow.commit()
        except (DomainError, PydanticValidationError) as exc:
            return as_result(exc)
        return assignment_from_domain(assignment)

    @strawberry.mutation(description="Remove an assignment.", permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def unassign_role(self, info: Info, system_id: UUID, assignment_id: UUID) -> AssignmentResult:
        try:
            async with info.context.write_uow() as uow:
                removed = await uc.unassign(uow, system_id=system_id, assignment_id=assignment_id)
                await uow.commit()
        except DomainError as exc:
            return as_result(exc)
        return assignment_from_domain(removed)

    @strawberry.mutation(
        description="Record that the membership was reviewed.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def record_review(self, info: Info, system_id: UUID, reviewed_on: date) -> SystemResult:
        try:
            async with info.context.write_uow() as uow:
                state = await uc.record_review(uow, system_id=system_id, reviewed_on=reviewed_on)
                await uow.commit()
        except DomainError as exc:
            return as_result(exc)
        return system_from_domain(state)
