"""Canonical values <-> columns, and driver results -> record values (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from xrm.metamodel.schema import FieldDef
from xrm.metamodel.types import FieldKind, ValueType
from xrm.platform.storage import codec
from xrm.platform.storage.values import Money, Ref

ID = UUID("12345678-1234-5678-1234-567812345678")
_FIELD = TypeAdapter[FieldDef](FieldDef)


def field(**spec: Any) -> FieldDef:
    return _FIELD.validate_python(spec)


def test_every_kind_and_value_type_has_an_entry() -> None:
    assert set(codec.ENCODERS) == set(FieldKind)
    assert set(codec.DECODERS) == set(FieldKind)
    assert set(codec.VALUE_DECODERS) == set(ValueType)


def test_money_is_two_columns() -> None:
    money = field(type="money")
    columns = codec.encode("price", money, Money(Decimal("9.5"), "USD"))
    assert columns == {"price": Decimal("9.5"), "price__currency": "USD"}
    assert codec.decode("price", money, columns) == {"amount": Decimal("9.5"), "currency": "USD"}
    empty = codec.encode("price", money, None)
    assert empty == {"price": None, "price__currency": None}
    assert codec.decode("price", money, empty) is None
    # SQLite hands back floats; records always carry Decimals.
    assert codec.decode("price", money, {"price": 9.5, "price__currency": "USD"}) == {
        "amount": Decimal("9.5"),
        "currency": "USD",
    }


def test_multichoice_is_delimited_text() -> None:
    tags = field(type="multichoice", options=["a", "b", "c"])
    assert codec.encode("tags", tags, ("a", "c")) == {"tags": ";a;c;"}
    assert codec.encode("tags", tags, None) == {"tags": None}
    assert codec.decode("tags", tags, {"tags": ";a;c;"}) == ["a", "c"]
    assert codec.decode("tags", tags, {"tags": None}) == []


def test_polymorphic_lookup_is_one_column_per_target() -> None:
    regarding = field(type="polymorphic_lookup", targets=["account", "contact"])
    columns = codec.encode("regarding", regarding, Ref("contact", ID))
    assert columns == {"regarding__account": None, "regarding__contact": ID}
    assert codec.decode("regarding", regarding, columns) == {"entity": "contact", "id": ID}
    nothing = codec.encode("regarding", regarding, None)
    assert codec.decode("regarding", regarding, nothing) is None


def test_datetimes_read_back_in_utc() -> None:
    stamp = field(type="datetime")
    naive = {"at": dt.datetime(2024, 1, 1, 12, 0)}  # SQLite: UTC wall time, no offset
    assert codec.decode("at", stamp, naive) == dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)
    paris = dt.timezone(dt.timedelta(hours=1))
    aware = {"at": dt.datetime(2024, 1, 1, 13, 0, tzinfo=paris)}  # PostgreSQL session zone
    assert codec.decode("at", stamp, aware) == dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)


def test_computed_values_decode_by_value_type() -> None:
    decoders = codec.VALUE_DECODERS
    assert decoders[ValueType.INTEGER](Decimal("3")) == 3
    assert decoders[ValueType.INTEGER](3.0) == 3
    assert decoders[ValueType.DECIMAL](2.5) == Decimal("2.5")
    assert decoders[ValueType.MONEY](Decimal("4")) == {"amount": Decimal(4), "currency": None}
    assert decoders[ValueType.BOOLEAN](1) is True
    assert decoders[ValueType.DATE]("2024-03-01") == dt.date(2024, 3, 1)
    assert decoders[ValueType.ID](str(ID)) == ID
    assert decoders[ValueType.NULL]("anything") is None
