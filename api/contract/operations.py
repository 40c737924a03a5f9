"""The names and groups that client generators turn into SDK methods and modules.

Every operation of the REST API has an operationId here, keyed by its method and path template: short,
stable (a method name in every generated client, so never renamed lightly), unique, lowerCamelCase and
starting with one of ``VERBS``. A route added without an entry keeps FastAPI's long default and
``tests/rest/test_openapi_contract.py`` fails, naming it.
"""

from __future__ import annotations

import re

VERBS = (
    "list", "get", "create", "update", "replace", "delete", "add", "remove", "set", "assign", "unassign",
    "record", "start", "close", "sign", "advance", "join", "sync", "export", "ingest", "check", "revoke",
)
OPERATION_ID_RE = re.compile(rf"^(?:{'|'.join(VERBS)})(?:[A-Z][a-z0-9]*)+$")

OPERATION_IDS: dict[tuple[str, str], str] = {
    ("GET", "/"): "getServiceDescription",
    ("GET", "/healthz"): "checkHealth",
    ("GET", "/readyz"): "checkReadiness",
    ("GET", "/problems"): "listProblemTypes",
    ("GET", "/problems/{name}"): "getProblemType",
    # the partner directory
    ("GET", "/v1/partners"): "listPartners",
    ("POST", "/v1/partners"): "createPartner",
    ("GET", "/v1/partners/{partner_id}"): "getPartner",
    ("PATCH", "/v1/partners/{partner_id}"): "updatePartner",
    ("DELETE", "/v1/partners/{partner_id}"): "deletePartner",
    ("GET", "/v1/partners/{partner_id}/services"): "listPartnerServices",
    ("POST", "/v1/partners/{partner_id}/services"): "createPartnerService",
    ("GET", "/v1/partners/{partner_id}/services/{service_id}"): "getPartnerService",
    ("PATCH", "/v1/partners/{partner_id}/services/{service_id}"): "updatePartnerService",
    ("DELETE", "/v1/partners/{partner_id}/services/{service_id}"): "deletePartnerService",
    ("GET", "/v1/partners/{partner_id}/connections"): "listPartnerConnections",
    ("GET", "/v1/partners/{partner_id}/matches"): "listPartnerMatches",
    ("GET", "/v1/partners/{partner_id}/labor-market"): "getPartnerLaborMarket",
    # reference vocabularies
    ("GET", "/v1/reference/partner-types"): "listPartnerTypes",
    ("GET", "/v1/reference/service-categories"): "listServiceCategories",
    ("GET", "/v1/reference/populations"): "listPopulations",
    ("GET", "/v1/reference/regions"): "listRegions",
    ("PUT", "/v1/reference/regions/{code}"): "replaceRegion",
    ("GET", "/v1/reference/functions"): "listFunctions",
    ("PUT", "/v1/reference/functions/{code}"): "replaceFunction",
    ("GET", "/v1/reference/role-matrix"): "getRoleMatrix",
    ("PUT", "/v1/reference/role-matrix/{partner_type}"): "replaceRoleMatrixRow",
    ("GET", "/v1/reference/readiness-framework"): "getReadinessFramework",
    ("PUT", "/v1/reference/readiness-framework"): "replaceReadinessFramework",
    ("GET", "/v1/reference/funding-streams"): "listFundingStreams",
    ("PUT", "/v1/reference/funding-streams/{code}"): "replaceFundingStream",
    ("GET", "/v1/reference/occupations"): "listOccupations",
    ("GET", "/v1/reference/industries"): "listIndustries",
    ("GET", "/v1/reference/programs"): "listPrograms",
    ("GET", "/v1/reference/team-requirements"): "getTeamRequirements",
    ("GET", "/v1/reference/agreement-checklists"): "listAgreementChecklists",
    # career pathways systems
    ("GET", "/v1/systems"): "listSystems",
    ("POST", "/v1/systems"): "createSystem",
    ("GET", "/v1/systems/{system_id}"): "getSystem",
    ("PATCH", "/v1/systems/{system_id}"): "updateSystem",
    ("DELETE", "/v1/systems/{system_id}"): "deleteSystem",
    ("POST", "/v1/systems/{system_id}/members"): "addSystemMember",
    ("PATCH", "/v1/systems/{system_id}/members/{partner_id}"): "updateSystemMember",
    ("DELETE", "/v1/systems/{system_id}/members/{partner_id}"): "removeSystemMember",
    ("PUT", "/v1/systems/{system_id}/intermediary"): "setSystemIntermediary",
    ("GET", "/v1/systems/{system_id}/assignments"): "listSystemAssignments",
    ("POST", "/v1/systems/{system_id}/assignments"): "assignSystemRole",
    ("DELETE", "/v1/systems/{system_id}/assignments/{assignment_id}"): "unassignSystemRole",
    ("GET", "/v1/systems/{system_id}/suggestions"): "getSystemLeadSuggestions",
    ("GET", "/v1/systems/{system_id}/gaps"): "getSystemGaps",
    ("GET", "/v1/systems/{system_id}/review"): "getSystemTeamReview",
    ("POST", "/v1/systems/{system_id}/review"): "recordSystemTeamReview",
    ("PUT", "/v1/systems/{system_id}/review"): "replaceSystemTeamReview",
    ("POST", "/v1/systems/{system_id}/vision-review"): "recordSystemVisionReview",
    ("PUT", "/v1/systems/{system_id}/vision-review"): "replaceSystemVisionReview",
    ("POST", "/v1/systems/{system_id}/relationship/confirmations"): "recordRelationshipConfirmation",
    ("GET", "/v1/systems/{system_id}/staff-sessions"): "listSystemStaffSessions",
    ("POST", "/v1/systems/{system_id}/staff-sessions"): "recordSystemStaffSession",
    ("DELETE", "/v1/systems/{system_id}/staff-sessions/{session_id}"): "deleteSystemStaffSession",
    # readiness
    ("GET", "/v1/systems/{system_id}/rounds"): "listSystemRounds",
    ("POST", "/v1/systems/{system_id}/rounds"): "startSystemRound",
    ("GET", "/v1/rounds/{round_id}"): "getRound",
    ("PUT", "/v1/rounds/{round_id}/responses/{partner_id}"): "replaceRoundResponse",
    ("POST", "/v1/rounds/{round_id}/close"): "closeRound",
    ("GET", "/v1/rounds/{round_id}/score"): "getRoundScore",
    ("GET", "/v1/rounds/{round_id}/chart.svg"): "getRoundChart",
    ("POST", "/v1/rounds/{round_id}/next-steps/actions"): "createActionPlanItemsFromNextSteps",
    # action plans
    ("GET", "/v1/systems/{system_id}/action-plan"): "getActionPlan",
    ("PUT", "/v1/systems/{system_id}/action-plan"): "replaceActionPlan",
    ("GET", "/v1/systems/{system_id}/action-plan/status"): "getActionPlanStatus",
    ("POST", "/v1/systems/{system_id}/action-plan/goals"): "addActionPlanGoal",
    ("POST", "/v1/systems/{system_id}/action-plan/goals/from-gap"): "addActionPlanGoalFromGap",
    ("PATCH", "/v1/systems/{system_id}/action-plan/goals/{goal_id}"): "updateActionPlanGoal",
    ("DELETE", "/v1/systems/{system_id}/action-plan/goals/{goal_id}"): "deleteActionPlanGoal",
    ("POST", "/v1/systems/{system_id}/action-plan/items"): "addActionPlanItem",
    ("PATCH", "/v1/systems/{system_id}/action-plan/items/{item_id}"): "updateActionPlanItem",
    ("DELETE", "/v1/systems/{system_id}/action-plan/items/{item_id}"): "deleteActionPlanItem",
    # agreements
    ("GET", "/v1/systems/{system_id}/agreements"): "listSystemAgreements",
    ("POST", "/v1/systems/{system_id}/agreements"): "createSystemAgreement",
    ("GET", "/v1/systems/{system_id}/agreements/{agreement_id}"): "getSystemAgreement",
    ("PATCH", "/v1/systems/{system_id}/agreements/{agreement_id}"): "updateSystemAgreement",
    ("DELETE", "/v1/systems/{system_id}/agreements/{agreement_id}"): "deleteSystemAgreement",
    ("POST", "/v1/systems/{system_id}/agreements/{agreement_id}/sign"): "signSystemAgreement",
    ("GET", "/v1/systems/{system_id}/agreements/{agreement_id}/completeness"): "getAgreementCompleteness",
    # funding
    ("GET", "/v1/systems/{system_id}/allocations"): "listSystemAllocations",
    ("POST", "/v1/systems/{system_id}/allocations"): "createSystemAllocation",
    ("GET", "/v1/systems/{system_id}/allocations/{allocation_id}"): "getSystemAllocation",
    ("PATCH", "/v1/systems/{system_id}/allocations/{allocation_id}"): "updateSystemAllocation",
    ("DELETE", "/v1/systems/{system_id}/allocations/{allocation_id}"): "deleteSystemAllocation",
    ("GET", "/v1/systems/{system_id}/funding"): "getSystemFunding",
    # connections
    ("POST", "/v1/connections"): "createConnection",
    ("GET", "/v1/connections/{connection_id}"): "getConnection",
    ("PATCH", "/v1/connections/{connection_id}"): "updateConnection",
    ("POST", "/v1/connections/{connection_id}/advance"): "advanceConnection",
    ("POST", "/v1/connections/{connection_id}/join-system"): "joinSystemFromConnection",
    # labour market information
    ("POST", "/v1/labor-market/observations"): "ingestObservations",
    ("GET", "/v1/labor-market/observations"): "listObservations",
    ("POST", "/v1/labor-market/titles"): "ingestTitles",
    ("GET", "/v1/labor-market/in-demand"): "listInDemandOccupations",
    # the statewide roll-up
    ("GET", "/v1/states/{state}/overview"): "getStateOverview",
    ("GET", "/v1/states/{state}/overview/chart.svg"): "getStateOverviewChart",
    # keys and audit
    ("POST", "/v1/admin/keys"): "createApiKey",
    ("GET", "/v1/admin/keys"): "listApiKeys",
    ("DELETE", "/v1/admin/keys/{key_id}"): "revokeApiKey",
    ("GET", "/v1/audit"): "listAuditEntries",
    # directory sync
    ("POST", "/v1/sync/hsds"): "syncHsds",
    ("POST", "/v1/sync/{kind}"): "syncDirectory",
    ("GET", "/v1/changes"): "listChanges",
    ("GET", "/v1/export/{kind}"): "exportDirectory",
    # HSDS 3.0
    ("GET", "/hsds"): "getHsdsAbout",
    ("GET", "/hsds/services"): "listHsdsServices",
    ("GET", "/hsds/services/{id}"): "getHsdsService",
    ("GET", "/hsds/organizations"): "listHsdsOrganizations",
    ("GET", "/hsds/organizations/{id}"): "getHsdsOrganization",
    ("GET", "/hsds/service_at_locations"): "listHsdsServiceAtLocations",
    ("GET", "/hsds/service_at_locations/{id}"): "getHsdsServiceAtLocation",
    ("GET", "/hsds/taxonomies"): "listHsdsTaxonomies",
    ("GET", "/hsds/taxonomies/{id}"): "getHsdsTaxonomy",
    ("GET", "/hsds/taxonomy_terms"): "listHsdsTaxonomyTerms",
    ("GET", "/hsds/taxonomy_terms/{id}"): "getHsdsTaxonomyTerm",
}

