"""Readiness assessment on the Six Key Elements: the framework as data, rounds, responses and scoring.

The framework (elements, their indicators and the four-point scale of development phases) is
versioned data: editing it makes a new version with a new id, and a round is always answered and
scored against the version it was started with.

Scoring choices, all parameters of ``ScoringRules``:

- an indicator's score is the mean of its ratings; "not rated" is never a rating;
- an indicator's spread is the range of its ratings (highest minus lowest, in scale points): on a
  four-point scale it reads directly ("one respondent says Initiation, another says
  Implementation") and, unlike a standard deviation, does not shrink as agreeing respondents are
  added around a lone dissenter;
- an element's score is the mean of its scored indicators' means (each indicator weighs the same
  however many respondents rated it), also shown as 0-100 (1 -> 0, 4 -> 100), and is
  "insufficient data" when too few of its indicators are scored;
- the overall score is the mean of the scored elements' means (each element weighs the same), with
  the phase it falls in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from api.domain.errors import FieldProblem, InvalidInput, NotFound, RuleViolation

SCALE_VALUES: tuple[int, ...] = (1, 2, 3, 4)
"""The points of the scale: ratings are one of these or not rated. Labels and descriptions are data."""
SCALE_MIN = SCALE_VALUES[0]
SCALE_MAX = SCALE_VALUES[-1]
MAX_NOTE_LENGTH = 4000
FRAMEWORK_EDITABLE = frozenset({"name", "description", "elements", "scale"})
_CODE_RE = re.compile(r"^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*$")


# --------------------------------------------------------------------------------------------------
# The framework


@dataclass(frozen=True, slots=True, kw_only=True)
class ScaleLevel:
    """One point of the four-point scale of development phases (label and wording are data)."""

    value: int
    label: str
    description: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Indicator:
    """An observable component of an element, rated on the scale; its code (like "1.2") is stable."""

    code: str
    text: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Element:
    """One of the six key elements of a career pathways system, with its indicators."""

    code: str
    name: str
    description: str = ""
    source: str = ""
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Framework:
    """One version of the readiness framework: elements, indicators and the scale."""

    id: UUID
    version: int = 1
    name: str
    description: str = ""
    elements: tuple[Element, ...]
    scale: tuple[ScaleLevel, ...]
    based_on: UUID | None = None

    def indicator_codes(self) -> tuple[str, ...]:
        """List every indicator code in framework order."""
        return tuple(ind.code for el in self.elements for ind in el.indicators)

    def element_of(self, indicator_code: str) -> Element:
        """Find the element an indicator belongs to."""
        for el in self.elements:
            if any(ind.code == indicator_code for ind in el.indicators):
                return el
        raise NotFound("indicator", indicator_code)

    def level(self, value: int) -> ScaleLevel:
        """Find the scale level with this value."""
        for lvl in self.scale:
            if lvl.value == value:
                return lvl
        raise NotFound("scale level", value)


def validate_framework(framework: Framework) -> Framework:
    """Check a framework's structure (unique codes, indicators, the 1-4 scale); return it or raise."""
    problems: list[FieldProblem] = []
    if framework.version < 1:
        problems.append(FieldProblem("version", "must be at least 1"))
    if not framework.name.strip():
        problems.append(FieldProblem("name", "must not be blank"))
    if not framework.elements:
        problems.append(FieldProblem("elements", "must list at least one element"))
    element_codes: set[str] = set()
    indicator_codes: set[str] = set()
    for i, el in enumerate(framework.elements):
        where = f"elements[{i}]"
        if not _CODE_RE.match(el.code):
            problems.append(FieldProblem(f"{where}.code", "must be letters or digits separated by dots"))
        elif el.code in element_codes:
            problems.append(FieldProblem(f"{where}.code", f"element code '{el.code}' appears twice"))
        element_codes.add(el.code)
        if not el.name.strip():
            problems.append(FieldProblem(f"{where}.name", "must not be blank"))
        if not el.indicators:
            problems.append(FieldProblem(f"{where}.indicators", "must list at least one indicator"))
        for j, ind in enumerate(el.indicators):
            iwhere = f"{where}.indicators[{j}]"
            if not _CODE_RE.match(ind.code):
                problems.append(FieldProblem(f"{iwhere}.code", "must be letters or digits separated by dots"))
            elif ind.code in indicator_codes:
                problems.append(FieldProblem(f"{iwhere}.code", f"indicator code '{ind.code}' appears twice"))
            indicator_codes.add(ind.code)
            if not ind.text.strip():
                problems.append(FieldProblem(f"{iwhere}.text", "must not be blank"))
    values = tuple(sorted(lvl.value for lvl in framework.scale))
    if values != SCALE_VALUES:
        wanted = ", ".join(map(str, SCALE_VALUES))
        problems.append(FieldProblem("scale", f"must have exactly one level for each of {wanted}"))
    for i, lvl in enumerate(framework.scale):
        if not lvl.label.strip():
            problems.append(FieldProblem(f"scale[{i}].label", "must not be blank"))
    if problems:
        raise InvalidInput(problems)
    return framework


