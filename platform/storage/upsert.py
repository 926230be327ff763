"""Upsert keys: which existing record a row of a bulk write stands for.

An import or a bulk API call names the fields that identify a record (``email``, or
``code`` and ``region``, or ``id``); each row's values for them are read exactly as a
write would store them (an email's domain in lower case, a choice checked against its
options), so a row finds the record its values would have produced. The repository
looks all of them up at once, then updates the rows that matched and creates the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.types import COMPUTED_KINDS, FieldKind

from . import codec
from .errors import FieldError, QueryError
from .tables import StorageModel
from .values import CoerceContext, Invalid, coerce, to_uuid

#: Kinds that cannot identify a record: several columns, sets, files, assigned values.
_UNFIT_KINDS: Final = COMPUTED_KINDS | {
    FieldKind.MONEY,
    FieldKind.MULTICHOICE,
    FieldKind.POLYMORPHIC_LOOKUP,
    FieldKind.FILE,
    FieldKind.TEXT,
    FieldKind.AUTONUMBER,
}
#: Rows per lookup statement (each row binds one value per key field).
_CHUNK: Final = 200

Key = tuple[Any, ...]


def key_fields(storage: StorageModel, entity: str) -> list[str]:
    """The fields of ``entity`` an upsert may match on (``id`` first)."""
    definition = storage.registry.entity(entity)
    return ["id", *(n for n, f in definition.fields.items() if f.type not in _UNFIT_KINDS)]


class UpsertKey:
    """The key fields of one upsert, checked, and how to read and find each row's key."""

    def __init__(
        self, storage: StorageModel, entity: str, fields: Sequence[str], ctx: CoerceContext
    ) -> None:
        allowed = key_fields(storage, entity)
        if not fields:
            raise QueryError(f"name the fields that identify a {entity} record to upsert on")
        for name in fields:
            if name not in allowed:
                hint = did_you_mean(name, allowed) or f"use one of {', '.join(allowed)}"
                raise QueryError(f"cannot upsert {entity} on {name!r}", suggestion=hint)
        if len(set(fields)) != len(fields):
            raise QueryError(f"upsert on each field of {entity} once")
        self.entity = entity
        self.fields = tuple(fields)
        self.definition = storage.registry.entity(entity)
        self.table = storage.table(entity)
        self.columns = [
            self.table.c.id if name == "id" else self.table.c[storage.column(entity, name).name]
            for name in fields
        ]
        self.ctx = ctx

    def values(
        self, rows: Sequence[Mapping[str, object]]
    ) -> tuple[list[Key | None], dict[int, list[FieldError]]]:
        """Each row's key (None when it has none), and the problems found per row."""
        keys: list[Key | None] = []
        errors: dict[int, list[FieldError]] = {}
        seen: dict[Key, int] = {}
        for index, row in enumerate(rows):
            parts: list[Any] = []
            for name, column in zip(self.fields, self.columns, strict=True):
                try:
                    parts.append(self._read(name, column.name, row.get(name)))
                except Invalid as exc:
                    errors.setdefault(index, []).append(FieldError(name, exc.code, exc.message))
            if index in errors:
                keys.append(None)
                continue
            key = tuple(parts)
            if key in seen:
                errors.setdefault(index, []).append(
                    FieldError(
                        self.fields[0],
                        "unique",
                        f"row {seen[key]} of the same batch has the same "
                        f"{', '.join(self.fields)}; give each record once",
                    )
                )
                keys.append(None)
                continue
            seen[key] = index
            keys.append(key)
        return keys, errors

    def _read(self, name: str, column: str, raw: object) -> Any:
        if raw is None or raw == "":
            raise Invalid("required", "is needed to find the existing record (upsert key)")
        if name == "id":
            return to_uuid(raw)
        definition = self.definition.fields[name]
        value = coerce(definition, raw, self.ctx)
        if value is None:
            raise Invalid("required", "is needed to find the existing record (upsert key)")
        return codec.encode(name, definition, value)[column]

    def matches(self, keys: Sequence[Key]) -> Iterator[ColumnElement[bool]]:
        """Conditions selecting the records with these keys, a chunk of keys at a time."""
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            yield sa.or_(
                *(
                    sa.and_(*(c == v for c, v in zip(self.columns, key, strict=True)))
                    for key in chunk
                )
            )
