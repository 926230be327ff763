"""A plan: the operations a migration will run, in order, and how to show them to people.

One line per operation, in the order it runs. A leading sign says what kind of change
it is (``+`` adds, ``-`` removes, ``~`` alters, ``>`` renames); after a dash comes what
the data check found (``DESTRUCTIVE:`` needs ``--allow-data-loss``, ``BLOCKED:`` cannot
run until the data or the metadata changes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from xrm.platform.storage.tables import StorageModel

from .operations import (
    AddColumn,
    AddForeignKey,
    AlterColumnType,
    AlterNullable,
    CreateIndex,
    CreateTable,
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

NOTHING_TO_DO = "nothing to do"


@dataclass(frozen=True)
class Plan:
    """What migrating ``storage`` into one database means, computed against that database."""

    storage: StorageModel
    dialect: Dialect
    operations: tuple[Operation, ...]
    #: Alembic revisions of the platform's own tables still to apply, oldest first.
    system_revisions: tuple[str, ...] = ()
    #: The metadata version the database was last migrated to (None: never).
    applied_version: str | None = None

    @property
    def version(self) -> str:
        return self.storage.registry.version

    @property
    def empty(self) -> bool:
        """No change to any table (the metadata version may still be recorded)."""
        return not self.operations and not self.system_revisions

    def destructive(self) -> tuple[Operation, ...]:
        return tuple(op for op in self.operations if op.destructive)

    def blocked(self) -> tuple[Operation, ...]:
        return tuple(op for op in self.operations if op.blocked)

    def lines(self) -> list[str]:
        """One line per step, in the order they run."""
        lines = []
        if self.system_revisions:
            lines.append(
                "+ upgrade platform tables (xrm_*) to revision " + self.system_revisions[-1]
            )
        lines.extend(describe(op, self.dialect) for op in self.operations)
        return lines

    def render(self) -> str:
        if self.empty:
            return NOTHING_TO_DO
        return "\n".join(self.lines())

    def summary(self) -> str:
        """One line counting steps, destructive ones and blocked ones."""
        if self.empty:
            return NOTHING_TO_DO
        count = len(self.operations) + (1 if self.system_revisions else 0)
        parts = [f"{count} step{'s' if count != 1 else ''}"]
        if destructive := len(self.destructive()):
            parts.append(f"{destructive} destructive")
        if blocked := len(self.blocked()):
            parts.append(f"{blocked} blocked")
        return ", ".join(parts)


def _type(type_: TypeEngine[Any], dialect: Dialect) -> str:
    return type_.compile(dialect=dialect)


def _index(index: IndexSpec, table: str) -> str:
    kind = "unique index" if index.unique else "index"
    return f"{kind} {index.name} on {table} ({', '.join(index.columns)})"


def _foreign_key(key: ForeignKeySpec) -> str:
    text = f"({', '.join(key.columns)}) -> {key.target_table} ({', '.join(key.target_columns)})"
    return text + (f" ON DELETE {key.on_delete}" if key.on_delete else "")


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def headline(op: Operation, dialect: Dialect) -> str:
    """The operation alone, without what its data check found."""
    t = op.table
    match op:
        case CreateTable():
            parts = [_counted(len(op.columns), "column", "columns")]
            if op.indexes:
                parts.append(_counted(len(op.indexes), "index", "indexes"))
            return f"+ create table {t} ({', '.join(parts)})"
        case DropTable():
            return f"- DROP table {t}"
        case RenameTable():
            return f"> rename table {op.old_name} -> {t}"
        case AddColumn():
            text = f"+ add column {t}.{op.column.name} {_type(op.column.type, dialect)}"
            if not op.column.nullable:
                text += " NOT NULL"
            if op.foreign_key is not None:
                text += f" -> {op.foreign_key.target_table}"
            return text
        case DropColumn():
            return f"- DROP column {t}.{op.column}"
        case RenameColumn():
            return f"> rename column {t}.{op.old_name} -> {op.column}"
        case AlterColumnType():
            old, new = _type(op.from_type, dialect), _type(op.to_type, dialect)
            return f"~ alter column {t}.{op.column}: {old} -> {new}"
        case AlterNullable():
            change = "NOT NULL -> NULL" if op.nullable else "NULL -> NOT NULL"
            return f"~ alter column {t}.{op.column}: {change}"
        case CreateIndex():
            return f"+ create {_index(op.index, t)}"
        case DropIndex():
            return f"- drop {_index(op.index, t)}"
        case RenameIndex():
            return f"> rename index {op.old_name} -> {op.index.name} on {t}"
        case AddForeignKey():
            return f"+ add foreign key {op.foreign_key.name} on {t} {_foreign_key(op.foreign_key)}"
        case RenameForeignKey():
            return f"> rename foreign key {op.old_name} -> {op.foreign_key.name} on {t}"
        case DropForeignKey():
            return f"- drop foreign key {op.foreign_key.name} on {t}"
    raise TypeError(f"no rendering for {type(op).__name__}")  # pragma: no cover


def describe(op: Operation, dialect: Dialect) -> str:
    """The operation's line: headline, then what its data check found."""
    text = headline(op, dialect)
    check = op.check
    if check is None:
        return text
    if check.outcome is Outcome.BLOCKING:
        return f"{text} — BLOCKED: {check.message}"
    if op.destructive:
        return f"{text} — DESTRUCTIVE: {check.message}"
    return f"{text} — {check.message}"


def explain(op: Operation, dialect: Dialect) -> str:
    """The line plus how to proceed, for error messages."""
    text = describe(op, dialect)
    if op.check is not None and op.check.suggestion:
        text += f" ({op.check.suggestion})"
    return text


def signature(op: Operation, dialect: Dialect) -> tuple[str, Outcome | None]:
    """What must not change between planning and applying (counts may)."""
    bare = replace(op, check=None)
    return headline(bare, dialect), None if op.check is None else op.check.outcome
