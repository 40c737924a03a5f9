"""Directory sync: the report of a bulk upsert and the rules a run follows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from api.domain.bulk import BulkReport
from api.domain.errors import FieldProblem, InvalidInput, RuleViolation

DEFAULT_MAX_RETIRE_SHARE = 0.10
"""A complete set may retire at most this share of its source's records unless the request confirms more."""


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


class RecordOwnedElsewhere(RuleViolation):
    """A record would be created under an id another record already holds (kept by another source).

    Retrying cannot help: the record belongs to the source that holds it.
    """

    title = "Record held by another source"


class MassRetirement(RuleViolation):
    """A complete set would retire more of its source's records than the request allows; nothing was written."""

    title = "Complete set would retire too many records"

    def __init__(self, *, kind: str, source: str, would_retire: int, active: int, allowed: int,
                 confirmed: bool) -> None:
        share = f"{would_retire / active:.0%}" if active else "all"
        how = f"more than max_retire={allowed} allows" if confirmed else (
            f"more than the {allowed} ({_share(allowed, active)}) a complete set may retire unconfirmed")
        super().__init__(
            f"this complete set would retire {would_retire} of the {active} {kind}s of source {source!r} "
            f"({share}), {how}; nothing was written. If that is intended, send it again with "
            f"max_retire={would_retire} (or allow_mass_retire=true); try dry_run=true to see the whole report")
        self.would_retire = would_retire
        self.active = active
        self.allowed = allowed


def _share(count: int, total: int) -> str:
    return f"{count / total:.0%}" if total else "0%"


@dataclass(frozen=True, slots=True, kw_only=True)
class RetireGuard:
    """How many records a complete set may retire: a share of the source's records unless confirmed.

    ``max_retire`` confirms up to that many; ``allow_mass_retire`` confirms any number.
    """

    share: float = DEFAULT_MAX_RETIRE_SHARE
    max_retire: int | None = None
    allow_mass_retire: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.max_retire is not None and self.allow_mass_retire:
            problems.append(FieldProblem("max_retire", "give max_retire or allow_mass_retire, not both"))
        if self.max_retire is not None and self.max_retire < 0:
            problems.append(FieldProblem("max_retire", "must not be negative"))
        if not 0 <= self.share <= 1:
            problems.append(FieldProblem("share", "must be between 0 and 1"))
        if problems:
            raise InvalidInput(problems)

    def check(self, *, kind: str, source: str, would_retire: int, active: int) -> None:
        """Refuse (MassRetirement) to retire more than allowed."""
        if self.allow_mass_retire:
            return
        confirmed = self.max_retire is not None
        allowed = self.max_retire if self.max_retire is not None else math.floor(self.share * active + 1e-9)
        if would_retire > allowed:
            raise MassRetirement(kind=kind, source=source, would_retire=would_retire, active=active,
                                 allowed=allowed, confirmed=confirmed)


@dataclass(slots=True, kw_only=True)
class SyncReport(BulkReport):
    """What a sync run did (or, for a dry run, would do): the bulk counts of one kind of record from one source.

    ``services_retired`` counts the services retired with their partners (partner runs only).
    """

    kind: str
    source: str
    mode: SyncMode
    dry_run: bool = False
    services_retired: int = 0

    def discard_writes(self) -> None:
        """Forget what was written: the run is refused and its transaction rolled back."""
        BulkReport.discard_writes(self)
        self.services_retired = 0
