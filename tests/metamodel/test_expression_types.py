"""The type checker: every type rule, every function, and errors that suggest the fix."""

from __future__ import annotations

import pytest

from xrm.metamodel.expression_types import (
    FUNCTIONS,
    Checked,
    NoParams,
    Resolved,
    check,
    widen,
)
from xrm.metamodel.expressions import Binary, Call, ExpressionError, parse
from xrm.metamodel.types import ValueType

V = ValueType

#: The record every expression below is checked against.
FIELDS: dict[str, Resolved] = {
    "name": Resolved(V.STRING),
    "quantity": Resolved(V.INTEGER),
    "discount": Resolved(V.DECIMAL),
    "amount": Resolved(V.MONEY),
    "active": Resolved(V.BOOLEAN),
    "close_date": Resolved(V.DATE),
    "starts_at": Resolved(V.DATETIME),
    "account": Resolved(V.ID),
    "account.name": Resolved(V.STRING),
    "interests": Resolved(V.MULTICHOICE, ("software", "training")),
    "stage": Resolved(V.STRING, ("open", "won", "lost")),
}


class RecordScope(NoParams):
    """Fields from FIELDS; ``$user.region`` is the only parameter, when allowed."""

    def __init__(self, *, params: bool = False) -> None:
        self.params = params

    def field(self, path: tuple[str, ...], pos: int) -> Resolved:
        key = ".".join(path)
        if key not in FIELDS:
            raise ExpressionError(f"unknown field {key!r}", pos)
        return FIELDS[key]

    def param(self, path: tuple[str, ...], pos: int) -> Resolved:
        if self.params and path == ("user", "region"):
            return Resolved(V.STRING, ("emea", "apac"))
        return super().param(path, pos)


def type_of(text: str, *, params: bool = False) -> ValueType:
    return check(parse(text), RecordScope(params=params)).type


def error_of(text: str, expect: ValueType | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        check(parse(text), RecordScope(), expect=expect)
    return info.value


# ------------------------------------------------------------------ names, literals


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'x'", V.STRING),
        ("1", V.INTEGER),
        ("1.5", V.DECIMAL),
        ("true", V.BOOLEAN),
        ("null", V.NULL),
        ("amount", V.MONEY),
        ("account.name", V.STRING),
        ("account", V.ID),
        ("interests", V.MULTICHOICE),
    ],
)
def test_names_and_literals(text: str, expected: ValueType) -> None:
    assert type_of(text) is expected


def test_the_result_records_every_node_and_field() -> None:
    checked = check(parse("amount * quantity > 100"), RecordScope())
    assert isinstance(checked, Checked)
    assert checked.type is V.BOOLEAN
    tree = checked.expr
    assert isinstance(tree, Binary)
    assert checked.type_of(tree.left) is V.MONEY
    assert checked.type_of(tree.right) is V.INTEGER
    assert [ref.dotted for ref in checked.fields] == ["amount", "quantity"]


def test_unknown_names_come_from_the_scope() -> None:
    error = error_of("amount + qty")
    assert (error.message, error.pos) == ("unknown field 'qty'", 9)


def test_parameters_are_refused_where_none_exist() -> None:
    error = error_of("stage = $user.region")
    assert error.message == "$user.region cannot be used here"
    assert error.suggestion is not None
    assert "only available in access rules and view filters" in error.suggestion
    assert type_of("$user.region = 'emea'", params=True) is V.BOOLEAN


# ---------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quantity + 1", V.INTEGER),
        ("quantity - 1", V.INTEGER),
        ("quantity * 2", V.INTEGER),
        ("quantity % 7", V.INTEGER),
        ("quantity / 2", V.DECIMAL),
        ("quantity + discount", V.DECIMAL),
        ("discount * amount", V.MONEY),
        ("amount * quantity", V.MONEY),
        ("amount / 100", V.MONEY),
        ("amount / amount", V.DECIMAL),
        ("amount + null", V.MONEY),
        ("null + null", V.NULL),
        ("-amount", V.MONEY),
        ("-quantity * 2", V.INTEGER),
        ("close_date + 30", V.DATE),
        ("30 + close_date", V.DATE),
        ("close_date - 7", V.DATE),
        ("close_date - close_date", V.INTEGER),
        ("starts_at + 1", V.DATETIME),
        ("starts_at - 1", V.DATETIME),
        ("name || 1", V.STRING),
        ("quantity || close_date", V.STRING),
    ],
)
def test_arithmetic_types(text: str, expected: ValueType) -> None:
    assert type_of(text) is expected


@pytest.mark.parametrize(
    ("text", "message", "suggestion"),
    [
        ("name + 1", "cannot apply '+' to string and integer", "join text with || or concat"),
        ("name * 2", "cannot apply '*' to string and integer", None),
        ("close_date + close_date", "cannot apply '+' to date and date", "add or subtract"),
        ("starts_at - starts_at", "cannot apply '-' to datetime and datetime", "add or subtract"),
        ("close_date + 1.5", "cannot apply '+' to date and decimal", "add or subtract"),
        ("active + 1", "cannot apply '+' to boolean and integer", None),
        ("discount % 2", "% works on integers only", None),
        ("-name", "cannot negate a string", None),
    ],
)
def test_arithmetic_errors(text: str, message: str, suggestion: str | None) -> None:
    error = error_of(text)
    assert error.message == message
    if suggestion is None:
        assert error.suggestion is None
    else:
        assert error.suggestion is not None
        assert suggestion in error.suggestion


