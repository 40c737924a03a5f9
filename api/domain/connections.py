"""Connections between organizations: a stated interest, stages toward partnering, and the win/win match.

Stages (the first seed's action guide): interest defined, contacted, exploring, planning, partnered.
A connection moves forward one stage at a time, since each stage is a step the guide asks for, and may
step back one stage when a conversation stalls (planning back to exploring, say). ``partnered`` is
final: a partnership that ends is recorded as a new connection, so the record of one that succeeded
is never rewritten. Becoming partnered needs answers to the four planning questions, because the
guide puts them between looking for the win/win and moving ahead.

The match score is symmetric: it depends only on the pair, never on who asks, and its reasons are
worded with the pair in a fixed order (by name, then id). An organization never matches itself:
``match_score(a, a)`` is 0 with no reasons, and ``rank_matches`` leaves the organization out.

Seed 000, "Look for the win/win": "Talk about the missions and interests you each hold. Is your work
complementary, are your approaches compatible? ... What new efficiencies and/or assets can each of your
organizations gain? Find the points of intersection." The match reads each organization's usual functions, its
assets against the other's limitations (what one offers and the other lacks), its mission (the directory's
description of the organization) and the populations, regions and level they share; a catch-all population
(the general public) says nothing about a shared target and is left out.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from api.domain.action_plans import MAX_TEXT_LENGTH, PLANNING_QUESTIONS
from api.domain.errors import FieldProblem, InvalidInput, RuleViolation
from api.domain.partners import Level, Partner, Status


class Interest(StrEnum):
    """What an organization seeks from a new connection."""

    GAIN_INSIGHT = "gain_insight"
    FIND_LOCAL_INITIATIVE = "find_local_initiative"
    PURSUE_PARTNERSHIP = "pursue_partnership"
    CONNECT_TARGET_POPULATIONS = "connect_target_populations"


class ConnectionStage(StrEnum):
    """Where a connection stands, in the order the action guide walks through."""

    INTEREST_DEFINED = "interest_defined"
    CONTACTED = "contacted"
    EXPLORING = "exploring"
    PLANNING = "planning"
    PARTNERED = "partnered"


_STAGES = tuple(ConnectionStage)


def _neighbours(stage: ConnectionStage) -> frozenset[ConnectionStage]:
    i = _STAGES.index(stage)
    if stage is ConnectionStage.PARTNERED:
        return frozenset()
    return frozenset(_STAGES[j] for j in (i - 1, i + 1) if 0 <= j < len(_STAGES))


ALLOWED_TRANSITIONS: Mapping[ConnectionStage, frozenset[ConnectionStage]] = {s: _neighbours(s) for s in _STAGES}
"""The stages a connection may move to from each stage: the next one, or back one; none from partnered."""

CONNECTION_EDITABLE = frozenset({"interest", "notes", *PLANNING_QUESTIONS})


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    """One organization's connection with another: its interest, stage and the four planning answers."""

    id: UUID
    from_partner: UUID
    to_partner: UUID
    interest: Interest
    stage: ConnectionStage = ConnectionStage.INTEREST_DEFINED
    what_is_possible: str = ""
    what_is_practical: str = ""
    who_can_help: str = ""
    what_is_next: str = ""
    notes: str = ""
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None


class StageSkipped(RuleViolation):
    """A connection moves one stage at a time."""

    title = "Stage skipped"


class PartneredIsFinal(RuleViolation):
    """A partnered connection stays partnered; a new connection records what comes next."""

    title = "Connection already partnered"


class PlanningQuestionsUnanswered(RuleViolation):
    """A connection becomes partnered only once the four planning questions are answered."""

    title = "Planning questions unanswered"

    def __init__(self, unanswered: tuple[str, ...]) -> None:
        super().__init__(f"answer the planning questions before partnering: {', '.join(unanswered)}")
        self.unanswered = unanswered


class ConnectionNotPartnered(RuleViolation):
    """Only a partnered connection brings an organization into a system."""

    title = "Connection not partnered"


