"""The Registry: solutions merged in dependency order, labels filled in, a stable version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from xrm.metamodel.registry import Registry, humanize, load_registry, pick
from xrm.metamodel.schema import (
    ChoiceField,
    LookupField,
    ManyToManyRelation,
    PolymorphicLookupField,
)
from xrm.metamodel.types import SYSTEM_FIELDS, FieldKind, OnDelete

WriteSolution = Callable[..., Path]
Load = Callable[..., Registry]

SALES = {
    "entities/account.yaml": """
        entity: account
        label: {en: Account, fr: Compte}
        fields:
          name: {type: string}
          stage: {type: choice, options: [open, won]}
        relations:
          contacts: {type: one_to_many, target: contact, field: account}
        """,
    "entities/contact.yaml": """
        entity: contact
        fields:
          last_name: {type: string}
          account: {type: lookup, target: account}
        """,
    "views/accounts.yaml": "view: accounts\nentity: account\ncolumns: [name]\n",
    "forms/account.yaml": """
        form: account_main
        entity: account
        tabs: [{name: main, sections: [{name: general, fields: [name, stage]}]}]
        """,
    "roles/sales.yaml": "role: sales\nentities: {account: {read: all}}\n",
    "i18n/fr.yaml": """
        strings: {area.sales: Ventes}
        entities:
          account:
            fields: {name: Nom}
            options: {stage: {open: Ouverte}}
            relations: {contacts: Contacts}
          contact:
            label: Contact
        """,
    "data/accounts.yaml": "entity: account\nrecords: [{ref: acme, name: Acme}]\n",
}

ADDON = {
    "entities/account.yaml": """
        extend: account
        label: {ja: 取引先企業}
        fields:
          vip: {type: boolean, default: false}
        relations:
          advisers: {type: many_to_many, target: contact, inverse: advised}
        options:
          stage: [{value: lost, label: {en: Lost, fr: Perdue}}]
        """,
    "forms/account.yaml": """
        extend_form: account_main
        sections:
          main: [{name: addon, fields: [vip]}]
        tabs:
          - {name: extra, sections: [{name: more}]}
        """,
}


@pytest.fixture
def sales_and_addon(write_solution: WriteSolution, load: Load) -> Registry:
    sales = write_solution(SALES, name="sales", version="2.1.0")
    addon = write_solution(ADDON, name="addon", manifest="depends: {sales: '^2.0'}\n")
    # Given in the "wrong" order on purpose: dependencies are merged first anyway.
    return load(addon, sales)


def test_solutions_are_merged_in_dependency_order(sales_and_addon: Registry) -> None:
    assert [s.name for s in sales_and_addon.solutions] == ["system", "sales", "addon"]
    assert sales_and_addon.solution("sales").version == "2.1.0"
    assert sales_and_addon.entity_solution["account"] == "sales"
    assert sales_and_addon.entity_solution["user"] == "system"
    with pytest.raises(KeyError, match="unknown solution 'billing'"):
        sales_and_addon.solution("billing")


def test_extensions_add_fields_options_relations_and_labels(sales_and_addon: Registry) -> None:
    account = sales_and_addon.entity("account")
    assert list(account.fields)[:3] == ["name", "stage", "vip"]
    stage = account.fields["stage"]
    assert isinstance(stage, ChoiceField)
    assert stage.option_values() == ("open", "won", "lost")
    assert set(account.relations) == {"contacts", "advisers"}
    assert [(e, r) for e, r, _ in sales_and_addon.many_to_many()] == [
        ("team", "members"),
        ("account", "advisers"),
    ]
    assert account.label == {"en": "Account", "fr": "Compte", "ja": "取引先企業"}


def test_many_to_many_relations_are_seen_from_the_other_side(sales_and_addon: Registry) -> None:
    [(name, inverse)] = sales_and_addon.inverses("contact").items()
    assert (name, inverse.entity, inverse.relation, inverse.target) == (
        "advised",
        "account",
        "advisers",
        "account",
    )
    assert sales_and_addon.inverses("account") == {}
    with pytest.raises(KeyError, match="unknown entity 'contct'"):
        sales_and_addon.inverses("contct")


def test_form_extensions_add_sections_and_tabs(sales_and_addon: Registry) -> None:
    form = sales_and_addon.forms["account_main"]
    assert [tab.name for tab in form.tabs] == ["main", "extra"]
    assert [section.name for section in form.tabs[0].sections] == ["general", "addon"]


def test_labels_default_to_humanized_english(sales_and_addon: Registry) -> None:
    contact = sales_and_addon.entity("contact")
    # contact has no inline label; fr.yaml gives one, English is still filled in.
    assert contact.label == {"en": "Contact", "fr": "Contact"}
    assert contact.plural == {"en": "Contacts"}
    assert contact.fields["last_name"].label == {"en": "Last name"}
    account = sales_and_addon.entity("account")
    assert account.plural == {"en": "Accounts"}
    assert account.relations["advisers"].label == {"en": "Advisers"}


def test_translations_are_merged_over_the_defaults(sales_and_addon: Registry) -> None:
    account = sales_and_addon.entity("account")
    assert account.fields["name"].label == {"en": "Name", "fr": "Nom"}
    stage = account.fields["stage"]
    assert isinstance(stage, ChoiceField)
    labels = {option.value: option.label for option in stage.options}
    assert labels == {
        "open": {"en": "Open", "fr": "Ouverte"},
        "won": {"en": "Won"},
        "lost": {"en": "Lost", "fr": "Perdue"},
    }
    assert account.relations["contacts"].label == {"en": "Contacts", "fr": "Contacts"}
    assert sales_and_addon.strings["fr"] == {"area.sales": "Ventes"}


@pytest.mark.parametrize(
    ("label", "plural"),
    [("Opportunity", "Opportunities"), ("Day", "Days"), ("Address", "Addresses"), ("Box", "Boxes")],
)
def test_default_plurals(
    write_solution: WriteSolution, load: Load, label: str, plural: str
) -> None:
    root = write_solution({"entities/thing.yaml": f"entity: thing\nlabel: {label}\n"})
    assert load(root).entity("thing").plural == {"en": plural}


def test_pick_falls_back_to_the_base_language_then_english() -> None:
    text = {"en": "Account", "fr": "Compte", "pt": "Conta"}
    assert pick(text, "fr") == "Compte"
    assert pick(text, "pt-BR") == "Conta"
    assert pick(text, "ja") == "Account"
    assert pick({"fr": "Compte"}, "ja") == "Compte"
    assert pick(None, "en", "fallback") == "fallback"
    assert humanize("close_date") == "Close date"


def test_primary_field_defaults(write_solution: WriteSolution, load: Load) -> None:
    root = write_solution(
        {
            "entities/a.yaml": "entity: a\nfields: {code: {type: string}, name: {type: string}}\n",
            "entities/b.yaml": "entity: b\nfields: {size: {type: integer}, code: {type: email}}\n",
            "entities/c.yaml": "entity: c\nfields:\n  size: {type: integer}\n",
        }
    )
    registry = load(root)
    assert registry.entity("a").primary_field == "name"
    assert registry.entity("b").primary_field == "code"
    assert registry.entity("c").primary_field is None


def test_every_entity_gets_its_system_fields(write_solution: WriteSolution, load: Load) -> None:
    files = {
        f"entities/{ownership}.yaml": f"entity: by_{ownership}\nownership: {ownership}\n"
        for ownership in ("user", "team", "business_unit", "organization")
    }
    registry = load(write_solution(files))
    by_user = registry.entity("by_user").fields
    assert [name for name in SYSTEM_FIELDS if name in by_user] == list(SYSTEM_FIELDS[1:])
    owner = by_user["owner"]
    assert isinstance(owner, PolymorphicLookupField)
    assert owner.targets == ["user", "team"]
    created_by = by_user["created_by"]
    assert isinstance(created_by, LookupField)
    assert (created_by.target, created_by.on_delete, created_by.read_only) == (
        "user",
        OnDelete.SET_NULL,
        True,
    )
    assert by_user["created_at"].type is FieldKind.DATETIME
    assert by_user["version"].type is FieldKind.INTEGER
    assert by_user["business_unit"].read_only is True
    assert by_user["owner"].label == {
        "en": "Owner",
        "fr": "Propriétaire",
        "ja": "所有者",
        "ru": "Владелец",
    }

    team_owner = registry.entity("by_team").fields["owner"]
    assert isinstance(team_owner, LookupField)
    assert team_owner.target == "team"

    by_unit = registry.entity("by_business_unit").fields
    assert "owner" not in by_unit
    assert by_unit["business_unit"].read_only is False

    by_org = registry.entity("by_organization").fields
    assert "owner" not in by_org
    assert "business_unit" not in by_org
    assert "created_by" in by_org


def test_the_version_is_stable_across_loads(write_solution: WriteSolution, load: Load) -> None:
    root = write_solution(SALES)
    first, second = load(root), load(root)
    assert first.version == second.version
    assert len(first.version) == 64
    assert first is not second


def test_the_version_changes_with_the_metadata(write_solution: WriteSolution, load: Load) -> None:
    root = write_solution(SALES)
    before = load(root).version
    (root / "views" / "accounts.yaml").write_text(
        "view: accounts\nentity: account\ncolumns: [name, stage]\n"
    )
    after_view = load(root).version
    (root / "i18n" / "fr.yaml").write_text("entities: {account: {label: Société}}\n")
    after_label = load(root).version
    assert len({before, after_view, after_label}) == 3


def test_the_version_ignores_layout_and_demo_data(
    write_solution: WriteSolution, load: Load
) -> None:
    root = write_solution(SALES)
    before = load(root).version
    # Same metadata, written differently: comments, flow style, one more demo record.
    account = root / "entities" / "account.yaml"
    account.write_text(
        "# Accounts\nentity: account\nlabel:\n  en: Account\n  fr: Compte\n"
        "fields:\n  name:\n    type: string\n  stage:\n    type: choice\n"
        "    options:\n      - open\n      - won\n"
        "relations:\n  contacts: {type: one_to_many, target: contact, field: account}\n"
    )
    (root / "data" / "accounts.yaml").write_text(
        "entity: account\nrecords: [{ref: acme, name: Acme}, {name: Globex}]\n"
    )
    assert load(root).version == before


def test_the_registry_cannot_be_changed(sales_and_addon: Registry) -> None:
    with pytest.raises(TypeError):
        sales_and_addon.entities["x"] = sales_and_addon.entity("account")  # type: ignore[index]
    with pytest.raises(AttributeError):
        sales_and_addon.version = "x"  # type: ignore[misc]


def test_lookups_by_name_suggest_on_typos(sales_and_addon: Registry) -> None:
    assert sales_and_addon.field("account", "stage").type is FieldKind.CHOICE
    relation = sales_and_addon.relation("account", "advisers")
    assert isinstance(relation, ManyToManyRelation)
    with pytest.raises(KeyError, match="unknown entity 'acount' \\(did you mean 'account'\\?\\)"):
        sales_and_addon.entity("acount")
    with pytest.raises(KeyError, match="unknown field 'stge' on 'account'"):
        sales_and_addon.field("account", "stge")
    with pytest.raises(KeyError, match="unknown relation 'contact' on 'account'"):
        sales_and_addon.relation("account", "contact")


def test_views_roles_and_data_are_carried(sales_and_addon: Registry) -> None:
    assert list(sales_and_addon.views) == ["accounts"]
    assert sales_and_addon.roles["sales"].entities["account"].read.value == "all"
    [(solution, data)] = sales_and_addon.data
    assert (solution, data.entity, data.records) == (
        "sales",
        "account",
        [{"ref": "acme", "name": "Acme"}],
    )


def test_the_system_solution_can_be_left_out(write_solution: WriteSolution) -> None:
    root = write_solution({"entities/note.yaml": "entity: note\nownership: organization\n"})
    registry = load_registry([root], include_system=False)
    assert [s.name for s in registry.solutions] == ["demo"]
    assert "user" not in registry.entities
