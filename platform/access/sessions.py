"""Server-side sessions for the screens: the cookie holds a random id, the table its hash.

A leaked session table gives nobody a usable cookie. Each session carries its own
CSRF token (the screens put it in every state-changing form and htmx request).
Signing in always starts a new session and ends the one the browser presented, so
a session id planted before login is worthless afterwards (fixation).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Final
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.platform.storage.tables import StorageModel

#: How long a session lasts after sign-in (absolute: no silent extension).
SESSION_LIFETIME: Final = dt.timedelta(hours=12)
#: Longest session id accepted from a cookie (ours are 43 characters).
_MAX_ID_LENGTH: Final = 128


@dataclass(frozen=True)
class IssuedSession:
    """A new session: ``token`` goes in the cookie and is never stored."""

    token: str
    user_id: UUID
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Session:
    user_id: UUID
    csrf_token: str
    expires_at: dt.datetime


def secret_hash(secret: str) -> str:
    """SHA-256 of a high-entropy secret (session ids, API tokens): enough, and indexable."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def start_session(
    connection: Connection,
    storage: StorageModel,
    user_id: UUID,
    *,
    now: dt.datetime,
    lifetime: dt.timedelta = SESSION_LIFETIME,
    replacing: str | None = None,
) -> IssuedSession:
    """Open a session for ``user_id``, ending ``replacing`` (the id the browser had)."""
    table = storage.system.session
    if replacing:
        end_session(connection, storage, replacing)
    # Housekeeping: the user's expired sessions go when a new one starts.
    connection.execute(
        sa.delete(table).where(table.c.user_id == user_id, table.c.expires_at <= now)
    )
    issued = IssuedSession(
        token=secrets.token_urlsafe(32),
        user_id=user_id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now + lifetime,
    )
    connection.execute(
        sa.insert(table).values(
            id_hash=secret_hash(issued.token),
            user_id=user_id,
            csrf_token=issued.csrf_token,
            created_at=now,
            expires_at=issued.expires_at,
        )
    )
    return issued


def find_session(
    connection: Connection, storage: StorageModel, token: str, *, now: dt.datetime
) -> Session | None:
    """The live session behind a cookie value, or None (unknown or expired)."""
    if not token or len(token) > _MAX_ID_LENGTH:
        return None
    table = storage.system.session
    row = connection.execute(
        sa.select(table.c.user_id, table.c.csrf_token, table.c.expires_at).where(
            table.c.id_hash == secret_hash(token)
        )
    ).first()
    if row is None or _aware(row.expires_at) <= now:
        return None
    return Session(row.user_id, row.csrf_token, _aware(row.expires_at))


def end_session(connection: Connection, storage: StorageModel, token: str) -> UUID | None:
    """End the session behind ``token``; the user it belonged to, or None if none."""
    if not token or len(token) > _MAX_ID_LENGTH:
        return None
    table = storage.system.session
    key = secret_hash(token)
    user_id = connection.execute(
        sa.select(table.c.user_id).where(table.c.id_hash == key)
    ).scalar_one_or_none()
    connection.execute(sa.delete(table).where(table.c.id_hash == key))
    return user_id


def end_user_sessions(connection: Connection, storage: StorageModel, user_id: UUID) -> int:
    """End every session of a user (password changed, user deactivated); how many."""
    table = storage.system.session
    return connection.execute(sa.delete(table).where(table.c.user_id == user_id)).rowcount
