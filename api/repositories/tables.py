"""The storage schema: SQLModel table classes, the one source Alembic autogenerates from.

These classes never leave ``api.repositories``; repositories map rows to domain objects.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata


def _now() -> sa.Column[datetime]:
    return sa.Column(sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def _codes() -> sa.Column[list[str]]:
    return sa.Column(ARRAY(sa.Text()), nullable=False, server_default="{}")


class PartnerTypeRow(SQLModel, table=True):
    __tablename__ = "partner_types"
    code: str = Field(primary_key=True)
    name: str
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})


class ServiceCategoryRow(SQLModel, table=True):
    __tablename__ = "service_categories"
    code: str = Field(primary_key=True)
    name: str
    parent: str | None = Field(default=None, foreign_key="service_categories.code")
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})


class PopulationRow(SQLModel, table=True):
    __tablename__ = "populations"
    code: str = Field(primary_key=True)
    name: str
    ceds_code: str | None = None
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    # A catch-all population (the general public): matching leaves it out of the populations two partners share.
    universal: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class RegionRow(SQLModel, table=True):
    __tablename__ = "regions"
    code: str = Field(primary_key=True)
    name: str
    state: str = Field(max_length=2, index=True)
    kind: str = Field(default="local_area", sa_column_kwargs={"server_default": "local_area"})


class PartnerRow(SQLModel, table=True):
    __tablename__ = "partners"
    __table_args__ = (
        sa.Index("ix_partners_name_id", "name", "id"),
        # The directory's usual page: one partner type in name order (bench/README.md, directory read).
        sa.Index("ix_partners_type_name_id", "partner_type", "name", "id"),
        sa.Index("ix_partners_state_local_area", "state", "local_area"),
        # A radius search's page is found in the bounding box's entries alone (bench/README.md, growth).
        sa.Index("ix_partners_lat_lon_status", "latitude", "longitude", postgresql_include=["status", "id"]),
        # The few retired partners, whose services are never listed (an anti-join; bench/README.md, growth).
        sa.Index("ix_partners_retired", "id", postgresql_where=sa.text("status = 'retired'")),
        sa.Index("ix_partners_updated_at", "updated_at"),
        sa.Index("ix_partners_search", "search", postgresql_using="gin"),
        sa.Index("ix_partners_regions", "regions_served", postgresql_using="gin"),
        sa.Index("ix_partners_populations", "populations_served", postgresql_using="gin"),
        sa.CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="ck_partners_latitude"),
        sa.CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="ck_partners_longitude"),
    )
    id: UUID = Field(primary_key=True)
    name: str
    partner_type: str = Field(foreign_key="partner_types.code", index=True)
    level: str
    state: str = Field(max_length=2)
    local_area: str | None = Field(default=None, foreign_key="regions.code")
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    regions_served: list[str] = Field(default_factory=list, sa_column=_codes())
    populations_served: list[str] = Field(default_factory=list, sa_column=_codes())
    capacity: int | None = None
    funding_streams: list[str] = Field(default_factory=list, sa_column=_codes())
    # NAICS codes of an employer's industries (normalized by the domain: "32" is stored as "31-33").
    industries: list[str] = Field(default_factory=list, sa_column=_codes())
    contacts: list[dict[str, str | None]] = Field(
        default_factory=list, sa_column=sa.Column(JSONB, nullable=False, server_default="[]")
    )
    address: dict[str, str | None] | None = Field(default=None, sa_column=sa.Column(JSONB, nullable=True))
    latitude: float | None = None
    longitude: float | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    location_name: str | None = None
    assets: str = Field(default="", sa_column_kwargs={"server_default": ""})
    limitations: str = Field(default="", sa_column_kwargs={"server_default": ""})
    status: str = Field(default="active", sa_column_kwargs={"server_default": "active"})
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(sa_column=_now())
    updated_at: datetime = Field(sa_column=_now())
    search: str | None = Field(
        default=None,
        sa_column=sa.Column(
            TSVECTOR,
            sa.Computed(
                "setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
                "setweight(to_tsvector('english', coalesce(description, '')), 'B') || "
                "setweight(to_tsvector('english', coalesce(assets, '')), 'C')",
                persisted=True,
            ),
        ),
    )


class PartnerExternalIdRow(SQLModel, table=True):
    __tablename__ = "partner_external_ids"
    __table_args__ = (sa.UniqueConstraint("partner_id", "source", name="uq_partner_external_ids_partner_source"),)
    source: str = Field(primary_key=True)
    external_id: str = Field(primary_key=True)
    partner_id: UUID = Field(foreign_key="partners.id", ondelete="CASCADE", index=True)


class ServiceRow(SQLModel, table=True):
    __tablename__ = "services"
    __table_args__ = (
        sa.Index("ix_services_regions", "regions", postgresql_using="gin"),
        # A numbered HSDS page skips and counts services in this index alone (bench/README.md, growth).
        sa.Index("ix_services_id_partner", "id", postgresql_include=["partner_id"]),
    )
    id: UUID = Field(primary_key=True)
    partner_id: UUID = Field(foreign_key="partners.id", ondelete="CASCADE", index=True)
    name: str
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    category: str = Field(foreign_key="service_categories.code", index=True)
    populations: list[str] = Field(default_factory=list, sa_column=_codes())
    regions: list[str] = Field(default_factory=list, sa_column=_codes())
    delivery_mode: str = Field(default="in_person", sa_column_kwargs={"server_default": "in_person"})
    capacity: int | None = None
    funding_streams: list[str] = Field(default_factory=list, sa_column=_codes())
    program_cip: str | None = None
    occupations: list[str] = Field(default_factory=list, sa_column=_codes())
    credential: str | None = None
    status: str = Field(default="active", sa_column_kwargs={"server_default": "active"})
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(sa_column=_now())
    updated_at: datetime = Field(sa_column=_now())


class ServiceExternalIdRow(SQLModel, table=True):
    __tablename__ = "service_external_ids"
    __table_args__ = (sa.UniqueConstraint("service_id", "source", name="uq_service_external_ids_service_source"),)
    source: str = Field(primary_key=True)
    external_id: str = Field(primary_key=True)
    service_id: UUID = Field(foreign_key="services.id", ondelete="CASCADE", index=True)


class FunctionRow(SQLModel, table=True):
    __tablename__ = "functions"
    code: str = Field(primary_key=True)
    name: str
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    core: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    element: int | None = None
    service_categories: list[str] = Field(default_factory=list, sa_column=_codes())


class UsualFunctionRow(SQLModel, table=True):
    """The default role matrix: which functions a partner type usually carries."""

    __tablename__ = "usual_functions"
    partner_type: str = Field(foreign_key="partner_types.code", primary_key=True, ondelete="CASCADE")
    function: str = Field(foreign_key="functions.code", primary_key=True, ondelete="CASCADE")
    # 'seed' for an entry of the seed's own chart; otherwise the source of a project or deployment addition.
    source: str = Field(default="deployment", sa_column_kwargs={"server_default": "deployment"})


class ReferenceDocumentRow(SQLModel, table=True):
    """Editable reference mappings kept whole (population -> partner types, support needs, team rules)."""

    __tablename__ = "reference_documents"
    name: str = Field(primary_key=True)
    body: dict[str, object] = Field(sa_column=sa.Column(JSONB, nullable=False))
    updated_at: datetime = Field(sa_column=_now())


class SystemRow(SQLModel, table=True):
    __tablename__ = "systems"
    __table_args__ = (
        sa.Index("ix_systems_name_id", "name", "id"),
        sa.Index("ix_systems_state_local_area", "state", "local_area"),
        sa.Index("ix_systems_state_system_id", "state_system_id"),
    )
    id: UUID = Field(primary_key=True)
    name: str
    level: str
    state: str = Field(max_length=2)
    local_area: str | None = Field(default=None, foreign_key="regions.code")
    vision: str = Field(default="", sa_column_kwargs={"server_default": ""})
    mission: str = Field(default="", sa_column_kwargs={"server_default": ""})
    goals: list[str] = Field(default_factory=list, sa_column=_codes())
    target_sectors: list[str] = Field(default_factory=list, sa_column=_codes())
    target_occupations: list[str] = Field(default_factory=list, sa_column=_codes())
    target_populations: list[str] = Field(default_factory=list, sa_column=_codes())
    regions: list[str] = Field(default_factory=list, sa_column=_codes())
    working_relationship: str = Field(default="shared", sa_column_kwargs={"server_default": "shared"})
    working_relationship_notes: str = Field(default="", sa_column_kwargs={"server_default": ""})
    review_cadence_months: int = Field(default=12, sa_column_kwargs={"server_default": "12"})
    last_reviewed_on: date | None = None
    intermediary_id: UUID | None = None
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(sa_column=_now())
    updated_at: datetime = Field(sa_column=_now())
    # The state system a local system answers to; deleting the state system leaves the local one unlinked.
    state_system_id: UUID | None = Field(default=None, foreign_key="systems.id", ondelete="SET NULL")
    vision_review_cadence_months: int = Field(default=12, sa_column_kwargs={"server_default": "12"})
    vision_revisited_on: date | None = None
    # Estimated people in each target population: {population code: count}.
    target_population_sizes: dict[str, int] = Field(
        default_factory=dict, sa_column=sa.Column(JSONB, nullable=False, server_default="{}"))
    # Dated confirmations of the state/local roles: [{level, confirmed_on, confirmed_by, relationship}].
    relationship_confirmations: list[dict[str, str]] = Field(
        default_factory=list, sa_column=sa.Column(JSONB, nullable=False, server_default="[]"))


class StaffSessionRow(SQLModel, table=True):
    """A session that informed or trained member agencies' staff about a system."""

    __tablename__ = "staff_sessions"
    __table_args__ = (sa.Index("ix_staff_sessions_system_held_on", "system_id", "held_on", "id"),)
    id: UUID = Field(primary_key=True)
    system_id: UUID = Field(foreign_key="systems.id", ondelete="CASCADE")
    held_on: date
    kind: str
    topic: str
    level: str
    created_at: datetime = Field(sa_column=_now())


