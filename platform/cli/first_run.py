"""Seed an empty database for ``xrm up``: demo data, an administrator, demo users.

Everything runs in one transaction: either the newcomer gets a working database
with logins that show the difference between roles, or nothing is written.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.metamodel.registry import pick
from xrm.metamodel.system_fields import BUSINESS_UNIT_ENTITY, USER_ENTITY
from xrm.metamodel.types import Ownership
from xrm.platform.access.control import AccessControl
from xrm.platform.access.credentials import set_password
from xrm.platform.access.passwords import Passwords
from xrm.platform.access.roles import grant_role
from xrm.platform.access.users import create_user
from xrm.platform.solutions.data import LoadReport, load_data

ADMIN_EMAIL = "admin@example.com"


@dataclass(frozen=True)
class Login:
    """A login to show once: who, with which password, and as what."""

    email: str
    password: str
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Seeded:
    logins: tuple[Login, ...]
    report: LoadReport | None


def _password() -> str:
    return secrets.token_urlsafe(12)


def is_empty(connection: Connection, control: AccessControl) -> bool:
    """No user and no business unit yet: a database nobody has worked in."""
    for entity in (BUSINESS_UNIT_ENTITY, USER_ENTITY):
        table = control.storage.table(entity)
        if connection.execute(sa.select(table.c.id).limit(1)).first() is not None:
            return False
    return True


def _top_unit_code(connection: Connection, control: AccessControl) -> str | None:
    """The code of the first top-level business unit, creating "Head office" if none."""
    table = control.storage.table(BUSINESS_UNIT_ENTITY)
    row = connection.execute(
        sa.select(table.c.id, table.c.code)
        .where(table.c.parent.is_(None))
        .order_by(table.c.created_at, table.c.id)
        .limit(1)
    ).first()
    if row is not None:
        return None if row.code is None else str(row.code)
    control.repository(connection, None).create(
        BUSINESS_UNIT_ENTITY, {"name": "Head office", "code": "HQ"}
    )
    return "HQ"


def _give_unowned_records_to(connection: Connection, control: AccessControl, user: UUID) -> None:
    """Records loaded without an owner belong to the administrator (and their unit)."""
    repository = control.repository(connection, None)
    owner = {"entity": USER_ENTITY, "id": user}
    for entity in control.registry.entities.values():
        if entity.ownership is not Ownership.USER:
            continue
        after = None
        while True:
            page = repository.list(entity.entity, where="owner is null", limit=500, after=after)
            for record in page.records:
                repository.update(entity.entity, record["id"], {"owner": owner})
            if page.next_cursor is None:
                break
            after = page.next_cursor


def seed(
    connection: Connection, control: AccessControl, passwords: Passwords, *, demo: bool
) -> Seeded:
    """Load demo data (optional), then create the administrator and the demo users' logins."""
    report = None
    if demo:
        report = load_data(control.repository(connection, None), control.registry, demo=True)
    admin_password = _password()
    admin = create_user(
        control,
        connection,
        passwords,
        email=ADMIN_EMAIL,
        password=admin_password,
        name="Administrator",
        admin=True,
        business_unit=_top_unit_code(connection, control),
    )
    admin_roles = tuple(
        pick(control.registry.roles[role].label, "en", role)
        for role in sorted(control.policy.admin_roles)
    )
    logins = [Login(ADMIN_EMAIL, admin_password, "Administrator", admin_roles)]
    if report is not None:
        users = control.storage.table(USER_ENTITY)
        for user_id, roles in report.user_roles.items():
            row = connection.execute(
                sa.select(users.c.email, users.c.name).where(users.c.id == user_id)
            ).one()
            password = _password()
            set_password(connection, control.storage, user_id, password, passwords)
            for role in roles:
                grant_role(connection, control.storage, role, user_id=user_id, granted_by=None)
            labels = tuple(pick(control.registry.roles[role].label, "en", role) for role in roles)
            logins.append(Login(str(row.email), password, str(row.name), labels))
        _give_unowned_records_to(connection, control, admin["id"])
    return Seeded(tuple(logins), report)
