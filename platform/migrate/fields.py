"""Which field a column stores, and the value existing rows get when it becomes required.

A required column added to a table that has rows (or a column made required while
some rows hold NULL) needs a value for those rows: the field's YAML ``default``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from xrm.metamodel.schema import FieldDef
from xrm.metamodel.types import FieldKind
from xrm.platform.storage.tables import StorageModel


def fields_by_column(storage: StorageModel) -> Mapping[tuple[str, str], FieldDef]:
    """(table, primary column) -> the field stored there, junction fields included."""
    found: dict[tuple[str, str], FieldDef] = {}
    for (entity, name), column_set in storage.field_columns.items():
        table = storage.table(entity).name
        found[(table, column_set.primary.name)] = storage.registry.field(entity, name)
    for junction in storage.junctions.values():
        for name, definition in junction.fields.items():
            if name in junction.table.c:
                found[(junction.table.name, name)] = definition
    return MappingProxyType(found)


def _multichoice(values: list[str]) -> str:
    # The storage format of multichoice values (see storage/columns.py): ";a;b;".
    return ";" + ";".join(values) + ";" if values else ""


def backfill_value(definition: FieldDef | None) -> Any:
    """The value for existing rows from the field's ``default``, or None when it has none."""
    if definition is None:
        return None
    default: Any = getattr(definition, "default", None)
    if default is None:
        return None
    if definition.type is FieldKind.DATE and default == "today":
        return dt.datetime.now(dt.UTC).date()
    if definition.type is FieldKind.DATETIME and default == "now":
        return dt.datetime.now(dt.UTC)
    if definition.type is FieldKind.MULTICHOICE:
        return _multichoice(list(default))
    return default
