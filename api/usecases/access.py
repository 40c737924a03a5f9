"""Use cases of access: authenticating callers, managing API keys, reading the audit log."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

from api.domain.access import (
    ApiKey,
    AuditEntry,
    Caller,
    Scope,
    Unauthenticated,
    anonymous,
    audit_entry,
    caller_of,
    new_secret,
    require,
    secret_matches,
    split_key,
    validate_key_jurisdiction,
)
from api.domain.errors import FieldProblem, InvalidInput, NotFound
from api.domain.partners import Jurisdiction
from api.domain.ports import ApiKeyRepository, AuditFilter, UnitOfWork
from api.usecases.paging import Paged, decode_cursor, encode_cursor


async def authenticate(
    keys: ApiKeyRepository, *, authorization: str | None, public_directory: bool, now: datetime
) -> Caller:
    """Turn an ``Authorization`` header into a caller; a bad or unusable key is refused, never downgraded."""
    if not authorization:
        return anonymous(public_directory=public_directory)
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("use 'Authorization: Bearer <key>'")
    parts = split_key(token)
    key = await keys.find(parts[0]) if parts else None
    if parts is None or key is None or not secret_matches(key, parts[1]):
        raise Unauthenticated("the API key is not valid")
    if not key.usable_at(now):
        raise Unauthenticated("the API key is revoked or expired")
    return caller_of(key)


async def create_key(
    uow: UnitOfWork, *, caller: Caller, name: str, scopes: frozenset[Scope], jurisdiction: Jurisdiction | None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Mint a key; return it with the full secret, which is shown this once and never stored."""
    require(caller, Scope.ADMIN)
    if not name.strip():
        raise InvalidInput(FieldProblem("name", "must not be blank"))
    validate_key_jurisdiction(scopes, jurisdiction)
    full, prefix, digest = new_secret()
    key = ApiKey(id=uuid4(), name=name.strip(), prefix=prefix, secret_hash=digest, scopes=scopes,
                 jurisdiction=jurisdiction, expires_at=expires_at)
    await uow.keys.add(key)
    await uow.audit.record([AuditEntry(id=uuid4(), key_id=caller.key_id, actor=caller.name, action="create",
                                       kind="api_key", record_id=str(key.id),
                                       changes={"name": {"old": None, "new": key.name},
                                                "scopes": {"old": None, "new": sorted(s.value for s in scopes)}})])
    stored = await uow.keys.find(prefix)
    assert stored is not None
    return stored, full


async def list_keys(uow: UnitOfWork, *, caller: Caller) -> list[ApiKey]:
    """List every key (never their secrets)."""
    require(caller, Scope.ADMIN)
    return await uow.keys.list_keys()


async def revoke_key(uow: UnitOfWork, *, caller: Caller, key_id: UUID) -> ApiKey:
    """Revoke a key; it stops working at once."""
    require(caller, Scope.ADMIN)
    revoked = await uow.keys.revoke(key_id)
    if revoked is None:
        raise NotFound("api key", key_id)
    before, key = revoked
    if before != key:
        await uow.audit.record([audit_entry(caller, action="revoke", kind="api_key", record_id=key_id, old=before,
                                            new=key)])
    return key


async def list_audit(
    uow: UnitOfWork, *, caller: Caller, flt: AuditFilter, limit: int = 50, cursor: str | None = None
) -> Paged[AuditEntry]:
    """Read the audit log, newest first (admins only)."""
    require(caller, Scope.ADMIN)
    page = await uow.audit.list_entries(flt, limit=limit, after=_decode(cursor))
    return Paged(items=list(page.items),
                 next_cursor=encode_cursor("audit", page.next_after) if page.next_after else None,
                 cursors=[encode_cursor("audit", k) for k in page.keys])


def _decode(cursor: str | None) -> tuple[object, ...] | None:
    after = decode_cursor("audit", cursor)
    if after is not None:
        try:
            datetime.fromisoformat(str(after[0]))
        except ValueError:
            raise InvalidInput(FieldProblem("cursor", "is not a cursor of this listing")) from None
    return after
