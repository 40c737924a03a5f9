"""DTOs of connections between organizations and of the win/win match."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain.action_plans import MAX_TEXT_LENGTH, PLANNING_QUESTIONS
from api.domain.connections import DEFAULT_MATCH_WEIGHTS, Connection, ConnectionStage, Interest, PartnerMatch
from api.domain.partners import Level
from api.domain.systems import Team
from api.schemas.partners import JurisdictionOut, Name

Answer = Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ConnectionIn(_In):
    """An organization's interest in connecting with another (the connection starts at ``interest_defined``)."""

    from_partner: UUID = Field(description="the organization seeking the connection")
    to_partner: UUID = Field(description="the organization it wants to connect with")
    interest: Interest
    notes: Answer = Field(default="", description="the reasons for wanting to be in touch")
    what_is_possible: Answer = Field(default="", description=PLANNING_QUESTIONS["what_is_possible"])
    what_is_practical: Answer = Field(default="", description=PLANNING_QUESTIONS["what_is_practical"])
    who_can_help: Answer = Field(default="", description=PLANNING_QUESTIONS["who_can_help"])
    what_is_next: Answer = Field(default="", description=PLANNING_QUESTIONS["what_is_next"])

    def to_domain(self) -> Connection:
        texts = {k: v.strip() for k, v in self.model_dump(exclude={"from_partner", "to_partner", "interest"}).items()}
        return Connection(id=uuid4(), from_partner=self.from_partner, to_partner=self.to_partner,
                          interest=self.interest, **texts)


class ConnectionPatch(_In):
    """A change of the interest, the notes or the answers to the four planning questions."""

    interest: Interest | None = None
    notes: Answer | None = None
    what_is_possible: Answer | None = Field(default=None, description=PLANNING_QUESTIONS["what_is_possible"])
    what_is_practical: Answer | None = Field(default=None, description=PLANNING_QUESTIONS["what_is_practical"])
    who_can_help: Answer | None = Field(default=None, description=PLANNING_QUESTIONS["who_can_help"])
    what_is_next: Answer | None = Field(default=None, description=PLANNING_QUESTIONS["what_is_next"])

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class AdvanceIn(_In):
    """The stage to move to: the next one, or back one; ``partnered`` needs the four planning answers."""

    stage: ConnectionStage


class JoinSystemIn(_In):
    """Add an organization of a partnered connection to a system as a member."""

    system_id: UUID
    representative: Name
    team: Team = Team.LEADERSHIP
    partner_id: UUID | None = Field(default=None, description="which of the two joins; the TO partner by default")
    joined_on: date | None = None


class ConnectionOut(_Out):
    id: UUID
    from_partner: UUID
    to_partner: UUID
    interest: Interest
    stage: ConnectionStage
    what_is_possible: str
    what_is_practical: str
    who_can_help: str
    what_is_next: str
    notes: str
    version: int
    created_at: datetime | None
    updated_at: datetime | None


class ConnectionPage(BaseModel):
    items: list[ConnectionOut]
    next_cursor: str | None


class MatchedPartnerOut(_Out):
    id: UUID
    name: str
    partner_type: str
    level: Level
    jurisdiction: JurisdictionOut


class MatchOut(BaseModel):
    """A candidate organization: the 0-100 win/win score, each part as a 0-1 fraction, and the reasons."""

    partner: MatchedPartnerOut
    score: int
    complementary_functions: float
    complementary_assets: float = Field(description="how far each one's assets meet the other's limitations")
    shared_mission: float = Field(description="how much their missions (directory descriptions) share")
    shared_populations: float = Field(description="targeted populations both serve (catch-alls left out)")
    shared_regions: float
    compatible_level: float
    reasons: list[str]

    @classmethod
    def of(cls, found: PartnerMatch) -> MatchOut:
        m = found.match
        return cls(partner=MatchedPartnerOut.model_validate(found.partner), score=m.score,
                   complementary_functions=m.complementary_functions, complementary_assets=m.complementary_assets,
                   shared_mission=m.shared_mission, shared_populations=m.shared_populations,
                   shared_regions=m.shared_regions, compatible_level=m.compatible_level, reasons=list(m.reasons))


class MatchWeightsOut(BaseModel):
    """The points each part of the win/win is worth (they sum to 100)."""

    complementary_functions: int = DEFAULT_MATCH_WEIGHTS.complementary_functions
    complementary_assets: int = DEFAULT_MATCH_WEIGHTS.complementary_assets
    shared_mission: int = DEFAULT_MATCH_WEIGHTS.shared_mission
    shared_populations: int = DEFAULT_MATCH_WEIGHTS.shared_populations
    shared_regions: int = DEFAULT_MATCH_WEIGHTS.shared_regions
    compatible_level: int = DEFAULT_MATCH_WEIGHTS.compatible_level


class MatchReport(BaseModel):
    partner_id: UUID
    weights: MatchWeightsOut
    matches: list[MatchOut]
