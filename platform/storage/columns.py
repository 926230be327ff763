"""Field kind -> database columns: the one dispatch table storage uses.

Every stored field becomes one or more real columns (no EAV, no JSON bags):
a money field is an amount and a currency column, a polymorphic lookup is one
foreign-key column per target. Formulas and rollups have no column; they are
computed in SQL on read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from xrm.metamodel.schema import (
    DecimalField,
    FieldDef,
    LookupField,
    PolymorphicLookupField,
    StringField,
)
from xrm.metamodel.types import FieldKind, OnDelete

from . import naming

#: Money amounts: 15 integer digits, 4 decimals (enough for any currency's minor unit).
MONEY_PRECISION = 19
MONEY_SCALE = 4
CHOICE_LENGTH = 64
AUTONUMBER_LENGTH = 100

ON_DELETE_SQL: dict[OnDelete, str] = {
    OnDelete.RESTRICT: "RESTRICT",
    OnDelete.SET_NULL: "SET NULL",
    OnDelete.CASCADE: "CASCADE",
}


@dataclass(frozen=True)
class ColumnSet:
    """The columns one field is stored in; ``primary`` is the one that sorts and filters."""

    columns: tuple[sa.Column[Any], ...]

    @property
    def primary(self) -> sa.Column[Any]:
        return self.columns[0]


def foreign_key(table: str, column: str, target: str, on_delete: OnDelete) -> sa.ForeignKey:
    return sa.ForeignKey(
        f"{naming.entity_table(target)}.id",
        name=naming.foreign_key_name(table, column),
        ondelete=ON_DELETE_SQL[on_delete],
    )


Builder = Callable[[str, str, FieldDef], list[sa.Column[Any]]]


def _typed(type_: Callable[[FieldDef], sa.types.TypeEngine[Any]]) -> Builder:
    def build(table: str, name: str, field: FieldDef) -> list[sa.Column[Any]]:
        return [sa.Column(name, type_(field), nullable=not field.required)]

    return build


def _string(field: FieldDef) -> sa.types.TypeEngine[Any]:
    assert isinstance(field, StringField)
    return sa.String(field.max_length)


def _decimal(field: FieldDef) -> sa.types.TypeEngine[Any]:
    assert isinstance(field, DecimalField)
    return sa.Numeric(field.precision, field.scale, asdecimal=True)


def _money(table: str, name: str, field: FieldDef) -> list[sa.Column[Any]]:
    return [
        sa.Column(
            name,
            sa.Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True),
            nullable=not field.required,
        ),
        sa.Column(naming.currency_column(name), sa.String(3), nullable=True),
    ]


def _lookup(table: str, name: str, field: FieldDef) -> list[sa.Column[Any]]:
    assert isinstance(field, LookupField)
    return [
        sa.Column(
            name,
            sa.Uuid(),
            foreign_key(table, name, field.target, field.effective_on_delete),
            nullable=not field.required,
        )
    ]


def _polymorphic(table: str, name: str, field: FieldDef) -> list[sa.Column[Any]]:
    assert isinstance(field, PolymorphicLookupField)
    columns: list[sa.Column[Any]] = []
    for target in field.targets:
        column = naming.polymorphic_column(name, target)
        columns.append(
            sa.Column(
                column,
                sa.Uuid(),
                foreign_key(table, column, target, field.on_delete),
                nullable=True,
            )
        )
    return columns


def _file(table: str, name: str, field: FieldDef) -> list[sa.Column[Any]]:
    return [
        sa.Column(
            name,
            sa.Uuid(),
            sa.ForeignKey(
                "xrm_file.id",
                name=naming.foreign_key_name(table, name),
                ondelete="SET NULL",
            ),
            nullable=not field.required,
        )
    ]


def _none(table: str, name: str, field: FieldDef) -> list[sa.Column[Any]]:
    return []


#: How each field kind is stored. Adding a FieldKind without an entry fails the tests.
COLUMN_BUILDERS: dict[FieldKind, Builder] = {
    FieldKind.STRING: _typed(_string),
    FieldKind.TEXT: _typed(lambda f: sa.Text()),
    FieldKind.EMAIL: _typed(lambda f: sa.String(320)),
    FieldKind.PHONE: _typed(lambda f: sa.String(50)),
    FieldKind.URL: _typed(lambda f: sa.String(2048)),
    FieldKind.INTEGER: _typed(lambda f: sa.BigInteger()),
    FieldKind.DECIMAL: _typed(_decimal),
    FieldKind.MONEY: _money,
    FieldKind.BOOLEAN: _typed(lambda f: sa.Boolean(create_constraint=False)),
    FieldKind.DATE: _typed(lambda f: sa.Date()),
    FieldKind.DATETIME: _typed(lambda f: sa.DateTime(timezone=True)),
    FieldKind.CHOICE: _typed(lambda f: sa.String(CHOICE_LENGTH)),
    # Stored as ";a;b;" so "has option x" is an indexable-free LIKE with a bound
    # parameter and the column stays a plain, portable text column.
    FieldKind.MULTICHOICE: _typed(lambda f: sa.Text()),
    FieldKind.LOOKUP: _lookup,
    FieldKind.POLYMORPHIC_LOOKUP: _polymorphic,
    FieldKind.AUTONUMBER: lambda t, n, f: [
        sa.Column(n, sa.String(AUTONUMBER_LENGTH), nullable=True)
    ],
    FieldKind.FORMULA: _none,
    FieldKind.ROLLUP: _none,
    FieldKind.FILE: _file,
}


def columns_for(table: str, name: str, field: FieldDef) -> ColumnSet | None:
    """The columns storing ``field``, or None for computed fields."""
    columns = COLUMN_BUILDERS[field.type](table, name, field)
    return ColumnSet(tuple(columns)) if columns else None
