"""Failed sign-ins lock a login name + address out, for longer with each further failure."""

from __future__ import annotations

import datetime as dt

from xrm.platform.access.throttle import LoginThrottle, ThrottlePolicy, throttle_key

from .conftest import World

NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
POLICY = ThrottlePolicy(
    max_failures=3,
    window=dt.timedelta(minutes=10),
    lockout=dt.timedelta(minutes=1),
    max_lockout=dt.timedelta(minutes=4),
)


def test_the_lock_doubles_up_to_a_maximum() -> None:
    assert [POLICY.lock_for(n) for n in (1, 2)] == [None, None]
    assert [POLICY.lock_for(n) for n in (3, 4, 5, 6, 50)] == [
        dt.timedelta(minutes=m) for m in (1, 2, 4, 4, 4)
    ]


def test_failures_lock_out_and_success_clears(world: World) -> None:
    throttle = LoginThrottle(world.storage, POLICY)
    key = throttle_key("Alice@example.com", "10.0.0.1")
    assert key == throttle_key(" alice@example.com", "10.0.0.1")
    assert key != throttle_key("alice@example.com", "10.0.0.2")
    with world.connection() as connection:
        assert throttle.failed(connection, key, now=NOW) is None
        assert throttle.failed(connection, key, now=NOW) is None
        until = throttle.failed(connection, key, now=NOW)
        assert until == NOW + dt.timedelta(minutes=1)
        assert throttle.locked_until(connection, key, now=NOW) == until
        assert throttle.locked_until(connection, key, now=until) is None
        assert throttle.failed(connection, key, now=until) == until + dt.timedelta(minutes=2)
        throttle.succeeded(connection, key)
        assert throttle.locked_until(connection, key, now=until) is None
        assert throttle.failed(connection, key, now=until) is None


def test_old_failures_are_forgotten_after_the_window(world: World) -> None:
    throttle = LoginThrottle(world.storage, POLICY)
    key = throttle_key("bob@example.com", "10.0.0.1")
    with world.connection() as connection:
        throttle.failed(connection, key, now=NOW)
        throttle.failed(connection, key, now=NOW)
        later = NOW + dt.timedelta(minutes=11)
        assert throttle.failed(connection, key, now=later) is None  # counting starts again
        assert throttle.failed(connection, key, now=later) is None
        assert throttle.failed(connection, key, now=later) is not None
