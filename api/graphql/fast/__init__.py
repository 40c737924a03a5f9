"""The GraphQL fast path: an executor that completes attribute fields, compiled selections and batched fields
without graphql-core's per-field machinery (``executor.py``; the results and errors are graphql-core's).

It reads private parts of graphql-core and Strawberry, so importing this package refuses library versions it
was not tested on (:class:`UntestedVersions`). Only ``api.graphql.schema`` imports it, and only when the
``graphql_fast_path`` setting is on; when the import fails the schema runs Strawberry's stock executor.
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

# The versions the equivalence tests (tests/graphql/test_fast_execution.py, test_batched_execution.py) passed on:
# lowest included, highest excluded, as pyproject.toml bounds them.
TESTED = {
    "strawberry-graphql": ((0, 321), (0, 342)),
    "graphql-core": ((3, 3, 0), (3, 4)),
}


class UntestedVersions(ImportError):
    """A library the fast path reads the private parts of is missing or at a version it was not tested on."""


def _release(text: str) -> tuple[int, ...]:
    """The leading numbers of a version (``3.3.0a9`` is ``(3, 3, 0)``)."""
    numbers = []
    for part in text.split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
        if match.end() != len(part):
            break
    return tuple(numbers)


def check_versions() -> None:
    """Refuse library versions outside :data:`TESTED`."""
    for distribution, (lowest, beyond) in TESTED.items():
        try:
            found = version(distribution)
        except PackageNotFoundError as exc:
            raise UntestedVersions(f"{distribution} is not installed") from exc
        if not lowest <= _release(found) < beyond:
            raise UntestedVersions(
                f"{distribution} {found} is outside the versions the GraphQL fast path was tested on "
                f"(>= {'.'.join(map(str, lowest))}, < {'.'.join(map(str, beyond))})")


check_versions()

from api.graphql.fast.executor import FastExecutionContext  # noqa: E402  (only after the versions are known)

__all__ = ["TESTED", "FastExecutionContext", "UntestedVersions", "check_versions"]
