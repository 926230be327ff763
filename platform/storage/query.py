"""Filters, sort keys and keyset paging for lists: the query half of the repository.

* Filters are written in the expression language, parsed and type-checked against
  the entity (``$name`` parameters are typed by the values passed), then compiled to
  SQL; a mistake is a :class:`QueryError` pointing at the character.
* Sort keys are field paths (formulas, rollups and ``account.name`` included), with
  NULLs last when ascending and first when descending, on both databases.
* Paging is by keyset: the cursor holds the sort-key values of the last row sent,
  and the next page starts strictly after them, with ``id`` as the final tiebreaker,
  so pages never skip or repeat rows whatever the ties. The key values travel as
  the database returned them (no decoding), so they compare exactly when sent back.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.expression_types import Resolved, check
from xrm.metamodel.expressions import ExpressionError, parse
from xrm.metamodel.scopes import EntityScope
from xrm.metamodel.types import SortDirection, ValueType
from xrm.metamodel.validate import UNSORTABLE_KINDS

from .errors import QueryError
from .sql_expressions import ExpressionCompiler, value_type_of
from .sql_functions import SqlExpr

#: Largest page a caller may ask for.
MAX_PAGE_SIZE: Final = 1000
_KEY_LABEL: Final = "_key{index}"

#: One sort key as callers write it: ``("close_date", "desc")`` or ``"-close_date"``.
OrderBy = Sequence[tuple[str, str | SortDirection] | str]


@dataclass(frozen=True)
class Page:
    """One page of records, and the cursor of the next page (None on the last page)."""

    records: list[dict[str, Any]]
    next_cursor: str | None


# ------------------------------------------------------------------------ filters


class FilterScope(EntityScope):
    """An entity's fields, plus ``$name`` parameters typed by the values given.

    A parameter whose value is a mapping is a record (``$user``): ``$user`` alone is
    its id, ``$user.region`` its ``region`` value.
    """

    def __init__(self, compiler: ExpressionCompiler, entity: str, params: Mapping[str, object]):
        super().__init__(compiler.registry.entities, entity)
        self.params = params

    def param(self, path: tuple[str, ...], pos: int) -> Resolved:
        value: object = self.params
        for index, part in enumerate(path):
            if not isinstance(value, Mapping) or part not in value:
                known = [str(k) for k in value] if isinstance(value, Mapping) else []
                name = "$" + ".".join(path[: index + 1])
                hint = did_you_mean(part, known) or "pass its value in params"
                raise ExpressionError(f"no value was given for {name}", pos, hint)
            value = value[part]
        if isinstance(value, Mapping):
            return Resolved(ValueType.ID)
        found = value_type_of(value)
        if found is None:
            raise ExpressionError(
                f"${'.'.join(path)} is a {type(value).__name__}, which filters cannot use",
                pos,
                "pass text, a number, a date, a datetime, a boolean or an id",
            )
        return Resolved(found)


def compile_filter(
    compiler: ExpressionCompiler,
    entity: str,
    source: FromClause,
    text: str,
    params: Mapping[str, object],
) -> ColumnElement[bool]:
    """SQL for the filter ``text`` on ``entity``; QueryError pointing at any mistake."""
    try:
        checked = check(
            parse(text), FilterScope(compiler, entity, params), expect=ValueType.BOOLEAN
        )
    except ExpressionError as exc:
        raise QueryError(
            f"in the filter on {entity}: {exc.message}",
            text=text,
            pos=exc.pos,
            suggestion=exc.suggestion,
        ) from None
    return compiler.with_params(params).compile(checked, entity, source)


# ---------------------------------------------------------------------- sort keys


@dataclass(frozen=True)
class SortKey:
    path: str
    descending: bool


def sort_keys(compiler: ExpressionCompiler, entity: str, order_by: OrderBy) -> list[SortKey]:
    """Check and normalise ``order_by``: known, sortable fields and asc/desc only."""
    keys: list[SortKey] = []
    for item in order_by:
        if isinstance(item, str):
            path, direction = item.removeprefix("-"), "desc" if item.startswith("-") else "asc"
        else:
            path, direction = item[0], str(item[1]).lower()
        if direction not in (SortDirection.ASC, SortDirection.DESC):
            raise QueryError(f"sort direction {direction!r} for {path!r} must be 'asc' or 'desc'")
        resolved = compiler.resolve(entity, path.split("."))
        if resolved.definition is not None and resolved.definition.type in UNSORTABLE_KINDS:
            raise QueryError(
                f"cannot sort {entity} by {path!r}: a {resolved.definition.type.value} field "
                "has no order",
                suggestion="sort by another field",
            )
        keys.append(SortKey(path, direction == SortDirection.DESC))
    return keys


# ------------------------------------------------------------------------ keyset


def _jsonable(value: object) -> object:
    """A raw key value as JSON; types JSON lacks are tagged ``[tag, text]``."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return ["n", str(value)]
    if isinstance(value, dt.datetime):
        return ["t", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, UUID):
        return ["u", str(value)]
    raise QueryError(f"cannot page on a value of type {type(value).__name__}")