def unanswered_questions(connection: Connection) -> tuple[str, ...]:
    """Return the planning questions (field names, in the guide's order) a connection has not answered."""
    return tuple(q for q in PLANNING_QUESTIONS if not getattr(connection, q).strip())


def validate_connection(connection: Connection) -> Connection:
    """Check a connection's parties and texts; return it or raise InvalidInput."""
    problems: list[FieldProblem] = []
    if connection.to_partner == connection.from_partner:
        problems.append(FieldProblem("to_partner", "must be another organization than from_partner"))
    for name in (*PLANNING_QUESTIONS, "notes"):
        if len(getattr(connection, name)) > MAX_TEXT_LENGTH:
            problems.append(FieldProblem(name, f"must be at most {MAX_TEXT_LENGTH} characters"))
    if connection.stage is ConnectionStage.PARTNERED and unanswered_questions(connection):
        problems.append(FieldProblem("stage", "a partnered connection answers the four planning questions"))
    if connection.version < 1:
        problems.append(FieldProblem("version", "must be at least 1"))
    if problems:
        raise InvalidInput(problems)
    return connection


def revise_connection(connection: Connection, changes: Mapping[str, Any]) -> Connection:
    """Change a connection's interest, notes or planning answers and bump its version."""
    problems = [FieldProblem(name, "cannot be changed here") for name in sorted(set(changes) - CONNECTION_EDITABLE)]
    problems += [FieldProblem(name, "must not be null") for name, value in sorted(changes.items()) if value is None]
    if problems:
        raise InvalidInput(problems)
    normalised: dict[str, Any] = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    if "interest" in normalised:
        try:
            normalised["interest"] = Interest(normalised["interest"])
        except ValueError:
            choices = ", ".join(i.value for i in Interest)
            raise InvalidInput(FieldProblem("interest", f"must be one of {choices}")) from None
    return validate_connection(replace(connection, **normalised, version=connection.version + 1))


def advance_connection(connection: Connection, stage: ConnectionStage) -> Connection:
    """Move a connection to the next stage (or back one); the same stage changes nothing."""
    if stage is connection.stage:
        return connection
    if connection.stage is ConnectionStage.PARTNERED:
        raise PartneredIsFinal(f"connection {connection.id} is partnered; record a new connection instead")
    if stage not in ALLOWED_TRANSITIONS[connection.stage]:
        allowed = " or ".join(f"'{s.value}'" for s in _STAGES if s in ALLOWED_TRANSITIONS[connection.stage])
        raise StageSkipped(
            f"connection {connection.id} is at '{connection.stage.value}'; it moves to {allowed} "
            f"before '{stage.value}'"
        )
    if stage is ConnectionStage.PARTNERED:
        unanswered = unanswered_questions(connection)
        if unanswered:
            raise PlanningQuestionsUnanswered(unanswered)
    return replace(connection, stage=stage, version=connection.version + 1)


def require_partnered(connection: Connection) -> Connection:
    """Return the connection if it is partnered, so its organization may join a system; raise otherwise."""
    if connection.stage is not ConnectionStage.PARTNERED:
        raise ConnectionNotPartnered(
            f"connection {connection.id} is at '{connection.stage.value}'; partner first, then add the member"
        )
    return connection


# --- the win/win match ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchWeights:
    """Points each part of the win/win is worth; they sum to 100.

    - ``complementary_functions`` (30): the roles each usually carries that the other does not.
    - ``complementary_assets`` (20): what one brings that the other says it cannot do (assets against
      limitations): "What new efficiencies and/or assets can each of your organizations gain?"
    - ``shared_mission`` (10): missions that speak of the same things: "Talk about the missions and interests
      you each hold."
    - ``shared_populations`` (15): serving the same targeted people (catch-all populations left out).
    - ``shared_regions`` (15): working in the same places makes referrals and shared services practical.
    - ``compatible_level`` (10): state with state, local with local, regional with either.
    """

    complementary_functions: int = 30
    complementary_assets: int = 20
    shared_mission: int = 10
    shared_populations: int = 15
    shared_regions: int = 15
    compatible_level: int = 10