class StaffSessionAgencyRow(SQLModel, table=True):
    """The agencies whose staff took part in a session, in the order given."""

    __tablename__ = "staff_session_agencies"
    session_id: UUID = Field(foreign_key="staff_sessions.id", primary_key=True, ondelete="CASCADE")
    partner_id: UUID = Field(foreign_key="partners.id", primary_key=True, ondelete="CASCADE", index=True)
    position: int


class SystemMemberRow(SQLModel, table=True):
    __tablename__ = "system_members"
    system_id: UUID = Field(foreign_key="systems.id", primary_key=True, ondelete="CASCADE")
    # RESTRICT: a partner that is a member cannot be deleted out from under a system.
    partner_id: UUID = Field(foreign_key="partners.id", primary_key=True, ondelete="RESTRICT", index=True)
    representative: str
    team: str
    joined_on: date | None = None


class AssignmentRow(SQLModel, table=True):
    __tablename__ = "assignments"
    __table_args__ = (
        # Only members can be assigned: the pair must exist in system_members.
        sa.ForeignKeyConstraint(
            ["system_id", "partner_id"], ["system_members.system_id", "system_members.partner_id"],
            name="fk_assignments_member", ondelete="CASCADE",
        ),
        sa.UniqueConstraint("system_id", "partner_id", "function", name="uq_assignments_member_function"),
        # At most one lead per function, enforced by the database as well as by the domain.
        sa.Index("uq_assignments_one_lead", "system_id", "function", unique=True,
                 postgresql_where=sa.text("strength = 'lead'")),
    )
    id: UUID = Field(primary_key=True)
    system_id: UUID = Field(index=True)
    partner_id: UUID
    function: str = Field(foreign_key="functions.code")
    strength: str
    agreement_id: UUID | None = Field(default=None, foreign_key="agreements.id", ondelete="SET NULL")
    atypical: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class ReadinessFrameworkRow(SQLModel, table=True):
    """One version of the readiness framework; an edit adds a row, so rounds keep the version they started on."""

    __tablename__ = "readiness_frameworks"
    __table_args__ = (
        sa.UniqueConstraint("version", name="uq_readiness_frameworks_version"),
        # The target of the rounds' (framework_id, framework_version) reference.
        sa.UniqueConstraint("id", "version", name="uq_readiness_frameworks_id_version"),
    )
    id: UUID = Field(primary_key=True)
    version: int
    name: str
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    based_on: UUID | None = Field(default=None, foreign_key="readiness_frameworks.id")
    # {"elements": [...], "scale": [...]}: the structure is checked by the domain, not the database.
    body: dict[str, object] = Field(sa_column=sa.Column(JSONB, nullable=False))
    created_at: datetime = Field(sa_column=_now())


