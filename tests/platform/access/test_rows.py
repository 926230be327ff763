"""Row scopes at the repository: every read, count, update and delete sees only what it may.

The matrix: for each user (role and scope) and action, exactly the expected deals;
a deal outside the scope behaves as missing (get None, update/delete NotFoundError),
counts count only visible rows, and an action no role grants is Forbidden. Each
user's writes run in a transaction rolled back afterwards, so one world serves all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import pytest

from xrm.metamodel.types import Aggregate
from xrm.platform.storage.aggregates import GroupKey, Measure
from xrm.platform.storage.errors import Forbidden, NotFoundError, ValidationFailed

from .conftest import DEALS, Statements, World

ALL: Final = frozenset(DEALS)

#: user -> deals readable (None: reading deals is Forbidden).
READ: Final[Mapping[str, frozenset[str] | None]] = {
    "admin": ALL,  # administrator: no scope applies
    "alice": frozenset({"d_alice", "d_bob", "d_team"}),  # business_unit (sales)
    "carol": frozenset({"d_carol"}),  # business_unit (east)
    "dave": frozenset({"d_alice", "d_bob", "d_team", "d_carol"}),  # sales and below
    "erin": frozenset({"d_alice", "d_bob", "d_team"}),  # team: team_a and its members
    "audrey": ALL,  # all
    "vic": frozenset({"d_bob"}),  # all, narrowed by the rule vendor = $user.vendor_org
    "rita": None,  # regional: no deal rights
    "nobody": None,
}

#: user -> deals updatable (None: Forbidden).
UPDATE: Final[Mapping[str, frozenset[str] | None]] = {
    "admin": ALL,
    "alice": frozenset({"d_alice", "d_team"}),  # own: herself or her team
    "carol": frozenset({"d_carol"}),
    "dave": frozenset({"d_alice", "d_bob", "d_team", "d_carol"}),
    "erin": frozenset({"d_alice", "d_bob", "d_team"}),
    "audrey": None,
    "nobody": None,
}

#: user -> deals deletable (None: Forbidden).
DELETE: Final[Mapping[str, frozenset[str] | None]] = {
    "admin": ALL,
    "alice": frozenset({"d_alice", "d_team"}),
    "carol": frozenset({"d_carol"}),
    "dave": frozenset({"d_alice", "d_bob", "d_team", "d_carol"}),
    "erin": None,  # teamlead may read and update, not delete
    "audrey": None,
}


def test_read_matrix(world: World) -> None:
    for user, expected in READ.items():
        with world.repo(user) as repo:
            if expected is None:
                with pytest.raises(Forbidden) as refused:
                    repo.list("deal")
                assert refused.value.action == "read"
                assert refused.value.entity == "deal"
                with pytest.raises(Forbidden):
                    repo.count("deal")
                with pytest.raises(Forbidden):
                    repo.get("deal", world.ids["d_alice"])
                continue
            assert world.names(repo.list("deal", limit=100).records) == expected, user
            assert repo.count("deal") == len(expected), user
            assert repo.count("deal", where="amount > 50") == len(expected), user
            for deal in DEALS:
                found = repo.get("deal", world.ids[deal])
                assert (found is not None) == (deal in expected), (user, deal)
            got = repo.get_many("deal", [world.ids[d] for d in DEALS])
            assert {world.name_of(i) for i in got} == expected, user


def test_update_matrix(world: World) -> None:
    for user, expected in UPDATE.items():
        with world.repo(user, rollback=True) as repo:
            if expected is None:
                with pytest.raises(Forbidden):
                    repo.update("deal", world.ids["d_alice"], {"amount": "1"})
                continue
            updated = set()
            for deal in DEALS:
                try:
                    record = repo.update(
                        "deal", world.ids[deal], {"amount": "7"}, expected_version=1
                    )
                except NotFoundError:
                    continue
                assert record["amount"] == 7
                updated.add(deal)
            assert updated == expected, user


def test_delete_matrix(world: World) -> None:
    for user, expected in DELETE.items():
        with world.repo(user, rollback=True) as repo:
            if expected is None:
                with pytest.raises(Forbidden):
                    repo.delete("deal", world.ids["d_alice"])
                continue
            deleted = set()
            for deal in DEALS:
                try:
                    repo.delete("deal", world.ids[deal])
                except NotFoundError:
                    continue
                deleted.add(deal)
            assert deleted == expected, user
    with world.repo(None) as platform:
        assert world.names(platform.list("deal").records) == ALL  # every try was rolled back


# ------------------------------------------------------------------ create, assign


def _deal(world: World, owner: str | None = None, **values: object) -> dict[str, object]:
    row: dict[str, object] = {"name": "new", "account": world.ids["acc_sales"], **values}
    if owner is not None:
        kind = "team" if owner.startswith("team") else "user"
        row["owner"] = {"entity": kind, "id": world.ids[owner]}
    return row


def test_create_scope_is_checked_in_sql(world: World) -> None:
    with world.repo("alice") as repo:
        mine = repo.create("deal", _deal(world))
        assert mine["owner"] == {"entity": "user", "id": world.ids["alice"]}
        ours = repo.create("deal", _deal(world, "team_a"))
        assert ours["business_unit"] == world.ids["sales"]
        with pytest.raises(Forbidden) as refused:
            repo.create("deal", _deal(world, "carol"))
        assert refused.value.action == "create"
        with pytest.raises(Forbidden):
            repo.create_many("deal", [_deal(world, name="ok"), _deal(world, "bob", name="no")])
    with world.repo("dave") as repo, pytest.raises(Forbidden):
        repo.create("deal", _deal(world))  # the manager role grants no create
    with world.repo(None) as platform:
        names = [r["name"] for r in platform.list("deal", where="name != 'x'", limit=50).records]
    assert sorted(n for n in names if not str(n).startswith("d_")) == ["new", "new"]


def test_changing_the_owner_needs_the_assign_right(world: World) -> None:
    with world.repo("alice") as repo:
        moved = repo.update("deal", world.ids["d_alice"], {"owner": _deal(world, "bob")["owner"]})
        assert moved["owner"] == {"entity": "user", "id": world.ids["bob"]}
        with pytest.raises(NotFoundError):  # readable, but not hers to assign
            repo.update("deal", world.ids["d_bob"], {"owner": _deal(world, "alice")["owner"]})
    with world.repo("erin") as repo, pytest.raises(Forbidden) as refused:
        repo.update("deal", world.ids["d_team"], {"owner": _deal(world, "erin")["owner"]})
    assert refused.value.action == "assign"


def test_rules_narrow_the_scope(world: World) -> None:
    with world.repo(None) as platform:
        platform.update("deal", world.ids["d_alice"], {"stage": "won"})
    with world.repo("alice") as repo:
        with pytest.raises(NotFoundError):  # rule: update "stage != 'won'"
            repo.update("deal", world.ids["d_alice"], {"amount": "1"})
        assert repo.get("deal", world.ids["d_alice"]) is not None  # still readable
        repo.update("deal", world.ids["d_team"], {"amount": "1"})


def test_user_rules_bind_user_values_including_through_lookups(world: World) -> None:
    with world.repo("rita") as repo:  # region = $user.region (apac)
        assert world.names(repo.list("account").records) == {"acc_east"}
        assert repo.count("account") == 1
    with world.repo("vic") as repo:  # partner_name = $user.vendor_org.name ("V1")
        assert world.names(repo.list("account").records) == {"acc_sales"}
        assert world.names(repo.list("deal").records) == {"d_bob"}  # vendor = $user.vendor_org
    with world.repo(None) as platform:
        platform.update("user", world.ids["vic"], {"vendor_org": world.ids["v2"]})
    with world.repo("vic") as repo:
        assert world.names(repo.list("account").records) == {"acc_east"}
        assert world.names(repo.list("deal").records) == {"d_alice", "d_carol", "d_team", "d_root"}


# ------------------------------------------------------------- through relations


def test_lookup_paths_only_reach_readable_records(world: World) -> None:
    # d_alice points at acc_east, which alice (business unit sales) may not read.
    with world.repo("alice") as repo:
        assert repo.list("deal", where="account.name = 'acc_east'").records == []
        assert repo.count("deal", where="account.name = 'acc_east'") == 0
        assert repo.count("deal", where="account.region = 'apac'") == 0
        page = repo.list("deal", include=["account.name"], order_by=["account.name"])
        names = {world.name_of(r["id"]): r["account.name"] for r in page.records}
        assert names == {"d_alice": None, "d_bob": "acc_sales", "d_team": "acc_sales"}
        # The rollup counts only the deals alice may read (d_root is the admin's, unit root).
        (account,) = repo.list("account").records
        assert (world.name_of(account["id"]), account["deal_count"]) == ("acc_sales", 2)
    with world.repo("admin") as repo:
        assert repo.count("deal", where="account.name = 'acc_east'") == 2
        assert repo.get("account", world.ids["acc_sales"])["deal_count"] == 3  # type: ignore[index]


def test_a_lookup_cannot_point_at_a_record_out_of_sight(world: World) -> None:
    with world.repo("alice") as repo:
        with pytest.raises(ValidationFailed) as refused:
            repo.create("deal", {"name": "probe", "account": world.ids["acc_east"]})
        assert refused.value.codes() == {"account": "not_found"}
        assert repo.create("deal", {"name": "fine", "account": world.ids["acc_sales"]})


def test_links_respect_both_ends(world: World) -> None:
    with world.repo("dave") as repo:
        repo.link("deal", "tags", world.ids["d_bob"], world.ids["tag1"])
        assert repo.linked_ids("deal", "tags", world.ids["d_bob"]) == [world.ids["tag1"]]
    with world.repo("alice") as repo:
        with pytest.raises(ValidationFailed) as refused:  # alice may not read tags
            repo.link("deal", "tags", world.ids["d_alice"], world.ids["tag1"])
        assert refused.value.codes() == {"tags": "not_found"}
        with pytest.raises(NotFoundError):  # d_bob is not hers to change
            repo.link("deal", "tags", world.ids["d_bob"], world.ids["tag1"])
        assert repo.linked_ids("deal", "tags", world.ids["d_bob"]) == []  # tag out of sight
        assert repo.unlink("deal", "tags", world.ids["d_bob"], world.ids["tag1"]) is False
    with world.repo("audrey") as repo, pytest.raises(Forbidden):
        repo.link("deal", "tags", world.ids["d_bob"], world.ids["tag1"])
    with world.repo("admin") as repo:
        assert repo.linked_ids("deal", "tags", world.ids["d_bob"]) == [world.ids["tag1"]]


def test_the_predicate_adds_no_statement(world: World) -> None:
    counter = Statements(world.engine)
    for user in ("alice", "erin", "vic", None):
        with world.repo(user) as repo:
            with counter:
                repo.list("deal", include=["account.name"], where="account.name != 'x'")
            assert len(counter.sent) == 1, (user, counter.sent)
            with counter:
                repo.count("deal", where="amount > 1")
            assert len(counter.sent) == 1
            with counter:
                repo.get_many("deal", [world.ids["d_bob"], world.ids["d_carol"]])
            assert len(counter.sent) == 1


def test_a_principal_loads_in_a_constant_number_of_queries(world: World) -> None:
    counter = Statements(world.engine)
    with world.connection() as connection:
        for user in ("alice", "vic", "admin", "dave"):
            with counter:
                principal = world.principal(connection, user)
            assert len(counter.sent) <= 4, (user, counter.sent)
            assert principal.user_id == world.ids[user]


def test_aggregates_and_related_lists_only_see_visible_rows(world: World) -> None:
    total = Measure(Aggregate.SUM, "amount")
    rows = Measure(Aggregate.COUNT)
    with world.repo("alice") as repo:
        (row,) = repo.aggregate("deal", measures=[total, rows])
        assert (row.values[total], row.values[rows]) == (300, 3)
        by_stage = repo.aggregate("deal", group_by=[GroupKey("stage")], measures=[rows])
        assert [(r.group["stage"], r.values[rows]) for r in by_stage] == [("open", 3)]
        with pytest.raises(Forbidden):
            repo.aggregate("deal", measures=[Measure(Aggregate.SUM, "margin")])
        acc = world.ids["acc_sales"]
        assert world.names(repo.related("account", "deals", [acc])[acc].records) == {
            "d_bob",
            "d_team",
        }
        assert repo.related_counts("account", "deals", [acc]) == {acc: 2}
    with world.repo("admin") as repo:
        (row,) = repo.aggregate("deal", measures=[rows])
        assert row.values[rows] == 5
