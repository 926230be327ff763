"""Type-checked expressions -> SQLAlchemy Core, for one entity's rows.

Formulas, rollups, view filters and (later) access rules all become plain SQL
expressions over the entity's table, so they can be selected, filtered and sorted
by the database in the same statement:

* a field is its column (a money field its amount, a polymorphic lookup the id of
  whichever target is set);
* a formula field is its own expression, compiled inline (formulas may use formulas);
* a rollup is a correlated scalar subquery aggregating the related rows (1:N
  through the target's lookup, N:N through the junction table), with an optional
  filter; ``count`` and ``sum`` give 0, not NULL, when nothing matches;
* ``account.name`` is a correlated scalar subquery that follows the lookups, so a
  page of records with related values is still one statement;
* ``$name`` parameters are bound values, never text in the SQL;
* with a ``row_filter`` (the access layer's read predicate), the rows a lookup path or
  a rollup reaches are only those the reader may see: a hidden account gives
  ``account.name`` NULL and is not counted, so no value leaks through a relation.

NULL behaves as in SQL (three-valued logic): ``amount > 5`` is unknown, so not
matched, when ``amount`` is missing. The one exception is comparing with the
literal ``null``: ``x = null`` reads as ``x is null`` (and ``!=`` as ``is not null``),
because a comparison that can never be true is never what the author meant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from xrm.metamodel.expression_types import Checked, check
from xrm.metamodel.expressions import (
    Binary,
    Call,
    Expr,
    ExpressionError,
    FieldRef,
    InList,
    IsNull,
    Literal,
    ParamRef,
    Unary,
    parse,
)
from xrm.metamodel.schema import (
    FieldDef,
    FormulaField,
    LookupField,
    ManyToManyRelation,
    PolymorphicLookupField,
    RollupField,
)
from xrm.metamodel.scopes import EntityScope, field_value_type, resolve_path
from xrm.metamodel.types import Aggregate, FieldKind, ValueType

from . import naming
from .errors import QueryError
from .sql_constructs import AddDays, AddDaysToDatetime, DateToDatetime, DaysBetween, Divide
from .sql_functions import FUNCTION_SQL, NOT_CONSTANT, SQL_TYPES, Arg, SqlExpr, as_text
from .tables import StorageModel
from .values import Invalid, to_utc_datetime, to_uuid

V = ValueType

_COMPARISONS: Final[dict[str, Callable[[SqlExpr, SqlExpr], ColumnElement[bool]]]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}

_INT32: Final = 2**31


def _literal(value: object) -> SqlExpr:
    if value is None:
        return sa.null()
    if isinstance(value, bool):
        return sa.true() if value else sa.false()
    if isinstance(value, int):
        # PostgreSQL resolves functions by argument type; small numbers stay INTEGER.
        return sa.literal(value, sa.Integer() if abs(value) < _INT32 else sa.BigInteger())
    if isinstance(value, Decimal):
        return sa.literal(value, sa.Numeric())
    return sa.literal(str(value), sa.String())


def _column(name: str) -> Callable[[FromClause], SqlExpr]:
    return lambda rows: rows.c[name]


#: The rows of an entity a reader may see, over a table or alias (None: every row).
RowFilter = Callable[[str, FromClause], ColumnElement[bool] | None]


@dataclass(frozen=True)
class ResolvedPath:
    """A dotted field path, resolved: the lookups to follow, then the final field."""

    steps: tuple[tuple[str, str], ...]  # (entity, lookup field) per hop
    entity: str
    field: str
    definition: FieldDef | None  # None for ``id``


class ExpressionCompiler:
    """Compiles expressions of one storage model, with one set of ``$`` parameter values.

    Parsed formulas and rollup filters are cached on the instance (a compiler lives
    as long as the repository that owns it: one request or job).
    """

    def __init__(
        self,
        storage: StorageModel,
        params: Mapping[str, object] | None = None,
        *,
        row_filter: RowFilter | None = None,
    ):
        self.storage = storage
        self.registry = storage.registry
        self.params: Mapping[str, object] = params or {}
        self.row_filter = row_filter
        self._checked: dict[tuple[str, str, str], Checked] = {}
        self._field_sql: dict[FieldKind, Callable[[str, FromClause, str, FieldDef], SqlExpr]] = (
            dict.fromkeys(FieldKind, self._stored)
        )
        self._field_sql[FieldKind.POLYMORPHIC_LOOKUP] = self._polymorphic
        self._field_sql[FieldKind.FORMULA] = self._formula
        self._field_sql[FieldKind.ROLLUP] = self._rollup

    def with_params(self, params: Mapping[str, object]) -> ExpressionCompiler:
        """A compiler sharing this one's caches but binding other parameter values."""
        other = ExpressionCompiler(self.storage, params, row_filter=self.row_filter)
        other._checked = self._checked
        return other

    # ------------------------------------------------------------------ fields

    def resolve(self, entity: str, path: Sequence[str]) -> ResolvedPath:
        """Follow ``path`` through lookups; QueryError (with a suggestion) if it leads nowhere."""
        try:
            resolved, definition = resolve_path(self.registry.entities, entity, tuple(path), 0)
        except ExpressionError as exc:
            raise QueryError(exc.message, suggestion=exc.suggestion) from None
        steps = resolved.steps
        if definition is None and steps:
            # "account.id" is the lookup column itself: no need to visit the account.
            (final_entity, final_field), steps = steps[-1], steps[:-1]
            return ResolvedPath(
                steps, final_entity, final_field, self.registry.field(final_entity, final_field)
            )
        return ResolvedPath(steps, resolved.entity, resolved.field, definition)

    def field(self, entity: str, source: FromClause, path: Sequence[str]) -> SqlExpr:
        """The value of ``path`` (``amount``, ``account.name``) for the rows of ``source``."""
        return self.path_columns(entity, source, self.resolve(entity, path), all_columns=False)[0]

    def path_columns(
        self, entity: str, source: FromClause, path: ResolvedPath, *, all_columns: bool = True
    ) -> list[SqlExpr]:
        """Every stored column of the field at ``path`` (one expression for computed fields).

        A money field at the end of ``account.revenue`` gives its amount and currency,
        each through the lookups, so a caller can decode the full value.
        """
        definition = path.definition
        pickers: list[Callable[[FromClause], SqlExpr]]
        columns = self.storage.field_columns.get((path.entity, path.field))
        if definition is None:
            pickers = [lambda rows: rows.c.id]
        elif all_columns and columns is not None and len(columns.columns) > 1:
            pickers = [_column(column.name) for column in columns.columns]
        else:
            known = definition
            pickers = [lambda rows: self._own(path.entity, rows, path.field, known)]
        if not path.steps:
            return [pick(source) for pick in pickers]
        return [self._through(entity, source, path.steps, pick) for pick in pickers]

    def value_type(self, path: ResolvedPath) -> ValueType:
        """The expression type of the field at ``path``."""
        if path.definition is None:
            return V.ID
        owner = self.registry.entity(path.entity)
        return field_value_type(self.registry.entities, owner, path.definition)

    def _own(self, entity: str, source: FromClause, name: str, definition: FieldDef) -> SqlExpr:
        return self._field_sql[definition.type](entity, source, name, definition)

    def _stored(self, entity: str, source: FromClause, name: str, definition: FieldDef) -> SqlExpr:
        return source.c[self.storage.column(entity, name).name]

    def _polymorphic(
        self, entity: str, source: FromClause, name: str, definition: FieldDef
    ) -> SqlExpr:
        assert isinstance(definition, PolymorphicLookupField)
        # At most one target column is set, so the first non-null one is the id.
        columns = [source.c[naming.polymorphic_column(name, t)] for t in definition.targets]
        return sa.func.coalesce(*columns, type_=sa.Uuid())

    def _through(
        self,
        entity: str,
        source: FromClause,
        steps: Sequence[tuple[str, str]],
        pick: Callable[[FromClause], SqlExpr],
    ) -> SqlExpr:
        """A correlated subquery following N:1 lookups from ``source`` to the final field."""
        first_entity, first_lookup = steps[0]
        first_target = self._lookup_target(first_entity, first_lookup)
        current = self.storage.table(first_target).alias()
        joined: FromClause = current
        condition = sa.and_(
            current.c.id == source.c[self.storage.column(entity, first_lookup).name],
            *self._readable(first_target, current),
        )
        for step_entity, lookup in steps[1:]:
            target = self._lookup_target(step_entity, lookup)
            following = self.storage.table(target).alias()
            link = sa.and_(
                following.c.id == current.c[self.storage.column(step_entity, lookup).name],
                *self._readable(target, following),
            )
            joined = joined.join(following, link)
            current = following
        value = pick(current)
        return sa.select(value).select_from(joined).where(condition).scalar_subquery()

    def _readable(self, entity: str, rows: FromClause) -> list[ColumnElement[bool]]:
        """The reader's row predicate on ``rows`` of ``entity`` (nothing without a filter)."""
        if self.row_filter is None:
            return []
        predicate = self.row_filter(entity, rows)
        return [] if predicate is None else [predicate]

    def _lookup_target(self, entity: str, lookup: str) -> str:
        definition = self.registry.field(entity, lookup)
        assert isinstance(definition, LookupField)
        return definition.target

    # ------------------------------------------------------------ computed fields

    def _formula(self, entity: str, source: FromClause, name: str, definition: FieldDef) -> SqlExpr:
        assert isinstance(definition, FormulaField)
        checked = self._check(entity, name, "expression", entity, definition.expression)
        return sa.type_coerce(self.compile(checked, entity, source), SQL_TYPES[definition.returns])

    def _rollup(self, entity: str, source: FromClause, name: str, definition: FieldDef) -> SqlExpr:
        assert isinstance(definition, RollupField)
        relation = self.registry.relation(entity, definition.relation)
        target = relation.target
        rows = self.storage.table(target).alias()
        joined: FromClause
        if isinstance(relation, ManyToManyRelation):
            junction = self.storage.junction(entity, definition.relation).table.alias()
            joined = rows.join(junction, junction.c.target == rows.c.id)
            condition = junction.c.source == source.c.id
        else:
            back = self.registry.field(target, relation.field)
            column = (
                naming.polymorphic_column(relation.field, entity)
                if isinstance(back, PolymorphicLookupField)
                else self.storage.column(target, relation.field).name
            )
            joined = rows
            condition = rows.c[column] == source.c.id
        condition = sa.and_(condition, *self._readable(target, rows))
        if definition.filter is not None:
            checked = self._check(entity, name, "filter", target, definition.filter)
            condition = sa.and_(condition, self.compile(checked, target, rows))
        value: SqlExpr | None = None
        if definition.field is not None:
            value = self._own(
                target, rows, definition.field, self.registry.field(target, definition.field)
            )
        aggregate = _aggregate(definition.aggregate, value)
        result = sa.select(aggregate).select_from(joined).where(condition).scalar_subquery()
        owner = self.registry.entity(entity)
        value_type = field_value_type(self.registry.entities, owner, definition)
        if definition.aggregate is Aggregate.SUM:
            return sa.func.coalesce(result, 0, type_=SQL_TYPES[value_type])
        return sa.type_coerce(result, SQL_TYPES[value_type])

    def _check(self, entity: str, field: str, part: str, scope_entity: str, text: str) -> Checked:
        key = (entity, field, part)
        found = self._checked.get(key)
        if found is None:
            expect = V.BOOLEAN if part == "filter" else None
            try:
                found = check(
                    parse(text), EntityScope(self.registry.entities, scope_entity), expect=expect
                )
            except ExpressionError as exc:  # the registry validated it; only a bug gets here
                raise QueryError(
                    f"{entity}.{field} {part}: {exc.message}", text=text, pos=exc.pos
                ) from exc
            self._checked[key] = found
        return found

    # -------------------------------------------------------------- expressions

    def compile(self, checked: Checked, entity: str, source: FromClause) -> SqlExpr:
        """SQL for ``checked`` (an expression checked against ``entity``) over ``source``."""
        return _Visitor(self, checked, entity, source).visit(checked.expr)

    def param_value(self, path: Sequence[str]) -> object:
        """The value bound for ``$a.b``; a record given as a mapping stands for its ``id``."""
        value: object = self.params
        for index, part in enumerate(path):
            if not isinstance(value, Mapping) or part not in value:
                known = sorted(value) if isinstance(value, Mapping) else []
                name = "$" + ".".join(path[: index + 1])
                hint = f"known: {', '.join('$' + str(k) for k in known)}" if known else None
                raise QueryError(f"no value was given for {name}", suggestion=hint)
            value = value[part]
        if isinstance(value, Mapping):
            value = value.get("id")
        if isinstance(value, dt.datetime):
            try:
                value = to_utc_datetime(value)
            except Invalid as exc:
                raise QueryError(f"${'.'.join(path)}: {exc.message}") from None
        return value