class RoundRow(SQLModel, table=True):
    __tablename__ = "rounds"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["framework_id", "framework_version"], ["readiness_frameworks.id", "readiness_frameworks.version"],
            name="fk_rounds_framework", ondelete="RESTRICT",
        ),
        sa.Index("ix_rounds_system_started", "system_id", "started_on", "id"),
        # At most one open round per system, enforced by the database as well as by the domain.
        sa.Index("uq_rounds_one_open", "system_id", unique=True, postgresql_where=sa.text("status = 'open'")),
        sa.CheckConstraint("(status = 'closed') = (closed_on IS NOT NULL)", name="ck_rounds_closed_on"),
    )
    id: UUID = Field(primary_key=True)
    system_id: UUID = Field(foreign_key="systems.id", ondelete="CASCADE")
    framework_id: UUID
    framework_version: int
    started_on: date
    closed_on: date | None = None
    status: str = Field(default="open", sa_column_kwargs={"server_default": "open"})
    created_at: datetime = Field(sa_column=_now())


class RoundResponseRow(SQLModel, table=True):
    """One member's answers in a round: ratings and notes by indicator code."""

    __tablename__ = "round_responses"
    round_id: UUID = Field(foreign_key="rounds.id", primary_key=True, ondelete="CASCADE")
    # RESTRICT: a respondent's answers are history; the partner is retired, not deleted.
    respondent_id: UUID = Field(foreign_key="partners.id", primary_key=True, ondelete="RESTRICT", index=True)
    ratings: dict[str, int | None] = Field(sa_column=sa.Column(JSONB, nullable=False, server_default="{}"))
    priorities: list[str] = Field(default_factory=list, sa_column=_codes())
    technical_assistance: list[str] = Field(default_factory=list, sa_column=_codes())
    notes: dict[str, str] = Field(sa_column=sa.Column(JSONB, nullable=False, server_default="{}"))
    submitted_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    revised_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))


