"""Data checks, run while planning: what the existing rows mean for one operation.

Each check is one counting query built with SQLAlchemy Core against the table as it
is *now* (current names), and returns a :class:`DataCheck`, or None when there is
nothing to say. Blocking results stop a migration whatever the flags; data-loss
results need ``allow_data_loss``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

from .operations import DataCheck, Outcome

#: Type families: a change inside one family keeps values (maybe narrower); across
#: families values must be converted. Checked in order (Text is a String).
_FAMILIES: tuple[type[TypeEngine[Any]], ...] = (
    sa.String,
    sa.Integer,
    sa.Numeric,
    sa.Boolean,
    sa.DateTime,
    sa.Date,
    sa.Uuid,
)
#: Digits left of the decimal point a BIGINT always holds (it holds some 19-digit ones).
_BIGINT_DIGITS = 18


def family(type_: TypeEngine[Any]) -> type[TypeEngine[Any]]:
    for base in _FAMILIES:
        if isinstance(type_, base):
            return base
    return type(type_)


def rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _have(count: int) -> str:
    return f"{rows(count)} {'has' if count == 1 else 'have'}"


def _count(connection: Connection, table: str | sa.FromClause, *where: Any) -> int:
    source = sa.table(table) if isinstance(table, str) else table
    query = sa.select(sa.func.count()).select_from(source)
    if where:
        query = query.where(*where)
    return int(connection.execute(query).scalar_one())


def row_count(connection: Connection, table: str) -> int:
    return _count(connection, table)


def drop_table(connection: Connection, table: str) -> DataCheck:
    count = row_count(connection, table)
    if count:
        return DataCheck(
            Outcome.DATA_LOSS,
            count,
            f"{rows(count)} will be deleted",
            "export the rows first if you need them",
        )
    return DataCheck(Outcome.INFO, 0, "the table is empty")


def drop_column(connection: Connection, table: str, column: str) -> DataCheck:
    count = _count(connection, table, sa.column(column).is_not(None))
    if count:
        return DataCheck(
            Outcome.DATA_LOSS,
            count,
            f"{_have(count)} a value",
            f"to keep them, rename the field (renamed_from: {column}) instead of removing it",
        )
    return DataCheck(Outcome.INFO, 0, "no row has a value")


def not_null(connection: Connection, table: str, column: str, backfill: Any) -> DataCheck | None:
    count = _count(connection, table, sa.column(column).is_(None))
    if not count:
        return None
    if backfill is not None:
        get = "gets" if count == 1 else "get"
        return DataCheck(Outcome.INFO, count, f"{rows(count)} without a value {get} {backfill!r}")
    return DataCheck(
        Outcome.BLOCKING,
        count,
        f"{_have(count)} no value",
        "give the field a default: (it fills those rows), or fill them in first",
    )


def required_column(connection: Connection, table: str, backfill: Any) -> DataCheck | None:
    count = row_count(connection, table)
    if not count:
        return None
    if backfill is not None:
        get = "gets" if count == 1 else "get"
        return DataCheck(Outcome.INFO, count, f"{rows(count)} {get} {backfill!r}")
    return DataCheck(
        Outcome.BLOCKING,
        count,
        f"the table has {rows(count)} and a required column needs a value for each",
        "give the field a default: (used for the existing rows), or add it as not required, "
        "fill it in, then make it required",
    )


def unique(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    added: Mapping[str, Any],
) -> DataCheck | None:
    """Rows sharing values in ``columns``; ``added`` are columns this plan adds (-> backfill)."""
    if any(added.get(c) is None for c in columns if c in added):
        return None  # a new column without backfill is NULL everywhere: NULLs never clash
    existing: list[sa.ColumnClause[Any]] = [sa.column(c) for c in columns if c not in added]
    if existing:
        groups = (
            sa.select(sa.func.count().label("n"))
            .select_from(sa.table(table))
            .where(*(c.is_not(None) for c in existing))
            .group_by(*existing)
            .having(sa.func.count() > 1)
            .subquery()
        )
        count = int(
            connection.execute(sa.select(sa.func.coalesce(sa.func.sum(groups.c.n), 0))).scalar_one()
        )
    else:
        total = row_count(connection, table)
        count = total if total > 1 else 0
    if not count:
        return None
    return DataCheck(
        Outcome.BLOCKING,
        count,
        f"{rows(count)} share their value with another row",
        "make the values unique first, or remove unique",
    )


def foreign_key(
    connection: Connection,
    table: str,
    column: str,
    target_table: str,
    target_column: str,
    *,
    target_exists: bool,
) -> DataCheck | None:
    """Values that do not name a row of the target (the key could not be added)."""
    source = sa.table(table, sa.column(column))
    value = source.c[column]
    if target_exists:
        # Aliased: a lookup may point at its own table (a business unit's parent).
        target = sa.table(target_table, sa.column(target_column)).alias("target")
        missing = ~sa.exists().where(target.c[target_column] == value)
        count = _count(connection, source, value.is_not(None), missing)
    else:
        count = _count(connection, source, value.is_not(None))
    if not count:
        return None
    return DataCheck(
        Outcome.BLOCKING,
        count,
        f"{_have(count)} a value not found in {target_table}.{target_column}",
        "clear or correct those values first",
    )


def _digits_and_scale(type_: TypeEngine[Any], *, capacity: bool) -> tuple[int | None, int]:
    """Digits left of the point (None: unlimited) and decimals a numeric type holds."""
    if isinstance(type_, sa.Integer):
        return (_BIGINT_DIGITS if capacity else _BIGINT_DIGITS + 1), 0
    assert isinstance(type_, sa.Numeric)
    precision, scale = type_.precision, type_.scale or 0
    return (None if precision is None else precision - scale), scale


def _numeric(
    connection: Connection, table: str, column: str, old: TypeEngine[Any], new: TypeEngine[Any]
) -> DataCheck | None:
    value: sa.ColumnClause[Any] = sa.column(column)
    old_digits, old_scale = _digits_and_scale(old, capacity=False)
    new_digits, new_scale = _digits_and_scale(new, capacity=True)
    if new_digits is not None and (old_digits is None or new_digits < old_digits):
        limit = sa.literal(Decimal(10) ** new_digits, sa.Numeric(60, 0))
        count = _count(connection, table, sa.func.abs(value) >= limit)
        if count:
            return DataCheck(
                Outcome.BLOCKING,
                count,
                f"{_have(count)} values of {new_digits + 1} or more digits before the point",
                "make those values smaller first, or keep a larger precision",
            )
    if new_scale < old_scale:
        count = _count(connection, table, value != sa.func.round(value, new_scale))
        if count:
            return DataCheck(
                Outcome.DATA_LOSS,
                count,
                f"{_have(count)} more than {new_scale} decimals and will be rounded",
                f"keep scale: {old_scale} to keep them",
            )
    return None


def type_change(
    connection: Connection,
    table: str,
    column: str,
    old: TypeEngine[Any],
    new: TypeEngine[Any],
    *,
    old_name: str,
    new_name: str,
) -> tuple[DataCheck | None, bool]:
    """Will the existing values fit ``new``? Also says whether values must be converted."""
    old_family, new_family = family(old), family(new)
    numeric = (sa.Integer, sa.Numeric)
    if old_family is sa.String and new_family is sa.String:
        assert isinstance(old, sa.String)
        assert isinstance(new, sa.String)
        if new.length is not None and (old.length is None or old.length > new.length):
            count = _count(connection, table, sa.func.length(sa.column(column)) > new.length)
            if count:
                keep = "" if old.length is None else f", or keep max_length: {old.length}"
                return (
                    DataCheck(
                        Outcome.BLOCKING,
                        count,
                        f"{_have(count)} longer values",
                        f"shorten them to {new.length} characters first{keep}",
                    ),
                    False,
                )
        return None, False
    if old_family in numeric and new_family in numeric:
        return _numeric(connection, table, column, old, new), False
    if old_family is new_family:
        return None, False
    count = _count(connection, table, sa.column(column).is_not(None))
    if not count:
        return None, True
    return (
        DataCheck(
            Outcome.BLOCKING,
            count,
            f"{_have(count)} a value that cannot be converted from {old_name} to {new_name}",
            "add a new field of the new type, copy the values over, then remove the old one",
        ),
        True,
    )
