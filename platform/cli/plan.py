"""``xrm plan PATH… [--sql]``: what ``xrm migrate`` would do to the database, in order.

Reads only. Exit status 1 when the metadata is invalid, the database cannot be
reached, or existing data blocks an operation (the plan is still printed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine, make_url

from xrm.metamodel.errors import MetamodelErrors
from xrm.metamodel.registry import load_registry
from xrm.platform.migrate import plan_migration, render_sql
from xrm.platform.migrate.plan import explain
from xrm.platform.settings import Settings
from xrm.platform.storage.engine import create_engine
from xrm.platform.storage.tables import StorageModel, build_storage


class UserError(Exception):
    """A problem to report on stderr (exit status 1), already worded for the user."""


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


def load_storage(paths: Sequence[Path]) -> StorageModel:
    try:
        return build_storage(load_registry(paths))
    except MetamodelErrors as exc:
        raise UserError(exc.render()) from exc


def open_database() -> tuple[Engine, str]:
    """The engine for ``XRM_DATABASE_URL`` and the URL to show (password hidden)."""
    try:
        url = Settings().database_url
    except ValidationError as exc:
        raise UserError(f"invalid XRM_* setting: {exc}") from exc
    try:
        shown = make_url(url).render_as_string(hide_password=True)
        return create_engine(url), shown
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise UserError(
            f"XRM_DATABASE_URL is not a database URL xrm can use: {exc} "
            "(expected e.g. sqlite:///var/xrm.db or postgresql://user@host/db)"
        ) from exc


def database_error(exc: sa.exc.SQLAlchemyError, url: str, doing: str) -> UserError:
    reason = getattr(exc, "orig", None) or exc
    return UserError(f"{url}: {doing} failed: {str(reason).strip()}")


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
