"""Every gap rule the analysis of a system runs, in one list: the team's own, then those reading more than it.

Each rule is a ``(GapContext) -> Iterable[Gap]`` of its own module, named for the kind of gap it finds;
``analyse_gaps`` orders what they find, so the order of this list changes nothing in a report.
"""

from __future__ import annotations

from api.domain.agreements import agreement_renewals, incomplete_agreements, unformalized_leads
from api.domain.funding import funding_gaps
from api.domain.gaps import DEFAULT_RULES, GapRule
from api.domain.lmi_gaps import training_capacity_gaps
from api.domain.relationships import working_relationship_gaps
from api.domain.team import (
    retired_partner_gaps,
    shared_vision_gaps,
    staff_training_gaps,
    team_list_gaps,
    vision_review_gaps,
)

GAP_RULES: tuple[GapRule, ...] = (
    *DEFAULT_RULES, retired_partner_gaps, team_list_gaps, shared_vision_gaps, vision_review_gaps,
    staff_training_gaps, working_relationship_gaps, unformalized_leads, agreement_renewals, incomplete_agreements,
    funding_gaps, training_capacity_gaps,
)
"""Every rule of the gap analysis: the default ones, then those reading agreements, sessions, funding and LMI."""
