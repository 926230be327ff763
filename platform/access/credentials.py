"""Passwords of users: stored as argon2 hashes, checked by login name (the user's email).

The user is an entity record (found through the repository, as the platform); only
the hash lives in the platform's credential table. Checking a password costs the
same whether or not the user exists, and an inactive user cannot sign in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.metamodel.system_fields import USER_ENTITY
from xrm.platform.storage.actor import SYSTEM_ACTOR
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel

from .passwords import Passwords


@dataclass(frozen=True)
class PasswordCheck:
    """Who signed in (None: wrong name or password), and a new hash to store, if any.

    ``named`` is the user the login name belongs to, signed in or not (for the audit).
    """

    user_id: UUID | None
    rehash: str | None = None
    named: UUID | None = None


def find_user(connection: Connection, storage: StorageModel, email: str) -> dict[str, Any] | None:
    """The user record with this email (case-insensitive), active or not."""
    platform = Repository(connection, storage, SYSTEM_ACTOR)
    page = platform.list(
        USER_ENTITY,
        where="lower(email) = $email",
        params={"email": email.strip().lower()},
        limit=1,
    )
    return page.records[0] if page.records else None


def set_password(
    connection: Connection,
    storage: StorageModel,
    user_id: UUID,
    password: str,
    passwords: Passwords,
) -> None:
    """Store the hash of ``password`` for the user (AccessError if it is too weak)."""
    save_password_hash(connection, storage, user_id, passwords.hash(password))


def save_password_hash(
    connection: Connection, storage: StorageModel, user_id: UUID, encoded: str
) -> None:
    table = storage.system.credential
    now = dt.datetime.now(dt.UTC)
    updated = connection.execute(
        sa.update(table)
        .where(table.c.user_id == user_id)
        .values(password_hash=encoded, updated_at=now)
    )
    if not updated.rowcount:
        connection.execute(
            sa.insert(table).values(user_id=user_id, password_hash=encoded, updated_at=now)
        )


def check_password(
    connection: Connection,
    storage: StorageModel,
    passwords: Passwords,
    email: str,
    password: str,
) -> PasswordCheck:
    """Whether ``password`` is the password of the active user with login ``email``.

    Reads only: a new hash (parameters changed) is returned for the caller to store with
    :func:`save_password_hash` in its write transaction.
    """
    user = find_user(connection, storage, email)
    encoded: str | None = None
    if user is not None:
        table = storage.system.credential
        encoded = connection.execute(
            sa.select(table.c.password_hash).where(table.c.user_id == user["id"])
        ).scalar_one_or_none()
    verified = passwords.verify(encoded, password)
    named = None if user is None else user["id"]
    if not verified.ok or user is None or user.get("active") is False:
        return PasswordCheck(None, named=named)
    return PasswordCheck(user["id"], verified.rehash, named=named)
