"""The exact SQL a plan runs, for ``xrm plan --sql``.

The statements come from the same code that applies the plan
(:func:`.execute.execute`), so what is shown is what runs:

* PostgreSQL: Alembic's offline mode writes each statement instead of running it.
* SQLite: batch mode must read the table it copies, which offline mode cannot, so
  the plan runs against an empty in-memory copy of the schema and the statements
  it sends are recorded. The real database is not touched.
"""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from xrm.platform.storage.engine import create_engine, is_sqlite
from xrm.platform.storage.system_tables import ALEMBIC_VERSION_TABLE

from .apply import MIGRATION_LOCK, migration_connection
from .execute import execute
from .plan import Plan
from .system import current_revisions, system_tables_sql, upgrade_system_tables

#: Statements SQLite batch mode and Alembic send to read the schema, not to change it.
_READS = ("SELECT", "PRAGMA", "BEGIN")


def render_sql(connection: Connection, plan: Plan) -> str:
    """Every statement ``plan`` runs, in order, ending with ``;``."""
    if is_sqlite(connection):
        return _sqlite_sql(connection, plan)
    return _offline_sql(connection, plan)


#: Closing note: the bookkeeping row is not part of the schema change itself.
_RECORD = "-- and the version row in xrm_metadata_version (what ran, by whom, when)\n"


def _offline_sql(connection: Connection, plan: Plan) -> str:
    lock = sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK))
    parts = ["BEGIN;\n", f"{lock.compile(compile_kwargs={'literal_binds': True})};\n"]
    if plan.system_revisions:
        parts.append(system_tables_sql(plan.dialect.name, current_revisions(connection)))
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name=plan.dialect.name,
        opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
    )
    ops = Operations(context)
    for op in plan.operations:
        execute(ops, op)
    parts.append(buffer.getvalue())
    parts.append(_RECORD)
    parts.append("COMMIT;\n")
    return "\n".join(p.strip("\n") + "\n" for p in parts if p.strip())


def _copy_schema(source: Connection, shadow: Connection) -> None:
    """The same tables and indexes (no rows, except Alembic's version) in ``shadow``."""
    master = sa.table("sqlite_master", sa.column("type"), sa.column("name"), sa.column("sql"))
    rows = source.execute(
        sa.select(master.c.type, master.c.sql)
        .where(master.c.sql.is_not(None), ~master.c.name.startswith("sqlite_"))
        .order_by(sa.case((master.c.type == "table", 0), else_=1))
    ).all()
    for row in rows:
        shadow.exec_driver_sql(row.sql)
    if sa.inspect(source).has_table(ALEMBIC_VERSION_TABLE):
        version = sa.table(ALEMBIC_VERSION_TABLE, sa.column("version_num"))
        for (revision,) in source.execute(sa.select(version.c.version_num)):
            shadow.execute(sa.insert(version).values(version_num=revision))


def _sqlite_sql(connection: Connection, plan: Plan) -> str:
    statements: list[str] = []

    def capture(
        conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        text = statement.strip()
        if text.upper().startswith(_READS):
            return
        if parameters:
            text += f"  -- parameters: {tuple(parameters)!r}"
        statements.append(text)

    shadow = create_engine("sqlite://", poolclass=sa.StaticPool)
    try:
        with migration_connection(shadow) as copy:
            _copy_schema(connection, copy)
            sa.event.listen(copy, "before_cursor_execute", capture)
            if plan.system_revisions:
                upgrade_system_tables(copy)
            ops = Operations(MigrationContext.configure(copy))
            for op in plan.operations:
                execute(ops, op)
            sa.event.remove(copy, "before_cursor_execute", capture)
    finally:
        shadow.dispose()
    body = "".join(f"{s};\n\n" for s in statements)
    return (
        "PRAGMA foreign_keys = OFF;\n\nBEGIN;\n\n"
        + body
        + _RECORD
        + "\nPRAGMA foreign_key_check;\n\nCOMMIT;\n\nPRAGMA foreign_keys = ON;\n"
    )
