"""DTOs of API keys and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain.access import ApiKey, Scope
from api.schemas.partners import JurisdictionDto, JurisdictionOut


class KeyCreate(BaseModel):
    """A key to mint: a name, scopes, and a jurisdiction (omit it only for admin keys)."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=10)]
    jurisdiction: JurisdictionDto | None = None
    expires_at: datetime | None = None


class KeyOut(BaseModel):
    """A key as listed: never its secret."""

    id: UUID
    name: str
    prefix: str
    scopes: list[Scope]
    jurisdiction: JurisdictionOut | None
    created_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(id=key.id, name=key.name, prefix=key.prefix, scopes=sorted(key.scopes),
                   jurisdiction=JurisdictionOut.model_validate(key.jurisdiction) if key.jurisdiction else None,
                   created_at=key.created_at, expires_at=key.expires_at, revoked_at=key.revoked_at,
                   last_used_at=key.last_used_at)


class KeyCreated(KeyOut):
    """A freshly minted key: ``key`` is the secret, shown this once."""

    key: str


class FieldChangeOut(BaseModel):
    """One field a write changed: its value before (null for a creation) and after."""

    old: Any = Field(description="The value before the write (null when the record was created).")
    new: Any = Field(description="The value after the write.")


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: UUID
    key_id: UUID | None
    actor: str
    action: str
    kind: str
    record_id: str
    changes: dict[str, FieldChangeOut] = Field(
        description="The fields the write changed, by name (a creation lists the fields it set; a deletion none).")
    at: datetime | None


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None
