"""Grouped aggregates: count, sum, avg, min and max of an entity's rows, in one statement.

Groups are field values (a choice, a lookup, a date…) or date buckets: the first day
of the day / ISO week (Monday) / month / quarter / year a date or datetime falls in,
computed in UTC. Bucket SQL differs per database, so each bucket is one construct
compiled per dialect (as in :mod:`.sql_constructs`), with the unit written as a
keyword, never a bound value.

The statement groups an inner SELECT (keys and measured values, computed once per
row, filtered by the caller's WHERE) in an outer SELECT over its columns, so a key
that is a formula is grouped by its value without repeating its SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Final

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause
from sqlalchemy.sql.functions import FunctionElement

from xrm.metamodel.schema import FieldDef
from xrm.metamodel.types import Aggregate, FieldKind, ValueType

from . import codec
from .errors import QueryError
from .sql_expressions import ExpressionCompiler
from .sql_functions import SQL_TYPES, SqlExpr

V = ValueType

#: Largest number of groups one aggregate returns.
MAX_GROUPS: Final = 1000


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True)
class GroupKey:
    """Group by ``field``; a date or datetime field may be cut into ``bucket``s."""

    field: str
    bucket: Bucket | None = None


@dataclass(frozen=True)
class Measure:
    """One aggregate, ``Measure(Aggregate.SUM, "amount")``; a COUNT without a field counts rows."""

    function: Aggregate
    field: str | None = None


@dataclass(frozen=True)
class AggregateRow:
    """One group: its key values (by field name) and each measure's value."""

    group: dict[str, Any]
    values: dict[Measure, Any]


#: Kinds whose values make no sensible group (long text, sets, amounts, files).
_UNGROUPABLE_KINDS: Final = frozenset(
    {
        FieldKind.TEXT,
        FieldKind.MULTICHOICE,
        FieldKind.MONEY,
        FieldKind.FILE,
        FieldKind.POLYMORPHIC_LOOKUP,
    }
)
_UNGROUPABLE_TYPES: Final = frozenset({V.MONEY, V.MULTICHOICE, V.NULL})
NUMERIC_TYPES: Final = frozenset({V.INTEGER, V.DECIMAL, V.MONEY})
_ORDERED_TYPES: Final = NUMERIC_TYPES | {V.DATE, V.DATETIME}
_DATE_TYPES: Final = frozenset({V.DATE, V.DATETIME})


def groupable(definition: FieldDef | None, value_type: ValueType) -> bool:
    """Whether records can be grouped by a field (``definition`` None is ``id``)."""
    if definition is None:
        return False
    return definition.type not in _UNGROUPABLE_KINDS and value_type not in _UNGROUPABLE_TYPES


def measurable(function: Aggregate, value_type: ValueType) -> bool:
    """Whether ``function`` applies to values of ``value_type``."""
    if function is Aggregate.COUNT:
        return True
    if function in (Aggregate.SUM, Aggregate.AVG):
        return value_type in NUMERIC_TYPES
    return value_type in _ORDERED_TYPES


# ----------------------------------------------------------------- date buckets


class _BucketOf(FunctionElement[Any]):
    """The start of the ``unit`` bucket a value falls in."""

    inherit_cache = False
    of_datetime: ClassVar[bool] = False

    def __init__(self, value: SqlExpr, unit: Bucket) -> None:
        super().__init__(value)
        self.unit = unit


class DateBucket(_BucketOf):
    # The unit is not part of SQLAlchemy's cache key, so these are never cached.
    inherit_cache = False
    type = sa.Date()


class DatetimeBucket(_BucketOf):
    inherit_cache = False
    type = sa.DateTime(timezone=True)
    of_datetime = True


#: SQLite date modifiers giving the start of each bucket (the quarter needs the month).
_SQLITE_MODIFIERS: Final = {
    Bucket.DAY: "",
    Bucket.WEEK: ", '-6 days', 'weekday 1'",
    Bucket.MONTH: ", 'start of month'",
    Bucket.YEAR: ", 'start of year'",
}


@compiles(_BucketOf)
def _bucket_unsupported(element: _BucketOf, compiler: SQLCompiler, **kw: Any) -> str:
    raise sa.exc.CompileError(f"no date buckets for the {compiler.dialect.name} dialect")


