"""Admin routes: API keys and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import ReadUowDep, UowDep
from api.domain.filters import MAX_CURSOR_LENGTH
from api.domain.ports import AuditFilter
from api.problems import responses
from api.routers._http import reject_unknown_params, set_next_link
from api.schemas.access import AuditEntryOut, AuditPage, KeyCreate, KeyCreated, KeyOut
from api.usecases import access as uc

router = APIRouter(tags=["admin"])


@router.post("/v1/admin/keys", response_model=KeyCreated, status_code=status.HTTP_201_CREATED,
             responses=responses(401, 403, 422))
async def create_key(body: KeyCreate, uow: UowDep) -> KeyCreated:
    """Mint an API key; the response carries its secret, shown this once and stored only as a hash."""
    key, full = await uc.create_key(uow, caller=uow.caller, name=body.name, scopes=frozenset(body.scopes),
                                    jurisdiction=body.jurisdiction.to_domain() if body.jurisdiction else None,
                                    expires_at=body.expires_at)
    return KeyCreated(**KeyOut.of(key).model_dump(), key=full)


@router.get("/v1/admin/keys", response_model=list[KeyOut], responses=responses(401, 403))
async def list_keys(uow: ReadUowDep) -> list[KeyOut]:
    """List the keys (never their secrets)."""
    return [KeyOut.of(k) for k in await uc.list_keys(uow, caller=uow.caller)]


@router.delete("/v1/admin/keys/{key_id}", response_model=KeyOut, responses=responses(401, 403, 404))
async def revoke_key(key_id: UUID, uow: UowDep) -> KeyOut:
    """Revoke a key: it stops working at once."""
    return KeyOut.of(await uc.revoke_key(uow, caller=uow.caller, key_id=key_id))


@router.get("/v1/audit", response_model=AuditPage, responses=responses(401, 403, 422))
async def audit_log(
    request: Request,
    response: Response,
    uow: ReadUowDep,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    record_id: Annotated[str | None, Query(max_length=200)] = None,
    key_id: UUID | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> AuditPage:
    """Every write: who (key), what (kind, id, action), when, and the changed fields; newest first."""
    reject_unknown_params(request, {"kind", "record_id", "key_id", "action", "since", "limit", "cursor"})
    page = await uc.list_audit(uow, caller=uow.caller, limit=limit, cursor=cursor,
                               flt=AuditFilter(kind=kind, record_id=record_id, key_id=key_id, action=action,
                                               since=since))
    set_next_link(request, response, page.next_cursor)
    return AuditPage(items=[AuditEntryOut.model_validate(e) for e in page.items], next_cursor=page.next_cursor)
