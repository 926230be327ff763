"""Explicit shares: a record shared with a user or team opens to them (read or write), on top
of what their roles grant; sharing needs the share right and is audited."""

from __future__ import annotations

import pytest

from xrm.platform.access.audit import query_audit
from xrm.platform.access.errors import AccessError
from xrm.platform.access.shares import ShareLevel, share, shares_of, unshare
from xrm.platform.storage.errors import Forbidden, NotFoundError

from .conftest import World


def test_a_read_share_opens_a_record_for_reading_only(world: World) -> None:
    d_alice = world.ids["d_alice"]
    with world.repo("carol") as repo:
        assert repo.get("deal", d_alice) is None
    with world.repo("alice") as repo:
        share(repo, "deal", d_alice, user_id=world.ids["carol"])
        assert [s.user_id for s in shares_of(repo, "deal", d_alice)] == [world.ids["carol"]]
    with world.repo("carol") as repo:
        assert repo.get("deal", d_alice) is not None
        assert repo.count("deal") == 2
        with pytest.raises(NotFoundError):
            repo.update("deal", d_alice, {"amount": "1"})
    with world.repo("alice") as repo:
        share(repo, "deal", d_alice, user_id=world.ids["carol"], level=ShareLevel.WRITE)
    with world.repo("carol") as repo:
        assert repo.update("deal", d_alice, {"amount": "1"})["amount"] == 1
        with pytest.raises(NotFoundError):  # a share never grants delete
            repo.delete("deal", d_alice)
    with world.repo("alice") as repo:
        assert unshare(repo, "deal", d_alice, user_id=world.ids["carol"]) is True
        assert unshare(repo, "deal", d_alice, user_id=world.ids["carol"]) is False
    with world.repo("carol") as repo:
        assert repo.get("deal", d_alice) is None


def test_a_team_share_opens_for_every_member(world: World) -> None:
    with world.repo("alice") as repo:
        share(repo, "deal", world.ids["d_alice"], team_id=world.ids["team_b"])
    with world.repo("carol") as repo:
        assert world.names(repo.list("deal").records) == {"d_alice", "d_carol"}


def test_sharing_needs_the_share_right_on_the_record(world: World) -> None:
    with world.repo("alice") as repo:
        with pytest.raises(NotFoundError):  # d_bob is readable but not hers to share
            share(repo, "deal", world.ids["d_bob"], user_id=world.ids["carol"])
        with pytest.raises(AccessError):
            share(repo, "deal", world.ids["d_alice"])
    with world.repo("dave") as repo, pytest.raises(Forbidden):  # manager: no share right
        share(repo, "deal", world.ids["d_bob"], user_id=world.ids["carol"])


def test_shares_are_audited(world: World) -> None:
    with world.repo("alice") as repo:
        share(repo, "deal", world.ids["d_alice"], user_id=world.ids["carol"])
    with world.connection() as connection:
        admin = world.principal(connection, "admin")
        (entry,) = query_audit(connection, world.storage, admin, record_id=world.ids["d_alice"])
    assert entry.action == "share"
    assert entry.user_id == world.ids["alice"]
    assert entry.changes == {f"user:{world.ids['carol']}": (None, "read")}
