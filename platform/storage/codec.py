"""Canonical values <-> columns, and database results -> the values records carry.

The other half of :mod:`.values`: a money value becomes its amount and currency
columns, a polymorphic lookup one column per target, a multichoice the text
``;a;b;``. Reading does the reverse, and smooths over what the drivers return
(SQLite gives naive datetimes and floats, PostgreSQL aware datetimes and Decimals),
so a record looks the same on both databases:

=================== ============================================
kind                value in a record
=================== ============================================
money               ``{"amount": Decimal, "currency": "EUR"}``
multichoice         ``["a", "b"]`` (``[]`` when none)
polymorphic lookup  ``{"entity": "user", "id": UUID}``
datetime            aware ``datetime`` in UTC
formula, rollup     by their value type; money has ``currency: None``
=================== ============================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from xrm.metamodel.schema import FieldDef, PolymorphicLookupField
from xrm.metamodel.types import FieldKind, ValueType

from . import naming
from .values import Money, Ref

#: Separator of multichoice values in their text column (``;a;b;``).
MULTI_SEPARATOR: Final = ";"

Encoder = Callable[[str, FieldDef, object], dict[str, Any]]
Decoder = Callable[[str, FieldDef, Mapping[str, Any]], Any]


# ------------------------------------------------------------------------ encode


def _single(name: str, field: FieldDef, value: object) -> dict[str, Any]:
    return {name: value}


def _encode_money(name: str, field: FieldDef, value: object) -> dict[str, Any]:
    if value is None:
        return {name: None, naming.currency_column(name): None}
    assert isinstance(value, Money)
    return {name: value.amount, naming.currency_column(name): value.currency}


def _encode_multichoice(name: str, field: FieldDef, value: object) -> dict[str, Any]:
    if not value:
        return {name: None}
    assert isinstance(value, tuple)
    return {name: MULTI_SEPARATOR + MULTI_SEPARATOR.join(value) + MULTI_SEPARATOR}


def _encode_polymorphic(name: str, field: FieldDef, value: object) -> dict[str, Any]:
    assert isinstance(field, PolymorphicLookupField)
    assert value is None or isinstance(value, Ref)
    return {
        naming.polymorphic_column(name, target): (
            value.id if value is not None and value.entity == target else None
        )
        for target in field.targets
    }


def _no_columns(name: str, field: FieldDef, value: object) -> dict[str, Any]:
    return {}


ENCODERS: Final[dict[FieldKind, Encoder]] = {
    **dict.fromkeys(FieldKind, _single),
    FieldKind.MONEY: _encode_money,
    FieldKind.MULTICHOICE: _encode_multichoice,
    FieldKind.POLYMORPHIC_LOOKUP: _encode_polymorphic,
    FieldKind.FORMULA: _no_columns,
    FieldKind.ROLLUP: _no_columns,
}


def encode(name: str, field: FieldDef, value: object) -> dict[str, Any]:
    """The column values storing canonical ``value`` of ``field``."""
    return ENCODERS[field.type](name, field, value)


# ------------------------------------------------------------------------ decode


def to_utc(value: object) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    if value.tzinfo is None:  # SQLite keeps the UTC wall time without the offset
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def to_date(value: object) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value))


def to_int(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(Decimal(str(value)))


def to_dec(value: object) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def to_bool(value: object) -> bool | None:
    return None if value is None else bool(value)


def to_id(value: object) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    return UUID(str(value))


def _plain(convert: Callable[[object], Any]) -> Decoder:
    def decode(name: str, field: FieldDef, row: Mapping[str, Any]) -> Any:
        return convert(row[name])

    return decode


def _decode_money(name: str, field: FieldDef, row: Mapping[str, Any]) -> Any:
    amount = row[name]
    if amount is None:
        return None
    return {"amount": to_dec(amount), "currency": row[naming.currency_column(name)]}


def split_options(text: object) -> list[str]:
    """``";a;b;"`` -> ``["a", "b"]``."""
    if not text:
        return []
    return [part for part in str(text).split(MULTI_SEPARATOR) if part]


def _decode_multichoice(name: str, field: FieldDef, row: Mapping[str, Any]) -> Any:
    return split_options(row[name])


def _decode_polymorphic(name: str, field: FieldDef, row: Mapping[str, Any]) -> Any:
    assert isinstance(field, PolymorphicLookupField)
    for target in field.targets:
        found = row[naming.polymorphic_column(name, target)]
        if found is not None:
            return {"entity": target, "id": to_id(found)}
    return None


def _str(value: object) -> str | None:
    return None if value is None else str(value)


#: How each stored kind reads back (formula and rollup go by value type, below).
DECODERS: Final[dict[FieldKind, Decoder]] = {
    FieldKind.STRING: _plain(_str),
    FieldKind.TEXT: _plain(_str),
    FieldKind.EMAIL: _plain(_str),
    FieldKind.PHONE: _plain(_str),
    FieldKind.URL: _plain(_str),
    FieldKind.INTEGER: _plain(to_int),
    FieldKind.DECIMAL: _plain(to_dec),
    FieldKind.MONEY: _decode_money,
    FieldKind.BOOLEAN: _plain(to_bool),
    FieldKind.DATE: _plain(to_date),
    FieldKind.DATETIME: _plain(to_utc),
    FieldKind.CHOICE: _plain(_str),
    FieldKind.MULTICHOICE: _decode_multichoice,
    FieldKind.LOOKUP: _plain(to_id),
    FieldKind.POLYMORPHIC_LOOKUP: _decode_polymorphic,
    FieldKind.AUTONUMBER: _plain(_str),
    FieldKind.FORMULA: _plain(lambda value: value),
    FieldKind.ROLLUP: _plain(lambda value: value),
    FieldKind.FILE: _plain(to_id),
}


def decode(name: str, field: FieldDef, row: Mapping[str, Any]) -> Any:
    """The record value of stored ``field`` from a result row keyed by column name."""
    return DECODERS[field.type](name, field, row)


def _computed_money(value: object) -> Any:
    amount = to_dec(value)
    # Amounts computed in SQL have no currency: the platform never converts currencies.
    return None if amount is None else {"amount": amount, "currency": None}


#: How a computed value (formula, rollup) reads back, by its value type.
VALUE_DECODERS: Final[dict[ValueType, Callable[[object], Any]]] = {
    ValueType.STRING: _str,
    ValueType.INTEGER: to_int,
    ValueType.DECIMAL: to_dec,
    ValueType.MONEY: _computed_money,
    ValueType.BOOLEAN: to_bool,
    ValueType.DATE: to_date,
    ValueType.DATETIME: to_utc,
    ValueType.ID: to_id,
    ValueType.MULTICHOICE: split_options,
    ValueType.NULL: lambda value: None,
}
