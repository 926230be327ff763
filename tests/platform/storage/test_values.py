"""Input coercion: what each field kind accepts, normalises and refuses (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from pydantic import TypeAdapter

from xrm.metamodel.schema import FieldDef
from xrm.metamodel.types import FieldKind
from xrm.platform.storage.values import (
    COERCERS,
    CoerceContext,
    Invalid,
    Money,
    Ref,
    coerce,
    default_input,
)

CTX = CoerceContext(default_currency="EUR")
ID = UUID("12345678-1234-5678-1234-567812345678")
_FIELD = TypeAdapter[FieldDef](FieldDef)


def field(**spec: Any) -> FieldDef:
    return _FIELD.validate_python(spec)


def test_every_kind_has_a_coercer() -> None:
    assert set(COERCERS) == set(FieldKind)


ACCEPTED: list[tuple[dict[str, Any], object, object]] = [
    ({"type": "string"}, "Acme", "Acme"),
    ({"type": "string", "pattern": "[A-Z]{2}-[0-9]+"}, "AB-12", "AB-12"),
    ({"type": "text"}, "x" * 20_000, "x" * 20_000),
    ({"type": "email"}, " Ann.Lee@Example.COM ", "Ann.Lee@example.com"),
    ({"type": "phone"}, " +33  1 23 45 67 89 ", "+33 1 23 45 67 89"),
    ({"type": "phone"}, "(555) 010-9999", "(555) 010-9999"),
    ({"type": "url"}, "https://example.com/a?b=1", "https://example.com/a?b=1"),
    ({"type": "url"}, "example.com", "https://example.com"),
    ({"type": "integer"}, 42, 42),
    ({"type": "integer"}, " 42 ", 42),
    ({"type": "integer"}, Decimal("42.0"), 42),
    ({"type": "integer", "min": 0, "max": 10}, 10, 10),
    ({"type": "decimal", "scale": 2}, "12.50", Decimal("12.50")),
    ({"type": "decimal", "scale": 2}, 0.1, Decimal("0.1")),
    ({"type": "decimal", "scale": 2}, "1.500", Decimal("1.500")),
    ({"type": "money"}, "9.99", Money(Decimal("9.99"), "EUR")),
    ({"type": "money"}, {"amount": 5, "currency": "usd"}, Money(Decimal(5), "USD")),
    ({"type": "money", "currency": "JPY"}, 100, Money(Decimal(100), "JPY")),
    ({"type": "money"}, {"amount": None, "currency": "USD"}, None),
    ({"type": "boolean"}, True, True),
    ({"type": "boolean"}, "no", False),
    ({"type": "boolean"}, 1, True),
    ({"type": "date"}, "2024-02-29", dt.date(2024, 2, 29)),
    ({"type": "date"}, dt.date(2024, 1, 1), dt.date(2024, 1, 1)),
    (
        {"type": "datetime"},
        "2024-05-01T10:00:00+02:00",
        dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC),
    ),
    ({"type": "datetime"}, "2024-05-01T10:00:00Z", dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC)),
    ({"type": "choice", "options": ["new", "won"]}, "won", "won"),
    ({"type": "multichoice", "options": ["a", "b", "c"]}, ["c", "a", "c"], ("a", "c")),
    ({"type": "multichoice", "options": ["a", "b"]}, [], None),
    ({"type": "lookup", "target": "account"}, str(ID), ID),
    ({"type": "lookup", "target": "account"}, {"id": ID}, ID),
    (
        {"type": "polymorphic_lookup", "targets": ["account", "contact"]},
        {"entity": "contact", "id": str(ID)},
        Ref("contact", ID),
    ),
    ({"type": "file"}, ID, ID),
    ({"type": "string"}, "", None),
    ({"type": "integer"}, None, None),
]


@pytest.mark.parametrize(("spec", "given", "expected"), ACCEPTED)
def test_accepted_values(spec: dict[str, Any], given: object, expected: object) -> None:
    assert coerce(field(**spec), given, CTX) == expected


REFUSED: list[tuple[dict[str, Any], object, str]] = [
    ({"type": "string", "max_length": 3}, "abcd", "max_length"),
    ({"type": "string"}, 12, "type"),
    ({"type": "string", "pattern": "[A-Z]{2}"}, "abc", "pattern"),
    ({"type": "text", "max_length": 2}, "abc", "max_length"),
    ({"type": "email"}, "not-an-email", "email"),
    ({"type": "email"}, "a@b", "email"),
    ({"type": "phone"}, "call me", "phone"),
    ({"type": "phone"}, "12", "phone"),
    ({"type": "url"}, "ftp://example.com", "url"),
    ({"type": "url"}, "http://", "url"),
    ({"type": "integer"}, 1.5, "type"),
    ({"type": "integer"}, True, "type"),
    ({"type": "integer"}, "ten", "type"),
    ({"type": "integer", "min": 0}, -1, "min"),
    ({"type": "integer", "max": 10}, 11, "max"),
    ({"type": "integer"}, 2**63, "max"),
    ({"type": "decimal", "scale": 2}, "1.234", "scale"),
    ({"type": "decimal", "precision": 4, "scale": 2}, "123.4", "precision"),
    ({"type": "decimal"}, "NaN", "type"),
    ({"type": "decimal", "min": 1}, "0.5", "min"),
    ({"type": "money"}, "1.23456", "scale"),
    ({"type": "money"}, {"amount": 1, "currency": "euro"}, "currency"),
    ({"type": "money", "currency": "EUR"}, {"amount": 1, "currency": "USD"}, "currency"),
    ({"type": "money"}, {"value": 1}, "type"),
    ({"type": "money", "max": 100}, 101, "max"),
    ({"type": "boolean"}, "maybe", "type"),
    ({"type": "boolean"}, 2, "type"),
    ({"type": "date"}, "31/12/2024", "type"),
    ({"type": "date"}, dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "type"),
    ({"type": "datetime"}, "2024-05-01T10:00:00", "naive_datetime"),
    ({"type": "datetime"}, dt.datetime(2024, 5, 1, 10), "naive_datetime"),
    ({"type": "datetime"}, "yesterday", "type"),
    ({"type": "datetime"}, dt.date(2024, 5, 1), "type"),
    ({"type": "choice", "options": ["new", "won"]}, "wno", "option"),
    ({"type": "multichoice", "options": ["a", "b"]}, "a", "type"),
    ({"type": "multichoice", "options": ["a", "b"]}, ["a", "z"], "option"),
    ({"type": "lookup", "target": "account"}, "nope", "type"),
    (
        {"type": "polymorphic_lookup", "targets": ["account", "contact"]},
        {"entity": "tag", "id": str(ID)},
        "target",
    ),
    ({"type": "polymorphic_lookup", "targets": ["account", "contact"]}, str(ID), "type"),
    ({"type": "autonumber"}, "OPP-1", "read_only"),
    ({"type": "autonumber"}, None, "read_only"),
    ({"type": "formula", "returns": "integer", "expression": "1"}, 1, "computed"),
    ({"type": "rollup", "relation": "r", "aggregate": "count"}, None, "computed"),
]


@pytest.mark.parametrize(("spec", "given", "code"), REFUSED)
def test_refused_values(spec: dict[str, Any], given: object, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        coerce(field(**spec), given, CTX)
    assert caught.value.code == code
    assert caught.value.message  # a sentence for people, not just a code


def test_messages_say_what_is_expected() -> None:
    with pytest.raises(Invalid, match="did you mean 'won'"):
        coerce(field(type="choice", options=["new", "won"]), "wno", CTX)
    with pytest.raises(Invalid, match=r"has no time zone; add one"):
        coerce(field(type="datetime"), "2024-05-01T10:00:00", CTX)
    with pytest.raises(Invalid, match="at most 2 are allowed"):
        coerce(field(type="decimal", scale=2), "1.234", CTX)


def test_default_currency_comes_from_the_context() -> None:
    assert coerce(field(type="money"), 3, CoerceContext("CHF")) == Money(Decimal(3), "CHF")


def test_defaults_resolve_today_and_now() -> None:
    now = dt.datetime(2024, 6, 1, 23, 59, tzinfo=dt.UTC)
    assert default_input(field(type="date", default="today"), now) == dt.date(2024, 6, 1)
    assert default_input(field(type="datetime", default="now"), now) == now
    assert default_input(field(type="integer", default=3), now) == 3
    assert default_input(field(type="string"), now) is None
