"""DTOs of bulk loads: the one report every bulk endpoint returns (and repeats in its atomic 422)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.domain.bulk import BulkReport
from api.domain.sync import SyncMode, SyncReport


class LineProblemOut(BaseModel):
    """Why one line was rejected (``field`` is empty when the whole line is at fault)."""

    model_config = ConfigDict(from_attributes=True)

    line: int = Field(description="the line's number in the body, from 1 (blank lines count)")
    field: str = Field(description="the field at fault, or empty for the whole line")
    message: str


class BulkReportOut(BaseModel):
    """What a bulk load did with the lines it read; the same counts on every bulk endpoint.

    ``lines`` counts the records read (blank lines are not records); ``duplicates`` the lines superseded by a
    later line with the same key in the same batch; ``retired`` what a complete set retired.
    """

    model_config = ConfigDict(from_attributes=True)

    lines: int
    created: int
    updated: int
    unchanged: int
    duplicates: int
    retired: int = 0
    rejected: int
    problems: list[LineProblemOut] = Field(description="rejected lines and why (the first 1,000 problems)")


class SyncReportOut(BulkReportOut):
    """What a sync run did, or with ``dry_run`` would do (then nothing was written)."""

    kind: str
    source: str
    mode: SyncMode
    dry_run: bool = Field(default=False, description="true: a dry run, nothing was written")
    services_retired: int = Field(default=0, description="services retired with their retired partners")


def report_out(report: BulkReport) -> BulkReportOut:
    """The DTO of a bulk report (a sync report keeps its sync fields)."""
    if isinstance(report, SyncReport):
        return SyncReportOut.model_validate(report)
    return BulkReportOut.model_validate(report)
