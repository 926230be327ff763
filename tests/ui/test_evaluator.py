"""The Python evaluator means what the SQL compiler means: checked rule by rule, then
against the database itself (every form condition and formula of the CRM, and a set of
edge cases, over records with and without values)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Final
from uuid import UUID

import pytest
from sqlalchemy.engine import Engine

from xrm.metamodel.expression_types import Checked, check
from xrm.metamodel.expressions import parse
from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import FormulaField
from xrm.metamodel.scopes import EntityScope
from xrm.metamodel.types import ValueType
from xrm.platform.migrate import migrate
from xrm.platform.storage.actor import SYSTEM_ACTOR
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel
from xrm.ui.evaluator import evaluate, holds
from xrm.ui.rules import Fetch, Rules, ValueResolver

NOW: Final = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
JAN_31: Final = dt.date(2026, 1, 31)


def _checked(registry: Registry, entity: str, text: str) -> Checked:
    return check(parse(text), EntityScope(registry.entities, entity))


def _eval(registry: Registry, entity: str, text: str, values: Mapping[str, object]) -> object:
    checked = _checked(registry, entity, text)
    return evaluate(checked, lambda path: values.get(".".join(path)), now=NOW)


# ------------------------------------------------------------------ the rules


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("amount > 1000", {"amount": Decimal(1500)}, True),
        ("amount > 1000", {}, None),  # a missing value is unknown
        ("not (amount > 1000)", {}, None),
        ("amount = null", {}, True),  # comparing with the literal null means "is null"
        ("amount != null", {"amount": Decimal(1)}, True),
        ("null = amount", {}, None),  # …only on the right, as SQLAlchemy compiles it
        ("stage = 'won' or amount > 5", {"stage": "won"}, True),  # true or unknown
        ("stage = 'won' and amount > 5", {"stage": "lost"}, False),  # false and unknown
        ("stage = 'won' and amount > 5", {"stage": "won"}, None),
        ("stage in ('won', 'lost')", {"stage": "won"}, True),
        ("stage in ('won', null)", {"stage": "lost"}, None),  # SQL: a null member is unknown
        ("stage not in ('won', null)", {"stage": "lost"}, None),
        ("probability / 0 is null", {"probability": 10}, True),
        ("probability % 7 = 3", {"probability": 10}, True),
        ("(0 - probability) % 7 = -3", {"probability": 10}, True),  # SQL's truncated remainder
        ("concat(name, next_step) = name", {"name": "A"}, True),  # concat skips null
        ("name || next_step is null", {"name": "A"}, True),  # || does not
        ("contains(name, 'GMBH')", {"name": "Fabrikam GmbH"}, True),  # ignores case
        ("trim('  a ') = 'a'", {}, True),
        ("close_date - date('2026-06-01') = 14", {"close_date": dt.date(2026, 6, 15)}, True),
        ("add_months(close_date, 1) = date('2026-02-28')", {"close_date": JAN_31}, True),
        ("created_at > close_date", {"created_at": NOW, "close_date": dt.date(2026, 6, 15)}, True),
        ("close_date < now()", {"close_date": dt.date(2026, 6, 15)}, True),  # midnight UTC
        ("days_between(close_date, today()) = 0", {"close_date": NOW.date()}, True),
        ("round(amount / 3, 2) = 3.33", {"amount": Decimal(10)}, True),
        ("if(amount > 5, 1, 2) = 2", {}, True),  # an unknown condition takes the else branch
    ],
)
def test_the_rules_of_the_language(
    crm_registry: Registry, text: str, values: Mapping[str, object], expected: object
) -> None:
    assert _eval(crm_registry, "opportunity", text, values) == expected


def test_holds_counts_unknown_as_false(crm_registry: Registry) -> None:
    checked = _checked(crm_registry, "opportunity", "amount > 1000")
    assert holds(checked, lambda path: None) is False


def test_money_values_are_their_amount(crm_registry: Registry) -> None:
    money = {"amount": {"amount": Decimal("12.5"), "currency": "EUR"}, "probability": 40}
    assert _eval(crm_registry, "opportunity", "amount * probability / 100", money) == Decimal(5)


# -------------------------------------------------------- against the database

#: Conditions on the CRM beyond those its forms declare: the edges of the semantics.
EDGE_CASES: Final = {
    "opportunity": [
        "amount > 10000",
        "amount = null",
        "null = amount",
        "amount != null",
        "probability % 7 = 3",
        "(0 - probability) % 7 < 0",
        "amount / 0 is null",
        "probability / 3 > 20",
        "close_date - today() <= 30",
        "close_date + 30 > today()",
        "add_months(close_date, 1) > close_date",
        "days_between(close_date, today()) > 0",
        "year(close_date) = 2026",
        "month(created_at) >= 1",
        "stage in ('won', 'lost', null)",
        "stage not in ('won', null)",
        "contains(name, 'GMBH')",
        "startswith(lower(name), 'fab')",
        "endswith(name, 'support')",
        "length(trim(name)) > 10",
        "concat(name, next_step) = name",
        "name || next_step is null",
        "coalesce(next_step, 'x') = 'x'",
        "if(amount > 5000, 1, 0) = 1",
        "abs(0 - probability) = probability",
        "created_at > close_date",
        "close_date < now()",
        "date('2026-01-01') < close_date",
        "date(created_at) >= close_date",
        "not (amount > 1000) or stage = 'won'",
    ],
    "contact": ["email is not null and not do_not_email", "preferred_language = 'ja'"],
}


def _conditions(registry: Registry) -> Iterator[tuple[str, str]]:
    for form in registry.forms.values():
        for tab in form.tabs:
            for section in tab.sections:
                if section.visible_if:
                    yield form.entity, section.visible_if
                for ref in section.fields:
                    for text in (ref.visible_if, ref.required_if):
                        if text:
                            yield form.entity, text
    for entity, texts in EDGE_CASES.items():
        for text in texts:
            yield entity, text


@pytest.fixture
def samples(engine: Engine, crm_storage: StorageModel) -> Iterator[Repository]:
    """The CRM's tables with records full of values, and records missing most of them."""
    migrate(engine, crm_storage)
    with engine.connect().execution_options(**{WRITE: True}) as connection, connection.begin():
        repo = Repository(connection, crm_storage, SYSTEM_ACTOR)
        account = repo.create("account", {"name": "Fabrikam GmbH", "region": "emea"})["id"]
        product = repo.create(
            "product",
            {
                "name": "Widget",
                "code": "WID-0001",
                "family": "hardware",
                "unit_price": 50,
                "cost": 20,
            },
        )["id"]
        today = dt.datetime.now(dt.UTC).date()
        deals = [
            {
                "name": "Fabrikam GmbH — big",
                "account": account,
                "amount": 25000,
                "probability": 10,
                "stage": "proposal",
                "close_date": today + dt.timedelta(days=20),
                "next_step": "Call",
            },
            {
                "name": "Small deal with support",
                "account": account,
                "amount": 900,
                "probability": 73,
                "stage": "won",
                "close_date": today - dt.timedelta(days=40),
                "actual_close_date": today - dt.timedelta(days=41),
            },
            {
                "name": "No amount",
                "account": account,
                "stage": "lost",
                "probability": 0,
                "close_date": dt.date(2027, 1, 31),
                "loss_reason": "competitor",
            },
        ]
        for deal in deals:
            opportunity = repo.create("opportunity", deal)["id"]
            repo.create(
                "opportunity_line",
                {
                    "opportunity": opportunity,
                    "product": product,
                    "quantity": 3,
                    "unit_price": 45,
                    "discount_percent": "12.5",
                },
            )
        repo.create(
            "opportunity_line",
            {
                "opportunity": opportunity,
                "product": product,
                "quantity": 1,
                "unit_price": 50,
                "description": "Own text",
            },
        )
        for values in (
            {
                "last_name": "Tanaka",
                "first_name": "Hanako",
                "preferred_language": "ja",
                "email": "h@example.jp",
                "do_not_email": False,
                "account": account,
            },
            {"last_name": "Nobody"},
        ):
            repo.create("contact", values)
        for values in (
            {
                "subject": "Call back",
                "type": "call",
                "status": "completed",
                "due_date": today - dt.timedelta(days=1),
            },
            {
                "subject": "Meet",
                "type": "meeting",
                "status": "open",
                "due_date": today - dt.timedelta(days=3),
            },
        ):
            repo.create("activity", values)
        for values in (
            {
                "topic": "Lost lead",
                "last_name": "L",
                "status": "disqualified",
                "disqualify_reason": "no_budget",
            },
            {"topic": "Qualified", "last_name": "Q", "status": "qualified"},
        ):
            repo.create("lead", values)
        yield repo


