"""The expression language: formulas, conditions, view filters and rule scopes.

One small grammar with a real parser (never ``eval``), producing a typed AST that
:mod:`xrm.platform.storage.sql_expressions` compiles to SQL. Precedence, lowest first::

    or
    and
    not
    comparison   = != <> < <= > >=   [not] in (…)   is [not] null
    additive     + - ||
    multiplicative  * / %
    unary        -
    primary      literal | name(.name)* | $param(.name)* | function(args) | ( expr )

Literals: ``'text'`` (``''`` escapes a quote), ``42``, ``3.14``, ``true``, ``false``,
``null``. Keywords are case-insensitive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from .errors import did_you_mean

LiteralValue = str | int | Decimal | bool | None


class ExpressionError(Exception):
    """A problem in an expression, at character ``pos`` (0-based) of its text."""

    def __init__(self, message: str, pos: int, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.suggestion = suggestion


# ----------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Literal:
    value: LiteralValue
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class FieldRef:
    """A field of the record, or of a record reached through N:1 lookups (``account.name``)."""

    path: tuple[str, ...]
    pos: int = field(default=0, compare=False)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class ParamRef:
    """A value supplied when the expression runs, such as ``$user.region``."""

    path: tuple[str, ...]
    pos: int = field(default=0, compare=False)

    @property
    def dotted(self) -> str:
        return "$" + ".".join(self.path)


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "not"
    operand: Expr
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / % || = != < <= > >= and or
    left: Expr
    right: Expr
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class InList:
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class IsNull:
    operand: Expr
    negated: bool = False
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    pos: int = field(default=0, compare=False)


Expr = Union[Literal, FieldRef, ParamRef, Unary, Binary, InList, IsNull, Call]  # noqa: UP007

COMPARISON_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
ARITHMETIC_OPS = frozenset({"+", "-", "*", "/", "%"})
LOGICAL_OPS = frozenset({"and", "or"})


# -------------------------------------------------------------------------- lexer


@dataclass(frozen=True)
class Token:
    kind: str  # name, param, number, string, op, keyword, end
    text: str
    pos: int
    value: LiteralValue = None


KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})
_OPERATORS = (
    "<=",
    ">=",
    "!=",
    "<>",
    "||",
    "=",
    "<",
    ">",
    "+",
    "-",
    "*",
    "/",
    "%",
    "(",
    ")",
    ",",
    ".",
)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "'":
            start = i
            i += 1
            chunks: list[str] = []
            while True:
                if i >= n:
                    raise ExpressionError(
                        "unterminated string", start, "close the text with a single quote (')"
                    )
                if text[i] == "'":
                    if i + 1 < n and text[i + 1] == "'":
                        chunks.append("'")
                        i += 2
                        continue
                    i += 1
                    break
                chunks.append(text[i])
                i += 1
            value = "".join(chunks)
            tokens.append(Token("string", text[start:i], start, value))
            continue
        if ch == '"':
            raise ExpressionError(
                "double quotes are not allowed", i, "write text in single quotes: 'like this'"
            )
        if ch.isdigit():
            start = i
            while i < n and text[i].isdigit():
                i += 1
            if i < n and text[i] == "." and i + 1 < n and text[i + 1].isdigit():
                i += 1
                while i < n and text[i].isdigit():
                    i += 1
                tokens.append(Token("number", text[start:i], start, Decimal(text[start:i])))
            else:
                tokens.append(Token("number", text[start:i], start, int(text[start:i])))
            continue
        if ch.isalpha() or ch == "_" or ch == "$":
            start = i
            i += 1
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            word = text[start:i]
            if ch == "$":
                if len(word) == 1:
                    raise ExpressionError("'$' must be followed by a name, as in $user", start)
                tokens.append(Token("param", word[1:], start))
            elif word.lower() in KEYWORDS:
                tokens.append(Token("keyword", word.lower(), start))
            else:
                tokens.append(Token("name", word, start))
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("op", "!=" if op == "<>" else op, i))
                i += len(op)
                break
        else:
            hint = "join text with || or concat(a, b)" if ch == "&" else None
            raise ExpressionError(f"unexpected character {ch!r}", i, hint)
    tokens.append(Token("end", "", n))
    return tokens


# ------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, kind: str, text: str) -> Token | None:
        token = self.current
        if token.kind == kind and token.text == text:
            self.index += 1
            return token
        return None

    def expect(self, kind: str, text: str, what: str) -> Token:
        token = self.accept(kind, text)
        if token is None:
            found = self.current.text or "the end of the expression"
            raise ExpressionError(f"expected {what}, found {found!r}", self.current.pos)
        return token

    def parse(self) -> Expr:
        if self.current.kind == "end":
            raise ExpressionError("the expression is empty", 0)
        expr = self.parse_or()
        if self.current.kind != "end":
            token = self.current
            hint = "use 'and' / 'or' to combine conditions" if token.kind == "name" else None
            raise ExpressionError(f"unexpected {token.text!r}", token.pos, hint)
        return expr

    def parse_or(self) -> Expr:
        left = self.parse_and()
        while token := self.accept("keyword", "or"):
            left = Binary("or", left, self.parse_and(), token.pos)
        return left

    def parse_and(self) -> Expr:
        left = self.parse_not()
        while token := self.accept("keyword", "and"):
            left = Binary("and", left, self.parse_not(), token.pos)
        return left

    def parse_not(self) -> Expr:
        if token := self.accept("keyword", "not"):
            return Unary("not", self.parse_not(), token.pos)
        return self.parse_comparison()

    def parse_comparison(self) -> Expr:
        left = self.parse_additive()
        token = self.current
        if token.kind == "op" and token.text in COMPARISON_OPS:
            self.advance()
            right = self.parse_additive()
            return Binary(token.text, left, right, token.pos)
        if token.kind == "keyword" and token.text == "is":
            self.advance()
            negated = self.accept("keyword", "not") is not None
            self.expect("keyword", "null", "'null' after 'is'")
            return IsNull(left, negated, token.pos)
        negated = False
        if token.kind == "keyword" and token.text == "not":
            following = self.tokens[self.index + 1]
            if following.kind == "keyword" and following.text == "in":
                self.advance()
                negated = True
        if in_token := self.accept("keyword", "in"):
            self.expect("op", "(", "'(' after 'in'")
            items = [self.parse_additive()]
            while self.accept("op", ","):
                items.append(self.parse_additive())
            self.expect("op", ")", "')' to close the list")
            return InList(left, tuple(items), negated, in_token.pos)
        return left

    def parse_additive(self) -> Expr:
        left = self.parse_multiplicative()
        while self.current.kind == "op" and self.current.text in ("+", "-", "||"):
            token = self.advance()
            left = Binary(token.text, left, self.parse_multiplicative(), token.pos)
        return left

    def parse_multiplicative(self) -> Expr:
        left = self.parse_unary()
        while self.current.kind == "op" and self.current.text in ("*", "/", "%"):
            token = self.advance()
            left = Binary(token.text, left, self.parse_unary(), token.pos)
        return left

    def parse_unary(self) -> Expr:
        if token := self.accept("op", "-"):
            operand = self.parse_unary()
            value = operand.value if isinstance(operand, Literal) else None
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                return Literal(-value, token.pos)
            return Unary("-", operand, token.pos)
        return self.parse_primary()

    def parse_primary(self) -> Expr:
        token = self.current
        if token.kind in ("number", "string"):
            self.advance()
            return Literal(token.value, token.pos)
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self.advance()
            value = {"true": True, "false": False, "null": None}[token.text]
            return Literal(value, token.pos)
        if token.kind == "op" and token.text == "(":
            self.advance()
            inner = self.parse_or()
            self.expect("op", ")", "')'")
            return inner
        if token.kind == "param":
            self.advance()
            path = [token.text]
            while self.accept("op", "."):
                path.append(self.expect_name())
            return ParamRef(tuple(path), token.pos)
        if token.kind == "name":
            self.advance()
            if self.accept("op", "("):
                args: list[Expr] = []
                if not self.accept("op", ")"):
                    args.append(self.parse_or())
                    while self.accept("op", ","):
                        args.append(self.parse_or())
                    self.expect("op", ")", "')' to close the function call")
                return Call(token.text.lower(), tuple(args), token.pos)
            path = [token.text]
            while self.accept("op", "."):
                path.append(self.expect_name())
            return FieldRef(tuple(path), token.pos)
        found = token.text or "the end of the expression"
        hint = None
        if token.text == "=" and self.index > 0 and self.tokens[self.index - 1].text == "=":
            hint = "compare with a single =, as in stage = 'won'"
        raise ExpressionError(f"expected a value, found {found!r}", token.pos, hint)

    def expect_name(self) -> str:
        token = self.current
        if token.kind != "name":
            raise ExpressionError("expected a field name after '.'", token.pos)
        self.advance()
        return token.text


def parse(text: str) -> Expr:
    """Parse an expression, raising :class:`ExpressionError` with the position on failure."""
    return _Parser(text).parse()


def field_refs(expr: Expr) -> list[FieldRef]:
    """Every field reference in ``expr``, in reading order."""
    found: list[FieldRef] = []

    def walk(node: Expr) -> None:
        match node:
            case FieldRef():
                found.append(node)
            case Unary(operand=operand):
                walk(operand)
            case Binary(left=left, right=right):
                walk(left)
                walk(right)
            case InList(operand=operand, items=items):
                walk(operand)
                for item in items:
                    walk(item)
            case IsNull(operand=operand):
                walk(operand)
            case Call(args=args):
                for arg in args:
                    walk(arg)
            case _:
                pass

    walk(expr)
    return found


def unknown_function(name: str, pos: int, known: list[str]) -> ExpressionError:
    return ExpressionError(f"unknown function {name!r}", pos, did_you_mean(name, known))
