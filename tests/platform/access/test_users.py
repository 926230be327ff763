"""Creating users as the platform: a root unit for the first one, roles, a password."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from xrm.platform.access.control import AccessControl
from xrm.platform.access.credentials import check_password
from xrm.platform.access.errors import AccessError
from xrm.platform.access.passwords import Passwords
from xrm.platform.access.users import create_user, list_users
from xrm.platform.storage.errors import ValidationFailed

from .conftest import World, create_tables


def test_the_first_user_gets_a_root_unit(
    engine: Engine, control: AccessControl, passwords: Passwords
) -> None:
    create_tables(engine, control.storage)
    with engine.begin() as connection:
        user = create_user(
            control,
            connection,
            passwords,
            email="first@example.com",
            password="first passphrase",
            admin=True,
            roles=["seller"],
        )
        assert user["name"] == "first"
        principal = control.load_principal(connection, user["id"])
        assert principal is not None
        assert principal.admin
        assert principal.roles == {"system_administrator", "seller"}
        (summary,) = list_users(control, connection)
        assert (summary.email, summary.business_unit, summary.roles) == (
            "first@example.com",
            "root",
            ("seller", "system_administrator"),
        )
        checked = check_password(
            connection, control.storage, passwords, "first@example.com", "first passphrase"
        )
        assert checked.user_id == user["id"]


def test_users_go_to_a_named_unit(world: World, passwords: Passwords) -> None:
    with world.connection() as connection:
        user = create_user(
            world.control,
            connection,
            passwords,
            email="new@example.com",
            password="new passphrase",
            name="New",
            business_unit="east",
            values={"region": "apac"},
        )
        assert user["business_unit"] == world.ids["east"]
        assert user["region"] == "apac"
        emails = [u.email for u in list_users(world.control, connection)]
        assert emails == sorted(emails)
        assert "new@example.com" in emails


def test_mistakes_are_refused_before_anything_is_written(
    world: World, passwords: Passwords
) -> None:
    with world.connection() as connection:
        with pytest.raises(AccessError, match="unknown role 'seler'") as typo:
            create_user(
                world.control,
                connection,
                passwords,
                email="x@example.com",
                password="a passphrase",
                roles=["seler"],
            )
        assert typo.value.suggestion is not None
        assert "seller" in typo.value.suggestion
        with pytest.raises(AccessError, match="business unit"):
            create_user(
                world.control,
                connection,
                passwords,
                email="x@example.com",
                password="a passphrase",
                business_unit="est",
            )
        with pytest.raises(ValidationFailed):
            create_user(
                world.control,
                connection,
                passwords,
                email="alice@example.com",
                password="a passphrase",
                business_unit="east",
            )
        with pytest.raises(AccessError, match="at least"):
            create_user(world.control, connection, passwords, email="y@example.com", password="s")


def test_with_several_top_units_one_must_be_named(world: World, passwords: Passwords) -> None:
    with world.connection() as connection:
        world.control.repository(connection, None).create(
            "business_unit", {"name": "Second", "code": "second"}
        )
        with pytest.raises(AccessError, match="several top-level"):
            create_user(
                world.control,
                connection,
                passwords,
                email="z@example.com",
                password="a passphrase",
            )