def _truth_in_sql(repo: Repository, entity: str, text: str, id: UUID) -> bool | None:
    params = {"rid": id}
    if repo.list(entity, where=f"id = $rid and ({text})", params=params).records:
        return True
    if repo.list(entity, where=f"id = $rid and not ({text})", params=params).records:
        return False
    return None


def _fetch(repo: Repository) -> Fetch:
    def fetch(entity: str, id: UUID, path: tuple[str, ...]) -> object:
        record = repo.get(entity, id, include=[".".join(path)] if len(path) > 1 else ())
        return None if record is None else record.get(".".join(path))

    return fetch


def _close(a: object, b: object) -> bool:
    """Equal, allowing for SQLite computing divisions in floating point."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, Decimal | int | float) and isinstance(b, Decimal | int | float):
        return abs(Decimal(str(a)) - Decimal(str(b))) < Decimal("0.000001")
    return a == b


def test_conditions_agree_with_sql(samples: Repository, crm_registry: Registry) -> None:
    rules = Rules.build(crm_registry)
    checked = 0
    for entity, text in _conditions(crm_registry):
        for record in samples.list(entity, limit=100).records:
            resolver = ValueResolver(rules, entity, {}, record, fetch=_fetch(samples))
            expected = _truth_in_sql(samples, entity, text, record["id"])
            got = evaluate(rules.condition(entity, text), resolver)
            assert got == expected, f"{entity}: {text!r} on {record.get('id')}"
            checked += 1
    assert checked > 100


def test_formulas_agree_with_sql(samples: Repository, crm_registry: Registry) -> None:
    rules = Rules.build(crm_registry)
    checked = 0
    for entity in crm_registry.entities.values():
        formulas = [n for n, f in entity.fields.items() if isinstance(f, FormulaField)]
        if not formulas:
            continue
        for record in samples.list(entity.entity, limit=100).records:
            for name in formulas:
                resolver = ValueResolver(
                    rules, entity.entity, {}, {**record, name: None}, fetch=_fetch(samples)
                )
                stored = record[name]
                if isinstance(stored, Mapping):
                    stored = stored["amount"]
                got = resolver.formula(name)
                definition = entity.fields[name]
                assert isinstance(definition, FormulaField)
                if definition.returns is ValueType.STRING and isinstance(got, str):
                    assert got == stored, f"{entity.entity}.{name}"
                else:
                    assert _close(got, stored), f"{entity.entity}.{name}: {got!r} != {stored!r}"
                checked += 1
    assert checked > 20


def test_form_values_override_the_stored_record(crm_registry: Registry) -> None:
    rules = Rules.build(crm_registry)
    stored = {"stage": "proposal", "amount": {"amount": Decimal(100), "currency": "EUR"}}
    typed = ValueResolver(rules, "opportunity", {"stage": "lost", "amount": "2000"}, stored)
    assert typed.holds("stage = 'lost'")
    assert typed.formula("expected_revenue") is None  # no probability anywhere
    with_probability = ValueResolver(
        rules, "opportunity", {"amount": "2000", "probability": "25"}, stored
    )
    assert with_probability.formula("expected_revenue") == Decimal(500)
    unreadable = ValueResolver(rules, "opportunity", {"amount": "lots"}, stored)
    assert unreadable.value("amount") is None  # the form shows the error; no value here
