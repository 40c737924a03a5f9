"""Directory sync: the report of a bulk upsert and the rules a run follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from api.domain.errors import DomainError, RuleViolation

MAX_REPORTED_ERRORS = 1000


class SyncMode(StrEnum):
    """``upsert`` touches only the records sent; ``complete`` also retires the source's records not sent."""

    UPSERT = "upsert"
    COMPLETE = "complete"


class OnError(StrEnum):
    """``reject``: one invalid line rejects the whole request; ``skip``: valid lines are applied."""

    REJECT = "reject"
    SKIP = "skip"


class SyncInProgress(RuleViolation):
    """Runs of one source apply one at a time; this one waited too long for the one before it."""

    title = "Another sync of this source is running"


@dataclass(frozen=True, slots=True)
class LineError:
    """Why one line of the body was not applied."""

    line: int
    reason: str


@dataclass(slots=True, kw_only=True)
class SyncReport:
    """What a sync run did: counts per outcome and every invalid line (up to a cap)."""

    kind: str
    source: str
    mode: SyncMode
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    rejected: int = 0
    duplicates: int = 0
    errors: list[LineError] = field(default_factory=list)
    applied: bool = True

    def reject(self, error: LineError) -> None:
        """Count a rejected line, keeping its reason while under the reporting cap."""
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    @property
    def received(self) -> int:
        """Lines received (valid and invalid)."""
        return self.created + self.updated + self.unchanged + self.duplicates + self.rejected


class SyncRejected(DomainError):
    """An atomic run met invalid lines: nothing was applied; the report names every invalid line."""

    title = "Sync rejected"

    def __init__(self, report: SyncReport) -> None:
        lines = ", ".join(str(e.line) for e in report.errors[:10])
        more = "" if report.rejected <= 10 else f" and {report.rejected - 10} more"
        super().__init__(f"{report.rejected} invalid line(s) ({lines}{more}); nothing was applied")
        self.report = report
