"""The shipped CRM loads cleanly and keeps showing every feature of the metadata language.

It is the product's showcase and the example the docs point at, so these tests fail
when an edit drops a field kind, an on_delete rule or a language from it.
"""

from __future__ import annotations

import re

import pytest

from xrm.metamodel.expressions import parse
from xrm.metamodel.registry import Registry, load_registry, shipped_solutions_dir
from xrm.metamodel.schema import (
    AutonumberField,
    ChoiceField,
    FormulaField,
    LookupField,
    ManyToManyRelation,
    PolymorphicLookupField,
    RollupField,
    StringField,
)
from xrm.metamodel.types import SUPPORTED_LANGUAGES, FieldKind, OnDelete, Ownership, RelationKind

CRM = shipped_solutions_dir() / "crm"
ENTITIES = ("account", "contact", "lead", "opportunity", "opportunity_line", "product", "activity")


@pytest.fixture(scope="module")
def crm() -> Registry:
    return load_registry([CRM])


def test_the_crm_loads_after_the_system_solution(crm: Registry) -> None:
    assert [(s.name, s.version) for s in crm.solutions] == [("system", "1.0.0"), ("crm", "1.0.0")]
    manifest = crm.solution("crm")
    assert (manifest.publisher, manifest.prefix) == ("xrm project", "crm")
    assert manifest.description
    assert set(ENTITIES) <= set(crm.entities)


def test_every_field_kind_is_used(crm: Registry) -> None:
    used = {field.type for name in ENTITIES for field in crm.entity(name).fields.values()}
    assert used == set(FieldKind)


def test_every_on_delete_rule_is_used(crm: Registry) -> None:
    rules = {
        field.on_delete
        for name in ENTITIES
        for field in crm.entity(name).fields.values()
        if isinstance(field, LookupField | PolymorphicLookupField)
    }
    assert set(OnDelete) <= rules


def test_activity_regarding_is_polymorphic(crm: Registry) -> None:
    activity = crm.entity("activity")
    regarding = activity.fields["regarding"]
    assert isinstance(regarding, PolymorphicLookupField)
    assert regarding.targets == ["account", "contact", "opportunity", "lead"]
    kind = activity.fields["type"]
    assert isinstance(kind, ChoiceField)
    assert kind.option_values() == ("call", "email", "meeting", "task")
    assert all(option.color for option in kind.options)
    assert activity.fields["due_date"].type is FieldKind.DATE
    assert activity.fields["status"].type is FieldKind.CHOICE
    for target in regarding.targets:
        relation = crm.relation(target, "activities")
        assert (relation.type, relation.target) == (RelationKind.ONE_TO_MANY, "activity")


def test_computed_fields_show_the_language(crm: Registry) -> None:
    opportunity = crm.entity("opportunity")
    revenue = opportunity.fields["expected_revenue"]
    assert isinstance(revenue, FormulaField)
    assert revenue.expression == "amount * probability / 100"
    number = opportunity.fields["number"]
    assert isinstance(number, AutonumberField)
    assert number.format == "OPP-{seq:06}"
    lines_total = opportunity.fields["lines_total"]
    assert isinstance(lines_total, RollupField)
    assert (lines_total.relation, lines_total.aggregate.value, lines_total.field) == (
        "lines",
        "sum",
        "line_total",
    )
    open_count = crm.entity("account").fields["open_opportunities"]
    assert isinstance(open_count, RollupField)
    assert open_count.filter == "stage not in ('won', 'lost')"
    company = crm.entity("contact").fields["company"]
    assert isinstance(company, FormulaField)
    assert company.expression == "account.name"
    full_name = crm.entity("contact").fields["full_name"]
    assert isinstance(full_name, FormulaField)
    assert "concat(" in full_name.expression
    assert parse(full_name.expression)


def test_strings_with_a_pattern_and_a_mask(crm: Registry) -> None:
    code = crm.entity("product").fields["code"]
    assert isinstance(code, StringField)
    assert code.pattern is not None
    assert code.mask == "AAA-9999"
    assert re.fullmatch(code.pattern, "SFT-0100")


def test_opportunity_contacts_is_many_to_many_with_a_role(crm: Registry) -> None:
    contacts = crm.relation("opportunity", "contacts")
    assert isinstance(contacts, ManyToManyRelation)
    assert contacts.target == "contact"
    assert contacts.inverse == "opportunities"
    assert contacts.fields["role"].type is FieldKind.CHOICE
    assert crm.entity("opportunity").indexes[0].fields == [
        "stage",
        "close_date",
    ]


def test_entities_are_labelled_in_every_shipped_language(crm: Registry) -> None:
    for name in ENTITIES:
        entity = crm.entity(name)
        assert set(SUPPORTED_LANGUAGES) <= set(entity.label or {}), name
        assert set(SUPPORTED_LANGUAGES) <= set(entity.plural or {}), name
    stage = crm.field("opportunity", "stage")
    assert isinstance(stage, ChoiceField)
    assert set(SUPPORTED_LANGUAGES) <= set(stage.options[0].label or {})
    assert set(SUPPORTED_LANGUAGES) <= set(crm.field("opportunity", "close_date").label or {})
    assert {"fr", "ja", "ru"} <= set(crm.strings)


def test_navigation_areas(crm: Registry) -> None:
    areas = {crm.entity(name).area for name in ENTITIES}
    assert areas == {"sales", "service", "settings"}
    assert crm.entity("product").ownership is Ownership.ORGANIZATION


def test_every_entity_has_a_default_form(crm: Registry) -> None:
    defaults = {form.entity for form in crm.forms.values() if form.default and form.kind == "main"}
    assert set(ENTITIES) <= defaults
    lost = [
        ref
        for tab in crm.forms["opportunity_main"].tabs
        for section in tab.sections
        for ref in section.fields
        if ref.field == "loss_reason"
    ]
    assert lost[0].visible_if == "stage = 'lost'"
    assert lost[0].required_if == "stage = 'lost'"


def test_views_use_lookup_paths_filters_and_sorting(crm: Registry) -> None:
    view = crm.views["open_opportunities"]
    assert "account.name" in [column.field for column in view.columns]
    assert view.filter
    assert [s.field for s in view.sort] == ["close_date", "amount"]
    assert any(v.filter and "$user." in v.filter for v in crm.views.values())


def test_sales_roles(crm: Registry) -> None:
    salesperson = crm.roles["salesperson"]
    assert salesperson.entities["opportunity"].read.value == "business_unit"
    assert salesperson.entities["opportunity"].create.value == "own"
    assert salesperson.fields["opportunity.margin"].read is False
    assert any("$user." in (rule.read or "") for rule in salesperson.rules)
    assert "sales_manager" in crm.roles


def test_demo_data_covers_every_entity_and_script(crm: Registry) -> None:
    by_entity = {data.entity: data.records for _, data in crm.data}
    assert set(ENTITIES) <= set(by_entity)
    text = repr(by_entity)
    assert re.search("[\u3040-\u30ff\u4e00-\u9fff]", text), "Japanese names"
    assert re.search("[\u0400-\u04ff]", text), "Cyrillic names"
    linked = [r for r in by_entity["opportunity"] if r.get("contacts")]
    assert linked
    assert all("role" in link for link in linked[0]["contacts"])


def test_the_crm_folder_has_every_part() -> None:
    folders = sorted(p.name for p in CRM.iterdir() if p.is_dir())
    assert folders == ["data", "entities", "forms", "i18n", "roles", "views"]
    assert sorted(p.stem for p in (CRM / "i18n").glob("*.yaml")) == ["fr", "ja", "ru"]
