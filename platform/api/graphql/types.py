"""Output types: per entity an object type, its connection and edges; enums and unions.

Types are made at run time from the :class:`~.catalog.Catalog` with ``type(...)`` +
``strawberry.type``. Generated types refer to each other in cycles (an account's
opportunities, an opportunity's account), so fields name other generated types
through :meth:`TypeTable.ref`, a lazy reference strawberry resolves when it builds
the schema, once every type exists.

Rows are plain dicts. A value field's Python name is the row key, so strawberry's
default resolver (``dict.get``, see :mod:`.schema`) reads it directly. Fields whose
values are fetched per level (lookups, polymorphic lookups, relations) are stored
in the row under ``"@" + response key`` by :mod:`.fetch` (so two aliases of one
relation with different arguments never collide), and read back by :func:`nested`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Final, Optional, Union

import strawberry
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType

from .catalog import (
    Catalog,
    EntityApi,
    EnumSpec,
    LinkField,
    Lookup,
    LookupId,
    Polymorphic,
    Relation,
    Shape,
    Value,
    describe,
)
from .names import enum_value, python_name
from .scalars import INPUT_TYPES, PYTHON_TYPES

_OPTIONAL: Any = Optional
_STR_ENUM: Any = StrEnum
_UNION: Any = Union
_ANNOTATED: Any = Annotated
_LIST: Any = list


def string_enum(name: str, members: dict[str, str]) -> type[StrEnum]:
    """A ``StrEnum`` made at run time (option values by GraphQL name)."""
    made: type[StrEnum] = _STR_ENUM(name, members)
    return made


def optional(annotation: object) -> Any:
    """``Optional[annotation]`` for an annotation only known at run time."""
    return _OPTIONAL[annotation]


def list_of(annotation: object) -> Any:
    """``list[annotation]`` for an annotation only known at run time."""
    return _LIST[annotation]


#: Key prefix of pre-fetched nested values in a row.
NESTED: Final = "@"
#: Key naming the GraphQL type of a row reached through a polymorphic lookup.
TYPENAME: Final = "@type"


@dataclasses.dataclass(frozen=True)
class _Forward(LazyType[Any, Any]):
    """A reference to a generated type by name, resolved from the table at build time.

    ``schema`` tells apart the same name in two schemas: ``typing`` caches
    ``Optional[ref]`` by equality, and must never hand one schema another's types.
    """

    schema: str = ""
    table: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    def resolve_type(self) -> type[Any]:
        found: type[Any] = self.table[self.type_name]
        return found


@dataclass(frozen=True)
class Argument:
    """One argument of a generated field."""

    python: str
    graphql: str
    annotation: object
    required: bool = False
    description: str | None = None


class TypeTable:
    """The generated types of one schema, by GraphQL name."""

    def __init__(self) -> None:
        self.types: dict[str, Any] = {}
        self.key = uuid.uuid4().hex

    def ref(self, name: str) -> Any:
        """A lazy reference to the generated type ``name`` (it may not exist yet)."""
        return _Forward(name, "xrm.generated", None, self.key, self.types)

    def add(
        self,
        name: str,
        fields: Sequence[StrawberryField],
        *,
        description: str | None = None,
        is_input: bool = False,
        one_of: bool = False,
    ) -> Any:
        namespace: dict[str, Any] = {f.python_name: f for f in fields}
        namespace["__annotations__"] = {f.python_name: f.type_annotation.annotation for f in fields}  # type: ignore[union-attr]
        cls = type(name, (), namespace)
        if is_input:
            made = strawberry.input(cls, name=name, description=description, one_of=one_of)
        else:
            made = strawberry.type(cls, name=name, description=description)
        self.types[name] = made
        return made

    def enum(self, spec: EnumSpec) -> Any:
        if spec.name not in self.types:
            members = {enum_value(option): option for option in spec.options}
            python_enum = string_enum(spec.name, members)
            self.types[spec.name] = strawberry.enum(
                python_enum, name=spec.name, description=spec.description
            )
        return self.types[spec.name]

    def shape(self, shape: Shape, *, as_input: bool = False) -> Any:
        """The annotation of a value of ``shape`` (not null; wrap in Optional where needed)."""
        if shape.enum is not None:
            member = self.ref(shape.enum)
            return list_of(member) if shape.many else member
        assert shape.scalar is not None
        return (INPUT_TYPES if as_input else PYTHON_TYPES)[shape.scalar]


def field(
    python: str,
    graphql: str,
    annotation: object,
    *,
    resolver: Callable[..., Any] | None = None,
    description: str | None = None,
    optional_input: bool = False,
) -> StrawberryField:
    """A field named ``graphql`` in the schema and ``python`` on the class (the row key)."""
    made: StrawberryField
    if resolver is not None:
        made = strawberry.field(
            resolver=resolver, name=graphql, graphql_type=annotation, description=description
        )
    elif optional_input:
        made = strawberry.field(
            name=graphql, graphql_type=annotation, description=description, default=strawberry.UNSET
        )
    else:
        made = strawberry.field(name=graphql, graphql_type=annotation, description=description)
    # Keywords cannot be dataclass fields; such fields read their row key by resolver.
    made.python_name = python_name(python)
    return made


def declare(
    function: Callable[..., Any], arguments: Sequence[Argument], returns: object
) -> Callable[..., Any]:
    """A resolver calling ``function(root, info, **kwargs)`` whose signature declares
    ``arguments`` (strawberry reads the signature to publish them)."""

    def resolver(root: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return function(root, info, **kwargs)

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter(
            "info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info
        ),
    ]
    for argument in arguments:
        annotation = _ANNOTATED[
            argument.annotation if argument.required else optional(argument.annotation),
            strawberry.argument(name=argument.graphql, description=argument.description),
        ]
        default = inspect.Parameter.empty if argument.required else strawberry.UNSET
        params.append(
            inspect.Parameter(argument.python, keyword, default=default, annotation=annotation)
        )
    signature = inspect.Signature(params, return_annotation=returns)
    resolver.__signature__ = signature  # type: ignore[attr-defined]
    resolver.__annotations__ = {
        p.name: p.annotation for p in params if p.annotation is not inspect.Parameter.empty
    } | {"return": returns}
    return resolver


def nested(root: Any, info: strawberry.Info, **arguments: Any) -> Any:
    """A value :mod:`.fetch` stored in the row for this field's response key."""
    return root.get(f"{NESTED}{info.path.key}")


