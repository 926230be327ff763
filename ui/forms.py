"""Forms, pure: FormDef + form data + errors -> the view model a template draws.

Nothing here touches HTTP or the database. A route hands over the form's data (what
the browser sent, or a record turned into form data by the widgets), the errors the
repository reported, and what the user may not see or change; :func:`build_form`
returns tabs -> sections -> fields, each with its widget's input, its error, and
whether it is visible and required *now* (``visible_if`` / ``required_if`` evaluated
on the unsaved values), and formulas recalculated on those values.

An entity without a declared form gets a sensible one (:func:`default_form`): every
field the user can type, then the computed ones, then the owner; so any entity of
any solution has a working form without a line of Python.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final
from uuid import UUID

from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import (
    FieldDef,
    FormDef,
    FormFieldRef,
    FormulaField,
    SectionDef,
    TabDef,
)
from xrm.metamodel.types import COMPUTED_KINDS, FieldKind, ValueType

from .evaluator import EvaluationError
from .i18n import Translator
from .rules import ValueResolver
from .widgets import (
    DisplayContext,
    FieldSpec,
    FormData,
    Input,
    Shown,
    WidgetError,
    display,
    widget,
)

#: System fields a form may show (the others are stamped by the platform).
FORM_SYSTEM_FIELDS: Final = ("owner",)
#: System fields never typed on a form.
ASSIGNED_FIELDS: Final = frozenset(
    {"created_at", "created_by", "modified_at", "modified_by", "business_unit", "version"}
)
#: Hidden inputs every form carries (never field names: fields never start with "_").
VERSION_INPUT: Final = "_version"
ORIGINAL_INPUT: Final = "_original"


# ----------------------------------------------------------------- form choice


def default_form(registry: Registry, entity: str, *, kind: str = "main") -> FormDef:
    """A form for an entity that declares none: typed fields, computed fields, owner."""
    definition = registry.entity(entity)
    typed = [
        name
        for name, f in definition.fields.items()
        if name not in ASSIGNED_FIELDS
        and name not in FORM_SYSTEM_FIELDS
        and f.type not in COMPUTED_KINDS
        and f.type is not FieldKind.AUTONUMBER
    ]
    if definition.primary_field in typed:
        typed.remove(definition.primary_field)
        typed.insert(0, definition.primary_field)
    computed = [
        name
        for name, f in definition.fields.items()
        if f.type in COMPUTED_KINDS or f.type is FieldKind.AUTONUMBER
    ]
    sections = [SectionDef(name="main", fields=[FormFieldRef(field=n) for n in typed])]
    if kind == "main":
        if computed:
            sections.append(
                SectionDef(name="computed", fields=[FormFieldRef(field=n) for n in computed])
            )
        if "owner" in definition.fields:
            sections.append(SectionDef(name="ownership", fields=[FormFieldRef(field="owner")]))
    return FormDef(
        form=f"{entity}_default",
        entity=entity,
        kind="main" if kind == "main" else "quick_create",
        tabs=[TabDef(name="general", sections=sections)],
    )


def main_form(registry: Registry, entity: str) -> FormDef:
    """The entity's main form: the one marked default, else the first main one, else made."""
    forms = [f for f in registry.forms.values() if f.entity == entity and f.kind == "main"]
    for form in forms:
        if form.default:
            return form
    return forms[0] if forms else default_form(registry, entity)


def quick_form(registry: Registry, entity: str) -> FormDef:
    """The short form for creating from elsewhere (a lookup's "new", a related list)."""
    for form in registry.forms.values():
        if form.entity == entity and form.kind == "quick_create":
            return form
    return default_form(registry, entity, kind="quick_create")


def form_fields(form: FormDef) -> list[FormFieldRef]:
    return [ref for tab in form.tabs for section in tab.sections for ref in section.fields]


# ------------------------------------------------------------------ view model