def revise_framework(
    framework: Framework, changes: Mapping[str, Any], *, new_id: Callable[[], UUID] = uuid4
) -> Framework:
    """Make the next version of a framework with the changes applied; the old version is untouched."""
    unknown = set(changes) - FRAMEWORK_EDITABLE
    if unknown:
        raise InvalidInput([FieldProblem(name, "cannot be changed") for name in sorted(unknown)])
    revised = Framework(
        id=new_id(),
        version=framework.version + 1,
        name=changes.get("name", framework.name),
        description=changes.get("description", framework.description),
        elements=tuple(changes.get("elements", framework.elements)),
        scale=tuple(sorted(changes.get("scale", framework.scale), key=lambda lvl: lvl.value)),
        based_on=framework.id,
    )
    return validate_framework(revised)


def _text(problems: list[FieldProblem], where: str, value: object, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(FieldProblem(where, "must be a non-blank string" if required else "must be a string"))
        return ""
    return value.strip()


def _list(problems: list[FieldProblem], where: str, value: object) -> list[Any]:
    if not isinstance(value, list):
        problems.append(FieldProblem(where, "must be a list"))
        return []
    return value


def _indicator_from_dict(problems: list[FieldProblem], where: str, data: object) -> Indicator:
    if not isinstance(data, Mapping):
        problems.append(FieldProblem(where, "must be an object"))
        return Indicator(code="", text="")
    return Indicator(
        code=_text(problems, f"{where}.code", data.get("code")),
        text=_text(problems, f"{where}.text", data.get("text")),
        description=_text(problems, f"{where}.description", data.get("description"), required=False),
    )


def _element_from_dict(problems: list[FieldProblem], where: str, data: object) -> Element:
    if not isinstance(data, Mapping):
        problems.append(FieldProblem(where, "must be an object"))
        return Element(code="", name="")
    indicators = _list(problems, f"{where}.indicators", data.get("indicators"))
    return Element(
        code=_text(problems, f"{where}.code", data.get("code")),
        name=_text(problems, f"{where}.name", data.get("name")),
        description=_text(problems, f"{where}.description", data.get("description"), required=False),
        source=_text(problems, f"{where}.source", data.get("source"), required=False),
        indicators=tuple(
            _indicator_from_dict(problems, f"{where}.indicators[{j}]", ind)
            for j, ind in enumerate(indicators)
        ),
    )


def _level_from_dict(problems: list[FieldProblem], where: str, data: object) -> ScaleLevel:
    if not isinstance(data, Mapping):
        problems.append(FieldProblem(where, "must be an object"))
        return ScaleLevel(value=0, label="")
    value = data.get("value")
    if not isinstance(value, int) or isinstance(value, bool):
        problems.append(FieldProblem(f"{where}.value", "must be an integer"))
        value = 0
    return ScaleLevel(
        value=value,
        label=_text(problems, f"{where}.label", data.get("label")),
        description=_text(problems, f"{where}.description", data.get("description"), required=False),
        source=_text(problems, f"{where}.source", data.get("source"), required=False),
    )


def framework_from_dict(
    data: Mapping[str, Any], *, id: UUID | None = None, new_id: Callable[[], UUID] = uuid4
) -> Framework:
    """Build and validate a framework from parsed JSON; the id is the argument, data["id"] or new."""
    problems: list[FieldProblem] = []
    framework_id = id
    if framework_id is None and data.get("id") is not None:
        try:
            framework_id = UUID(str(data["id"]))
        except ValueError:
            problems.append(FieldProblem("id", "must be a UUID"))
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        problems.append(FieldProblem("version", "must be an integer"))
        version = 1
    elements = _list(problems, "elements", data.get("elements"))
    scale = _list(problems, "scale", data.get("scale"))
    framework = Framework(
        id=framework_id or new_id(),
        version=version,
        name=_text(problems, "name", data.get("name")),
        description=_text(problems, "description", data.get("description"), required=False),
        elements=tuple(_element_from_dict(problems, f"elements[{i}]", el) for i, el in enumerate(elements)),
        scale=tuple(
            sorted((_level_from_dict(problems, f"scale[{i}]", lvl) for i, lvl in enumerate(scale)),
                   key=lambda lvl: lvl.value)
        ),
    )
    if problems:
        raise InvalidInput(problems)
    return validate_framework(framework)


# --------------------------------------------------------------------------------------------------
# Rounds and responses


class RoundStatus(StrEnum):
    """Whether a round still takes responses."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Round:
    """One assessment of a system, answered by its members against one framework version."""

    id: UUID
    system_id: UUID
    framework_id: UUID
    framework_version: int
    started_on: date
    closed_on: date | None = None
    status: RoundStatus = RoundStatus.OPEN


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """One member's answers in a round: ratings (1-4 or None: not rated), flags and notes by indicator."""

    round_id: UUID
    respondent_id: UUID
    ratings: Mapping[str, int | None] = field(default_factory=dict, hash=False)
    priorities: frozenset[str] = frozenset()
    technical_assistance: frozenset[str] = frozenset()
    notes: Mapping[str, str] = field(default_factory=dict, hash=False)
    submitted_at: datetime
    revised_at: datetime | None = None


class RoundClosed(RuleViolation):
    """The round is closed: its responses are read-only."""

    title = "Assessment round is closed"

    def __init__(self, round_id: UUID) -> None:
        super().__init__(f"round {round_id} is closed; its responses are read-only")
        self.round_id = round_id


class RoundAlreadyOpen(RuleViolation):
    """A system has at most one open round at a time."""

    title = "An assessment round is already open"

    def __init__(self, system_id: UUID, round_id: UUID) -> None:
        super().__init__(f"system {system_id} already has an open round {round_id}; close it first")
        self.system_id = system_id
        self.round_id = round_id


class NotARespondent(RuleViolation):
    """Only members of the system can respond in its rounds."""

    title = "Not a member of the system"

    def __init__(self, partner_id: UUID, system_id: UUID) -> None:
        super().__init__(f"partner {partner_id} is not a member of system {system_id} and cannot respond")
        self.partner_id = partner_id
        self.system_id = system_id


class FrameworkVersionMismatch(RuleViolation):
    """A round is answered and scored only against the framework version it was started with."""

    title = "Wrong framework version for the round"

    def __init__(self, round_: Round, framework: Framework) -> None:
        super().__init__(
            f"round {round_.id} uses framework {round_.framework_id} version {round_.framework_version}, "
            f"not {framework.id} version {framework.version}"
        )
        self.round_id = round_.id


def start_round(
    framework: Framework,
    *,
    system_id: UUID,
    started_on: date,
    rounds: Iterable[Round] = (),
    new_id: Callable[[], UUID] = uuid4,
) -> Round:
    """Open a round for a system on this framework version, unless it already has an open one."""
    for other in sorted(rounds, key=lambda r: (r.started_on, str(r.id))):
        if other.system_id == system_id and other.status is RoundStatus.OPEN:
            raise RoundAlreadyOpen(system_id, other.id)
    return Round(
        id=new_id(),
        system_id=system_id,
        framework_id=framework.id,
        framework_version=framework.version,
        started_on=started_on,
    )


def close_round(round_: Round, *, closed_on: date) -> Round:
    """Close an open round on a date; from then on its responses are read-only."""
    if round_.status is RoundStatus.CLOSED:
        raise RoundClosed(round_.id)
    if closed_on < round_.started_on:
        raise InvalidInput(
            FieldProblem("closed_on", f"must not be before the day the round started ({round_.started_on})")
        )
    return replace(round_, status=RoundStatus.CLOSED, closed_on=closed_on)


def framework_for_round(round_: Round, frameworks: Iterable[Framework]) -> Framework:
    """Pick the framework version a round was started with."""
    for fw in frameworks:
        if fw.id == round_.framework_id:
            return fw
    raise NotFound("framework", round_.framework_id)


def previous_closed_round(current: Round, rounds: Iterable[Round]) -> Round | None:
    """Find the system's latest round closed on or before the day the current one started."""
    candidates = [
        r for r in rounds
        if r.system_id == current.system_id and r.id != current.id and r.status is RoundStatus.CLOSED
        and r.closed_on is not None and r.closed_on <= current.started_on
    ]
    return max(candidates, key=lambda r: (r.closed_on or r.started_on, r.started_on, str(r.id)), default=None)


def _answer_problems(
    framework: Framework,
    ratings: Mapping[str, object],
    priorities: Iterable[str],
    technical_assistance: Iterable[str],
    notes: Mapping[str, object],
    prefix: str = "",
) -> list[FieldProblem]:
    known = set(framework.indicator_codes())
    problems: list[FieldProblem] = []
    for code in sorted(ratings):
        value = ratings[code]
        if code not in known:
            problems.append(FieldProblem(f"{prefix}ratings.{code}", f"unknown indicator '{code}'"))
        elif value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value not in SCALE_VALUES
        ):
            problems.append(
                FieldProblem(f"{prefix}ratings.{code}", f"must be {SCALE_MIN}-{SCALE_MAX} or null")
            )
    for name, codes in (("priorities", priorities), ("technical_assistance", technical_assistance)):
        for code in sorted(set(codes)):
            if code not in known:
                problems.append(FieldProblem(f"{prefix}{name}", f"unknown indicator '{code}'"))
    for code in sorted(notes):
        note = notes[code]
        if code not in known:
            problems.append(FieldProblem(f"{prefix}notes.{code}", f"unknown indicator '{code}'"))
        elif not isinstance(note, str):
            problems.append(FieldProblem(f"{prefix}notes.{code}", "must be text"))
        elif len(note) > MAX_NOTE_LENGTH:
            problems.append(
                FieldProblem(f"{prefix}notes.{code}", f"must be at most {MAX_NOTE_LENGTH} characters")
            )
    return problems


