"""``xrm plan PATH… [--sql]``: what ``xrm migrate`` would do to the database, in order.

Reads only. Exit status 1 when the metadata is invalid, the database cannot be
reached, or existing data blocks an operation (the plan is still printed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from xrm.platform.migrate import plan_migration, render_sql
from xrm.platform.migrate.plan import explain

from .common import UserError, database_error, load_storage, open_database


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "plan",
        help="show what migrate would change in the database",
        description="Compare the database (XRM_DATABASE_URL) with the solution folders and "
        "print the changes `xrm migrate` would make, in order. Changes nothing.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="solution folder")
    parser.add_argument(
        "--sql", action="store_true", help="also print the exact SQL for this database"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        storage = load_storage(args.paths)
        engine, url = open_database()
        try:
            with engine.connect() as connection:
                plan = plan_migration(connection, storage)
                sql = render_sql(connection, plan) if args.sql and not plan.empty else ""
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc, url, "planning") from exc
        finally:
            engine.dispose()
    except UserError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(plan.render())
    if sql:
        print()
        print(sql, end="")
    if not plan.empty:
        print(f"\n{plan.summary()}")
    if blocked := plan.blocked():
        print(
            f"{len(blocked)} step{'s' if len(blocked) != 1 else ''} cannot run until the data "
            "or the metadata changes:\n"
            + "\n".join(f"  {explain(op, plan.dialect)}" for op in blocked),
            file=sys.stderr,
        )
        return 1
    if plan.destructive():
        print("destructive steps need `xrm migrate --allow-data-loss`", file=sys.stderr)
    return 0
