"""Unique fields: find clashes before writing, so they become field errors.

One query per write (all unique fields of all records of the batch), plus a check
for two records of the same batch sharing a value. The unique index stays the
real guard: a clash that slips in between this check and the insert (a concurrent
writer) fails the insert inside a SAVEPOINT, and the repository runs this check
again to say which field clashed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.metamodel.types import FieldKind

from .errors import FieldError
from .tables import StorageModel

#: Autonumbers are unique by construction (see autonumber.py).
_CHECKED_KINDS = frozenset(set(FieldKind) - {FieldKind.AUTONUMBER})


def unique_fields(storage: StorageModel, entity: str) -> list[str]:
    return [
        name
        for name, field in storage.registry.entity(entity).fields.items()
        if field.unique and field.type in _CHECKED_KINDS
    ]


def find_clashes(
    connection: Connection,
    storage: StorageModel,
    entity: str,
    rows: Sequence[Mapping[str, object]],
    ids: Sequence[UUID | None],
) -> dict[int, list[FieldError]]:
    """Errors per row index for unique values already used (by another record or row).

    ``rows`` hold column values (as encoded for the insert or update); ``ids`` the
    record each row writes to (None for a new record), so a record never clashes
    with itself.
    """
    fields = unique_fields(storage, entity)
    wanted: dict[str, set[object]] = {}
    errors: dict[int, list[FieldError]] = {}
    for name in fields:
        column = storage.column(entity, name).name
        seen: dict[object, int] = {}
        for index, row in enumerate(rows):
            value = row.get(column)
            if value is None:
                continue
            if value in seen:
                errors.setdefault(index, []).append(
                    FieldError(
                        name,
                        "unique",
                        f"{value!r} is also used by row {seen[value]} of the same batch",
                    )
                )
            seen.setdefault(value, index)
        if seen:
            wanted[column] = set(seen)
    if not wanted:
        return errors
    table = storage.table(entity)
    statement = sa.select(table.c.id, *(table.c[c] for c in wanted)).where(
        sa.or_(*(table.c[c].in_(sorted(values, key=repr)) for c, values in wanted.items()))
    )
    taken: dict[str, dict[object, UUID]] = {column: {} for column in wanted}
    for found in connection.execute(statement).mappings():
        for column in wanted:
            if found[column] is not None:
                taken[column][found[column]] = found["id"]
    for name in fields:
        column = storage.column(entity, name).name
        for index, row in enumerate(rows):
            value = row.get(column)
            owner = taken.get(column, {}).get(value) if value is not None else None
            if owner is not None and owner != ids[index]:
                errors.setdefault(index, []).append(
                    FieldError(
                        name,
                        "unique",
                        f"{value!r} is already used by another {entity} record; "
                        "choose another value",
                    )
                )
    return errors
