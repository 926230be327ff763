"""Structured filters: the one filter model every channel builds, and its compiler to SQL.

GraphQL filter inputs, screen filters and export filters all become the same small
tree of plain objects, which :class:`FilterCompiler` turns into one SQL condition:

* :class:`Compare` — one field (stored, formula or rollup) against a value, with an
  operator the field's kind supports (``Compare("amount", Op.GT, 1000)``); a dotted
  path (``account.name``) reads as :class:`Through` the lookups;
* :class:`AllOf`, :class:`AnyOf`, :class:`Not` — and / or / not;
* :class:`Through` — a condition on the record a lookup points at (for a polymorphic
  lookup, on one of its targets): ``EXISTS`` over the target, within the actor's
  row scope of that target, so a filter never reveals records the actor cannot read;
* :class:`Related` — some / none / every related record (one-to-many or
  many-to-many) matches: ``EXISTS`` / ``NOT EXISTS`` subqueries, scoped the same way;
* :class:`Search` — every word of a text appears in one of the searchable fields.

Values are checked against the field (a choice must be one of its options, a date a
date, a datetime must carry a time zone) and bound as parameters, never written into
the SQL. Comparisons follow SQL: a record whose value is missing matches neither
``eq`` nor ``neq`` — ask for it with ``is_null``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.schema import (
    ChoiceField,
    EntityDef,
    FieldDef,
    LookupField,
    MultiChoiceField,
    PolymorphicLookupField,
)
from xrm.metamodel.types import ValueType

from . import codec, naming
from .errors import QueryError
from .related import to_many
from .sql_expressions import ExpressionCompiler
from .sql_functions import LIKE_ESCAPE, SQL_TYPES, SqlExpr, like_escape
from .tables import StorageModel
from .text_match import CaseSensitiveMatch, MatchMode, insensitive_match
from .values import Invalid, to_decimal, to_utc_datetime, to_uuid

V = ValueType


class Op(StrEnum):
    """A comparison operator of :class:`Compare`."""

    EQ = "eq"
    NEQ = "neq"
    IN = "in"
    NOT_IN = "not_in"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    #: ``value`` is a (low, high) pair, both included.
    BETWEEN = "between"
    #: ``value`` is True (missing) or False (present).
    IS_NULL = "is_null"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    I_EQ = "i_eq"
    I_CONTAINS = "i_contains"
    I_STARTS_WITH = "i_starts_with"
    I_ENDS_WITH = "i_ends_with"
    #: Multichoice: at least one of the given options is chosen.
    HAS_ANY = "has_any"
    #: Multichoice: every given option is chosen.
    HAS_ALL = "has_all"


class Quantifier(StrEnum):
    SOME = "some"
    NONE = "none"
    EVERY = "every"


@dataclass(frozen=True)
class Compare:
    field: str
    op: Op
    value: object = None


@dataclass(frozen=True)
class AllOf:
    items: tuple[Filter, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    item: Filter


@dataclass(frozen=True)
class Through:
    """``filter`` holds for the record the lookup ``field`` points at.

    For a polymorphic lookup, ``target`` names which of its targets.
    """

    field: str
    filter: Filter
    target: str | None = None


@dataclass(frozen=True)
class Related:
    """Some / none / every record of the to-many ``relation`` matches ``filter``."""

    relation: str
    quantifier: Quantifier
    filter: Filter | None = None


@dataclass(frozen=True)
class Search:
    """Every word of ``text`` appears (ignoring case) in one of the searchable fields."""

    text: str


Filter = Compare | AllOf | AnyOf | Not | Through | Related | Search


def all_of(*filters: Filter | None) -> Filter | None:
    """The given filters ANDed (None when there are none)."""
    present = tuple(f for f in filters if f is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else AllOf(present)


# ------------------------------------------------------------------- operators

#: Operators each family of values supports.
_ORDERED: Final = frozenset(
    {Op.EQ, Op.NEQ, Op.IN, Op.NOT_IN, Op.LT, Op.LTE, Op.GT, Op.GTE, Op.BETWEEN, Op.IS_NULL}
)
_TEXT_OPS: Final = _ORDERED | {
    Op.CONTAINS,
    Op.STARTS_WITH,
    Op.ENDS_WITH,
    Op.I_EQ,
    Op.I_CONTAINS,
    Op.I_STARTS_WITH,
    Op.I_ENDS_WITH,
}
_EQUALITY: Final = frozenset({Op.EQ, Op.NEQ, Op.IN, Op.NOT_IN, Op.IS_NULL})
_BOOLEAN_OPS: Final = frozenset({Op.EQ, Op.NEQ, Op.IS_NULL})
_MULTI_OPS: Final = frozenset({Op.HAS_ANY, Op.HAS_ALL, Op.IS_NULL})

#: Operators by value type (choice and multichoice fields are handled apart).
OPERATORS: Final[dict[ValueType, frozenset[Op]]] = {
    V.STRING: _TEXT_OPS,
    V.INTEGER: _ORDERED,
    V.DECIMAL: _ORDERED,
    V.MONEY: _ORDERED,
    V.DATE: _ORDERED,
    V.DATETIME: _ORDERED,
    V.BOOLEAN: _BOOLEAN_OPS,
    V.ID: _EQUALITY,
    V.MULTICHOICE: _MULTI_OPS,
    V.NULL: frozenset({Op.IS_NULL}),
}
CHOICE_OPERATORS: Final = _EQUALITY

_MATCH_MODES: Final = {
    Op.CONTAINS: MatchMode.CONTAINS,
    Op.STARTS_WITH: MatchMode.STARTS_WITH,
    Op.ENDS_WITH: MatchMode.ENDS_WITH,
    Op.I_CONTAINS: MatchMode.CONTAINS,
    Op.I_STARTS_WITH: MatchMode.STARTS_WITH,
    Op.I_ENDS_WITH: MatchMode.ENDS_WITH,
}
_COMPARE: Final[dict[Op, Callable[[SqlExpr, SqlExpr], ColumnElement[bool]]]] = {
    Op.EQ: lambda a, b: a == b,
    Op.NEQ: lambda a, b: a != b,
    Op.LT: lambda a, b: a < b,
    Op.LTE: lambda a, b: a <= b,
    Op.GT: lambda a, b: a > b,
    Op.GTE: lambda a, b: a >= b,
}


def operators_for(value_type: ValueType, definition: FieldDef | None) -> frozenset[Op]:
    """The operators a field supports, by its definition (None for ``id``) and value type."""
    if isinstance(definition, ChoiceField):
        return CHOICE_OPERATORS
    return OPERATORS[value_type]


# --------------------------------------------------------------------- operands


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("type", f"must be text, not {type(value).__name__}")
    return value


def _integer(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise Invalid("type", f"must be a whole number, not {value}")
    return int(number)


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Invalid("type", f"{value!r} is not a date; write it like 2024-12-31")


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    raise Invalid("type", f"must be true or false, not {value!r}")


#: How a filter value of each type is read (and refused).
_OPERANDS: Final[dict[ValueType, Callable[[object], object]]] = {
    V.STRING: _text,
    V.INTEGER: _integer,
    V.DECIMAL: to_decimal,
    V.MONEY: to_decimal,
    V.DATE: _date,
    V.DATETIME: to_utc_datetime,
    V.BOOLEAN: _boolean,
    V.ID: to_uuid,
    V.MULTICHOICE: _text,
    V.NULL: lambda value: value,
}

#: Scope predicates of the actor on the rows of an entity (the repository's row scope).
ScopeFn = Callable[[str, FromClause], list[ColumnElement[bool]]]


#: Fields of an entity the actor may not read (search leaves them out).
HiddenFn = Callable[[str], frozenset[str]]


class FilterCompiler:
    """Compiles :data:`Filter` trees on one storage model, within one actor's row scope."""

    def __init__(
        self, expressions: ExpressionCompiler, scope: ScopeFn, hidden: HiddenFn | None = None
    ) -> None:
        self.expressions = expressions
        self.storage = expressions.storage
        self.registry = expressions.registry
        self.scope = scope
        self.hidden = hidden

    def compile(self, entity: str, source: FromClause, node: Filter) -> ColumnElement[bool]:
        """SQL for ``node`` on the rows of ``entity`` in ``source``; QueryError if it is wrong."""
        match node:
            case Compare(field=field) if "." in field:
                return self.compile(entity, source, _through_path(node))
            case Compare():
                return self._compare(entity, source, node)
            case AllOf(items=items):
                return sa.and_(sa.true(), *(self.compile(entity, source, i) for i in items))
            case AnyOf(items=items):
                return sa.or_(sa.false(), *(self.compile(entity, source, i) for i in items))
            case Not(item=item):
                return sa.not_(self.compile(entity, source, item))
            case Through():
                return self._through(entity, source, node)
            case Related():
                return self._related(entity, source, node)
            case Search(text=text):
                return self._search(entity, source, text)
        raise QueryError(f"not a filter: {node!r}")  # pragma: no cover - exhaustive above

    # ---------------------------------------------------------------- compare

    def _compare(self, entity: str, source: FromClause, node: Compare) -> ColumnElement[bool]:
        resolved = self.expressions.resolve(entity, (node.field,))
        definition = resolved.definition
        value_type = self.expressions.value_type(resolved)
        allowed = operators_for(value_type, definition)
        where = f"{entity}.{node.field}"
        if node.op not in allowed:
            names = ", ".join(sorted(allowed))
            raise QueryError(
                f"{where} cannot be filtered with {node.op.value!r}", suggestion=f"use {names}"
            )
        expr = self.expressions.field(entity, source, (node.field,))
        if node.op is Op.IS_NULL:
            if not isinstance(node.value, bool):
                raise QueryError(f"{where}: is_null takes true or false, not {node.value!r}")
            return expr.is_(None) if node.value else expr.is_not(None)
        try:
            if isinstance(definition, MultiChoiceField):
                return self._options(expr, definition, node)
            read = self._operand_reader(value_type, definition)
            return self._apply(expr, node, read, value_type)
        except Invalid as exc:
            raise QueryError(f"filter on {where} ({node.op.value}): {exc.message}") from None

    def _operand_reader(
        self, value_type: ValueType, definition: FieldDef | None
    ) -> Callable[[object], object]:
        read = _OPERANDS[value_type]
        if not isinstance(definition, ChoiceField):
            return read
        options = definition.option_values()

        def option(value: object) -> object:
            text = _text(value)
            if text not in options:
                hint = did_you_mean(text, options) or f"options: {', '.join(options)}"
                raise Invalid("option", f"{text!r} is not an option ({hint})")
            return text

        return option

    def _apply(
        self,
        expr: SqlExpr,
        node: Compare,
        read: Callable[[object], object],
        value_type: ValueType,
    ) -> ColumnElement[bool]:
        sql_type = SQL_TYPES[value_type]
        op = node.op
        if op in (Op.IN, Op.NOT_IN):
            values = [read(v) for v in _sequence(node.value)]
            if not values:  # nothing is in an empty list; everything is outside it
                return sa.false() if op is Op.IN else sa.true()
            bound = sa.bindparam(None, values, type_=sql_type, expanding=True, unique=True)
            return expr.in_(bound) if op is Op.IN else expr.not_in(bound)
        if op is Op.BETWEEN:
            pair = _sequence(node.value)
            if len(pair) != 2:
                raise Invalid("between", "between takes two values: [low, high]")
            low, high = (sa.literal(read(v), sql_type) for v in pair)
            return sa.and_(expr >= low, expr <= high)
        if op in _COMPARE:
            return _COMPARE[op](expr, sa.literal(read(node.value), sql_type))
        needle = _text(node.value)
        if op is Op.I_EQ:
            return sa.func.lower(expr) == sa.literal(needle.lower(), sa.String())
        mode = _MATCH_MODES[op]
        if op in (Op.CONTAINS, Op.STARTS_WITH, Op.ENDS_WITH):
            if not needle:
                return expr.is_not(None)
            return CaseSensitiveMatch(expr, needle, mode)
        return insensitive_match(expr, needle, mode)

    def _options(
        self, expr: SqlExpr, definition: MultiChoiceField, node: Compare
    ) -> ColumnElement[bool]:
        options = definition.option_values()
        chosen: list[str] = []
        for value in _sequence(node.value):
            text = _text(value)
            if text not in options:
                hint = did_you_mean(text, options) or f"options: {', '.join(options)}"
                raise Invalid("option", f"{text!r} is not an option ({hint})")
            chosen.append(text)
        sep = codec.MULTI_SEPARATOR
        patterns = [f"%{like_escape(sep + option + sep)}%" for option in chosen]
        tests = [expr.like(sa.literal(p, sa.String()), escape=LIKE_ESCAPE) for p in patterns]
        if not tests:
            return sa.false() if node.op is Op.HAS_ANY else sa.true()
        return sa.or_(*tests) if node.op is Op.HAS_ANY else sa.and_(*tests)

    # ---------------------------------------------------------- related records

    def _through(self, entity: str, source: FromClause, node: Through) -> ColumnElement[bool]:
        definition = self.registry.field(entity, node.field)
        if isinstance(definition, LookupField):
            if node.target not in (None, definition.target):
                raise QueryError(f"{entity}.{node.field} points at {definition.target} only")
            target = definition.target
            column = source.c[self.storage.column(entity, node.field).name]
        elif isinstance(definition, PolymorphicLookupField):
            if node.target not in definition.targets:
                raise QueryError(
                    f"say which target of {entity}.{node.field} the filter is about",
                    suggestion=f"one of {', '.join(definition.targets)}",
                )
            target = node.target
            column = source.c[naming.polymorphic_column(node.field, target)]
        else:
            raise QueryError(
                f"{entity}.{node.field} is a {definition.type.value} field, not a lookup",
                suggestion="compare it directly",
            )
        rows = self.storage.table(target).alias()
        condition = sa.and_(
            rows.c.id == column,
            self.compile(target, rows, node.filter),
            *self.scope(target, rows),
        )
        return sa.exists(sa.select(sa.literal(1)).select_from(rows).where(condition))

    def _related(self, entity: str, source: FromClause, node: Related) -> ColumnElement[bool]:
        path = to_many(self.storage, entity, node.relation)
        joined = path.join(self.storage)
        linked = [joined.parent == source.c.id, *self.scope(path.target, joined.target)]
        if node.filter is None:
            if node.quantifier is Quantifier.EVERY:
                return sa.true()
            found = sa.exists(sa.select(sa.literal(1)).select_from(joined.source).where(*linked))
            return found if node.quantifier is Quantifier.SOME else sa.not_(found)
        matches = self.compile(path.target, joined.target, node.filter)
        if node.quantifier is Quantifier.EVERY:
            # A row the condition cannot decide (NULL) does not satisfy it either.
            matches = sa.not_(sa.func.coalesce(matches, sa.false()))
        found = sa.exists(
            sa.select(sa.literal(1)).select_from(joined.source).where(*linked, matches)
        )
        return found if node.quantifier is Quantifier.SOME else sa.not_(found)

    # ------------------------------------------------------------------ search

    def _search(self, entity: str, source: FromClause, text: str) -> ColumnElement[bool]:
        words = text.split()
        if not words:
            return sa.true()
        fields = searchable_fields(self.registry.entity(entity))
        if self.hidden is not None:
            fields = [name for name in fields if name not in self.hidden(entity)]
        if not fields:
            return sa.false()
        columns = [self.expressions.field(entity, source, (name,)) for name in fields]
        return sa.and_(
            *(
                sa.or_(*(insensitive_match(c, word, MatchMode.CONTAINS) for c in columns))
                for word in words
            )
        )


