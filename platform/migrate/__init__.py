"""Schema migrations: compare the database with the metadata, show the plan, apply it.

The public API::

    plan = plan_migration(connection, storage)   # read-only; plan.render(), render_sql(...)
    with migration_connection(engine) as connection:
        apply_plan(connection, plan, allow_data_loss=False, applied_by="alice")
    migrate(engine, storage)                      # both at once, in one transaction
"""

from .apply import apply_plan, migrate, migration_connection
from .diff import plan_migration
from .errors import BlockedByData, DataLossRefused, MigrationError, PlanOutdated
from .history import applied_registry, applied_version
from .plan import Plan
from .sql import render_sql

__all__ = [
    "BlockedByData",
    "DataLossRefused",
    "MigrationError",
    "Plan",
    "PlanOutdated",
    "applied_registry",
    "applied_version",
    "apply_plan",
    "migrate",
    "migration_connection",
    "plan_migration",
    "render_sql",
]
