"""Input values -> checked, canonical Python values: one coercer per field kind.

Every channel hands the repository loosely typed values (JSON from GraphQL, text
from forms and CSV imports), so each kind accepts the forms people actually send
and refuses the rest with a message that says what is expected:

* an empty string means "no value" for every kind (forms send "" for blank inputs);
* numbers may be given as text; floats are read through their shortest repr;
  decimals with more places than the field's scale are refused, never rounded;
* money is ``{"amount": ..., "currency": "EUR"}`` or a bare amount (the field's
  currency, else the repository's default currency);
* dates and datetimes may be ISO 8601 text. Datetimes are stored in UTC; a naive
  datetime (no offset) is **refused**, because guessing its zone would silently
  shift it by hours; the UI converts from the user's zone before saving;
* lookups are ids (or ``{"id": ...}``), a polymorphic lookup is
  ``{"entity": ..., "id": ...}``; whether the record exists is checked afterwards,
  in one query for the whole write (see :mod:`.references`).

Canonical values are what :mod:`.codec` turns into columns: ``Money``, ``Ref``, a
tuple of options for multichoice, and plain Python scalars otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final
from urllib.parse import urlsplit
from uuid import UUID

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.schema import (
    ChoiceField,
    DateField,
    DatetimeField,
    DecimalField,
    FieldDef,
    IntegerField,
    MoneyField,
    MultiChoiceField,
    PolymorphicLookupField,
    StringField,
    TextField,
)
from xrm.metamodel.types import FieldKind

from .columns import MONEY_PRECISION, MONEY_SCALE

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_RE: Final = re.compile(r"^\+?[0-9 ()./-]+$")
_CURRENCY_RE: Final = re.compile(r"^[A-Z]{3}$")
_EMAIL_LENGTH: Final = 320
_PHONE_LENGTH: Final = 50
_URL_LENGTH: Final = 2048
_TRUE: Final = frozenset({"true", "1", "yes", "on"})
_FALSE: Final = frozenset({"false", "0", "no", "off"})


class Invalid(Exception):
    """One value refused: a stable ``code`` for programs and a ``message`` for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Ref:
    """A polymorphic lookup's value: which entity, which record."""

    entity: str
    id: UUID


@dataclass(frozen=True)
class CoerceContext:
    default_currency: str


Coercer = Callable[[FieldDef, object, CoerceContext], object]


# ------------------------------------------------------------------------ helpers


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("type", f"must be text, not {type(value).__name__}")
    return value


def to_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise Invalid("type", "must be a number, not true/false")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise Invalid("type", f"must be a number, not {value!r}") from None
    else:
        raise Invalid("type", f"must be a number, not {type(value).__name__}")
    if not number.is_finite():
        raise Invalid("type", "must be a finite number")
    return number


def _digits(number: Decimal) -> tuple[int, int]:
    """(digits before the point, digits after it), ignoring trailing zeros."""
    _sign, digits, exponent = number.normalize().as_tuple()
    assert isinstance(exponent, int)  # finite numbers only
    places = max(0, -exponent)
    return max(0, len(digits) + exponent), places


def _check_size(number: Decimal, precision: int, scale: int) -> None:
    whole, places = _digits(number)
    if places > scale:
        raise Invalid(
            "scale", f"has {places} decimal places; at most {scale} are allowed (round it first)"
        )
    if whole > precision - scale:
        raise Invalid(
            "precision", f"is too large: at most {precision - scale} digits before the point"
        )


def _check_bounds(number: Decimal | int, low: Decimal | None, high: Decimal | None) -> None:
    if low is not None and number < low:
        raise Invalid("min", f"must be at least {low}, not {number}")
    if high is not None and number > high:
        raise Invalid("max", f"must be at most {high}, not {number}")


def to_uuid(value: object) -> UUID:
    if isinstance(value, Mapping) and "id" in value:
        value = value["id"]
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value.strip())
        except ValueError:
            pass
    raise Invalid("type", f"must be a record id (a UUID), not {value!r}")


def to_utc_datetime(value: object) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(
                "type", f"{value!r} is not a date and time; write it like 2024-05-01T09:30:00Z"
            ) from None
    if not isinstance(value, dt.datetime):
        raise Invalid("type", "must be a date and time (ISO 8601, with a time zone)")
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(
            "naive_datetime",
            f"{value.isoformat()} has no time zone; add one (2024-05-01T09:30:00Z or +02:00)",
        )
    return value.astimezone(dt.UTC)


# ---------------------------------------------------------------------- coercers


