"""The operations of a migration: plain, immutable data.

:mod:`.diff` produces them, :mod:`.plan` renders them, :mod:`.apply` executes them —
the same objects, so what a user reviewed is what runs. Each operation carries what
planning found in the existing rows (its :class:`DataCheck`), so rendering a plan
and refusing a dangerous one need no further queries.

All names are the names *after* the renames earlier in the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.types import TypeEngine


class Outcome(StrEnum):
    """What a data check found."""

    #: Nothing is lost; the check only tells what will happen (e.g. rows backfilled).
    INFO = "info"
    #: Existing values will be lost or changed (rounded, dropped).
    DATA_LOSS = "data_loss"
    #: Existing values make the operation impossible until the data or metadata changes.
    BLOCKING = "blocking"


@dataclass(frozen=True)
class DataCheck:
    """The result of looking at existing rows while planning one operation."""

    outcome: Outcome
    #: How many rows the message is about.
    rows: int
    #: What was found, e.g. ``3 rows have longer values``.
    message: str
    #: How to unblock or avoid the loss, for blocking and data-loss outcomes.
    suggestion: str | None = None


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: TypeEngine[Any]
    nullable: bool

    def to_column(self) -> sa.Column[Any]:
        return sa.Column(self.name, self.type, nullable=self.nullable)


@dataclass(frozen=True)
class ForeignKeySpec:
    name: str
    columns: tuple[str, ...]
    target_table: str
    target_columns: tuple[str, ...]
    #: ``CASCADE``, ``SET NULL``, ``RESTRICT`` or None (the database's default).
    on_delete: str | None

    def to_constraint(self) -> sa.ForeignKeyConstraint:
        return sa.ForeignKeyConstraint(
            list(self.columns),
            [f"{self.target_table}.{c}" for c in self.target_columns],
            name=self.name,
            ondelete=self.on_delete,
        )


@dataclass(frozen=True)
class IndexSpec:
    name: str
    columns: tuple[str, ...]
    unique: bool


@dataclass(frozen=True, kw_only=True)
class Operation:
    """One step of a migration on one table."""

    #: Stable name of the operation, recorded in ``xrm_metadata_version.operations``.
    kind: ClassVar[str]
    #: Dropping things is destructive whatever the data check says.
    always_destructive: ClassVar[bool] = False

    table: str
    check: DataCheck | None = None

    @property
    def destructive(self) -> bool:
        """Running it loses data (a drop, or values that would be changed)."""
        if self.always_destructive:
            return True
        return self.check is not None and self.check.outcome is Outcome.DATA_LOSS

    @property
    def blocked(self) -> bool:
        """Existing data makes it impossible; it can never run as planned."""
        return self.check is not None and self.check.outcome is Outcome.BLOCKING


@dataclass(frozen=True, kw_only=True)
class CreateTable(Operation):
    kind: ClassVar[str] = "create_table"

    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...]
    primary_key_name: str | None
    #: Created with the table; keys closing a cycle come later as AddForeignKey.
    foreign_keys: tuple[ForeignKeySpec, ...] = ()
    indexes: tuple[IndexSpec, ...] = ()


@dataclass(frozen=True, kw_only=True)
class DropTable(Operation):
    kind: ClassVar[str] = "drop_table"
    always_destructive: ClassVar[bool] = True


@dataclass(frozen=True, kw_only=True)
class RenameTable(Operation):
    """Rename ``old_name`` to ``table``, keeping its rows."""

    kind: ClassVar[str] = "rename_table"

    old_name: str
    #: The primary key constraint's (current name, new name), where the database names it.
    primary_key_names: tuple[str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class AddColumn(Operation):
    kind: ClassVar[str] = "add_column"

    column: ColumnSpec
    foreign_key: ForeignKeySpec | None = None
    #: Value given to existing rows when the column is NOT NULL and the table has rows.
    backfill: Any = None


@dataclass(frozen=True, kw_only=True)
class DropColumn(Operation):
    kind: ClassVar[str] = "drop_column"
    always_destructive: ClassVar[bool] = True

    column: str


@dataclass(frozen=True, kw_only=True)
class RenameColumn(Operation):
    """Rename ``old_name`` to ``column``, keeping its values."""

    kind: ClassVar[str] = "rename_column"

    old_name: str
    column: str


@dataclass(frozen=True, kw_only=True)
class AlterColumnType(Operation):
    kind: ClassVar[str] = "alter_column_type"

    column: str
    from_type: TypeEngine[Any]
    to_type: TypeEngine[Any]
    nullable: bool
    #: The types are of different families: values are converted with CAST.
    convert: bool = False


@dataclass(frozen=True, kw_only=True)
class AlterNullable(Operation):
    kind: ClassVar[str] = "alter_nullable"

    column: str
    nullable: bool
    type: TypeEngine[Any]
    #: Value given to rows holding NULL before the column becomes NOT NULL.
    backfill: Any = None


@dataclass(frozen=True, kw_only=True)
class CreateIndex(Operation):
    kind: ClassVar[str] = "create_index"

    index: IndexSpec


@dataclass(frozen=True, kw_only=True)
class RenameIndex(Operation):
    """Give ``old_name`` the name ``index.name`` (same columns), instead of rebuilding it."""

    kind: ClassVar[str] = "rename_index"

    index: IndexSpec
    old_name: str


@dataclass(frozen=True, kw_only=True)
class DropIndex(Operation):
    kind: ClassVar[str] = "drop_index"

    index: IndexSpec


@dataclass(frozen=True, kw_only=True)
class AddForeignKey(Operation):
    kind: ClassVar[str] = "add_foreign_key"

    foreign_key: ForeignKeySpec


@dataclass(frozen=True, kw_only=True)
class RenameForeignKey(Operation):
    """Give the key ``old_name`` its current name after a table or column rename."""

    kind: ClassVar[str] = "rename_foreign_key"

    foreign_key: ForeignKeySpec
    old_name: str


@dataclass(frozen=True, kw_only=True)
class DropForeignKey(Operation):
    kind: ClassVar[str] = "drop_foreign_key"

    foreign_key: ForeignKeySpec
