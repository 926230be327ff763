"""Server-side sessions: only the hash is stored; expiry; rotation on sign-in; sign-out."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from xrm.platform.access.sessions import (
    end_session,
    end_user_sessions,
    find_session,
    secret_hash,
    start_session,
)

from .conftest import World

NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def test_a_session_is_stored_hashed_and_expires(world: World) -> None:
    user = world.ids["alice"]
    with world.connection() as connection:
        issued = start_session(
            connection, world.storage, user, now=NOW, lifetime=dt.timedelta(hours=1)
        )
        stored = connection.execute(sa.select(world.storage.system.session)).mappings().one()
        assert stored["id_hash"] == secret_hash(issued.token)
        assert issued.token not in stored.values()
        found = find_session(connection, world.storage, issued.token, now=NOW)
        assert found is not None
        assert (found.user_id, found.csrf_token) == (user, issued.csrf_token)
        later = NOW + dt.timedelta(hours=1)
        assert find_session(connection, world.storage, issued.token, now=later) is None
        assert find_session(connection, world.storage, "forged", now=NOW) is None
        assert find_session(connection, world.storage, "x" * 500, now=NOW) is None


def test_signing_in_rotates_and_signing_out_ends(world: World) -> None:
    user = world.ids["alice"]
    with world.connection() as connection:
        first = start_session(connection, world.storage, user, now=NOW)
        second = start_session(connection, world.storage, user, now=NOW, replacing=first.token)
        assert second.token != first.token
        assert second.csrf_token != first.csrf_token
        assert find_session(connection, world.storage, first.token, now=NOW) is None
        assert find_session(connection, world.storage, second.token, now=NOW) is not None
        assert end_session(connection, world.storage, second.token) == user
        assert find_session(connection, world.storage, second.token, now=NOW) is None
        assert end_session(connection, world.storage, second.token) is None


def test_all_sessions_of_a_user_can_end_at_once(world: World) -> None:
    with world.connection() as connection:
        for _ in range(3):
            start_session(connection, world.storage, world.ids["bob"], now=NOW)
        kept = start_session(connection, world.storage, world.ids["alice"], now=NOW)
        assert end_user_sessions(connection, world.storage, world.ids["bob"]) == 3
        assert find_session(connection, world.storage, kept.token, now=NOW) is not None
