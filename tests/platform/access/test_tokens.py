"""API tokens: shown once, stored hashed, expire, can be revoked, record their last use."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from xrm.platform.access.errors import AccessError
from xrm.platform.access.sessions import secret_hash
from xrm.platform.access.tokens import (
    TOKEN_PREFIX,
    authenticate_token,
    check_token,
    create_token,
    list_tokens,
    revoke_token,
)

from .conftest import World

NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_a_token_acts_for_its_user_until_it_expires(world: World) -> None:
    user = world.ids["alice"]
    with world.connection() as connection:
        issued = create_token(
            connection, world.storage, user, "ci", now=NOW, expires_at=NOW + dt.timedelta(days=1)
        )
        assert issued.secret.startswith(TOKEN_PREFIX)
        stored = connection.execute(sa.select(world.storage.system.api_token)).mappings().one()
        assert stored["token_hash"] == secret_hash(issued.secret)
        assert issued.secret not in stored.values()
        assert authenticate_token(connection, world.storage, issued.secret, now=NOW) == user
        expired = NOW + dt.timedelta(days=1)
        assert authenticate_token(connection, world.storage, issued.secret, now=expired) is None
        assert authenticate_token(connection, world.storage, "xrm_forged", now=NOW) is None
        assert authenticate_token(connection, world.storage, "Bearer", now=NOW) is None
        (listed,) = list_tokens(connection, world.storage, user)
        assert (listed.name, listed.last_used_at) == ("ci", NOW)
        use = check_token(connection, world.storage, issued.secret, now=NOW)
        assert use is not None
        assert (use.user_id, use.stale) == (user, False)  # used a moment ago
        later = NOW + dt.timedelta(minutes=5)
        assert check_token(connection, world.storage, issued.secret, now=later).stale  # type: ignore[union-attr]


def test_a_revoked_token_is_refused(world: World) -> None:
    with world.connection() as connection:
        issued = create_token(connection, world.storage, world.ids["bob"], "script", now=NOW)
        assert revoke_token(connection, world.storage, issued.id, now=NOW) is True
        assert revoke_token(connection, world.storage, issued.id, now=NOW) is False
        assert authenticate_token(connection, world.storage, issued.secret, now=NOW) is None
        (listed,) = list_tokens(connection, world.storage, world.ids["bob"])
        assert listed.revoked_at == NOW


def test_tokens_need_a_name_and_a_future_expiry(world: World) -> None:
    with world.connection() as connection:
        with pytest.raises(AccessError):
            create_token(connection, world.storage, world.ids["bob"], "  ", now=NOW)
        with pytest.raises(AccessError):
            create_token(connection, world.storage, world.ids["bob"], "x", now=NOW, expires_at=NOW)
