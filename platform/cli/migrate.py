"""``xrm migrate PATH… [--allow-data-loss]``: apply the plan in one transaction.

Everything or nothing: the system tables, the entity tables and the recorded
metadata version change together, or the database is left exactly as it was.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from xrm.platform.migrate import MigrationError, migrate

from .common import UserError, current_user, database_error, load_storage, open_database


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "migrate",
        help="bring the database in line with the solution folders",
        description="Plan and apply the changes to the database (XRM_DATABASE_URL) in one "
        "transaction. Steps that would lose data are refused without --allow-data-loss.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="solution folder")
    parser.add_argument(
        "--allow-data-loss",
        action="store_true",
        help="also run steps that drop tables or columns holding data, or round values",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        storage = load_storage(args.paths)
        engine, url = open_database()
        try:
            plan = migrate(
                engine,
                storage,
                allow_data_loss=args.allow_data_loss,
                applied_by=current_user(),
            )
        except MigrationError as exc:
            raise UserError(str(exc)) from exc
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc, url, "migrating (nothing was applied)") from exc
        finally:
            engine.dispose()
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(plan.render())
    if not plan.empty:
        print(f"\napplied {plan.summary()}")
    print(f"database at metadata version {plan.version[:12]}")
    return 0
