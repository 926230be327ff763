"""argon2 hashing: verification, the decoy for unknown users, rehash on new parameters."""

from __future__ import annotations

import pytest

from xrm.platform.access.errors import AccessError
from xrm.platform.access.passwords import PasswordParams, Passwords

from .conftest import FAST


def test_hash_and_verify(passwords: Passwords) -> None:
    encoded = passwords.hash("correct horse battery")
    assert encoded.startswith("$argon2id$")
    assert "m=8,t=1,p=1" in encoded
    assert passwords.verify(encoded, "correct horse battery").ok
    assert passwords.verify(encoded, "correct horse battery").rehash is None
    assert not passwords.verify(encoded, "wrong horse battery").ok
    assert not passwords.verify(None, "correct horse battery").ok
    assert not passwords.verify("not a hash", "correct horse battery").ok


def test_a_hash_with_old_parameters_is_upgraded_on_verify(passwords: Passwords) -> None:
    old = passwords.hash("correct horse battery")
    stronger = Passwords(PasswordParams(time_cost=2, memory_cost=16, parallelism=1))
    checked = stronger.verify(old, "correct horse battery")
    assert checked.ok
    assert checked.rehash is not None
    assert "m=16,t=2,p=1" in checked.rehash
    assert stronger.verify(checked.rehash, "correct horse battery").rehash is None
    assert Passwords(FAST).verify(checked.rehash, "correct horse battery").rehash is not None


def test_weak_passwords_are_refused(passwords: Passwords) -> None:
    with pytest.raises(AccessError, match="at least 10"):
        passwords.hash("short")
    with pytest.raises(AccessError):
        passwords.hash("x" * 2000)
    assert not passwords.verify(passwords.hash("long enough pw"), "x" * 2000).ok
