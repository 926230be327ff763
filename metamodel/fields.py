"""Field definitions: one frozen model per field kind, discriminated by ``type:``."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import (
    Field,
    model_validator,
)

from .model_base import (
    _AUTONUMBER_TOKEN_RE,
    _AUTONUMBER_TOKENS,
    _COLOR_RE,
    Flag,
    I18nText,
    Identifier,
    Model,
)
from .types import (
    FORMULA_RETURN_TYPES,
    Aggregate,
    FieldKind,
    OnDelete,
    ValueType,
)

# --------------------------------------------------------------------------- fields


class ChoiceOption(Model):
    """One option of a choice or multichoice field; a plain string is shorthand for ``value``."""

    value: Identifier
    label: I18nText | None = None
    color: str | None = None
    order: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"value": data}
        return data

    @model_validator(mode="after")
    def _check_color(self) -> Self:
        if self.color is not None and not _COLOR_RE.match(self.color):
            raise ValueError(f"color {self.color!r} must look like '#1f77b4'")
        return self


class _FieldBase(Model):
    label: I18nText | None = None
    help: I18nText | None = None
    description: str | None = None
    required: Flag = False
    unique: Flag = False
    indexed: Flag = False
    searchable: Flag = False
    read_only: Flag = False
    renamed_from: Identifier | None = None


class _Bounded(_FieldBase):
    min: Decimal | None = None
    max: Decimal | None = None

    @model_validator(mode="after")
    def _check_bounds(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        default = getattr(self, "default", None)
        if isinstance(default, int | Decimal):
            if self.min is not None and default < self.min:
                raise ValueError(f"default {default} is below min {self.min}")
            if self.max is not None and default > self.max:
                raise ValueError(f"default {default} is above max {self.max}")
        return self


class StringField(_FieldBase):
    type: Literal[FieldKind.STRING]
    max_length: int = Field(default=255, ge=1, le=10_000)
    pattern: str | None = None
    mask: str | None = None
    default: str | None = None

    @model_validator(mode="after")
    def _check_pattern(self) -> Self:
        if self.pattern is not None:
            try:
                compiled = re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from exc
            if self.default is not None and not compiled.fullmatch(self.default):
                raise ValueError(f"default {self.default!r} does not match the pattern")
        if self.default is not None and len(self.default) > self.max_length:
            raise ValueError(f"default is longer than max_length {self.max_length}")
        return self


class TextField(_FieldBase):
    type: Literal[FieldKind.TEXT]
    max_length: int | None = Field(default=None, ge=1)
    default: str | None = None


class EmailField(_FieldBase):
    type: Literal[FieldKind.EMAIL]
    default: str | None = None


class PhoneField(_FieldBase):
    type: Literal[FieldKind.PHONE]
    default: str | None = None


class UrlField(_FieldBase):
    type: Literal[FieldKind.URL]
    default: str | None = None


class IntegerField(_Bounded):
    type: Literal[FieldKind.INTEGER]
    default: int | None = None


class DecimalField(_Bounded):
    type: Literal[FieldKind.DECIMAL]
    precision: int = Field(default=18, ge=1, le=38)
    scale: int = Field(default=2, ge=0, le=38)
    default: Decimal | None = None

    @model_validator(mode="after")
    def _check_scale(self) -> Self:
        if self.scale > self.precision:
            raise ValueError(f"scale ({self.scale}) cannot exceed precision ({self.precision})")
        return self


class MoneyField(_Bounded):
    """An amount with a currency code, stored as two columns (amount, currency)."""

    type: Literal[FieldKind.MONEY]
    default: Decimal | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class BooleanField(_FieldBase):
    type: Literal[FieldKind.BOOLEAN]
    default: Flag | None = None


class DateField(_FieldBase):
    type: Literal[FieldKind.DATE]
    default: Literal["today"] | dt.date | None = None


class DatetimeField(_FieldBase):
    """Stored in UTC; shown in the user's time zone."""

    type: Literal[FieldKind.DATETIME]
    default: Literal["now"] | dt.datetime | None = None


class _OptionsField(_FieldBase):
    options: list[ChoiceOption] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_options(self) -> Self:
        seen: set[str] = set()
        for option in self.options:
            if option.value in seen:
                raise ValueError(f"option {option.value!r} is listed twice")
            seen.add(option.value)
        return self

    def option_values(self) -> tuple[str, ...]:
        ordered = sorted(
            enumerate(self.options),
            key=lambda pair: (pair[1].order if pair[1].order is not None else pair[0], pair[0]),
        )
        return tuple(option.value for _, option in ordered)


class ChoiceField(_OptionsField):
    type: Literal[FieldKind.CHOICE]
    default: str | None = None

    @model_validator(mode="after")
    def _check_default(self) -> Self:
        if self.default is not None and self.default not in self.option_values():
            raise ValueError(f"default {self.default!r} is not one of the options")
        return self


class MultiChoiceField(_OptionsField):
    type: Literal[FieldKind.MULTICHOICE]
    default: list[str] | None = None

    @model_validator(mode="after")
    def _check_default(self) -> Self:
        for value in self.default or []:
            if value not in self.option_values():
                raise ValueError(f"default {value!r} is not one of the options")
        return self


