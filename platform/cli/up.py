"""``xrm up``: what ``make run`` does — bring the database up to date, seed it once, serve.

On an empty database this migrates the shipped solutions (or ``XRM_SOLUTIONS``),
loads their demo data, creates an administrator and the demo users, and prints
their logins once. On later runs it only applies what
changed in the metadata (refusing anything that would lose data) and serves.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import sqlalchemy as sa

from xrm.platform.access.control import AccessControl
from xrm.platform.access.errors import AccessError
from xrm.platform.access.passwords import Passwords
from xrm.platform.app import solution_paths
from xrm.platform.migrate import MigrationError, migrate
from xrm.platform.settings import Settings
from xrm.platform.solutions.data import DataLoadError
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.errors import StorageError

from .common import UserError, current_user, database_error, load_storage, open_database
from .first_run import Login, is_empty, seed
from .serve import serve


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "up",
        help="migrate, seed an empty database with demo data, and serve",
        description="Bring the database (XRM_DATABASE_URL) in line with the solutions "
        "(XRM_SOLUTIONS, default: the shipped CRM), load demo data into an empty database, "
        "then serve.",
    )
    parser.add_argument("--host", default=None, help="interface to listen on (XRM_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port (XRM_PORT)")
    parser.add_argument("--no-demo", action="store_true", help="do not load demo data")
    parser.add_argument(
        "--no-serve", action="store_true", help="prepare the database and stop (for scripts)"
    )
    parser.set_defaults(handler=run)


def prepare(settings: Settings, *, demo: bool) -> list[str]:
    """Migrate and seed; returns the lines to show the person who ran ``xrm up``."""
    storage = load_storage(solution_paths(settings))
    engine, url = open_database()
    lines: list[str] = []
    try:
        try:
            plan = migrate(engine, storage, applied_by=current_user())
        except MigrationError as exc:
            raise UserError(str(exc)) from exc
        if not plan.empty:
            lines.append(f"database: applied {plan.summary()}")
        control = AccessControl(storage)
        with (
            engine.connect().execution_options(**{WRITE: True}) as connection,
            connection.begin(),
        ):
            if is_empty(connection, control):
                seeded = seed(connection, control, Passwords(), demo=demo)
                if seeded.report is not None:
                    report = seeded.report
                    lines.append(f"demo data: {report.total} records, {report.links} links")
                lines.extend(_logins(settings, seeded.logins))
    except (DataLoadError, AccessError, StorageError) as exc:
        raise UserError(f"seeding the database failed (nothing was written): {exc}") from exc
    except sa.exc.SQLAlchemyError as exc:
        raise database_error(exc, url, "preparing the database") from exc
    finally:
        engine.dispose()
    lines.append(f"database: {url} at metadata version {storage.registry.version[:12]}")
    return lines


def _logins(settings: Settings, logins: tuple[Login, ...]) -> list[str]:
    width = max(len(login.email) for login in logins)
    lines = [
        "",
        f"Sign in at http://{settings.host}:{settings.port}/login with one of these "
        "(passwords are shown only this once):",
    ]
    for login in logins:
        roles = ", ".join(login.roles) or "no role"
        lines.append(f"  {login.email:<{width}}  {login.password}  {login.name} ({roles})")
    lines.append("")
    return lines


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    try:
        lines = prepare(settings, demo=not args.no_demo)
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    if args.no_serve:
        return 0
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"serving on http://{host}:{port}")
    serve(settings, host=host, port=port, workers=settings.workers)
    return 0
