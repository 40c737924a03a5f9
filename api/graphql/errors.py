"""GraphQL error types: domain errors become typed results of mutations, or coded errors of queries."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from pydantic import ValidationError as PydanticValidationError
from strawberry.extensions import MaskErrors

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


log = logging.getLogger("pathways.errors")


class HideUnexpectedErrors(MaskErrors):
    """Answer an error no rule raised (a bug, a database failure) with a fixed message, never its own text.

    Raw errors can carry SQL, table names or values; REST answers them with a bare 500 problem, GraphQL with
    ``INTERNAL_SERVER_ERROR`` (or ``DATABASE_UNAVAILABLE`` while the database is unreachable, as REST's 503).
    Errors the service means to show (coded query errors, limits, permissions, validation) pass unchanged.
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=_unexpected, error_message="an unexpected error occurred; it was logged")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        unavailable = getattr(self._app_state(), "unavailable_errors", ())
        if isinstance(error.original_error, unavailable):
            message, code = "the database cannot be reached; retry shortly", "DATABASE_UNAVAILABLE"
            log.warning("database unavailable: %s: %s", type(error.original_error).__name__, error.original_error)
        else:
            message, code = self.error_message, "INTERNAL_SERVER_ERROR"
            log.error("unhandled GraphQL error", exc_info=error.original_error)
        return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions,
                            path=error.path, extensions={"code": code})

    def _app_state(self) -> object:
        request = getattr(self.execution_context.context, "request", None)
        return getattr(getattr(request, "app", None), "state", None)


def _unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError | DomainError)
