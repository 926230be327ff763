"""Apply a plan in ONE transaction, or nothing at all.

The system tables are upgraded (Alembic) first, then the plan's operations run in
order, then the metadata version is recorded — all on one connection, in one
transaction: PostgreSQL has transactional DDL, and so has SQLite with our engine
(we issue BEGIN ourselves). Any failure rolls everything back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine

from xrm.platform.storage.engine import WRITE, is_sqlite
from xrm.platform.storage.tables import StorageModel

from .diff import plan_migration
from .errors import BlockedByData, DataLossRefused, MigrationError, PlanOutdated
from .execute import execute
from .history import record
from .operations import Operation
from .plan import Plan, describe, explain, signature
from .system import upgrade_system_tables

#: Called after each operation ran, with its 1-based position (tests inject failures here).
OnOperation = Callable[[int, Operation], None]
#: PostgreSQL advisory lock held by a migration ("xrmm"): concurrent migrations queue up.
MIGRATION_LOCK = 0x78726D6D


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # Must run outside a transaction (SQLite ignores it inside one), so it goes
    # straight to the driver: SQLAlchemy would begin a transaction first.
    driver: Any = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys = ON" if on else "PRAGMA foreign_keys = OFF")


def _sqlite_foreign_key_violations(connection: Connection) -> list[str]:
    rows = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    return [f"{row[0]} row {row[1]} -> {row[2]}" for row in rows]


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a write transaction, ready for :func:`apply_plan`; commits on success.

    Migrations queue behind each other (an advisory lock on PostgreSQL, the write lock
    on SQLite), so the second of two concurrent ``migrate`` calls plans afresh. On
    SQLite, foreign key enforcement is switched off for the transaction (copying a
    table must not fire ON DELETE actions) and every key is checked before commit.
    """
    with engine.connect() as connection:
        connection.execution_options(**{WRITE: True})
        sqlite = is_sqlite(connection)
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":  # SQLite: BEGIN IMMEDIATE
                    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
                yield connection
                if sqlite and (violations := _sqlite_foreign_key_violations(connection)):
                    raise MigrationError(
                        "the migration would leave rows pointing at missing records; "
                        "nothing was applied:\n  " + "\n  ".join(violations[:20])
                    )
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)


def refuse(plan: Plan, *, allow_data_loss: bool) -> None:
    """Raise unless every operation of ``plan`` may run as asked."""
    if blocked := plan.blocked():
        raise BlockedByData(
            f"{len(blocked)} operation{'s are' if len(blocked) != 1 else ' is'} "
            "blocked by existing data",
            [explain(op, plan.dialect) for op in blocked],
            "change the data or the metadata as suggested, then plan again",
        )
    if not allow_data_loss and (destructive := plan.destructive()):
        raise DataLossRefused(
            f"{len(destructive)} operation{'s' if len(destructive) != 1 else ''} would lose data",
            [explain(op, plan.dialect) for op in destructive],
            "review them; to go ahead, migrate again with --allow-data-loss (allow_data_loss=True)",
        )


def _check_current(given: Plan, current: Plan) -> None:
    if given.version != current.version or [
        signature(op, given.dialect) for op in given.operations
    ] != [signature(op, current.dialect) for op in current.operations]:
        raise PlanOutdated(
            "the database or the metadata changed since this plan was made; "
            "nothing was applied. Plan again and review the new plan:\n" + current.render()
        )


def apply_plan(
    connection: Connection,
    plan: Plan,
    *,
    allow_data_loss: bool = False,
    applied_by: str = "xrm",
    on_operation: OnOperation | None = None,
    verify: bool = True,
) -> Plan:
    """Run ``plan`` inside ``connection``'s transaction (see :func:`migration_connection`).

    With ``verify`` the plan is made again inside the transaction and must match, so
    a reviewed plan is exactly what runs. Returns the plan that ran.
    """
    if not connection.in_transaction():
        raise RuntimeError("apply_plan needs a transaction: use migration_connection(engine)")
    if is_sqlite(connection) and connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "apply_plan on SQLite needs foreign key enforcement off: "
            "use migration_connection(engine)"
        )
    upgrade_system_tables(connection)
    current = plan
    if verify:
        current = plan_migration(connection, plan.storage)
        _check_current(plan, current)
    refuse(current, allow_data_loss=allow_data_loss)
    ops = Operations(MigrationContext.configure(connection))
    for position, op in enumerate(current.operations, start=1):
        execute(ops, op)
        if on_operation is not None:
            on_operation(position, op)
    if current.operations or current.applied_version != current.version:
        record(
            connection,
            current.storage,
            operations=[
                {"operation": op.kind, "table": op.table, "text": describe(op, current.dialect)}
                for op in current.operations
            ],
            applied_by=applied_by,
        )
    return current


def migrate(
    engine: Engine,
    storage: StorageModel,
    *,
    allow_data_loss: bool = False,
    applied_by: str = "xrm",
    on_operation: OnOperation | None = None,
) -> Plan:
    """Plan and apply in one transaction; returns the plan that ran (``xrm migrate``, tests)."""
    with migration_connection(engine) as connection:
        plan = plan_migration(connection, storage)
        return apply_plan(
            connection,
            plan,
            allow_data_loss=allow_data_loss,
            applied_by=applied_by,
            on_operation=on_operation,
            verify=False,
        )