#: SQL of each rollup aggregate over the aggregated field's values.
_AGGREGATES: Final[dict[Aggregate, Callable[[SqlExpr], SqlExpr]]] = {
    Aggregate.COUNT: lambda v: sa.func.count(v),
    Aggregate.SUM: lambda v: sa.func.sum(v, type_=v.type),
    Aggregate.MIN: lambda v: sa.func.min(v, type_=v.type),
    Aggregate.MAX: lambda v: sa.func.max(v, type_=v.type),
    Aggregate.AVG: lambda v: sa.func.avg(v, type_=sa.Numeric()),
}


def _aggregate(aggregate: Aggregate, value: SqlExpr | None) -> SqlExpr:
    """``count`` without a field counts rows; every other aggregate reads the field."""
    if value is None:
        return sa.func.count()
    return _AGGREGATES[aggregate](value)


class _Visitor:
    """Walks one checked expression; node types come from the checker."""

    def __init__(
        self, compiler: ExpressionCompiler, checked: Checked, entity: str, source: FromClause
    ) -> None:
        self.compiler = compiler
        self.checked = checked
        self.entity = entity
        self.source = source

    def type_of(self, node: Expr) -> ValueType:
        return self.checked.type_of(node)

    def visit(self, node: Expr) -> SqlExpr:
        match node:
            case Literal(value=value):
                return _literal(value)
            case FieldRef(path=path):
                return self.compiler.field(self.entity, self.source, path)
            case ParamRef(path=path):
                bound = self.compiler.param_value(path)
                if bound is None:
                    return sa.null()
                value_type = self.type_of(node)
                if value_type is V.ID:
                    try:
                        bound = to_uuid(bound)
                    except Invalid as exc:
                        raise QueryError(f"${'.'.join(path)} {exc.message}") from None
                return sa.literal(bound, SQL_TYPES[value_type])
            case Unary(op="not", operand=operand):
                return sa.not_(self.visit(operand))
            case Unary(operand=operand):
                return sa.type_coerce(-self.visit(operand), SQL_TYPES[self.type_of(node)])
            case Binary(op="and", left=left, right=right):
                return sa.and_(self.visit(left), self.visit(right))
            case Binary(op="or", left=left, right=right):
                return sa.or_(self.visit(left), self.visit(right))
            case Binary(op="||", left=left, right=right):
                parts = [self.arg(left), self.arg(right)]
                return as_text(parts[0]).op("||", return_type=sa.Text())(as_text(parts[1]))
            case Binary(op=op, left=left, right=right) if op in _COMPARISONS:
                return _COMPARISONS[op](*self.comparable(left, right))
            case Binary():
                return sa.type_coerce(self.arithmetic(node), SQL_TYPES[self.type_of(node)])
            case InList(operand=operand, items=items, negated=negated):
                tested = self.visit(operand)
                members = [self.visit(item) for item in items]
                return tested.not_in(members) if negated else tested.in_(members)
            case IsNull(operand=operand, negated=negated):
                tested = self.visit(operand)
                return tested.is_not(None) if negated else tested.is_(None)
            case Call(name=name, args=args):
                compiled = [self.arg(arg) for arg in args]
                return FUNCTION_SQL[name](compiled, self.type_of(node))
        raise QueryError(f"cannot compile {node!r}")  # pragma: no cover - exhaustive above

    def arg(self, node: Expr) -> Arg:
        value: object = NOT_CONSTANT
        if isinstance(node, Literal):
            value = node.value
        elif isinstance(node, ParamRef):
            value = self.compiler.param_value(node.path)
        return Arg(self.visit(node), self.type_of(node), value)

    def comparable(self, left: Expr, right: Expr) -> tuple[SqlExpr, SqlExpr]:
        """Both sides, with a date compared to a datetime read as midnight UTC."""
        lt, rt = self.type_of(left), self.type_of(right)
        a, b = self.visit(left), self.visit(right)
        if lt is V.DATE and rt is V.DATETIME:
            a = DateToDatetime(a)
        elif lt is V.DATETIME and rt is V.DATE:
            b = DateToDatetime(b)
        return a, b

    def arithmetic(self, node: Binary) -> SqlExpr:
        lt, rt = self.type_of(node.left), self.type_of(node.right)
        a, b = self.visit(node.left), self.visit(node.right)
        dates = (V.DATE, V.DATETIME)
        if node.op == "/":
            return Divide(a, b)
        if node.op == "%":
            return a % sa.func.nullif(b, 0)
        if node.op == "+" and lt in dates:
            return _add_days(lt, a, b)
        if node.op == "+" and rt in dates:
            return _add_days(rt, b, a)
        if node.op == "-" and lt is V.DATE and rt is V.DATE:
            return DaysBetween(b, a)
        if node.op == "-" and lt in dates:
            return _add_days(lt, a, -b)
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        return a * b


def _add_days(kind: ValueType, day: SqlExpr, count: SqlExpr) -> SqlExpr:
    if kind is V.DATETIME:
        return AddDaysToDatetime(day, count)
    return AddDays(day, count)


def value_type_of(value: object) -> ValueType | None:
    """The expression type of a Python parameter value, or None if it has none."""
    if value is None:
        return V.NULL
    if isinstance(value, bool):
        return V.BOOLEAN
    if isinstance(value, int):
        return V.INTEGER
    if isinstance(value, Decimal | float):
        return V.DECIMAL
    if isinstance(value, str):
        return V.STRING
    if isinstance(value, dt.datetime):
        return V.DATETIME
    if isinstance(value, dt.date):
        return V.DATE
    if isinstance(value, UUID):
        return V.ID
    return None
