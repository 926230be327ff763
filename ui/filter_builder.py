"""The list's filter builder: rows of (field, operator, value), joined by and / or.

The rows travel in the list's address (``f0=stage&o0=in&v0=won&v0=lost&join=and``),
so a filtered list is a link like any other. :func:`compile_rows` turns them into
storage's structured :data:`~xrm.platform.storage.filters.Filter` — the same filter
model GraphQL uses, compiled by the repository within the user's row scope — after
reading each value the way the user typed it (numbers in their format, datetimes in
their time zone). The operators offered per field are the ones storage supports for
its kind (:func:`~xrm.platform.storage.filters.operators_for`), so the builder never
offers a filter the repository would refuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from xrm.metamodel.expressions import ExpressionError
from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import (
    ChoiceField,
    FieldDef,
    LookupField,
    MultiChoiceField,
)
from xrm.metamodel.scopes import field_value_type, resolve_path
from xrm.metamodel.types import FieldKind, ValueType
from xrm.platform.storage.filters import AllOf, AnyOf, Compare, Filter, Op, operators_for

from .i18n import Translator

#: Most rows a filter may have.
MAX_ROWS: Final = 10
#: The builder's own operators: storage's, with "is null" split in two for people.
IS_EMPTY: Final = "is_null"
IS_NOT_EMPTY: Final = "is_not_null"
_LIST_OPS: Final = frozenset({Op.IN, Op.NOT_IN, Op.HAS_ANY, Op.HAS_ALL})
#: The order operators are offered in.
_OP_ORDER: Final = (
    Op.EQ,
    Op.NEQ,
    Op.I_CONTAINS,
    Op.I_STARTS_WITH,
    Op.I_ENDS_WITH,
    Op.CONTAINS,
    Op.I_EQ,
    Op.LT,
    Op.LTE,
    Op.GT,
    Op.GTE,
    Op.BETWEEN,
    Op.IN,
    Op.NOT_IN,
    Op.HAS_ANY,
    Op.HAS_ALL,
)
#: Kinds the builder does not filter on (files have nothing to compare).
_SKIPPED: Final = frozenset({FieldKind.FILE})


@dataclass(frozen=True)
class Row:
    field: str
    op: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class FilterField:
    """A field (or lookup path) the builder offers, with its operators and value input."""

    path: str
    label: str
    value_type: ValueType
    ops: tuple[str, ...]
    #: ``text``, ``number``, ``date``, ``datetime``, ``boolean``, ``choice``.
    input: str
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RowView:
    index: int
    field: FilterField | None
    op: str
    values: tuple[str, ...]
    error: str | None

    @property
    def multiple(self) -> bool:
        return self.op in {op.value for op in _LIST_OPS}

    @property
    def needs_value(self) -> bool:
        return self.op not in (IS_EMPTY, IS_NOT_EMPTY)

    @property
    def between(self) -> bool:
        return self.op == Op.BETWEEN.value


def parse_rows(query: Mapping[str, Sequence[str]]) -> tuple[list[Row], str]:
    """The rows in a list's query parameters, and how they join (``and``/``or``)."""
    rows: list[Row] = []
    for index in range(MAX_ROWS):
        field = _last(query.get(f"f{index}"))
        if not field:
            continue
        op = _last(query.get(f"o{index}"))
        values = tuple(v for v in query.get(f"v{index}") or () if v != "")
        rows.append(Row(field, op, values))
    join = "or" if _last(query.get("join")) == "or" else "and"
    return rows, join


def row_params(rows: Sequence[Row], join: str) -> list[tuple[str, str]]:
    """``rows`` as query parameters again (for links that keep the filter)."""
    params: list[tuple[str, str]] = []
    for index, row in enumerate(rows[:MAX_ROWS]):
        params.append((f"f{index}", row.field))
        params.append((f"o{index}", row.op))
        params.extend((f"v{index}", value) for value in row.values)
    if rows and join == "or":
        params.append(("join", "or"))
    return params


def _last(values: Sequence[str] | None) -> str:
    return values[-1] if values else ""


def _input_of(value_type: ValueType, definition: FieldDef | None) -> str:
    if isinstance(definition, ChoiceField | MultiChoiceField):
        return "choice"
    return {
        ValueType.INTEGER: "number",
        ValueType.DECIMAL: "number",
        ValueType.MONEY: "number",
        ValueType.DATE: "date",
        ValueType.DATETIME: "datetime",
        ValueType.BOOLEAN: "boolean",
    }.get(value_type, "text")


def _ops(value_type: ValueType, definition: FieldDef | None) -> tuple[str, ...]:
    allowed = operators_for(value_type, definition)
    if value_type is ValueType.ID:
        allowed = frozenset({Op.IS_NULL})  # nobody types ids; a name path is offered instead
    ops = [op.value for op in _OP_ORDER if op in allowed]
    if Op.IS_NULL in allowed:
        ops += [IS_EMPTY, IS_NOT_EMPTY]
    return tuple(ops)


