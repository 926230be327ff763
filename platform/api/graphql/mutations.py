"""Mutations: create, update, delete, bulk create/upsert, and link/unlink for N:N relations.

Every mutation field runs in its own SAVEPOINT of the request's write transaction
(:meth:`~.context.RequestContext.mutation`): a refused field changes nothing and
the fields after it still run, as GraphQL promises. Values are validated by the
repository, the same way for every channel; its errors come back with the input
path of each problem (``extensions.fields``).

``createOpportunities(inputs, upsertOn)`` writes a whole batch in one go, all or
nothing: with ``upsertOn``, rows whose fields match an existing record update it.
Every refused row is reported, each with its position.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.types.field import StrawberryField

from xrm.platform.storage.errors import NotFoundError, StorageError

from .catalog import Catalog, EntityApi, LinkApi
from .errors import BadRequest, from_storage
from .fetch import load
from .inputs import input_path, link_path, link_values, to_values
from .limits import Limits
from .plan import NodePlan, Planner
from .resolvers import parse_id, planner, raw_info, request_context
from .types import Argument, TypeTable, declare, field, list_of, optional, string_enum

Resolver = Callable[..., Any]


def mutation_fields(catalog: Catalog, table: TypeTable, limits: Limits) -> list[StrawberryField]:
    fields: list[StrawberryField] = []
    for api in catalog.entities.values():
        names = catalog.names
        # Nullable: a refused mutation field must not null the others' results.
        record = optional(table.ref(api.type_name))
        create_input = table.ref(names.type("CreateInput", api.entity))
        fields.append(
            _field(
                names.mutation_field("create", api.entity),
                _create(catalog, api),
                [Argument("input", "input", create_input, required=True)],
                record,
                f"Create a {api.type_name}.",
            )
        )
        if names.types.taken(names.type("UpdateInput", api.entity)) and api.inputs:
            fields.append(
                _field(
                    names.mutation_field("update", api.entity),
                    _update(catalog, api),
                    [
                        Argument("id", "id", strawberry.ID, required=True),
                        Argument(
                            "input",
                            "input",
                            table.ref(names.type("UpdateInput", api.entity)),
                            required=True,
                        ),
                        Argument(
                            "expected_version",
                            "expectedVersion",
                            int,
                            description="Refuse (CONFLICT) if the record is no longer at it.",
                        ),
                    ],
                    record,
                    f"Change a {api.type_name}: given fields only.",
                )
            )
        fields.append(
            _field(
                names.mutation_field("delete", api.entity),
                _delete(catalog, api),
                [
                    Argument("id", "id", strawberry.ID, required=True),
                    Argument("expected_version", "expectedVersion", int),
                ],
                optional(strawberry.ID),
                f"Delete a {api.type_name}; returns its id.",
            )
        )
        fields.append(_bulk_field(catalog, table, api, limits))
        for link in api.links:
            fields.extend(_link_fields(catalog, table, api, link))
    return fields


def _field(
    name: str, resolve: Resolver, arguments: list[Argument], returns: object, description: str
) -> StrawberryField:
    return field(
        f"m_{name}",
        name,
        returns,
        resolver=declare(resolve, arguments, returns),
        description=description,
    )


def _record(repository: Any, planned: Planner, api: EntityApi, info: Any, record: Any) -> Any:
    node = planned.node(api, info.field_nodes, 1, NodePlan(api.entity))
    load(repository, [record], node)
    return record


def _create(catalog: Catalog, api: EntityApi) -> Resolver:
    def resolve(root: Any, info: strawberry.Info, **_: Any) -> Any:
        raw = raw_info(info)
        planned = planner(catalog, raw)
        args = planned.arguments("Mutation", raw.field_nodes[0])
        with request_context(raw).mutation() as repository:
            try:
                record = repository.create(api.entity, to_values(api, args["input"]))
            except StorageError as exc:
                raise from_storage(exc, input_path(api, "input")) from exc
            return _record(repository, planned, api, raw, record)

    return resolve


def _update(catalog: Catalog, api: EntityApi) -> Resolver:
    def resolve(root: Any, info: strawberry.Info, **_: Any) -> Any:
        raw = raw_info(info)
        planned = planner(catalog, raw)
        args = planned.arguments("Mutation", raw.field_nodes[0])
        id_ = parse_id(args["id"])
        with request_context(raw).mutation() as repository:
            try:
                record = repository.update(
                    api.entity,
                    id_,
                    to_values(api, args["input"]),
                    expected_version=args.get("expectedVersion"),
                )
            except StorageError as exc:
                raise from_storage(exc, input_path(api, "input")) from exc
            return _record(repository, planned, api, raw, record)

    return resolve


def _delete(catalog: Catalog, api: EntityApi) -> Resolver:
    def resolve(root: Any, info: strawberry.Info, **_: Any) -> Any:
        raw = raw_info(info)
        values = planner(catalog, raw).arguments("Mutation", raw.field_nodes[0])
        id_ = parse_id(values["id"])
        with request_context(raw).mutation() as repository:
            try:
                repository.delete(api.entity, id_, expected_version=values.get("expectedVersion"))
            except StorageError as exc:
                raise from_storage(exc) from exc
        return str(id_)

    return resolve


# ------------------------------------------------------------------------ bulk


def _bulk_field(
    catalog: Catalog, table: TypeTable, api: EntityApi, limits: Limits
) -> StrawberryField:
    names = catalog.names
    item = names.type("BulkItem", api.entity)
    payload = names.type("BulkPayload", api.entity)
    table.add(
        item,
        [
            field("record", "record", table.ref(api.type_name)),
            field("created", "created", bool, description="false: an existing record was updated."),
        ],
        description="One written record of a bulk write, in input order.",
    )
    table.add(
        payload,
        [
            field("items", "items", list_of(table.ref(item))),
            field("created_count", "createdCount", int),
            field("updated_count", "updatedCount", int),
        ],
        description=f"What a bulk write of {api.type_name} records did.",
    )
    upsert = names.type("UpsertField", api.entity)
    members = string_enum(upsert, dict(api.upsert))
    table.types[upsert] = strawberry.enum(
        members, name=upsert, description=f"Fields that can identify a {api.type_name}."
    )
    arguments = [
        Argument(
            "inputs",
            "inputs",
            list_of(table.ref(names.type("CreateInput", api.entity))),
            required=True,
            description=f"At most {limits.max_batch} records.",
        ),
        Argument(
            "upsert_on",
            "upsertOn",
            list_of(table.ref(upsert)),
            description="Update the records these fields match; create the others.",
        ),
    ]
    return _field(
        names.mutation_field("create", api.entity, many=True),
        _bulk(catalog, api, item, payload),
        arguments,
        optional(table.ref(payload)),
        f"Create (or upsert) many {api.type_name} records in one transaction: all or nothing.",
    )


def _bulk(catalog: Catalog, api: EntityApi, item: str, payload: str) -> Resolver:
    def resolve(root: Any, info: strawberry.Info, **_: Any) -> Any:
        raw = raw_info(info)
        planned = planner(catalog, raw)
        context = request_context(raw)
        args = planned.arguments("Mutation", raw.field_nodes[0])
        inputs = args["inputs"]
        if len(inputs) > context.limits.max_batch:
            raise BadRequest(
                f"{len(inputs)} records are more than the {context.limits.max_batch} allowed "
                "in one call",
                suggestion="split them into several calls",
            )
        rows = [to_values(api, one) for one in inputs]
        key = [_member(m) for m in args.get("upsertOn") or []]
        node = NodePlan(api.entity)
        for fields in planned.collect(raw.field_nodes, payload).values():
            if fields[0].name.value == "items":
                for sub in planned.collect(fields, item).values():
                    if sub[0].name.value == "record":
                        planned.node(api, sub, len(rows), node)
        with context.mutation() as repository:
            try:
                if key:
                    written = repository.upsert_many(api.entity, rows, key)
                else:
                    written = [(id_, True) for id_ in repository.create_many(api.entity, rows)]
            except StorageError as exc:
                raise from_storage(exc, input_path(api, "inputs")) from exc
            found = repository.get_many(api.entity, [id_ for id_, _ in written], fields=node.fields)
            load(repository, list(found.values()), node)
        created = sum(1 for _, was_created in written if was_created)
        return {
            "items": [{"record": found[id_], "created": c} for id_, c in written if id_ in found],
            "created_count": created,
            "updated_count": len(written) - created,
        }

    return resolve


def _member(value: object) -> str:
    return str(getattr(value, "value", value))


# ----------------------------------------------------------------------- links


def _link_fields(
    catalog: Catalog, table: TypeTable, api: EntityApi, link: LinkApi
) -> list[StrawberryField]:
    record = optional(table.ref(api.type_name))
    targets = catalog.entities[link.target].type_name
    base = [
        Argument("id", "id", strawberry.ID, required=True),
        Argument("target_ids", "targetIds", list[strawberry.ID], required=True),
    ]
    link_arguments = list(base)
    if link.input is not None:
        link_arguments.append(
            Argument("fields", "fields", table.ref(link.input), description="Stored on each link.")
        )
    return [
        _field(
            link.link,
            _linker(catalog, api, link, unlink=False),
            link_arguments,
            record,
            f"Link {targets} records through {link.relation} (linking again updates the fields).",
        ),
        _field(
            link.unlink,
            _linker(catalog, api, link, unlink=True),
            base,
            record,
            f"Remove {targets} records from {link.relation}.",
        ),
    ]


def _linker(catalog: Catalog, api: EntityApi, link: LinkApi, *, unlink: bool) -> Resolver:
    def resolve(root: Any, info: strawberry.Info, **_: Any) -> Any:
        raw = raw_info(info)
        planned = planner(catalog, raw)
        args = planned.arguments("Mutation", raw.field_nodes[0])
        id_ = parse_id(args["id"])
        targets = [parse_id(t, "targetIds") for t in args["targetIds"]]
        values = link_values(link, args.get("fields"))
        with request_context(raw).mutation() as repository:
            try:
                for target in targets:
                    if unlink:
                        repository.unlink(api.entity, link.relation, id_, target)
                    else:
                        repository.link(api.entity, link.relation, id_, target, values)
                node = planned.node(api, raw.field_nodes, 1, NodePlan(api.entity))
                record = repository.get_many(api.entity, [id_], fields=node.fields).get(id_)
                if record is None:
                    raise NotFoundError(api.entity, id_)
            except StorageError as exc:
                raise from_storage(exc, link_path(link)) from exc
            load(repository, [record], node)
            return record

    return resolve