@dataclass(frozen=True)
class FieldView:
    name: str
    label: str
    help: str
    kind: str
    input: Input
    #: The value shown for read-only and computed fields.
    shown: Shown | None
    error: str | None
    required: bool
    visible: bool
    read_only: bool
    computed: bool
    #: Depends on other values (a condition or a formula): refreshed as the user types.
    live: bool

    @property
    def dom_id(self) -> str:
        return f"field-{self.name}"

    @property
    def input_id(self) -> str:
        return f"input-{self.name}"


@dataclass(frozen=True)
class RelatedPlacement:
    """A related list a form places in a section (drawn by the record page)."""

    relation: str
    label: str
    columns: tuple[str, ...]
    view: str | None


@dataclass(frozen=True)
class SectionView:
    name: str
    label: str
    columns: int
    fields: tuple[FieldView, ...]
    related: tuple[RelatedPlacement, ...]
    visible: bool
    live: bool

    @property
    def dom_id(self) -> str:
        return f"section-{self.name}"


@dataclass(frozen=True)
class TabView:
    name: str
    label: str
    sections: tuple[SectionView, ...]

    @property
    def has_fields(self) -> bool:
        return any(section.fields for section in self.sections)


@dataclass(frozen=True)
class FormView:
    entity: str
    form: str
    tabs: tuple[TabView, ...]
    #: Problems that belong to no field on the form.
    errors: tuple[str, ...]
    #: Hidden inputs (version, original values).
    hidden: Mapping[str, str]

    def fields(self) -> list[FieldView]:
        return [f for tab in self.tabs for section in tab.sections for f in section.fields]

    def live_fields(self) -> list[FieldView]:
        return [f for f in self.fields() if f.live]

    def live_sections(self) -> list[SectionView]:
        return [s for tab in self.tabs for s in tab.sections if s.live]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(f.error for f in self.fields())


@dataclass(frozen=True)
class FormState:
    """Everything a form is drawn from (all plain data)."""

    registry: Registry
    form: FormDef
    data: FormData
    fmt: Translator
    resolver: ValueResolver
    #: Field -> message (from the widgets and the repository).
    errors: Mapping[str, str] = field(default_factory=dict)
    record_errors: Sequence[str] = ()
    #: Fields the user may not read: left off the form.
    hidden: frozenset[str] = frozenset()
    #: Fields the user may not write: shown read-only.
    frozen: frozenset[str] = frozenset()
    #: The record as stored (computed values, lookup labels): None when creating.
    record: Mapping[str, object] | None = None
    labels: Mapping[tuple[str, UUID], str] = field(default_factory=dict)
    version: int | None = None
    original: Mapping[str, Sequence[str]] | None = None


def field_spec(
    registry: Registry, entity: str, ref: FormFieldRef, fmt: Translator, *, read_only: bool
) -> FieldSpec:
    definition = registry.field(entity, ref.field)
    label = fmt.text(ref.label, fmt.field(entity, ref.field)) if ref.label else None
    return FieldSpec(
        entity,
        ref.field,
        definition,
        label or fmt.field(entity, ref.field),
        required=definition.required,
        read_only=read_only,
    )


def is_editable(definition: FieldDef, ref: FormFieldRef, name: str, frozen: frozenset[str]) -> bool:
    return not (
        ref.read_only
        or definition.read_only
        or definition.type in COMPUTED_KINDS
        or definition.type is FieldKind.AUTONUMBER
        or name in ASSIGNED_FIELDS
        or name in frozen
    )


