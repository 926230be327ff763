"""Expressions compiled to SQL: every operator and function, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from xrm.metamodel.expression_types import FUNCTIONS
from xrm.platform.storage.sql_constructs import AddMonths, Today
from xrm.platform.storage.sql_functions import FUNCTION_SQL, like_escape

if TYPE_CHECKING:
    from xrm.tests.platform.storage.conftest import Env, MakeEnv

UTC = dt.UTC

FORMULAS = {
    "f_div": ("decimal", "a / b"),
    "f_div_zero": ("decimal", "a / 0"),
    "f_mod": ("integer", "a % b"),
    "f_neg": ("integer", "-a"),
    "f_arith": ("decimal", "(a + b) * d - 1"),
    "f_money": ("money", "price * 2"),
    "f_concat_op": ("string", "name || '#' || a"),
    "f_concat_fn": ("string", "concat(name, '-', a, null, '!')"),
    "f_upper": ("string", "upper(name)"),
    "f_lower": ("string", "lower(name)"),
    "f_trim": ("string", "trim(padded)"),
    "f_length": ("integer", "length(name)"),
    "f_today": ("date", "today()"),
    "f_now": ("datetime", "now()"),
    "f_coalesce": ("integer", "coalesce(b, a, 0)"),
    "f_if": ("string", "if(a > b, 'a', 'b')"),
    "f_abs": ("integer", "abs(b - a)"),
    "f_round": ("decimal", "round(d, 1)"),
    "f_round0": ("decimal", "round(d)"),
    "f_add_days": ("date", "add_days(day, 10)"),
    "f_minus_days": ("date", "day - 3"),
    "f_int_plus_date": ("date", "1 + day"),
    "f_add_days_dt": ("datetime", "add_days(at, 1)"),
    "f_at_minus": ("datetime", "at - 2"),
    "f_add_months": ("date", "add_months(day, 1)"),
    "f_add_months_back": ("date", "add_months(day, -2)"),
    "f_days_between": ("integer", "days_between(date('2024-01-01'), day)"),
    "f_date_minus": ("integer", "day - date('2024-01-01')"),
    "f_year": ("integer", "year(day)"),
    "f_month": ("integer", "month(day)"),
    "f_day": ("integer", "day(day)"),
    "f_at_year": ("integer", "year(at)"),
    "f_at_month": ("integer", "month(at)"),
    "f_at_day": ("integer", "day(at)"),
    "f_at_date": ("date", "date(at)"),
    "f_text_date": ("date", "date(iso)"),
    "f_in": ("boolean", "stage in ('won', 'lost')"),
    "f_not_in": ("boolean", "stage not in ('won')"),
    "f_is_null": ("boolean", "b is null"),
    "f_unknown": ("boolean", "not (b > 1)"),
    "f_dt_vs_date": ("boolean", "at > day"),
    "f_starts": ("boolean", "startswith(label, 'a_')"),
    "f_contains": ("boolean", "contains(label, '50%')"),
    "f_contains_case": ("boolean", "contains(label, 'OFF')"),
    "f_ends_column": ("boolean", "endswith(label, needle)"),
    "f_path": ("string", "ref.name"),
    "f_path_2": ("integer", "ref.ref.a"),
    "f_of_formula": ("decimal", "f_div * 2"),
    "f_flag": ("boolean", "flag and a > 1"),
}


def _calc_entity() -> str:
    lines = [
        "entity: calc",
        "fields:",
        "  name: {type: string}",
        "  padded: {type: string}",
        "  label: {type: string}",
        "  needle: {type: string}",
        "  iso: {type: string}",
        "  a: {type: integer}",
        "  b: {type: integer}",
        "  d: {type: decimal, scale: 3}",
        "  price: {type: money}",
        "  day: {type: date}",
        "  at: {type: datetime}",
        "  flag: {type: boolean}",
        "  stage: {type: choice, options: [new, won, lost]}",
        "  ref: {type: lookup, target: calc}",
    ]
    for name, (returns, expression) in FORMULAS.items():
        quoted = expression.replace('"', '\\"')
        lines.append(f'  {name}: {{type: formula, returns: {returns}, expression: "{quoted}"}}')
    return "\n".join(lines) + "\n"


@pytest.fixture
def calc(make_env: MakeEnv) -> Env:
    return make_env({"entities/calc.yaml": _calc_entity()})


def _rows(env: Env) -> list[dict[str, Any]]:
    with env.repo() as repo:
        first = repo.create(
            "calc",
            {
                "name": "Ann",
                "padded": "  hi  ",
                "label": "a_b 50% off",
                "needle": "off",
                "iso": "2024-07-04",
                "a": 7,
                "b": 2,
                "d": "2.26",
                "price": "10.50",
                "day": "2024-01-31",
                "at": "2024-03-31T23:30:00-02:00",
                "flag": True,
                "stage": "won",
            },
        )
        second = repo.create(
            "calc",
            {
                "name": "Bob",
                "label": "abc 500 off",
                "needle": "%ff",
                "a": 5,
                "stage": "new",
                "flag": False,
                "ref": first["id"],
            },
        )
        third = repo.create("calc", {"name": "Cy", "ref": second["id"]})
    with env.repo() as repo:
        found = repo.get_many("calc", [first["id"], second["id"], third["id"]])
    return [found[first["id"]], found[second["id"]], found[third["id"]]]


def _check(record: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    actual = {name: record[name] for name in expected}
    assert actual == expected


def test_every_function_has_sql() -> None:
    assert set(FUNCTION_SQL) == set(FUNCTIONS)


def test_operators_and_functions(calc: Env) -> None:
    first, second, third = _rows(calc)
    _check(
        first,
        {
            "f_div": Decimal("3.5"),
            "f_div_zero": None,
            "f_mod": 1,
            "f_neg": -7,
            "f_arith": Decimal("19.34"),
            "f_money": {"amount": Decimal("21"), "currency": None},
            "f_concat_op": "Ann#7",
            "f_concat_fn": "Ann-7!",
            "f_upper": "ANN",
            "f_lower": "ann",
            "f_trim": "hi",
            "f_length": 3,
            "f_coalesce": 2,
            "f_if": "a",
            "f_abs": 5,
            "f_round": Decimal("2.3"),
            "f_round0": Decimal("2"),
            "f_in": True,
            "f_not_in": False,
            "f_is_null": False,
            "f_unknown": False,
            "f_starts": True,
            "f_contains": True,
            "f_contains_case": True,
            "f_ends_column": True,
            "f_path": None,
            "f_of_formula": Decimal("7"),
            "f_flag": True,
        },
    )
    _check(
        second,
        {
            "f_div": None,  # b is missing: arithmetic with NULL is NULL
            "f_coalesce": 5,
            "f_concat_op": "Bob#5",
            "f_concat_fn": "Bob-5!",
            "f_is_null": True,
            "f_unknown": None,  # not (NULL > 1) is unknown, as in SQL
            "f_in": False,
            "f_not_in": True,
            # '_', '%' in the searched text are literal characters, not wildcards
            "f_starts": False,
            "f_contains": False,
            "f_ends_column": False,
            "f_path": "Ann",
            "f_flag": False,
        },
    )
    _check(third, {"f_path": "Bob", "f_path_2": 7, "f_div": None, "f_trim": None})


def test_date_arithmetic(calc: Env) -> None:
    first, second, _ = _rows(calc)
    _check(
        first,
        {
            "f_add_days": dt.date(2024, 2, 10),
            "f_minus_days": dt.date(2024, 1, 28),
            "f_int_plus_date": dt.date(2024, 2, 1),
            "f_add_days_dt": dt.datetime(2024, 4, 2, 1, 30, tzinfo=UTC),
            "f_at_minus": dt.datetime(2024, 3, 30, 1, 30, tzinfo=UTC),
            "f_add_months": dt.date(2024, 2, 29),  # clamped to the end of February
            "f_add_months_back": dt.date(2023, 11, 30),
            "f_days_between": 30,
            "f_date_minus": 30,
            "f_year": 2024,
            "f_month": 1,
            "f_day": 31,
            # 23:30 at -02:00 is 01:30 UTC the next day: datetimes are read in UTC.
            "f_at_year": 2024,
            "f_at_month": 4,
            "f_at_day": 1,
            "f_at_date": dt.date(2024, 4, 1),
            "f_text_date": dt.date(2024, 7, 4),
            "f_dt_vs_date": True,
        },
    )
    _check(second, {"f_add_days": None, "f_add_months": None, "f_at_date": None})


def test_today_and_now_are_utc(calc: Env) -> None:
    before = dt.datetime.now(UTC)
    first, _, _ = _rows(calc)
    after = dt.datetime.now(UTC)
    assert first["f_today"] in (before.date(), after.date())
    assert before - dt.timedelta(seconds=5) <= first["f_now"] <= after + dt.timedelta(seconds=5)


def test_formulas_filter_and_sort(calc: Env) -> None:
    _rows(calc)
    with calc.repo() as repo:
        names = [r["name"] for r in repo.list("calc", where="f_div > 3").records]
        assert names == ["Ann"]
        assert repo.count("calc", where="f_contains or f_path = 'Ann'") == 2
        assert repo.count("calc", where="f_unknown") == 0
        assert repo.count("calc", where="not f_unknown") == 1  # NULL rows match neither
        ordered = repo.list("calc", order_by=[("f_concat_fn", "desc")]).records
        assert [r["name"] for r in ordered] == ["Cy", "Bob", "Ann"]
        by_path = repo.list("calc", order_by=["f_path", "name"]).records
        assert [r["name"] for r in by_path] == ["Bob", "Cy", "Ann"]  # NULL sorts last


def test_like_patterns_escape_their_wildcards() -> None:
    assert like_escape("50%_off/x") == "50/%/_off//x"


def test_filters_bind_parameters(calc: Env) -> None:
    _rows(calc)
    with calc.repo() as repo:
        since = dt.datetime(2024, 4, 1, 1, 0, tzinfo=UTC)
        assert repo.count("calc", where="at >= $since", params={"since": since}) == 1
        assert repo.count("calc", where="day = $d", params={"d": dt.date(2024, 1, 31)}) == 1
        assert repo.count("calc", where="contains(label, $q)", params={"q": "0% O"}) == 1
        assert repo.count("calc", where="name in ($a, $b)", params={"a": "Ann", "b": "Cy"}) == 2
        assert repo.count("calc", where="b = $nothing", params={"nothing": None}) == 2


def test_constructs_name_the_unsupported_dialect() -> None:
    for construct in (Today(), AddMonths(sa.literal(dt.date(2024, 1, 1)), sa.literal(1))):
        with pytest.raises(sa.exc.CompileError, match="supports sqlite and postgresql"):
            sa.select(construct).compile(dialect=mysql.dialect())
