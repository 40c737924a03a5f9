"""GraphQL projection of career pathways systems: queries, mutations, gaps, suggestions and review."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import strawberry

from api.domain import gaps as g
from api.domain import suggestions as sg
from api.domain import systems as d
from api.domain.access import Scope
from api.domain.errors import DomainError
from api.domain.gap_reports import summarise_gaps
from api.domain.partners import Status
from api.domain.ports import UnitOfWork
from api.domain.recruiting import DEFAULT_SUGGESTED
from api.domain.relationships import current_confirmations
from api.graphql.batching import batched
from api.graphql.context import Context
from api.graphql.convert import mirror_enum, to_plain
from api.graphql.errors import ConflictError, NotFoundError, StaleVersionError, ValidationError, query_error
from api.graphql.figures import GapFigures, figures_from_domain
from api.graphql.gap_reports import (
    AsOfArg,
    CandidatesArg,
    GapCandidate,
    GapKindEnum,
    GapSummary,
    KindsArg,
    SeverityArg,
    SeverityEnum,
    SubjectArg,
    candidate_from_domain,
    gap_filter,
    summary_from_domain,
)
from api.graphql.ids import GlobalId
from api.graphql.node import Node
from api.graphql.permissions import requires
from api.graphql.relations import loaded, loaded_many
from api.graphql.resolve import After, Before, First, Last, PageRequest, lookup, mutate, paginate, settings_of
from api.graphql.types import Jurisdiction, JurisdictionInput, PageInfo, Partner, partner_from_domain
from api.schemas.systems import (
    AssignmentIn,
    ConfirmationIn,
    MemberIn,
    MemberPatch,
    ReviewCorrectionIn,
    StaffSessionIn,
    SystemCreate,
    SystemPatch,
    VisionReviewCorrectionIn,
)
from api.usecases import systems as uc
from api.usecases.paging import Paged

if TYPE_CHECKING:
    from api.graphql.agreements import Agreement

Info = strawberry.Info[Context, None]


SystemLevelEnum = mirror_enum(d.SystemLevel)
TeamEnum = mirror_enum(d.Team)
StrengthEnum = mirror_enum(d.Strength)
WorkingRelationshipEnum = mirror_enum(d.WorkingRelationship)
StaffSessionKindEnum = mirror_enum(d.StaffSessionKind)
PartnerStatusEnum = mirror_enum(Status, name="MemberStatus")


@strawberry.type
class Member:
    partner_id: UUID
    representative: str
    team: TeamEnum  # type: ignore[valid-type]
    joined_on: date | None
    partner_type: str | None
    status: PartnerStatusEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The partner's directory status; a retired member raises gaps.")

    @strawberry.field(description="The member's directory record (batched per request).")
    async def partner(self, info: Info) -> Partner | None:
        found = await info.context.loaders.partners.load(self.partner_id)
        return partner_from_domain(found) if found else None


async def _assigned_partners(assignments: list[Assignment], context: Context) -> list[Partner | None]:
    """The partner of each assignment, as the ``partner`` resolver answers them (batched)."""
    return await loaded_many(context.loaders.partners, [a.partner_id for a in assignments], partner_from_domain)


@strawberry.type
class Assignment(Node):
    database_id: UUID = strawberry.field(description="The assignment's UUID, as REST names it.")
    partner_id: UUID
    function: str
    strength: StrengthEnum  # type: ignore[valid-type]
    agreement_id: UUID | None
    atypical: bool
    system_id: strawberry.Private[UUID]

    @strawberry.field(description="The member carrying the function (batched per request).")
    @batched(_assigned_partners)
    async def partner(self, info: Info) -> Partner | None:
        return (await _assigned_partners([self], info.context))[0]

    @strawberry.field(description="The agreement that formalizes the assignment, if any (batched per request).")
    async def agreement(
        self, info: Info,
    ) -> Annotated[Agreement, strawberry.lazy("api.graphql.agreements")] | None:
        from api.graphql.agreements import agreement_from_domain

        if self.agreement_id is None:
            return None
        of_system = await loaded(info.context.loaders.agreements_of, self.system_id, list)
        found = next((a for a in of_system or () if a.id == self.agreement_id), None)
        return agreement_from_domain(found) if found is not None else None


@strawberry.type
class Gap:
    kind: GapKindEnum  # type: ignore[valid-type]
    severity: SeverityEnum  # type: ignore[valid-type]
    subject: str
    explanation: str
    recommendation: str
    figures: GapFigures  # type: ignore[valid-type]
    subject_label: str = strawberry.field(
        default="", description="The subject in words: a population's, function's, partner type's, service "
                                "category's or occupation's name.")
    candidates: list[GapCandidate] = strawberry.field(
        default_factory=list, description="Who could close the gap, best first (asked for with `candidates`).")


@strawberry.type
class Candidate:
    partner_id: UUID
    name: str
    score: int
    fits: bool
    reasons: list[str]

    @strawberry.field(description="The candidate's directory record (batched per request).")
    async def partner(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.partner_id, partner_from_domain)


@strawberry.type
class LeadSuggestion:
    function: str
    core: bool
    candidates: list[Candidate]
    recruit: list[str]
    function_label: str = strawberry.field(default="", description="The function's name.")
    recruit_labels: list[str] = strawberry.field(
        default_factory=list, description="The names of the partner types in `recruit`, in its order.")
    prospects: list[GapCandidate] = strawberry.field(
        default_factory=list, description="Organizations of the directory, not members, in or near the system's "
                                          "area that could take the function on, best first.")


@strawberry.type
class TeamReview:
    last_reviewed_on: date | None
    due_on: date | None
    overdue: bool
    days_overdue: int | None
    gaps: list[Gap]
    retired_members: list[UUID] = strawberry.field(default_factory=list,
                                                   description="Members retired in the directory.")
    champion_id: UUID | None = strawberry.field(
        default=None, description="Who champions the system: the lead of the champion function, else the intermediary.")
    summary: GapSummary | None = strawberry.field(
        default=None, description="The review's gaps at a glance: counts by severity and kind, the top actions.")

    @strawberry.field(description="The champion's directory record (batched per request).")
    async def champion(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.champion_id, partner_from_domain)


@strawberry.type(description="A system linked to this one: its state system, or one of its local systems.")
class LinkedSystem:
    id: UUID = strawberry.field(deprecation_reason="A plain UUID, not a global id: read databaseId, or system.id.")
    database_id: UUID = strawberry.field(description="The linked system's UUID, as REST names it.")
    name: str
    level: SystemLevelEnum  # type: ignore[valid-type]
    jurisdiction: Jurisdiction
    working_relationship: WorkingRelationshipEnum  # type: ignore[valid-type]

    @strawberry.field(description="The linked system's whole record; null when the caller may not see it.")
    async def system(self, info: Info) -> System | None:
        return await loaded(info.context.loaders.systems, self.database_id, system_from_domain)


@strawberry.type(description="A dated confirmation, at one level, that the state/local roles are agreed.")
class RelationshipConfirmation:
    level: SystemLevelEnum  # type: ignore[valid-type]
    confirmed_on: date
    confirmed_by: str
    relationship: WorkingRelationshipEnum  # type: ignore[valid-type]
    current: bool


@strawberry.type(description="The estimated number of people in one target population.")
class PopulationSize:
    population: str
    size: int


@strawberry.type(description="A session that informed or trained member agencies' staff about the system.")
class StaffSession(Node):
    database_id: UUID = strawberry.field(description="The session's UUID, as REST names it.")
    system_id: UUID
    held_on: date
    kind: StaffSessionKindEnum  # type: ignore[valid-type]
    topic: str
    level: SystemLevelEnum  # type: ignore[valid-type]
    agencies: list[UUID]
    created_at: datetime | None

    @strawberry.field(description="The system the session belongs to (batched per request).")
    async def system(self, info: Info) -> System | None:
        return await loaded(info.context.loaders.systems, self.system_id, system_from_domain)


@strawberry.type
class StaffSessionEdge:
    node: StaffSession
    cursor: str


@strawberry.type
class StaffSessionConnection:
    edges: list[StaffSessionEdge]
    page_info: PageInfo


def linked_from_domain(x: d.LinkedSystem) -> LinkedSystem:
    """Project a linked system."""
    return LinkedSystem(id=x.id, database_id=x.id, name=x.name, level=SystemLevelEnum(x.level.value),
                        jurisdiction=Jurisdiction(state=x.jurisdiction.state, local_area=x.jurisdiction.local_area),
                        working_relationship=WorkingRelationshipEnum(x.working_relationship.value))


def staff_session_from_domain(x: d.StaffSession) -> StaffSession:
    """Project a staff session."""
    return StaffSession(id=GlobalId("StaffSession", (x.system_id, x.id)), database_id=x.id, system_id=x.system_id,
                        held_on=x.held_on, kind=StaffSessionKindEnum(x.kind.value), topic=x.topic,
                        level=SystemLevelEnum(x.level.value), agencies=list(x.agencies),
                        created_at=x.created_at)


def gap_from_domain(x: g.Gap) -> Gap:
    """Project a domain gap."""
    return Gap(kind=GapKindEnum(x.kind.value), severity=SeverityEnum(x.severity.value), subject=x.subject,
               explanation=x.explanation, recommendation=x.recommendation,
               figures=figures_from_domain(x.figures),
               subject_label=x.subject_label or x.subject,
               candidates=[candidate_from_domain(c) for c in x.candidates])


def suggestion_from_domain(x: sg.LeadSuggestion) -> LeadSuggestion:
    """Project a domain suggestion."""
    return LeadSuggestion(
        function=x.function, core=x.core, recruit=list(x.recruit),
        candidates=[Candidate(partner_id=c.partner_id, name=c.name, score=c.score, fits=c.fits,
                              reasons=list(c.reasons)) for c in x.candidates],
        function_label=x.function_label or x.function, recruit_labels=list(x.recruit_labels),
        prospects=[candidate_from_domain(c) for c in x.prospects],
    )


@strawberry.type
class System(Node):
    database_id: UUID = strawberry.field(description="The system's UUID, as REST names it.")
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
    state_system_id: UUID | None = None
    state_system: LinkedSystem | None = strawberry.field(default=None,
                                                         description="The state system a local system answers to.")
    local_systems: list[LinkedSystem] = strawberry.field(default_factory=list,
                                                         description="The local systems that answer to it.")
    relationship_confirmations: list[RelationshipConfirmation] = strawberry.field(default_factory=list)
    vision_review_cadence_months: int = 12
    vision_revisited_on: date | None = None
    target_population_sizes: list[PopulationSize] = strawberry.field(default_factory=list)

    @strawberry.field(description="The intermediary's directory record (batched per request).")
    async def intermediary(self, info: Info) -> Partner | None:
        return await loaded(info.context.loaders.partners, self.intermediary_id, partner_from_domain)

    @strawberry.field(description="Gap analysis, most severe first; filtered by minimum severity, kinds and "
                                  "subject, as of a date, with candidates to close each gap when asked for.")
    async def gaps(self, info: Info, severity: SeverityArg = None, kinds: KindsArg = None, subject: SubjectArg = None,
                   as_of: AsOfArg = None, candidates: CandidatesArg = 0) -> list[Gap]:
        return [gap_from_domain(x) for x in await self._gaps(info, severity, kinds, subject, as_of, candidates)]

    @strawberry.field(description="The gap analysis at a glance (the same filters as `gaps`): counts by severity "
                                  "and kind, and the top actions.")
    async def gap_summary(self, info: Info, severity: SeverityArg = None, kinds: KindsArg = None,
                          subject: SubjectArg = None, as_of: AsOfArg = None) -> GapSummary:
        return summary_from_domain(summarise_gaps(await self._gaps(info, severity, kinds, subject, as_of, 0)))

    async def _gaps(self, info: Info, severity: object, kinds: list[object] | None, subject: str | None,
                    as_of: date | None, candidates: int) -> list[g.Gap]:
        settings = settings_of(info)
        only = gap_filter(severity, kinds, subject, candidates)
        try:
            return await uc.analyse(await info.context.read_uow(), system_id=self.database_id, today=as_of,
                                    expiry_window_days=settings.agreement_expiry_window_days,
                                    in_demand=settings.in_demand_rule(),
                                    staff_period_months=settings.staff_training_period_months, only=only,
                                    candidates=candidates, near_km=settings.candidate_radius_km)
        except DomainError as exc:
            raise query_error(exc) from exc

    @strawberry.field(description="Sessions that informed or trained member agencies' staff, newest first.")
    async def staff_sessions(self, info: Info, first: First = None, after: After = None, last: Last = None,
                             before: Before = None) -> StaffSessionConnection:
        page = await paginate(
            info, lambda uow, r: uc.list_staff_sessions(uow, system_id=self.database_id, limit=r.limit, cursor=r.cursor,
                                                        backward=r.backward),
            lambda x, c: StaffSessionEdge(node=staff_session_from_domain(x), cursor=c),
            first=first, after=after, last=last, before=before)
        return StaffSessionConnection(edges=page.edges, page_info=page.page_info)

    @strawberry.field(description="Ranked candidates for each function without a lead, and organizations of the "
                                  "directory that could take it on.")
    async def suggestions(self, info: Info, candidates: CandidatesArg = DEFAULT_SUGGESTED) -> list[LeadSuggestion]:
        gap_filter(None, None, None, candidates)
        found = await uc.suggestions(await info.context.read_uow(), system_id=self.database_id, candidates=candidates,
                                     near_km=settings_of(info).candidate_radius_km)
        return [suggestion_from_domain(x) for x in found]

    @strawberry.field(description="Membership review status and team composition gaps; the same filters as "
                                  "`gaps`.")
    async def review(self, info: Info, severity: SeverityArg = None, kinds: KindsArg = None,
                     subject: SubjectArg = None, as_of: AsOfArg = None, candidates: CandidatesArg = 0) -> TeamReview:
        only = gap_filter(severity, kinds, subject, candidates)
        try:
            r = await uc.review(await info.context.read_uow(), system_id=self.database_id, today=as_of, only=only,
                                candidates=candidates, near_km=settings_of(info).candidate_radius_km)
        except DomainError as exc:
            raise query_error(exc) from exc
        return TeamReview(last_reviewed_on=r.last_reviewed_on, due_on=r.due_on, overdue=r.overdue,
                          days_overdue=r.days_overdue, gaps=[gap_from_domain(x) for x in r.gaps],
                          retired_members=list(r.retired_members), champion_id=r.champion_id,
                          summary=summary_from_domain(summarise_gaps(r.gaps)))


def system_from_domain(state: d.SystemState) -> System:
    """Project a domain system state."""
    s = state.system
    current = current_confirmations(s)
    return System(
        id=GlobalId("System", s.id), database_id=s.id, name=s.name, level=SystemLevelEnum(s.level.value),
        jurisdiction=Jurisdiction(state=s.jurisdiction.state, local_area=s.jurisdiction.local_area),
        vision=s.vision, mission=s.mission, goals=list(s.goals), target_sectors=list(s.target_sectors),
        target_occupations=list(s.target_occupations), target_populations=list(s.target_populations),
        regions=list(s.regions), working_relationship=WorkingRelationshipEnum(s.working_relationship.value),
        working_relationship_notes=s.working_relationship_notes, review_cadence_months=s.review_cadence_months,
        last_reviewed_on=s.last_reviewed_on, intermediary_id=s.intermediary_id, version=s.version,
        created_at=s.created_at, updated_at=s.updated_at,
        members=[Member(partner_id=m.partner_id, representative=m.representative, team=TeamEnum(m.team.value),
                        joined_on=m.joined_on, partner_type=state.partner_types.get(m.partner_id),
                        status=_status(state.partner_statuses.get(m.partner_id)))
                 for m in state.members],
        assignments=[assignment_from_domain(a) for a in state.assignments],
        state_system_id=s.state_system_id,
        state_system=linked_from_domain(state.state_system) if state.state_system else None,
        local_systems=[linked_from_domain(x) for x in state.local_systems],
        relationship_confirmations=[
            RelationshipConfirmation(level=SystemLevelEnum(c.level.value), confirmed_on=c.confirmed_on,
                                     confirmed_by=c.confirmed_by,
                                     relationship=WorkingRelationshipEnum(c.relationship.value),
                                     current=current.get(c.level) is c)
            for c in s.relationship_confirmations],
        vision_review_cadence_months=s.vision_review_cadence_months, vision_revisited_on=s.vision_revisited_on,
        target_population_sizes=[PopulationSize(population=p, size=n)
                                 for p, n in sorted(s.target_population_sizes.items())],
    )


def _status(status: Status | None) -> object:
    return PartnerStatusEnum(status.value) if status is not None else None


def assignment_from_domain(a: d.Assignment) -> Assignment:
    """Project a domain assignment."""
    return Assignment(id=GlobalId("Assignment", (a.system_id, a.id)), database_id=a.id, partner_id=a.partner_id,
                      function=a.function, strength=StrengthEnum(a.strength.value), agreement_id=a.agreement_id,
                      atypical=a.atypical, system_id=a.system_id)


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
    state_system_id: UUID | None = None
    vision_review_cadence_months: int = 12
    vision_revisited_on: date | None = None
    target_population_sizes: list[PopulationSizeInput] = strawberry.field(default_factory=list)


@strawberry.input(description="The estimated number of people in one target population.")
class PopulationSizeInput:
    population: str
    size: int


@strawberry.input(description="Only the fields given change.")
class SystemPatchInput:
    name: str | None = strawberry.UNSET
    level: SystemLevelEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    jurisdiction: JurisdictionInput | None = strawberry.UNSET
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
    state_system_id: UUID | None = strawberry.UNSET
    vision_review_cadence_months: int | None = strawberry.UNSET
    target_population_sizes: list[PopulationSizeInput] | None = strawberry.UNSET


def _system_plain(input: object) -> dict[str, object]:
    """The plain data of a system input, with the population sizes as the REST body has them."""
    plain = to_plain(input)
    sizes = plain.get("target_population_sizes")
    if isinstance(sizes, list):
        plain["target_population_sizes"] = {s["population"]: s["size"] for s in sizes if isinstance(s, dict)}
    return plain


@strawberry.input
class StaffSessionInput:
    held_on: date
    kind: StaffSessionKindEnum  # type: ignore[valid-type]
    topic: str
    level: SystemLevelEnum  # type: ignore[valid-type]
    agencies: list[UUID]


@strawberry.input
class MemberInput:
    partner_id: UUID
    representative: str
    team: TeamEnum = strawberry.field(default_factory=lambda: TeamEnum("leadership"))  # type: ignore[valid-type]
    joined_on: date | None = None


@strawberry.input(description="Only the fields given change.")
class MemberPatchInput:
    representative: str | None = strawberry.UNSET
    team: TeamEnum | None = strawberry.UNSET  # type: ignore[valid-type]


@strawberry.input
class AssignmentInput:
    partner_id: UUID
    function: str
    strength: StrengthEnum  # type: ignore[valid-type]
    agreement_id: UUID | None = None


@strawberry.type
class SystemQuery:
    @strawberry.field(description="Career pathways systems as a Relay connection.")
    async def systems(self, info: Info, first: First = None, after: After = None, last: Last = None,
                      before: Before = None, jurisdiction: str | None = None,
                      local_area: str | None = None) -> SystemConnection:
        async def load(uow: UnitOfWork, r: PageRequest) -> Paged[d.SystemState]:
            page = await uc.list_systems(uow, state=jurisdiction.upper() if jurisdiction else None,
                                         local_area=local_area, limit=r.limit, cursor=r.cursor, backward=r.backward)
            # One read for the page's systems (not one per system), primed for the relations that name them.
            found = await uc.systems_by_id(uow, system_ids=[s.id for s in page.items])
            info.context.loaders.systems.prime_many(found)
            kept = [(found[s.id], c) for s, c in zip(page.items, page.cursors, strict=True) if s.id in found]
            return Paged(items=[st for st, _ in kept], next_cursor=page.next_cursor, cursors=[c for _, c in kept])

        page = await paginate(info, load, lambda st, c: SystemEdge(node=system_from_domain(st), cursor=c),
                              first=first, after=after, last=last, before=before)
        return SystemConnection(edges=page.edges, page_info=page.page_info)

    @strawberry.field(description="One system with members and assignments, or null.")
    async def system(self, info: Info, id: UUID) -> System | None:
        return await lookup(info, lambda uow: uc.get_system(uow, system_id=id), system_from_domain)




CreateSystemResult = Annotated[
    System | ValidationError | NotFoundError | ConflictError, strawberry.union("CreateSystemResult")]
UpdateSystemResult = Annotated[
    System | ValidationError | NotFoundError | ConflictError | StaleVersionError,
    strawberry.union("UpdateSystemResult")]
AddMemberResult = Annotated[
    System | ValidationError | NotFoundError | ConflictError, strawberry.union("AddMemberResult")]
UpdateMemberResult = Annotated[
    System | ValidationError | NotFoundError | ConflictError, strawberry.union("UpdateMemberResult")]
RemoveMemberResult = Annotated[System | NotFoundError | ConflictError, strawberry.union("RemoveMemberResult")]
SetIntermediaryResult = Annotated[System | NotFoundError | ConflictError, strawberry.union("SetIntermediaryResult")]
AssignRoleResult = Annotated[
    Assignment | ValidationError | NotFoundError | ConflictError, strawberry.union("AssignRoleResult")]
UnassignRoleResult = Annotated[Assignment | NotFoundError | ConflictError, strawberry.union("UnassignRoleResult")]
RecordReviewResult = Annotated[System | ValidationError | NotFoundError, strawberry.union("RecordReviewResult")]
CorrectReviewResult = Annotated[System | ValidationError | NotFoundError, strawberry.union("CorrectReviewResult")]
RecordVisionReviewResult = Annotated[
    System | ValidationError | NotFoundError, strawberry.union("RecordVisionReviewResult")]
CorrectVisionReviewResult = Annotated[
    System | ValidationError | NotFoundError, strawberry.union("CorrectVisionReviewResult")]
ConfirmRelationshipResult = Annotated[
    System | ValidationError | NotFoundError | ConflictError, strawberry.union("ConfirmRelationshipResult")]
RecordStaffSessionResult = Annotated[
    StaffSession | ValidationError | NotFoundError | ConflictError, strawberry.union("RecordStaffSessionResult")]
DeleteStaffSessionResult = Annotated[StaffSession | NotFoundError, strawberry.union("DeleteStaffSessionResult")]


@strawberry.type
class SystemMutation:
    @strawberry.mutation(
        description="Create a career pathways system.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def create_system(self, info: Info, input: SystemInput) -> CreateSystemResult:
        return await mutate(
            info,
            lambda uow, system: uc.create_system(uow, system=system),
            system_from_domain,
            given=lambda: SystemCreate.model_validate(_system_plain(input)).to_domain(), result=CreateSystemResult)

    @strawberry.mutation(
        description="Change a system's own fields.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def update_system(self, info: Info, id: UUID, input: SystemPatchInput,
                            expected_version: int | None = None) -> UpdateSystemResult:
        return await mutate(
            info,
            lambda uow, changes: uc.update_system(uow, system_id=id, changes=changes,
                expected_version=expected_version),
            system_from_domain,
            given=lambda: SystemPatch.model_validate(_system_plain(input)).changes(), result=UpdateSystemResult)

    @strawberry.mutation(description="Add a partner to the system.", permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def add_member(self, info: Info, system_id: UUID, input: MemberInput) -> AddMemberResult:
        def member() -> d.Member:
            body = MemberIn.model_validate(to_plain(input))
            return d.Member(partner_id=body.partner_id, representative=body.representative, team=body.team,
                            joined_on=body.joined_on)

        return await mutate(info, lambda uow, member: uc.add_member(uow, system_id=system_id, member=member),
                            system_from_domain, given=member, result=AddMemberResult)

    @strawberry.mutation(description="Change a member's representative or team.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def update_member(self, info: Info, system_id: UUID, partner_id: UUID,
                            input: MemberPatchInput) -> UpdateMemberResult:
        return await mutate(
            info,
            lambda uow, body: uc.update_member(uow, system_id=system_id, partner_id=partner_id,
                                               representative=body.representative, team=body.team),
            system_from_domain, given=lambda: MemberPatch.model_validate(to_plain(input)), result=UpdateMemberResult)

    @strawberry.mutation(
        description="Remove a member; with cascade its assignments go too.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def remove_member(self, info: Info, system_id: UUID, partner_id: UUID,
                            cascade: bool = False) -> RemoveMemberResult:
        return await mutate(
            info,
            lambda uow, _: uc.remove_member(uow, system_id=system_id, partner_id=partner_id, cascade=cascade),
            lambda done: system_from_domain(done[0]), result=RemoveMemberResult)

    @strawberry.mutation(
        description="Designate the intermediary; it leads coordination.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def set_intermediary(self, info: Info, system_id: UUID, partner_id: UUID) -> SetIntermediaryResult:
        return await mutate(
            info,
            lambda uow, _: uc.set_intermediary(uow, system_id=system_id, partner_id=partner_id),
            system_from_domain, result=SetIntermediaryResult)

    @strawberry.mutation(
        description="Assign a function to a member.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def assign_role(self, info: Info, system_id: UUID, input: AssignmentInput) -> AssignRoleResult:
        return await mutate(
            info,
            lambda uow, body: uc.assign_role(uow, system_id=system_id, partner_id=body.partner_id,
                function=body.function, strength=body.strength, agreement_id=body.agreement_id),
            assignment_from_domain,
            given=lambda: AssignmentIn.model_validate(to_plain(input)), result=AssignRoleResult)

    @strawberry.mutation(description="Remove an assignment.", permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def unassign_role(self, info: Info, system_id: UUID, assignment_id: UUID) -> UnassignRoleResult:
        return await mutate(
            info,
            lambda uow, _: uc.unassign(uow, system_id=system_id, assignment_id=assignment_id),
            assignment_from_domain, result=UnassignRoleResult)

    @strawberry.mutation(
        description="Record that the membership was reviewed.",
        permission_classes=[requires(Scope.SYSTEMS_WRITE)],
    )
    async def record_review(self, info: Info, system_id: UUID, reviewed_on: date) -> RecordReviewResult:
        return await mutate(
            info,
            lambda uow, _: uc.record_review(uow, system_id=system_id, reviewed_on=reviewed_on),
            system_from_domain, result=RecordReviewResult)


@strawberry.type
class PartnershipMutation:
    """Mutations of the seeds' partnership rules: review corrections, vision revisits, the state/local relationship
    and staff sessions (each the same use case as its REST operation)."""

    @strawberry.mutation(description="Correct a mistaken membership review date (null: never reviewed), saying why.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def correct_review(self, info: Info, system_id: UUID, reviewed_on: date | None,
                             reason: str) -> CorrectReviewResult:
        return await mutate(
            info,
            lambda uow, body: uc.correct_review(uow, system_id=system_id, reviewed_on=body.reviewed_on,
                reason=body.reason),
            system_from_domain,
            given=lambda: ReviewCorrectionIn.model_validate({"reviewed_on": reviewed_on, "reason": reason}),
            result=CorrectReviewResult)

    @strawberry.mutation(description="Record that the team revisited its vision, mission and goals.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def record_vision_review(self, info: Info, system_id: UUID, revisited_on: date) -> RecordVisionReviewResult:
        return await mutate(
            info,
            lambda uow, _: uc.record_vision_review(uow, system_id=system_id, revisited_on=revisited_on),
            system_from_domain, result=RecordVisionReviewResult)

    @strawberry.mutation(description="Correct a mistaken revisit date of the vision and mission, saying why.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def correct_vision_review(self, info: Info, system_id: UUID, revisited_on: date | None,
                                    reason: str) -> CorrectVisionReviewResult:
        return await mutate(
            info,
            lambda uow, body: uc.correct_vision_review(uow, system_id=system_id, revisited_on=body.revisited_on,
                reason=body.reason),
            system_from_domain,
            given=lambda: VisionReviewCorrectionIn.model_validate({"revisited_on": revisited_on, "reason": reason}),
            result=CorrectVisionReviewResult)

    @strawberry.mutation(description="Confirm a local system's state/local roles at one level, when and by whom.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def confirm_relationship(self, info: Info, system_id: UUID, level: SystemLevelEnum,  # type: ignore[valid-type]
                                   confirmed_on: date, confirmed_by: str) -> ConfirmRelationshipResult:
        return await mutate(
            info,
            lambda uow, body: uc.confirm_relationship(uow, system_id=system_id, level=body.level,
                confirmed_on=body.confirmed_on, confirmed_by=body.confirmed_by),
            system_from_domain,
            given=lambda: ConfirmationIn.model_validate({"level": level.value, "confirmed_on": confirmed_on,
                "confirmed_by": confirmed_by}), result=ConfirmRelationshipResult)

    @strawberry.mutation(description="Record a session that informed or trained member agencies' staff.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def record_staff_session(self, info: Info, system_id: UUID,
                                   input: StaffSessionInput) -> RecordStaffSessionResult:
        return await mutate(
            info,
            lambda uow, session: uc.record_staff_session(uow, session=session),
            staff_session_from_domain,
            given=lambda: StaffSessionIn.model_validate(to_plain(input)).to_domain(system_id),
            result=RecordStaffSessionResult)

    @strawberry.mutation(description="Remove a staff session recorded by mistake; returns it.",
                         permission_classes=[requires(Scope.SYSTEMS_WRITE)])
    async def delete_staff_session(self, info: Info, system_id: UUID, session_id: UUID) -> DeleteStaffSessionResult:
        return await mutate(
            info,
            lambda uow, _: uc.delete_staff_session(uow, system_id=system_id, session_id=session_id),
            staff_session_from_domain, result=DeleteStaffSessionResult)


@strawberry.type(description="An entry of the role matrix and where it comes from ('seed': the seed's own chart).")
class RoleMatrixEntry:
    partner_type: str
    function: str
    source: str


@strawberry.type(description="A partner type the leadership team should include, and how much it matters.")
class TeamRequirement:
    partner_type: str
    tier: str
    severity: SeverityEnum  # type: ignore[valid-type]
    source: str


@strawberry.type
class PartnershipQuery:
    @strawberry.field(description="The role matrix, each entry with its source; seedOnly gives the seed's chart alone.")
    async def role_matrix(self, info: Info, seed_only: bool = False) -> list[RoleMatrixEntry]:
        matrix = (await uc.role_catalog(await info.context.read_uow())).matrix
        shown = matrix.seed_chart() if seed_only else matrix
        return [RoleMatrixEntry(partner_type=t, function=f, source=matrix.source_of(t, f))
                for t, functions in sorted(shown.usual.items()) for f in sorted(functions)]

    @strawberry.field(description="The partner types the leadership team should include (essential or 'and others').")
    async def team_requirements(self, info: Info) -> list[TeamRequirement]:
        catalog = await uc.role_catalog(await info.context.read_uow())
        return [TeamRequirement(partner_type=r.partner_type, tier=r.tier, severity=SeverityEnum(r.severity),
                                source=r.source) for r in catalog.team_requirements]