def record_response(
    round_: Round,
    framework: Framework,
    *,
    respondent_id: UUID,
    member_ids: Collection[UUID],
    ratings: Mapping[str, int | None],
    priorities: Iterable[str] = (),
    technical_assistance: Iterable[str] = (),
    notes: Mapping[str, str] | None = None,
    previous: Response | None = None,
    now: datetime,
) -> Response:
    """Record (or wholly replace) a member's answers in an open round; return the stored response."""
    if round_.status is RoundStatus.CLOSED:
        raise RoundClosed(round_.id)
    if framework.id != round_.framework_id:
        raise FrameworkVersionMismatch(round_, framework)
    if respondent_id not in member_ids:
        raise NotARespondent(respondent_id, round_.system_id)
    if previous is not None and (previous.respondent_id != respondent_id or previous.round_id != round_.id):
        raise InvalidInput(FieldProblem("previous", "must be this respondent's response in this round"))
    priorities = frozenset(priorities)
    technical_assistance = frozenset(technical_assistance)
    notes = notes or {}
    problems = _answer_problems(framework, ratings, priorities, technical_assistance, notes)
    if problems:
        raise InvalidInput(problems)
    order = framework.indicator_codes()
    return Response(
        round_id=round_.id,
        respondent_id=respondent_id,
        ratings={code: ratings[code] for code in order if code in ratings},
        priorities=priorities,
        technical_assistance=technical_assistance,
        notes={code: notes[code].strip() for code in order if code in notes and notes[code].strip()},
        submitted_at=previous.submitted_at if previous is not None else now,
        revised_at=now if previous is not None else None,
    )


