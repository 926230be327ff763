"""One widget per field kind: how a value is edited, read back from a form, and shown.

:data:`WIDGETS` is the dispatch table, keyed by :class:`~xrm.metamodel.types.FieldKind`
(a test fails when a kind has no widget). Each widget has four pure functions:

* ``raw(field, value, fmt)`` — a record's value as the form fields that edit it
  (``{"amount": ["1 234,50"], "amount.currency": ["EUR"]}``), in the user's format;
* ``input(spec, data, fmt)`` — what the template needs to draw the input(s), from
  the form's current data (:class:`Input`: a macro of ``templates/_widgets.html``,
  its value, attributes, choices);
* ``parse(field, name, data, fmt)`` — the form's data back into the value the
  repository takes, or :class:`WidgetError` when it cannot be read at all (a
  number that is not one in the user's format); everything else — required, ranges,
  patterns — is the repository's to check;
* ``display(field, value, ctx)`` — the value for lists and read-only places
  (:class:`Shown`: text, a link, an option colour, chips).

Form data is a plain mapping of input names to lists of strings (what an HTML form
sends), so every function here runs without HTTP.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Protocol
from uuid import UUID

from xrm.metamodel.schema import (
    BooleanField,
    ChoiceField,
    DateField,
    DatetimeField,
    DecimalField,
    FieldDef,
    FileField,
    FormulaField,
    IntegerField,
    LookupField,
    MoneyField,
    MultiChoiceField,
    PolymorphicLookupField,
    StringField,
    TextField,
)
from xrm.metamodel.types import FieldKind, ValueType

from . import urls
from .i18n import Translator

#: What an HTML form sends: each input name with its values, in order.
FormData = Mapping[str, Sequence[str]]

#: Choice fields with this many options or fewer are radio buttons, more a select.
RADIO_LIMIT: Final = 4


class WidgetError(Exception):
    """A value typed into a widget that cannot be read (shown beside the field)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def option_class(entity: str, field_name: str, value: str) -> str:
    """The CSS class giving an option its colour (see the generated option stylesheet)."""
    return f"opt-{entity}-{field_name}-{value}"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool
    css: str | None = None


@dataclass(frozen=True)
class Input:
    """One field's input as the template draws it."""

    macro: str
    name: str
    value: str = ""
    attrs: Mapping[str, str] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    #: Widget-specific values: a money field's currency, a lookup's label and search URL…
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FieldSpec:
    """A field as a form places it (the widget's view of it)."""

    entity: str
    name: str
    definition: FieldDef
    label: str
    required: bool = False
    read_only: bool = False


@dataclass(frozen=True)
class Shown:
    """A value for display: text, an optional link, colour class, or chips."""

    text: str
    href: str | None = None
    css: str | None = None
    chips: tuple[Shown, ...] = ()
    #: Alignment/format hint for tables: "number", "date", "bool", "text".
    align: str = "text"
    #: Whether the value is missing (shown as a dash, sorted last).
    empty: bool = False


EMPTY: Final = Shown("", empty=True)


@dataclass(frozen=True)
class DisplayContext:
    """What display needs beyond the value: formats and the labels of referenced records."""

    fmt: Translator
    entity: str
    name: str
    #: ``(entity, id) -> label`` of records lookups point at (fetched in one batch).
    labels: Mapping[tuple[str, UUID], str] = field(default_factory=dict)
    #: The record's id (for file downloads).
    record_id: UUID | None = None


class Widget(Protocol):
    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData: ...

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input: ...

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object: ...

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown: ...


def first(data: FormData, key: str) -> str:
    values = data.get(key) or ()
    return values[-1] if values else ""


def _attrs(spec: FieldSpec, **more: str) -> dict[str, str]:
    attrs = {key.replace("_", "-"): value for key, value in more.items() if value != ""}
    if spec.required:
        attrs["aria-required"] = "true"
    if spec.read_only:
        attrs["readonly"] = "readonly"
    return attrs


def _html_pattern(pattern: str) -> str:
    """A Python pattern as an HTML ``pattern`` attribute (which is always anchored)."""
    return pattern.removeprefix("^").removesuffix("$")


# ---------------------------------------------------------------------- text kinds


_INPUT_TYPES: Final = {
    FieldKind.STRING: "text",
    FieldKind.EMAIL: "email",
    FieldKind.PHONE: "tel",
    FieldKind.URL: "url",
}
_AUTOCOMPLETE: Final = {FieldKind.EMAIL: "email", FieldKind.PHONE: "tel", FieldKind.URL: "url"}


