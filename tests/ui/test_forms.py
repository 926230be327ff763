"""Forms as pure view models: FormDef + form data + errors in, tabs / sections / fields out."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from xrm.metamodel.registry import Registry, load_registry
from xrm.metamodel.schema import FormDef
from xrm.ui.forms import (
    FieldView,
    FormState,
    FormView,
    build_form,
    default_form,
    form_inputs,
    main_form,
    quick_form,
    read_submission,
    record_data,
)
from xrm.ui.i18n import Languages, Translator
from xrm.ui.rules import Rules, ValueResolver

from .conftest import translator


def _view(
    registry: Registry,
    fmt: Translator,
    form: FormDef,
    data: Mapping[str, Sequence[str]],
    **options: object,
) -> FormView:
    rules = Rules.build(registry)
    resolver = ValueResolver(rules, form.entity, form_inputs(registry, form, data, fmt), None)
    return build_form(FormState(registry, form, data, fmt, resolver, **options))  # type: ignore[arg-type]


def _field(view: FormView, name: str) -> FieldView:
    return next(f for f in view.fields() if f.name == name)


def test_tabs_sections_and_fields_follow_the_form(
    crm_registry: Registry, english: Translator
) -> None:
    view = _view(crm_registry, english, main_form(crm_registry, "opportunity"), {})
    assert [t.label for t in view.tabs] == ["Deal", "Products", "People and activities"]
    overview = view.tabs[0].sections[0]
    assert overview.label == "Overview"
    assert [f.name for f in overview.fields][:3] == ["number", "name", "account"]
    assert _field(view, "number").read_only  # autonumber, and read_only on the form
    assert _field(view, "name").required
    assert _field(view, "name").input.macro == "text"
    lines = view.tabs[1].sections[0].related[0]
    assert (lines.relation, lines.label) == ("lines", "Products")


def test_visible_if_and_required_if_follow_the_unsaved_values(
    crm_registry: Registry, english: Translator
) -> None:
    form = main_form(crm_registry, "opportunity")
    open_deal = _view(crm_registry, english, form, {"stage": ["proposal"]})
    assert not _field(open_deal, "loss_reason").visible
    assert not _field(open_deal, "actual_close_date").required
    outcome = next(s for t in open_deal.tabs for s in t.sections if s.name == "outcome")
    assert not outcome.visible
    assert outcome.live
    lost = _view(crm_registry, english, form, {"stage": ["lost"], "loss_reason": ["competitor"]})
    assert _field(lost, "loss_reason").visible
    assert _field(lost, "loss_reason").required
    assert _field(lost, "competitor").required  # required_if: loss_reason = 'competitor'
    assert {f.name for f in lost.live_fields()} >= {"loss_reason", "competitor", "expected_revenue"}


def test_formulas_are_recalculated_on_the_unsaved_values(
    crm_registry: Registry, english: Translator
) -> None:
    form = main_form(crm_registry, "opportunity")
    view = _view(crm_registry, english, form, {"amount": ["2,000"], "probability": ["30"]})
    shown = _field(view, "expected_revenue").shown
    assert shown is not None
    assert shown.text == "600.00"


def test_errors_land_beside_their_fields_or_above_the_form(
    crm_registry: Registry, english: Translator
) -> None:
    form = main_form(crm_registry, "account")
    view = _view(
        crm_registry,
        english,
        form,
        {},
        errors={"email": "not an email", "owner": "no such user"},
        record_errors=("Someone else saved it",),
    )
    assert _field(view, "email").error == "not an email"
    assert view.errors == ("Someone else saved it", "Owner: no such user")  # owner: not placed
    assert view.has_errors


def test_hidden_fields_are_left_off_and_frozen_ones_read_only(
    crm_registry: Registry, english: Translator
) -> None:
    form = main_form(crm_registry, "product")
    view = _view(
        crm_registry,
        english,
        form,
        {},
        hidden=frozenset({"cost"}),
        frozen=frozenset({"unit_price"}),
    )
    names = [f.name for f in view.fields()]
    assert "cost" not in names
    assert _field(view, "unit_price").read_only
    assert not _field(view, "name").read_only


def test_an_entity_without_forms_gets_one(crm_registry: Registry, english: Translator) -> None:
    team = main_form(crm_registry, "team")  # the system solution declares no team form
    assert team.form == "team_default"
    view = _view(crm_registry, english, team, {})
    names = [f.name for f in view.fields()]
    assert names[0] == "name"  # the primary field first
    assert "description" in names
    assert "created_at" not in names
    assert quick_form(crm_registry, "contact").form == "contact_quick_create"
    quick_team = quick_form(crm_registry, "team")
    assert [s.name for s in quick_team.tabs[0].sections] == ["main"]


def test_any_solution_gets_working_forms(tmp_path: object, languages: Languages) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    root = tmp_path / "fleet"
    (root / "entities").mkdir(parents=True)
    (root / "solution.yaml").write_text("name: fleet\nversion: 1.0.0\n")
    (root / "entities" / "vehicle.yaml").write_text(
        "entity: vehicle\nfields:\n"
        "  plate: {type: string, required: true, searchable: true}\n"
        "  bought_on: {type: date}\n"
        "  kind: {type: choice, options: [car, van, truck, bike, boat]}\n"
        "  mileage: {type: integer, min: 0}\n"
    )
    registry = load_registry([root])
    fmt = translator(registry, languages, "de")  # an unsupported language falls back
    view = _view(registry, fmt, default_form(registry, "vehicle"), {"kind": ["van"]})
    assert [f.name for f in view.fields()][:4] == ["plate", "bought_on", "kind", "mileage"]
    assert _field(view, "kind").input.macro == "select"
    assert _field(view, "plate").label == "Plate"


def test_a_submission_reads_the_editable_fields(
    crm_registry: Registry, english: Translator
) -> None:
    form = main_form(crm_registry, "opportunity")
    rules = Rules.build(crm_registry)
    data = {
        "name": ["Renewal"],
        "amount": ["1,500.25"],
        "amount.currency": ["USD"],
        "probability": ["lots"],
        "stage": ["lost"],
        "number": ["OPP-999999"],  # read-only: never written
    }
    resolver = ValueResolver(rules, "opportunity", {"stage": "lost"}, None)
    submission = read_submission(crm_registry, form, data, english, resolver)
    assert submission.values["name"] == "Renewal"
    assert submission.values["amount"] == {"amount": 1500.25, "currency": "USD"}
    assert "number" not in submission.values
    assert submission.errors["probability"].startswith("Not a number")
    assert submission.errors["loss_reason"] == "This field is required"  # required_if


def test_only_changed_fields_are_written(crm_registry: Registry, english: Translator) -> None:
    form = main_form(crm_registry, "account")
    record = {"name": "Acme", "city": "Lyon", "relationship": "customer", "version": 3}
    original = record_data(crm_registry, form, record, english, {})
    data = {**original, "city": ["Paris"], "_original": [json.dumps(original)]}
    resolver = ValueResolver(Rules.build(crm_registry), "account", {}, record)
    submission = read_submission(crm_registry, form, data, english, resolver, only_changed=True)
    assert submission.values == {"city": "Paris"}
