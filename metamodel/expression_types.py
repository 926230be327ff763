"""Type-checking for the expression language.

``check(expr, scope)`` walks the AST, resolves names through a :class:`Scope` (an
entity's fields, or ``$user``'s), and returns the type of every node. Mixing types
(text + number, a date compared with a number, an option that does not exist) is
reported with the position and a suggestion, at load time, never at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from .errors import did_you_mean
from .expressions import (
    ARITHMETIC_OPS,
    COMPARISON_OPS,
    Binary,
    Call,
    Expr,
    ExpressionError,
    FieldRef,
    InList,
    IsNull,
    Literal,
    ParamRef,
    Unary,
    unknown_function,
)
from .types import NUMERIC_TYPES, ValueType

V = ValueType


@dataclass(frozen=True)
class Resolved:
    """What a name in an expression stands for."""

    type: ValueType
    #: Allowed values when the name is a choice field (checked against literals).
    options: tuple[str, ...] = ()


class Scope(Protocol):
    """Resolves field paths and ``$`` parameters; raises ExpressionError when unknown."""

    def field(self, path: tuple[str, ...], pos: int) -> Resolved: ...

    def param(self, path: tuple[str, ...], pos: int) -> Resolved: ...


class NoParams:
    """Mixin for scopes where ``$`` parameters are not available (formulas)."""

    def param(self, path: tuple[str, ...], pos: int) -> Resolved:
        raise ExpressionError(
            f"${'.'.join(path)} cannot be used here",
            pos,
            "parameters such as $user are only available in access rules and view filters",
        )


@dataclass
class Checked:
    """A type-checked expression: the tree, its type, and the type of every node."""

    expr: Expr
    type: ValueType
    node_types: dict[int, ValueType] = field(default_factory=dict)
    fields: list[FieldRef] = field(default_factory=list)

    def type_of(self, node: Expr) -> ValueType:
        return self.node_types[id(node)]


def widen(a: ValueType, b: ValueType) -> ValueType | None:
    """The common type of two values, or None if they do not mix."""
    if a is V.NULL:
        return b
    if b is V.NULL or a is b:
        return a
    if a in NUMERIC_TYPES and b in NUMERIC_TYPES:
        return max(a, b, key=NUMERIC_TYPES.index)
    if {a, b} == {V.DATE, V.DATETIME}:
        return V.DATETIME
    return None


#: How a value of each type is named in messages ("gives an integer", "not a date").
_A: dict[ValueType, str] = {
    V.INTEGER: "an integer",
    V.MONEY: "a money amount",
    V.ID: "an id",
    V.MULTICHOICE: "a multichoice value",
    V.NULL: "null",
}


def a(t: ValueType) -> str:
    """``t`` with its article, for messages."""
    return _A.get(t, f"a {t.value}")


def _is_numeric(t: ValueType) -> bool:
    return t in NUMERIC_TYPES or t is V.NULL


def _literal_type(value: object) -> ValueType:
    if value is None:
        return V.NULL
    if isinstance(value, bool):
        return V.BOOLEAN
    if isinstance(value, int):
        return V.INTEGER
    if isinstance(value, Decimal):
        return V.DECIMAL
    return V.STRING


# ---------------------------------------------------------------------- functions

Signature = Callable[[Sequence[ValueType], int], ValueType]


def _arity(name: str, types: Sequence[ValueType], pos: int, low: int, high: int | None) -> None:
    if len(types) < low or (high is not None and len(types) > high):
        expected = str(low) if high == low else f"{low} to {high}" if high else f"at least {low}"
        raise ExpressionError(
            f"{name}() takes {expected} argument(s), got {len(types)}",
            pos,
        )


def _want(name: str, index: int, got: ValueType, allowed: set[ValueType], pos: int) -> None:
    if got is not V.NULL and got not in allowed:
        names = " or ".join(sorted(t.value for t in allowed))
        raise ExpressionError(
            f"argument {index + 1} of {name}() must be {names}, not {got.value}", pos
        )


def _make_functions() -> dict[str, Signature]:
    def strings(name: str, count: int, result: ValueType) -> Signature:
        def check(types: Sequence[ValueType], pos: int) -> ValueType:
            _arity(name, types, pos, count, count)
            for i, t in enumerate(types):
                _want(name, i, t, {V.STRING}, pos)
            return result

        return check

    def concat(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("concat", types, pos, 1, None)
        return V.STRING

    def today(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("today", types, pos, 0, 0)
        return V.DATE

    def now(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("now", types, pos, 0, 0)
        return V.DATETIME

    def coalesce(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("coalesce", types, pos, 2, None)
        return _common("coalesce", types, pos)

    def if_(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("if", types, pos, 3, 3)
        _want("if", 0, types[0], {V.BOOLEAN}, pos)
        return _common("if", types[1:], pos)

    def abs_(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("abs", types, pos, 1, 1)
        _want("abs", 0, types[0], set(NUMERIC_TYPES), pos)
        return types[0]

    def round_(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("round", types, pos, 1, 2)
        _want("round", 0, types[0], set(NUMERIC_TYPES), pos)
        if len(types) == 2:
            _want("round", 1, types[1], {V.INTEGER}, pos)
        return types[0]

    def add_days(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("add_days", types, pos, 2, 2)
        _want("add_days", 0, types[0], {V.DATE, V.DATETIME}, pos)
        _want("add_days", 1, types[1], {V.INTEGER}, pos)
        return types[0]

    def add_months(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("add_months", types, pos, 2, 2)
        _want("add_months", 0, types[0], {V.DATE}, pos)
        _want("add_months", 1, types[1], {V.INTEGER}, pos)
        return V.DATE

    def days_between(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("days_between", types, pos, 2, 2)
        for i, t in enumerate(types):
            _want("days_between", i, t, {V.DATE}, pos)
        return V.INTEGER

    def date_part(name: str) -> Signature:
        def check(types: Sequence[ValueType], pos: int) -> ValueType:
            _arity(name, types, pos, 1, 1)
            _want(name, 0, types[0], {V.DATE, V.DATETIME}, pos)
            return V.INTEGER

        return check

    def date_(types: Sequence[ValueType], pos: int) -> ValueType:
        _arity("date", types, pos, 1, 1)
        _want("date", 0, types[0], {V.STRING, V.DATETIME}, pos)
        return V.DATE

    return {
        "upper": strings("upper", 1, V.STRING),
        "lower": strings("lower", 1, V.STRING),
        "trim": strings("trim", 1, V.STRING),
        "length": strings("length", 1, V.INTEGER),
        "startswith": strings("startswith", 2, V.BOOLEAN),
        "endswith": strings("endswith", 2, V.BOOLEAN),
        "contains": strings("contains", 2, V.BOOLEAN),
        "concat": concat,
        "today": today,
        "now": now,
        "coalesce": coalesce,
        "if": if_,
        "abs": abs_,
        "round": round_,
        "add_days": add_days,
        "add_months": add_months,
        "days_between": days_between,
        "year": date_part("year"),
        "month": date_part("month"),
        "day": date_part("day"),
        "date": date_,
    }


def _common(name: str, types: Sequence[ValueType], pos: int) -> ValueType:
    result = V.NULL
    for t in types:
        merged = widen(result, t)
        if merged is None:
            raise ExpressionError(
                f"{name}() mixes {result.value} and {t.value}",
                pos,
                "give every branch the same type",
            )
        result = merged
    return result


#: Every function of the language and its type rule. Compilers key on the same names.
FUNCTIONS: dict[str, Signature] = _make_functions()


# ------------------------------------------------------------------------ checker


class _Checker:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.types: dict[int, ValueType] = {}
        self.options: dict[int, tuple[str, ...]] = {}
        self.fields: list[FieldRef] = []

    def visit(self, node: Expr) -> ValueType:
        result = self._visit(node)
        self.types[id(node)] = result
        return result

    def _visit(self, node: Expr) -> ValueType:
        match node:
            case Literal(value=value):
                return _literal_type(value)
            case FieldRef(path=path, pos=pos):
                resolved = self.scope.field(path, pos)
                self.fields.append(node)
                if resolved.options:
                    self.options[id(node)] = resolved.options
                return resolved.type
            case ParamRef(path=path, pos=pos):
                resolved = self.scope.param(path, pos)
                if resolved.options:
                    self.options[id(node)] = resolved.options
                return resolved.type
            case Unary(op="not", operand=operand, pos=pos):
                t = self.visit(operand)
                self._expect_boolean(t, pos, "not")
                return V.BOOLEAN
            case Unary(operand=operand, pos=pos):
                t = self.visit(operand)
                if not _is_numeric(t):
                    raise ExpressionError(f"cannot negate {a(t)}", pos)
                return t
            case Binary(op=op, left=left, right=right, pos=pos) if op in ("and", "or"):
                self._expect_boolean(self.visit(left), pos, op)
                self._expect_boolean(self.visit(right), pos, op)
                return V.BOOLEAN
            case Binary(op=op, left=left, right=right, pos=pos) if op in COMPARISON_OPS:
                lt, rt = self.visit(left), self.visit(right)
                if widen(lt, rt) is None:
                    raise ExpressionError(
                        f"cannot compare {lt.value} with {rt.value}",
                        pos,
                        _comparison_hint(lt, rt),
                    )
                self._check_option(left, right)
                self._check_option(right, left)
                return V.BOOLEAN
            case Binary(op="||", left=left, right=right):
                self.visit(left)
                self.visit(right)
                return V.STRING
            case Binary(op=op, left=left, right=right, pos=pos) if op in ARITHMETIC_OPS:
                return _arithmetic(op, self.visit(left), self.visit(right), pos)
            case InList(operand=operand, items=items, pos=pos):
                t = self.visit(operand)
                for item in items:
                    it = self.visit(item)
                    if widen(t, it) is None:
                        raise ExpressionError(
                            f"the list holds {a(it)} but is compared with {a(t)}", pos
                        )
                    self._check_option(operand, item)
                return V.BOOLEAN
            case IsNull(operand=operand):
                self.visit(operand)
                return V.BOOLEAN
            case Call(name=name, args=args, pos=pos):
                signature = FUNCTIONS.get(name)
                if signature is None:
                    raise unknown_function(name, pos, sorted(FUNCTIONS))
                arg_types = [self.visit(arg) for arg in args]
                if name == "date" and args and isinstance(args[0], Literal):
                    _check_date_literal(args[0])
                return signature(arg_types, pos)
            case _:
                raise ExpressionError("unsupported expression", 0)

    def _expect_boolean(self, t: ValueType, pos: int, op: str) -> None:
        if t not in (V.BOOLEAN, V.NULL):
            raise ExpressionError(
                f"'{op}' needs a condition (true/false), not {a(t)}",
                pos,
                "compare the value, e.g. amount > 0",
            )

    def _check_option(self, named: Expr, literal: Expr) -> None:
        options = self.options.get(id(named))
        if not options or not isinstance(literal, Literal) or not isinstance(literal.value, str):
            return
        if literal.value not in options:
            what = named.dotted if isinstance(named, FieldRef | ParamRef) else "the value"
            raise ExpressionError(
                f"{literal.value!r} is not an option of {what}",
                literal.pos,
                did_you_mean(literal.value, options),
            )


def _check_date_literal(literal: Literal) -> None:
    import datetime as dt

    if isinstance(literal.value, str):
        try:
            dt.date.fromisoformat(literal.value)
        except ValueError:
            raise ExpressionError(
                f"{literal.value!r} is not a date", literal.pos, "write dates as 'YYYY-MM-DD'"
            ) from None


def _comparison_hint(a: ValueType, b: ValueType) -> str | None:
    if V.STRING in (a, b) and {a, b} & {V.DATE, V.DATETIME}:
        return "write a date literal as date('2024-12-31')"
    if V.STRING in (a, b) and {a, b} & set(NUMERIC_TYPES):
        return "numbers are written without quotes"
    return None


def _arithmetic(op: str, a: ValueType, b: ValueType, pos: int) -> ValueType:
    if _is_numeric(a) and _is_numeric(b):
        wide = widen(a, b) or V.INTEGER
        if wide is V.NULL:
            return V.NULL
        if op == "/":
            if a is V.MONEY and b is not V.MONEY:
                return V.MONEY
            return V.DECIMAL
        if op == "%":
            if wide is not V.INTEGER:
                raise ExpressionError("% works on integers only", pos)
            return V.INTEGER
        return wide
    if op in ("+", "-") and a in (V.DATE, V.DATETIME) and b in (V.INTEGER, V.NULL):
        return a
    if op == "+" and b in (V.DATE, V.DATETIME) and a is V.INTEGER:
        return b
    if op == "-" and a is V.DATE and b is V.DATE:
        return V.INTEGER
    hint = "join text with || or concat(a, b)" if V.STRING in (a, b) and op == "+" else None
    if a in (V.DATE, V.DATETIME) or b in (V.DATE, V.DATETIME):
        hint = "add or subtract a number of days: close_date + 30, or use add_months()"
    raise ExpressionError(f"cannot apply {op!r} to {a.value} and {b.value}", pos, hint)


def check(expr: Expr, scope: Scope, *, expect: ValueType | None = None) -> Checked:
    """Type-check ``expr``. With ``expect``, the result must fit that type."""
    checker = _Checker(scope)
    result = checker.visit(expr)
    if expect is not None and result is not V.NULL and widen(result, expect) != expect:
        raise ExpressionError(
            f"the expression gives {a(result)} but {a(expect)} is needed",
            0,
            _expect_hint(expect, result),
        )
    return Checked(expr, result, checker.types, checker.fields)


def _expect_hint(expect: ValueType, got: ValueType) -> str | None:
    if expect is V.BOOLEAN:
        return "write a condition, e.g. stage = 'won'"
    if expect is V.STRING:
        return "wrap it in concat(...) to turn it into text"
    if expect is V.INTEGER and got in (V.DECIMAL, V.MONEY):
        return "use round(..., 0) and declare returns: decimal, or return decimal"
    return None