class TextWidget:
    """string, email, phone, url: one line of text (patterns and masks for strings)."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        return {name: ["" if value is None else str(value)]}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        definition = spec.definition
        extra: dict[str, str] = {}
        if isinstance(definition, StringField):
            extra = {
                "maxlength": str(definition.max_length),
                "pattern": _html_pattern(definition.pattern) if definition.pattern else "",
                "data_mask": definition.mask or "",
                "placeholder": definition.mask or "",
            }
        attrs = _attrs(
            spec,
            type=_INPUT_TYPES.get(definition.type, "text"),
            autocomplete=_AUTOCOMPLETE.get(definition.type, "off"),
            **extra,
        )
        return Input("text", spec.name, first(data, spec.name), attrs)

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        return first(data, name).strip()

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if value is None or value == "":
            return EMPTY
        text = str(value)
        if definition.type is FieldKind.EMAIL:
            return Shown(text, href=f"mailto:{text}")
        if definition.type is FieldKind.PHONE:
            return Shown(text, href="tel:" + re.sub(r"[^0-9+]", "", text))
        if definition.type is FieldKind.URL and text.lower().startswith(("http://", "https://")):
            return Shown(text, href=text)
        return Shown(text)


class TextAreaWidget(TextWidget):
    """text: several lines."""

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        definition = spec.definition
        limit = definition.max_length if isinstance(definition, TextField) else None
        attrs = _attrs(spec, rows="4", maxlength=str(limit) if limit else "")
        return Input("textarea", spec.name, first(data, spec.name), attrs)

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        text = first(data, name).replace("\r\n", "\n")
        return text if text.strip() else ""


# -------------------------------------------------------------------- numbers


def _read_number(text: str, fmt: Translator) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return fmt.parse_number(text)
    except ValueError:
        raise WidgetError(
            fmt("widget.not_a_number", example=fmt.number(Decimal("1234.5")))
        ) from None


def _places(definition: FieldDef) -> int | None:
    if isinstance(definition, DecimalField):
        return definition.scale
    return None


class NumberWidget:
    """integer, decimal: typed and shown in the user's format (``1 234,5`` in French)."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        if value is None:
            return {name: [""]}
        assert isinstance(value, int | Decimal)
        return {name: [fmt.number(value, places=_places(definition))]}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        whole = spec.definition.type is FieldKind.INTEGER
        attrs = _attrs(spec, type="text", inputmode="numeric" if whole else "decimal")
        attrs["autocomplete"] = "off"
        return Input("text", spec.name, first(data, spec.name), attrs)

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        number = _read_number(first(data, name), fmt)
        if number is None:
            return ""
        if isinstance(definition, IntegerField):
            if number != number.to_integral_value():
                raise WidgetError(fmt("widget.not_whole"))
            return int(number)
        return number

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if value is None:
            return EMPTY
        assert isinstance(value, int | Decimal)
        return Shown(ctx.fmt.number(value, places=_places(definition)), align="number")


class MoneyWidget:
    """money: an amount in the user's format and a currency code."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        default = definition.currency if isinstance(definition, MoneyField) else None
        if not isinstance(value, Mapping) or value.get("amount") is None:
            return {name: [""], f"{name}.currency": [default or ""]}
        amount = value["amount"]
        assert isinstance(amount, Decimal)
        return {
            name: [fmt.number(amount, places=2)],
            f"{name}.currency": [str(value.get("currency") or default or "")],
        }

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        definition = spec.definition
        fixed = definition.currency if isinstance(definition, MoneyField) else None
        attrs = _attrs(spec, type="text", inputmode="decimal", autocomplete="off")
        currency = fixed or first(data, f"{spec.name}.currency")
        extra = {"currency": currency, "fixed": "1" if fixed else ""}
        return Input("money", spec.name, first(data, spec.name), attrs, extra=extra)

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        number = _read_number(first(data, name), fmt)
        if number is None:
            return ""
        currency = first(data, f"{name}.currency").strip().upper()
        return {"amount": number, "currency": currency} if currency else number

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if not isinstance(value, Mapping) or value.get("amount") is None:
            return EMPTY
        amount = value["amount"]
        assert isinstance(amount, Decimal)
        currency = value.get("currency")
        return Shown(ctx.fmt.money(amount, str(currency) if currency else None), align="number")


# ---------------------------------------------------------------- yes / no


class BooleanWidget:
    """boolean: a checkbox; a hidden "false" before it makes unchecking a real value."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        return {name: ["true" if value is True else "false"]}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        checked = "true" in (data.get(spec.name) or ())
        attrs = _attrs(spec)
        attrs.pop("aria-required", None)
        if spec.read_only:
            attrs.pop("readonly", None)
            attrs["disabled"] = "disabled"
        return Input("checkbox", spec.name, "true" if checked else "false", attrs)

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        return "true" in (data.get(name) or ())

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if value is None:
            return EMPTY
        return Shown(ctx.fmt("value.yes" if value else "value.no"), align="bool")


