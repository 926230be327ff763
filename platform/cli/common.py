"""Helpers every subcommand shares: user errors, loading solutions, opening the database."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Engine, make_url

from xrm.metamodel.errors import MetamodelErrors
from xrm.metamodel.registry import load_registry
from xrm.platform.settings import Settings
from xrm.platform.storage.engine import create_engine
from xrm.platform.storage.tables import StorageModel, build_storage


class UserError(Exception):
    """A problem to report on stderr (exit status 1), already worded for the user."""


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


def current_user() -> str:
    """Who runs the command, for the audit of applied metadata versions."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return "xrm"
