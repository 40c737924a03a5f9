"""The GraphQL schema's own words: what the REST contract has no name for (connections, arguments, enum values,
types that exist only here). Read by ``descriptions.describe``; the REST glossary (``api/contract/glossary.py``)
and the REST DTOs' field descriptions hold the rest, and an enum type without words here takes its domain
enum's docstring."""

from __future__ import annotations

TYPES: dict[str, str] = {
    "Query": "Reads: the partner directory, career pathways systems and what is known about them (gaps, readiness, "
             "plans, agreements, funding, connections, labour market information).",
    "Mutation": "Writes, each through the same use case and rules as its REST operation. Each answers its result "
                "or a typed error (an `Error`); nothing is changed when it answers an error.",
    "UUID": "A record's identifier, a UUID (`3f0c2d4e-5b8a-4c1e-9a77-2d6f0e1b9c55`): the same as REST's `id`.",
    "Date": "A calendar day, ISO 8601 (`2026-06-01`).",
    "DateTime": "A moment, RFC 3339 in UTC with a `Z` (`2026-06-01T08:30:00Z`): as REST writes it.",
    "JSON": "Any JSON value.",
    "PageInfo": "Where a page stands in its collection (Relay): whether more follows, and the cursor to continue "
                "from.",
    "Partner": "A partner (organization): an agency, institution, organization or employer in the directory, with "
               "the services it offers.",
    "Service": "A service a partner offers: its category, who is eligible, where, how, how many a year, and for "
               "training the program and occupations it leads to.",
    "System": "A career pathways system (partnership): a leadership team at state or local level with its vision, "
              "mission, goals, targets, members, intermediary and role assignments.",
    "MemberStatus": "A member's status in the directory (a retired member raises gaps).",
    "Member": "A partner's membership in a system: its representative and team.",
    "Assignment": "A role assignment: a member carries a function of the system as lead, support or advisor.",
    "Gap": "Something the system lacks: what, how severe, why it matters and what to do.",
    "Candidate": "A member that could lead a function, with how well it fits and why.",
    "LeadSuggestion": "A function without a lead and the members that could lead it, best first; where none fits, "
                      "the partner types to recruit.",
    "TeamReview": "The periodic membership review: whether it is due, and the team composition gaps to look at.",
    "Jurisdiction": "A state, or a local area in it: whose records these are.",
    "JurisdictionInput": "A state (USPS code), and optionally a local workforce area in it.",
    "ExternalId": "An identifier of the record in another system (source and id).",
    "ExternalIdInput": "An identifier of the record in another system (source and id).",
    "Contact": "A person to contact at a partner.",
    "ContactInput": "A person to contact at a partner.",
    "Address": "A postal address.",
    "AddressInput": "A postal address.",
    "PartnerFilterInput": "Filters of the partner directory, combined with AND; the same as REST's query "
                          "parameters.",
    "GeoPointInput": "A point on the map (WGS 84).",
    "PartnerInput": "A new partner.",
    "ServiceInput": "A new service of a partner.",
    "SystemInput": "A new career pathways system.",
    "MemberInput": "A partner joining a system.",
    "AssignmentInput": "A function to assign to a member.",
    "DeletedResult": "The record deleted.",
    "Rating": "One rating of an indicator: a development phase from 1 (initiation) to 4 (sustained), or not rated.",
    "RatingInput": "One rating of an indicator: 1 (initiation) to 4 (sustained), or null: not rated.",
    "Note": "A respondent's note on an indicator.",
    "NoteInput": "A note on an indicator.",
    "PlanningQuestion": "One of the four planning questions of the seed (what is possible, what is practical "
                        "near-term, who can help, what is next), and the plan field that answers it.",
    "ActionItemInput": "A new action plan item: what, who (a member) and by when.",
    "ActionItemList": "The action plan items created.",
    "LaborMarketFilterInput": "Filters of labour market observations, combined with AND.",
    "InDemandOccupations": "The occupations in demand in some regions, by the in-demand rule, with the figures "
                           "that make them so.",
}

# "Type.field" (camelCase), for fields whose words here say more than the name's words elsewhere.
FIELDS: dict[str, str] = {
    "Gap.figures": "The figures behind the gap, typed and in their units.",
    "PageInfo.hasNextPage": "Whether another page follows this one.",
    "PageInfo.endCursor": "The cursor of the last edge of this page: pass it as `after` for the next page (null "
                          "on an empty page).",
    "PartnerConnection.totalCount": "How many partners match in all (only with `includeTotal: true`, else null).",
    "PartnerFilterInput.q": "Full text: words in the partner's name or description (at most 200 characters).",
    "PartnerFilterInput.population": "Serves this population (a population code).",
    "PartnerFilterInput.serviceCategory": "Offers a service of this category (a code of the service taxonomy).",
    "PartnerFilterInput.near": "Near this point (with `radiusKm`); results come nearest first.",
    "PartnerFilterInput.radiusKm": "How far from `near`, in kilometres.",
    "PartnerFilterInput.updatedSince": "Changed at or after this moment.",
    "GeoPointInput.lat": "Latitude in decimal degrees (WGS 84).",
    "GeoPointInput.lon": "Longitude in decimal degrees (WGS 84).",
    "PopulationSize.population": "The target population (a population code).",
    "PopulationSize.size": "The estimated number of people in it.",
    "PopulationSizeInput.population": "The target population (a population code).",
    "PopulationSizeInput.size": "The estimated number of people in it.",
    "LaborMarketObservation.retrievedAt": "When the figures were pulled from the source (provenance).",
    "PlanningQuestion.question": "The question, in the seed's words.",
}

