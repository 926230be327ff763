"""The expression parser: literals, every operator, precedence, and located errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xrm.metamodel.expressions import (
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
    field_refs,
    parse,
    tokenize,
)


def f(*path: str) -> FieldRef:
    return FieldRef(tuple(path))


def lit(value: str | int | Decimal | bool | None) -> Literal:
    return Literal(value)


# ------------------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'won'", "won"),
        ("''", ""),
        ("'it''s'", "it's"),
        ("'田中 花子'", "田中 花子"),
        ("42", 42),
        ("0", 0),
        ("3.14", Decimal("3.14")),
        ("-5", -5),
        ("-0.5", Decimal("-0.5")),
        ("true", True),
        ("FALSE", False),
        ("Null", None),
    ],
)
def test_literals(text: str, value: object) -> None:
    parsed = parse(text)
    assert isinstance(parsed, Literal)
    assert parsed.value == value
    assert type(parsed.value) is type(value)


def test_names_paths_and_parameters() -> None:
    assert parse("amount") == f("amount")
    assert parse("account.owner.name") == f("account", "owner", "name")
    assert parse("$user") == ParamRef(("user",))
    assert parse("$user.region") == ParamRef(("user", "region"))
    # Keywords are case-insensitive; names keep their case for the checker to judge.
    assert parse("Amount IS NULL") == IsNull(f("Amount"))


def test_function_calls_lowercase_their_name() -> None:
    assert parse("TODAY()") == Call("today", ())
    assert parse("concat(first_name, ' ', last_name)") == Call(
        "concat", (f("first_name"), lit(" "), f("last_name"))
    )
    assert parse("round(amount * 1.2, 2)") == Call(
        "round", (Binary("*", f("amount"), lit(Decimal("1.2"))), lit(2))
    )
    # Arguments are full expressions, conditions included.
    assert parse("if(a > 1 or b, 'x', 'y')") == Call(
        "if", (Binary("or", Binary(">", f("a"), lit(1)), f("b")), lit("x"), lit("y"))
    )


# ------------------------------------------------------------------------ operators


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_comparison_operators(op: str) -> None:
    assert parse(f"a {op} 1") == Binary(op, f("a"), lit(1))


def test_angle_brackets_mean_not_equal() -> None:
    assert parse("a <> 1") == Binary("!=", f("a"), lit(1))


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "%", "||"])
def test_arithmetic_and_concatenation_operators(op: str) -> None:
    assert parse(f"a {op} b") == Binary(op, f("a"), f("b"))


def test_logical_operators() -> None:
    assert parse("a and b") == Binary("and", f("a"), f("b"))
    assert parse("a or b") == Binary("or", f("a"), f("b"))
    assert parse("not a") == Unary("not", f("a"))
    assert parse("not not a") == Unary("not", Unary("not", f("a")))


def test_in_and_not_in() -> None:
    assert parse("stage in ('won', 'lost')") == InList(f("stage"), (lit("won"), lit("lost")))
    assert parse("stage not in ('won')") == InList(f("stage"), (lit("won"),), negated=True)
    assert parse("amount in (1, 2 + 3)") == InList(
        f("amount"), (lit(1), Binary("+", lit(2), lit(3)))
    )


def test_is_null_and_is_not_null() -> None:
    assert parse("email is null") == IsNull(f("email"))
    assert parse("email is not null") == IsNull(f("email"), negated=True)


def test_unary_minus() -> None:
    assert parse("-amount") == Unary("-", f("amount"))
    assert parse("--1") == lit(1)
    assert parse("-(a + b)") == Unary("-", Binary("+", f("a"), f("b")))


# ----------------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a or b and c", Binary("or", f("a"), Binary("and", f("b"), f("c")))),
        ("a and b or c", Binary("or", Binary("and", f("a"), f("b")), f("c"))),
        ("not a and b", Binary("and", Unary("not", f("a")), f("b"))),
        ("not a = 1", Unary("not", Binary("=", f("a"), lit(1)))),
        (
            "a = 1 and b = 2",
            Binary("and", Binary("=", f("a"), lit(1)), Binary("=", f("b"), lit(2))),
        ),
        ("a + b * c", Binary("+", f("a"), Binary("*", f("b"), f("c")))),
        ("a * b + c", Binary("+", Binary("*", f("a"), f("b")), f("c"))),
        ("a - b - c", Binary("-", Binary("-", f("a"), f("b")), f("c"))),
        ("a / b * c", Binary("*", Binary("/", f("a"), f("b")), f("c"))),
        ("a % b * c", Binary("*", Binary("%", f("a"), f("b")), f("c"))),
        ("a || b + c", Binary("+", Binary("||", f("a"), f("b")), f("c"))),
        ("(a + b) * c", Binary("*", Binary("+", f("a"), f("b")), f("c"))),
        ("-a * b", Binary("*", Unary("-", f("a")), f("b"))),
        ("a + 1 > b * 2", Binary(">", Binary("+", f("a"), lit(1)), Binary("*", f("b"), lit(2)))),
        ("a + 1 in (2, 3)", InList(Binary("+", f("a"), lit(1)), (lit(2), lit(3)))),
        ("a + 1 is null", IsNull(Binary("+", f("a"), lit(1)))),
        (
            "not a in (1) or b is not null",
            Binary("or", Unary("not", InList(f("a"), (lit(1),))), IsNull(f("b"), negated=True)),
        ),
    ],
)
def test_precedence(text: str, tree: Expr) -> None:
    assert parse(text) == tree


def test_positions_point_at_operators_and_names() -> None:
    parsed = parse("amount * probability / 100")
    assert isinstance(parsed, Binary)
    assert parsed.pos == 21
    assert isinstance(parsed.left, Binary)
    assert parsed.left.pos == 7
    assert [ref.pos for ref in field_refs(parsed)] == [0, 9]


def test_field_refs_in_reading_order() -> None:
    parsed = parse("if(a.b > 1, coalesce(c, d), -e) in (f, g) and h is null and not i")
    assert [ref.dotted for ref in field_refs(parsed)] == [
        "a.b",
        "c",
        "d",
        "e",
        "f",
        "g",
        "h",
        "i",
    ]


def test_tokens() -> None:
    kinds = [(token.kind, token.text) for token in tokenize("$user.id <> 'x' AND n >= 1.5")]
    assert kinds == [
        ("param", "user"),
        ("op", "."),
        ("name", "id"),
        ("op", "!="),
        ("string", "'x'"),
        ("keyword", "and"),
        ("name", "n"),
        ("op", ">="),
        ("number", "1.5"),
        ("end", ""),
    ]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "pos", "message", "suggestion"),
    [
        ("", 0, "the expression is empty", None),
        ("   ", 0, "the expression is empty", None),
        ("name = 'open", 7, "unterminated string", "close the text with a single quote (')"),
        ('stage = "won"', 8, "double quotes are not allowed", "write text in single quotes"),
        ("a & b", 2, "unexpected character '&'", "join text with || or concat(a, b)"),
        ("a ? b", 2, "unexpected character '?'", None),
        ("a == 1", 3, "expected a value, found '='", "compare with a single ="),
        ("$ = 1", 0, "'$' must be followed by a name, as in $user", None),
        ("a = ", 4, "expected a value, found 'the end of the expression'", None),
        ("(a + b", 6, "expected ')', found 'the end of the expression'", None),
        ("a + b)", 5, "unexpected ')'", None),
        ("a b", 2, "unexpected 'b'", "use 'and' / 'or' to combine conditions"),
        ("a = 1 = 2", 6, "unexpected '='", None),
        ("account.", 8, "expected a field name after '.'", None),
        ("account.1", 8, "expected a field name after '.'", None),
        ("$user.", 6, "expected a field name after '.'", None),
        ("stage in 'won'", 9, "expected '(' after 'in', found \"'won'\"", None),
        ("stage in ('won'", 15, "expected ')' to close the list", None),
        ("stage in ()", 10, "expected a value, found ')'", None),
        ("email is empty", 9, "expected 'null' after 'is', found 'empty'", None),
        ("concat(a, b", 11, "expected ')' to close the function call", None),
        ("concat(a,)", 9, "expected a value, found ')'", None),
        ("not", 3, "expected a value", None),
    ],
)
def test_syntax_errors_have_positions(
    text: str, pos: int, message: str, suggestion: str | None
) -> None:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert info.value.pos == pos
    assert message in info.value.message
    if suggestion is None:
        assert info.value.suggestion is None
    else:
        assert info.value.suggestion is not None
        assert suggestion in info.value.suggestion
