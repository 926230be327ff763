"""Alembic's comparison of the database with the target, limited to what xrm manages.

Alembic knows each database's reflection quirks (how SQLite reports a UUID, how
PostgreSQL names a unique index), so a freshly migrated database compares equal.
Only entity tables are compared: those of the target, and those the last applied
snapshot says xrm created. The platform's own tables belong to the Alembic
revisions, and any other table in the database belongs to someone else.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from xrm.platform.storage.system_tables import ALEMBIC_VERSION_TABLE
from xrm.platform.storage.tables import StorageModel

from .history import Snapshot
from .renames import Renames, in_live_names

#: One of Alembic's differences, e.g. ``("add_column", schema, table, column)``.
Diff = tuple[Any, ...]


def compare(
    connection: Connection, storage: StorageModel, renames: Renames, snapshot: Snapshot
) -> list[Diff]:
    """Alembic's differences between the database and ``storage``, in current names."""
    target = in_live_names(storage.metadata, renames)
    managed = {renames.live_table(name) for name in storage.managed_table_names()}
    considered = managed | set(snapshot.tables)

    def include_name(name: str | None, type_: str, parent_names: object) -> bool:
        # Reflected side: tables xrm manages or created, never anyone else's.
        return name in considered if type_ == "table" else True

    def include_object(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        # Model side: the system tables are only there to resolve foreign keys.
        return name in managed if type_ == "table" and not reflected else True

    context = MigrationContext.configure(
        connection,
        opts={
            "include_name": include_name,
            "include_object": include_object,
            "compare_type": True,
            "compare_server_default": False,
            "version_table": ALEMBIC_VERSION_TABLE,
        },
    )
    flat: list[Diff] = []
    for diff in compare_metadata(context, target):
        flat.extend(diff if isinstance(diff, list) else [diff])
    return flat
