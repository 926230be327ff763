"""Registry -> SQLAlchemy MetaData: real tables, columns, keys and indexes (a pure function).

The same Registry always gives the same tables with the same constraint names, on
SQLite and PostgreSQL alike, so migrations can compare them with the live database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.ddl import sort_tables_and_constraints

from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import EntityDef, FieldDef, ManyToManyRelation
from xrm.metamodel.types import FieldKind, OnDelete

from . import naming
from .columns import ColumnSet, columns_for, foreign_key
from .system_tables import SystemTables, build_system_tables

#: System fields the platform always fills in, so their columns are NOT NULL.
_ALWAYS_SET = frozenset({"created_at", "modified_at", "version"})
#: Kinds whose columns get an index automatically (joins, on-delete checks).
_REFERENCE_KINDS = frozenset({FieldKind.LOOKUP, FieldKind.POLYMORPHIC_LOOKUP, FieldKind.FILE})


@dataclass(frozen=True)
class Junction:
    """The generated table behind a many-to-many relation."""

    entity: str
    relation: str
    target: str
    table: sa.Table
    #: Fields stored on each link.
    fields: Mapping[str, FieldDef]

    @property
    def source_column(self) -> sa.Column[Any]:
        return self.table.c.source

    @property
    def target_column(self) -> sa.Column[Any]:
        return self.table.c.target


@dataclass(frozen=True)
class StorageModel:
    """The tables of one Registry, and which columns store which field."""

    registry: Registry
    metadata: sa.MetaData
    system: SystemTables
    tables: Mapping[str, sa.Table]
    field_columns: Mapping[tuple[str, str], ColumnSet]
    junctions: Mapping[tuple[str, str], Junction]

    def table(self, entity: str) -> sa.Table:
        try:
            return self.tables[entity]
        except KeyError:
            self.registry.entity(entity)  # raises with a suggestion
            raise

    def columns(self, entity: str, field: str) -> ColumnSet | None:
        """The columns storing ``field`` (None for formulas and rollups)."""
        self.registry.field(entity, field)
        return self.field_columns.get((entity, field))

    def column(self, entity: str, field: str) -> sa.Column[Any]:
        if field == "id":
            return self.table(entity).c.id
        found = self.columns(entity, field)
        if found is None:
            raise KeyError(f"{entity}.{field} is computed and has no column")
        return found.primary

    def junction(self, entity: str, relation: str) -> Junction:
        return self.junctions[(entity, relation)]

    def managed_table_names(self) -> frozenset[str]:
        """Names of the tables generated from metadata (not the system tables)."""
        return frozenset(
            [t.name for t in self.tables.values()] + [j.table.name for j in self.junctions.values()]
        )


def _field_columns(table_name: str, name: str, field: FieldDef) -> ColumnSet | None:
    found = columns_for(table_name, name, field)
    if found is None:
        return None
    if name in _ALWAYS_SET:
        primary = found.primary
        rebuilt = sa.Column(primary.name, primary.type, nullable=False)
        return ColumnSet((rebuilt, *found.columns[1:]))
    return found


def _entity_table(
    metadata: sa.MetaData, entity: EntityDef, field_columns: dict[tuple[str, str], ColumnSet]
) -> sa.Table:
    name = naming.entity_table(entity.entity)
    columns: list[sa.Column[Any]] = [sa.Column("id", sa.Uuid(), nullable=False)]
    indexes: list[sa.Index] = []
    for field_name, field in entity.fields.items():
        found = _field_columns(name, field_name, field)
        if found is None:
            continue
        field_columns[(entity.entity, field_name)] = found
        columns.extend(found.columns)
        if field.type in _REFERENCE_KINDS:
            for column in found.columns:
                indexes.append(sa.Index(naming.index_name(name, [column.name]), column.name))
        elif field.unique or field.type is FieldKind.AUTONUMBER:
            primary = found.primary.name
            indexes.append(
                sa.Index(naming.index_name(name, [primary], unique=True), primary, unique=True)
            )
        elif field.indexed or field.searchable:
            primary = found.primary.name
            indexes.append(sa.Index(naming.index_name(name, [primary]), primary))
    for index in entity.indexes:
        column_names = [
            "id" if f == "id" else field_columns[(entity.entity, f)].primary.name
            for f in index.fields
        ]
        index_name = index.name or naming.index_name(name, column_names, unique=index.unique)
        indexes.append(sa.Index(index_name, *column_names, unique=index.unique))
    unique_indexes = {str(index.name): index for index in indexes}
    return sa.Table(
        name,
        metadata,
        *columns,
        sa.PrimaryKeyConstraint("id", name=naming.primary_key_name(name)),
        *unique_indexes.values(),
    )


def _junction(
    metadata: sa.MetaData, entity: str, relation_name: str, relation: ManyToManyRelation
) -> Junction:
    name = naming.junction_table(entity, relation_name)
    columns: list[sa.Column[Any]] = [
        sa.Column(
            "source",
            sa.Uuid(),
            foreign_key(name, "source", entity, OnDelete.CASCADE),
            nullable=False,
        ),
        sa.Column(
            "target",
            sa.Uuid(),
            foreign_key(name, "target", relation.target, OnDelete.CASCADE),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    ]
    for field_name, field in relation.fields.items():
        found = columns_for(name, field_name, field)
        if found is not None:
            columns.extend(found.columns)
    table = sa.Table(
        name,
        metadata,
        *columns,
        sa.PrimaryKeyConstraint("source", "target", name=naming.primary_key_name(name)),
        sa.Index(naming.index_name(name, ["target"]), "target"),
    )
    return Junction(
        entity, relation_name, relation.target, table, MappingProxyType(relation.fields)
    )


def _mark_cycles(tables: list[sa.Table]) -> None:
    """Foreign keys that close a cycle (account <-> contact) are added after the tables."""
    for table, constraints in sort_tables_and_constraints(tables):  # type: ignore[no-untyped-call]
        if table is None:
            for constraint in constraints:
                constraint.use_alter = True


def build_storage(registry: Registry) -> StorageModel:
    """The tables for ``registry``. Pure: same registry, same tables and names."""
    metadata = sa.MetaData()
    system = build_system_tables(metadata)
    field_columns: dict[tuple[str, str], ColumnSet] = {}
    tables: dict[str, sa.Table] = {}
    for entity in registry.entities.values():
        tables[entity.entity] = _entity_table(metadata, entity, field_columns)
    junctions: dict[tuple[str, str], Junction] = {}
    for entity_name, relation_name, relation in registry.many_to_many():
        junctions[(entity_name, relation_name)] = _junction(
            metadata, entity_name, relation_name, relation
        )
    _mark_cycles([*tables.values(), *(j.table for j in junctions.values())])
    return StorageModel(
        registry=registry,
        metadata=metadata,
        system=system,
        tables=MappingProxyType(tables),
        field_columns=MappingProxyType(field_columns),
        junctions=MappingProxyType(junctions),
    )
