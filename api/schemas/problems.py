"""RFC 9457 problem details, as documented in OpenAPI."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.bulk import BulkReportOut, SyncReportOut


class FieldError(BaseModel):
    """One invalid field (``line``: of a bulk body, for a problem refusing its invalid lines)."""

    line: int | None = Field(default=None, description="The line of a bulk body the problem is on (1-based), "
                                                       "for a problem refusing a bulk body's invalid lines.",
                             examples=[37])
    field: str = Field(description="Where the problem is: a body field (`name`, `services[0].capacity`), a "
                                   "parameter name, or the field of a bulk body's line (with `line`).",
                       examples=["website"])
    message: str = Field(description="What is wrong with it.", examples=["must be an http(s) URL"])


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str = Field(description="The problem type: a URI reference, resolved against the request URL, of a page "
                                  "this service serves (`GET /problems/{name}`) saying what it means and what to do.",
                      examples=["/problems/invalid-input"])
    title: str = Field(description="A short summary of the problem type.", examples=["Invalid input"])
    status: int = Field(description="The HTTP status code.", examples=[422])
    detail: str | None = Field(default=None, description="What went wrong with this request.",
                               examples=["the request does not match the schema"])
    instance: str | None = Field(default=None, description="The path of the request that met the problem.",
                                 examples=["/v1/partners"])
    errors: list[FieldError] | None = Field(default=None, description="For invalid input: each invalid field, "
                                                                      "parameter or line.")
    report: SyncReportOut | BulkReportOut | None = Field(
        default=None, description="A refused bulk load: the report of the load (the same as with on_error=skip, "
                                  "nothing written); the sync fields only for syncs.")
    would_retire: int | None = Field(default=None, description="A refused complete set: records it would retire.")
    active: int | None = Field(default=None, description="A refused complete set: the source's records not retired.")
    allowed: int | None = Field(default=None, description="A refused complete set: how many it may retire.")


class ProblemTypeOut(BaseModel):
    """A problem type: what a problem document's ``type`` means and what to do about it."""

    model_config = ConfigDict(from_attributes=True)

    type: str = Field(description="The type URI problem documents carry.", examples=["/problems/stale-version"])
    name: str = Field(description="The type's name, the last part of its URI.", examples=["stale-version"])
    title: str = Field(description="The title problem documents of this type carry.",
                       examples=["Precondition failed"])
    status: int = Field(description="The HTTP status problems of this type are sent with.", examples=[412])
    meaning: str = Field(description="What the problem means.",
                         examples=["`If-Match` names a version that is no longer current."])
    action: str = Field(description="What a client should do about it.",
                        examples=["Read the record again (new `ETag`), reapply the change and send it again."])
