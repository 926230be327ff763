"""The functions of the expression language as SQL: one entry per name in ``FUNCTIONS``.

The type checker (:mod:`xrm.metamodel.expression_types`) has already checked arity
and argument types, so each entry only builds SQL. Entries see each argument's SQL,
its checked type and, when the argument is a literal or a parameter, its Python
value (so text searches can escape the value before binding it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from xrm.metamodel.types import ValueType

from .sql_constructs import (
    AddDays,
    AddDaysToDatetime,
    AddMonths,
    DatePart,
    DatetimeToDate,
    DayOfDate,
    DayOfDatetime,
    DaysBetween,
    MonthOfDate,
    MonthOfDatetime,
    Now,
    TextToDate,
    Today,
    YearOfDate,
    YearOfDatetime,
)

V = ValueType
SqlExpr = ColumnElement[Any]
#: A SELECT of any columns.
AnySelect = sa.Select[*tuple[Any, ...]]

#: The escape character of generated LIKE patterns. Not a backslash: PostgreSQL and
#: SQLite read backslashes in string literals differently.
LIKE_ESCAPE: Final = "/"


class _NotConstant:
    """Marks an argument whose value is only known to the database (a column, a call)."""

    def __repr__(self) -> str:
        return "NOT_CONSTANT"


NOT_CONSTANT: Final = _NotConstant()


#: The SQLAlchemy type of each value type, used for bound values and result decoding.
SQL_TYPES: Final[dict[ValueType, sa.types.TypeEngine[Any]]] = {
    V.STRING: sa.String(),
    V.INTEGER: sa.BigInteger(),
    V.DECIMAL: sa.Numeric(),
    V.MONEY: sa.Numeric(),
    V.BOOLEAN: sa.Boolean(),
    V.DATE: sa.Date(),
    V.DATETIME: sa.DateTime(timezone=True),
    V.ID: sa.Uuid(),
    V.MULTICHOICE: sa.Text(),
    V.NULL: sa.types.NullType(),
}


@dataclass(frozen=True)
class Arg:
    """One compiled argument of a function call."""

    sql: SqlExpr
    type: ValueType
    value: object = NOT_CONSTANT


FunctionSql = Callable[[Sequence[Arg], ValueType], SqlExpr]


def like_escape(text: str) -> str:
    """Escape LIKE wildcards in ``text`` so it matches literally (with ``LIKE_ESCAPE``)."""
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def _sql_like_escape(expr: SqlExpr) -> SqlExpr:
    """The same escaping as :func:`like_escape`, done by the database on a computed value."""
    escaped = expr
    for char in (LIKE_ESCAPE, "%", "_"):
        escaped = sa.func.replace(
            escaped, sa.literal(char, sa.String()), sa.literal(LIKE_ESCAPE + char, sa.String())
        )
    return escaped


def as_text(arg: Arg) -> SqlExpr:
    """``arg`` as text (for ``||`` and ``concat``)."""
    if arg.type is V.STRING:
        return arg.sql
    return sa.cast(arg.sql, sa.Text())


def _concat(parts: Sequence[SqlExpr]) -> SqlExpr:
    return reduce(lambda left, right: left.op("||", return_type=sa.Text())(right), parts)


def _like(leading: bool, trailing: bool) -> FunctionSql:
    """startswith / endswith / contains: case-insensitive LIKE with the needle escaped.

    ``leading``/``trailing`` say where the pattern gets a ``%`` wildcard.
    """

    def build(args: Sequence[Arg], result: ValueType) -> SqlExpr:
        haystack, needle = args
        if isinstance(needle.value, str):
            pattern: SqlExpr = sa.literal(
                ("%" if leading else "") + like_escape(needle.value) + ("%" if trailing else ""),
                sa.String(),
            )
        elif needle.value is None:
            return sa.null()
        else:
            pieces = [_sql_like_escape(needle.sql)]
            if leading:
                pieces.insert(0, sa.literal("%", sa.String()))
            if trailing:
                pieces.append(sa.literal("%", sa.String()))
            pattern = _concat(pieces)
        return sa.func.lower(haystack.sql).like(sa.func.lower(pattern), escape=LIKE_ESCAPE)

    return build


def _string_function(name: str, returns: ValueType) -> FunctionSql:
    def build(args: Sequence[Arg], result: ValueType) -> SqlExpr:
        return getattr(sa.func, name)(args[0].sql, type_=SQL_TYPES[returns])  # type: ignore[no-any-return]

    return build


def _concat_function(args: Sequence[Arg], result: ValueType) -> SqlExpr:
    # concat() reads a missing value as empty text, unlike || which gives null.
    parts = [sa.func.coalesce(as_text(arg), sa.literal("", sa.String())) for arg in args]
    return _concat(parts)


def _coalesce(args: Sequence[Arg], result: ValueType) -> SqlExpr:
    return sa.func.coalesce(*(arg.sql for arg in args), type_=SQL_TYPES[result])


def _if(args: Sequence[Arg], result: ValueType) -> SqlExpr:
    condition, then, otherwise = args
    return sa.type_coerce(
        sa.case((condition.sql, then.sql), else_=otherwise.sql), SQL_TYPES[result]
    )


def _abs(args: Sequence[Arg], result: ValueType) -> SqlExpr:
    return sa.func.abs(args[0].sql, type_=SQL_TYPES[result])


def _round(args: Sequence[Arg], result: ValueType) -> SqlExpr:
    # PostgreSQL only rounds NUMERIC to a number of places, and wants an INTEGER count.
    places: SqlExpr = sa.cast(args[1].sql, sa.Integer()) if len(args) > 1 else sa.literal(0)
    return sa.func.round(sa.cast(args[0].sql, sa.Numeric()), places, type_=SQL_TYPES[result])


def _add_days(args: Sequence[Arg], result: ValueType) -> SqlExpr:
    day, count = args
    if day.type is V.DATETIME:
        return AddDaysToDatetime(day.sql, count.sql)
    return AddDays(day.sql, count.sql)


def _date_part(of_date: type[DatePart], of_datetime: type[DatePart]) -> FunctionSql:
    def build(args: Sequence[Arg], result: ValueType) -> SqlExpr:
        construct = of_datetime if args[0].type is V.DATETIME else of_date
        return construct(args[0].sql)

    return build


def _date(args: Sequence[Arg], result: ValueType) -> SqlExpr:
    (arg,) = args
    if isinstance(arg.value, str):
        # A literal date is checked by the type checker; bind it as a real date.
        return sa.literal(dt.date.fromisoformat(arg.value), sa.Date())
    if arg.type is V.DATETIME:
        return DatetimeToDate(arg.sql)
    return TextToDate(arg.sql)


#: SQL for every function of the language; keyed like ``expression_types.FUNCTIONS``.
FUNCTION_SQL: Final[dict[str, FunctionSql]] = {
    "upper": _string_function("upper", V.STRING),
    "lower": _string_function("lower", V.STRING),
    "trim": _string_function("trim", V.STRING),
    "length": _string_function("length", V.INTEGER),
    "startswith": _like(leading=False, trailing=True),
    "endswith": _like(leading=True, trailing=False),
    "contains": _like(leading=True, trailing=True),
    "concat": _concat_function,
    "today": lambda args, result: Today(),
    "now": lambda args, result: Now(),
    "coalesce": _coalesce,
    "if": _if,
    "abs": _abs,
    "round": _round,
    "add_days": _add_days,
    "add_months": lambda args, result: AddMonths(args[0].sql, args[1].sql),
    "days_between": lambda args, result: DaysBetween(args[0].sql, args[1].sql),
    "year": _date_part(YearOfDate, YearOfDatetime),
    "month": _date_part(MonthOfDate, MonthOfDatetime),
    "day": _date_part(DayOfDate, DayOfDatetime),
    "date": _date,
}