def _read_key(name: str) -> Callable[..., Any]:
    def read(root: Any) -> Any:
        return root.get(name)

    return read


# ---------------------------------------------------------------- shared types


@strawberry.type(description="Where a page of a connection starts and ends.")
class PageInfo:
    has_next_page: bool = strawberry.field(name="hasNextPage")
    has_previous_page: bool = strawberry.field(name="hasPreviousPage")
    start_cursor: str | None = strawberry.field(name="startCursor")
    end_cursor: str | None = strawberry.field(name="endCursor")


# ------------------------------------------------------------------ builders


def connection_arguments(
    catalog: Catalog, table: TypeTable, target: EntityApi, *, root: bool
) -> list[Argument]:
    """``filter``, ``orderBy``, ``first``, ``after`` (and at the root ``last``, ``before``)."""
    names = catalog.names
    arguments = [Argument("filter", "filter", table.ref(names.type("Filter", target.entity)))]
    if target.order:
        order_by = table.ref(names.type("OrderBy", target.entity))
        arguments.append(
            Argument(
                "order_by",
                "orderBy",
                list_of(order_by),
                description="Sort keys, most significant first; ties end with the id.",
            )
        )
    arguments += [
        Argument("first", "first", int, description="At most this many records from the start."),
        Argument("after", "after", str, description="Start after this cursor."),
    ]
    if root:
        arguments += [
            Argument("last", "last", int, description="At most this many records from the end."),
            Argument("before", "before", str, description="End before this cursor."),
        ]
    if target.searchable:
        arguments.append(
            Argument("search", "search", str, description="Words that must all appear.")
        )
    return arguments


