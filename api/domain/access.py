"""Access rules: who a caller is, what its key allows, and where it may read and write.

Keys carry scopes and a jurisdiction. Writes are confined to the key's jurisdiction; system data
(systems, assessments, plans, agreements, funding) is readable only inside it and is never public;
the directory may be readable by anyone when the deployment says so.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from api.domain.errors import DomainError, FieldProblem, InvalidInput, NotFound
from api.domain.moments import rfc3339
from api.domain.partners import US_STATES, Jurisdiction

KEY_PREFIX = "pw"
_KEY_RE = re.compile(r"^pw_([a-z0-9]{8})_([A-Za-z0-9_-]{32,64})$")


class Scope(StrEnum):
    """What a key may do."""

    DIRECTORY_READ = "directory:read"
    DIRECTORY_WRITE = "directory:write"
    SYSTEMS_READ = "systems:read"
    SYSTEMS_WRITE = "systems:write"
    LMI_WRITE = "lmi:write"
    ADMIN = "admin"


# A write scope implies reading what it writes.
IMPLIED: dict[Scope, frozenset[Scope]] = {
    Scope.DIRECTORY_WRITE: frozenset({Scope.DIRECTORY_READ}),
    Scope.SYSTEMS_WRITE: frozenset({Scope.SYSTEMS_READ}),
}


class Unauthenticated(DomainError):
    """No valid credentials were presented."""

    title = "Authentication required"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    title = "Forbidden"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKey:
    """A stored API key: only a hash of its secret is kept."""

    id: UUID
    name: str
    prefix: str
    secret_hash: str
    scopes: frozenset[Scope]
    jurisdiction: Jurisdiction | None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    last_write_at: datetime | None = None  # when a write by this key last committed

    def usable_at(self, now: datetime) -> bool:
        """Say whether the key is neither revoked nor expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One write: who (key), what (kind, id, action), when, and the changed fields with old and new values."""

    id: UUID
    key_id: UUID | None
    actor: str
    action: str
    kind: str
    record_id: str
    changes: dict[str, Any]
    at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RateDecision:
    """The outcome of counting one request against its bucket's limit."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


class RateLimited(DomainError):
    """Too many requests in the current window."""

    title = "Too many requests"

    def __init__(self, decision: RateDecision) -> None:
        super().__init__(f"the limit of {decision.limit} requests per window is used up; retry in "
                         f"{decision.reset_seconds} s")
        self.decision = decision


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Who is making a request: a key, or an anonymous client."""

    key_id: UUID | None
    name: str
    scopes: frozenset[Scope]
    jurisdiction: Jurisdiction | None  # None: every jurisdiction (admins)
    # When this key's last write committed, as authentication found it: reads soon after it must see it.
    last_write_at: datetime | None = None

    def wrote_within(self, seconds: float, *, now: datetime) -> bool:
        """Say whether the caller's last write committed less than ``seconds`` before ``now``."""
        return self.last_write_at is not None and (now - self.last_write_at).total_seconds() < seconds

    @property
    def anonymous(self) -> bool:
        """Say whether no key was presented."""
        return self.key_id is None

    def has(self, scope: Scope) -> bool:
        """Say whether the caller holds ``scope`` (admin holds every scope; writes imply reads)."""
        if Scope.ADMIN in self.scopes or scope in self.scopes:
            return True
        return any(scope in IMPLIED.get(s, frozenset()) for s in self.scopes)

    def covers(self, jurisdiction: Jurisdiction) -> bool:
        """Say whether ``jurisdiction`` lies inside the caller's."""
        return self.jurisdiction is None or self.jurisdiction.contains(jurisdiction)


def anonymous(*, public_directory: bool) -> Caller:
    """The caller without a key: it may read the directory only where the deployment makes it public."""
    scopes = frozenset({Scope.DIRECTORY_READ}) if public_directory else frozenset()
    return Caller(key_id=None, name="anonymous", scopes=scopes, jurisdiction=None)


def system_caller(name: str = "system") -> Caller:
    """The service itself (command line, demo loading): every scope, every jurisdiction."""
    return Caller(key_id=None, name=name, scopes=frozenset({Scope.ADMIN}), jurisdiction=None)


def caller_of(key: ApiKey) -> Caller:
    """The caller a stored key stands for."""
    return Caller(key_id=key.id, name=key.name, scopes=key.scopes, jurisdiction=key.jurisdiction,
                  last_write_at=key.last_write_at)


def require(caller: Caller, scope: Scope) -> None:
    """Refuse the caller unless it holds ``scope``: 401 without a key, 403 with one."""
    if caller.has(scope):
        return
    if caller.anonymous:
        raise Unauthenticated(f"this operation needs an API key with the '{scope}' scope")
    raise Forbidden(f"the key '{caller.name}' lacks the '{scope}' scope")


