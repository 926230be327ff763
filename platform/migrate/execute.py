"""Run one operation through Alembic's ``Operations``: the same code applies and renders SQL.

Online (a live connection) it changes the database; offline (``as_sql``) it writes
the SQL it would run. SQLite cannot alter or drop columns and constraints in place,
so there those operations go through Alembic's batch mode, which copies the table
(the migration runs with SQLite's foreign key checks off, as SQLite recommends, so
the copy fires no ON DELETE actions; they are re-checked before commit).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic.operations import BatchOperations, Operations
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler

from .operations import (
    AddColumn,
    AddForeignKey,
    AlterColumnType,
    AlterNullable,
    ColumnSpec,
    CreateIndex,
    CreateTable,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    ForeignKeySpec,
    Operation,
    RenameColumn,
    RenameForeignKey,
    RenameIndex,
    RenameTable,
)


class RenameConstraintStatement(ExecutableDDLElement):
    """``ALTER TABLE t RENAME CONSTRAINT a TO b`` (PostgreSQL), with quoted identifiers."""

    inherit_cache = False

    def __init__(self, table: str, old: str, new: str) -> None:
        self.table, self.old, self.new = table, old, new


@compiles(RenameConstraintStatement)
def _rename_constraint(element: RenameConstraintStatement, compiler: DDLCompiler, **kw: Any) -> str:
    quote = compiler.preparer.quote
    return (
        f"ALTER TABLE {quote(element.table)} "
        f"RENAME CONSTRAINT {quote(element.old)} TO {quote(element.new)}"
    )


class RenameIndexStatement(ExecutableDDLElement):
    """``ALTER INDEX a RENAME TO b`` (PostgreSQL), with quoted identifiers."""

    inherit_cache = False

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new


@compiles(RenameIndexStatement)
def _rename_index(element: RenameIndexStatement, compiler: DDLCompiler, **kw: Any) -> str:
    quote = compiler.preparer.quote
    return f"ALTER INDEX {quote(element.old)} RENAME TO {quote(element.new)}"


def _is_sqlite(ops: Operations) -> bool:
    return bool(ops.migration_context.dialect.name == "sqlite")


@contextmanager
def _copy_table(ops: Operations, table: str) -> Iterator[BatchOperations]:
    """SQLite: collect changes to ``table``, then rebuild it once with them."""
    with ops.batch_alter_table(table, recreate="always") as batch:
        yield batch


def _backfill(ops: Operations, table: str, column: str, type_: Any, value: Any) -> None:
    target = sa.column(column, type_)
    ops.execute(sa.update(sa.table(table, target)).values({column: value}).where(target.is_(None)))


def _nullable(column: ColumnSpec) -> ColumnSpec:
    return ColumnSpec(column.name, column.type, True)


def _create_key(ops: Operations | BatchOperations, table: str, key: ForeignKeySpec) -> None:
    if isinstance(ops, BatchOperations):
        ops.create_foreign_key(
            key.name,
            key.target_table,
            list(key.columns),
            list(key.target_columns),
            ondelete=key.on_delete,
        )
    else:
        ops.create_foreign_key(
            key.name,
            table,
            key.target_table,
            list(key.columns),
            list(key.target_columns),
            ondelete=key.on_delete,
        )


def _add_column(ops: Operations, op: AddColumn) -> None:
    column, key = op.column, op.foreign_key
    sqlite = _is_sqlite(ops)
    if not column.nullable and op.backfill is not None:
        # Existing rows need a value: add the column empty, fill it, then require it.
        ops.add_column(op.table, _nullable(column).to_column())
        _backfill(ops, op.table, column.name, column.type, op.backfill)
        if sqlite:
            with _copy_table(ops, op.table) as batch:
                batch.alter_column(column.name, nullable=False, existing_type=column.type)
                if key is not None:
                    _create_key(batch, op.table, key)
            return
        ops.alter_column(op.table, column.name, nullable=False, existing_type=column.type)
    elif sqlite and (not column.nullable or key is not None):
        # SQLite adds a NOT NULL or referencing column only by copying the table.
        with _copy_table(ops, op.table) as batch:
            batch.add_column(column.to_column())
            if key is not None:
                _create_key(batch, op.table, key)
        return
    else:
        ops.add_column(op.table, column.to_column())
    if key is not None:
        _create_key(ops, op.table, key)


def _fewer_decimals(op: AlterColumnType) -> int | None:
    """The new scale when ``op`` keeps fewer decimals of a numeric column, else None."""
    old, new = op.from_type, op.to_type
    if not isinstance(old, sa.Numeric) or not isinstance(new, sa.Numeric | sa.Integer):
        return None
    scale = 0 if isinstance(new, sa.Integer) else (new.scale or 0)
    return scale if scale < (old.scale or 0) else None


def _alter_type(ops: Operations, op: AlterColumnType) -> None:
    if _is_sqlite(ops):
        # SQLite keeps every decimal whatever the declared scale; round like PostgreSQL
        # does, so the stored values are what the column says.
        if (scale := _fewer_decimals(op)) is not None:
            value: sa.ColumnClause[Any] = sa.column(op.column)
            ops.execute(
                sa.update(sa.table(op.table, value))
                .values({op.column: sa.func.round(value, scale)})
                .where(value != sa.func.round(value, scale))
            )
        with _copy_table(ops, op.table) as batch:
            batch.alter_column(
                op.column,
                type_=op.to_type,
                existing_type=op.from_type,
                existing_nullable=op.nullable,
            )
        return
    extra: dict[str, Any] = {}
    if op.convert:
        cast = sa.cast(sa.column(op.column), op.to_type)
        extra["postgresql_using"] = str(cast.compile(dialect=ops.migration_context.dialect))
    ops.alter_column(
        op.table,
        op.column,
        type_=op.to_type,
        existing_type=op.from_type,
        existing_nullable=op.nullable,
        **extra,
    )


def _alter_nullable(ops: Operations, op: AlterNullable) -> None:
    if not op.nullable and op.backfill is not None:
        _backfill(ops, op.table, op.column, op.type, op.backfill)
    if _is_sqlite(ops):
        with _copy_table(ops, op.table) as batch:
            batch.alter_column(op.column, nullable=op.nullable, existing_type=op.type)
    else:
        ops.alter_column(op.table, op.column, nullable=op.nullable, existing_type=op.type)


def execute(ops: Operations, op: Operation) -> None:
    """Run ``op`` (all names are the ones after earlier renames in the plan)."""
    sqlite = _is_sqlite(ops)
    match op:
        case CreateTable():
            ops.create_table(
                op.table,
                *[c.to_column() for c in op.columns],
                sa.PrimaryKeyConstraint(*op.primary_key, name=op.primary_key_name),
                *[key.to_constraint() for key in op.foreign_keys],
            )
            for index in op.indexes:
                ops.create_index(index.name, op.table, list(index.columns), unique=index.unique)
        case DropTable():
            ops.drop_table(op.table)
        case RenameTable():
            ops.rename_table(op.old_name, op.table)
            if op.primary_key_names is not None:
                ops.execute(RenameConstraintStatement(op.table, *op.primary_key_names))
        case AddColumn():
            _add_column(ops, op)
        case DropColumn():
            if sqlite:
                with _copy_table(ops, op.table) as batch:
                    batch.drop_column(op.column)
            else:
                ops.drop_column(op.table, op.column)
        case RenameColumn():
            ops.alter_column(op.table, op.old_name, new_column_name=op.column)
        case AlterColumnType():
            _alter_type(ops, op)
        case AlterNullable():
            _alter_nullable(ops, op)
        case CreateIndex():
            ops.create_index(
                op.index.name, op.table, list(op.index.columns), unique=op.index.unique
            )
        case DropIndex():
            ops.drop_index(op.index.name, table_name=op.table)
        case RenameIndex():
            if sqlite:  # no ALTER INDEX … RENAME: rebuild it under the new name
                ops.drop_index(op.old_name, table_name=op.table)
                ops.create_index(
                    op.index.name, op.table, list(op.index.columns), unique=op.index.unique
                )
            else:
                ops.execute(RenameIndexStatement(op.old_name, op.index.name))
        case AddForeignKey():
            if sqlite:
                with _copy_table(ops, op.table) as batch:
                    _create_key(batch, op.table, op.foreign_key)
            else:
                _create_key(ops, op.table, op.foreign_key)
        case RenameForeignKey():
            if sqlite:  # pragma: no cover - never planned on SQLite (see diff.renamed)
                raise TypeError("SQLite cannot rename a foreign key in place")
            statement = RenameConstraintStatement(op.table, op.old_name, op.foreign_key.name)
            ops.execute(statement)
        case DropForeignKey():
            if sqlite:
                with _copy_table(ops, op.table) as batch:
                    batch.drop_constraint(op.foreign_key.name, type_="foreignkey")
            else:
                ops.drop_constraint(op.foreign_key.name, op.table, type_="foreignkey")
        case _:  # pragma: no cover - every operation class has a case above
            raise TypeError(f"cannot execute {type(op).__name__}")
