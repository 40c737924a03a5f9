"""Where the access rules are enforced: every use case checks its caller (``uow.caller``) here.

Keeping the checks in the use cases means REST, GraphQL, sync, exports and the command line are all
covered by the same code, whichever transport a request arrives on.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from api.domain.access import Forbidden, Scope, audit_entry, require, require_visible, require_within
from api.domain.errors import NotFound
from api.domain.partners import Jurisdiction
from api.domain.ports import UnitOfWork


def read_directory(uow: UnitOfWork) -> None:
    """Allow reading the partner directory."""
    require(uow.caller, Scope.DIRECTORY_READ)


def write_directory(uow: UnitOfWork, *jurisdictions: Jurisdiction) -> None:
    """Allow changing directory records in every one of ``jurisdictions``."""
    require(uow.caller, Scope.DIRECTORY_WRITE)
    for j in jurisdictions:
        require_within(uow.caller, j, what="directory records")


def move_between_states(uow: UnitOfWork, *, what: str) -> None:
    """Allow moving a record that carries a state to another one: admins only, whatever the key's reach."""
    if not uow.caller.has(Scope.ADMIN):
        raise Forbidden(f"only an admin key may move {what} to another state")


def administer(uow: UnitOfWork) -> None:
    """Allow changing deployment-wide reference data and keys."""
    require(uow.caller, Scope.ADMIN)


def see_system(uow: UnitOfWork, jurisdiction: Jurisdiction, system_id: UUID, *, write: bool = False) -> None:
    """Allow reading (or changing) a system in ``jurisdiction``; outside it the system does not exist."""
    require(uow.caller, Scope.SYSTEMS_WRITE if write else Scope.SYSTEMS_READ)
    require_visible(uow.caller, jurisdiction, kind="system", ident=system_id)
    if write:
        require_within(uow.caller, jurisdiction, what="systems")


def see_state(uow: UnitOfWork, state: str) -> str | None:
    """Allow reading a state's systems side by side; return the local area the caller is confined to, if any.

    A key of another state finds no such state (404, as for any record outside it); a key of one local area
    sees its own area's systems of that state, and nothing of the others.
    """
    require(uow.caller, Scope.SYSTEMS_READ)
    mine = uow.caller.jurisdiction
    if mine is not None and mine.state == state and mine.local_area is not None:
        return mine.local_area
    require_visible(uow.caller, Jurisdiction(state=state), kind="state", ident=state)
    return None


async def guard_system(uow: UnitOfWork, system_id: UUID, *, write: bool = False,
                       asked_for: tuple[str, object] | None = None) -> None:
    """Check the caller against a stored system before working on what hangs off it.

    ``asked_for`` names the record the caller asked for when it hangs off the system (a round, by its own
    id): a system the caller may not see then makes that record not exist, exactly as an unknown id does,
    so neither the system's id nor the record's existence shows.
    """
    require(uow.caller, Scope.SYSTEMS_WRITE if write else Scope.SYSTEMS_READ)
    kind, ident = asked_for or ("system", system_id)
    jurisdiction = await uow.systems.jurisdiction_of(system_id)
    if jurisdiction is None:
        raise NotFound(kind, ident)
    require_visible(uow.caller, jurisdiction, kind=kind, ident=ident)
    if write:
        require_within(uow.caller, jurisdiction, what="systems")


async def audit(uow: UnitOfWork, *, action: str, kind: str, record_id: object, old: Any = None,
                new: Any = None) -> None:
    """Append one write to the audit log, in the same transaction as the write."""
    await uow.audit.record([audit_entry(uow.caller, action=action, kind=kind, record_id=record_id, old=old,
                                        new=new)])
