"""Filter inputs: the GraphQL shape of storage's structured filters, and the way back.

Per entity a ``<Type>Filter`` input with one operator input per field (``StringFilter``
for text, ``<Enum>Filter`` for a choice…), the related record of a lookup
(``account: {name: {startsWith: "Ac"}}``), its id (``accountId: {eq: …}``), one input per
target of a polymorphic lookup, ``some``/``none``/``every`` over to-many relations, and
``and``/``or``/``not``. All fields of one input must hold (AND).

:func:`to_filter` turns the argument value graphql-core coerced (a dict keyed by
GraphQL names) into a :data:`~xrm.platform.storage.filters.Filter`; the storage
filter compiler checks every value against its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

from xrm.platform.storage.filters import (
    AllOf,
    AnyOf,
    Compare,
    Filter,
    Not,
    Op,
    Quantifier,
    Related,
    Through,
    all_of,
)

from .catalog import (
    Catalog,
    EntityApi,
    LookupFilter,
    PolymorphicFilter,
    RelationFilter,
    Scalar,
    ValueFilter,
)
from .errors import BadRequest
from .scalars import PYTHON_TYPES
from .types import TypeTable, field, list_of, optional

#: Operator fields of the operator inputs, by GraphQL name.
OPERATORS: Final[dict[str, Op]] = {
    "eq": Op.EQ,
    "neq": Op.NEQ,
    "in": Op.IN,
    "notIn": Op.NOT_IN,
    "lt": Op.LT,
    "lte": Op.LTE,
    "gt": Op.GT,
    "gte": Op.GTE,
    "between": Op.BETWEEN,
    "isNull": Op.IS_NULL,
    "contains": Op.CONTAINS,
    "startsWith": Op.STARTS_WITH,
    "endsWith": Op.ENDS_WITH,
    "iEq": Op.I_EQ,
    "iContains": Op.I_CONTAINS,
    "iStartsWith": Op.I_STARTS_WITH,
    "iEndsWith": Op.I_ENDS_WITH,
    "hasAny": Op.HAS_ANY,
    "hasAll": Op.HAS_ALL,
}
_PYTHON: Final = {graphql: op.value for graphql, op in OPERATORS.items()}
_LISTS: Final = frozenset({"in", "notIn", "between", "hasAny", "hasAll"})
_EQUALITY: Final = ("eq", "neq", "in", "notIn", "isNull")
_ORDERED: Final = (*_EQUALITY, "lt", "lte", "gt", "gte", "between")
_TEXT: Final = (
    *_ORDERED,
    "contains",
    "startsWith",
    "endsWith",
    "iEq",
    "iContains",
    "iStartsWith",
    "iEndsWith",
)
_DESCRIPTIONS: Final = {
    "between": "Both ends included: [low, high].",
    "isNull": "true: the value is missing; false: it is present.",
    "iEq": "Equal, ignoring case.",
    "hasAny": "At least one of these options is chosen.",
    "hasAll": "Every one of these options is chosen.",
}

#: The operators of each scalar's filter input.
SCALAR_FILTERS: Final[dict[str, tuple[Scalar, tuple[str, ...]]]] = {
    "StringFilter": (Scalar.STRING, _TEXT),
    "IntFilter": (Scalar.INT, _ORDERED),
    "BigIntFilter": (Scalar.BIG_INT, _ORDERED),
    "DecimalFilter": (Scalar.DECIMAL, _ORDERED),
    "BooleanFilter": (Scalar.BOOLEAN, ("eq", "neq", "isNull")),
    "DateFilter": (Scalar.DATE, _ORDERED),
    "DateTimeFilter": (Scalar.DATETIME, _ORDERED),
    "IDFilter": (Scalar.ID, _EQUALITY),
}


def _operator_input(table: TypeTable, name: str, value: object, operators: tuple[str, ...]) -> None:
    fields = []
    for graphql in operators:
        if graphql == "isNull":
            annotation: object = bool
        elif graphql in _LISTS:
            annotation = list_of(value)
        else:
            annotation = value
        fields.append(
            field(
                _PYTHON[graphql],
                graphql,
                optional(annotation),
                description=_DESCRIPTIONS.get(graphql),
                optional_input=True,
            )
        )
    table.add(name, fields, is_input=True, description="Conditions on one value (all must hold).")


def build_filter_inputs(catalog: Catalog, table: TypeTable) -> None:
    """The operator inputs, and every entity's ``Filter`` and ``ManyFilter`` inputs."""
    for name, (scalar, operators) in SCALAR_FILTERS.items():
        _operator_input(table, name, PYTHON_TYPES[scalar], operators)
    for enum, (name, many) in catalog.enum_filters.items():
        operators = ("hasAny", "hasAll", "isNull") if many else _EQUALITY
        _operator_input(table, name, table.ref(enum), operators)
    for name, targets in catalog.polymorphic_filters.items():
        fields = [
            field(
                graphql,
                graphql,
                optional(table.ref(catalog.names.type("Filter", entity))),
                optional_input=True,
                description=f"It points at a {catalog.entities[entity].type_name} matching this.",
            )
            for graphql, entity in targets.items()
        ]
        fields.append(field("is_null", "isNull", optional(bool), optional_input=True))
        table.add(name, fields, is_input=True)
    for api in catalog.entities.values():
        _entity_filter(catalog, table, api)