def require_within(caller: Caller, jurisdiction: Jurisdiction, *, what: str) -> None:
    """Refuse a write outside the caller's jurisdiction."""
    if not caller.covers(jurisdiction):
        raise Forbidden(f"the key '{caller.name}' may not change {what} in {_label(jurisdiction)}")


def require_visible(caller: Caller, jurisdiction: Jurisdiction, *, kind: str, ident: object) -> None:
    """Hide a record outside the caller's jurisdiction: it does not exist for them (404, no leak)."""
    if not caller.covers(jurisdiction):
        raise NotFound(kind, ident)


def _label(j: Jurisdiction) -> str:
    return f"{j.state}/{j.local_area}" if j.local_area else j.state


def parse_scopes(values: list[str] | tuple[str, ...]) -> frozenset[Scope]:
    """Parse scope names, naming each unknown one."""
    known = {s.value for s in Scope}
    bad = [FieldProblem(f"scopes[{i}]", f"unknown scope '{v}'") for i, v in enumerate(values) if v not in known]
    if bad:
        raise InvalidInput(bad)
    if not values:
        raise InvalidInput(FieldProblem("scopes", "a key needs at least one scope"))
    return frozenset(Scope(v) for v in values)


def validate_key_jurisdiction(scopes: frozenset[Scope], jurisdiction: Jurisdiction | None) -> None:
    """Only admin keys may span every jurisdiction; a state must be a USPS code."""
    if jurisdiction is None and Scope.ADMIN not in scopes:
        raise InvalidInput(FieldProblem("jurisdiction", "only admin keys may span every jurisdiction"))
    if jurisdiction is not None and jurisdiction.state not in US_STATES:
        raise InvalidInput(FieldProblem("jurisdiction.state", f"'{jurisdiction.state}' is not a USPS state code"))


def new_secret() -> tuple[str, str, str]:
    """Mint a key: return (the full key shown once, its public prefix, the hash to store)."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    return f"{KEY_PREFIX}_{prefix}_{secret}", prefix, hash_secret(secret)


def hash_secret(secret: str) -> str:
    """Hash a key's secret (high-entropy random, so a fast hash is enough; it is never stored plain)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(presented: str) -> tuple[str, str] | None:
    """Split a presented key into (prefix, secret), or None when it is not shaped like one of ours."""
    m = _KEY_RE.match(presented.strip())
    return (m.group(1), m.group(2)) if m else None


def secret_matches(key: ApiKey, secret: str) -> bool:
    """Compare a presented secret with the stored hash in constant time."""
    return hmac.compare_digest(key.secret_hash, hash_secret(secret))


def audit_entry(caller: Caller, *, action: str, kind: str, record_id: object, old: Any, new: Any) -> AuditEntry:
    """The audit record of one write by ``caller``."""
    return AuditEntry(id=uuid4(), key_id=caller.key_id, actor=caller.name, action=action, kind=kind,
                      record_id=str(record_id), changes=changes_between(old, new))


def changes_between(old: Any, new: Any) -> dict[str, dict[str, Any]]:
    """The fields that differ between two versions of a record, as {field: {"old": .., "new": ..}}."""
    if old is None and new is None:
        return {}
    sample = new if new is not None else old
    if isinstance(sample, Mapping):
        before, after = old or {}, new or {}
        return {str(k): {"old": _plain(before.get(k)), "new": _plain(after.get(k))}
                for k in sorted({*before, *after}, key=str) if before.get(k) != after.get(k)}
    if not is_dataclass(sample):
        return {}
    skip = {"version", "created_at", "updated_at", "services"}
    out: dict[str, dict[str, Any]] = {}
    for f in fields(sample):
        if f.name in skip:
            continue
        before = getattr(old, f.name) if old is not None else None
        after = getattr(new, f.name) if new is not None else None
        if before != after:
            out[f.name] = {"old": _plain(before), "new": _plain(after)}
    return out


def changes_by_key(name: str, old: Iterable[Any], new: Iterable[Any], *, key: Callable[[Any], object]
                   ) -> dict[str, dict[str, Any]]:
    """The items of a collection added, removed or changed, as {"name[key]": {"old": .., "new": ..}}."""
    before = {str(key(item)): item for item in old}
    after = {str(key(item)): item for item in new}
    return {f"{name}[{k}]": {"old": _plain(before.get(k)), "new": _plain(after.get(k))}
            for k in sorted(before.keys() | after.keys()) if before.get(k) != after.get(k)}


def _plain(value: Any) -> Any:
    """A JSON-ready rendering of a domain value for the audit log."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list | frozenset | set):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, frozenset | set) else items
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, UUID | Decimal):  # money as exact text
        return str(value)
    if isinstance(value, StrEnum):
        return value.value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
