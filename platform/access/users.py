"""Creating and listing users, as the platform does it (CLI, first start, demo data).

A user is a record of the ``user`` entity (so solutions may add fields to it); this
module adds what makes it a login: a password hash, roles and a business unit. The
first user of an empty database gets a root business unit made for them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

from sqlalchemy.engine import Connection

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.system_fields import BUSINESS_UNIT_ENTITY, USER_ENTITY
from xrm.platform.storage.repository import Repository

from .control import AccessControl
from .credentials import set_password
from .errors import AccessError
from .passwords import Passwords, check_strength
from .roles import check_role, direct_roles, grant_role

#: The business unit made for the first user when there is none.
ROOT_UNIT: Final = {"name": "Organization", "code": "root"}


@dataclass(frozen=True)
class UserSummary:
    id: UUID
    email: str
    name: str
    active: bool
    business_unit: str | None
    roles: tuple[str, ...]


def create_user(
    control: AccessControl,
    connection: Connection,
    passwords: Passwords,
    *,
    email: str,
    password: str,
    name: str | None = None,
    roles: Sequence[str] = (),
    admin: bool = False,
    business_unit: str | None = None,
    values: Mapping[str, object] | None = None,
    created_by: UUID | None = None,
) -> dict[str, Any]:
    """Create an active user who can sign in; returns the user record.

    ``roles`` must be declared roles; ``admin`` adds every role declared with
    ``admin: true``. ``business_unit`` is a unit's ``code``; without it, the only
    top-level unit (made if there is none). Raises AccessError, or the repository's
    ValidationFailed (a taken email, say), before anything is written.
    """
    wanted = list(dict.fromkeys(roles))
    for role in wanted:
        check_role(control.registry, role)
    if admin:
        if not control.policy.admin_roles:
            raise AccessError(
                "no role is declared with admin: true",
                "add one to a solution's roles/ folder (the system solution ships "
                "system_administrator)",
            )
        wanted += [role for role in sorted(control.policy.admin_roles) if role not in wanted]
    check_strength(password)
    repo = control.repository(connection, None)
    unit = _unit(repo, business_unit)
    fields: dict[str, object] = {
        "email": email,
        "name": name or email.split("@", 1)[0],
        "business_unit": unit,
        **(values or {}),
    }
    user = repo.create(USER_ENTITY, fields)
    set_password(connection, control.storage, user["id"], password, passwords)
    for role in wanted:
        grant_role(connection, control.storage, role, user_id=user["id"], granted_by=created_by)
    return user


def _unit(repo: Repository, code: str | None) -> UUID:
    if code is not None:
        page = repo.list(BUSINESS_UNIT_ENTITY, where="code = $code", params={"code": code}, limit=1)
        if page.records:
            found: UUID = page.records[0]["id"]
            return found
        codes = [
            str(r["code"]) for r in repo.list(BUSINESS_UNIT_ENTITY, limit=1000).records if r["code"]
        ]
        raise AccessError(
            f"no business unit has the code {code!r}",
            did_you_mean(code, codes)
            or ("known codes: " + ", ".join(sorted(codes)) if codes else None),
        )
    roots = repo.list(BUSINESS_UNIT_ENTITY, where="parent is null", limit=2).records
    if len(roots) > 1:
        raise AccessError(
            "there are several top-level business units",
            "name one with its code (--business-unit CODE)",
        )
    if roots:
        root: UUID = roots[0]["id"]
        return root
    made: UUID = repo.create(BUSINESS_UNIT_ENTITY, ROOT_UNIT)["id"]
    return made


def list_users(control: AccessControl, connection: Connection) -> list[UserSummary]:
    """Every user, by email, with their unit's code and directly assigned roles."""
    repo = control.repository(connection, None)
    records = list(_all_users(repo))
    roles = direct_roles(connection, control.storage, [r["id"] for r in records])
    return [
        UserSummary(
            id=record["id"],
            email=str(record["email"]),
            name=str(record["name"]),
            active=record.get("active") is not False,
            business_unit=record.get("business_unit.code"),
            roles=tuple(roles.get(record["id"], ())),
        )
        for record in records
    ]


def _all_users(repo: Repository) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        page = repo.list(
            USER_ENTITY, order_by=["email"], include=["business_unit.code"], limit=500, after=cursor
        )
        yield from page.records
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