# "Type.field.argument", or an argument's name wherever it is used.
ARGUMENTS: dict[str, str] = {
    "first": "How many records the page holds (1 to 500; 50 when omitted).",
    "after": "The `endCursor` of the previous page: the page starts after it (omit for the first page).",
    "where": "Filters, combined with AND.",
    "input": "The record's fields: the same names (in camelCase), rules and defaults as the REST body.",
    "expectedVersion": "The `version` the caller last read: the change is refused with a `StaleVersionError` when "
                       "the record is at another one. Omit to change it whatever its version.",
    "includeTotal": "Also count every partner that matches (`totalCount`); costs a count of the whole filter.",
    "seedOnly": "Only the seed's own chart, without the project's additions.",
    "limit": "How many matches at most.",
    "minScore": "Only matches that score at least this (0-100).",
    "q": "Words the title contains (at most 200 characters).",
    "cascade": "Also remove the member's role assignments (without it, a member with assignments stays).",
    "assignmentId": "The role assignment.",
    "itemId": "The action plan item.",
    "sessionId": "The staff session.",
    "revisitedOn": "The day the team revisited its vision, mission and goals (not in the future).",
}

# Words for a field or argument name wherever it is used, where neither the REST DTOs nor the glossary have it.
NAMES: dict[str, str] = {
    "edges": "The records of this page, in order, each with its cursor.",
    "node": "The record.",
    "cursor": "Where this record stands in the collection: pass it as `after` to continue after it.",
    "pageInfo": "Where this page stands: whether more follows and the cursor to continue from.",
    "totalCount": "How many records match in all.",
    "id: ID": "The record's global id, for `node(id:)` and clients' caches: opaque and stable, it names the type "
              "and the key (`databaseId` is the UUID REST uses).",
    "databaseId": "The record's UUID: its `id` in REST and in the database.",
}

