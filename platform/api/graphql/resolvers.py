"""Root query fields: ``opportunity(id)`` and ``opportunities(filter, orderBy, first, …)``.

Each plans its whole selection first (:mod:`.plan`), then loads it with one
repository call per level (:mod:`.fetch`), so the rest of the response is resolved
by plain dict reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import strawberry
from graphql import GraphQLResolveInfo
from strawberry.types.field import StrawberryField

from xrm.metamodel.system_fields import USER_ENTITY

from .catalog import Catalog, EntityApi
from .context import RequestContext
from .errors import BadRequest
from .fetch import list_page, load
from .limits import Limits
from .plan import NodePlan, Planner
from .types import Argument, TypeTable, connection_arguments, declare, field, optional


def raw_info(info: strawberry.Info) -> GraphQLResolveInfo[Any]:
    """graphql-core's resolve info behind strawberry's (AST, variables, fragments)."""
    found: GraphQLResolveInfo[Any] = info._raw_info
    return found


def request_context(info: GraphQLResolveInfo[Any]) -> RequestContext:
    context = info.context
    assert isinstance(context, RequestContext)
    return context


def planner(catalog: Catalog, info: GraphQLResolveInfo[Any]) -> Planner:
    context = request_context(info)
    return Planner(catalog, info, context.limits, context.budget)


def parse_id(value: object, argument: str = "id") -> UUID:
    """A record id from an ``ID`` argument; BadRequest when it is not one."""
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        raise BadRequest(f"{argument} {value!r} is not a record id (a UUID)") from None


_ID = Argument("id", "id", strawberry.ID, required=True)


def query_fields(catalog: Catalog, table: TypeTable, limits: Limits) -> list[StrawberryField]:
    fields: list[StrawberryField] = []
    for api in catalog.entities.values():
        returns = optional(table.ref(api.type_name))
        fields.append(
            field(
                f"one_{api.entity}",
                api.one,
                returns,
                resolver=declare(
                    _one(catalog, api),
                    [Argument("id", "id", strawberry.ID, required=True)],
                    returns,
                ),
                description=f"One {api.type_name} by id (null if none, or not yours to see).",
            )
        )
        connection = table.ref(catalog.names.type("Connection", api.entity))
        fields.append(
            field(
                f"many_{api.entity}",
                api.many,
                connection,
                resolver=declare(
                    _many(catalog, api),
                    connection_arguments(catalog, table, api, root=True),
                    connection,
                ),
                description=f"A page of {api.type_name} records "
                f"(first {limits.default_page_size} unless told; at most {limits.max_page_size}).",
            )
        )
    user = catalog.entities.get(USER_ENTITY)
    if user is not None:
        returns = optional(table.ref(user.type_name))
        fields.append(
            field(
                "me",
                "me",
                returns,
                resolver=declare(_me(catalog, user), [], returns),
                description="The signed-in user (the owner of the API token or session).",
            )
        )
    return fields


def _me(catalog: Catalog, api: EntityApi) -> Callable[..., Any]:
    def resolve(root: Any, info: strawberry.Info, **_: Any) -> Any:
        raw = raw_info(info)
        context = request_context(raw)
        if context.actor.user_id is None:
            return None
        node = planner(catalog, raw).node(api, raw.field_nodes, 1, NodePlan(api.entity))
        repository = context.repository()
        user_id = context.actor.user_id
        found = repository.get_many(api.entity, [user_id], fields=node.fields).get(user_id)
        if found is not None:
            load(repository, [found], node)
        return found

    return resolve


def _one(catalog: Catalog, api: EntityApi) -> Callable[..., Any]:
    def resolve(root: Any, info: strawberry.Info, **_: Any) -> Any:
        raw = raw_info(info)
        plan = planner(catalog, raw)
        id_ = parse_id(plan.arguments("Query", raw.field_nodes[0])["id"])
        node = plan.node(api, raw.field_nodes, 1, NodePlan(api.entity))
        repository = request_context(raw).repository()
        found = repository.get_many(api.entity, [id_], fields=node.fields).get(id_)
        if found is not None:
            load(repository, [found], node)
        return found

    return resolve


def _many(catalog: Catalog, api: EntityApi) -> Callable[..., Any]:
    connection_type = catalog.names.type("Connection", api.entity)

    def resolve(root: Any, info: strawberry.Info, **_: Any) -> Any:
        raw = raw_info(info)
        plan = planner(catalog, raw)
        args = plan.list_args(api, plan.arguments("Query", raw.field_nodes[0]), api.many)
        connection = plan.connection(api, connection_type, raw.field_nodes, args, 1)
        return list_page(request_context(raw).repository(), connection)

    return resolve
