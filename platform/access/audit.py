"""The audit log: who did what to which record, when, with each field's old and new value.

:class:`AuditLog` is the repository's :class:`~xrm.platform.storage.actor.AuditSink`:
every create, update, delete and assign is written in the same transaction as the
change itself (a rolled-back write leaves no audit row, a committed one always has
one). Shares, role grants and sign-ins are logged here too.

Reading it: :func:`record_history` gives one record's timeline to whoever may read
the record (hidden fields masked for them); :func:`query_audit` is for administrators.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.platform.storage.actor import AuditEvent
from xrm.platform.storage.errors import Forbidden
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel

from .principal import Principal


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    ASSIGN = "assign"
    SHARE = "share"
    UNSHARE = "unshare"
    GRANT_ROLE = "grant_role"
    REVOKE_ROLE = "revoke_role"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"


#: Entries per page when reading the log.
DEFAULT_LIMIT: Final = 100


def jsonable(value: object) -> object:
    """A record value as JSON: decimals and dates as text, money and references as objects."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    return str(value)


def _dumps(value: object) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, sort_keys=True)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AuditLog:
    """Writes audit rows to the platform's audit table (the repository's audit sink)."""

    def __init__(self, storage: StorageModel) -> None:
        self.table = storage.system.audit

    def record(
        self, connection: Connection, user_id: UUID | None, events: Sequence[AuditEvent]
    ) -> None:
        at = _now()
        rows = [
            {
                "at": at,
                "user_id": user_id,
                "action": event.action,
                "entity": event.entity,
                "record_id": event.record_id,
                "changes": _dumps({k: [old, new] for k, (old, new) in event.changes.items()}),
                "detail": None,
            }
            for event in events
        ]
        if rows:
            connection.execute(sa.insert(self.table), rows)

    def event(
        self,
        connection: Connection,
        action: AuditAction,
        *,
        user_id: UUID | None,
        entity: str | None = None,
        record_id: UUID | None = None,
        detail: Mapping[str, object] | None = None,
    ) -> None:
        """Log something that is not a record change: a sign-in, a share, a role grant."""
        connection.execute(
            sa.insert(self.table).values(
                at=_now(),
                user_id=user_id,
                action=action.value,
                entity=entity,
                record_id=record_id,
                changes=None,
                detail=_dumps(detail) if detail else None,
            )
        )


@dataclass(frozen=True)
class AuditEntry:
    """One audit row, decoded. Values in ``changes`` are as JSON has them (text for decimals)."""

    id: int
    at: dt.datetime
    user_id: UUID | None
    action: str
    entity: str | None
    record_id: UUID | None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)


def _entry(row: Any) -> AuditEntry:
    changes = json.loads(row.changes) if row.changes else {}
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=dt.UTC)
    return AuditEntry(
        id=row.id,
        at=at,
        user_id=row.user_id,
        action=row.action,
        entity=row.entity,
        record_id=row.record_id,
        changes={name: (pair[0], pair[1]) for name, pair in changes.items()},
        detail=json.loads(row.detail) if row.detail else {},
    )


def record_history(
    repo: Repository, entity: str, record_id: UUID, *, limit: int = DEFAULT_LIMIT
) -> list[AuditEntry]:
    """The changes to one record, newest first, for whoever may read the record.

    Out of scope: NotFoundError, as for the record itself. Values of fields hidden from
    the reader are masked (None), the field names stay.
    """
    repo.require(entity, record_id, "read")
    table = repo.storage.system.audit
    rows = repo.connection.execute(
        sa.select(table)
        .where(table.c.entity == entity, table.c.record_id == record_id)
        .order_by(table.c.id.desc())
        .limit(limit)
    )
    hidden = repo.hidden(entity)
    entries = [_entry(row) for row in rows]
    if not hidden:
        return entries
    return [
        dataclasses.replace(
            entry,
            changes={
                name: (None, None) if name in hidden else pair
                for name, pair in entry.changes.items()
            },
        )
        for entry in entries
    ]


def query_audit(
    connection: Connection,
    storage: StorageModel,
    principal: Principal | None,
    *,
    entity: str | None = None,
    record_id: UUID | None = None,
    user_id: UUID | None = None,
    actions: Sequence[AuditAction] = (),
    since: dt.datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[AuditEntry]:
    """The audit log, newest first, filtered. Administrators only (None: the platform)."""
    if principal is not None and not principal.admin:
        raise Forbidden(
            "read",
            "audit log",
            message="only administrators may query the audit log; a record's own history "
            "is on its page",
        )
    table = storage.system.audit
    conditions = []
    if entity is not None:
        conditions.append(table.c.entity == entity)
    if record_id is not None:
        conditions.append(table.c.record_id == record_id)
    if user_id is not None:
        conditions.append(table.c.user_id == user_id)
    if actions:
        conditions.append(table.c.action.in_([a.value for a in actions]))
    if since is not None:
        conditions.append(table.c.at >= since)
    rows = connection.execute(
        sa.select(table).where(*conditions).order_by(table.c.id.desc()).limit(limit)
    )
    return [_entry(row) for row in rows]