ENUM_VALUES: dict[str, str] = {
    "StreamRole.ADMINISTERS": "The member's type administers the stream.",
    "StreamRole.USUALLY_DRAWS": "The member's type usually draws on the stream.",
    "StreamRole.OFFERS_ONLY": "Neither: the member only offers what the stream pays for.",
    "Level.STATE": "Works across a state.",
    "Level.REGIONAL": "Works across a region of a state (several local areas or counties).",
    "Level.LOCAL": "Works in a local area.",
    "Status.ACTIVE": "In the directory and working.",
    "Status.INACTIVE": "In the directory but not working for now.",
    "Status.RETIRED": "Gone from the directory's current picture (kept for history); a retired member raises gaps.",
    "MemberStatus.ACTIVE": "In the directory and working.",
    "MemberStatus.INACTIVE": "In the directory but not working for now.",
    "MemberStatus.RETIRED": "Retired from the directory: the system should replace it.",
    "DeliveryMode.IN_PERSON": "Delivered in person.",
    "DeliveryMode.ONLINE": "Delivered online.",
    "DeliveryMode.HYBRID": "Partly in person, partly online.",
    "SystemLevel.STATE": "A state system: the state-level leadership team.",
    "SystemLevel.LOCAL": "A local system: a local area's leadership team, answering to a state system.",
    "WorkingRelationship.STATE_DIRECTED": "Decisions are made at the state level, with local officials expected to "
                                          "implement them.",
    "WorkingRelationship.LOCALLY_DIRECTED": "Most decisions are made at the local level, with state officials "
                                            "acting in advisory and supporting roles.",
    "WorkingRelationship.SHARED": "State and local partners decide together.",
    "Team.LEADERSHIP": "The leadership team, which sets the vision, mission, goals and plan.",
    "Team.OPERATIONS": "The operations team, whose staff carry out the plan.",
    "Strength.LEAD": "Leads the function (a function has at most one lead).",
    "Strength.SUPPORT": "Supports the lead in the function.",
    "Strength.ADVISORY": "Advises on the function.",
    "GapKind.UNCOVERED_FUNCTION": "A function no member leads, or no member carries at all.",
    "GapKind.RETIRED_PARTNER": "A member, lead or party is retired in the directory.",
    "GapKind.UNSERVED_POPULATION": "A target population no member serves, with the partner types that usually "
                                   "serve it.",
    "GapKind.TRAINING_CAPACITY": "Training capacity for a target occupation falls short of its annual openings.",
    "GapKind.SUPPORT_SERVICE": "A support service the target populations need is missing, or offered in too few "
                               "regions or with too little capacity.",
    "GapKind.TEAM_COMPOSITION": "A partner type with key functions has no representative on the leadership team.",
    "GapKind.TEAM_LIST": "A partner carries a role but is missing from the team lists.",
    "GapKind.SHARED_VISION": "The shared vision, mission or goals are missing or due to be revisited.",
    "GapKind.WORKING_RELATIONSHIP": "The state/local working relationship is not defined, confirmed or formalized.",
    "GapKind.STAFF_TRAINING": "Member agencies' staff have not been informed or trained together recently.",
    "GapKind.FORMALIZATION": "A lead is not covered by an active agreement, or an agreement expires soon or is "
                             "past its review date.",
    "GapKind.AGREEMENT_COMPLETENESS": "An agreement lacks sections its type requires.",
    "GapKind.FUNDING": "Services or functions without a funding stream, grant-only dependence, or streams the "
                       "system could draw on but does not.",
    "GapKind.MEMBERSHIP_REVIEW": "The periodic membership review is overdue.",
    "GapKind.VISION_REVIEW": "The vision, mission and goals are overdue for their periodic revisit.",
    "Severity.CRITICAL": "Blocks the system from working: act first.",
    "Severity.HIGH": "Weakens the system seriously: act soon.",
    "Severity.MEDIUM": "Worth planning for.",
    "Severity.LOW": "Worth noting.",
    "StaffSessionKind.INFORMATION": "Informed staff about the system.",
    "StaffSessionKind.TRAINING": "Trained staff of several agencies together on the system.",
    "RoundStatus.OPEN": "Takes responses.",
    "RoundStatus.CLOSED": "Closed: its scores are final.",
    "ScoreStatus.SCORED": "Enough indicators were rated: the score is a number.",
    "ScoreStatus.INSUFFICIENT_DATA": "Too few indicators were rated to score it.",
    "NextStepKind.GAP": "An indicator rated low: a readiness gap.",
    "NextStepKind.PRIORITY": "An element respondents marked as a priority.",
    "NextStepKind.DISAGREEMENT": "Respondents' ratings are far apart: worth a facilitated conversation.",
    "NextStepKind.INSUFFICIENT_DATA": "Too few ratings to tell: rate the element's indicators.",
    "ItemStatus.NOT_STARTED": "Not started.",
    "ItemStatus.IN_PROGRESS": "Under way.",
    "ItemStatus.DONE": "Done.",
    "ItemStatus.BLOCKED": "Cannot go on until something else happens.",
    "AgreementType.MOU": "A memorandum of understanding among partners (the seeds' partnership MOU).",
    "AgreementType.STATE_LOCAL_MOU": "An MOU that records the working relationship between state and local "
                                     "partners.",
    "AgreementType.ONE_STOP_MOU": "The MOU of a local workforce board with the one-stop partners (WIOA).",
    "AgreementType.INFRASTRUCTURE_FUNDING_AGREEMENT": "How one-stop partners share the infrastructure costs "
                                                      "(WIOA).",
    "AgreementType.CONTRACT": "A contract between partners.",
    "AgreementType.GRANT_AGREEMENT": "The agreement of a grant.",
    "AgreementType.STATEMENT_OF_COLLABORATION": "A statement of collaboration (less binding than an MOU).",
    "AgreementStatus.DRAFT": "Being written: not in force yet.",
    "AgreementStatus.ACTIVE": "Signed and in force.",
    "AgreementStatus.EXPIRED": "Past its expiry date.",
    "FundingKind.FORMULA": "Formula funds (WIOA titles, Perkins, TANF...): allocated every year by a formula.",
    "FundingKind.GRANT": "Grant funds: time-limited, won by application.",
    "FundingKind.STATE": "State funds.",
    "FundingKind.PRIVATE": "Private funds (philanthropy, employers).",
    "Interest.GAIN_INSIGHT": "Gain insight into the practices or experiences of another.",
    "Interest.FIND_LOCAL_INITIATIVE": "Learn whether an initiative is active in the local region.",
    "Interest.PURSUE_PARTNERSHIP": "Pursue a new partnership.",
    "Interest.CONNECT_TARGET_POPULATIONS": "Connect its target populations to existing career pathways.",
    "ConnectionStage.INTEREST_DEFINED": "The organization has defined its interest.",
    "ConnectionStage.CONTACTED": "Contact is made.",
    "ConnectionStage.EXPLORING": "Looking for the win/win: complementary work, compatible approaches.",
    "ConnectionStage.PLANNING": "Planning together: the four planning questions.",
    "ConnectionStage.PARTNERED": "Partners: the connection's final stage.",
    "CodeKind.SOC": "An occupation (SOC code, `XX-XXXX`).",
    "CodeKind.NAICS": "An industry (NAICS code, 2 to 6 digits).",
    "Outlook.BRIGHT": "Bright outlook: growing fast or with many openings.",
    "Outlook.AVERAGE": "Average outlook.",
    "Outlook.BELOW_AVERAGE": "Below average outlook.",
    "TitleScheme.SOC": "Occupations (SOC codes).",
    "TitleScheme.NAICS": "Industries (NAICS codes).",
    "TitleScheme.CIP": "Instructional programs (CIP codes, `XX.XXXX`).",
}