# --------------------------------------------------------------------------------------------------
# Scoring


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoringRules:
    """The thresholds of scoring; every default is a design choice a deployment may change.

    - ``min_ratings_per_indicator`` (1): ratings an indicator needs to get a score at all.
    - ``element_coverage`` (0.5): share of an element's indicators that must be scored for the element
      to get a score; below it the element is "insufficient data".
    - ``overall_coverage`` (0.5): share of the elements that must be scored for an overall score.
    - ``disagreement_spread`` (2): an indicator whose ratings range (highest minus lowest) is at least
      this many scale points is flagged for a facilitated conversation.
    - ``gap_threshold`` (2.0): an indicator whose mean is at or below this is a gap.
    - ``phase_cut_points`` ((1.5, 2.5, 3.5)): the lowest mean that reaches phase 2, 3 and 4; the
      defaults give the nearest phase.
    - ``min_progress`` (0.1): the smallest rise of an element mean, in scale points, that counts as
      progress since the previous round.
    """

    min_ratings_per_indicator: int = 1
    element_coverage: float = 0.5
    overall_coverage: float = 0.5
    disagreement_spread: int = 2
    gap_threshold: float = 2.0
    phase_cut_points: tuple[float, ...] = (1.5, 2.5, 3.5)
    min_progress: float = 0.1