# -------------------------------------------------------------- dates and times


class DateWidget:
    """date: the browser's date picker (ISO value), shown in the user's format."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        return {name: [value.isoformat() if isinstance(value, dt.date) else ""]}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        return Input("text", spec.name, first(data, spec.name), _attrs(spec, type="date"))

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        text = first(data, name).strip()
        if not text:
            return ""
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise WidgetError(fmt("widget.not_a_date")) from None

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if isinstance(value, dt.datetime):
            return Shown(ctx.fmt.datetime(value), align="date")
        if isinstance(value, dt.date):
            return Shown(ctx.fmt.date(value), align="date")
        return EMPTY


class DatetimeWidget:
    """datetime: stored in UTC, typed and shown as wall time in the user's time zone."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        return {name: [fmt.local_input(value) if isinstance(value, dt.datetime) else ""]}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        attrs = _attrs(spec, type="datetime-local")
        return Input("text", spec.name, first(data, spec.name), attrs, extra={"zone": fmt.zone.key})

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        text = first(data, name).strip()
        if not text:
            return ""
        try:
            return fmt.from_local_input(text)
        except ValueError:
            raise WidgetError(fmt("widget.not_a_datetime")) from None

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if isinstance(value, dt.datetime):
            return Shown(ctx.fmt.datetime(value), align="date")
        return EMPTY


# ------------------------------------------------------------------- choices


def _choices(spec: FieldSpec, selected: Sequence[str], fmt: Translator) -> tuple[Choice, ...]:
    definition = spec.definition
    assert isinstance(definition, ChoiceField | MultiChoiceField)
    colored = {o.value for o in definition.options if o.color}
    return tuple(
        Choice(
            value,
            fmt.option(spec.entity, spec.name, value),
            value in selected,
            option_class(spec.entity, spec.name, value) if value in colored else None,
        )
        for value in definition.option_values()
    )


def _option_shown(
    entity: str, name: str, definition: FieldDef, value: str, fmt: Translator
) -> Shown:
    options = getattr(definition, "options", None) or ()
    colored = any(o.value == value and o.color for o in options)
    css = option_class(entity, name, value) if colored else None
    return Shown(fmt.option(entity, name, value), css=css)


class ChoiceWidget:
    """choice: radio buttons for a few options, a select for more; options keep colours."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        return {name: [str(value) if value else ""]}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        definition = spec.definition
        assert isinstance(definition, ChoiceField)
        current = first(data, spec.name)
        choices = _choices(spec, [current], fmt)
        macro = "radios" if len(choices) <= RADIO_LIMIT else "select"
        attrs = _attrs(spec)
        if spec.read_only:
            attrs.pop("readonly", None)
            attrs["disabled"] = "disabled"
        return Input(macro, spec.name, current, attrs, choices, {"blank": fmt("value.none")})

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        return first(data, name)

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if not isinstance(value, str) or not value:
            return EMPTY
        return _option_shown(ctx.entity, ctx.name, definition, value, ctx.fmt)


class MultiChoiceWidget:
    """multichoice: a checkbox per option, shown as coloured chips."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        chosen = [str(v) for v in value] if isinstance(value, list | tuple) else []
        return {name: chosen}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        chosen = [v for v in data.get(spec.name) or () if v]
        attrs = _attrs(spec)
        if spec.read_only:
            attrs.pop("readonly", None)
            attrs["disabled"] = "disabled"
        return Input("checkboxes", spec.name, "", attrs, _choices(spec, chosen, fmt))

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        return [v for v in data.get(name) or () if v]

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if not isinstance(value, list | tuple) or not value:
            return EMPTY
        chips = tuple(
            _option_shown(ctx.entity, ctx.name, definition, str(v), ctx.fmt) for v in value
        )
        return Shown(", ".join(chip.text for chip in chips), chips=chips)


