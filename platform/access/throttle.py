"""Throttling of failed sign-ins, per login name and client address.

After ``max_failures`` failures within ``window``, the pair is locked out for
``lockout``; each further failure doubles the lock, up to ``max_lockout``. A
success clears the pair. Keys are hashes, so no address or name is stored in clear.
The state is in the database, so every worker process sees the same counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.platform.storage.tables import StorageModel


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=1)
    max_lockout: dt.timedelta = dt.timedelta(hours=1)

    def lock_for(self, failures: int) -> dt.timedelta | None:
        """How long ``failures`` consecutive failures lock the pair out (None: not at all)."""
        if failures < self.max_failures:
            return None
        doublings = min(failures - self.max_failures, 32)
        return min(self.lockout * (1 << doublings), self.max_lockout)


def throttle_key(login: str, address: str) -> str:
    return hashlib.sha256(f"{login.strip().lower()}\x00{address}".encode()).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


class LoginThrottle:
    """Failed sign-in counts and lockouts, in the platform's throttle table."""

    def __init__(self, storage: StorageModel, policy: ThrottlePolicy | None = None) -> None:
        self.table = storage.system.login_throttle
        self.policy = policy or ThrottlePolicy()

    def locked_until(
        self, connection: Connection, key: str, *, now: dt.datetime
    ) -> dt.datetime | None:
        """When the lockout of ``key`` ends, if it is locked out now."""
        until = _aware(
            connection.execute(
                sa.select(self.table.c.locked_until).where(self.table.c.key == key)
            ).scalar_one_or_none()
        )
        return until if until is not None and until > now else None

    def failed(self, connection: Connection, key: str, *, now: dt.datetime) -> dt.datetime | None:
        """Count a failure; when the pair is now locked out, until when.

        Failures count from the first one; once ``window`` has passed since it and the
        pair is not locked out, counting starts again.
        """
        table = self.table
        row = connection.execute(
            sa.select(table.c.failures, table.c.first_failure_at, table.c.locked_until).where(
                table.c.key == key
            )
        ).first()
        failures, first = 1, now
        if row is not None:
            first_at = _aware(row.first_failure_at) or now
            locked = _aware(row.locked_until)
            stale = now - first_at > self.policy.window and (locked is None or locked <= now)
            if not stale:
                failures, first = row.failures + 1, first_at
        lock = self.policy.lock_for(failures)
        until = now + lock if lock is not None else None
        values = {"failures": failures, "first_failure_at": first, "locked_until": until}
        if row is not None:
            connection.execute(sa.update(table).where(table.c.key == key).values(values))
            return until
        try:
            with connection.begin_nested():
                connection.execute(sa.insert(table).values(key=key, **values))
        except sa.exc.IntegrityError:  # a concurrent first failure: count on top of it
            connection.execute(
                sa.update(table).where(table.c.key == key).values(failures=table.c.failures + 1)
            )
        return until

    def succeeded(self, connection: Connection, key: str) -> None:
        connection.execute(sa.delete(self.table).where(self.table.c.key == key))
