"""The frozen models: shapes, shorthands, defaults and the checks each model makes alone."""

from __future__ import annotations

import textwrap
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from xrm.metamodel.schema import (
    FIELD_MODELS,
    AutonumberField,
    ChoiceField,
    ChoiceOption,
    DataFile,
    EntityDef,
    FieldDef,
    FormFieldRef,
    IndexDef,
    LookupField,
    RelatedListDef,
    RoleDef,
    RowRule,
    SolutionManifest,
    SortDef,
    StringField,
    ViewColumn,
)
from xrm.metamodel.shape_errors import validate_model
from xrm.metamodel.types import FieldKind, OnDelete, SortDirection, ValueType
from xrm.metamodel.yamlsource import parse_yaml

FIELD = TypeAdapter(FieldDef)


def field(**data: Any) -> Any:
    return FIELD.validate_python(data)


def problem(**data: Any) -> str:
    """The message pydantic gives for a field that does not validate."""
    with pytest.raises(ValidationError) as info:
        field(**data)
    return "; ".join(error["msg"] for error in info.value.errors())


def test_every_field_kind_has_a_model() -> None:
    assert set(FIELD_MODELS) == set(FieldKind)
    for kind, model in FIELD_MODELS.items():
        assert model.model_fields["type"].annotation.__args__ == (kind,)  # type: ignore[union-attr]


def test_the_type_key_picks_the_model() -> None:
    assert isinstance(field(type="string"), StringField)
    assert isinstance(field(type="lookup", target="account"), LookupField)
    assert "does not match any of the expected tags" in problem(type="strng")


def test_models_are_frozen_and_refuse_unknown_keys() -> None:
    name = field(type="string")
    with pytest.raises(ValidationError, match="frozen"):
        name.required = True
    assert "Extra inputs are not permitted" in problem(type="string", requried=True)


def test_flags_accept_only_true_and_false() -> None:
    assert field(type="string", required=True).required is True
    # The YAML reader keeps `yes` as text; the model must not turn it back into True.
    for text in ("yes", "true", "on", 1):
        assert "valid boolean" in problem(type="string", required=text)


