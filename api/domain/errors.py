"""Domain errors: facts about why a request cannot be honoured, named for the rule."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid field: where it is and what is wrong with it."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every rule the domain refuses to break."""

    title = "Domain rule violated"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The record does not exist (or is not visible to the caller)."""

    title = "Not found"

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} does not exist")
        self.kind = kind
        self.ident = ident


class InvalidInput(DomainError):
    """One or more fields break a validation rule."""

    title = "Invalid input"

    def __init__(self, problems: list[FieldProblem] | FieldProblem, detail: str | None = None) -> None:
        items = [problems] if isinstance(problems, FieldProblem) else list(problems)
        super().__init__(detail or "; ".join(f"{p.field}: {p.message}" for p in items))
        self.problems = items


class RuleViolation(DomainError):
    """A business rule forbids the change (a conflict with the current state)."""

    title = "Rule violated"


class VersionMismatch(DomainError):
    """The caller's copy is stale: the record changed since it was read."""

    title = "Precondition failed"

    def __init__(self, kind: str, ident: object, expected: int | None, actual: int | None) -> None:
        if expected is None or actual is None:
            detail = f"the precondition does not name a version of {kind} {ident}; re-read it and retry"
        else:
            detail = f"{kind} {ident} is at version {actual}, not {expected}; re-read it and retry"
        super().__init__(detail)
        self.expected = expected
        self.actual = actual


class DuplicateExternalId(RuleViolation):
    """An external identifier (source, id) already names another record."""

    title = "External identifier already in use"