# ------------------------------------------------------------------- lookups


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text.strip())
    except ValueError:
        return None


class LookupWidget:
    """lookup: a typeahead (htmx) over the target's records, plus "create new" in a dialog."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        return {name: [str(value) if isinstance(value, UUID) else ""], f"{name}.label": [""]}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        definition = spec.definition
        assert isinstance(definition, LookupField)
        extra = {
            "label": first(data, f"{spec.name}.label"),
            "target": definition.target,
            "search": urls.lookup({"target": definition.target, "name": spec.name}),
            "target_label": fmt.entity(definition.target),
        }
        return Input("lookup", spec.name, first(data, spec.name), _attrs(spec), extra=extra)

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        text = first(data, name).strip()
        if not text:
            return ""
        found = _uuid(text)
        if found is None:
            raise WidgetError(fmt("widget.pick_from_list"))
        return found

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if not isinstance(value, UUID):
            return EMPTY
        assert isinstance(definition, LookupField)
        label = ctx.labels.get((definition.target, value))
        if label is None:  # not readable by the user, or deleted meanwhile
            return Shown(ctx.fmt("value.hidden_record"))
        return Shown(label, href=urls.record(definition.target, value))


class PolymorphicLookupWidget:
    """polymorphic lookup: pick the target entity, then a record of it (typeahead)."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        assert isinstance(definition, PolymorphicLookupField)
        if isinstance(value, Mapping) and isinstance(value.get("id"), UUID):
            return {
                name: [str(value["id"])],
                f"{name}.entity": [str(value.get("entity"))],
                f"{name}.label": [""],
            }
        return {name: [""], f"{name}.entity": [definition.targets[0]], f"{name}.label": [""]}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        definition = spec.definition
        assert isinstance(definition, PolymorphicLookupField)
        target = first(data, f"{spec.name}.entity")
        if target not in definition.targets:
            target = definition.targets[0]
        choices = tuple(Choice(t, fmt.entity(t), t == target) for t in definition.targets)
        extra = {
            "label": first(data, f"{spec.name}.label"),
            "target": target,
            "search": urls.lookup({"name": spec.name}),
            "target_label": fmt.entity(target),
        }
        value = first(data, spec.name)
        return Input("polymorphic", spec.name, value, _attrs(spec), choices, extra)

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        text = first(data, name).strip()
        if not text:
            return ""
        found = _uuid(text)
        if found is None:
            raise WidgetError(fmt("widget.pick_from_list"))
        return {"entity": first(data, f"{name}.entity"), "id": found}

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if not isinstance(value, Mapping) or not isinstance(value.get("id"), UUID):
            return EMPTY
        target, id_ = str(value.get("entity")), value["id"]
        label = ctx.labels.get((target, id_))
        if label is None:
            return Shown(ctx.fmt("value.hidden_record"))
        return Shown(label, href=urls.record(target, id_))


# ---------------------------------------------------------------------- files