_UNTAG: Final[dict[str, Callable[[str], object]]] = {
    "n": Decimal,
    "t": dt.datetime.fromisoformat,
    "d": dt.date.fromisoformat,
    "u": UUID,
}


def _from_json(value: object) -> object:
    if isinstance(value, list):
        tag, text = value
        return _UNTAG[tag](text)
    return value


class Keyset:
    """The ORDER BY of a list and the WHERE that resumes it after a cursor."""

    def __init__(self, entity: str, keys: Sequence[tuple[SortKey, SqlExpr]], id_column: SqlExpr):
        self.keys: list[tuple[SqlExpr, bool]] = [(expr, key.descending) for key, expr in keys]
        self.keys.append((id_column, False))
        # Compared untyped, so the raw values from the cursor bind exactly as read.
        self.raw: list[SqlExpr] = [
            sa.type_coerce(expr, sa.types.NullType()) for expr, _ in self.keys
        ]
        spec = [entity, *(f"{'-' if key.descending else ''}{key.path}" for key, _ in keys)]
        self.signature = hashlib.sha256("|".join(spec).encode()).hexdigest()[:12]

    def order_by(self) -> list[sa.UnaryExpression[Any]]:
        return [
            expr.desc().nulls_first() if descending else expr.asc().nulls_last()
            for expr, descending in self.keys
        ]

    def columns(self) -> list[SqlExpr]:
        """The key values, selected raw (no type processing) so they round-trip exactly."""
        return [raw.label(_KEY_LABEL.format(index=index)) for index, raw in enumerate(self.raw)]

    def cursor(self, row: Mapping[Any, Any]) -> str:
        values = [_jsonable(row[_KEY_LABEL.format(index=i)]) for i in range(len(self.keys))]
        payload = json.dumps({"s": self.signature, "k": values}, separators=(",", ":"))
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def after(self, cursor: str) -> ColumnElement[bool]:
        """Rows strictly after the row ``cursor`` was taken from, in this order."""
        values = self._values(cursor)
        branches: list[ColumnElement[bool]] = []
        last = len(self.keys) - 1
        for index, (_, descending) in enumerate(self.keys):
            # The final key is the id, which is never NULL.
            beyond = _beyond(self.raw[index], descending, values[index], nullable=index < last)
            if beyond is None:
                continue
            same = [_same(self.raw[j], values[j]) for j in range(index)]
            branches.append(sa.and_(*same, beyond))
        return sa.or_(*branches) if branches else sa.false()

    def _values(self, cursor: str) -> list[object]:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
            values = [_from_json(value) for value in payload["k"]]
            signature = payload["s"]
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise QueryError(
                "the cursor is not valid", suggestion="start again from the first page"
            ) from None
        if signature != self.signature or len(values) != len(self.keys):
            raise QueryError(
                "the cursor belongs to a list with another sort order",
                suggestion="start again from the first page when the order changes",
            )
        return values


def _raw(value: object) -> SqlExpr:
    return sa.bindparam(None, value, type_=sa.types.NullType(), unique=True)


def _same(expr: SqlExpr, value: object) -> ColumnElement[bool]:
    return expr.is_(None) if value is None else expr == _raw(value)


def _beyond(
    expr: SqlExpr, descending: bool, value: object, *, nullable: bool
) -> ColumnElement[bool] | None:
    """Rows after ``value`` in this key's order (NULLs last ascending, first descending)."""
    if descending:
        return expr.is_not(None) if value is None else expr < _raw(value)
    if value is None:
        return None  # nothing sorts after NULL
    if not nullable:
        return expr > _raw(value)
    return sa.or_(expr > _raw(value), expr.is_(None))
