"""``opportunitiesAggregate(filter, search, groupBy, first)``: counts, sums, averages, extremes.

Returns one item per group (one item when not grouped), each with its ``key``
(the grouped fields' values; a lookup's key shows the record, fetched for all groups
at once), ``count`` and the ``sum``/``avg``/``min``/``max`` of the numeric (and, for
min/max, date) fields that were selected. Only what is selected is computed, in one
statement. Dates group by themselves or by ``bucket``: DAY, WEEK (from Monday),
MONTH, QUARTER or YEAR, in UTC; the key is the bucket's first day.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, StrEnum
from typing import Any

import strawberry
from strawberry.types.field import StrawberryField

from xrm.metamodel.types import Aggregate
from xrm.platform.storage.aggregates import MAX_GROUPS, Bucket, GroupKey, Measure
from xrm.platform.storage.filters import Search, all_of

from .catalog import Catalog, EntityApi, Scalar, Shape
from .errors import BadRequest
from .fetch import load
from .filters import to_filter
from .names import python_name
from .plan import LookupPlan, NodePlan
from .resolvers import planner, raw_info, request_context
from .types import Argument, TypeTable, declare, field, list_of, nested, optional, string_enum

#: Default number of groups returned.
DEFAULT_GROUPS = 100


@strawberry.enum(description="A span of time to group dates by (in UTC).")
class DateBucket(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_MEASURES = {"sum": Aggregate.SUM, "avg": Aggregate.AVG, "min": Aggregate.MIN, "max": Aggregate.MAX}
_TYPES = {"sum": "Sums", "avg": "Averages", "min": "Minimums", "max": "Maximums"}


def _names(catalog: Catalog, api: EntityApi) -> dict[str, str]:
    kinds = ("Aggregate", "GroupKey", "GroupBy", "GroupField", "Sums", "Averages")
    found = {kind: catalog.names.type(kind, api.entity) for kind in kinds}
    found["Minimums"] = catalog.names.type("Minimums", api.entity)
    found["Maximums"] = catalog.names.type("Maximums", api.entity)
    return found


def build_aggregate_types(catalog: Catalog, table: TypeTable) -> None:
    for api in catalog.entities.values():
        names = _names(catalog, api)
        fields: list[StrawberryField] = []
        if api.groups:
            _group_types(catalog, table, api, names)
            fields.append(
                field(
                    "key",
                    "key",
                    optional(table.ref(names["GroupKey"])),
                    description="The group's values (null when not grouped).",
                )
            )
        fields.append(field("count", "count", int, description="Records in the group."))
        for kind, name, source in (
            ("sum", "Sums", api.numeric),
            ("avg", "Averages", api.numeric),
            ("min", "Minimums", api.ordered),
            ("max", "Maximums", api.ordered),
        ):
            if not source:
                continue
            values = [
                field(
                    python_name(storage),
                    graphql,
                    optional(table.shape(Shape(Scalar.DECIMAL) if kind == "avg" else shape)),
                )
                for graphql, (storage, shape) in source.items()
            ]
            table.add(names[name], values, description=f"The {kind} of each field in a group.")
            fields.append(field(kind, kind, table.ref(names[name])))
        table.add(names["Aggregate"], fields, description=f"Aggregates of {api.type_name} records.")


def _group_types(catalog: Catalog, table: TypeTable, api: EntityApi, names: dict[str, str]) -> None:
    members = string_enum(names["GroupField"], {k: g.field for k, g in api.groups.items()})
    table.types[names["GroupField"]] = strawberry.enum(members, name=names["GroupField"])
    table.add(
        names["GroupBy"],
        [
            field("field", "field", table.ref(names["GroupField"])),
            field(
                "bucket",
                "bucket",
                optional(DateBucket),
                optional_input=True,
                description="For dates: group by this span instead of the exact date.",
            ),
        ],
        is_input=True,
        description=f"One field to group {api.type_name} records by.",
    )
    key_fields: list[StrawberryField] = []
    for group in api.groups.values():
        if group.target is not None:
            target = table.ref(catalog.entities[group.target].type_name)
            key_fields.append(
                field(
                    f"x_{group.key}",
                    group.key,
                    optional(target),
                    resolver=declare(nested, [], optional(target)),
                )
            )
            key_fields.append(
                field(python_name(group.field), group.key + "Id", optional(strawberry.ID))
            )
        else:
            annotation = optional(table.shape(group.shape))
            key_fields.append(field(python_name(group.field), group.key, annotation))
    table.add(names["GroupKey"], key_fields, description=f"What a {api.type_name} group shares.")


def aggregate_field(catalog: Catalog, table: TypeTable, api: EntityApi) -> StrawberryField:
    names = _names(catalog, api)
    returns = list_of(table.ref(names["Aggregate"]))
    arguments = [Argument("filter", "filter", table.ref(catalog.names.type("Filter", api.entity)))]
    if api.searchable:
        arguments.append(Argument("search", "search", str))
    if api.groups:
        arguments.append(
            Argument(
                "group_by",
                "groupBy",
                list_of(table.ref(names["GroupBy"])),
                description="Fields to group by; without it, one item over every record.",
            )
        )
    arguments.append(
        Argument("first", "first", int, description=f"At most this many groups ({MAX_GROUPS}).")
    )
    return field(
        f"aggregate_{api.entity}",
        api.aggregate,
        returns,
        resolver=declare(_resolver(catalog, api, names), arguments, returns),
        description=f"Counts, sums, averages and extremes of {api.type_name} records.",
    )


def _resolver(catalog: Catalog, api: EntityApi, names: dict[str, str]) -> Callable[..., Any]:
    by_graphql = {group.key: group for group in api.groups.values()}

    def resolve(root: Any, info: strawberry.Info, **_: Any) -> Any:
        raw = raw_info(info)
        plan = planner(catalog, raw)
        args = plan.arguments("Query", raw.field_nodes[0])
        search = args.get("search")
        condition = all_of(
            to_filter(catalog, api, args.get("filter")), Search(search) if search else None
        )
        first = args.get("first")
        limit = DEFAULT_GROUPS if first is None else first
        if not 1 <= limit <= MAX_GROUPS:
            raise BadRequest(f"first must be between 1 and {MAX_GROUPS}, not {limit}")
        group_by = [
            GroupKey(_value(item["field"]), _bucket(item.get("bucket")))
            for item in args.get("groupBy") or []
        ]
        measures: dict[tuple[str, str], Measure] = {}
        key_plan = NodePlan(api.entity)
        selected = plan.collect(raw.field_nodes, names["Aggregate"])
        for fields in selected.values():
            name = fields[0].name.value
            if name in _MEASURES:
                sub_type = names[_TYPES[name]]
                source = api.numeric if name in ("sum", "avg") else api.ordered
                for sub in plan.collect(fields, sub_type).values():
                    storage = source[sub[0].name.value][0]
                    measures[(name, storage)] = Measure(_MEASURES[name], storage)
            elif name == "key":
                for key, sub in plan.collect(fields, names["GroupKey"]).items():
                    group = by_graphql.get(sub[0].name.value)
                    if group is not None and group.target is not None:
                        target_api = catalog.entities[group.target]
                        node = plan.node(target_api, sub, limit, NodePlan(group.target))
                        key_plan.lookups[key] = LookupPlan(group.field, node)
        repository = request_context(raw).repository()
        rows = repository.aggregate(
            api.entity,
            filter=condition,
            group_by=group_by,
            measures=[Measure(Aggregate.COUNT), *measures.values()],
            limit=limit,
        )
        items: list[dict[str, Any]] = []
        for row in rows:
            item: dict[str, Any] = {"key": dict(row.group) if group_by else None}
            item["count"] = row.values[Measure(Aggregate.COUNT)]
            for kind in _MEASURES:
                item[kind] = {s: row.values[m] for (k, s), m in measures.items() if k == kind}
            items.append(item)
        keys = [item["key"] for item in items if item["key"] is not None]
        load(repository, keys, key_plan)
        return items

    return resolve


def _bucket(member: object) -> Bucket | None:
    return None if member is None else Bucket(_value(member))


def _value(member: object) -> str:
    return str(member.value) if isinstance(member, Enum) else str(member)
