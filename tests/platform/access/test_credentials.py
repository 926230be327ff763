"""Passwords stored per user, checked by email; inactive users cannot sign in."""

from __future__ import annotations

from xrm.platform.access.credentials import (
    check_password,
    find_user,
    save_password_hash,
    set_password,
)
from xrm.platform.access.passwords import PasswordParams, Passwords

from .conftest import World


def test_check_password_by_email(world: World, passwords: Passwords) -> None:
    with world.connection() as connection:
        set_password(connection, world.storage, world.ids["alice"], "alice's passphrase", passwords)
        ok = check_password(
            connection, world.storage, passwords, " Alice@Example.com ", "alice's passphrase"
        )
        assert ok.user_id == world.ids["alice"]
        assert ok.rehash is None
        wrong = check_password(connection, world.storage, passwords, "alice@example.com", "nope")
        assert wrong.user_id is None
        nobody = check_password(connection, world.storage, passwords, "who@x.org", "whatever1")
        assert nobody.user_id is None
        no_password = check_password(connection, world.storage, passwords, "bob@example.com", "x")
        assert no_password.user_id is None
        found = find_user(connection, world.storage, "ALICE@example.com")
        assert found is not None
        assert found["id"] == world.ids["alice"]


def test_rehash_is_returned_and_stored(world: World, passwords: Passwords) -> None:
    stronger = Passwords(PasswordParams(time_cost=2, memory_cost=8, parallelism=1))
    with world.connection() as connection:
        set_password(connection, world.storage, world.ids["bob"], "bob's passphrase", passwords)
        checked = check_password(
            connection, world.storage, stronger, "bob@example.com", "bob's passphrase"
        )
        assert checked.user_id == world.ids["bob"]
        assert checked.rehash is not None
        save_password_hash(connection, world.storage, world.ids["bob"], checked.rehash)
        again = check_password(
            connection, world.storage, stronger, "bob@example.com", "bob's passphrase"
        )
        assert (again.user_id, again.rehash) == (world.ids["bob"], None)


def test_inactive_users_cannot_sign_in(world: World, passwords: Passwords) -> None:
    with world.connection() as connection:
        set_password(connection, world.storage, world.ids["bob"], "bob's passphrase", passwords)
    with world.repo(None) as platform:
        platform.update("user", world.ids["bob"], {"active": False})
    with world.connection() as connection:
        checked = check_password(
            connection, world.storage, passwords, "bob@example.com", "bob's passphrase"
        )
    assert checked.user_id is None