def test_arithmetic_errors_point_at_the_operator() -> None:
    assert error_of("quantity + name * 2").pos == 16


# ------------------------------------------------------------ comparisons, logic


@pytest.mark.parametrize(
    "text",
    [
        "quantity > 1",
        "amount >= quantity",
        "discount < amount",
        "close_date <= starts_at",
        "name != 'x'",
        "active = true",
        "account = null",
        "stage in ('open', 'won')",
        "quantity not in (1, 2.5)",
        "name is null",
        "amount is not null",
        "not active",
        "active and quantity > 1 or name = 'x'",
        "null and active",
    ],
)
def test_conditions_are_booleans(text: str) -> None:
    assert type_of(text) is V.BOOLEAN


@pytest.mark.parametrize(
    ("text", "message", "suggestion"),
    [
        ("close_date > '2024-01-01'", "cannot compare date with string", "date('2024-12-31')"),
        ("amount > '100'", "cannot compare money with string", "without quotes"),
        ("active = 1", "cannot compare boolean with integer", None),
        ("account = 'x'", "cannot compare id with string", None),
        ("quantity in (1, 'two')", "the list holds a string but is compared with an integer", None),
        ("not quantity", "'not' needs a condition (true/false), not an integer", "amount > 0"),
        ("active and name", "'and' needs a condition (true/false), not a string", "amount > 0"),
        ("quantity or active", "'or' needs a condition (true/false), not an integer", None),
    ],
)
def test_comparison_and_logic_errors(text: str, message: str, suggestion: str | None) -> None:
    error = error_of(text)
    assert error.message == message
    if suggestion is not None:
        assert error.suggestion is not None
        assert suggestion in error.suggestion


def test_choice_literals_must_be_options() -> None:
    error = error_of("stage = 'wom'")
    assert error.message == "'wom' is not an option of stage"
    assert error.suggestion == "did you mean 'won'?"
    assert error.pos == 8
    # Either side, and inside a list.
    assert error_of("'lots' = stage").suggestion == "did you mean 'lost'?"
    error = error_of("stage in ('open', 'pending')")
    assert (error.message, error.pos) == ("'pending' is not an option of stage", 18)
    assert error.suggestion == "expected one of: lost, open, won"


def test_choice_parameters_are_checked_too() -> None:
    with pytest.raises(ExpressionError, match=r"'mars' is not an option of \$user\.region"):
        check(parse("$user.region = 'mars'"), RecordScope(params=True))


# ----------------------------------------------------------------------- functions


#: One call of every function with the type it gives.
FUNCTION_CASES: list[tuple[str, ValueType]] = [
    ("upper(name)", V.STRING),
    ("lower(name)", V.STRING),
    ("trim(name)", V.STRING),
    ("length(name)", V.INTEGER),
    ("startswith(name, 'A')", V.BOOLEAN),
    ("endswith(name, 'Ltd')", V.BOOLEAN),
    ("contains(name, 'corp')", V.BOOLEAN),
    ("concat(name, ' ', quantity, close_date)", V.STRING),
    ("concat(name)", V.STRING),
    ("today()", V.DATE),
    ("now()", V.DATETIME),
    ("coalesce(discount, 0)", V.DECIMAL),
    ("coalesce(null, amount, 0)", V.MONEY),
    ("coalesce(close_date, starts_at)", V.DATETIME),
    ("if(active, amount, 0)", V.MONEY),
    ("if(quantity > 1, 'many', 'one')", V.STRING),
    ("if(active, null, close_date)", V.DATE),
    ("abs(discount)", V.DECIMAL),
    ("abs(-3)", V.INTEGER),
    ("round(amount)", V.MONEY),
    ("round(discount, 2)", V.DECIMAL),
    ("add_days(close_date, 30)", V.DATE),
    ("add_days(starts_at, 1)", V.DATETIME),
    ("add_months(close_date, 3)", V.DATE),
    ("days_between(today(), close_date)", V.INTEGER),
    ("year(close_date)", V.INTEGER),
    ("month(starts_at)", V.INTEGER),
    ("day(close_date)", V.INTEGER),
    ("date('2026-12-31')", V.DATE),
    ("date(starts_at)", V.DATE),
    ("date(name)", V.DATE),
    ("upper(null)", V.STRING),
]


@pytest.mark.parametrize(("text", "expected"), FUNCTION_CASES)
def test_function_types(text: str, expected: ValueType) -> None:
    assert type_of(text) is expected