def build_object_types(catalog: Catalog, table: TypeTable) -> None:
    """Every entity's object type, connection and edge types, enums and unions."""
    for spec in catalog.enums.values():
        table.enum(spec)
    for union, members in catalog.unions.items():
        refs = tuple(table.ref(catalog.entities[m].type_name) for m in members)
        table.types[union] = _ANNOTATED[_UNION[refs], strawberry.union(union)]
    made_connections: set[str] = set()
    for api in catalog.entities.values():
        table.add(api.type_name, _object_fields(catalog, table, api), description=api.description)
        for role in api.fields.values():
            if isinstance(role, Relation) and role.connection not in made_connections:
                made_connections.add(role.connection)
                target = catalog.entities[role.path.target]
                links = role.links if role.path.side is not None else None
                _connection(table, target, role.connection, role.edge, links)
        plain = catalog.names.type("Connection", api.entity)
        if plain not in made_connections:
            made_connections.add(plain)
            _connection(table, api, plain, catalog.names.type("Edge", api.entity), None)


def _object_fields(catalog: Catalog, table: TypeTable, api: EntityApi) -> list[StrawberryField]:
    fields: list[StrawberryField] = []
    definition = catalog.registry.entity(api.entity)
    for graphql, role in api.fields.items():
        match role:
            case Value(field="id"):
                fields.append(field("id", graphql, strawberry.ID))
            case Value(field=name, shape=shape):
                annotation = table.shape(shape)
                python = python_name(name)
                description = describe(definition.fields[name], name)
                if shape.many:  # a multichoice is a list, empty when nothing is chosen
                    fields.append(field(python, graphql, annotation, description=description))
                elif python != name:
                    reader = _read_key(name)
                    fields.append(
                        field(
                            python,
                            graphql,
                            optional(annotation),
                            resolver=reader,
                            description=description,
                        )
                    )
                else:
                    fields.append(
                        field(python, graphql, optional(annotation), description=description)
                    )
            case LookupId(field=name):
                fields.append(
                    field(
                        python_name(name),
                        graphql,
                        optional(strawberry.ID),
                        description=f"The id {name} points at, without visiting the record.",
                    )
                )
            case Lookup(field=name, target=target):
                target_type = table.ref(catalog.entities[target].type_name)
                fields.append(
                    field(
                        f"x_{graphql}",
                        graphql,
                        optional(target_type),
                        resolver=declare(nested, [], optional(target_type)),
                        description=describe(definition.fields[name], name),
                    )
                )
            case Polymorphic(field=name, union=union):
                union_type = table.types[union]
                fields.append(
                    field(
                        f"x_{graphql}",
                        graphql,
                        optional(union_type),
                        resolver=declare(nested, [], optional(union_type)),
                        description=describe(definition.fields[name], name),
                    )
                )
            case Relation(path=path, connection=connection):
                target_api = catalog.entities[path.target]
                returns = table.ref(connection)
                arguments = connection_arguments(catalog, table, target_api, root=False)
                fields.append(
                    field(
                        f"x_{graphql}",
                        graphql,
                        returns,
                        resolver=declare(nested, arguments, returns),
                        description=f"The {target_api.type_name} records of {role.relation}.",
                    )
                )
    return fields


def _connection(
    table: TypeTable,
    target: EntityApi,
    name: str,
    edge: str,
    links: tuple[LinkField, ...] | None,
) -> None:
    """A connection type and its edge type; ``links`` (many-to-many) adds link fields."""
    node = table.ref(target.type_name)
    if edge not in table.types:
        edge_fields = [
            field("cursor", "cursor", str, description="Pass to after/before to page from here."),
            field("node", "node", node),
        ]
        if links is not None:
            edge_fields.append(
                field(
                    "linked_at",
                    "linkedAt",
                    optional(dt.datetime),
                    description="When the link was made.",
                )
            )
            for link in links:
                annotation = optional(table.shape(link.shape))
                edge_fields.append(field(python_name(link.name), link.graphql, annotation))
        table.add(edge, edge_fields, description=f"A {target.type_name} in a list.")
    table.add(
        name,
        [
            field("edges", "edges", list_of(table.ref(edge))),
            field("nodes", "nodes", list_of(node), description="The records, without cursors."),
            field("page_info", "pageInfo", PageInfo),
            field(
                "total_count",
                "totalCount",
                int,
                description="How many records match (counted only when asked).",
            ),
        ],
        description=f"A page of {target.type_name} records.",
    )
