"""From a root field's selection to a fetch plan: what to load, level by level.

A list resolver does not let each row resolve its own related records (one SQL
statement per row). It reads its whole selection once, here, and returns a
:class:`ConnectionPlan` / :class:`NodePlan` tree saying which fields each level needs,
which lookups, polymorphic lookups and relations to follow, with which arguments.
:mod:`.fetch` then loads each level for all parents in one statement.

The selection is read from graphql-core's AST with fragments, ``@skip``/``@include``
and variables applied, and arguments coerced by their GraphQL types. Fields are
keyed by response key (alias or name), so two aliases of one relation with
different arguments are two fetches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionSetNode,
    get_argument_values,
    get_directive_values,
    is_abstract_type,
)
from graphql.execution.values import VariableValues

from xrm.platform.storage.filters import Filter, Search, all_of

from .catalog import Catalog, EntityApi, Lookup, LookupId, Polymorphic, Relation, Value
from .errors import BadRequest
from .filters import to_filter
from .limits import Budget, Limits
from .ordering import to_order

Collected = dict[str, list[FieldNode]]


@dataclass
class NodePlan:
    """What to load for rows of ``entity``: their fields and the related records to follow."""

    entity: str
    fields: set[str] = field(default_factory=set)
    lookups: dict[str, LookupPlan] = field(default_factory=dict)
    polymorphic: dict[str, PolymorphicPlan] = field(default_factory=dict)
    relations: dict[str, RelationPlan] = field(default_factory=dict)


@dataclass
class LookupPlan:
    field: str
    node: NodePlan


@dataclass
class PolymorphicPlan:
    field: str
    #: Target entity -> its plan, and the GraphQL type its rows resolve to.
    nodes: dict[str, NodePlan]
    type_names: dict[str, str]


@dataclass(frozen=True)
class ListArgs:
    """A connection's arguments, coerced and checked."""

    filter: Filter | None
    order: tuple[tuple[str, str, str | None], ...]
    size: int
    after: str | None = None
    before: str | None = None
    from_end: bool = False


@dataclass
class ConnectionPlan:
    entity: str
    args: ListArgs
    node: NodePlan
    total: bool = False
    cursors: bool = False


@dataclass
class RelationPlan:
    relation: str
    connection: ConnectionPlan
    #: The arguments as written, to refuse one response key with two meanings.
    signature: object = None