def build_form(state: FormState) -> FormView:
    registry, form, fmt = state.registry, state.form, state.fmt
    entity = form.entity
    placed: set[str] = set()
    tabs: list[TabView] = []
    for tab in form.tabs:
        sections: list[SectionView] = []
        for section in tab.sections:
            fields = tuple(
                _field_view(state, ref)
                for ref in section.fields
                if ref.field not in state.hidden and ref.field in registry.entity(entity).fields
            )
            placed.update(f.name for f in fields)
            visible = section.visible_if is None or state.resolver.holds(section.visible_if)
            related = tuple(
                RelatedPlacement(
                    rel.relation,
                    fmt.text(rel.label, fmt.relation(entity, rel.relation)),
                    tuple(rel.columns),
                    rel.view,
                )
                for rel in section.related
            )
            label = fmt.text(section.label, "") if section.label else ""
            sections.append(
                SectionView(
                    section.name,
                    label,
                    section.columns,
                    fields,
                    related,
                    visible,
                    section.visible_if is not None,
                )
            )
        label = fmt.text(tab.label, fmt("form.tab_general")) if tab.label else ""
        tabs.append(TabView(tab.name, label or fmt("form.tab_general"), tuple(sections)))
    errors = [*state.record_errors]
    errors.extend(
        f"{fmt.field(entity, name) if name in registry.entity(entity).fields else name}: {message}"
        for name, message in state.errors.items()
        if name not in placed
    )
    hidden: dict[str, str] = {}
    if state.version is not None:
        hidden[VERSION_INPUT] = str(state.version)
    if state.original is not None:
        hidden[ORIGINAL_INPUT] = json.dumps(state.original, ensure_ascii=False, sort_keys=True)
    return FormView(entity, form.form, tuple(tabs), tuple(errors), hidden)


def _field_view(state: FormState, ref: FormFieldRef) -> FieldView:
    registry, fmt, entity = state.registry, state.fmt, state.form.entity
    definition = registry.field(entity, ref.field)
    editable = is_editable(definition, ref, ref.field, state.frozen)
    spec = field_spec(registry, entity, ref, fmt, read_only=not editable)
    visible = ref.visible_if is None or state.resolver.holds(ref.visible_if)
    required = definition.required or (
        ref.required_if is not None and state.resolver.holds(ref.required_if)
    )
    computed = definition.type in COMPUTED_KINDS or definition.type is FieldKind.AUTONUMBER
    shown: Shown | None = None
    if not editable or definition.type is FieldKind.FILE:
        shown = _shown_value(state, ref.field, definition)
    help_text = fmt.text(definition.help, "") if definition.help else ""
    return FieldView(
        name=ref.field,
        label=spec.label,
        help=help_text,
        kind=definition.type.value,
        input=widget(definition).input(
            FieldSpec(spec.entity, spec.name, definition, spec.label, required, not editable),
            state.data,
            fmt,
        ),
        shown=shown,
        error=state.errors.get(ref.field),
        required=required and editable,
        visible=visible,
        read_only=not editable,
        computed=computed,
        live=ref.visible_if is not None
        or ref.required_if is not None
        or definition.type is FieldKind.FORMULA,
    )


def _shown_value(state: FormState, name: str, definition: FieldDef) -> Shown:
    """A read-only field's value: formulas recalculated on the form's values."""
    value: object
    if definition.type is FieldKind.FORMULA:
        try:
            value = _as_record_value(definition, state.resolver.value(name))
        except EvaluationError:
            value = state.record.get(name) if state.record else None
    elif definition.type in COMPUTED_KINDS or definition.type is FieldKind.AUTONUMBER:
        value = state.record.get(name) if state.record else None
    else:
        # A field the user may not change: shown as stored (or as the form has it).
        value = state.record.get(name) if state.record else None
    record_id = state.record.get("id") if state.record else None
    ctx = DisplayContext(
        state.fmt,
        state.form.entity,
        name,
        labels=state.labels,
        record_id=record_id if isinstance(record_id, UUID) else None,
    )
    return display(definition, value, ctx)


def _as_record_value(definition: FieldDef, value: object) -> object:
    """A formula's evaluated value in the shape records carry (money as a mapping)."""
    if isinstance(definition, FormulaField) and definition.returns is ValueType.MONEY:
        return None if value is None else {"amount": value, "currency": None}
    return value


# ------------------------------------------------------------------ submission


def form_inputs(
    registry: Registry,
    form: FormDef,
    data: FormData,
    fmt: Translator,
    frozen: frozenset[str] = frozenset(),
) -> dict[str, object]:
    """What the form's fields would give the repository, for conditions and formulas.

    Only fields the user can type and the form carries count; the others keep their
    stored value. A value that cannot be read is None (the form shows its error).
    """
    values: dict[str, object] = {}
    definitions = registry.entity(form.entity).fields
    for ref in form_fields(form):
        definition = definitions.get(ref.field)
        if definition is None or not is_editable(definition, ref, ref.field, frozen):
            continue
        prefix = f"{ref.field}."
        if not any(key == ref.field or key.startswith(prefix) for key in data):
            continue
        try:
            values[ref.field] = widget(definition).parse(definition, ref.field, data, fmt)
        except WidgetError:
            values[ref.field] = None
    return values


