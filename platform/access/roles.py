"""Role assignments: which users and teams hold which of the Registry's roles.

Roles are declared in YAML; who holds them is data (``xrm_role_assignment``). A team's
roles are held by each of its members. These are platform operations: the channel
calling them (CLI, an administrator's screen) decides who may.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.registry import Registry
from xrm.platform.storage.tables import StorageModel

from .audit import AuditAction, AuditLog
from .errors import AccessError


def check_role(registry: Registry, role: str) -> None:
    """Raise AccessError (with a suggestion) for a role the Registry does not declare."""
    if role not in registry.roles:
        hint = did_you_mean(role, registry.roles)
        known = ", ".join(sorted(registry.roles)) or "none"
        raise AccessError(f"unknown role {role!r}", hint or f"declared roles: {known}")


def _holder(table: sa.Table, user_id: UUID | None, team_id: UUID | None) -> sa.ColumnElement[bool]:
    if (user_id is None) == (team_id is None):
        raise AccessError("a role goes to exactly one user or one team")
    return table.c.user_id == user_id if user_id is not None else table.c.team_id == team_id


def grant_role(
    connection: Connection,
    storage: StorageModel,
    role: str,
    *,
    user_id: UUID | None = None,
    team_id: UUID | None = None,
    granted_by: UUID | None = None,
) -> bool:
    """Give ``role`` to a user or team; False if they already hold it."""
    check_role(storage.registry, role)
    table = storage.system.role_assignment
    holder = _holder(table, user_id, team_id)
    held = connection.execute(
        sa.select(sa.func.count()).where(table.c.role == role, holder)
    ).scalar_one()
    if held:
        return False
    connection.execute(
        sa.insert(table).values(
            id=uuid.uuid4(),
            role=role,
            user_id=user_id,
            team_id=team_id,
            created_at=dt.datetime.now(dt.UTC),
            created_by=granted_by,
        )
    )
    AuditLog(storage).event(
        connection,
        AuditAction.GRANT_ROLE,
        user_id=granted_by,
        detail={"role": role, "user_id": user_id, "team_id": team_id},
    )
    return True


def revoke_role(
    connection: Connection,
    storage: StorageModel,
    role: str,
    *,
    user_id: UUID | None = None,
    team_id: UUID | None = None,
    revoked_by: UUID | None = None,
) -> bool:
    """Take ``role`` from a user or team; False if they did not hold it."""
    table = storage.system.role_assignment
    holder = _holder(table, user_id, team_id)
    result = connection.execute(sa.delete(table).where(table.c.role == role, holder))
    if not result.rowcount:
        return False
    AuditLog(storage).event(
        connection,
        AuditAction.REVOKE_ROLE,
        user_id=revoked_by,
        detail={"role": role, "user_id": user_id, "team_id": team_id},
    )
    return True


def direct_roles(
    connection: Connection, storage: StorageModel, user_ids: Iterable[UUID]
) -> dict[UUID, list[str]]:
    """The roles assigned to each user directly (not through teams), sorted; one query."""
    table = storage.system.role_assignment
    wanted = sorted(set(user_ids))
    found: dict[UUID, list[str]] = defaultdict(list)
    if not wanted:
        return found
    rows = connection.execute(
        sa.select(table.c.user_id, table.c.role)
        .where(table.c.user_id.in_(wanted))
        .order_by(table.c.role)
    )
    for user_id, role in rows:
        found[user_id].append(role)
    return found