def test_every_function_has_a_case() -> None:
    # A new function needs a case above (and a line in docs/expressions.md).
    called: set[str] = set()
    for text, _ in FUNCTION_CASES:
        tree = parse(text)
        assert isinstance(tree, Call)
        called.add(tree.name)
    assert called == set(FUNCTIONS)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("upper()", "upper() takes 1 argument(s), got 0"),
        ("upper(name, name)", "upper() takes 1 argument(s), got 2"),
        ("startswith(name)", "startswith() takes 2 argument(s), got 1"),
        ("concat()", "concat() takes at least 1 argument(s), got 0"),
        ("today(1)", "today() takes 0 argument(s), got 1"),
        ("coalesce(name)", "coalesce() takes at least 2 argument(s), got 1"),
        ("if(active, 1)", "if() takes 3 argument(s), got 2"),
        ("round(amount, 2, 3)", "round() takes 1 to 2 argument(s), got 3"),
        ("upper(quantity)", "argument 1 of upper() must be string, not integer"),
        ("contains(name, 1)", "argument 2 of contains() must be string, not integer"),
        ("if(quantity, 1, 2)", "argument 1 of if() must be boolean, not integer"),
        ("if(active, 1, 'x')", "if() mixes integer and string"),
        ("coalesce(amount, 'none')", "coalesce() mixes money and string"),
        ("abs(name)", "argument 1 of abs() must be decimal or integer or money, not string"),
        ("round(amount, 1.5)", "argument 2 of round() must be integer, not decimal"),
        ("add_days(name, 1)", "argument 1 of add_days() must be date or datetime, not string"),
        ("add_days(close_date, 1.5)", "argument 2 of add_days() must be integer, not decimal"),
        ("add_months(starts_at, 1)", "argument 1 of add_months() must be date, not datetime"),
        ("days_between(close_date, 3)", "argument 2 of days_between() must be date, not integer"),
        ("year(name)", "argument 1 of year() must be date or datetime, not string"),
        ("date(quantity)", "argument 1 of date() must be datetime or string, not integer"),
        ("date('31/12/2026')", "'31/12/2026' is not a date"),
    ],
)
def test_function_errors(text: str, message: str) -> None:
    assert error_of(text).message == message


def test_unknown_functions_suggest_a_known_one() -> None:
    error = error_of("concatenate(name, 'x')")
    assert (error.message, error.pos, error.suggestion) == (
        "unknown function 'concatenate'",
        0,
        "did you mean 'concat'?",
    )
    assert error_of("sum(amount)").suggestion is None


def test_a_date_literal_error_points_at_the_text() -> None:
    error = error_of("close_date > date('2026-13-01')")
    assert (error.pos, error.suggestion) == (18, "write dates as 'YYYY-MM-DD'")


# -------------------------------------------------------------- expected result


@pytest.mark.parametrize(
    ("text", "expect", "result"),
    [
        ("quantity * 2", V.INTEGER, V.INTEGER),
        ("quantity * 2", V.DECIMAL, V.INTEGER),
        ("quantity", V.MONEY, V.INTEGER),
        ("close_date", V.DATETIME, V.DATE),
        ("null", V.STRING, V.NULL),
        ("stage = 'won'", V.BOOLEAN, V.BOOLEAN),
    ],
)
def test_results_that_fit_the_expected_type(
    text: str, expect: ValueType, result: ValueType
) -> None:
    # A narrower result is fine: an integer formula may be stored as a decimal.
    assert check(parse(text), RecordScope(), expect=expect).type is result


@pytest.mark.parametrize(
    ("text", "expect", "message", "suggestion"),
    [
        (
            "amount",
            V.BOOLEAN,
            "the expression gives a money amount but a boolean is needed",
            "write a condition, e.g. stage = 'won'",
        ),
        (
            "quantity",
            V.STRING,
            "the expression gives an integer but a string is needed",
            "wrap it in concat(...) to turn it into text",
        ),
        (
            "amount * 2",
            V.INTEGER,
            "the expression gives a money amount but an integer is needed",
            "use round(..., 0) and declare returns: decimal, or return decimal",
        ),
        ("amount", V.DECIMAL, "the expression gives a money amount but a decimal is needed", None),
        ("starts_at", V.DATE, "the expression gives a datetime but a date is needed", None),
    ],
)
def test_results_of_the_wrong_type(
    text: str, expect: ValueType, message: str, suggestion: str | None
) -> None:
    error = error_of(text, expect)
    assert (error.message, error.suggestion, error.pos) == (message, suggestion, 0)


@pytest.mark.parametrize(
    ("a", "b", "common"),
    [
        (V.INTEGER, V.DECIMAL, V.DECIMAL),
        (V.DECIMAL, V.MONEY, V.MONEY),
        (V.INTEGER, V.INTEGER, V.INTEGER),
        (V.NULL, V.STRING, V.STRING),
        (V.DATE, V.NULL, V.DATE),
        (V.DATE, V.DATETIME, V.DATETIME),
        (V.STRING, V.INTEGER, None),
        (V.BOOLEAN, V.INTEGER, None),
        (V.ID, V.STRING, None),
    ],
)
def test_widening(a: ValueType, b: ValueType, common: ValueType | None) -> None:
    assert widen(a, b) is common
    assert widen(b, a) is common