class ActionPlanRow(SQLModel, table=True):
    """A system's action plan: its answers to the four planning questions."""

    __tablename__ = "action_plans"
    id: UUID = Field(primary_key=True)
    system_id: UUID = Field(foreign_key="systems.id", ondelete="CASCADE", unique=True)
    what_is_possible: str = Field(default="", sa_column_kwargs={"server_default": ""})
    what_is_practical: str = Field(default="", sa_column_kwargs={"server_default": ""})
    who_can_help: str = Field(default="", sa_column_kwargs={"server_default": ""})
    what_is_next: str = Field(default="", sa_column_kwargs={"server_default": ""})
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(sa_column=_now())
    updated_at: datetime = Field(sa_column=_now())


class PlanGoalRow(SQLModel, table=True):
    __tablename__ = "plan_goals"
    __table_args__ = (
        # A goal made from a gap names both its kind and its subject, or neither.
        sa.CheckConstraint("(gap_kind IS NULL) = (gap_subject IS NULL)", name="ck_plan_goals_gap_pair"),
    )
    id: UUID = Field(primary_key=True)
    plan_id: UUID = Field(foreign_key="action_plans.id", ondelete="CASCADE", index=True)
    title: str
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    element_code: str | None = None
    gap_reference: str | None = None
    gap_kind: str | None = None
    gap_subject: str | None = None
    created_at: datetime = Field(sa_column=_now())


