"""Filters, sort keys and keyset paging for lists: the query half of the repository.

* Filters are written in the expression language, parsed and type-checked against
  the entity (``$name`` parameters are typed by the values passed), then compiled to
  SQL; a mistake is a :class:`QueryError` pointing at the character.
* Sort keys are field paths (formulas, rollups and ``account.name`` included), with
  NULLs last when ascending and first when descending (or where the caller puts
  them), on both databases.
* Paging is by keyset: the cursor holds the sort-key values of the last row sent,
  and the next page starts strictly after them, with ``id`` as the final tiebreaker,
  so pages never skip or repeat rows whatever the ties. The key values travel as
  the database returned them (no decoding), so they compare exactly when sent back.
  Paging backwards (the page *before* a cursor) runs the same keyset reversed.
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
from typing import Any, Final, Literal
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

#: Where NULLs go in a sort: ``"first"`` or ``"last"`` (None: last ascending, first descending).
Nulls = Literal["first", "last"] | None

#: One sort key as callers write it: ``("close_date", "desc")``, ``"-close_date"``, or
#: ``("close_date", "asc", "first")`` to place missing values.
OrderBy = Sequence[
    tuple[str, str | SortDirection] | tuple[str, str | SortDirection, str | None] | str
]


@dataclass(frozen=True)
class Page:
    """One page of records, and the cursor of the next page (None on the last page).

    A page taken from the end of the list (``from_end``) has ``previous_cursor``
    instead: where the page before it would end. ``cursors`` holds each record's own
    cursor when the caller asked for them; ``links`` the link of each record when
    the records were reached through a many-to-many relation.
    """

    records: list[dict[str, Any]]
    next_cursor: str | None
    previous_cursor: str | None = None
    cursors: tuple[str, ...] = ()
    links: tuple[dict[str, Any], ...] = ()


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
    #: Explicit NULL placement; None keeps the default (last ascending, first descending).
    nulls: Nulls = None

    @property
    def nulls_first(self) -> bool:
        return self.descending if self.nulls is None else self.nulls == "first"


def sort_keys(compiler: ExpressionCompiler, entity: str, order_by: OrderBy) -> list[SortKey]:
    """Check and normalise ``order_by``: known, sortable fields, asc/desc, nulls first/last."""
    keys: list[SortKey] = []
    for item in order_by:
        nulls: str | None = None
        if isinstance(item, str):
            path, direction = item.removeprefix("-"), "desc" if item.startswith("-") else "asc"
        elif len(item) == 3:
            path, direction, nulls = item[0], str(item[1]).lower(), item[2]
        else:
            path, direction = item[0], str(item[1]).lower()
        if direction not in (SortDirection.ASC, SortDirection.DESC):
            raise QueryError(f"sort direction {direction!r} for {path!r} must be 'asc' or 'desc'")
        if nulls not in (None, "first", "last"):
            raise QueryError(f"nulls {nulls!r} for {path!r} must be 'first' or 'last'")
        resolved = compiler.resolve(entity, path.split("."))
        if resolved.definition is not None and resolved.definition.type in UNSORTABLE_KINDS:
            raise QueryError(
                f"cannot sort {entity} by {path!r}: a {resolved.definition.type.value} field "
                "has no order",
                suggestion="sort by another field",
            )
        placed: Nulls = "first" if nulls == "first" else "last" if nulls == "last" else None
        keys.append(SortKey(path, direction == SortDirection.DESC, placed))
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


@dataclass(frozen=True)
class _Key:
    expr: SqlExpr
    #: The same expression compared untyped, so raw values from a cursor bind exactly.
    raw: SqlExpr
    descending: bool
    nulls_first: bool


class Keyset:
    """The ORDER BY of a list and the WHERE that resumes it after (or before) a cursor."""

    def __init__(self, entity: str, keys: Sequence[tuple[SortKey, SqlExpr]], id_column: SqlExpr):
        self.keys: list[_Key] = [
            _Key(expr, _untyped(expr), key.descending, key.nulls_first) for key, expr in keys
        ]
        self.keys.append(_Key(id_column, _untyped(id_column), False, False))
        spec = [entity, *(_spec(key) for key, _ in keys)]
        self.signature = hashlib.sha256("|".join(spec).encode()).hexdigest()[:12]

    def reversed(self) -> Keyset:
        """The same keys in the opposite order (to read the page before a cursor)."""
        flipped = object.__new__(Keyset)
        flipped.keys = [_Key(k.expr, k.raw, not k.descending, not k.nulls_first) for k in self.keys]
        flipped.signature = self.signature
        return flipped

    def order_by(self) -> list[sa.UnaryExpression[Any]]:
        ordered: list[sa.UnaryExpression[Any]] = []
        for key in self.keys:
            direction = key.expr.desc() if key.descending else key.expr.asc()
            ordered.append(direction.nulls_first() if key.nulls_first else direction.nulls_last())
        return ordered

    def columns(self) -> list[SqlExpr]:
        """The key values, selected raw (no type processing) so they round-trip exactly."""
        return [key.raw.label(_KEY_LABEL.format(index=i)) for i, key in enumerate(self.keys)]

    def cursor(self, row: Mapping[Any, Any]) -> str:
        values = [_jsonable(row[_KEY_LABEL.format(index=i)]) for i in range(len(self.keys))]
        payload = json.dumps({"s": self.signature, "k": values}, separators=(",", ":"))
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    def after(self, cursor: str) -> ColumnElement[bool]:
        """Rows strictly after the row ``cursor`` was taken from, in this order."""
        values = self._values(cursor)
        branches: list[ColumnElement[bool]] = []
        last = len(self.keys) - 1
        for index, key in enumerate(self.keys):
            # The final key is the id, which is never NULL.
            beyond = _beyond(key, values[index], nullable=index < last)
            if beyond is None:
                continue
            same = [_same(self.keys[j].raw, values[j]) for j in range(index)]
            branches.append(sa.and_(*same, beyond))
        return sa.or_(*branches) if branches else sa.false()

    def before(self, cursor: str) -> ColumnElement[bool]:
        """Rows strictly before the row ``cursor`` was taken from, in this order."""
        return self.reversed().after(cursor)

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


def _untyped(expr: SqlExpr) -> SqlExpr:
    return sa.type_coerce(expr, sa.types.NullType())


def _spec(key: SortKey) -> str:
    text = f"{'-' if key.descending else ''}{key.path}"
    # Only a placement that differs from the default changes the order (and the cursor).
    if key.nulls is not None and key.nulls_first != key.descending:
        text += f"~{key.nulls}"
    return text


def _raw(value: object) -> SqlExpr:
    return sa.bindparam(None, value, type_=sa.types.NullType(), unique=True)


def _same(expr: SqlExpr, value: object) -> ColumnElement[bool]:
    return expr.is_(None) if value is None else expr == _raw(value)


def _beyond(key: _Key, value: object, *, nullable: bool) -> ColumnElement[bool] | None:
    """Rows after ``value`` in this key's order, wherever its NULLs are placed."""
    if value is None:
        # After a NULL come the non-NULL values if NULLs go first, else nothing.
        return key.raw.is_not(None) if key.nulls_first else None
    beyond = key.raw < _raw(value) if key.descending else key.raw > _raw(value)
    if nullable and not key.nulls_first:
        return sa.or_(beyond, key.raw.is_(None))
    return beyond
