"""Explicit record sharing: give a user or a team read or write access to one record.

A share widens what a principal's roles already let it do on the entity (reading a
shared record still needs a role granting ``read`` on its entity, at any scope); the
row predicate of :mod:`.rows` ORs the shared records in. Sharing needs the ``share``
right on the record; it is audited like any write.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

import sqlalchemy as sa

from xrm.metamodel.system_fields import TEAM_ENTITY, USER_ENTITY
from xrm.platform.storage.actor import AuditEvent
from xrm.platform.storage.repository import Repository

from .audit import AuditAction
from .errors import AccessError


class ShareLevel(StrEnum):
    READ = "read"
    WRITE = "write"  # includes read


@dataclass(frozen=True)
class Share:
    entity: str
    record_id: UUID
    user_id: UUID | None
    team_id: UUID | None
    level: ShareLevel


def _grantee(user_id: UUID | None, team_id: UUID | None) -> tuple[str, UUID]:
    if user_id is not None and team_id is None:
        return USER_ENTITY, user_id
    if team_id is not None and user_id is None:
        return TEAM_ENTITY, team_id
    raise AccessError("share with exactly one user or one team", "pass user_id or team_id")


def share(
    repo: Repository,
    entity: str,
    record_id: UUID,
    *,
    user_id: UUID | None = None,
    team_id: UUID | None = None,
    level: ShareLevel = ShareLevel.READ,
) -> None:
    """Share record ``record_id`` with a user or team (replacing an earlier share with them).

    NotFoundError if the record is outside the actor's share scope (or the grantee
    outside its read scope); Forbidden if no role lets it share ``entity`` records.
    """
    kind, grantee = _grantee(user_id, team_id)
    repo.require(entity, record_id, "share")
    repo.require(kind, grantee, "read")
    table = repo.storage.system.record_share
    who = table.c.user_id == user_id if user_id is not None else table.c.team_id == team_id
    pair = sa.and_(table.c.entity == entity, table.c.record_id == record_id, who)
    before = repo.connection.execute(sa.select(table.c.level).where(pair)).scalar_one_or_none()
    repo.connection.execute(sa.delete(table).where(pair))
    repo.connection.execute(
        sa.insert(table).values(
            id=uuid.uuid4(),
            entity=entity,
            record_id=record_id,
            user_id=user_id,
            team_id=team_id,
            level=level.value,
            created_at=dt.datetime.now(dt.UTC),
            created_by=repo.actor.user_id,
        )
    )
    _audit(repo, AuditAction.SHARE, entity, record_id, kind, grantee, before, level.value)


def unshare(
    repo: Repository,
    entity: str,
    record_id: UUID,
    *,
    user_id: UUID | None = None,
    team_id: UUID | None = None,
) -> bool:
    """Withdraw a share; False if there was none."""
    kind, grantee = _grantee(user_id, team_id)
    repo.require(entity, record_id, "share")
    table = repo.storage.system.record_share
    who = table.c.user_id == user_id if user_id is not None else table.c.team_id == team_id
    pair = sa.and_(table.c.entity == entity, table.c.record_id == record_id, who)
    before = repo.connection.execute(sa.select(table.c.level).where(pair)).scalar_one_or_none()
    if before is None:
        return False
    repo.connection.execute(sa.delete(table).where(pair))
    _audit(repo, AuditAction.UNSHARE, entity, record_id, kind, grantee, before, None)
    return True


def shares_of(repo: Repository, entity: str, record_id: UUID) -> list[Share]:
    """Who a record is shared with (for whoever may read the record)."""
    repo.require(entity, record_id, "read")
    table = repo.storage.system.record_share
    rows = repo.connection.execute(
        sa.select(table)
        .where(table.c.entity == entity, table.c.record_id == record_id)
        .order_by(table.c.created_at, table.c.id)
    )
    return [
        Share(row.entity, row.record_id, row.user_id, row.team_id, ShareLevel(row.level))
        for row in rows
    ]


def _audit(
    repo: Repository,
    action: AuditAction,
    entity: str,
    record_id: UUID,
    kind: str,
    grantee: UUID,
    before: str | None,
    after: str | None,
) -> None:
    if repo.actor.audit is None:
        return
    changes: dict[str, tuple[object, object]] = {f"{kind}:{grantee}": (before, after)}
    repo.actor.audit.record(
        repo.connection, repo.actor.user_id, [AuditEvent(action.value, entity, record_id, changes)]
    )
