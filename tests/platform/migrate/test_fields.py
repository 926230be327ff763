"""Backfill values: what existing rows get when a field becomes required."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import TypeAdapter

from xrm.metamodel.schema import FieldDef
from xrm.platform.migrate.fields import backfill_value

FIELD: TypeAdapter[FieldDef] = TypeAdapter(FieldDef)


def test_backfill_comes_from_the_yaml_default() -> None:
    def value(**definition: object) -> object:
        return backfill_value(FIELD.validate_python(definition))

    assert value(type="string") is None
    assert value(type="string", default="x") == "x"
    assert value(type="boolean", default=False) is False
    assert value(type="decimal", default="1.50") == Decimal("1.50")
    assert value(type="multichoice", options=["a", "b"], default=["a", "b"]) == ";a;b;"
    before = dt.datetime.now(dt.UTC).date()
    today = value(type="date", default="today")
    assert today in {before, dt.datetime.now(dt.UTC).date()}
    now = value(type="datetime", default="now")
    assert isinstance(now, dt.datetime)
    assert now.tzinfo is not None
    assert backfill_value(None) is None