DEFAULT_MATCH_WEIGHTS = MatchWeights()
_PARTS = ("complementary_functions", "complementary_assets", "shared_mission", "shared_populations",
          "shared_regions", "compatible_level")


@dataclass(frozen=True, slots=True, kw_only=True)
class Match:
    """How well two organizations fit: a 0-100 score, each part as a 0-1 fraction, and the reasons.

    ``points`` is the score before rounding: two candidates with the same score are ranked by it.
    """

    score: int
    complementary_functions: float
    shared_populations: float
    shared_regions: float
    compatible_level: float
    reasons: tuple[str, ...]
    complementary_assets: float = 0.0
    shared_mission: float = 0.0
    points: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerMatch:
    """A candidate organization and how well it matches the one asking."""

    partner: Partner
    match: Match


NO_MATCH = Match(
    score=0, complementary_functions=0.0, shared_populations=0.0, shared_regions=0.0, compatible_level=0.0,
    reasons=(),
)


def validate_weights(weights: MatchWeights) -> MatchWeights:
    """Check the weights are whole non-negative points summing to 100; return them or raise InvalidInput."""
    values = {name: getattr(weights, name) for name in _PARTS}
    problems = [
        FieldProblem(f"weights.{name}", "must be a whole number of points, 0 or more")
        for name, value in values.items()
        if isinstance(value, bool) or not isinstance(value, int) or value < 0
    ]
    if not problems and sum(values.values()) != 100:
        problems.append(FieldProblem("weights", f"must sum to 100, not {sum(values.values())}"))
    if problems:
        raise InvalidInput(problems)
    return weights


_WORD = re.compile(r"[a-z]+")
_STOPWORDS = frozenset(
    """about across after all also and any are around being both but can cannot could does doing each few for
    from has have help helps into its lack lacks lacking limited little more most much need needs not now only
    other our over own per same some such than that the their them then there these they this those through
    very was were what when where which while who whom will with within without would your
    organization organizations""".split()
)


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def keywords(text: str) -> frozenset[str]:
    """Return the content words of a text (lower case, singular, without common words), for matching."""
    return frozenset(_stem(w) for w in _WORD.findall(text.casefold()) if len(w) > 2 and w not in _STOPWORDS)


def _jaccard(a: Iterable[str], b: Iterable[str]) -> tuple[float, list[str]]:
    left, right = set(a), set(b)
    union = left | right
    shared = sorted(left & right)
    return (len(shared) / len(union) if union else 0.0), shared


