"""Compare the live database with the StorageModel and produce the ordered operations.

Renames are found first (:mod:`.renames`), so renamed things are never dropped and
re-added; Alembic then reports the remaining differences (:mod:`.compare`), which
become operations here. Drops are only proposed for what the last applied snapshot
says xrm created. Every operation gets its data check here, against the rows as
they are now, and the operations are put in the one order that works.
"""

from __future__ import annotations

import graphlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.platform.storage.engine import is_sqlite
from xrm.platform.storage.tables import StorageModel

from . import checks
from .compare import Diff, compare
from .fields import backfill_value, fields_by_column
from .history import Snapshot, last_applied
from .operations import (
    AddColumn,
    AddForeignKey,
    AlterColumnType,
    AlterNullable,
    ColumnSpec,
    CreateIndex,
    CreateTable,
    DataCheck,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    ForeignKeySpec,
    IndexSpec,
    Operation,
    Outcome,
    RenameColumn,
    RenameForeignKey,
    RenameIndex,
    RenameTable,
)
from .plan import Plan
from .renames import Renames, find_renames
from .system import pending_revisions

#: The order operations run in: renames first (everything after uses the new names),
#: then removals (freeing names, dependents before what they depend on), then
#: creations, changes, and the indexes and keys that need the columns in place.
PHASES: tuple[type[Operation], ...] = (
    RenameTable,
    RenameColumn,
    RenameForeignKey,
    DropForeignKey,
    DropIndex,
    RenameIndex,
    DropColumn,
    DropTable,
    CreateTable,
    AddColumn,
    AlterColumnType,
    AlterNullable,
    CreateIndex,
    AddForeignKey,
)


def plan_migration(connection: Connection, storage: StorageModel) -> Plan:
    """What it takes to bring the database behind ``connection`` to ``storage``; reads only."""
    applied = last_applied(connection, storage)
    snapshot = applied.snapshot if applied is not None else Snapshot()
    renames = find_renames(storage, sa.inspect(connection), snapshot)
    diffs = compare(connection, storage, renames, snapshot)
    planner = _Planner(connection, storage, renames, snapshot)
    return Plan(
        storage=storage,
        dialect=connection.dialect,
        operations=planner.plan(diffs),
        system_revisions=pending_revisions(connection),
        applied_version=applied.version if applied is not None else None,
    )


def _foreign_key_spec(key: sa.ForeignKeyConstraint, renames: Renames) -> ForeignKeySpec:
    """A key of the model, or one reflected from the database (names mapped to new ones)."""
    table = renames.new_table(key.table.name)
    targets = [element.target_fullname.rsplit(".", 1) for element in key.elements]
    target = renames.new_table(targets[0][0])
    return ForeignKeySpec(
        name=str(key.name),
        columns=tuple(renames.new_column(table, c) for c in key.column_keys),
        target_table=target,
        target_columns=tuple(renames.new_column(target, c) for _, c in targets),
        on_delete=key.ondelete,
    )


def dependency_order(
    depends: dict[str, set[str]], weight: Callable[[str, str], int] = lambda a, b: 1
) -> tuple[list[str], set[tuple[str, str]]]:
    """Tables after the tables they reference, and the references ignored to break cycles.

    ``depends`` maps a table to the tables it references (self-references excluded).
    A broken edge ``(a, b)`` means a's keys to b must wait until both tables exist;
    in each cycle the edge of least ``weight`` (fewest keys) is broken.
    """
    graph = {name: set(targets) - {name} for name, targets in depends.items()}
    broken: set[tuple[str, str]] = set()
    while True:
        try:
            return list(graphlib.TopologicalSorter(graph).static_order()), broken
        except graphlib.CycleError as cycle:
            nodes: list[str] = cycle.args[1]
            edges = [
                (source, target)
                for a, b in pairwise(nodes)
                for source, target in ((a, b), (b, a))
                if target in graph.get(source, set())
            ]
            source, target = min(edges, key=lambda edge: weight(*edge))
            graph[source].discard(target)
            broken.add((source, target))


