"""DTOs of bulk loads: the one report every bulk endpoint returns (and repeats in its atomic 422)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.domain.bulk import BulkReport
from api.domain.sync import SyncMode, SyncReport


class LineProblemOut(BaseModel):
    """Why one line was rejected (``field`` is empty when the whole line is at fault)."""

    model_config = ConfigDict(from_attributes=True)

    line: int = Field(description="The line's number in the body, from 1 (blank lines count).", examples=[37])
    field: str = Field(description="The field at fault, or empty for the whole line.", examples=["partner_type"])
    message: str = Field(description="What is wrong with it.", examples=["is not a known partner type"])


class BulkReportOut(BaseModel):
    """What a bulk load did with the lines it read; the same counts on every bulk endpoint.

    ``lines`` counts the records read (blank lines are not records); ``duplicates`` the lines superseded by a
    later line with the same key in the same batch; ``retired`` what a complete set retired.
    """

    model_config = ConfigDict(from_attributes=True)

    lines: int = Field(description="Records read (blank lines are not records).", examples=[5000])
    created: int = Field(description="Records created.", examples=[12])
    updated: int = Field(description="Records changed.", examples=[40])
    unchanged: int = Field(description="Records sent again exactly as held (nothing written).", examples=[4948])
    duplicates: int = Field(description="Lines superseded by a later line with the same key in the same batch.",
                            examples=[0])
    retired: int = Field(default=0, description="Records a complete set retired.", examples=[0])
    rejected: int = Field(description="Lines rejected (see `problems`).", examples=[0])
    problems: list[LineProblemOut] = Field(description="Rejected lines and why (the first 1,000 problems).")


class SyncReportOut(BulkReportOut):
    """What a sync run did, or with ``dry_run`` would do (then nothing was written)."""

    kind: str = Field(description="What was synced: partners or services.", examples=["partners"])
    source: str = Field(description="The source system whose external ids key the records.", examples=["or-wd"])
    mode: SyncMode = Field(description="upsert (only what the body holds) or complete (records of the source "
                                       "missing from the body are retired).")
    dry_run: bool = Field(default=False, description="True: a dry run, nothing was written.")
    services_retired: int = Field(default=0, description="Services retired with their retired partners.")


def report_out(report: BulkReport) -> BulkReportOut:
    """The DTO of a bulk report (a sync report keeps its sync fields)."""
    if isinstance(report, SyncReport):
        return SyncReportOut.model_validate(report)
    return BulkReportOut.model_validate(report)
