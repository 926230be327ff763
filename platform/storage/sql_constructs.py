"""SQL that differs between SQLite and PostgreSQL: SQLAlchemy constructs compiled per dialect.

Date arithmetic, true division and "today" are spelt differently by the two
databases. Each difference is one small construct here, compiled per dialect with
``@compiles``, so the expression compiler builds one portable tree and never
branches on the dialect itself.

Conventions both dialects follow:

* dates are compared and computed as calendar dates; datetimes are UTC instants
  (SQLite stores them as ``YYYY-MM-DD HH:MM:SS.ffffff`` text in UTC, PostgreSQL as
  ``timestamptz``, read in UTC here whatever the session time zone);
* ``a / b`` never truncates and gives NULL when ``b`` is 0 (instead of an error on
  PostgreSQL and NULL on SQLite);
* ``add_months`` clamps to the last day of the month (Jan 31 + 1 month = Feb 28/29),
  as PostgreSQL does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

#: SQLite text form of a datetime, matching what SQLAlchemy's DateTime type stores.
_SQLITE_DATETIME = "'%Y-%m-%d %H:%M:%f'"


def _args(element: FunctionElement[Any], compiler: SQLCompiler, kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


def _unsupported(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    raise sa.exc.CompileError(
        f"{type(element).__name__} has no SQL for the {compiler.dialect.name} dialect; "
        "xrm supports sqlite and postgresql"
    )


# ------------------------------------------------------------------ current time


class Today(FunctionElement[dt.date]):
    """The current date in UTC."""

    type = sa.Date()
    inherit_cache = True


class Now(FunctionElement[dt.datetime]):
    """The current instant (start of the transaction on PostgreSQL)."""

    type = sa.DateTime(timezone=True)
    inherit_cache = True


compiles(Today)(_unsupported)
compiles(Now)(_unsupported)


@compiles(Today, "sqlite")
def _today_sqlite(element: Today, compiler: SQLCompiler, **kw: Any) -> str:
    return "date('now')"


@compiles(Today, "postgresql")
def _today_pg(element: Today, compiler: SQLCompiler, **kw: Any) -> str:
    return "CAST(timezone('UTC', now()) AS DATE)"


@compiles(Now, "sqlite")
def _now_sqlite(element: Now, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite has milliseconds; pad to the six digits SQLAlchemy stores and parses.
    return f"(strftime({_SQLITE_DATETIME}, 'now') || '000')"


@compiles(Now, "postgresql")
def _now_pg(element: Now, compiler: SQLCompiler, **kw: Any) -> str:
    return "now()"


# ---------------------------------------------------------------------- division


class Divide(FunctionElement[Decimal]):
    """``a / b`` as a decimal division; NULL when ``b`` is 0."""

    type = sa.Numeric()
    inherit_cache = True


compiles(Divide)(_unsupported)


@compiles(Divide, "sqlite")
def _divide_sqlite(element: Divide, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, kw)
    return f"(CAST({a} AS REAL) / NULLIF({b}, 0))"


@compiles(Divide, "postgresql")
def _divide_pg(element: Divide, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, kw)
    return f"(CAST({a} AS NUMERIC) / NULLIF({b}, 0))"


# --------------------------------------------------------------- date arithmetic


class AddDays(FunctionElement[dt.date]):
    """``date + n days`` (n may be negative)."""

    type = sa.Date()
    inherit_cache = True


class AddDaysToDatetime(FunctionElement[dt.datetime]):
    """``datetime + n days`` (n may be negative)."""

    type = sa.DateTime(timezone=True)
    inherit_cache = True


class AddMonths(FunctionElement[dt.date]):
    """``date + n months``, clamped to the end of the target month."""

    type = sa.Date()
    inherit_cache = True


class DaysBetween(FunctionElement[int]):
    """Whole days from the first date to the second (negative if the second is earlier)."""

    type = sa.Integer()
    inherit_cache = True


compiles(AddDays)(_unsupported)
compiles(AddDaysToDatetime)(_unsupported)
compiles(AddMonths)(_unsupported)
compiles(DaysBetween)(_unsupported)


@compiles(AddDays, "sqlite")
def _add_days_sqlite(element: AddDays, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, kw)
    return f"date({d}, CAST({n} AS INTEGER) || ' days')"


@compiles(AddDays, "postgresql")
def _add_days_pg(element: AddDays, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, kw)
    return f"(CAST({d} AS DATE) + CAST({n} AS INTEGER))"


@compiles(AddDaysToDatetime, "sqlite")
def _add_days_dt_sqlite(element: AddDaysToDatetime, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, kw)
    return f"(strftime({_SQLITE_DATETIME}, {d}, CAST({n} AS INTEGER) || ' days') || '000')"


@compiles(AddDaysToDatetime, "postgresql")
def _add_days_dt_pg(element: AddDaysToDatetime, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, kw)
    return f"({d} + CAST({n} AS INTEGER) * INTERVAL '1 day')"


@compiles(AddMonths, "sqlite")
def _add_months_sqlite(element: AddMonths, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, kw)
    # The same day in the target month, unless that overflows: then the month's last day.
    same_day = (
        f"date({d}, 'start of month', CAST({n} AS INTEGER) || ' months', "
        f"(CAST(strftime('%d', {d}) AS INTEGER) - 1) || ' days')"
    )
    last_day = f"date({d}, 'start of month', (CAST({n} AS INTEGER) + 1) || ' months', '-1 day')"
    return f"min({same_day}, {last_day})"


@compiles(AddMonths, "postgresql")
def _add_months_pg(element: AddMonths, compiler: SQLCompiler, **kw: Any) -> str:
    d, n = _args(element, compiler, kw)
    return f"CAST(CAST({d} AS DATE) + CAST({n} AS INTEGER) * INTERVAL '1 month' AS DATE)"


@compiles(DaysBetween, "sqlite")
def _days_between_sqlite(element: DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, kw)
    return f"CAST(round(julianday({b}) - julianday({a})) AS INTEGER)"


@compiles(DaysBetween, "postgresql")
def _days_between_pg(element: DaysBetween, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = _args(element, compiler, kw)
    return f"(CAST({b} AS DATE) - CAST({a} AS DATE))"


# -------------------------------------------------------------- date conversions


class DatePart(FunctionElement[int]):
    """Year, month or day of a date or datetime (datetimes are read in UTC)."""

    type = sa.Integer()
    inherit_cache = True
    part: ClassVar[str] = "YEAR"
    of_datetime: ClassVar[bool] = False


class YearOfDate(DatePart):
    inherit_cache = True
    part = "YEAR"


class MonthOfDate(DatePart):
    inherit_cache = True
    part = "MONTH"


class DayOfDate(DatePart):
    inherit_cache = True
    part = "DAY"


class YearOfDatetime(DatePart):
    inherit_cache = True
    part = "YEAR"
    of_datetime = True


class MonthOfDatetime(DatePart):
    inherit_cache = True
    part = "MONTH"
    of_datetime = True


class DayOfDatetime(DatePart):
    inherit_cache = True
    part = "DAY"
    of_datetime = True


_STRFTIME_PART = {"YEAR": "%Y", "MONTH": "%m", "DAY": "%d"}

compiles(DatePart)(_unsupported)


@compiles(DatePart, "sqlite")
def _date_part_sqlite(element: DatePart, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, kw)
    return f"CAST(strftime('{_STRFTIME_PART[element.part]}', {x}) AS INTEGER)"


@compiles(DatePart, "postgresql")
def _date_part_pg(element: DatePart, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, kw)
    source = f"({x} AT TIME ZONE 'UTC')" if element.of_datetime else x
    return f"CAST(EXTRACT({element.part} FROM {source}) AS INTEGER)"


class TextToDate(FunctionElement[dt.date]):
    """``date('2024-12-31')`` on a text value."""

    type = sa.Date()
    inherit_cache = True


class DatetimeToDate(FunctionElement[dt.date]):
    """The UTC calendar date of a datetime."""

    type = sa.Date()
    inherit_cache = True


class DateToDatetime(FunctionElement[dt.datetime]):
    """Midnight UTC of a date, so dates and datetimes compare as instants."""

    type = sa.DateTime(timezone=True)
    inherit_cache = True


compiles(TextToDate)(_unsupported)
compiles(DatetimeToDate)(_unsupported)
compiles(DateToDatetime)(_unsupported)


@compiles(TextToDate, "sqlite")
@compiles(DatetimeToDate, "sqlite")
def _to_date_sqlite(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, kw)
    return f"date({x})"


@compiles(TextToDate, "postgresql")
def _text_to_date_pg(element: TextToDate, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, kw)
    return f"CAST({x} AS DATE)"


@compiles(DatetimeToDate, "postgresql")
def _datetime_to_date_pg(element: DatetimeToDate, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, kw)
    return f"CAST(({x} AT TIME ZONE 'UTC') AS DATE)"


@compiles(DateToDatetime, "sqlite")
def _date_to_datetime_sqlite(element: DateToDatetime, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, kw)
    return f"(date({x}) || ' 00:00:00.000000')"


@compiles(DateToDatetime, "postgresql")
def _date_to_datetime_pg(element: DateToDatetime, compiler: SQLCompiler, **kw: Any) -> str:
    (x,) = _args(element, compiler, kw)
    return f"(CAST(CAST({x} AS DATE) AS TIMESTAMP) AT TIME ZONE 'UTC')"
