"""Alembic environment for the platform's system tables.

xrm runs Alembic itself (see :mod:`xrm.platform.migrate.system`), handing over the
connection it is migrating in ``config.attributes["connection"]``, so the system
tables are upgraded in the same transaction as the entity tables. Without a
connection (``--sql``) it renders the SQL for ``config.attributes["dialect_name"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from xrm.platform.storage.system_tables import ALEMBIC_VERSION_TABLE, build_system_tables

target_metadata = MetaData()
build_system_tables(target_metadata)


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Autogenerate (for writing new revisions) looks at the system tables only."""
    if type_ == "table":
        return name in target_metadata.tables
    return True


def run_offline() -> None:
    context.configure(
        dialect_name=context.config.attributes.get("dialect_name", "postgresql"),
        target_metadata=target_metadata,
        version_table=ALEMBIC_VERSION_TABLE,
        literal_binds=True,
        include_name=_include_name,
        # xrm wraps these statements and the entity tables' in one transaction itself.
        transactional_ddl=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=ALEMBIC_VERSION_TABLE,
        include_name=_include_name,
    )
    # Inside the caller's transaction this is a no-op: the caller commits or rolls back.
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    given = context.config.attributes.get("connection")
    if not isinstance(given, Connection):
        raise RuntimeError(
            "migrations/env.py needs the connection to migrate in "
            "config.attributes['connection']; run the platform's migrations with "
            "`xrm migrate`, which upgrades the system tables in its own transaction"
        )
    run_online(given)