@dataclass(frozen=True)
class Submission:
    """What a submitted form asks the repository to write, and what could not be read."""

    values: dict[str, object]
    errors: dict[str, str]


def read_submission(
    registry: Registry,
    form: FormDef,
    data: FormData,
    fmt: Translator,
    resolver: ValueResolver,
    *,
    hidden: frozenset[str] = frozenset(),
    frozen: frozenset[str] = frozenset(),
    only_changed: bool = False,
) -> Submission:
    """The values of the form's editable fields, and the problems found before saving.

    ``required_if`` is the form's rule, not the entity's, so it is checked here (on
    visible fields only); ``required`` and everything else the repository checks.
    With ``only_changed``, fields whose input equals the original value are left out.
    """
    entity = form.entity
    original = original_data(data) if only_changed else None
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for ref in form_fields(form):
        name = ref.field
        if name in hidden or name not in registry.entity(entity).fields:
            continue
        definition = registry.field(entity, name)
        if not is_editable(definition, ref, name, frozen):
            continue
        if original is not None and _unchanged(definition, name, data, original):
            continue
        try:
            values[name] = widget(definition).parse(definition, name, data, fmt)
        except WidgetError as exc:
            errors[name] = exc.message
    for ref in form_fields(form):
        if ref.required_if is None or ref.field in errors or ref.field in hidden:
            continue
        visible = ref.visible_if is None or resolver.holds(ref.visible_if)
        if visible and resolver.holds(ref.required_if) and _blank(resolver.value(ref.field)):
            errors[ref.field] = fmt("form.required")
    return Submission(values, errors)


def _blank(value: object) -> bool:
    return value is None or value == "" or value == ()


def _unchanged(
    definition: FieldDef, name: str, data: FormData, original: Mapping[str, Sequence[str]]
) -> bool:
    keys = [key for key in original if key == name or key.startswith(f"{name}.")]
    if not keys:
        return False
    if definition.type is FieldKind.FILE and (data.get(name) or [""])[-1]:
        return False  # a new upload
    return all(
        list(data.get(key) or []) == list(original[key])
        for key in keys
        if not key.endswith(".label")
    )


def original_data(data: FormData) -> dict[str, list[str]] | None:
    """The form data the user started from (carried in a hidden input), if any."""
    raw = (data.get(ORIGINAL_INPUT) or [""])[-1]
    if not raw:
        return None
    try:
        loaded = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(loaded, dict):
        return None
    return {
        str(k): [str(v) for v in values] for k, values in loaded.items() if isinstance(values, list)
    }


def record_data(
    registry: Registry,
    form: FormDef,
    record: Mapping[str, object],
    fmt: Translator,
    labels: Mapping[tuple[str, UUID], str],
) -> dict[str, list[str]]:
    """A stored record as form data (what the form's inputs show before any change)."""
    entity = form.entity
    data: dict[str, list[str]] = {}
    for ref in form_fields(form):
        definition = registry.entity(entity).fields.get(ref.field)
        if definition is None:
            continue
        raw = widget(definition).raw(definition, ref.field, record.get(ref.field), fmt)
        data.update({key: list(values) for key, values in raw.items()})
        label_key = f"{ref.field}.label"
        if label_key in data:
            data[label_key] = [_lookup_label(definition, record.get(ref.field), labels)]
    return data


def _lookup_label(
    definition: FieldDef, value: object, labels: Mapping[tuple[str, UUID], str]
) -> str:
    target = getattr(definition, "target", None)
    if isinstance(value, Mapping):
        target, value = value.get("entity"), value.get("id")
    if not isinstance(target, str) or not isinstance(value, UUID):
        return ""
    return labels.get((target, value), "")