class FileWidget:
    """file: an upload input; the stored file is a download link."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        return {f"{name}.current": [str(value) if isinstance(value, UUID) else ""]}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        definition = spec.definition
        assert isinstance(definition, FileField)
        attrs = _attrs(spec, type="file", accept=",".join(definition.accept))
        attrs.pop("readonly", None)
        if spec.read_only:
            attrs["disabled"] = "disabled"
        current = first(data, f"{spec.name}.current")
        extra = {"current": current, "max_size": str(definition.max_size or "")}
        return Input("file", spec.name, current, attrs, extra=extra)

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        # Uploads arrive as stored file ids (the route stores the blob first).
        uploaded = first(data, name).strip()
        if uploaded:
            found = _uuid(uploaded)
            if found is None:
                raise WidgetError(fmt("widget.upload_failed"))
            return found
        if first(data, f"{name}.clear") == "true":
            return ""
        current = _uuid(first(data, f"{name}.current"))
        return current if current is not None else ""

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if not isinstance(value, UUID) or ctx.record_id is None:
            return EMPTY
        label = ctx.labels.get(("xrm_file", value)) or ctx.fmt("value.download")
        return Shown(label, href=urls.file(ctx.entity, ctx.record_id, ctx.name))


# ---------------------------------------------------------- computed, assigned


def _value_type(definition: FieldDef) -> ValueType | None:
    if isinstance(definition, FormulaField):
        return definition.returns
    return None


#: How a computed value of each type is shown, by the widget of the matching kind.
_KIND_OF_TYPE: Final = {
    ValueType.STRING: FieldKind.STRING,
    ValueType.INTEGER: FieldKind.INTEGER,
    ValueType.DECIMAL: FieldKind.DECIMAL,
    ValueType.MONEY: FieldKind.MONEY,
    ValueType.BOOLEAN: FieldKind.BOOLEAN,
    ValueType.DATE: FieldKind.DATE,
    ValueType.DATETIME: FieldKind.DATETIME,
}


class OutputWidget:
    """autonumber, formula, rollup: never typed; shown read-only, recalculated on change."""

    def raw(self, definition: FieldDef, name: str, value: object, fmt: Translator) -> FormData:
        return {}

    def input(self, spec: FieldSpec, data: FormData, fmt: Translator) -> Input:
        return Input("output", spec.name)

    def parse(self, definition: FieldDef, name: str, data: FormData, fmt: Translator) -> object:
        return None

    def display(self, definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
        if value is None:
            return EMPTY
        value_type = _value_type(definition)
        if value_type is None:
            value_type = _type_of_value(value)
        kind = _KIND_OF_TYPE.get(value_type, FieldKind.STRING)
        shown_as: FieldDef = _PLAIN_FIELDS[kind]
        return WIDGETS[kind].display(shown_as, value, ctx)


def _type_of_value(value: object) -> ValueType:
    if isinstance(value, Mapping) and "amount" in value:
        return ValueType.MONEY
    if isinstance(value, bool):
        return ValueType.BOOLEAN
    if isinstance(value, int):
        return ValueType.INTEGER
    if isinstance(value, Decimal):
        return ValueType.DECIMAL
    if isinstance(value, dt.datetime):
        return ValueType.DATETIME
    if isinstance(value, dt.date):
        return ValueType.DATE
    return ValueType.STRING


def _plain_fields() -> dict[FieldKind, FieldDef]:
    """A bare definition per kind, to show computed values with that kind's widget."""
    return {
        FieldKind.STRING: StringField(type=FieldKind.STRING),
        FieldKind.INTEGER: IntegerField(type=FieldKind.INTEGER),
        FieldKind.DECIMAL: DecimalField(type=FieldKind.DECIMAL, scale=2),
        FieldKind.MONEY: MoneyField(type=FieldKind.MONEY),
        FieldKind.BOOLEAN: BooleanField(type=FieldKind.BOOLEAN),
        FieldKind.DATE: DateField(type=FieldKind.DATE),
        FieldKind.DATETIME: DatetimeField(type=FieldKind.DATETIME),
    }


_PLAIN_FIELDS: Final = _plain_fields()

_TEXT: Final = TextWidget()
_OUTPUT: Final = OutputWidget()

#: THE widget of each field kind.
WIDGETS: Final[Mapping[FieldKind, Widget]] = {
    FieldKind.STRING: _TEXT,
    FieldKind.TEXT: TextAreaWidget(),
    FieldKind.EMAIL: _TEXT,
    FieldKind.PHONE: _TEXT,
    FieldKind.URL: _TEXT,
    FieldKind.INTEGER: NumberWidget(),
    FieldKind.DECIMAL: NumberWidget(),
    FieldKind.MONEY: MoneyWidget(),
    FieldKind.BOOLEAN: BooleanWidget(),
    FieldKind.DATE: DateWidget(),
    FieldKind.DATETIME: DatetimeWidget(),
    FieldKind.CHOICE: ChoiceWidget(),
    FieldKind.MULTICHOICE: MultiChoiceWidget(),
    FieldKind.LOOKUP: LookupWidget(),
    FieldKind.POLYMORPHIC_LOOKUP: PolymorphicLookupWidget(),
    FieldKind.AUTONUMBER: _OUTPUT,
    FieldKind.FORMULA: _OUTPUT,
    FieldKind.ROLLUP: _OUTPUT,
    FieldKind.FILE: FileWidget(),
}


def widget(definition: FieldDef) -> Widget:
    return WIDGETS[definition.type]


def display(definition: FieldDef, value: object, ctx: DisplayContext) -> Shown:
    return WIDGETS[definition.type].display(definition, value, ctx)