TAGS: list[dict[str, str]] = [
    {"name": "partners", "description": "The partner directory: organizations (workforce agencies, colleges, "
                                        "human services, community organizations, employers), the services "
                                        "they offer, their connections and labour market context."},
    {"name": "reference", "description": "The reference vocabularies a deployment adapts: partner types, "
                                         "service categories, populations, regions, functions and the role "
                                         "matrix, the readiness framework, funding streams, SOC/NAICS/CIP titles."},
    {"name": "systems", "description": "Career pathways systems: members, the intermediary, role assignments, "
                                       "lead suggestions, gap analysis and the periodic team review."},
    {"name": "readiness", "description": "Readiness assessment on the Six Key Elements: rounds, partners' "
                                         "responses, scores and the radar chart."},
    {"name": "states", "description": "The statewide roll-up for state agencies: a state's systems side by side, "
                                      "by local area, as JSON, CSV or a bar chart."},
    {"name": "action plans", "description": "A system's action plan: goals and items, with their status."},
    {"name": "agreements", "description": "Agreements between members (MOUs), their signatures and completeness."},
    {"name": "funding", "description": "Braided funding: allocations of funding streams to a system and the "
                                       "analysis of how they combine."},
    {"name": "connections", "description": "Connections between organizations, from interest to a joint system, "
                                           "and win/win matches."},
    {"name": "labor market", "description": "Labour market information ingested in bulk (SOC, NAICS, CIP "
                                            "validated), in-demand occupations, and the titles lists."},
    {"name": "sync", "description": "Bulk directory sync for state systems (NDJSON keyed by their own ids), the "
                                    "change feed and NDJSON exports."},
    {"name": "hsds", "description": "The directory as an Open Referral HSDS 3.0 API (read-only)."},
    {"name": "admin", "description": "API keys and the audit log (admin keys only)."},
    {"name": "operations", "description": "The service description and the health probes."},
]