class Planner:
    """Plans the fetches of one root field from graphql-core's resolve info."""

    def __init__(
        self, catalog: Catalog, info: GraphQLResolveInfo[Any], limits: Limits, budget: Budget
    ) -> None:
        self.catalog = catalog
        self.info = info
        self.schema = info.schema
        variables: Any = info.variable_values
        # strawberry hands resolvers the coerced dict; graphql-core's helpers want the tuple.
        self.variables = (
            variables if isinstance(variables, VariableValues) else VariableValues({}, variables)
        )
        self.limits = limits
        self.budget = budget

    # ------------------------------------------------------------- selections

    def collect(self, nodes: Iterable[FieldNode], type_name: str) -> Collected:
        """The fields selected on ``type_name`` under ``nodes``, by response key."""
        found: Collected = {}
        runtime = self.schema.get_type(type_name)
        for node in nodes:
            if node.selection_set is not None:
                self._visit(node.selection_set, runtime, found)
        return found

    def _visit(self, selections: SelectionSetNode, runtime: Any, found: Collected) -> None:
        for selection in selections.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                found.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._matches(condition.name.value, runtime):
                    self._visit(selection.selection_set, runtime, found)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.info.fragments.get(selection.name.value)
                if fragment is not None and self._matches(
                    fragment.type_condition.name.value, runtime
                ):
                    self._visit(fragment.selection_set, runtime, found)

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def _matches(self, condition: str, runtime: Any) -> bool:
        wanted = self.schema.get_type(condition)
        if wanted is runtime:
            return True
        return is_abstract_type(wanted) and self.schema.is_sub_type(wanted, runtime)

    def arguments(self, type_name: str, node: FieldNode) -> dict[str, Any]:
        parent = self.schema.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType)
        definition = parent.fields[node.name.value]
        return get_argument_values(definition, node, self.variables)

    # ------------------------------------------------------------------- plans

    def list_args(self, api: EntityApi, args: Mapping[str, Any], where: str) -> ListArgs:
        first, last = args.get("first"), args.get("last")
        if first is not None and last is not None:
            raise BadRequest(f"{where}: give first or last, not both")
        from_end = last is not None
        size = self.limits.page_size(last if from_end else first, "last" if from_end else "first")
        search = args.get("search")
        condition = all_of(
            to_filter(self.catalog, api, args.get("filter")),
            Search(search) if search else None,
        )
        return ListArgs(
            condition,
            tuple(to_order(args.get("orderBy"))),
            size,
            args.get("after"),
            args.get("before"),
            from_end,
        )

    def connection(
        self,
        api: EntityApi,
        connection_type: str,
        nodes: list[FieldNode],
        args: ListArgs,
        parents: int,
    ) -> ConnectionPlan:
        """The plan of a connection over ``api`` fetched for ``parents`` parent rows."""
        rows = parents * args.size
        self.budget.spend(rows, f"{api.type_name} list")
        plan = ConnectionPlan(api.entity, args, NodePlan(api.entity))
        node_nodes: list[FieldNode] = []
        for fields in self.collect(nodes, connection_type).values():
            name = fields[0].name.value
            if name == "totalCount":
                plan.total = True
            elif name == "nodes":
                node_nodes.extend(fields)
            elif name == "edges":
                edge_type = self._field_type(connection_type, name)
                for edge_fields in self.collect(fields, edge_type).values():
                    edge_name = edge_fields[0].name.value
                    if edge_name == "cursor":
                        plan.cursors = True
                    elif edge_name == "node":
                        node_nodes.extend(edge_fields)
            elif name == "pageInfo":
                wanted = {f[0].name.value for f in self.collect(fields, "PageInfo").values()}
                if wanted & {"startCursor", "endCursor"}:
                    plan.cursors = True
        self.node(api, node_nodes, rows, plan.node)
        return plan

    def node(
        self, api: EntityApi, nodes: list[FieldNode], parents: int, plan: NodePlan
    ) -> NodePlan:
        """Fill ``plan`` with what the selection ``nodes`` on an ``api`` object needs."""
        for key, fields in self.collect(nodes, api.type_name).items():
            name = fields[0].name.value
            role = api.fields.get(name)
            match role:
                case Value(field=field_name) | LookupId(field=field_name):
                    plan.fields.add(field_name)
                case Lookup(field=field_name, target=target):
                    plan.fields.add(field_name)
                    self.budget.spend(parents, f"{api.type_name}.{name}")
                    target_api = self.catalog.entities[target]
                    lookup = plan.lookups.get(key)
                    if lookup is None:
                        lookup = plan.lookups[key] = LookupPlan(field_name, NodePlan(target))
                    self.node(target_api, fields, parents, lookup.node)
                case Polymorphic(field=field_name, targets=targets):
                    plan.fields.add(field_name)
                    poly = plan.polymorphic.get(key)
                    if poly is None:
                        poly = plan.polymorphic[key] = PolymorphicPlan(field_name, {}, {})
                    for target in targets:
                        self.budget.spend(parents, f"{api.type_name}.{name}")
                        target_api = self.catalog.entities[target]
                        node = poly.nodes.setdefault(target, NodePlan(target))
                        poly.type_names[target] = target_api.type_name
                        self.node(target_api, fields, parents, node)
                case Relation(relation=relation, path=path, connection=connection):
                    target_api = self.catalog.entities[path.target]
                    raw = self.arguments(api.type_name, fields[0])
                    if raw.get("last") is not None or raw.get("before") is not None:
                        raise BadRequest(f"{api.type_name}.{name} pages forward only")
                    args = self.list_args(target_api, raw, f"{api.type_name}.{name}")
                    signature = repr(sorted(raw.items(), key=lambda item: item[0]))
                    existing = plan.relations.get(key)
                    if existing is not None and existing.signature != signature:
                        raise BadRequest(
                            f"{key} is asked for twice with different arguments",
                            suggestion="give each an alias",
                        )
                    built = self.connection(target_api, connection, fields, args, parents)
                    if existing is not None:
                        _merge(existing.connection, built)
                    else:
                        plan.relations[key] = RelationPlan(relation, built, signature)
        return plan

    def _field_type(self, type_name: str, field_name: str) -> str:
        parent = self.schema.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType)
        found = parent.fields[field_name].type
        while hasattr(found, "of_type"):
            found = found.of_type
        return str(found.name)


def _merge(into: ConnectionPlan, other: ConnectionPlan) -> None:
    into.total = into.total or other.total
    into.cursors = into.cursors or other.cursors
    _merge_node(into.node, other.node)


def _merge_node(into: NodePlan, other: NodePlan) -> None:
    into.fields |= other.fields
    for key, lookup in other.lookups.items():
        if key in into.lookups:
            _merge_node(into.lookups[key].node, lookup.node)
        else:
            into.lookups[key] = lookup
    for key, poly in other.polymorphic.items():
        if key in into.polymorphic:
            for target, node in poly.nodes.items():
                _merge_node(into.polymorphic[key].nodes.setdefault(target, node), node)
        else:
            into.polymorphic[key] = poly
    for key, relation in other.relations.items():
        if key in into.relations:
            _merge(into.relations[key].connection, relation.connection)
        else:
            into.relations[key] = relation
