"""GraphQL error types: domain errors become typed results of mutations, or coded errors of queries."""

from __future__ import annotations

import logging
import re
from enum import StrEnum
from typing import Any, get_args

import strawberry
from graphql import GraphQLError
from pydantic import ValidationError as PydanticValidationError
from strawberry.extensions import MaskErrors

from api.domain.access import Forbidden, RateLimited, Unauthenticated
from api.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation, VersionMismatch


class ErrorCode(StrEnum):
    """What kind of error a mutation returned: the codes coded query errors carry in ``extensions.code``, for the
    same kinds as REST's problem types."""

    INVALID_INPUT = "INVALID_INPUT"  # REST: invalid-input, 422
    NOT_FOUND = "NOT_FOUND"  # REST: not-found, 404
    RULE_VIOLATED = "RULE_VIOLATED"  # REST: rule-violated, 409
    STALE_VERSION = "STALE_VERSION"  # REST: stale-version, 412


@strawberry.interface(description="What every error a mutation returns says. Nothing was changed.")
class Error:
    message: str = strawberry.field(description="What is wrong, in plain words.")
    # A string, not an enum: results have fields named ``code`` too (``FundingStream.code: String!``), and a client
    # selecting both in one query needs them to have the same type.
    code: str = strawberry.field(description="The kind of error, for programs to branch on: `INVALID_INPUT`, "
                                             "`NOT_FOUND`, `RULE_VIOLATED` or `STALE_VERSION` (the codes of query "
                                             "errors' `extensions.code`; REST's `invalid-input`, `not-found`, "
                                             "`rule-violated` and `stale-version` problems).")
    field: str | None = strawberry.field(
        description="The input field concerned, as a camelCase path from the mutation's arguments (`partnerType`, "
                    "`services.0.partnerExternalId`); null when the error is not about one field.")


@strawberry.type(description="One invalid input field.")
class FieldError:
    field: str = strawberry.field(description="The field, as a camelCase path (`jurisdiction.state`, "
                                              "`industries.0`).")
    message: str = strawberry.field(description="What is wrong with it.")


@strawberry.type(description="The input breaks a validation rule; nothing was changed. `field` is the first "
                             "invalid field; `errors` lists them all.")
class ValidationError(Error):
    errors: list[FieldError] = strawberry.field(description="Every invalid field, in the order found.")


@strawberry.type(description="A record the mutation names does not exist (or not for this key); nothing was "
                             "changed.")
class NotFoundError(Error):
    pass


@strawberry.type(description="A business rule forbids the change in the current state; nothing was changed.")
class ConflictError(Error):
    rule: str = strawberry.field(description="The rule that forbids it (`FunctionAlreadyHasLead`, "
                                             "`PartnerIsAMember`...), as in REST's problem types.")


@strawberry.type(description="The record changed since the caller read it (`expectedVersion` is not its version); "
                             "nothing was changed. Read it again and retry.")
class StaleVersionError(Error):
    pass


MutationError = ValidationError | NotFoundError | ConflictError | StaleVersionError


def camel_path(path: str | tuple[object, ...]) -> str:
    """A field path as GraphQL names it: ``services[0].partner_external_id`` (or pydantic's location tuple) as
    ``services.0.partnerExternalId``."""
    parts = path if isinstance(path, tuple) else tuple(_INDEX.sub(r".\1", path).split("."))
    return ".".join(str(p) if not isinstance(p, str) or p.isdigit() else _camel(p) for p in parts if p != "")


_INDEX = re.compile(r"\[(\d+)\]")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _typed(exc: DomainError | PydanticValidationError) -> MutationError:
    if isinstance(exc, PydanticValidationError):
        problems = [FieldError(field=camel_path(tuple(e["loc"])), message=e["msg"]) for e in exc.errors()]
        return ValidationError(message="the input does not match the schema", code=ErrorCode.INVALID_INPUT.value,
                               field=problems[0].field if problems else None, errors=problems)
    if isinstance(exc, InvalidInput):
        problems = [FieldError(field=camel_path(p.field), message=p.message) for p in exc.problems]
        return ValidationError(message=exc.detail, code=ErrorCode.INVALID_INPUT.value,
                               field=problems[0].field if problems else None, errors=problems)
    if isinstance(exc, NotFound):
        return NotFoundError(message=exc.detail, code=ErrorCode.NOT_FOUND.value, field=None)
    if isinstance(exc, VersionMismatch):
        return StaleVersionError(message=exc.detail, code=ErrorCode.STALE_VERSION.value, field=None)
    if isinstance(exc, RuleViolation):
        return ConflictError(message=exc.detail, code=ErrorCode.RULE_VIOLATED.value, field=None,
                             rule=type(exc).__name__)
    return ValidationError(message=exc.detail, code=ErrorCode.INVALID_INPUT.value, field=None, errors=[])


_ACCESS = (Unauthenticated, Forbidden, RateLimited)


def as_result(exc: DomainError | PydanticValidationError, result: object) -> Any:
    """The typed error of a mutation whose result union is ``result``.

    Refusals of access (no key, a write outside the key's jurisdiction) are errors of the request, as a missing
    scope is: coded GraphQL errors, never members of a result. So is an error the union does not list (a mutation
    declares the errors it can produce; one it did not foresee still reaches the caller, coded)."""
    if isinstance(exc, _ACCESS):
        raise query_error(exc) from exc
    error = _typed(exc)
    if type(error) not in result_errors(result):
        raise _coded(error) from exc
    return error


def result_errors(result: object) -> tuple[type, ...]:
    """The error types a mutation's result union (``Annotated[A | B, strawberry.union(...)]``) lists."""
    return tuple(t for t in get_args(get_args(result)[0]) if isinstance(t, type) and issubclass(t, Error))


def _coded(error: Error) -> GraphQLError:
    ext: dict[str, object] = {"code": error.code}
    if isinstance(error, ValidationError):
        ext["errors"] = [{"field": p.field, "message": p.message} for p in error.errors]
    return GraphQLError(error.message, extensions=ext)


def query_error(exc: DomainError) -> GraphQLError:
    """A coded GraphQL error for a query that cannot be answered."""
    codes: dict[type, str] = {InvalidInput: "INVALID_INPUT", NotFound: "NOT_FOUND", Unauthenticated: "UNAUTHENTICATED",
                              Forbidden: "FORBIDDEN", RateLimited: "RATE_LIMITED"}
    code = codes.get(type(exc), "BAD_REQUEST")
    ext: dict[str, object] = {"code": code}
    if isinstance(exc, InvalidInput):
        ext["errors"] = [{"field": camel_path(p.field), "message": p.message} for p in exc.problems]
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