DEFAULT_RULES = ScoringRules()


def validate_rules(rules: ScoringRules) -> ScoringRules:
    """Check scoring thresholds are coherent with the 1-4 scale; return them or raise InvalidInput."""
    problems: list[FieldProblem] = []
    if rules.min_ratings_per_indicator < 1:
        problems.append(FieldProblem("rules.min_ratings_per_indicator", "must be at least 1"))
    for name in ("element_coverage", "overall_coverage"):
        value = getattr(rules, name)
        if not 0 < value <= 1:
            problems.append(FieldProblem(f"rules.{name}", "must be more than 0 and at most 1"))
    if not 0 < rules.disagreement_spread <= SCALE_MAX - SCALE_MIN:
        problems.append(FieldProblem("rules.disagreement_spread", f"must be 1-{SCALE_MAX - SCALE_MIN}"))
    if not SCALE_MIN <= rules.gap_threshold <= SCALE_MAX:
        problems.append(FieldProblem("rules.gap_threshold", f"must be within {SCALE_MIN}-{SCALE_MAX}"))
    cuts = rules.phase_cut_points
    if (
        len(cuts) != len(SCALE_VALUES) - 1
        or list(cuts) != sorted(cuts)
        or not all(SCALE_MIN < c <= SCALE_MAX for c in cuts)
    ):
        problems.append(
            FieldProblem(
                "rules.phase_cut_points",
                f"must be {len(SCALE_VALUES) - 1} ascending values above {SCALE_MIN} and at most {SCALE_MAX}",
            )
        )
    if rules.min_progress <= 0:
        problems.append(FieldProblem("rules.min_progress", "must be more than 0"))
    if problems:
        raise InvalidInput(problems)
    return rules


class ScoreStatus(StrEnum):
    """Whether a score is a number or withheld for lack of ratings."""

    SCORED = "scored"
    INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True, slots=True, kw_only=True)
class IndicatorScore:
    """How the respondents rated one indicator, with their flags and notes."""

    code: str
    element_code: str
    text: str
    status: ScoreStatus
    n_rated: int
    n_not_rated: int
    mean: float | None = None
    lowest: int | None = None
    highest: int | None = None
    spread: int | None = None
    disagreement: bool = False
    phase: ScaleLevel | None = None
    priority_count: int = 0
    technical_assistance_count: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ElementScore:
    """An element's score (mean on the scale and 0-100), coverage and change since the previous round."""

    code: str
    name: str
    status: ScoreStatus
    indicators_scored: int
    indicators_total: int
    coverage: float
    mean: float | None = None
    percent: float | None = None
    phase: ScaleLevel | None = None
    previous_mean: float | None = None
    change: float | None = None
    change_percent: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """An element that improved since the previous round."""

    element_code: str
    element_name: str
    previous_mean: float
    mean: float
    change: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FlaggedIndicator:
    """An indicator and how many respondents flagged it."""

    code: str
    text: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Priority:
    """An element respondents named a priority, with its flagged indicators, ranked by flag count."""

    element_code: str
    element_name: str
    count: int
    indicators: tuple[FlaggedIndicator, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """An indicator scoring at or below the gap threshold."""

    indicator_code: str
    element_code: str
    text: str
    mean: float
    phase: ScaleLevel


@dataclass(frozen=True, slots=True, kw_only=True)
class TechnicalAssistanceNeed:
    """An indicator on which respondents asked for technical assistance."""

    indicator_code: str
    element_code: str
    text: str
    count: int


class NextStepKind(StrEnum):
    """Why a next step was suggested."""

    GAP = "gap"
    PRIORITY = "priority"
    DISAGREEMENT = "disagreement"
    INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True, slots=True, kw_only=True)
