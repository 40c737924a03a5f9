"""GraphQL error types: domain errors become typed results of mutations, or coded errors of queries."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from pydantic import ValidationError as PydanticValidationError

from api.domain.access import Forbidden, RateLimited, Unauthenticated
from api.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation, VersionMismatch


@strawberry.type
class FieldError:
    """One invalid field."""

    field: str
    message: str


@strawberry.type
class ValidationError:
    """The input breaks a validation rule; nothing was changed."""

    message: str
    errors: list[FieldError]


@strawberry.type
class NotFoundError:
    """The record does not exist; nothing was changed."""

    message: str


@strawberry.type
class ConflictError:
    """A business rule forbids the change; nothing was changed."""

    message: str
    rule: str


@strawberry.type
class StaleVersionError:
    """The record changed since the caller read it; re-read and retry."""

    message: str


MutationError = ValidationError | NotFoundError | ConflictError | StaleVersionError


def _loc(loc: tuple[object, ...]) -> str:
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def as_result(exc: DomainError | PydanticValidationError) -> MutationError:
    """The typed mutation result for an error."""
    if isinstance(exc, PydanticValidationError):
        errors = [FieldError(field=_loc(tuple(e["loc"])), message=e["msg"]) for e in exc.errors()]
        return ValidationError(message="the input does not match the schema", errors=errors)
    if isinstance(exc, InvalidInput):
        return ValidationError(message=exc.detail,
                               errors=[FieldError(field=p.field, message=p.message) for p in exc.problems])
    if isinstance(exc, NotFound):
        return NotFoundError(message=exc.detail)
    if isinstance(exc, VersionMismatch):
        return StaleVersionError(message=exc.detail)
    if isinstance(exc, RuleViolation):
        return ConflictError(message=exc.detail, rule=type(exc).__name__)
    return ValidationError(message=exc.detail, errors=[])


def query_error(exc: DomainError) -> GraphQLError:
    """A coded GraphQL error for a query that cannot be answered."""
    codes: dict[type, str] = {InvalidInput: "INVALID_INPUT", NotFound: "NOT_FOUND", Unauthenticated: "UNAUTHENTICATED",
                              Forbidden: "FORBIDDEN", RateLimited: "RATE_LIMITED"}
    code = codes.get(type(exc), "BAD_REQUEST")
    ext: dict[str, object] = {"code": code}
    if isinstance(exc, InvalidInput):
        ext["errors"] = [{"field": p.field, "message": p.message} for p in exc.problems]
    return GraphQLError(exc.detail, extensions=ext)
