"""``xrm token create EMAIL [--name N] [--expires-days D]``: an API token, printed once.

The secret goes alone to stdout (``TOKEN=$(xrm token create …)``), what it is to
stderr. Only its hash is stored: it cannot be shown again, only revoked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

import sqlalchemy as sa

from xrm.platform.access.credentials import find_user
from xrm.platform.access.errors import AccessError
from xrm.platform.access.tokens import create_token
from xrm.platform.storage.engine import WRITE

from .common import UserError, database_error
from .user import access

#: Tokens expire after this many days unless told otherwise.
DEFAULT_DAYS = 90


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "token",
        help="create API tokens",
        description="API tokens act as their user in the GraphQL API (Authorization: Bearer).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        help="create a token for a user and print it once",
        description="Create a token for the user with login EMAIL and print it once.",
    )
    create.add_argument("email", metavar="EMAIL", help="the user the token acts as")
    create.add_argument("--name", default="cli", help="what the token is for (default: cli)")
    create.add_argument(
        "--expires-days",
        type=int,
        default=DEFAULT_DAYS,
        metavar="DAYS",
        help=f"days until it expires (default {DEFAULT_DAYS}; 0: never)",
    )
    create.set_defaults(handler=run_create)


def run_create(args: argparse.Namespace) -> int:
    now = dt.datetime.now(dt.UTC)
    try:
        if args.expires_days < 0:
            raise UserError("--expires-days must be 0 (never) or more")
        expires = now + dt.timedelta(days=args.expires_days) if args.expires_days else None
        with access() as (engine, control, url):
            try:
                with (
                    engine.connect().execution_options(**{WRITE: True}) as connection,
                    connection.begin(),
                ):
                    user = find_user(connection, control.storage, args.email)
                    if user is None:
                        raise UserError(
                            f"no user has the login {args.email!r}; see `xrm user list`"
                        )
                    issued = create_token(
                        connection,
                        control.storage,
                        user["id"],
                        args.name,
                        now=now,
                        expires_at=expires,
                    )
            except AccessError as exc:
                raise UserError(f"cannot create the token: {exc}") from exc
            except sa.exc.SQLAlchemyError as exc:
                raise database_error(exc, url, "creating the token") from exc
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    until = f"expires {issued.expires_at:%Y-%m-%d}" if issued.expires_at else "never expires"
    print(
        f"token {issued.name!r} for {user['email']} ({until}); copy it now, it is shown once:",
        file=sys.stderr,
    )
    print(issued.secret)
    return 0
