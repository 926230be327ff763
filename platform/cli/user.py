"""``xrm user create EMAIL …`` and ``xrm user list``: users who can sign in.

The password is read from a prompt (twice) or, when stdin is not a terminal, from
its first line — never from an argument, which would end up in shell history and
process lists. Works on the database of ``XRM_DATABASE_URL``, with the metadata last
applied to it (users are entity records, so ``xrm migrate`` comes first).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from xrm.platform.access.control import AccessControl
from xrm.platform.access.errors import AccessError
from xrm.platform.access.passwords import Passwords
from xrm.platform.access.users import create_user, list_users
from xrm.platform.migrate import applied_registry
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.errors import StorageError
from xrm.platform.storage.tables import build_storage

from .common import UserError, database_error, open_database


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "user",
        help="create and list users",
        description="Users who can sign in (XRM_DATABASE_URL; run `xrm migrate` first).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create a user (the password is prompted for, or read from stdin)",
        description="Create a user who can sign in. The password is asked for twice, or "
        "read from the first line of stdin when it is not a terminal.",
    )
    create.add_argument("email", metavar="EMAIL", help="the login name")
    create.add_argument("--name", help="full name (default: the part of EMAIL before @)")
    create.add_argument(
        "--role", action="append", default=[], metavar="ROLE", help="a role (repeatable)"
    )
    create.add_argument("--admin", action="store_true", help="also give every administrator role")
    create.add_argument(
        "--business-unit",
        metavar="CODE",
        help="the unit's code (default: the top-level unit, made if there is none)",
    )
    create.set_defaults(handler=run_create)
    listing = actions.add_parser("list", help="list users", description="List every user.")
    listing.set_defaults(handler=run_list)


@contextmanager
def access() -> Iterator[tuple[Engine, AccessControl, str]]:
    """The database, and the access control of the metadata applied to it."""
    engine, url = open_database()
    try:
        try:
            with engine.connect() as connection:
                registry = applied_registry(connection)
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc, url, "reading the metadata") from exc
        if registry is None:  # users are entity records: their tables come from a migration
            raise UserError(f"{url} has no metadata applied yet; run `xrm migrate PATH…` first")
        yield engine, AccessControl(build_storage(registry)), url
    finally:
        engine.dispose()


def _missing_tables(exc: sa.exc.SQLAlchemyError, url: str, doing: str) -> UserError:
    error = database_error(exc, url, doing)
    return UserError(f"{error} (is the database migrated? run `xrm migrate PATH…` first)")


def read_password() -> str:
    """From a prompt (twice) on a terminal, else the first line of stdin."""
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Repeat it: ") != first:
            raise UserError("the two passwords differ; nothing was created")
        return first
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise UserError("no password on stdin; pipe it in, or run from a terminal to be asked")
    return line.rstrip("\r\n")


def run_create(args: argparse.Namespace) -> int:
    try:
        password = read_password()
        with access() as (engine, control, url):
            try:
                with (
                    engine.connect().execution_options(**{WRITE: True}) as connection,
                    connection.begin(),
                ):
                    user = create_user(
                        control,
                        connection,
                        Passwords(),
                        email=args.email,
                        password=password,
                        name=args.name,
                        roles=args.role,
                        admin=args.admin,
                        business_unit=args.business_unit,
                    )
                    (summary,) = [u for u in list_users(control, connection) if u.id == user["id"]]
            except (AccessError, StorageError) as exc:
                raise UserError(f"cannot create {args.email}: {exc}") from exc
            except sa.exc.SQLAlchemyError as exc:
                raise _missing_tables(exc, url, "creating the user") from exc
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    roles = ", ".join(summary.roles) or "no roles"
    print(
        f"created {summary.email} ({summary.name}) in business unit "
        f"{summary.business_unit or '-'} with {roles}; id {summary.id}"
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    try:
        with access() as (engine, control, url):
            try:
                with engine.connect() as connection:
                    users = list_users(control, connection)
            except sa.exc.SQLAlchemyError as exc:
                raise _missing_tables(exc, url, "listing users") from exc
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if not users:
        print("no users yet; create one with `xrm user create EMAIL --admin`")
        return 0
    rows = [("EMAIL", "NAME", "ACTIVE", "UNIT", "ROLES")] + [
        (u.email, u.name, "yes" if u.active else "no", u.business_unit or "-", ", ".join(u.roles))
        for u in users
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[-1]
        )
    return 0
