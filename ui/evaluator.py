"""Evaluate a type-checked expression in Python, over values that are not saved yet.

Forms show and require fields as the user types (``visible_if``, ``required_if``) and
recalculate formulas before anything is written, so the expression language runs
here over the form's values. It must mean exactly what the SQL compiler
(:mod:`xrm.platform.storage.sql_expressions`) makes it mean — the tests run the same
expressions through both and compare:

* NULL is "unknown": a comparison with a missing value is None (neither true nor
  false), ``and``/``or``/``not`` follow three-valued logic, arithmetic with a missing
  value gives None. Comparing with the *literal* ``null`` means ``is null`` (and
  ``!=`` ``is not null``), as SQLAlchemy compiles it;
* a date compared with a datetime is read as midnight UTC;
* division (and ``%``) by zero gives None; ``/`` is a decimal division, ``%`` keeps the
  dividend's sign (SQL's truncated remainder);
* ``concat()`` skips missing values while ``||`` gives None; ``trim`` removes spaces;
  ``contains``/``startswith``/``endswith`` ignore case;
* ``today()`` and ``now()`` are in UTC, like the database's.

Values are canonical Python values (str, int, Decimal, bool, date, aware datetime,
UUID); a money value may be given as its mapping (``{"amount": …}``) or its amount.
Where the two databases disagree (SQLite lowers ASCII letters only, and computes
``/`` in floating point), this follows PostgreSQL.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, DivisionByZero, InvalidOperation
from uuid import UUID

from xrm.metamodel.expression_types import Checked
from xrm.metamodel.expressions import (
    Binary,
    Call,
    Expr,
    FieldRef,
    InList,
    IsNull,
    Literal,
    ParamRef,
    Unary,
)
from xrm.metamodel.types import ValueType

V = ValueType

#: Returns the value of a field path (``("amount",)``, ``("account", "name")``).
Resolver = Callable[[tuple[str, ...]], object]


class EvaluationError(Exception):
    """An expression cannot run here (a ``$`` parameter in a form condition, say)."""


def plain(value: object) -> object:
    """A record value as the expression language sees it (money -> its amount)."""
    if isinstance(value, Mapping) and "amount" in value:
        return plain(value["amount"])
    if isinstance(value, Mapping) and "id" in value:  # a polymorphic lookup
        return value["id"]
    amount = getattr(value, "amount", None)
    if isinstance(amount, Decimal):  # storage's Money
        return amount
    identifier = getattr(value, "id", None)
    if isinstance(identifier, UUID):  # storage's Ref
        return identifier
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, list):
        return tuple(value)
    return value


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _as_instant(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return _midnight(value)
    return value


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _and(a: object, b: object) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def _or(a: object, b: object) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


def _not(a: object) -> bool | None:
    return None if a is None else not a


def _compare(op: str, a: object, b: object) -> bool | None:
    if a is None or b is None:
        return None
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        a, b = _as_instant(a), _as_instant(b)
    try:
        match op:
            case "=":
                return bool(a == b)
            case "!=":
                return bool(a != b)
            case "<":
                return bool(a < b)  # type: ignore[operator]
            case "<=":
                return bool(a <= b)  # type: ignore[operator]
            case ">":
                return bool(a > b)  # type: ignore[operator]
            case ">=":
                return bool(a >= b)  # type: ignore[operator]
    except TypeError as exc:
        raise EvaluationError(f"cannot compare {a!r} with {b!r}") from exc
    raise EvaluationError(f"unknown comparison {op!r}")


def _in(value: object, items: Sequence[object]) -> bool | None:
    """SQL's ``x IN (…)``: true on a match, else unknown if anything was missing."""
    if value is None:
        return None
    found: bool | None = False
    for item in items:
        equal = _compare("=", value, item)
        if equal:
            return True
        if equal is None:
            found = None
    return found


def _number(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int):
        return Decimal(value)
    raise EvaluationError(f"{value!r} is not a number")


def _add_days(day: object, count: object) -> object:
    assert isinstance(day, dt.date)
    assert isinstance(count, int)
    return day + dt.timedelta(days=count)


def _truncated_remainder(a: object, b: object) -> object:
    if isinstance(a, int) and isinstance(b, int):
        if b == 0:
            return None
        quotient = abs(a) // abs(b)
        if (a < 0) != (b < 0):
            quotient = -quotient
        return a - b * quotient
    divisor = _number(b)
    if divisor == 0:
        return None
    return _number(a) % divisor  # Decimal's % already truncates toward zero


def _divide(a: object, b: object) -> object:
    divisor = _number(b)
    if divisor == 0:
        return None
    try:
        return _number(a) / divisor
    except (DivisionByZero, InvalidOperation):
        return None


def _add_months(day: object, count: object) -> object:
    assert isinstance(day, dt.date)
    assert isinstance(count, int)
    months = day.year * 12 + (day.month - 1) + count
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _utc_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date()
    assert isinstance(value, dt.date)
    return value


def _to_date(value: object) -> object:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return _utc_date(value)


def _round(value: object, places: object = 0) -> object:
    assert isinstance(places, int)
    number = _number(value)
    exponent = Decimal(1).scaleb(-places)
    return number.quantize(exponent, rounding=ROUND_HALF_UP)


def _like(mode: str) -> Callable[[Sequence[object]], object]:
    def match(args: Sequence[object]) -> object:
        haystack, needle = args
        if haystack is None or needle is None:
            return None
        text, part = _text(haystack).lower(), _text(needle).lower()
        if mode == "start":
            return text.startswith(part)
        if mode == "end":
            return text.endswith(part)
        return part in text

    return match