class LookupField(_FieldBase):
    """A reference to one record of ``target`` (N:1)."""

    type: Literal[FieldKind.LOOKUP]
    target: Identifier
    on_delete: OnDelete | None = None

    @property
    def effective_on_delete(self) -> OnDelete:
        if self.on_delete is not None:
            return self.on_delete
        return OnDelete.RESTRICT if self.required else OnDelete.SET_NULL

    @model_validator(mode="after")
    def _check_on_delete(self) -> Self:
        if self.required and self.on_delete is OnDelete.SET_NULL:
            raise ValueError(
                "a required lookup cannot use on_delete: set_null; use restrict or cascade"
            )
        return self


class PolymorphicLookupField(_FieldBase):
    """A reference to one record of any of several ``targets`` (e.g. an activity's regarding)."""

    type: Literal[FieldKind.POLYMORPHIC_LOOKUP]
    targets: list[Identifier] = Field(min_length=2)
    on_delete: OnDelete = OnDelete.SET_NULL

    @model_validator(mode="after")
    def _check_targets(self) -> Self:
        if len(set(self.targets)) != len(self.targets):
            raise ValueError("targets lists an entity twice")
        if self.on_delete is OnDelete.SET_NULL and self.required:
            raise ValueError(
                "a required lookup cannot use on_delete: set_null; use restrict or cascade"
            )
        return self


class AutonumberField(_FieldBase):
    """A gap-free, per-entity sequence rendered through ``format`` (e.g. ``OPP-{seq:06}``)."""

    type: Literal[FieldKind.AUTONUMBER]
    format: str = "{seq}"
    start: int = Field(default=1, ge=0)

    @model_validator(mode="after")
    def _check_format(self) -> Self:
        tokens = _AUTONUMBER_TOKEN_RE.findall(self.format)
        names = [token.split(":", 1)[0] for token in tokens]
        if "seq" not in names:
            raise ValueError("format must contain {seq} (optionally padded: {seq:06})")
        for token, name in zip(tokens, names, strict=True):
            if name not in _AUTONUMBER_TOKENS:
                raise ValueError(
                    f"unknown placeholder {{{token}}} in format; use "
                    + ", ".join(f"{{{t}}}" for t in sorted(_AUTONUMBER_TOKENS))
                )
            if name == "seq" and ":" in token and not re.fullmatch(r"seq:0?\d{1,2}", token):
                raise ValueError(f"{{{token}}}: padding is written like {{seq:06}}")
        return self


class FormulaField(_FieldBase):
    """A value computed in SQL from the record's fields and its N:1 lookups."""

    type: Literal[FieldKind.FORMULA]
    returns: ValueType
    expression: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check_returns(self) -> Self:
        if self.returns not in FORMULA_RETURN_TYPES:
            allowed = ", ".join(sorted(FORMULA_RETURN_TYPES))
            raise ValueError(f"a formula cannot return {self.returns!s}; use one of {allowed}")
        return self


class RollupField(_FieldBase):
    """An aggregate over a 1:N or N:N relation, computed in SQL on read."""

    type: Literal[FieldKind.ROLLUP]
    relation: Identifier
    aggregate: Aggregate
    field: Identifier | None = None
    filter: str | None = None

    @model_validator(mode="after")
    def _check_field(self) -> Self:
        if self.aggregate is not Aggregate.COUNT and self.field is None:
            raise ValueError(f"aggregate {self.aggregate!s} needs a field to aggregate")
        return self


class FileField(_FieldBase):
    """A file: a metadata row in the platform's file table plus a stored blob."""

    type: Literal[FieldKind.FILE]
    max_size: int | None = Field(default=None, ge=1)
    accept: list[str] = Field(default_factory=list)


FieldDef = Annotated[
    StringField
    | TextField
    | EmailField
    | PhoneField
    | UrlField
    | IntegerField
    | DecimalField
    | MoneyField
    | BooleanField
    | DateField
    | DatetimeField
    | ChoiceField
    | MultiChoiceField
    | LookupField
    | PolymorphicLookupField
    | AutonumberField
    | FormulaField
    | RollupField
    | FileField,
    Field(discriminator="type"),
]

#: The model for each kind, so consumers can go from kind to class without a chain of ifs.
FIELD_MODELS: dict[FieldKind, type[_FieldBase]] = {
    FieldKind.STRING: StringField,
    FieldKind.TEXT: TextField,
    FieldKind.EMAIL: EmailField,
    FieldKind.PHONE: PhoneField,
    FieldKind.URL: UrlField,
    FieldKind.INTEGER: IntegerField,
    FieldKind.DECIMAL: DecimalField,
    FieldKind.MONEY: MoneyField,
    FieldKind.BOOLEAN: BooleanField,
    FieldKind.DATE: DateField,
    FieldKind.DATETIME: DatetimeField,
    FieldKind.CHOICE: ChoiceField,
    FieldKind.MULTICHOICE: MultiChoiceField,
    FieldKind.LOOKUP: LookupField,
    FieldKind.POLYMORPHIC_LOOKUP: PolymorphicLookupField,
    FieldKind.AUTONUMBER: AutonumberField,
    FieldKind.FORMULA: FormulaField,
    FieldKind.ROLLUP: RollupField,
    FieldKind.FILE: FileField,
}

#: Field kinds a many-to-many relation's own (junction) fields may use.
JUNCTION_FIELD_KINDS = frozenset(
    {
        FieldKind.STRING,
        FieldKind.TEXT,
        FieldKind.INTEGER,
        FieldKind.DECIMAL,
        FieldKind.MONEY,
        FieldKind.BOOLEAN,
        FieldKind.DATE,
        FieldKind.DATETIME,
        FieldKind.CHOICE,
    }
)
