"""Renames declared with ``renamed_from``, and the target expressed in the database's names.

A renamed entity or field must keep its rows, so it becomes a rename rather than a
drop and an add. To compare everything else, the target tables are rebuilt under
the names the database has *now*: Alembic's comparison then reports only the real
differences, which the diff maps back to the new names (renames run first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Inspector

from xrm.platform.storage import naming
from xrm.platform.storage.columns import columns_for
from xrm.platform.storage.tables import StorageModel

from .history import Snapshot


@dataclass(frozen=True)
class Renames:
    """New name -> the name the database has now, for renamed tables and columns."""

    tables: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: (new table, new column) -> current column name.
    columns: Mapping[tuple[str, str], str] = field(default_factory=lambda: MappingProxyType({}))

    def __bool__(self) -> bool:
        return bool(self.tables or self.columns)

    def live_table(self, table: str) -> str:
        return self.tables.get(table, table)

    def live_column(self, table: str, column: str) -> str:
        return self.columns.get((table, column), column)

    def new_table(self, live: str) -> str:
        for new, old in self.tables.items():
            if old == live:
                return new
        return live

    def new_column(self, table: str, live: str) -> str:
        """``table`` is the new table name; ``live`` the column's current name."""
        for (new_table, new_column), old in self.columns.items():
            if new_table == table and old == live:
                return new_column
        return live


def _field_column_names(table: str, name: str, definition: Any) -> list[str]:
    found = columns_for(table, name, definition)
    return [] if found is None else [c.name for c in found.columns]


def find_renames(storage: StorageModel, inspector: Inspector, snapshot: Snapshot) -> Renames:
    """The renames to run: old name still in the database (and xrm's), new name not yet."""
    live = set(inspector.get_table_names())
    registry = storage.registry
    tables: dict[str, str] = {}

    def consider_table(new: str, old: str) -> None:
        if new not in live and old in live and snapshot.table(old) is not None:
            tables[new] = old

    for entity in registry.entities.values():
        if entity.renamed_from is not None:
            consider_table(
                naming.entity_table(entity.entity), naming.entity_table(entity.renamed_from)
            )
    for entity_name, relation_name, _ in registry.many_to_many():
        old_entity = registry.entity(entity_name).renamed_from
        if old_entity is not None:
            consider_table(
                naming.junction_table(entity_name, relation_name),
                naming.junction_table(old_entity, relation_name),
            )

    # (new table, field name, definition) for every stored field, junction fields included.
    fields: list[tuple[str, str, Any]] = []
    for entity in registry.entities.values():
        table = storage.table(entity.entity).name
        fields.extend((table, name, definition) for name, definition in entity.fields.items())
    for junction in storage.junctions.values():
        fields.extend(
            (junction.table.name, name, definition) for name, definition in junction.fields.items()
        )

    columns: dict[tuple[str, str], str] = {}
    live_columns: dict[str, set[str]] = {}
    for table, name, definition in fields:
        old_field = definition.renamed_from
        if old_field is None:
            continue
        live_table = tables.get(table, table)
        owned = snapshot.table(live_table)
        if live_table not in live or owned is None:
            continue
        if live_table not in live_columns:
            live_columns[live_table] = {c["name"] for c in inspector.get_columns(live_table)}
        present = live_columns[live_table]
        new_names = _field_column_names(table, name, definition)
        old_names = _field_column_names(table, old_field, definition)
        for new, old in zip(new_names, old_names, strict=True):
            if new not in present and old in present and old in owned.columns:
                columns[(table, new)] = old
    return Renames(MappingProxyType(tables), MappingProxyType(columns))


def in_live_names(metadata: sa.MetaData, renames: Renames) -> sa.MetaData:
    """A copy of ``metadata`` whose renamed tables and columns carry their current names.

    Constraint and index names are kept: those that embed an old name then show up
    as a drop of the old one and a create of the new one.
    """
    if not renames:
        return metadata
    live = sa.MetaData()
    for table in metadata.tables.values():
        name = table.name

        def col(column: str, _table: str = name) -> str:
            return renames.live_column(_table, column)

        items: list[Any] = [
            sa.Column(col(c.name), c.type, nullable=c.nullable, autoincrement=c.autoincrement)
            for c in table.columns
        ]
        key_name = table.primary_key.name
        items.append(
            sa.PrimaryKeyConstraint(
                *[col(c.name) for c in table.primary_key.columns],
                name=str(key_name) if key_name else None,
            )
        )
        for fk in table.foreign_key_constraints:
            target = fk.referred_table.name
            items.append(
                sa.ForeignKeyConstraint(
                    [col(c) for c in fk.column_keys],
                    [
                        f"{renames.live_table(target)}.{renames.live_column(target, e.column.name)}"
                        for e in fk.elements
                    ],
                    name=fk.name,
                    ondelete=fk.ondelete,
                    use_alter=fk.use_alter,
                )
            )
        items.extend(
            sa.Index(index.name, *[col(c.name) for c in index.columns], unique=index.unique)
            for index in table.indexes
        )
        sa.Table(renames.live_table(name), live, *items)
    return live