def filter_field(registry: Registry, entity: str, path: str, fmt: Translator) -> FilterField | None:
    """The builder's view of ``path`` on ``entity`` (None if it cannot be filtered)."""
    try:
        resolved, definition = resolve_path(registry.entities, entity, tuple(path.split(".")), 0)
    except ExpressionError:
        return None
    if definition is not None and definition.type in _SKIPPED:
        return None
    owner = registry.entity(resolved.entity)
    value_type = (
        ValueType.ID
        if definition is None
        else field_value_type(registry.entities, owner, definition)
    )
    options: tuple[tuple[str, str], ...] = ()
    if isinstance(definition, ChoiceField | MultiChoiceField):
        options = tuple(
            (value, fmt.option(resolved.entity, resolved.field, value))
            for value in definition.option_values()
        )
    elif value_type is ValueType.BOOLEAN:
        options = (("true", fmt("value.yes")), ("false", fmt("value.no")))
    return FilterField(
        path,
        fmt.path(entity, path),
        value_type,
        _ops(value_type, definition),
        _input_of(value_type, definition),
        options,
    )


def filterable_fields(
    registry: Registry, entity: str, fmt: Translator, hidden: frozenset[str]
) -> list[FilterField]:
    """Every field of ``entity`` the user may filter on, and each lookup's name."""
    found: list[FilterField] = []
    for name, definition in registry.entity(entity).fields.items():
        if name in hidden:
            continue
        own = filter_field(registry, entity, name, fmt)
        if own is not None:
            found.append(own)
        if isinstance(definition, LookupField):
            primary = registry.entity(definition.target).primary_field
            if primary:
                through = filter_field(registry, entity, f"{name}.{primary}", fmt)
                if through is not None:
                    found.append(through)
    return found


class FilterInputError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _read(value: str, field: FilterField, fmt: Translator) -> object:
    match field.value_type:
        case ValueType.INTEGER | ValueType.DECIMAL | ValueType.MONEY:
            try:
                number = fmt.parse_number(value)
            except ValueError:
                raise FilterInputError(
                    fmt("widget.not_a_number", example=fmt.number(Decimal("1234.5")))
                ) from None
            if field.value_type is ValueType.INTEGER and number == number.to_integral_value():
                return int(number)
            return number
        case ValueType.DATE:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise FilterInputError(fmt("widget.not_a_date")) from None
        case ValueType.DATETIME:
            try:
                return fmt.from_local_input(value)
            except ValueError:
                raise FilterInputError(fmt("widget.not_a_datetime")) from None
        case ValueType.BOOLEAN:
            return value == "true"
    return value


def compile_row(row: Row, field: FilterField, fmt: Translator) -> Filter:
    """One row as a storage filter; FilterInputError when a value cannot be read."""
    if row.op == IS_EMPTY:
        return Compare(field.path, Op.IS_NULL, True)
    if row.op == IS_NOT_EMPTY:
        return Compare(field.path, Op.IS_NULL, False)
    if row.op not in field.ops:
        raise FilterInputError(fmt("filter.bad_operator"))
    op = Op(row.op)
    if not row.values:
        raise FilterInputError(fmt("filter.needs_value"))
    if op in _LIST_OPS:
        return Compare(field.path, op, [_read(v, field, fmt) for v in row.values])
    if op is Op.BETWEEN:
        if len(row.values) != 2:
            raise FilterInputError(fmt("filter.needs_two"))
        return Compare(field.path, op, [_read(v, field, fmt) for v in row.values])
    return Compare(field.path, op, _read(row.values[0], field, fmt))


def compile_rows(
    registry: Registry,
    entity: str,
    rows: Sequence[Row],
    join: str,
    fmt: Translator,
    hidden: frozenset[str],
) -> tuple[Filter | None, list[RowView]]:
    """The rows as one filter (None if none is usable), and each row's view with its error."""
    compiled: list[Filter] = []
    views: list[RowView] = []
    for index, row in enumerate(rows):
        head = row.field.split(".", 1)[0]
        field = None if head in hidden else filter_field(registry, entity, row.field, fmt)
        if field is None:
            views.append(RowView(index, None, row.op, row.values, fmt("filter.unknown_field")))
            continue
        op = row.op if row.op in field.ops else field.ops[0]
        try:
            compiled.append(compile_row(Row(row.field, op, row.values), field, fmt))
            error = None
        except FilterInputError as exc:
            error = exc.message
        views.append(RowView(index, field, op, row.values, error))
    if not compiled:
        return None, views
    if len(compiled) == 1:
        return compiled[0], views
    return (AnyOf(tuple(compiled)) if join == "or" else AllOf(tuple(compiled))), views
