"""Access rules: scopes, jurisdictions, keys and audit diffs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.access import (
    ApiKey,
    Caller,
    Forbidden,
    Scope,
    Unauthenticated,
    anonymous,
    caller_of,
    changes_between,
    new_secret,
    parse_scopes,
    require,
    require_visible,
    require_within,
    secret_matches,
    split_key,
    validate_key_jurisdiction,
)
from api.domain.errors import InvalidInput, NotFound
from api.domain.partners import Jurisdiction, Level, Partner

OR = Jurisdiction(state="OR")
OR_A = Jurisdiction(state="OR", local_area="or-a")
OR_B = Jurisdiction(state="OR", local_area="or-b")
WA = Jurisdiction(state="WA")


def key_caller(*scopes: Scope, jurisdiction: Jurisdiction | None = OR) -> Caller:
    return Caller(key_id=uuid4(), name="test key", scopes=frozenset(scopes), jurisdiction=jurisdiction)


def test_anonymous_caller_without_public_directory_is_asked_to_authenticate():
    with pytest.raises(Unauthenticated):
        require(anonymous(public_directory=False), Scope.DIRECTORY_READ)


def test_anonymous_caller_may_read_a_public_directory_but_never_systems():
    caller = anonymous(public_directory=True)
    require(caller, Scope.DIRECTORY_READ)
    with pytest.raises(Unauthenticated):
        require(caller, Scope.SYSTEMS_READ)


def test_read_key_cannot_write():
    with pytest.raises(Forbidden):
        require(key_caller(Scope.DIRECTORY_READ), Scope.DIRECTORY_WRITE)


def test_write_scope_implies_read_of_the_same_data():
    caller = key_caller(Scope.SYSTEMS_WRITE)
    require(caller, Scope.SYSTEMS_READ)
    with pytest.raises(Forbidden):
        require(caller, Scope.DIRECTORY_READ)


def test_admin_holds_every_scope():
    caller = key_caller(Scope.ADMIN, jurisdiction=None)
    for scope in Scope:
        require(caller, scope)


def test_state_key_writes_in_its_local_areas_but_not_another_state():
    caller = key_caller(Scope.DIRECTORY_WRITE, jurisdiction=OR)
    require_within(caller, OR_A, what="partners")
    with pytest.raises(Forbidden):
        require_within(caller, WA, what="partners")


def test_local_key_cannot_see_another_local_areas_records():
    caller = key_caller(Scope.SYSTEMS_READ, jurisdiction=OR_A)
    require_visible(caller, OR_A, kind="system", ident="x")
    with pytest.raises(NotFound):
        require_visible(caller, OR_B, kind="system", ident="x")
    with pytest.raises(NotFound):
        require_visible(caller, OR, kind="system", ident="x")


def test_minted_key_matches_only_its_own_secret():
    full, prefix, digest = new_secret()
    parts = split_key(full)
    assert parts is not None and parts[0] == prefix
    key = ApiKey(id=uuid4(), name="k", prefix=prefix, secret_hash=digest, scopes=frozenset({Scope.ADMIN}),
                 jurisdiction=None)
    assert secret_matches(key, parts[1])
    assert not secret_matches(key, parts[1][:-1] + ("A" if parts[1][-1] != "A" else "B"))
    assert digest != parts[1] and parts[1] not in digest


@pytest.mark.parametrize(
    "presented", ["", "Bearer x", "pw_short_x", "pw_ABCDEFGH_" + "a" * 40, "sk_12345678_" + "a" * 40]
)
def test_malformed_keys_are_not_split(presented):
    assert split_key(presented) is None


def test_expired_or_revoked_keys_are_unusable():
    now = datetime.now(UTC)
    key = ApiKey(id=uuid4(), name="k", prefix="abcd1234", secret_hash="x", scopes=frozenset({Scope.ADMIN}),
                 jurisdiction=None, expires_at=now + timedelta(days=1))
    assert key.usable_at(now)
    assert not key.usable_at(now + timedelta(days=2))
    assert not replace(key, revoked_at=now).usable_at(now)
    assert caller_of(key).scopes == key.scopes


def test_unknown_scopes_are_named_and_only_admins_span_every_jurisdiction():
    with pytest.raises(InvalidInput) as err:
        parse_scopes(["directory:read", "root"])
    assert [p.field for p in err.value.problems] == ["scopes[1]"]
    with pytest.raises(InvalidInput):
        validate_key_jurisdiction(frozenset({Scope.DIRECTORY_WRITE}), None)
    validate_key_jurisdiction(frozenset({Scope.ADMIN}), None)


def test_audit_changes_list_only_fields_that_differ_with_old_and_new_values():
    p = Partner(id=uuid4(), name="A", partner_type="employer", level=Level.LOCAL, jurisdiction=OR)
    q = replace(p, name="B", capacity=5, version=2)
    assert changes_between(p, q) == {"name": {"old": "A", "new": "B"}, "capacity": {"old": None, "new": 5}}
    created = changes_between(None, p)
    assert created["jurisdiction"] == {"old": None, "new": {"state": "OR", "local_area": None}}


@given(st.sampled_from(list(Scope)), st.frozensets(st.sampled_from(list(Scope))))
def test_a_caller_holds_a_scope_only_if_granted_implied_or_admin(scope, granted):
    caller = Caller(key_id=uuid4(), name="k", scopes=granted, jurisdiction=OR)
    implied = any(scope in {Scope.DIRECTORY_READ} and g is Scope.DIRECTORY_WRITE for g in granted) or any(
        scope in {Scope.SYSTEMS_READ} and g is Scope.SYSTEMS_WRITE for g in granted)
    assert caller.has(scope) == (scope in granted or Scope.ADMIN in granted or implied)