class ActionItemRow(SQLModel, table=True):
    __tablename__ = "action_items"
    id: UUID = Field(primary_key=True)
    goal_id: UUID = Field(foreign_key="plan_goals.id", ondelete="CASCADE", index=True)
    description: str
    # RESTRICT: an owner with items is retired, not deleted, so nobody's work silently loses its owner.
    owner_id: UUID = Field(foreign_key="partners.id", ondelete="RESTRICT", index=True)
    due_on: date | None = None
    status: str = Field(default="not_started", sa_column_kwargs={"server_default": "not_started"})
    resources: list[str] = Field(default_factory=list, sa_column=_codes())
    created_at: datetime = Field(sa_column=_now())


class ApiKeyRow(SQLModel, table=True):
    """API keys: only a hash of the secret is stored; the prefix identifies the key publicly."""

    __tablename__ = "api_keys"
    id: UUID = Field(primary_key=True)
    name: str
    prefix: str = Field(unique=True, max_length=16)
    secret_hash: str
    scopes: list[str] = Field(default_factory=list, sa_column=_codes())
    state: str | None = Field(default=None, max_length=2)
    local_area: str | None = None
    created_at: datetime = Field(sa_column=_now())
    expires_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    revoked_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))
    last_used_at: datetime | None = Field(default=None, sa_column=sa.Column(sa.DateTime(timezone=True)))


class ApiKeyWriteRow(SQLModel, table=True):
    """When each key last committed a write: its reads go to the primary for a while after (read your writes).

    Kept apart from ``api_keys`` (and without a foreign key to it) so that a writing transaction, which notes
    its key here last, locks no row that authentication or the rate limiter touches.
    """

    __tablename__ = "api_key_writes"
    key_id: UUID = Field(primary_key=True)
    written_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))


