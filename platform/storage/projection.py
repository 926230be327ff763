"""What a read selects for an entity, and how a result row becomes a record.

Every read (get, get_many, list) selects the same thing: every stored column, every
formula and rollup as a labelled SQL expression, and any extra dotted paths the
caller asked for (``account.name``) as correlated subqueries. So a page of records
with all their computed values is one statement, whatever the number of formulas.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.expression import FromClause

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.schema import FieldDef
from xrm.metamodel.types import COMPUTED_KINDS, ValueType

from . import codec
from .errors import QueryError
from .sql_expressions import ExpressionCompiler, ResolvedPath
from .sql_functions import SqlExpr

#: Labels of extra columns start with an underscore: field names never do. They are
#: kept short, as PostgreSQL truncates identifiers past 63 bytes.
INCLUDE_LABEL = "_inc{index}_{column}"


@dataclass(frozen=True)
class _Include:
    path: str
    resolved: ResolvedPath
    labels: tuple[str, ...]
    #: The column names of the final field, in label order (to decode multi-column fields).
    column_names: tuple[str, ...]
    value_type: ValueType


@dataclass(frozen=True)
class Projection:
    """The columns to select for ``entity`` and how to decode them."""

    entity: str
    source: FromClause
    columns: tuple[SqlExpr, ...]
    stored: tuple[tuple[str, FieldDef], ...]
    computed: tuple[tuple[str, ValueType], ...]
    includes: tuple[_Include, ...]

    def select(self, *extra: SqlExpr) -> sa.Select[Any]:
        return sa.select(*self.columns, *extra).select_from(self.source)

    def decode(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        """A record: ``id``, every field (stored and computed), then the included paths."""
        record: dict[str, Any] = {"id": codec.to_id(row["id"])}
        for name, field in self.stored:
            record[name] = codec.decode(name, field, row)
        for name, value_type in self.computed:
            record[name] = codec.VALUE_DECODERS[value_type](row[name])
        for include in self.includes:
            record[include.path] = _decode_include(include, row)
        return record


def _decode_include(include: _Include, row: Mapping[Any, Any]) -> Any:
    definition = include.resolved.definition
    values = [row[label] for label in include.labels]
    if definition is None or definition.type in COMPUTED_KINDS:
        return codec.VALUE_DECODERS[include.value_type](values[0])
    if len(values) == 1:
        return codec.decode(include.resolved.field, definition, {include.resolved.field: values[0]})
    # A multi-column field (money, polymorphic lookup): rebuild its columns by name.
    columns = dict(zip(include.column_names, values, strict=True))
    return codec.decode(include.resolved.field, definition, columns)


def build_projection(
    compiler: ExpressionCompiler,
    entity: str,
    source: FromClause,
    include: Sequence[str] = (),
    *,
    fields: Collection[str] | None = None,
) -> Projection:
    """The projection of ``entity`` over ``source`` (its table or an alias of it).

    ``fields`` limits the record to ``id`` and those fields (a rollup nobody asked for
    is a subquery nobody pays for); None selects every field.
    """
    storage = compiler.storage
    definition = storage.registry.entity(entity)
    if fields is not None:
        for name in fields:
            if name != "id" and name not in definition.fields:
                hint = did_you_mean(name, definition.fields)
                raise QueryError(f"{entity} has no field {name!r}", suggestion=hint)
    columns: list[SqlExpr] = [source.c.id]
    stored: list[tuple[str, FieldDef]] = []
    computed: list[tuple[str, ValueType]] = []
    for name, field in definition.fields.items():
        if fields is not None and name not in fields:
            continue
        if field.type in COMPUTED_KINDS:
            resolved = compiler.resolve(entity, (name,))
            columns.append(compiler.field(entity, source, (name,)).label(name))
            computed.append((name, compiler.value_type(resolved)))
            continue
        found = storage.field_columns[(entity, name)]
        columns.extend(source.c[column.name] for column in found.columns)
        stored.append((name, field))
    includes: list[_Include] = []
    for index, path in enumerate(dict.fromkeys(include)):
        resolved = compiler.resolve(entity, path.split("."))
        parts = compiler.path_columns(entity, source, resolved)
        column_names = _column_names(compiler, resolved, len(parts))
        labels = tuple(INCLUDE_LABEL.format(index=index, column=n) for n in range(len(parts)))
        columns.extend(part.label(label) for part, label in zip(parts, labels, strict=True))
        includes.append(
            _Include(path, resolved, labels, tuple(column_names), compiler.value_type(resolved))
        )
    return Projection(
        entity, source, tuple(columns), tuple(stored), tuple(computed), tuple(includes)
    )


def _column_names(compiler: ExpressionCompiler, resolved: ResolvedPath, count: int) -> list[str]:
    found = compiler.storage.field_columns.get((resolved.entity, resolved.field))
    if found is not None and len(found.columns) == count:
        return [column.name for column in found.columns]
    return [resolved.field]
