"""API tokens: bearer secrets for the GraphQL API, scoped to one user, revocable, expiring.

The secret (``xrm_…``) is shown once, when made; only its SHA-256 is stored, so the
table cannot be replayed. A token acts as its user, with that user's roles.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Final
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.platform.storage.tables import StorageModel

from .errors import AccessError
from .sessions import secret_hash

#: Every secret starts with this, so leaked tokens are easy to scan for.
TOKEN_PREFIX: Final = "xrm_"
#: ``last_used_at`` is written at most this often per token (not on every request).
USE_RESOLUTION: Final = dt.timedelta(minutes=1)
_MAX_LENGTH: Final = 200


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``secret`` is shown to the user once and never stored."""

    id: UUID
    user_id: UUID
    name: str
    secret: str
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class ApiToken:
    id: UUID
    user_id: UUID
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def create_token(
    connection: Connection,
    storage: StorageModel,
    user_id: UUID,
    name: str,
    *,
    now: dt.datetime,
    expires_at: dt.datetime | None = None,
) -> IssuedToken:
    """Make a token for ``user_id``; the returned ``secret`` cannot be read again."""
    name = name.strip()
    if not name or len(name) > 200:
        raise AccessError("a token needs a name of 1 to 200 characters", "say what it is for")
    if expires_at is not None and expires_at <= now:
        raise AccessError("the token would expire before it is made", "pick a later expiry")
    issued = IssuedToken(
        id=uuid.uuid4(),
        user_id=user_id,
        name=name,
        secret=TOKEN_PREFIX + secrets.token_urlsafe(32),
        expires_at=expires_at,
    )
    connection.execute(
        sa.insert(storage.system.api_token).values(
            id=issued.id,
            user_id=user_id,
            name=name,
            token_hash=secret_hash(issued.secret),
            created_at=now,
            expires_at=expires_at,
        )
    )
    return issued


@dataclass(frozen=True)
class TokenUse:
    """A live token presented: whose it is, and whether its last use should be recorded."""

    token_id: UUID
    user_id: UUID
    stale: bool


def check_token(
    connection: Connection, storage: StorageModel, secret: str, *, now: dt.datetime
) -> TokenUse | None:
    """The live (not revoked, not expired) token behind ``secret``, or None. Reads only."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > _MAX_LENGTH:
        return None
    table = storage.system.api_token
    row = connection.execute(
        sa.select(
            table.c.id,
            table.c.user_id,
            table.c.expires_at,
            table.c.revoked_at,
            table.c.last_used_at,
        ).where(table.c.token_hash == secret_hash(secret))
    ).first()
    if row is None or row.revoked_at is not None:
        return None
    expires = _aware(row.expires_at)
    if expires is not None and expires <= now:
        return None
    last = _aware(row.last_used_at)
    return TokenUse(row.id, row.user_id, last is None or now - last >= USE_RESOLUTION)


def touch_token(
    connection: Connection, storage: StorageModel, token_id: UUID, *, now: dt.datetime
) -> None:
    """Record that a token was used (callers do it when :class:`TokenUse` is ``stale``)."""
    table = storage.system.api_token
    connection.execute(sa.update(table).where(table.c.id == token_id).values(last_used_at=now))


def authenticate_token(
    connection: Connection, storage: StorageModel, secret: str, *, now: dt.datetime
) -> UUID | None:
    """The user a live token acts for (recording its use), or None. Needs a write
    transaction when the use is recorded; see :func:`check_token` to read only."""
    use = check_token(connection, storage, secret, now=now)
    if use is None:
        return None
    if use.stale:
        touch_token(connection, storage, use.token_id, now=now)
    return use.user_id


def revoke_token(
    connection: Connection, storage: StorageModel, token_id: UUID, *, now: dt.datetime
) -> bool:
    """Revoke a token for good; False if it does not exist or was revoked already."""
    table = storage.system.api_token
    result = connection.execute(
        sa.update(table)
        .where(table.c.id == token_id, table.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)


def list_tokens(connection: Connection, storage: StorageModel, user_id: UUID) -> list[ApiToken]:
    """A user's tokens (without secrets), newest first."""
    table = storage.system.api_token
    rows = connection.execute(
        sa.select(table).where(table.c.user_id == user_id).order_by(table.c.created_at.desc())
    )
    return [
        ApiToken(
            id=row.id,
            user_id=row.user_id,
            name=row.name,
            created_at=_aware(row.created_at) or row.created_at,
            expires_at=_aware(row.expires_at),
            revoked_at=_aware(row.revoked_at),
            last_used_at=_aware(row.last_used_at),
        )
        for row in rows
    ]
