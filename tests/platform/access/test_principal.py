"""Loading a principal: teams, roles (direct and through teams), the unit tree, $user values."""

from __future__ import annotations

from xrm.platform.access.principal import user_attributes, with_prefixes
from xrm.platform.access.roles import grant_role, revoke_role

from .conftest import World


def test_a_principal_knows_teams_units_and_roles(world: World) -> None:
    ids = world.ids
    with world.connection() as connection:
        alice = world.principal(connection, "alice")
        dave = world.principal(connection, "dave")
        admin = world.principal(connection, "admin")
    assert alice.team_ids == {ids["team_a"]}
    assert alice.roles == {"seller"}
    assert not alice.admin
    assert alice.business_unit_id == ids["sales"]
    assert alice.unit_ids == {ids["sales"], ids["east"]}
    assert alice.email == "alice@example.com"
    assert alice.attributes["region"] == "emea"
    assert dave.unit_ids == {ids["sales"], ids["east"]}
    assert admin.admin
    assert admin.unit_ids == {ids["root"], ids["sales"], ids["east"], ids["other"]}


def test_roles_come_through_teams_and_go_when_revoked(world: World) -> None:
    with world.connection() as connection:
        grant_role(connection, world.storage, "auditor", team_id=world.ids["team_b"])
        assert world.principal(connection, "carol").roles == {"seller", "auditor"}
        assert revoke_role(connection, world.storage, "auditor", team_id=world.ids["team_b"])
        assert world.principal(connection, "carol").roles == {"seller"}


def test_user_values_through_lookups_are_loaded(world: World) -> None:
    assert world.control.rows.user_paths == {"vendor_org.name"}
    with world.connection() as connection:
        vic = world.principal(connection, "vic")
    assert vic.attributes["vendor_org"] == {"id": world.ids["v1"], "name": "V1"}
    assert vic.params()["user"] is vic.attributes


def test_inactive_or_unknown_users_have_no_principal(world: World) -> None:
    with world.repo(None) as platform:
        platform.update("user", world.ids["bob"], {"active": False})
    with world.connection() as connection:
        assert world.control.load_principal(connection, world.ids["bob"]) is None
        assert world.control.load_principal(connection, world.ids["d_bob"]) is None


def test_user_attributes_nest_lookup_paths() -> None:
    record = {
        "id": 1,
        "org": 2,
        "target": {"amount": 5, "currency": "EUR"},
        "org.parent": 3,
        "org.parent.name": "P",
    }
    paths = with_prefixes(["org.parent.name"])
    assert paths == {"org.parent", "org.parent.name"}
    assert user_attributes(record, paths) == {
        "id": 1,
        "org": {"id": 2, "parent": {"id": 3, "name": "P"}},
        "target": 5,
    }