def _string(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    text = _text(value)
    limit = field.max_length if isinstance(field, StringField | TextField) else None
    if limit is not None and len(text) > limit:
        raise Invalid("max_length", f"must be at most {limit} characters long, not {len(text)}")
    if isinstance(field, StringField) and field.pattern and not re.fullmatch(field.pattern, text):
        raise Invalid("pattern", f"{text!r} does not match the pattern {field.pattern}")
    return text


def _email(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    text = _text(value).strip()
    if not _EMAIL_RE.match(text) or len(text) > _EMAIL_LENGTH:
        raise Invalid("email", f"{text!r} is not an email address like name@example.com")
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def _phone(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    text = " ".join(_text(value).split())
    digits = sum(ch.isdigit() for ch in text)
    if not _PHONE_RE.match(text) or not 3 <= digits <= 20 or len(text) > _PHONE_LENGTH:
        raise Invalid("phone", f"{text!r} is not a phone number; use digits, spaces, + ( ) - . /")
    return text


def _url(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    text = _text(value).strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
        raise Invalid("url", f"{text!r} is not a web address like https://example.com")
    if len(text) > _URL_LENGTH:
        raise Invalid("max_length", f"must be at most {_URL_LENGTH} characters long")
    return text


def _integer(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    assert isinstance(field, IntegerField)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        decimal = to_decimal(value)
        if decimal != decimal.to_integral_value():
            raise Invalid("type", f"must be a whole number, not {value}")
        number = int(decimal)
    if not _INT64_MIN <= number <= _INT64_MAX:
        raise Invalid("max", "is too large for a whole number field")
    _check_bounds(number, field.min, field.max)
    return number


def _decimal(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    assert isinstance(field, DecimalField)
    number = to_decimal(value)
    _check_size(number, field.precision, field.scale)
    _check_bounds(number, field.min, field.max)
    return number


def _money(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    assert isinstance(field, MoneyField)
    currency: object = None
    if isinstance(value, Mapping):
        unknown = set(value) - {"amount", "currency"}
        if unknown or "amount" not in value:
            raise Invalid("type", "must be {amount, currency} or a bare amount")
        amount, currency = value["amount"], value.get("currency")
        if amount is None or amount == "":
            return None
    else:
        amount = value
    number = to_decimal(amount)
    _check_size(number, MONEY_PRECISION, MONEY_SCALE)
    _check_bounds(number, field.min, field.max)
    if currency is None or currency == "":
        currency = field.currency or ctx.default_currency
    if not isinstance(currency, str) or not _CURRENCY_RE.match(currency.upper()):
        raise Invalid("currency", f"currency {currency!r} is not a 3-letter code such as EUR")
    code = currency.upper()
    if field.currency is not None and code != field.currency:
        raise Invalid("currency", f"must be in {field.currency}, not {code}")
    return Money(number, code)


def _boolean(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise Invalid("type", f"must be true or false, not {value!r}")


def _date(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    if isinstance(value, dt.datetime):
        raise Invalid("type", "must be a date without a time; pass value.date()")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid("type", f"{value!r} is not a date; write it like 2024-12-31")


def _datetime(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    return to_utc_datetime(value)


def _choice(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    assert isinstance(field, ChoiceField)
    text = _text(value)
    options = field.option_values()
    if text not in options:
        raise Invalid(
            "option", f"{text!r} is not an option ({did_you_mean(text, options) or options})"
        )
    return text


def _multichoice(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    assert isinstance(field, MultiChoiceField)
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise Invalid("type", "must be a list of options")
    options = field.option_values()
    chosen: set[str] = set()
    for item in value:
        if not isinstance(item, str) or item not in options:
            hint = did_you_mean(str(item), options) or f"options: {', '.join(options)}"
            raise Invalid("option", f"{item!r} is not an option ({hint})")
        chosen.add(item)
    if not chosen:
        return None
    return tuple(option for option in options if option in chosen)


def _lookup(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    return to_uuid(value)


def _polymorphic(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    assert isinstance(field, PolymorphicLookupField)
    if not isinstance(value, Mapping) or "entity" not in value or "id" not in value:
        raise Invalid("type", 'must be {"entity": ..., "id": ...}')
    entity = value["entity"]
    if entity not in field.targets:
        hint = did_you_mean(str(entity), field.targets)
        raise Invalid("target", f"cannot point at {entity!r} ({hint})")
    return Ref(str(entity), to_uuid(value["id"]))


def _assigned(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    raise Invalid("read_only", "is assigned by the platform and cannot be set")


def _computed(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    raise Invalid("computed", f"is a {field.type.value} computed on read and cannot be set")


#: How each kind reads an input value. A kind missing here fails the tests.
COERCERS: Final[dict[FieldKind, Coercer]] = {
    FieldKind.STRING: _string,
    FieldKind.TEXT: _string,
    FieldKind.EMAIL: _email,
    FieldKind.PHONE: _phone,
    FieldKind.URL: _url,
    FieldKind.INTEGER: _integer,
    FieldKind.DECIMAL: _decimal,
    FieldKind.MONEY: _money,
    FieldKind.BOOLEAN: _boolean,
    FieldKind.DATE: _date,
    FieldKind.DATETIME: _datetime,
    FieldKind.CHOICE: _choice,
    FieldKind.MULTICHOICE: _multichoice,
    FieldKind.LOOKUP: _lookup,
    FieldKind.POLYMORPHIC_LOOKUP: _polymorphic,
    FieldKind.AUTONUMBER: _assigned,
    FieldKind.FORMULA: _computed,
    FieldKind.ROLLUP: _computed,
    FieldKind.FILE: _lookup,
}


def coerce(field: FieldDef, value: object, ctx: CoerceContext) -> object:
    """The canonical value of ``value`` for ``field`` (None for "no value"), or raise Invalid."""
    if value is None or (isinstance(value, str) and value == ""):
        if field.type in (FieldKind.AUTONUMBER, FieldKind.FORMULA, FieldKind.ROLLUP):
            return COERCERS[field.type](field, value, ctx)
        return None
    return COERCERS[field.type](field, value, ctx)


def default_input(field: FieldDef, now: dt.datetime) -> object:
    """The YAML default of ``field`` as an input value (None when it has none)."""
    if isinstance(field, DateField):
        return now.date() if field.default == "today" else field.default
    if isinstance(field, DatetimeField):
        return now if field.default == "now" else field.default
    # Every other kind with a default declares it as a plain `default` attribute.
    return getattr(field, "default", None)
