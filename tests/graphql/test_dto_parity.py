"""Each GraphQL output type has the fields of its REST DTO, so the two transports cannot drift apart unnoticed.

Fields are compared by their GraphQL names (a DTO field through the schema's own name converter). What differs
on purpose is listed in ``INTENDED`` with the reason; anything else that differs fails.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from api.graphql import action_plans as gp
from api.graphql import agreements as ga
from api.graphql import changes as gch
from api.graphql import connections as gc
from api.graphql import labor_market as gl
from api.graphql import readiness as gr
from api.graphql import systems as gs
from api.graphql import types as t
from api.graphql.schema import schema
from api.schemas import action_plans as sap
from api.schemas import agreements as sa
from api.schemas import connections as sc
from api.schemas import funding as sf
from api.schemas import labor_market as sl
from api.schemas import partners as sp
from api.schemas import readiness as sr
from api.schemas import sync as ssy
from api.schemas import systems as ss

PAIRS: list[tuple[type, type[BaseModel]]] = [
    (t.Partner, sp.PartnerOut), (t.Service, sp.ServiceOut), (t.ExternalId, sp.ExternalIdOut),
    (t.Contact, sp.ContactOut), (t.Address, sp.AddressOut), (t.Jurisdiction, sp.JurisdictionOut),
    (gs.System, ss.SystemOut), (gs.Member, ss.MemberOut), (gs.Assignment, ss.AssignmentOut),
    (gs.LinkedSystem, ss.LinkedSystemOut), (gs.RelationshipConfirmation, ss.ConfirmationOut), (gs.Gap, ss.GapOut),
    (gs.TeamReview, ss.TeamReviewOut), (gs.StaffSession, ss.StaffSessionOut), (gs.Candidate, ss.CandidateOut),
    (gs.LeadSuggestion, ss.LeadSuggestionOut), (gs.TeamRequirement, ss.TeamRequirementOut),
    (ga.Agreement, sa.AgreementOut), (ga.RequiredSection, sa.RequiredSectionOut),
    (ga.Completeness, sa.CompletenessOut), (ga.AgreementChecklist, sa.ChecklistOut),
    (ga.FundingStream, sf.FundingStreamOut), (ga.Allocation, sf.AllocationOut), (ga.StreamTotal, sf.StreamTotalOut),
    (ga.KindTotal, sf.KindTotalOut), (ga.StreamAmount, sf.StreamAmountOut), (ga.TargetFunding, sf.TargetFundingOut),
    (ga.UnfundedService, sf.UnfundedServiceOut), (ga.UnfundedFunction, sf.UnfundedFunctionOut),
    (ga.FundingCandidate, sf.FundingCandidateOut), (ga.UntappedStream, sf.UntappedStreamOut),
    (ga.Funding, sf.FundingOut),
    (gr.Indicator, sr.IndicatorOut), (gr.Element, sr.ElementOut), (gr.ScaleLevel, sr.ScaleLevelOut),
    (gr.Framework, sr.FrameworkOut), (gr.Round, sr.RoundOut), (gr.RoundResponse, sr.ResponseOut),
    (gr.IndicatorScore, sr.IndicatorScoreOut), (gr.ElementScore, sr.ElementScoreOut), (gr.Progress, sr.ProgressOut),
    (gr.FlaggedIndicator, sr.FlaggedIndicatorOut), (gr.Priority, sr.PriorityOut),
    (gr.ReadinessGap, sr.ReadinessGapOut), (gr.TechnicalAssistanceNeed, sr.TechnicalAssistanceNeedOut),
    (gr.NextStep, sr.NextStepOut), (gr.Summary, sr.SummaryOut), (gr.RoundScore, sr.RoundScoreOut),
    (gp.ActionItem, sap.ItemOut), (gp.Goal, sap.PlanGoalOut), (gp.OverdueItem, sap.OverdueItemOut),
    (gp.GoalProgress, sap.GoalProgressOut), (gp.PlanStatus, sap.PlanStatusOut), (gp.ActionPlan, sap.PlanOut),
    (gc.ConnectionRecord, sc.ConnectionOut), (gc.Match, sc.MatchOut),
    (gl.LaborMarketObservation, sl.ObservationOut), (gl.InDemandThresholds, sl.InDemandRuleOut),
    (gl.InDemandOccupations, sl.InDemandOut), (gl.PartnerLaborMarket, sl.PartnerLaborMarketOut),
    (gl.CodeTitle, sl.CodeTitleOut), (gch.Change, ssy.ChangeOut),
]

# GraphQL type -> (fields only GraphQL has, fields only REST has), each with why.
INTENDED: dict[str, tuple[set[str], set[str]]] = {
    # Nested reads REST answers at operations of their own (/services, /gaps, /review, /suggestions, ...).
    "Partner": ({"services"}, set()),
    "System": ({"gaps", "gapSummary", "review", "staffSessions", "suggestions"}, set()),
    "Member": ({"partner"}, set()),
    "Round": ({"responses"}, set()),
    "ActionItem": ({"owner"}, set()),
    "Agreement": ({"completeness"}, set()),
    # Asked for through its parent, which names it: REST's copy of the parent's id and the date it was judged on.
    "TeamReview": (set(), {"systemId", "asOf"}),
    "Completeness": (set(), {"agreementId", "type"}),
    # The plan lists its items once, beside its goals (REST nests them under each goal) and its status with it;
    # a goal's gap and whether it is still open are read through ``goalGaps`` (REST names them on the goal).
    "Goal": (set(), {"items", "gapKind", "gapSubject"}),
    "PlanStatus": (set(), {"gaps"}),
    "ActionPlan": ({"items", "status"}, set()),
    # A match names its candidate by id beside the partner object (REST nests only the partner).
    "Match": ({"partnerId"}, set()),
    # A change's record id is not the change's id: a client cache keyed on `id` must not merge one record's changes.
    "Change": ({"recordId"}, {"id"}),
    # A stream is a Node: its global id beside its code (REST names a stream by its code only).
    "FundingStream": ({"id"}, set()),
}

# Beside each foreign id, an object field names the record itself (batched per request); REST answers the ids.
RELATIONS: dict[str, set[str]] = {
    "Service": {"partner"}, "System": {"intermediary"}, "Assignment": {"agreement", "partner"},
    "LinkedSystem": {"system"}, "TeamReview": {"champion"}, "StaffSession": {"system"}, "Candidate": {"partner"},
    "Agreement": {"system"}, "Allocation": {"partner", "service", "system"}, "TargetFunding": {"service"},
    "UnfundedService": {"partner", "service"}, "UnfundedFunction": {"leadPartner"}, "FundingCandidate": {"partner"},
    "Funding": {"system"}, "Round": {"framework", "system"}, "RoundResponse": {"respondent", "round"},
    "RoundScore": {"framework", "round"}, "ActionItem": {"goal"}, "Goal": {"plan"}, "GoalProgress": {"goal"},
    "PlanStatus": {"plan", "system"}, "ActionPlan": {"system"},
    "ConnectionRecord": {"fromOrganization", "toOrganization"}, "PartnerLaborMarket": {"partner"},
}


def _intended(name: str, rest: set[str]) -> tuple[set[str], set[str]]:
    """What differs on purpose: ``INTENDED``, the relations, and ``databaseId`` where REST has an ``id`` (the UUID
    REST names the record by; GraphQL's ``id`` beside it is the global one)."""
    only_graphql, only_rest = INTENDED.get(name, (set(), set()))
    graphql = set(schema._schema.type_map[name].fields)  # type: ignore[attr-defined]
    database_id = {"databaseId"} if "id" in rest and "databaseId" in graphql else set()
    return only_graphql | RELATIONS.get(name, set()) | database_id, only_rest


def _graphql_fields(cls: type) -> set[str]:
    name = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
    return set(schema._schema.type_map[name].fields)  # type: ignore[attr-defined]


def _rest_fields(model: type[BaseModel]) -> set[str]:
    convert = schema.config.name_converter.apply_naming_config
    return {convert(name) for name in model.model_fields}


@pytest.mark.parametrize(("graphql", "rest"), PAIRS, ids=[g.__name__ for g, _ in PAIRS])
def test_each_output_type_has_the_fields_of_its_rest_dto(graphql: type, rest: type[BaseModel]):
    mine, theirs = _graphql_fields(graphql), _rest_fields(rest)
    name = graphql.__strawberry_definition__.name  # type: ignore[attr-defined]
    assert (mine - theirs, theirs - mine) == _intended(name, theirs)


def test_every_intended_difference_names_a_compared_type():
    compared = {g.__strawberry_definition__.name for g, _ in PAIRS}  # type: ignore[attr-defined]
    assert set(INTENDED) | set(RELATIONS) <= compared