def searchable_fields(entity: EntityDef) -> list[str]:
    """The fields ``search`` looks in: those marked searchable, else the primary field."""
    found = [name for name, field in entity.fields.items() if field.searchable]
    if found:
        return found
    if entity.primary_field is not None:
        return [entity.primary_field]
    raise QueryError(
        f"{entity.entity} has no searchable fields",
        suggestion="mark text fields with searchable: true in the entity's YAML",
    )


def _sequence(value: object) -> Sequence[object]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise Invalid("type", f"must be a list of values, not {value!r}")
    return list(value)


def _through_path(node: Compare) -> Filter:
    """``Compare("account.name", …)`` as ``Through("account", Compare("name", …))``."""
    head, rest = node.field.split(".", 1)
    return Through(head, Compare(rest, node.op, node.value))


def referenced_fields(storage: StorageModel, entity: str, node: Filter) -> list[tuple[str, str]]:
    """(entity, field path) of every value ``node`` compares, to check the actor may read it.

    Search is left out: it skips the fields the actor may not read instead.
    """
    match node:
        case Compare(field=field):
            return [(entity, field)]
        case AllOf(items=items) | AnyOf(items=items):
            return [found for item in items for found in referenced_fields(storage, entity, item)]
        case Not(item=item):
            return referenced_fields(storage, entity, item)
        case Through(field=field, filter=inner, target=target):
            definition = storage.registry.field(entity, field)
            if isinstance(definition, LookupField):
                target = definition.target
            if target is None:
                return [(entity, field)]
            return [(entity, field), *referenced_fields(storage, target, inner)]
        case Related(relation=relation, filter=inner) if inner is not None:
            return referenced_fields(storage, to_many(storage, entity, relation).target, inner)
    return []
