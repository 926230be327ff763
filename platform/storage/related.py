"""To-many relations: how to reach the related rows, and one statement for all parents.

A relation is either a declared one-to-many (the target's lookup points back, possibly
through one column of a polymorphic lookup) or a many-to-many, from either end (its
declared name or its ``inverse``), through the junction table. :func:`to_many`
resolves the name once; :meth:`ToMany.join` gives fresh aliases for each use, so the
same relation can appear in a filter and in a fetch of the same statement.

:func:`related_statement` fetches a page of related rows for *every* parent at once:
the rows are numbered per parent with ``ROW_NUMBER() OVER (PARTITION BY parent ORDER
BY …)`` and cut at the page size (plus one, to know whether more follow). So a list of
50 accounts with their first 10 opportunities each costs one statement, not 50.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.schema import FieldDef, OneToManyRelation, PolymorphicLookupField
from xrm.metamodel.scopes import inverse_relations

from . import codec, naming
from .errors import QueryError
from .links import LinkSide, link_side
from .projection import Projection
from .query import Keyset
from .sql_functions import SqlExpr
from .tables import StorageModel

#: Labels of the extra columns of a related fetch (field names never start with "_").
PARENT_LABEL: Final = "_parent"
ROW_NUMBER_LABEL: Final = "_rn"
LINKED_AT_LABEL: Final = "_linked_at"
LINK_LABEL: Final = "_link_{name}"


@dataclass(frozen=True)
class Joined:
    """One use of a relation: the target rows, what to select from, the parent id column."""

    target: FromClause
    source: FromClause
    parent: SqlExpr
    junction: FromClause | None


@dataclass(frozen=True)
class ToMany:
    """A to-many relation of ``entity``, resolved."""

    entity: str
    relation: str
    target: str
    #: The target's column pointing back at the parent (one-to-many only).
    back_column: str | None
    #: The junction side (many-to-many only).
    side: LinkSide | None

    @property
    def link_fields(self) -> Mapping[str, FieldDef]:
        return self.side.junction.fields if self.side is not None else {}

    def join(self, storage: StorageModel) -> Joined:
        target = storage.table(self.target).alias()
        if self.side is None:
            assert self.back_column is not None
            return Joined(target, target, target.c[self.back_column], None)
        junction = self.side.junction.table.alias()
        source = target.join(junction, junction.c[self.side.far.name] == target.c.id)
        return Joined(target, source, junction.c[self.side.near.name], junction)


def to_many(storage: StorageModel, entity: str, relation: str) -> ToMany:
    """The to-many relation ``relation`` of ``entity`` (declared or inverse); QueryError if none."""
    registry = storage.registry
    definition = registry.entity(entity)
    declared = definition.relations.get(relation)
    if isinstance(declared, OneToManyRelation):
        back = registry.field(declared.target, declared.field)
        column = (
            naming.polymorphic_column(declared.field, entity)
            if isinstance(back, PolymorphicLookupField)
            else storage.column(declared.target, declared.field).name
        )
        return ToMany(entity, relation, declared.target, column, None)
    inverses = inverse_relations(registry.entities, entity)
    if declared is not None or relation in inverses:
        side = link_side(storage, entity, relation)
        return ToMany(entity, relation, side.target, None, side)
    hint = did_you_mean(relation, [*definition.relations, *inverses])
    raise QueryError(
        f"{entity} has no relation {relation!r}",
        suggestion=hint or "declare it under relations: in the entity's YAML",
    )


def related_statement(
    path: ToMany,
    joined: Joined,
    projection: Projection,
    keyset: Keyset,
    where: ColumnElement[bool],
    limit: int,
) -> sa.Select[Any]:
    """The first ``limit + 1`` related rows of every parent matching ``where``, in order.

    ``where`` must already restrict ``joined.parent`` to the wanted parents (and carry
    the row scope); the caller owns the WHERE clause.
    """
    number = sa.func.row_number().over(partition_by=joined.parent, order_by=keyset.order_by())
    extra: list[SqlExpr] = [joined.parent.label(PARENT_LABEL), number.label(ROW_NUMBER_LABEL)]
    if joined.junction is not None:
        extra.append(joined.junction.c.created_at.label(LINKED_AT_LABEL))
        for name, field in path.link_fields.items():
            found = codec_columns(name, field)
            extra.extend(
                joined.junction.c[column].label(LINK_LABEL.format(name=column)) for column in found
            )
    inner = (
        sa.select(*projection.columns, *keyset.columns(), *extra)
        .select_from(joined.source)
        .where(where)
        .subquery()
    )
    return (
        sa.select(inner)
        .where(inner.c[ROW_NUMBER_LABEL] <= limit + 1)
        .order_by(inner.c[PARENT_LABEL], inner.c[ROW_NUMBER_LABEL])
    )


def codec_columns(name: str, field: FieldDef) -> list[str]:
    """The junction columns storing link field ``name`` (what :func:`codec.encode` writes)."""
    return list(codec.encode(name, field, None))


def link_of_row(path: ToMany, row: Mapping[str, Any]) -> dict[str, Any]:
    """A related row's link: when it was made and the link fields (many-to-many only)."""
    link: dict[str, Any] = {"created_at": codec.to_utc(row[LINKED_AT_LABEL])}
    for name, field in path.link_fields.items():
        columns = {c: row[LINK_LABEL.format(name=c)] for c in codec_columns(name, field)}
        link[name] = codec.decode(name, field, columns)
    return link


def relation_names(storage: StorageModel, entity: str) -> list[str]:
    """Every to-many relation name of ``entity``: declared ones, then N:N inverses."""
    declared = list(storage.registry.entity(entity).relations)
    return declared + list(inverse_relations(storage.registry.entities, entity))


def parents_condition(joined: Joined, ids: Sequence[Any]) -> ColumnElement[bool]:
    return joined.parent.in_(list(ids))
