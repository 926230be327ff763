"""The audit log: every create, update, assign and delete with old and new values, in the
write's transaction; administrators bypass scopes but not the audit."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest

from xrm.platform.access.audit import AuditAction, jsonable, query_audit, record_history
from xrm.platform.storage.errors import Forbidden, NotFoundError
from xrm.platform.storage.values import Money, Ref

from .conftest import World, count_rows


def test_writes_are_audited_with_old_and_new_values(world: World) -> None:
    with world.repo("alice") as repo:
        deal = repo.create("deal", {"name": "audited", "amount": "12.50"})
        repo.update("deal", deal["id"], {"amount": "13", "name": "renamed"})
        repo.update("deal", deal["id"], {"owner": {"entity": "team", "id": world.ids["team_a"]}})
        repo.delete("deal", deal["id"])
    with world.connection() as connection:
        admin = world.principal(connection, "admin")
        entries = query_audit(connection, world.storage, admin, record_id=deal["id"])
    assert [e.action for e in entries] == ["delete", "assign", "update", "create"]
    assert all(e.user_id == world.ids["alice"] for e in entries)
    delete, assign, update, create = entries
    assert create.changes["amount"] == (None, "12.50")
    assert create.changes["name"] == (None, "audited")
    assert update.changes == {"amount": ("12.50", "13.00"), "name": ("audited", "renamed")}
    assert assign.changes["owner"] == (
        {"entity": "user", "id": str(world.ids["alice"])},
        {"entity": "team", "id": str(world.ids["team_a"])},
    )
    assert delete.changes["name"] == ("renamed", None)


def test_admin_bypasses_scopes_but_is_audited(world: World) -> None:
    with world.repo("admin") as repo:
        repo.update("deal", world.ids["d_carol"], {"margin": "1"})  # hidden for sellers
        repo.delete("deal", world.ids["d_bob"])
        admin = world.principal(repo.connection, "admin")
        entries = query_audit(repo.connection, world.storage, admin, user_id=world.ids["admin"])
    assert {(e.action, e.record_id) for e in entries} == {
        ("update", world.ids["d_carol"]),
        ("delete", world.ids["d_bob"]),
    }
    update = next(e for e in entries if e.action == "update")
    assert update.changes == {"margin": ("30.00", "1.00")}


def test_a_failed_write_leaves_no_audit_row(world: World) -> None:
    before = count_rows(world, world.storage.system.audit)
    carols = {"entity": "user", "id": world.ids["carol"]}
    with world.repo("alice") as repo, pytest.raises(Forbidden):
        repo.create_many("deal", [{"name": "a"}, {"name": "b", "owner": carols}])
    assert count_rows(world, world.storage.system.audit) == before


def test_record_history_is_for_readers_with_hidden_values_masked(world: World) -> None:
    with world.repo("admin") as repo:
        repo.update("deal", world.ids["d_bob"], {"margin": "5", "amount": "6"})
        repo.update("deal", world.ids["d_carol"], {"amount": "6"})
    with world.repo("alice") as repo:
        (entry,) = record_history(repo, "deal", world.ids["d_bob"])
        assert entry.changes == {"margin": (None, None), "amount": ("100.00", "6.00")}
        with pytest.raises(NotFoundError):
            record_history(repo, "deal", world.ids["d_carol"])
        with pytest.raises(Forbidden):
            query_audit(repo.connection, world.storage, world.principal(repo.connection, "alice"))
    with world.repo("audrey") as repo:
        (entry,) = record_history(repo, "deal", world.ids["d_bob"])
        assert entry.changes["margin"] == ("30.00", "5.00")
        assert entry.action == AuditAction.UPDATE


def test_values_become_json() -> None:
    assert jsonable(Money(Decimal("1.50"), "EUR")) == {"amount": "1.50", "currency": "EUR"}
    assert jsonable(Ref("user", UUID(int=1))) == {
        "entity": "user",
        "id": "00000000-0000-0000-0000-000000000001",
    }
    assert jsonable(("a", "b")) == ["a", "b"]