class NextStep:
    """A suggested next step, ready to become an action item."""

    kind: NextStepKind
    element_code: str
    indicator_code: str | None
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """A round in the toolkit's terms: progress, priorities, gaps, technical assistance needs, next steps."""

    progress: tuple[Progress, ...] = ()
    priorities: tuple[Priority, ...] = ()
    gaps: tuple[Gap, ...] = ()
    technical_assistance: tuple[TechnicalAssistanceNeed, ...] = ()
    next_steps: tuple[NextStep, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundScore:
    """Everything a round's responses say: indicator, element and overall scores and the summary."""

    framework_id: UUID
    framework_version: int
    round_id: UUID | None = None
    respondents: int
    status: ScoreStatus
    indicators: tuple[IndicatorScore, ...]
    elements: tuple[ElementScore, ...]
    elements_scored: int
    mean: float | None = None
    percent: float | None = None
    phase: ScaleLevel | None = None
    previous_mean: float | None = None
    change: float | None = None
    summary: Summary = field(default_factory=Summary)

    def element(self, code: str) -> ElementScore:
        """Find an element's score by element code."""
        for el in self.elements:
            if el.code == code:
                return el
        raise NotFound("element", code)

    def indicator(self, code: str) -> IndicatorScore:
        """Find an indicator's score by indicator code."""
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise NotFound("indicator", code)


def mean_of(values: Iterable[float]) -> float | None:
    """Average values exactly rounded and independent of their order; None when there are none."""
    ordered = sorted(values)
    return math.fsum(ordered) / len(ordered) if ordered else None


def to_percent(mean: float) -> float:
    """Map a mean on the scale to 0-100 (the lowest point is 0, the highest 100)."""
    return (mean - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * 100


def phase_of(mean: float, framework: Framework, rules: ScoringRules = DEFAULT_RULES) -> ScaleLevel:
    """Name the development phase a mean falls in, by the rules' cut-points."""
    return framework.level(SCALE_MIN + sum(1 for cut in rules.phase_cut_points if mean >= cut))


def _score_indicator(
    element: Element, ind: Indicator, responses: Sequence[Response], framework: Framework, rules: ScoringRules
) -> IndicatorScore:
    ratings = sorted(r for resp in responses if (r := resp.ratings.get(ind.code)) is not None)
    mean = mean_of(ratings) if len(ratings) >= rules.min_ratings_per_indicator else None
    spread = ratings[-1] - ratings[0] if mean is not None else None
    return IndicatorScore(
        code=ind.code,
        element_code=element.code,
        text=ind.text,
        status=ScoreStatus.SCORED if mean is not None else ScoreStatus.INSUFFICIENT_DATA,
        n_rated=len(ratings),
        n_not_rated=len(responses) - len(ratings),
        mean=mean,
        lowest=ratings[0] if mean is not None else None,
        highest=ratings[-1] if mean is not None else None,
        spread=spread,
        disagreement=spread is not None and spread >= rules.disagreement_spread,
        phase=phase_of(mean, framework, rules) if mean is not None else None,
        priority_count=sum(1 for resp in responses if ind.code in resp.priorities),
        technical_assistance_count=sum(1 for resp in responses if ind.code in resp.technical_assistance),
        notes=tuple(note for resp in responses if (note := resp.notes.get(ind.code))),
    )


def _score_element(
    element: Element,
    scores: Sequence[IndicatorScore],
    previous: RoundScore | None,
    framework: Framework,
    rules: ScoringRules,
) -> ElementScore:
    means = [s.mean for s in scores if s.mean is not None]
    coverage = len(means) / len(element.indicators)
    mean = mean_of(means) if coverage >= rules.element_coverage else None
    prev = next((e for e in previous.elements if e.code == element.code), None) if previous else None
    previous_mean = prev.mean if prev is not None else None
    change = mean - previous_mean if mean is not None and previous_mean is not None else None
    return ElementScore(
        code=element.code,
        name=element.name,
        status=ScoreStatus.SCORED if mean is not None else ScoreStatus.INSUFFICIENT_DATA,
        indicators_scored=len(means),
        indicators_total=len(element.indicators),
        coverage=coverage,
        mean=mean,
        percent=to_percent(mean) if mean is not None else None,
        phase=phase_of(mean, framework, rules) if mean is not None else None,
        previous_mean=previous_mean,
        change=change,
        change_percent=change / (SCALE_MAX - SCALE_MIN) * 100 if change is not None else None,
    )


def _check_responses(framework: Framework, responses: Sequence[Response], round_: Round | None) -> None:
    problems: list[FieldProblem] = []
    seen: set[UUID] = set()
    for resp in responses:
        where = f"responses[{resp.respondent_id}]."
        if resp.respondent_id in seen:
            problems.append(FieldProblem("responses", f"respondent {resp.respondent_id} appears twice"))
        seen.add(resp.respondent_id)
        if round_ is not None and resp.round_id != round_.id:
            problems.append(FieldProblem(f"{where}round_id", f"is not round {round_.id}"))
        problems += _answer_problems(
            framework, resp.ratings, resp.priorities, resp.technical_assistance, resp.notes, where
        )
    if problems:
        raise InvalidInput(problems)


def score_round(
    framework: Framework,
    responses: Iterable[Response],
    previous: RoundScore | None = None,
    rules: ScoringRules = DEFAULT_RULES,
    *,
    round_: Round | None = None,
) -> RoundScore:
    """Score a round's responses against its framework version and compare with the previous round."""
    validate_rules(rules)
    if round_ is not None and round_.framework_id != framework.id:
        raise FrameworkVersionMismatch(round_, framework)
    # Respondent order decides nothing: sort once, so notes and everything else come out the same.
    ordered = sorted(responses, key=lambda r: r.respondent_id.bytes)
    _check_responses(framework, ordered, round_)

    indicator_scores: list[IndicatorScore] = []
    element_scores: list[ElementScore] = []
    for element in framework.elements:
        scores = [_score_indicator(element, ind, ordered, framework, rules) for ind in element.indicators]
        indicator_scores += scores
        element_scores.append(_score_element(element, scores, previous, framework, rules))

    scored = [e.mean for e in element_scores if e.mean is not None]
    overall = mean_of(scored)
    if overall is not None and len(scored) / len(element_scores) < rules.overall_coverage:
        overall = None
    previous_mean = previous.mean if previous is not None else None
    return RoundScore(
        framework_id=framework.id,
        framework_version=framework.version,
        round_id=round_.id if round_ is not None else None,
        respondents=len(ordered),
        status=ScoreStatus.SCORED if overall is not None else ScoreStatus.INSUFFICIENT_DATA,
        indicators=tuple(indicator_scores),
        elements=tuple(element_scores),
        elements_scored=len(scored),
        mean=overall,
        percent=to_percent(overall) if overall is not None else None,
        phase=phase_of(overall, framework, rules) if overall is not None else None,
        previous_mean=previous_mean,
        change=overall - previous_mean if overall is not None and previous_mean is not None else None,
        summary=summarise(framework, indicator_scores, element_scores, rules),
    )


# --------------------------------------------------------------------------------------------------
# The summary


def _progress(elements: Sequence[ElementScore], rules: ScoringRules) -> tuple[Progress, ...]:
    improved = [
        Progress(element_code=e.code, element_name=e.name, previous_mean=e.previous_mean, mean=e.mean,
                 change=e.change)
        for e in elements
        if e.change is not None and e.mean is not None and e.previous_mean is not None
        and e.change >= rules.min_progress
    ]
    position = {e.code: i for i, e in enumerate(elements)}
    return tuple(sorted(improved, key=lambda p: (-p.change, position[p.element_code])))


def _priorities(framework: Framework, indicators: Sequence[IndicatorScore]) -> tuple[Priority, ...]:
    by_element: list[Priority] = []
    for element in framework.elements:
        flagged = [
            (i, s) for i, s in enumerate(indicators) if s.element_code == element.code and s.priority_count
        ]
        if not flagged:
            continue
        flagged.sort(key=lambda pair: (-pair[1].priority_count, pair[0]))
        by_element.append(
            Priority(
                element_code=element.code,
                element_name=element.name,
                count=sum(s.priority_count for _, s in flagged),
                indicators=tuple(FlaggedIndicator(code=s.code, text=s.text, count=s.priority_count)
                                 for _, s in flagged),
            )
        )
    position = {el.code: i for i, el in enumerate(framework.elements)}
    return tuple(sorted(by_element, key=lambda p: (-p.count, position[p.element_code])))


def _is_gap(score: IndicatorScore, rules: ScoringRules) -> bool:
    return score.mean is not None and score.mean <= rules.gap_threshold


def _next_step(framework: Framework, score: IndicatorScore, rules: ScoringRules) -> NextStep | None:
    named = f'indicator {score.code} ("{score.text.rstrip(". ")}")'
    if _is_gap(score, rules) and score.phase is not None and score.mean is not None:
        following = score.phase.value + 1
        aim = "and keep it there"
        if following <= SCALE_MAX:
            aim = f"toward the {framework.level(following).label}"
        text = f"Plan how to move {named} from the {score.phase.label} {aim} (mean {score.mean:.1f})."
        if score.disagreement:
            text += (f" Ratings range from {score.lowest} to {score.highest}: "
                     "agree where the team stands first.")
        kind = NextStepKind.GAP
    elif score.priority_count:
        who = "respondent" if score.priority_count == 1 else "respondents"
        text = f"Agree who leads work on {named}, named a priority by {score.priority_count} {who}."
        kind = NextStepKind.PRIORITY
    elif score.disagreement:
        text = (f"Hold a facilitated conversation on {named}: "
                f"ratings range from {score.lowest} to {score.highest}.")
        kind = NextStepKind.DISAGREEMENT
    else:
        return None
    return NextStep(kind=kind, element_code=score.element_code, indicator_code=score.code, text=text)


def _next_steps(
    framework: Framework,
    indicators: Sequence[IndicatorScore],
    elements: Sequence[ElementScore],
    rules: ScoringRules,
) -> tuple[NextStep, ...]:
    def rank(item: tuple[int, IndicatorScore]) -> tuple[int, float, int, int]:
        position, s = item
        gap = _is_gap(s, rules)
        group = (0 if s.priority_count else 1) if gap else 2 if s.priority_count else 3
        return (group, s.mean if gap and s.mean is not None else 0.0, -s.priority_count, position)

    steps: list[NextStep] = []
    for _, score in sorted(enumerate(indicators), key=rank):
        step = _next_step(framework, score, rules)
        if step is not None:
            steps.append(step)
    for e in elements:
        if e.status is ScoreStatus.INSUFFICIENT_DATA:
            steps.append(
                NextStep(
                    kind=NextStepKind.INSUFFICIENT_DATA,
                    element_code=e.code,
                    indicator_code=None,
                    text=(f"Complete the ratings for element {e.code} ({e.name}): "
                          f"{e.indicators_scored} of {e.indicators_total} indicators have a score."),
                )
            )
    return tuple(steps)


def summarise(
    framework: Framework,
    indicators: Sequence[IndicatorScore],
    elements: Sequence[ElementScore],
    rules: ScoringRules = DEFAULT_RULES,
) -> Summary:
    """Summarise scores as progress, priorities, gaps, technical assistance needs and next steps."""
    positioned = list(enumerate(indicators))
    gaps = [
        (i, s) for i, s in positioned if _is_gap(s, rules) and s.mean is not None and s.phase is not None
    ]
    gaps.sort(key=lambda pair: (pair[1].mean or 0.0, pair[0]))
    ta = [(i, s) for i, s in positioned if s.technical_assistance_count]
    ta.sort(key=lambda pair: (-pair[1].technical_assistance_count, pair[0]))
    return Summary(
        progress=_progress(elements, rules),
        priorities=_priorities(framework, indicators),
        gaps=tuple(
            Gap(indicator_code=s.code, element_code=s.element_code, text=s.text, mean=s.mean, phase=s.phase)
            for _, s in gaps
            if s.mean is not None and s.phase is not None
        ),
        technical_assistance=tuple(
            TechnicalAssistanceNeed(indicator_code=s.code, element_code=s.element_code, text=s.text,
                                    count=s.technical_assistance_count)
            for _, s in ta
        ),
        next_steps=_next_steps(framework, indicators, elements, rules),
    )
