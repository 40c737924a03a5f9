"""Bulk loads (directory sync, HSDS import, labour market and title ingest): one report, one refusal, the bounds.

Every bulk endpoint reports the same counts and lists rejected lines the same way (``line``, ``field``,
``message``), whether it applied the valid lines (``on_error=skip``) or refused the whole body (atomic).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from api.domain.errors import DomainError, FieldProblem

MAX_REPORTED_PROBLEMS = 1000
"""Rejected lines listed one by one in a report; beyond this only the count grows."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LineProblem:
    """Why one line of a bulk body was rejected (``field`` is empty when the whole line is at fault)."""

    line: int
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class InvalidLine:
    """A line of a bulk body that cannot be applied, and every reason why."""

    line: int
    problems: tuple[FieldProblem, ...]

    @classmethod
    def whole(cls, line: int, message: str) -> InvalidLine:
        """A line at fault as a whole (not JSON, too long, not an object, ...)."""
        return cls(line, (FieldProblem("", message),))


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteCounts:
    """What one set-based upsert did: rows created, rows changed, rows already holding the same values."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(slots=True, kw_only=True)
class BulkReport:
    """What a bulk load did with every line it read.

    ``lines`` counts the records read (blank lines are not records); ``duplicates`` the lines superseded by a
    later line with the same key in the same batch; ``retired`` the records a complete set retired.
    """

    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    retired: int = 0
    rejected: int = 0
    problems: list[LineProblem] = field(default_factory=list)

    def reject(self, line: int, problems: Iterable[FieldProblem]) -> None:
        """Count a rejected line and keep its reasons (up to MAX_REPORTED_PROBLEMS of them)."""
        self.rejected += 1
        for p in problems:
            if len(self.problems) < MAX_REPORTED_PROBLEMS:
                self.problems.append(LineProblem(line=line, field=p.field, message=p.message))

    def add(self, counts: WriteCounts) -> None:
        """Add the outcome of one written batch."""
        self.created += counts.created
        self.updated += counts.updated
        self.unchanged += counts.unchanged

    def discard_writes(self) -> None:
        """Forget what was written: the load is refused and its transaction rolled back."""
        self.created = self.updated = self.unchanged = self.retired = 0

    def refusal(self) -> BulkRejected:
        """The error refusing a whole load because some lines are invalid; it names each line and field."""
        return BulkRejected(self)


class BulkRejected(DomainError):
    """An atomic load met invalid lines: nothing was written; the report names every invalid line and field."""

    title = "Invalid lines"

    def __init__(self, report: BulkReport) -> None:
        listed = {p.line for p in report.problems}
        more = report.rejected - len(listed)
        lines = ", ".join(str(n) for n in sorted(listed)[:10])
        detail = (f"{report.rejected} of {report.lines} lines are invalid ({lines}"
                  + (", ..." if len(listed) > 10 else "") + "); nothing was written"
                  + (f" ({more} more rejected lines are not listed)" if more > 0 else ""))
        super().__init__(detail)
        report.discard_writes()
        self.report = report
        self.problems = list(report.problems)


class EmptyBody(DomainError):
    """A bulk body holds no record (no line, or only blank lines): nothing is done, for an empty file is
    far more often a failed upstream export than an intent (a complete set would retire everything)."""

    title = "Empty body"

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"the body holds no {what} (it is empty or only blank lines); nothing was changed")


class BulkLimitExceeded(DomainError):
    """A bulk request exceeds what one request may make the service do; nothing was written."""

    title = "Bulk request too large"


class TooManyLines(BulkLimitExceeded):
    """A bulk body has more lines (blank lines included) than one request may carry."""

    title = "Too many lines"

    def __init__(self, limit: int) -> None:
        super().__init__(f"the body has more than {limit} lines (blank lines count); nothing was written: "
                         "split it into several requests")
        self.limit = limit


class BulkTimeBudgetExceeded(BulkLimitExceeded):
    """A bulk request took longer than its time budget; it was stopped and nothing was written."""

    title = "Bulk time budget exceeded"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the request took more than its budget of {seconds:g} s and was stopped; nothing was "
                         "written: split the body into smaller requests")
        self.seconds = seconds
