"""Which records point at which: lookup targets before a write, referrers before a delete.

**Targets.** Do the records that lookups point at exist? One query for a whole
write, not one per field.

Before writing, the repository collects every (target, id) its lookups, polymorphic
lookups and file fields point at, for every record of the batch, and asks the
database once (a UNION ALL with one branch per target table). Missing targets
become field errors that name the field and the id, instead of a foreign-key
violation that names a constraint. The same query returns each target's business
unit, which is how a record's ``business_unit`` follows its owner. Given the
reader's ``row_filter``, a record the writer may not see counts as missing, so a
lookup cannot be used to probe which ids exist.

**Referrers.** When a delete is refused by an ``on_delete: restrict`` lookup, one
query counts, per restricting lookup, the records still pointing at the record,
so the error can say "3 opportunity records through 'account'".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Final
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from xrm.metamodel.schema import LookupField, PolymorphicLookupField
from xrm.metamodel.types import OnDelete

from . import naming
from .errors import Reference
from .sql_expressions import RowFilter
from .sql_functions import AnySelect
from .tables import StorageModel

#: The target name of file fields (their rows live in the platform's file table).
FILE_TARGET: Final = "xrm_file"
#: Ids per IN list; keeps every statement well under the drivers' parameter limits.
_CHUNK: Final = 500
_ARMS_PER_STATEMENT: Final = 20

Found = dict[tuple[str, UUID], UUID | None]


def find_targets(
    connection: Connection,
    storage: StorageModel,
    wanted: Iterable[tuple[str, UUID]],
    *,
    row_filter: RowFilter | None = None,
) -> Found:
    """The (target, id) pairs that exist (and pass ``row_filter``), each with its record's
    business unit (or None)."""
    by_target: dict[str, set[UUID]] = defaultdict(set)
    for target, id_ in wanted:
        by_target[target].add(id_)
    names = sorted(by_target)
    arms = list(_arms(storage, names, by_target, row_filter))
    found: Found = {}
    for start in range(0, len(arms), _ARMS_PER_STATEMENT):
        batch = arms[start : start + _ARMS_PER_STATEMENT]
        statement = batch[0] if len(batch) == 1 else sa.union_all(*batch)
        for row in connection.execute(statement):
            found[(names[row[0]], row[1])] = row[2]
    return found


def _arms(
    storage: StorageModel,
    names: list[str],
    by_target: dict[str, set[UUID]],
    row_filter: RowFilter | None,
) -> Iterator[AnySelect]:
    for index, target in enumerate(names):
        table = storage.system.file if target == FILE_TARGET else storage.table(target)
        unit = (
            table.c.business_unit if "business_unit" in table.c else sa.cast(sa.null(), sa.Uuid())
        )
        readable = None
        if row_filter is not None and target != FILE_TARGET:
            readable = row_filter(target, table)
        ids = sorted(by_target[target])
        for start in range(0, len(ids), _CHUNK):
            yield sa.select(
                sa.literal(index, sa.Integer()).label("target"),
                table.c.id.label("id"),
                unit.label("unit"),
            ).where(
                table.c.id.in_(ids[start : start + _CHUNK]),
                *([] if readable is None else [readable]),
            )


def _restricting(storage: StorageModel, entity: str) -> Iterator[tuple[str, str, sa.Column[Any]]]:
    """(entity, field, column) of every restrict-lookup that can point at ``entity``."""
    for other in storage.registry.entities.values():
        table = storage.table(other.entity)
        for name, field in other.fields.items():
            column: str | None = None
            if (
                isinstance(field, LookupField)
                and field.target == entity
                and field.effective_on_delete is OnDelete.RESTRICT
            ):
                column = storage.column(other.entity, name).name
            elif (
                isinstance(field, PolymorphicLookupField)
                and entity in field.targets
                and field.on_delete is OnDelete.RESTRICT
            ):
                column = naming.polymorphic_column(name, entity)
            if column is not None:
                yield other.entity, name, table.c[column]


def find_referencing(
    connection: Connection, storage: StorageModel, entity: str, id: UUID
) -> list[Reference]:
    """The restrict-lookups still pointing at record ``id`` of ``entity``, with counts."""
    arms: list[AnySelect] = []
    names: list[tuple[str, str]] = []
    for other, field, column in _restricting(storage, entity):
        arms.append(
            sa.select(sa.literal(len(names), sa.Integer()), sa.func.count())
            .select_from(column.table)
            .where(column == id)
        )
        names.append((other, field))
    found: list[Reference] = []
    for start in range(0, len(arms), _ARMS_PER_STATEMENT):
        batch = arms[start : start + _ARMS_PER_STATEMENT]
        statement = batch[0] if len(batch) == 1 else sa.union_all(*batch)
        for row in connection.execute(statement):
            if row[1]:
                other, field = names[row[0]]
                found.append(Reference(other, field, int(row[1])))
    return sorted(found, key=lambda r: (r.entity, r.field))
