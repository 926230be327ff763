"""One widget per field kind: a record value becomes form data, is read back, and is shown."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

import pytest

from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import FieldDef
from xrm.metamodel.types import FieldKind
from xrm.ui.i18n import Languages, Translator
from xrm.ui.widgets import (
    WIDGETS,
    DisplayContext,
    FieldSpec,
    WidgetError,
    display,
    widget,
)

from .conftest import translator

ACME = UUID("6f1c1f5e-1111-4222-8333-444455556666")


def _field(registry: Registry, entity: str, name: str) -> FieldDef:
    return registry.field(entity, name)


def _round_trip(fmt: Translator, definition: FieldDef, name: str, value: object) -> object:
    data = widget(definition).raw(definition, name, value, fmt)
    return widget(definition).parse(definition, name, data, fmt)


def test_every_field_kind_has_a_widget() -> None:
    assert set(WIDGETS) == set(FieldKind)


@pytest.mark.parametrize(
    ("entity", "name", "value", "expected"),
    [
        ("account", "name", "Acme", "Acme"),
        ("account", "description", "line one\nline two", "line one\nline two"),
        ("account", "email", "a@example.com", "a@example.com"),
        ("account", "employees", 12000, 12000),
        ("product", "tax_rate", Decimal("19.60"), Decimal("19.60")),
        ("contact", "do_not_email", True, True),
        ("contact", "do_not_email", False, False),
        ("contact", "birthday", dt.date(1980, 2, 29), dt.date(1980, 2, 29)),
        ("account", "relationship", "partner", "partner"),
        ("contact", "preferred_channels", ["email", "post"], ["email", "post"]),
        ("account", "parent_account", ACME, ACME),
    ],
)
@pytest.mark.parametrize("lang", ["en", "fr", "ja", "ru"])
def test_values_survive_the_form_in_every_language(
    crm_registry: Registry,
    languages: Languages,
    lang: str,
    entity: str,
    name: str,
    value: object,
    expected: object,
) -> None:
    fmt = translator(crm_registry, languages, lang)
    assert _round_trip(fmt, _field(crm_registry, entity, name), name, value) == expected


def test_money_is_typed_in_the_users_format(crm_registry: Registry, languages: Languages) -> None:
    french = translator(crm_registry, languages, "fr")
    definition = _field(crm_registry, "account", "annual_revenue")
    data = widget(definition).raw(
        definition, "annual_revenue", {"amount": Decimal("1234.5"), "currency": "EUR"}, french
    )
    assert data["annual_revenue"] == ["1\u202f234,50"]
    assert data["annual_revenue.currency"] == ["EUR"]
    typed = {"annual_revenue": ["1 234,5"], "annual_revenue.currency": ["chf"]}
    parsed = widget(definition).parse(definition, "annual_revenue", typed, french)
    assert parsed == {"amount": Decimal("1234.5"), "currency": "CHF"}
    assert (
        widget(definition).parse(definition, "annual_revenue", {"annual_revenue": [""]}, french)
        == ""
    )


def test_an_unreadable_number_says_how_to_write_it(
    crm_registry: Registry, languages: Languages
) -> None:
    russian = translator(crm_registry, languages, "ru")
    definition = _field(crm_registry, "account", "employees")
    with pytest.raises(WidgetError) as caught:
        widget(definition).parse(definition, "employees", {"employees": ["много"]}, russian)
    assert "1\xa0234,5" in caught.value.message
    with pytest.raises(WidgetError):
        widget(definition).parse(definition, "employees", {"employees": ["1,5"]}, russian)


def test_datetimes_are_typed_in_the_users_time_zone(
    crm_registry: Registry, languages: Languages
) -> None:
    tokyo = translator(crm_registry, languages, "ja", "Asia/Tokyo")
    definition = _field(crm_registry, "activity", "starts_at")
    stored = dt.datetime(2026, 10, 14, 13, 0, tzinfo=dt.UTC)
    data = widget(definition).raw(definition, "starts_at", stored, tokyo)
    assert data == {"starts_at": ["2026-10-14T22:00"]}
    parsed = widget(definition).parse(definition, "starts_at", data, tokyo)
    assert isinstance(parsed, dt.datetime)
    assert parsed.astimezone(dt.UTC) == stored


def test_a_polymorphic_lookup_reads_its_target_and_record(
    crm_registry: Registry, english: Translator
) -> None:
    definition = _field(crm_registry, "activity", "regarding")
    value = {"entity": "contact", "id": ACME}
    data = widget(definition).raw(definition, "regarding", value, english)
    assert data["regarding.entity"] == ["contact"]
    assert widget(definition).parse(definition, "regarding", data, english) == value
    spec = FieldSpec("activity", "regarding", definition, "Regarding")
    drawn = widget(definition).input(spec, data, english)
    assert drawn.macro == "polymorphic"
    assert [c.value for c in drawn.choices] == ["account", "contact", "opportunity", "lead"]
    assert [c.value for c in drawn.choices if c.selected] == ["contact"]


def test_a_lookup_must_be_picked_not_typed(crm_registry: Registry, english: Translator) -> None:
    definition = _field(crm_registry, "contact", "account")
    with pytest.raises(WidgetError):
        widget(definition).parse(definition, "account", {"account": ["Acme Inc"]}, english)


def test_inputs_carry_patterns_masks_and_input_modes(
    crm_registry: Registry, english: Translator
) -> None:
    code = _field(crm_registry, "product", "code")
    drawn = widget(code).input(
        FieldSpec("product", "code", code, "Code", required=True), {}, english
    )
    assert drawn.attrs["pattern"] == "[A-Z]{3}-[0-9]{4}"
    assert drawn.attrs["data-mask"] == "AAA-9999"
    assert drawn.attrs["maxlength"] == "8"
    assert drawn.attrs["aria-required"] == "true"
    amount = _field(crm_registry, "opportunity", "amount")
    money = widget(amount).input(FieldSpec("opportunity", "amount", amount, "Amount"), {}, english)
    assert (money.macro, money.attrs["inputmode"]) == ("money", "decimal")
    email = _field(crm_registry, "contact", "email")
    assert (
        widget(email).input(FieldSpec("contact", "email", email, "E"), {}, english).attrs["type"]
        == "email"
    )


def test_choices_are_radios_when_few_and_keep_their_colours(
    crm_registry: Registry, english: Translator
) -> None:
    status = _field(crm_registry, "activity", "status")  # three options
    drawn = widget(status).input(
        FieldSpec("activity", "status", status, "Status"), {"status": ["open"]}, english
    )
    assert drawn.macro == "radios"
    assert drawn.choices[0].css == "opt-activity-status-open"
    industry = _field(crm_registry, "account", "industry")  # ten options
    assert (
        widget(industry).input(FieldSpec("account", "industry", industry, "I"), {}, english).macro
        == "select"
    )


def test_values_are_shown_for_people(crm_registry: Registry, languages: Languages) -> None:
    german_zone = translator(crm_registry, languages, "fr", "Europe/Berlin")
    ctx = DisplayContext(german_zone, "opportunity", "amount")
    amount = _field(crm_registry, "opportunity", "amount")
    shown = display(amount, {"amount": Decimal("12000"), "currency": "EUR"}, ctx)
    assert shown.text == "12\u202f000,00\xa0€"
    assert shown.align == "number"
    stage = _field(crm_registry, "opportunity", "stage")
    won = display(stage, "won", DisplayContext(german_zone, "opportunity", "stage"))
    assert (won.text, won.css) == ("Gagnée", "opt-opportunity-stage-won")
    lookup = _field(crm_registry, "opportunity", "account")
    labelled = display(
        lookup,
        ACME,
        DisplayContext(german_zone, "opportunity", "account", {("account", ACME): "Acme"}),
    )
    assert (labelled.text, labelled.href) == ("Acme", f"/records/account/{ACME}")
    missing = display(lookup, ACME, DisplayContext(german_zone, "opportunity", "account"))
    assert missing.text == "(non visible pour vous)"
    assert display(amount, None, ctx).empty
    expected = _field(crm_registry, "opportunity", "expected_revenue")  # a money formula
    assert display(expected, {"amount": Decimal(5), "currency": None}, ctx).text == "5,00"