@compiles(_BucketOf, "sqlite")
def _bucket_sqlite(element: _BucketOf, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = element.clauses
    x = compiler.process(value, **kw)
    if element.unit is Bucket.QUARTER:
        back = f"((CAST(strftime('%m', {x}) AS INTEGER) - 1) % 3)"
        day = f"date({x}, 'start of month', '-' || {back} || ' months')"
    else:
        day = f"date({x}{_SQLITE_MODIFIERS[element.unit]})"
    # Datetimes are text in SQLite; midnight in the stored format reads back as a datetime.
    return f"({day} || ' 00:00:00.000000')" if element.of_datetime else day


@compiles(_BucketOf, "postgresql")
def _bucket_pg(element: _BucketOf, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = element.clauses
    x = compiler.process(value, **kw)
    unit = element.unit.value
    if element.of_datetime:
        return f"(date_trunc('{unit}', {x} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    return f"CAST(date_trunc('{unit}', CAST({x} AS TIMESTAMP)) AS DATE)"


# ------------------------------------------------------------------- statement

_FUNCTIONS: Final[dict[Aggregate, Callable[[SqlExpr], SqlExpr]]] = {
    Aggregate.COUNT: lambda v: sa.func.count(v),
    Aggregate.SUM: lambda v: sa.func.sum(v, type_=v.type),
    Aggregate.AVG: lambda v: sa.func.avg(v, type_=sa.Numeric()),
    Aggregate.MIN: lambda v: sa.func.min(v, type_=v.type),
    Aggregate.MAX: lambda v: sa.func.max(v, type_=v.type),
}


@dataclass(frozen=True)
class AggregateQuery:
    """A checked aggregate over one entity: the statement and how to read its rows."""

    statement: sa.Select[Any]
    keys: tuple[tuple[GroupKey, ValueType], ...]
    measures: tuple[tuple[Measure, ValueType], ...]

    def decode(self, row: Sequence[Any]) -> AggregateRow:
        group = {
            key.field: _decode_key(value_type, key.bucket, row[index])
            for index, (key, value_type) in enumerate(self.keys)
        }
        offset = len(self.keys)
        values = {
            measure: _decode_measure(measure.function, value_type, row[offset + index])
            for index, (measure, value_type) in enumerate(self.measures)
        }
        return AggregateRow(group, values)


def aggregate_query(
    compiler: ExpressionCompiler,
    entity: str,
    source: FromClause,
    where: ColumnElement[bool],
    group_by: Sequence[GroupKey],
    measures: Sequence[Measure],
    limit: int = MAX_GROUPS,
) -> AggregateQuery:
    """The grouped aggregate of ``entity``'s rows matching ``where``; QueryError if unfit."""
    if not 1 <= limit <= MAX_GROUPS:
        raise QueryError(f"limit must be between 1 and {MAX_GROUPS}, not {limit}")
    if len({key.field for key in group_by}) != len(group_by):
        raise QueryError(f"group {entity} by each field once")
    inner: list[SqlExpr] = []
    keys: list[tuple[GroupKey, ValueType]] = []
    for index, key in enumerate(group_by):
        resolved = compiler.resolve(entity, (key.field,))
        value_type = compiler.value_type(resolved)
        if not groupable(resolved.definition, value_type):
            raise QueryError(
                f"cannot group {entity} by {key.field!r}",
                suggestion="group by a choice, lookup, text, number, yes/no or date field",
            )
        expr = compiler.field(entity, source, (key.field,))
        if key.bucket is not None:
            if value_type not in _DATE_TYPES:
                raise QueryError(f"{entity}.{key.field} is not a date: it has no {key.bucket}s")
            expr = (DatetimeBucket if value_type is V.DATETIME else DateBucket)(expr, key.bucket)
        inner.append(expr.label(f"_g{index}"))
        keys.append((key, value_type))
    checked: list[tuple[Measure, ValueType]] = []
    for index, measure in enumerate(measures):
        if measure.field is None:
            if measure.function is not Aggregate.COUNT:
                raise QueryError(f"{measure.function.value} needs a field")
            checked.append((measure, V.INTEGER))
            continue
        resolved = compiler.resolve(entity, (measure.field,))
        value_type = compiler.value_type(resolved)
        if not measurable(measure.function, value_type):
            raise QueryError(
                f"cannot take the {measure.function.value} of {entity}.{measure.field}",
                suggestion="sum and average numbers; take min and max of numbers and dates",
            )
        expr = compiler.field(entity, source, (measure.field,))
        inner.append(sa.type_coerce(expr, SQL_TYPES[value_type]).label(f"_m{index}"))
        checked.append((measure, value_type))
    # "_one" keeps the inner SELECT valid when it has no key nor measured value (a bare count).
    rows = sa.select(*inner, sa.literal(1).label("_one")).select_from(source).where(where)
    sub = rows.subquery()
    group_columns = [sub.c[f"_g{index}"] for index in range(len(keys))]
    outer: list[SqlExpr] = list(group_columns)
    for index, (measure, _) in enumerate(checked):
        if measure.field is None:
            outer.append(sa.func.count())
        else:
            outer.append(_FUNCTIONS[measure.function](sub.c[f"_m{index}"]))
    statement = (
        sa.select(*outer)
        .select_from(sub)
        .group_by(*group_columns)
        .order_by(*(column.asc().nulls_last() for column in group_columns))
        .limit(limit)
    )
    return AggregateQuery(statement, tuple(keys), tuple(checked))


def _decode_key(value_type: ValueType, bucket: Bucket | None, value: object) -> Any:
    if value_type is V.DATETIME and bucket is not None:
        return codec.to_utc(value)
    return codec.VALUE_DECODERS[value_type](value)


def _decode_measure(function: Aggregate, value_type: ValueType, value: object) -> Any:
    if function is Aggregate.COUNT:
        return codec.to_int(value) or 0
    if function is Aggregate.AVG or value_type is V.MONEY:
        return codec.to_dec(value)
    if function is Aggregate.SUM and value_type is V.INTEGER:
        return codec.to_int(value)
    return codec.VALUE_DECODERS[value_type](value)