def test_labels_are_a_string_or_a_language_mapping() -> None:
    assert field(type="string", label="Name").label == {"en": "Name"}
    assert field(type="string", label={"en": "Name", "pt-BR": "Nome"}).label == {
        "en": "Name",
        "pt-BR": "Nome",
    }
    assert "not a language code" in problem(type="string", label={"english": "Name"})


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Close_date", "is not a valid name"),
        ("2fast", "is not a valid name"),
        ("close__date", "contains '__'"),
        ("select", "is a reserved word"),
        ("x" * 64, "is 64 bytes long; PostgreSQL identifiers are limited to 63 bytes"),
    ],
)
def test_names_must_be_identifiers(name: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        EntityDef.model_validate({"entity": name})
    [error] = info.value.errors()
    assert error["type"] == "identifier"
    assert message in error["msg"]
    assert error["ctx"]["suggestion"]


def test_string_pattern_default_and_length() -> None:
    code = field(type="string", pattern="^[A-Z]{3}-[0-9]{4}$", mask="AAA-9999", max_length=8)
    assert code.mask == "AAA-9999"
    assert field(type="string").max_length == 255
    assert "not a valid regular expression" in problem(type="string", pattern="[A-Z")
    assert "does not match the pattern" in problem(type="string", pattern="^[A-Z]+$", default="x")
    assert "longer than max_length 2" in problem(type="string", max_length=2, default="abc")


def test_numbers_bounds_and_precision() -> None:
    probability = field(type="integer", min=0, max=100, default=10)
    assert (probability.min, probability.max) == (Decimal(0), Decimal(100))
    assert "min (5) is greater than max (1)" in problem(type="integer", min=5, max=1)
    assert "default 101 is above max 100" in problem(type="integer", max=100, default=101)
    assert "default -1 is below min 0" in problem(type="decimal", min=0, default=-1)
    assert "scale (5) cannot exceed precision (4)" in problem(type="decimal", precision=4, scale=5)
    assert field(type="money", currency="JPY").currency == "JPY"
    assert "should match pattern" in problem(type="money", currency="yen")


def test_choice_options_shorthand_colours_and_order() -> None:
    stage = field(
        type="choice",
        default="open",
        options=["open", {"value": "won", "color": "#2e7d32", "order": -1}],
    )
    assert stage.options[0] == ChoiceOption(value="open")
    assert stage.option_values() == ("won", "open")
    assert "must look like '#1f77b4'" in problem(
        type="choice", options=[{"value": "a", "color": "green"}]
    )
    assert "option 'a' is listed twice" in problem(type="choice", options=["a", "a"])
    assert "default 'b' is not one of the options" in problem(
        type="choice", options=["a"], default="b"
    )
    assert "at least 1 item" in problem(type="choice", options=[])
    assert "default 'c' is not one of the options" in problem(
        type="multichoice", options=["a", "b"], default=["a", "c"]
    )


def test_lookup_on_delete_defaults_to_the_safe_choice() -> None:
    assert field(type="lookup", target="account").effective_on_delete is OnDelete.SET_NULL
    required = field(type="lookup", target="account", required=True)
    assert required.effective_on_delete is OnDelete.RESTRICT
    cascade = field(type="lookup", target="account", on_delete="cascade")
    assert cascade.effective_on_delete is OnDelete.CASCADE
    assert "cannot use on_delete: set_null" in problem(
        type="lookup", target="account", required=True, on_delete="set_null"
    )


def test_polymorphic_lookup_targets() -> None:
    regarding = field(type="polymorphic_lookup", targets=["account", "contact"])
    assert regarding.on_delete is OnDelete.SET_NULL
    assert "at least 2 items" in problem(type="polymorphic_lookup", targets=["account"])
    assert "targets lists an entity twice" in problem(
        type="polymorphic_lookup", targets=["account", "account"]
    )
    assert "cannot use on_delete: set_null" in problem(
        type="polymorphic_lookup", targets=["account", "lead"], required=True
    )


@pytest.mark.parametrize("text", ["{seq}", "OPP-{seq:06}", "LEAD-{yyyy}-{mm}-{seq:5}"])
def test_autonumber_formats(text: str) -> None:
    assert isinstance(field(type="autonumber", format=text), AutonumberField)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("OPP-", "format must contain {seq}"),
        ("OPP-{seq}-{hh}", "unknown placeholder {hh}"),
        ("OPP-{seq:x6}", "padding is written like {seq:06}"),
    ],
)
def test_bad_autonumber_formats(text: str, message: str) -> None:
    assert message in problem(type="autonumber", format=text)


def test_formula_and_rollup_shapes() -> None:
    revenue = field(type="formula", returns="money", expression="amount * probability / 100")
    assert revenue.returns is ValueType.MONEY
    assert "a formula cannot return id" in problem(type="formula", returns="id", expression="x")
    assert "at least 1 character" in problem(type="formula", returns="string", expression="")
    assert field(type="rollup", relation="lines", aggregate="count").field is None
    assert "aggregate sum needs a field" in problem(
        type="rollup", relation="lines", aggregate="sum"
    )


def test_index_shorthands() -> None:
    assert IndexDef.model_validate(["stage", "close_date"]).fields == ["stage", "close_date"]
    assert IndexDef.model_validate("email").fields == ["email"]
    assert IndexDef.model_validate({"fields": ["code"], "unique": True}).unique is True


def test_form_and_view_shorthands() -> None:
    assert FormFieldRef.model_validate("stage") == FormFieldRef(field="stage")
    assert RelatedListDef.model_validate("lines").relation == "lines"
    assert ViewColumn.model_validate("account.name").field == "account.name"
    assert SortDef.model_validate("-close_date") == SortDef(
        field="close_date", direction=SortDirection.DESC
    )
    assert SortDef.model_validate("+name").direction is SortDirection.ASC


def test_roles() -> None:
    role = RoleDef.model_validate(
        {
            "role": "salesperson",
            "entities": {"opportunity": {"read": "business_unit", "create": "own"}},
            "fields": {"opportunity.margin": {"read": False}},
            "rules": [{"entity": "opportunity", "update": "stage != 'won'"}],
        }
    )
    permissions = role.entities["opportunity"]
    assert (permissions.read.value, permissions.create.value, permissions.delete.value) == (
        "business_unit",
        "own",
        "none",
    )
    assert role.fields["opportunity.margin"].update is True
    with pytest.raises(ValidationError, match="at least one of read, update, delete"):
        RowRule.model_validate({"entity": "opportunity"})