def _entity_filter(catalog: Catalog, table: TypeTable, api: EntityApi) -> None:
    own = catalog.names.type("Filter", api.entity)
    fields = []
    for graphql, role in api.filters.items():
        match role:
            case ValueFilter(input=input_name) | PolymorphicFilter(input=input_name):
                annotation = table.ref(input_name)
            case LookupFilter(target=target):
                annotation = table.ref(catalog.names.type("Filter", target))
            case RelationFilter(target=target):
                annotation = table.ref(catalog.names.type("ManyFilter", target))
        fields.append(field(f"x_{graphql}", graphql, optional(annotation), optional_input=True))
    fields += [
        field("and_", "and", optional(list_of(table.ref(own))), optional_input=True),
        field("or_", "or", optional(list_of(table.ref(own))), optional_input=True),
        field("not_", "not", optional(table.ref(own)), optional_input=True),
    ]
    table.add(own, fields, is_input=True, description=f"Conditions on {api.type_name} records.")
    many = catalog.names.type("ManyFilter", api.entity)
    table.add(
        many,
        [
            field(q.value, q.value, optional(table.ref(own)), optional_input=True)
            for q in Quantifier
        ],
        is_input=True,
        description=f"Conditions on a list of {api.type_name} records: some, none or every.",
    )


# ------------------------------------------------------------------ conversion


def to_filter(catalog: Catalog, api: EntityApi, raw: Mapping[str, Any] | None) -> Filter | None:
    """The storage filter for a coerced ``<Type>Filter`` value (None: no condition)."""
    if raw is None:
        return None
    parts: list[Filter | None] = []
    for key, value in raw.items():
        if value is None:
            continue  # an explicit null: no condition
        if key == "and":
            parts.append(AllOf(tuple(_present(catalog, api, item) for item in value)))
        elif key == "or":
            parts.append(AnyOf(tuple(_present(catalog, api, item) for item in value)))
        elif key == "not":
            parts.append(Not(_present(catalog, api, value)))
        else:
            parts.append(_field_filter(catalog, api, api.filters[key], key, value))
    return all_of(*parts)


def _present(catalog: Catalog, api: EntityApi, raw: Mapping[str, Any]) -> Filter:
    return to_filter(catalog, api, raw) or AllOf(())


def _field_filter(
    catalog: Catalog, api: EntityApi, role: Any, key: str, value: Mapping[str, Any]
) -> Filter | None:
    match role:
        case ValueFilter(field=name):
            return all_of(*(_compare(name, key, op, operand) for op, operand in value.items()))
        case LookupFilter(field=name, target=target):
            return Through(name, _present(catalog, catalog.entities[target], value))
        case PolymorphicFilter(field=name, targets=targets):
            parts: list[Filter | None] = []
            for target_key, inner in value.items():
                if inner is None:
                    continue
                if target_key == "isNull":
                    parts.append(Compare(name, Op.IS_NULL, inner))
                    continue
                target = targets[target_key]
                inner_filter = _present(catalog, catalog.entities[target], inner)
                parts.append(Through(name, inner_filter, target))
            return all_of(*parts)
        case RelationFilter(relation=relation, target=target):
            target_api = catalog.entities[target]
            return all_of(
                *(
                    Related(relation, Quantifier(q), to_filter(catalog, target_api, inner))
                    for q, inner in value.items()
                    if inner is not None
                )
            )
    raise BadRequest(f"cannot filter {api.type_name} by {key}")  # pragma: no cover


def _compare(name: str, key: str, op: str, operand: object) -> Filter | None:
    if operand is None:
        if op == "isNull":
            return None
        raise BadRequest(
            f"{key}.{op} needs a value", suggestion="to find missing values use isNull: true"
        )
    return Compare(name, OPERATORS[op], plain(operand))


def plain(value: object) -> object:
    """An input value as storage reads it: enum members become their option, recursively."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value
