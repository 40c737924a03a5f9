"""What each figure a gap carries means: its unit, how the rules write it, and the words for it.

The gap rules (``gaps``, ``team``, ``agreements``, ``relationships``, ``funding``, ``lmi_gaps``) put figures in
``Gap.figures`` by these names; REST publishes them as the ``GapFigures`` schema and GraphQL as typed fields,
both from this table. ``tests/domain/test_gap_figures.py`` fails on a figure a rule writes that is not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    """What a figure counts or names."""

    COUNT = "count"
    PEOPLE = "people"
    PEOPLE_PER_YEAR = "people_per_year"
    OPENINGS_PER_YEAR = "openings_per_year"
    DAYS = "days"
    MONTHS = "months"
    USD = "usd"
    SHARE = "share"
    DATE = "date"
    MOMENT = "moment"
    ID = "id"
    CODE = "code"
    TEXT = "text"


UNIT_WORDS: dict[Unit, str] = {
    Unit.COUNT: "a count", Unit.PEOPLE: "people", Unit.PEOPLE_PER_YEAR: "people a year",
    Unit.OPENINGS_PER_YEAR: "job openings a year", Unit.DAYS: "days", Unit.MONTHS: "months",
    Unit.USD: "US dollars", Unit.SHARE: "a share from 0 to 1",
}


@dataclass(frozen=True, slots=True)
class FigureMeaning:
    """One figure: its unit, the type the rules write it as, and what it says."""

    unit: Unit
    written_as: type[int] | type[float] | type[str]
    text: str

    @property
    def description(self) -> str:
        """The words for the figure, with its unit where it is a quantity."""
        return f"{self.text} Unit: {UNIT_WORDS[self.unit]}." if self.unit in UNIT_WORDS else self.text


def _f(unit: Unit, written_as: type[int] | type[float] | type[str], text: str) -> FigureMeaning:
    return FigureMeaning(unit=unit, written_as=written_as, text=text)


FIGURES: dict[str, FigureMeaning] = {
    # what the gap is about (ids of records, codes)
    "agreement_id": _f(Unit.ID, str, "The agreement concerned."),
    "assignment_id": _f(Unit.ID, str, "The role assignment concerned."),
    "partner_id": _f(Unit.ID, str, "The partner concerned."),
    "service_id": _f(Unit.ID, str, "The service concerned."),
    "lead_partner_id": _f(Unit.ID, str, "The lead partner of the function concerned."),
    "type": _f(Unit.CODE, str, "The agreement's type."),
    "category": _f(Unit.CODE, str, "The service's category."),
    "tier": _f(Unit.CODE, str, "How much the missing partner type matters: essential or recommended."),
    "sized_population": _f(Unit.CODE, str, "The target population whose size is given."),
    "working_relationship": _f(Unit.CODE, str, "The state/local working relationship the system records."),
    "agreement_relationship": _f(Unit.CODE, str, "The working relationship the agreement records."),
    "basis": _f(Unit.CODE, str, "Why the occupation counts: in_demand or target_occupation."),
    # days and dates
    "expires_on": _f(Unit.DATE, str, "The day the agreement ends."),
    "review_by": _f(Unit.DATE, str, "The day the agreement is due for review."),
    "due_on": _f(Unit.DATE, str, "The day the review was due."),
    "last_joint_training_on": _f(Unit.DATE, str, "The day member agencies' staff last trained together."),
    "state_confirmed_on": _f(Unit.DATE, str, "The day the state level confirmed the state/local roles."),
    "local_confirmed_on": _f(Unit.DATE, str, "The day the local level confirmed the state/local roles."),
    "retrieved_at": _f(Unit.MOMENT, str, "When the latest of the labour market figures was retrieved."),
    "days_expired": _f(Unit.DAYS, int, "Days since the agreement expired."),
    "days_past_review": _f(Unit.DAYS, int, "Days past the agreement's review date."),
    "days_to_expiry": _f(Unit.DAYS, int, "Days until the agreement expires."),
    "days_overdue": _f(Unit.DAYS, int, "Days the review is overdue."),
    "cadence_months": _f(Unit.MONTHS, int, "Months between reviews."),
    "period_months": _f(Unit.MONTHS, int, "The months looked back over for staff sessions."),
    # counts and quantities
    "supporters": _f(Unit.COUNT, int, "Members that support the function without a lead."),
    "regions_covered": _f(Unit.COUNT, int, "Target regions some member serves."),
    "regions_total": _f(Unit.COUNT, int, "Target regions in all."),
    "members": _f(Unit.COUNT, int, "Member agencies of the system."),
    "agencies_not_reached": _f(Unit.COUNT, int, "Member agencies whose staff no recent session reached."),
    "services_without_capacity": _f(Unit.COUNT, int, "Members' services of the category that record no capacity."),
    "population_size": _f(Unit.PEOPLE, int, "The estimated size of the largest target population concerned."),
    "capacity": _f(Unit.PEOPLE_PER_YEAR, float, "Yearly capacity of the members' services or training concerned."),
    "annual_openings": _f(Unit.OPENINGS_PER_YEAR, float, "Annual job openings in the system's regions."),
    "shortfall": _f(Unit.OPENINGS_PER_YEAR, float, "Openings the training capacity does not cover."),
    "total": _f(Unit.USD, str, "Total funding."),
    "grant_share": _f(Unit.SHARE, float, "Share of the funding that comes from grants."),
    # text: lists and names
    "missing": _f(Unit.TEXT, str, "What is missing (codes, comma-separated)."),
    "populations": _f(Unit.TEXT, str, "Populations concerned (comma-separated)."),
    "recommended_types": _f(Unit.TEXT, str, "Partner types worth recruiting (comma-separated)."),
    "candidates": _f(Unit.TEXT, str, "Candidates (comma-separated names)."),
    "providers": _f(Unit.TEXT, str, "Members whose training counts towards capacity (semicolon-separated)."),
    "regions_without_data": _f(Unit.TEXT, str, "Regions with no labour market figures (comma-separated)."),
    "sources": _f(Unit.TEXT, str, "Sources of the labour market figures."),
    "periods": _f(Unit.TEXT, str, "Periods of the labour market figures."),
    "regions": _f(Unit.TEXT, str, "Regions whose figures were added up."),
    "unconfirmed_levels": _f(Unit.TEXT, str, "The levels (state, local) that have not confirmed the roles."),
    "state_confirmed_by": _f(Unit.TEXT, str, "Who confirmed the roles at the state level."),
    "local_confirmed_by": _f(Unit.TEXT, str, "Who confirmed the roles at the local level."),
}