class _Planner:
    """Turns Alembic's differences into operations with their data checks."""

    def __init__(
        self, connection: Connection, storage: StorageModel, renames: Renames, snapshot: Snapshot
    ) -> None:
        self.connection = connection
        self.sqlite = is_sqlite(connection)
        self.storage = storage
        self.renames = renames
        self.snapshot = snapshot
        self.fields = fields_by_column(storage)
        self.live_tables = set(sa.inspect(connection).get_table_names())
        self.added_tables: set[str] = set()
        #: live table -> live column -> backfill value (None: stays NULL).
        self.added_columns: dict[str, dict[str, Any]] = defaultdict(dict)
        self.dropped_columns: set[tuple[str, str]] = set()
        self.planned: list[tuple[tuple[int, int, str, str], Operation]] = []

    # ------------------------------------------------------------------ helpers

    def add(self, op: Operation, *, order: int = 0, name: str = "") -> None:
        self.planned.append(((PHASES.index(type(op)), order, op.table, name), op))

    def target(self, live_table: str) -> sa.Table:
        return self.storage.metadata.tables[self.renames.new_table(live_table)]

    def new_column(self, live_table: str, column: str) -> str:
        return self.renames.new_column(self.renames.new_table(live_table), column)

    def type_name(self, type_: Any) -> str:
        return str(type_.compile(dialect=self.connection.dialect))

    # --------------------------------------------------------------------- plan

    def plan(self, diffs: Sequence[Diff]) -> tuple[Operation, ...]:
        by_kind: dict[str, list[Diff]] = defaultdict(list)
        for diff in diffs:
            by_kind[diff[0]].append(diff)
        self.renamed()
        self.added_tables = {d[1].name for d in by_kind["add_table"]}
        for diff in by_kind["remove_column"]:
            self.remove_column(diff[2], diff[3])
        for diff in by_kind["add_column"]:
            self.add_column(diff[2], diff[3])
        self.remove_tables([d[1] for d in by_kind["remove_table"]])
        self.add_tables()
        self.indexes([d[1] for d in by_kind["remove_index"]], [d[1] for d in by_kind["add_index"]])
        for diff in by_kind["remove_fk"]:
            self.remove_foreign_key(diff[1])
        for diff in by_kind["add_fk"]:
            self.add_foreign_key(diff[1])
        for diff in by_kind["modify_type"]:
            self.modify_type(diff)
        for diff in by_kind["modify_nullable"]:
            self.modify_nullable(diff)
        # Not compared or not ours: server defaults and comments (xrm sets none),
        # unique constraints (xrm uses unique indexes).
        return tuple(op for _, op in sorted(self.planned, key=lambda item: item[0]))

    def renamed(self) -> None:
        inspector = sa.inspect(self.connection)
        for new, old in self.renames.tables.items():
            names = None
            if not self.sqlite:  # SQLite has no named-constraint namespace to keep tidy
                live = inspector.get_pk_constraint(old).get("name")
                wanted = self.storage.metadata.tables[new].primary_key.name
                if live and wanted and live != wanted:
                    names = (str(live), str(wanted))
            self.add(RenameTable(table=new, old_name=old, primary_key_names=names))
        for (table, column), old in self.renames.columns.items():
            self.add(RenameColumn(table=table, old_name=old, column=column), name=column)
        if not self.sqlite:  # SQLite keeps key names inside CREATE TABLE: harmless there
            touched = {*self.renames.tables, *(table for table, _ in self.renames.columns)}
            for table in sorted(touched):
                self.renamed_keys(inspector, table)

    def renamed_keys(self, inspector: sa.Inspector, table: str) -> None:
        """Keys named after an old table or column name get the new name too."""
        wanted = {
            tuple(key.column_keys): key
            for key in self.storage.metadata.tables[table].foreign_key_constraints
        }
        for live in inspector.get_foreign_keys(self.renames.live_table(table)):
            columns = tuple(
                self.new_column(self.renames.live_table(table), c)
                for c in live["constrained_columns"]
            )
            model = wanted.get(columns)
            if model is None or not live.get("name") or live["name"] == model.name:
                continue
            spec = _foreign_key_spec(model, Renames())
            self.add(
                RenameForeignKey(table=table, foreign_key=spec, old_name=str(live["name"])),
                name=spec.name,
            )

    # ------------------------------------------------------------------- tables

    def add_tables(self) -> None:
        tables = {name: self.storage.metadata.tables[name] for name in sorted(self.added_tables)}
        depends = {
            name: {k.referred_table.name for k in table.foreign_key_constraints} & set(tables)
            for name, table in tables.items()
        }

        def keys_between(source: str, target: str) -> int:
            references = tables[source].foreign_key_constraints
            return sum(1 for k in references if k.referred_table.name == target)

        order, _ = dependency_order(depends, keys_between)
        # By then the system tables exist (Alembic runs first) and renamed tables have
        # their new names.
        existing = {
            *self.live_tables,
            *(t.name for t in self.storage.system.all()),
            *self.renames.tables,
        } - set(tables)
        for position, name in enumerate(order):
            table = tables[name]
            created = existing | set(order[: position + 1])
            inline: list[ForeignKeySpec] = []
            for key in sorted(table.foreign_key_constraints, key=lambda k: str(k.name)):
                spec = _foreign_key_spec(key, self.renames)
                # SQLite checks keys on use, not on create, so they all go inline; elsewhere
                # a key to a table created later (a cycle) is added once both exist.
                if self.sqlite or key.referred_table.name in created:
                    inline.append(spec)
                else:
                    self.add(AddForeignKey(table=name, foreign_key=spec), name=spec.name)
            self.add(
                CreateTable(
                    table=name,
                    columns=tuple(ColumnSpec(c.name, c.type, bool(c.nullable)) for c in table.c),
                    primary_key=tuple(c.name for c in table.primary_key.columns),
                    primary_key_name=(
                        str(table.primary_key.name) if table.primary_key.name else None
                    ),
                    foreign_keys=tuple(inline),
                    indexes=tuple(
                        IndexSpec(str(i.name), tuple(c.name for c in i.columns), bool(i.unique))
                        for i in sorted(table.indexes, key=lambda i: str(i.name))
                    ),
                ),
                order=position,
            )

    def remove_tables(self, tables: list[sa.Table]) -> None:
        owned = {t.name: t for t in tables if self.snapshot.table(t.name) is not None}
        depends: dict[str, set[str]] = {}
        keys: dict[tuple[str, str], list[sa.ForeignKeyConstraint]] = defaultdict(list)
        for name in sorted(owned):
            depends[name] = set()
            for key in owned[name].foreign_key_constraints:
                target = key.elements[0].target_fullname.rsplit(".", 1)[0]
                if target in owned and target != name:
                    depends[name].add(target)
                    keys[(name, target)].append(key)
        order, broken = dependency_order(depends, lambda a, b: len(keys[(a, b)]))
        if not self.sqlite:  # SQLite migrates with key checks off
            for edge in sorted(broken):
                for key in keys[edge]:
                    spec = _foreign_key_spec(key, self.renames)
                    self.add(DropForeignKey(table=edge[0], foreign_key=spec), name=spec.name)
        for position, name in enumerate(reversed(order)):
            check = checks.drop_table(self.connection, name)
            self.add(DropTable(table=name, check=check), order=position)

    # ------------------------------------------------------------------ columns

    def add_column(self, live_table: str, column: sa.Column[Any]) -> None:
        target = self.target(live_table)
        model = target.c[self.new_column(live_table, column.name)]
        key = next(
            (k for k in target.foreign_key_constraints if list(k.column_keys) == [model.name]),
            None,
        )
        backfill: Any = None
        check: DataCheck | None = None
        if not model.nullable:
            value = backfill_value(self.fields.get((target.name, model.name)))
            check = checks.required_column(self.connection, live_table, value)
            backfill = value if check is not None and check.outcome is Outcome.INFO else None
        self.added_columns[live_table][column.name] = backfill
        self.add(
            AddColumn(
                table=target.name,
                column=ColumnSpec(model.name, model.type, bool(model.nullable)),
                foreign_key=None if key is None else _foreign_key_spec(key, self.renames),
                backfill=backfill,
                check=check,
            ),
            name=model.name,
        )

    def remove_column(self, live_table: str, column: sa.Column[Any]) -> None:
        owned = self.snapshot.table(live_table)
        if owned is None or column.name not in owned.columns:
            return  # not created by xrm: left alone
        self.dropped_columns.add((live_table, column.name))
        check = checks.drop_column(self.connection, live_table, column.name)
        self.add(
            DropColumn(table=self.renames.new_table(live_table), column=column.name, check=check),
            name=column.name,
        )

    def modify_type(self, diff: Diff) -> None:
        _, _, live_table, column, existing, old, new = diff
        check, convert = checks.type_change(
            self.connection,
            live_table,
            column,
            old,
            new,
            old_name=self.type_name(old),
            new_name=self.type_name(new),
        )
        self.add(
            AlterColumnType(
                table=self.renames.new_table(live_table),
                column=self.new_column(live_table, column),
                from_type=old,
                to_type=new,
                nullable=bool(existing.get("existing_nullable", True)),
                convert=convert,
                check=check,
            ),
            name=column,
        )

    def modify_nullable(self, diff: Diff) -> None:
        _, _, live_table, column, _, _, nullable = diff
        target = self.target(live_table)
        model = target.c[self.new_column(live_table, column)]
        backfill: Any = None
        check: DataCheck | None = None
        if not nullable:
            value = backfill_value(self.fields.get((target.name, model.name)))
            check = checks.not_null(self.connection, live_table, column, value)
            backfill = value if check is not None and check.outcome is Outcome.INFO else None
        self.add(
            AlterNullable(
                table=target.name,
                column=model.name,
                nullable=bool(nullable),
                type=model.type,
                backfill=backfill,
                check=check,
            ),
            name=model.name,
        )

    # ------------------------------------------------------- indexes and keys

    def indexes(self, removed: Sequence[sa.Index], added: Sequence[sa.Index]) -> None:
        """Index changes; one dropped and one created on the same columns is a rename.

        Renames come with renamed tables and columns (``ix_client__name`` becomes
        ``ix_customer__name``): renaming keeps the index instead of rebuilding it.
        """
        drops = [found for index in removed if (found := self.removed_index(index)) is not None]
        creates: list[tuple[sa.Index, str, IndexSpec]] = []
        for index in added:
            found = self.added_index(index)
            if found is not None:
                creates.append((index, *found))
        for table, old in drops:
            same = (old.columns, old.unique)
            twin = next(
                (c for c in creates if c[1] == table and (c[2].columns, c[2].unique) == same),
                None,
            )
            if twin is None:
                self.add(DropIndex(table=table, index=old), name=old.name)
            else:
                creates.remove(twin)
                self.add(RenameIndex(table=table, index=twin[2], old_name=old.name), name=old.name)
        for index, table, new in creates:
            check = None
            if new.unique:
                live_table = self.renames.live_table(table)
                check = checks.unique(
                    self.connection,
                    live_table,
                    [c.name for c in index.columns],
                    self.added_columns.get(live_table, {}),
                )
            self.add(CreateIndex(table=table, index=new, check=check), name=new.name)

    def added_index(self, index: sa.Index) -> tuple[str, IndexSpec] | None:
        assert index.table is not None
        live_table = index.table.name
        if live_table in self.added_tables:
            return None  # created with its table
        columns = tuple(self.new_column(live_table, c.name) for c in index.columns)
        spec = IndexSpec(str(index.name), columns, bool(index.unique))
        return self.renames.new_table(live_table), spec

    def removed_index(self, index: sa.Index) -> tuple[str, IndexSpec] | None:
        assert index.table is not None
        live_table = index.table.name
        columns = [c.name for c in index.columns]
        owned = self.snapshot.table(live_table)
        ours = owned is not None and index.name in owned.indexes
        # An index on a dropped column goes with it (SQLite's table copy needs it gone).
        on_dropped = any((live_table, c) in self.dropped_columns for c in columns)
        if not (ours or on_dropped) or index.name is None:
            return None
        new_columns = tuple(self.new_column(live_table, c) for c in columns)
        spec = IndexSpec(str(index.name), new_columns, bool(index.unique))
        return self.renames.new_table(live_table), spec

    def add_foreign_key(self, key: sa.ForeignKeyConstraint) -> None:
        live_table = key.table.name
        if live_table in self.added_tables:
            return  # created with its table
        if any(c in self.added_columns.get(live_table, {}) for c in key.column_keys):
            return  # added with its column
        target_table, target_column = key.elements[0].target_fullname.rsplit(".", 1)
        check = checks.foreign_key(
            self.connection,
            live_table,
            key.column_keys[0],
            target_table,
            target_column,
            target_exists=target_table in self.live_tables,
        )
        model = next(
            k for k in self.target(live_table).foreign_key_constraints if k.name == key.name
        )
        spec = _foreign_key_spec(model, Renames())
        self.add(
            AddForeignKey(table=model.table.name, foreign_key=spec, check=check),
            name=spec.name,
        )

    def remove_foreign_key(self, key: sa.ForeignKeyConstraint) -> None:
        live_table = key.table.name
        if all((live_table, c) in self.dropped_columns for c in key.column_keys):
            return  # goes with its column
        owned = self.snapshot.table(live_table)
        # Ours by name, or by its columns: a renamed table keeps its keys' old names.
        if owned is None or key.name is None:
            return
        if key.name not in owned.foreign_keys and not set(key.column_keys) <= owned.columns:
            return
        spec = _foreign_key_spec(key, self.renames)
        self.add(
            DropForeignKey(table=self.renames.new_table(live_table), foreign_key=spec),
            name=spec.name,
        )