def _complementarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Return how much two sets of usual functions complement each other (0-1).

    The share of their functions that only one of them carries; halved when only one side brings
    something new, since a win/win needs a gain on both sides; 0 when either has no usual functions.
    """
    if not a or not b:
        return 0.0
    share = len(a ^ b) / len(a | b)
    return share if a - b and b - a else share / 2


def _meets(assets: frozenset[str], limitations: frozenset[str]) -> float:
    return len(assets & limitations) / len(limitations) if limitations else 0.0


def _assets_for_limitations(first: Partner, second: Partner) -> tuple[float, frozenset[str], frozenset[str]]:
    """Return how far each one's assets meet the other's limitations (0-1), and the words that meet them.

    The mean of the two directions when each brings something the other lacks; halved when only one does.
    """
    gives_1 = keywords(first.assets) & keywords(second.limitations)
    gives_2 = keywords(second.assets) & keywords(first.limitations)
    one = _meets(keywords(first.assets), keywords(second.limitations))
    two = _meets(keywords(second.assets), keywords(first.limitations))
    share = (one + two) / 2 if one and two else max(one, two) / 2
    return share, gives_1, gives_2


def levels_compatible(a: Level, b: Level) -> bool:
    """Say whether two levels work together: the same level, or regional with either."""
    return a is b or Level.REGIONAL in (a, b)


def _order(partner: Partner) -> tuple[str, str, bytes]:
    return partner.name.casefold(), partner.name, partner.id.bytes


def match_score(
    a: Partner,
    b: Partner,
    usual_functions: Mapping[str, frozenset[str]],
    weights: MatchWeights = DEFAULT_MATCH_WEIGHTS,
    *,
    universal_populations: Collection[str] = (),
) -> Match:
    """Score the win/win between two organizations (0-100, symmetric) and say why; itself scores 0.

    Seed 000: "Talk about the missions and interests you each hold. Is your work complementary, are your
    approaches compatible? ... What new efficiencies and/or assets can each of your organizations gain?"
    """
    validate_weights(weights)
    if a.id == b.id:
        return NO_MATCH
    first, second = sorted((a, b), key=_order)
    funcs_1 = usual_functions.get(first.partner_type, frozenset())
    funcs_2 = usual_functions.get(second.partner_type, frozenset())
    complementary = _complementarity(funcs_1, funcs_2)
    assets, gives_1, gives_2 = _assets_for_limitations(first, second)
    mission, shared_words = _jaccard(keywords(first.description), keywords(second.description))
    targeted_1 = [p for p in first.populations_served if p not in universal_populations]
    targeted_2 = [p for p in second.populations_served if p not in universal_populations]
    populations, shared_populations = _jaccard(targeted_1, targeted_2)
    regions, shared_regions = _jaccard(first.regions_served, second.regions_served)
    level = 1.0 if levels_compatible(first.level, second.level) else 0.0
    parts = {
        "complementary_functions": complementary, "complementary_assets": assets, "shared_mission": mission,
        "shared_populations": populations, "shared_regions": regions, "compatible_level": level,
    }
    raw = sum(getattr(weights, name) * value for name, value in parts.items())
    reasons: list[str] = []
    if complementary:
        for giver, lacker, brings in ((first, second, funcs_1 - funcs_2), (second, first, funcs_2 - funcs_1)):
            if brings:
                reasons.append(
                    f"{giver.name} usually carries {', '.join(sorted(brings))}, which {lacker.name} does not"
                )
    for giver, lacker, words in ((first, second, gives_1), (second, first, gives_2)):
        if words:
            reasons.append(f"{giver.name} brings {', '.join(sorted(words))}, which {lacker.name} lacks")
    if shared_words:
        reasons.append(f"both missions speak of {', '.join(shared_words[:8])}")
    if shared_populations:
        reasons.append(f"both serve {', '.join(shared_populations)}")
    if shared_regions:
        reasons.append(f"both work in {', '.join(shared_regions)}")
    if level:
        levels = sorted({first.level.value, second.level.value})
        reasons.append(f"compatible levels: {' and '.join(levels)}")
    return Match(
        score=min(100, max(0, round(raw))),
        complementary_functions=complementary,
        complementary_assets=assets,
        shared_mission=mission,
        shared_populations=populations,
        shared_regions=regions,
        compatible_level=level,
        reasons=tuple(reasons),
        points=raw,
    )


def rank_matches(
    partner: Partner,
    candidates: Iterable[Partner],
    usual_functions: Mapping[str, frozenset[str]],
    weights: MatchWeights = DEFAULT_MATCH_WEIGHTS,
    *,
    min_score: int = 1,
    limit: int | None = None,
    universal_populations: Collection[str] = (),
) -> tuple[PartnerMatch, ...]:
    """Rank other active organizations by win/win score, leaving the partner out.

    Equal scores are ranked by the score before rounding, so what differs between two candidates decides
    between them; then by name and id.
    """
    validate_weights(weights)
    if limit is not None and limit < 0:
        raise InvalidInput(FieldProblem("limit", "must not be negative"))
    others = {c.id: c for c in candidates if c.id != partner.id and c.status is Status.ACTIVE}
    ranked = [
        PartnerMatch(partner=c, match=m)
        for c in others.values()
        if (m := match_score(partner, c, usual_functions, weights,
                             universal_populations=universal_populations)).score >= min_score
    ]
    ranked.sort(key=lambda pm: (-pm.match.score, -round(pm.match.points, 9), *_order(pm.partner)))
    return tuple(ranked if limit is None else ranked[:limit])