def test_manifest_version_and_depends() -> None:
    manifest = SolutionManifest.model_validate(
        {"name": "crm", "version": "1.2.0-beta.1", "depends": ["system"]}
    )
    assert manifest.depends == {"system": "*"}
    with pytest.raises(ValidationError, match="must be semantic"):
        SolutionManifest.model_validate({"name": "crm", "version": "1.2"})


def test_data_files_are_demo_by_default() -> None:
    data = DataFile.model_validate({"entity": "account", "records": [{"name": "Acme"}]})
    assert data.demo is True


# ----------------------------------------------------------- located shape errors


def _shape(model: type[Any], text: str) -> tuple[Any, list[str]]:
    document, errors = parse_yaml(textwrap.dedent(text).lstrip("\n"), "e.yaml")
    assert document is not None
    assert errors == []
    result, found = validate_model(model, document)
    return result, [error.render() for error in found]


def test_shape_errors_are_located_with_suggestions() -> None:
    entity, errors = _shape(
        EntityDef,
        """
        entity: account
        ownership: everyone
        fields:
          name: {type: string, requried: true}
          amount: {type: monye}
          parent: {target: account}
          ok: {type: string}
        """,
    )
    assert errors == [
        "e.yaml:2:12: at ownership: 'everyone' is not allowed here "
        "(expected one of: business_unit, organization, team, user)",
        "e.yaml:4:24: at fields.name.requried: unknown key 'requried' (did you mean 'required'?)",
        "e.yaml:5:18: at fields.amount.type: unknown type 'monye' (did you mean 'money'?)",
        "e.yaml:6:11: at fields.parent: missing key 'type' (set type: to one of string, text, "
        "email, phone, url, integer, decimal, money, boolean, date, datetime, choice, "
        "multichoice, lookup, polymorphic_lookup, autonumber, formula, rollup, file)",
    ]
    # The broken fields are dropped; the rest of the entity still loads.
    assert entity is not None
    assert list(entity.fields) == ["ok"]


def test_a_broken_entry_does_not_take_its_siblings_with_it() -> None:
    entity, errors = _shape(
        EntityDef,
        """
        entity: account
        fields:
          stage:
            type: choice
            options:
              - open
              - {value: won, colour: "#00ff00"}
              - lost
        """,
    )
    assert errors == [
        "e.yaml:7:22: at fields.stage.options[1].colour: unknown key 'colour' "
        "(did you mean 'color'?)"
    ]
    assert entity is not None
    assert entity.fields["stage"].option_values() == ("open", "lost")


def test_whole_model_checks_still_run_after_pruning() -> None:
    manifest, errors = _shape(SolutionManifest, "name: crm\nversion: '1.0'\npublsher: me\n")
    assert manifest is None
    assert errors == [
        "e.yaml:3:1: at publsher: unknown key 'publsher' (did you mean 'publisher'?)",
        "e.yaml:1:1: version '1.0' must be semantic, like '1.2.0'",
    ]


def test_identifier_errors_carry_a_suggestion() -> None:
    _, errors = _shape(EntityDef, "entity: account\nfields:\n  Close Date: {type: date}\n")
    assert errors == [
        "e.yaml:3:3: at fields.Close Date: 'Close Date' is not a valid name: use lowercase "
        "letters, digits and underscores, starting with a letter (write it as 'close_date')"
    ]


def test_yes_is_reported_as_text_not_a_flag() -> None:
    _, errors = _shape(EntityDef, "entity: account\nfields:\n  x: {type: boolean, default: no}\n")
    assert errors == [
        "e.yaml:3:31: at fields.x.default: expected true or false, not 'no' "
        "(yes, no, on and off are read as text here; write true or false)"
    ]


def test_choice_field_from_yaml_keeps_option_labels() -> None:
    entity, errors = _shape(
        EntityDef,
        """
        entity: contact
        fields:
          preferred_language:
            type: choice
            options:
              - {value: ja, label: {en: Japanese, ja: 日本語}}
        """,
    )
    assert errors == []
    choice = entity.fields["preferred_language"]
    assert isinstance(choice, ChoiceField)
    assert choice.options[0].label == {"en": "Japanese", "ja": "日本語"}
