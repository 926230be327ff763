"""The platform's own tables (``xrm_*``): upgraded by Alembic inside the caller's transaction.

Alembic is run programmatically with the migration's connection, so the system
tables and the entity tables change in one transaction. The revisions are found
next to the installed package (``xrm/migrations``), so this works from a wheel.
"""

from __future__ import annotations

import io
from importlib.resources import files
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from xrm.platform.storage.system_tables import ALEMBIC_VERSION_TABLE


def migrations_dir() -> Path:
    """The folder holding ``env.py`` and ``versions/`` in the installed package."""
    return Path(str(files("xrm.migrations")))


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration without an ini file, bound to ``connection`` if given."""
    config = Config(output_buffer=io.StringIO())
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError(f"no Alembic revisions found in {migrations_dir()}")
    return head


def current_revisions(connection: Connection) -> tuple[str, ...]:
    """The revisions the database is at (empty for a database xrm never touched)."""
    context = MigrationContext.configure(connection, opts={"version_table": ALEMBIC_VERSION_TABLE})
    return tuple(sorted(context.get_current_heads()))


def pending_revisions(connection: Connection) -> tuple[str, ...]:
    """Revisions ``upgrade_system_tables`` would apply, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revisions(connection)
    lower = current[0] if len(current) == 1 else "base"
    return tuple(reversed([s.revision for s in script.iterate_revisions("heads", lower)]))


def upgrade_system_tables(connection: Connection) -> None:
    """Bring the system tables to the newest revision, in ``connection``'s transaction."""
    command.upgrade(alembic_config(connection), "heads")


def system_tables_sql(dialect_name: str, current: tuple[str, ...]) -> str:
    """The SQL ``upgrade_system_tables`` runs from ``current``, for ``dialect_name``."""
    config = alembic_config()
    config.attributes["dialect_name"] = dialect_name
    start = f"{current[0]}:heads" if len(current) == 1 else "heads"
    command.upgrade(config, start, sql=True)
    buffer = config.output_buffer
    assert isinstance(buffer, io.StringIO)
    return buffer.getvalue()