class AuditRow(SQLModel, table=True):
    """Append-only record of every write (a trigger refuses UPDATE and DELETE)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_at_id", "at", "id"),
        sa.Index("ix_audit_log_kind_record", "kind", "record_id"),
    )
    id: UUID = Field(primary_key=True)
    key_id: UUID | None = Field(default=None, index=True)
    actor: str
    action: str
    kind: str
    record_id: str
    changes: dict[str, object] = Field(sa_column=sa.Column(JSONB, nullable=False, server_default="{}"))
    at: datetime = Field(sa_column=_now())


class RateLimitRow(SQLModel, table=True):
    """Request counts per bucket (key or client address) and fixed window, shared by every worker."""

    __tablename__ = "rate_limits"
    bucket: str = Field(primary_key=True)
    window_start: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), primary_key=True))
    hits: int = 0


class AgreementRow(SQLModel, table=True):
    """An agreement (MOU, contract, ...) among members of a system; status is recorded, and derived on read."""

    __tablename__ = "agreements"
    __table_args__ = (
        sa.Index("ix_agreements_system_title_id", "system_id", "title", "id"),
        sa.CheckConstraint("expires_on IS NULL OR effective_on IS NULL OR expires_on >= effective_on",
                           name="ck_agreements_dates"),
    )
    id: UUID = Field(primary_key=True)
    system_id: UUID = Field(foreign_key="systems.id", ondelete="CASCADE")
    type: str
    title: str
    effective_on: date | None = None
    expires_on: date | None = None
    review_by: date | None = None
    status: str = Field(default="draft", sa_column_kwargs={"server_default": "draft"})
    signed_on: date | None = None
    working_relationship: str | None = None
    # One-stop MOU section codes the agreement covers (20 CFR 678.500(b)); checked by the domain.
    contents: list[str] = Field(default_factory=list, sa_column=_codes())
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(sa_column=_now())
    updated_at: datetime = Field(sa_column=_now())


class AgreementPartyRow(SQLModel, table=True):
    __tablename__ = "agreement_parties"
    agreement_id: UUID = Field(foreign_key="agreements.id", primary_key=True, ondelete="CASCADE")
    # RESTRICT: a signatory stays on record; the partner is retired, not deleted.
    partner_id: UUID = Field(foreign_key="partners.id", primary_key=True, ondelete="RESTRICT", index=True)
    position: int


class AgreementAssignmentRow(SQLModel, table=True):
    """The role assignments an agreement formalizes; removing the assignment removes the link."""

    __tablename__ = "agreement_assignments"
    agreement_id: UUID = Field(foreign_key="agreements.id", primary_key=True, ondelete="CASCADE")
    assignment_id: UUID = Field(foreign_key="assignments.id", primary_key=True, ondelete="CASCADE", index=True)


class FundingStreamRow(SQLModel, table=True):
    """The funding stream catalogue: reference data seeded from the package, editable by an admin."""

    __tablename__ = "funding_streams"
    code: str = Field(primary_key=True)
    name: str
    kind: str
    administering_agency_type: str = Field(foreign_key="partner_types.code")
    provider_types: list[str] = Field(default_factory=list, sa_column=_codes())
    eligible_populations: list[str] = Field(default_factory=list, sa_column=_codes())
    allowed_service_categories: list[str] = Field(default_factory=list, sa_column=_codes())
    description: str = Field(default="", sa_column_kwargs={"server_default": ""})
    source_url: str = Field(default="", sa_column_kwargs={"server_default": ""})
    updated_at: datetime = Field(sa_column=_now())


class AllocationRow(SQLModel, table=True):
    """An amount of one stream for one period to one service or function of a system (braided, never blended)."""

    __tablename__ = "allocations"
    __table_args__ = (
        sa.Index("ix_allocations_system_period_id", "system_id", "period", "id"),
        sa.CheckConstraint("(service_id IS NULL) <> (function IS NULL)", name="ck_allocations_one_target"),
        sa.CheckConstraint("amount >= 0", name="ck_allocations_amount"),
    )
    id: UUID = Field(primary_key=True)
    system_id: UUID = Field(foreign_key="systems.id", ondelete="CASCADE")
    stream_code: str = Field(foreign_key="funding_streams.code", ondelete="RESTRICT", index=True)
    period: str
    amount: Decimal = Field(sa_column=sa.Column(sa.Numeric(17, 2), nullable=False))
    # CASCADE: money allocated to a service that no longer exists allocates nothing.
    service_id: UUID | None = Field(default=None, foreign_key="services.id", ondelete="CASCADE", index=True)
    function: str | None = Field(default=None, foreign_key="functions.code")
    partner_id: UUID | None = Field(default=None, foreign_key="partners.id", ondelete="SET NULL", index=True)
    note: str = Field(default="", sa_column_kwargs={"server_default": ""})
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(sa_column=_now())
    updated_at: datetime = Field(sa_column=_now())


class ConnectionRow(SQLModel, table=True):
    """One organization's connection with another: its interest, stage and the four planning answers."""

    __tablename__ = "connections"
    __table_args__ = (
        sa.Index("ix_connections_from_created_id", "from_partner", "created_at", "id"),
        sa.CheckConstraint("from_partner <> to_partner", name="ck_connections_other_partner"),
    )
    id: UUID = Field(primary_key=True)
    from_partner: UUID = Field(foreign_key="partners.id", ondelete="CASCADE")
    to_partner: UUID = Field(foreign_key="partners.id", ondelete="CASCADE", index=True)
    interest: str
    stage: str = Field(default="interest_defined", sa_column_kwargs={"server_default": "interest_defined"})
    what_is_possible: str = Field(default="", sa_column_kwargs={"server_default": ""})
    what_is_practical: str = Field(default="", sa_column_kwargs={"server_default": ""})
    who_can_help: str = Field(default="", sa_column_kwargs={"server_default": ""})
    what_is_next: str = Field(default="", sa_column_kwargs={"server_default": ""})
    notes: str = Field(default="", sa_column_kwargs={"server_default": ""})
    version: int = Field(default=1, sa_column_kwargs={"server_default": "1"})
    created_at: datetime = Field(sa_column=_now())
    updated_at: datetime = Field(sa_column=_now())