def _strict(function: Callable[..., object]) -> Callable[[Sequence[object]], object]:
    """A function that gives None as soon as an argument is missing (SQL's strictness)."""

    def call(args: Sequence[object]) -> object:
        if any(arg is None for arg in args):
            return None
        return function(*args)

    return call


def _coalesce(args: Sequence[object]) -> object:
    return next((arg for arg in args if arg is not None), None)


def _concat(args: Sequence[object]) -> object:
    return "".join(_text(arg) for arg in args if arg is not None)


class _Clock:
    def __init__(self, now: dt.datetime | None) -> None:
        self.now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)


def _functions(clock: _Clock) -> dict[str, Callable[[Sequence[object]], object]]:
    return {
        "upper": _strict(lambda s: _text(s).upper()),
        "lower": _strict(lambda s: _text(s).lower()),
        "trim": _strict(lambda s: _text(s).strip(" ")),
        "length": _strict(lambda s: len(_text(s))),
        "startswith": _like("start"),
        "endswith": _like("end"),
        "contains": _like("contains"),
        "concat": _concat,
        "today": lambda args: clock.now.date(),
        "now": lambda args: clock.now,
        "coalesce": _coalesce,
        "if": lambda args: args[1] if args[0] is True else args[2],
        "abs": _strict(abs),
        "round": _strict(_round),
        "add_days": _strict(_add_days),
        "add_months": _strict(_add_months),
        "days_between": _strict(lambda a, b: (_utc_date(b) - _utc_date(a)).days),
        "year": _strict(lambda d: _utc_date(d).year),
        "month": _strict(lambda d: _utc_date(d).month),
        "day": _strict(lambda d: _utc_date(d).day),
        "date": _strict(_to_date),
    }


class _Evaluator:
    def __init__(self, checked: Checked, resolve: Resolver, clock: _Clock) -> None:
        self.checked = checked
        self.resolve = resolve
        self.functions = _functions(clock)

    def type_of(self, node: Expr) -> ValueType:
        return self.checked.type_of(node)

    def visit(self, node: Expr) -> object:
        match node:
            case Literal(value=value):
                return value
            case FieldRef(path=path):
                return plain(self.resolve(path))
            case ParamRef():
                raise EvaluationError(f"{node.dotted} has no value here")
            case Unary(op="not", operand=operand):
                return _not(self.visit(operand))
            case Unary(operand=operand):
                negated_value = self.visit(operand)
                return None if negated_value is None else -_number(negated_value)
            case Binary(op="and", left=left, right=right):
                return _and(self.visit(left), self.visit(right))
            case Binary(op="or", left=left, right=right):
                return _or(self.visit(left), self.visit(right))
            case Binary(op="||", left=left, right=right):
                a, b = self.visit(left), self.visit(right)
                return None if a is None or b is None else _text(a) + _text(b)
            case Binary(op=op, left=left, right=right) if op in ("=", "!="):
                null_test = _null_literal_test(op, left, right)
                if null_test is not None:
                    tested = self.visit(null_test[0])
                    return (tested is None) if null_test[1] else (tested is not None)
                return _compare(op, self.visit(left), self.visit(right))
            case Binary(op=op, left=left, right=right) if op in ("<", "<=", ">", ">="):
                return _compare(op, self.visit(left), self.visit(right))
            case Binary():
                return self.arithmetic(node)
            case InList(operand=operand, items=items, negated=negated):
                found = _in(self.visit(operand), [self.visit(item) for item in items])
                return _not(found) if negated else found
            case IsNull(operand=operand, negated=negated):
                empty = self.visit(operand) is None
                return not empty if negated else empty
            case Call(name=name, args=args):
                return self.functions[name]([self.visit(arg) for arg in args])
        raise EvaluationError(f"cannot evaluate {node!r}")  # pragma: no cover - exhaustive

    def arithmetic(self, node: Binary) -> object:
        a, b = self.visit(node.left), self.visit(node.right)
        if a is None or b is None:
            return None
        lt, rt = self.type_of(node.left), self.type_of(node.right)
        dates = (V.DATE, V.DATETIME)
        op = node.op
        if op == "/":
            return _divide(a, b)
        if op == "%":
            return _truncated_remainder(a, b)
        if op == "+" and lt in dates:
            return _add_days(a, b)
        if op == "+" and rt in dates:
            return _add_days(b, a)
        if op == "-" and lt is V.DATE and rt is V.DATE:
            assert isinstance(a, dt.date)
            assert isinstance(b, dt.date)
            return (a - b).days
        if op == "-" and lt in dates:
            assert isinstance(b, int)
            return _add_days(a, -b)
        if isinstance(a, int) and isinstance(b, int) and _whole(a) and _whole(b):
            return {"+": a + b, "-": a - b, "*": a * b}[op]
        x, y = _number(a), _number(b)
        return {"+": x + y, "-": x - y, "*": x * y}[op]


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _null_literal_test(op: str, left: Expr, right: Expr) -> tuple[Expr, bool] | None:
    """``x = null`` / ``x != null``: (the tested side, whether it tests for null).

    Only a null on the right: SQLAlchemy turns ``column == None`` into ``IS NULL`` but
    leaves ``NULL = column`` as written, which is unknown.
    """
    if isinstance(right, Literal) and right.value is None:
        return left, op == "="
    return None


def evaluate(checked: Checked, resolve: Resolver, *, now: dt.datetime | None = None) -> object:
    """The value of ``checked`` for the values ``resolve`` gives (None: unknown / missing)."""
    return _Evaluator(checked, resolve, _Clock(now)).visit(checked.expr)


def holds(checked: Checked, resolve: Resolver, *, now: dt.datetime | None = None) -> bool:
    """Whether a condition is true (unknown counts as false, as in a WHERE clause)."""
    return evaluate(checked, resolve, now=now) is True
