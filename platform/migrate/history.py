"""What xrm applied before: one ``xrm_metadata_version`` row per applied metadata version.

The newest row's snapshot says which tables, columns, indexes and foreign keys xrm
created. Planning only ever drops what is in it, so tables and columns someone else
put in the same database are left alone.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.metamodel.registry import Registry
from xrm.metamodel.serialize import registry_from_json, registry_to_json
from xrm.platform.storage.system_tables import build_system_tables
from xrm.platform.storage.tables import StorageModel


@dataclass(frozen=True)
class TableSnapshot:
    columns: frozenset[str] = frozenset()
    indexes: frozenset[str] = frozenset()
    foreign_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Snapshot:
    """The managed tables and what is in them, by name."""

    tables: Mapping[str, TableSnapshot] = field(default_factory=lambda: MappingProxyType({}))

    def table(self, name: str) -> TableSnapshot | None:
        return self.tables.get(name)

    def to_json(self) -> str:
        return json.dumps(
            {
                name: {
                    "columns": sorted(t.columns),
                    "indexes": sorted(t.indexes),
                    "foreign_keys": sorted(t.foreign_keys),
                }
                for name, t in sorted(self.tables.items())
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Snapshot:
        data: dict[str, dict[str, list[str]]] = json.loads(text) if text else {}
        return cls(
            MappingProxyType(
                {
                    name: TableSnapshot(
                        frozenset(entry.get("columns", ())),
                        frozenset(entry.get("indexes", ())),
                        frozenset(entry.get("foreign_keys", ())),
                    )
                    for name, entry in data.items()
                }
            )
        )


def snapshot_of(storage: StorageModel) -> Snapshot:
    """What xrm owns once ``storage`` is applied: its managed tables, nothing else."""
    tables: dict[str, TableSnapshot] = {}
    for name in storage.managed_table_names():
        table = storage.metadata.tables[name]
        tables[name] = TableSnapshot(
            frozenset(c.name for c in table.columns),
            frozenset(str(i.name) for i in table.indexes),
            frozenset(str(f.name) for f in table.foreign_key_constraints),
        )
    return Snapshot(MappingProxyType(tables))


@dataclass(frozen=True)
class AppliedVersion:
    version: str
    applied_at: dt.datetime
    applied_by: str
    snapshot: Snapshot


def last_applied(connection: Connection, storage: StorageModel) -> AppliedVersion | None:
    """The newest recorded version, or None before the first ``migrate``."""
    table = storage.system.metadata_version
    if not sa.inspect(connection).has_table(table.name):
        return None
    row = connection.execute(
        sa.select(table.c.version, table.c.applied_at, table.c.applied_by, table.c.snapshot)
        .order_by(table.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return AppliedVersion(
        row.version, row.applied_at, row.applied_by, Snapshot.from_json(row.snapshot)
    )


def record(
    connection: Connection,
    storage: StorageModel,
    *,
    operations: Sequence[Mapping[str, Any]],
    applied_by: str,
) -> None:
    """Write the version row for ``storage`` (inside the migration's transaction)."""
    registry = storage.registry
    connection.execute(
        sa.insert(storage.system.metadata_version).values(
            version=registry.version,
            applied_at=dt.datetime.now(dt.UTC),
            applied_by=applied_by,
            operations=json.dumps(list(operations), ensure_ascii=False),
            solutions=json.dumps(
                [{"name": s.name, "version": s.version} for s in registry.solutions]
            ),
            snapshot=snapshot_of(storage).to_json(),
            registry=registry_to_json(registry),
        )
    )


def applied_version(connection: Connection) -> str | None:
    """The newest applied metadata version hash: one cheap indexed query."""
    table = build_system_tables(sa.MetaData()).metadata_version
    if not sa.inspect(connection).has_table(table.name):
        return None
    return connection.execute(
        sa.select(table.c.version).order_by(table.c.id.desc()).limit(1)
    ).scalar_one_or_none()


def applied_registry(connection: Connection) -> Registry | None:
    """The Registry of the newest applied version, rebuilt from the database."""
    table = build_system_tables(sa.MetaData()).metadata_version
    if not sa.inspect(connection).has_table(table.name):
        return None
    text = connection.execute(
        sa.select(table.c.registry).order_by(table.c.id.desc()).limit(1)
    ).scalar_one_or_none()
    return None if text is None else registry_from_json(text)