class ChangeRow(SQLModel, table=True):
    """The change feed: one row per created, updated, retired or deleted directory record, written by triggers.

    ``txid`` is the writing transaction; readers only see changes of transactions older than every
    transaction still running, so a change committed late (out of id order) is never skipped. A deletion
    keeps the record's external ids (``[{"source", "id"}]``) in ``external_ids``: the tombstone's keys.
    """

    __tablename__ = "changes"
    __table_args__ = (sa.Index("ix_changes_txid_seq", "txid", "seq"),)
    seq: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, sa.Identity(), primary_key=True))
    txid: int = Field(sa_column=sa.Column(
        sa.BigInteger, nullable=False, server_default=sa.text("(pg_current_xact_id()::text)::bigint")))
    kind: str
    record_id: UUID
    op: str
    at: datetime = Field(sa_column=_now())
    external_ids: list[dict[str, str]] | None = Field(default=None, sa_column=sa.Column(JSONB, nullable=True))
    state: str | None = None  # a deletion's jurisdiction: its tombstone is shown only inside it
    local_area: str | None = None


class CodeTitleRow(SQLModel, table=True):
    """Titles of SOC occupations, NAICS industries and CIP programs; the package ships the top levels."""

    __tablename__ = "code_titles"
    scheme: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    title: str
    level: str
    updated_at: datetime = Field(sa_column=_now())


class LaborMarketObservationRow(SQLModel, table=True):
    """Figures for one occupation (SOC) or industry (NAICS) in one region and period, from one source."""

    __tablename__ = "labor_market_observations"
    __table_args__ = (
        sa.Index("ix_labor_market_observations_code", "code_kind", "code"),
        sa.CheckConstraint("code_kind IN ('soc', 'naics')", name="ck_labor_market_observations_code_kind"),
    )
    region: str = Field(primary_key=True)
    code_kind: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    period: str = Field(primary_key=True)
    source: str = Field(primary_key=True)
    retrieved_at: datetime = Field(sa_column=sa.Column(sa.DateTime(timezone=True), nullable=False))
    employment: int | None = None
    projected_employment: int | None = None
    annual_openings: int | None = None
    growth_percent: float | None = None
    median_wage: float | None = None
    wage_p10: float | None = None
    wage_p25: float | None = None
    wage_p75: float | None = None
    wage_p90: float | None = None
    outlook: str | None = None
    created_at: datetime = Field(sa_column=_now())
    updated_at: datetime = Field(sa_column=_now())


class IdempotencyKeyRow(SQLModel, table=True):
    """Responses to creating POSTs, replayed when the same client retries with the same Idempotency-Key."""

    __tablename__ = "idempotency_keys"
    owner: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    request_hash: str
    status: int | None = None
    headers: list[list[str]] = Field(default_factory=list,
                                     sa_column=sa.Column(JSONB, nullable=False, server_default="[]"))
    body: bytes | None = Field(default=None, sa_column=sa.Column(sa.LargeBinary, nullable=True))
    created_at: datetime = Field(sa_column=_now())
