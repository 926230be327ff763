"""``build_schema(registry, storage)``: one metadata version's GraphQL schema (pure).

The phases hand each other plain data: Registry -> :class:`~.catalog.Catalog` (what
every GraphQL field means) -> strawberry types (:mod:`.types`, :mod:`.filters`,
:mod:`.ordering`, :mod:`.inputs`, :mod:`.aggregates`) -> root fields
(:mod:`.resolvers`, :mod:`.mutations`) -> :class:`XrmSchema`.

Execution settings, chosen for speed (see the issue's measurements):

* rows are plain dicts and the default resolver is ``dict.get``;
* fields whose values :mod:`.fetch` stores in the rows (lookups, polymorphic lookups,
  relations), and the unions' type resolution, are bound to plain functions on the
  graphql-core schema once it is built, so reading a pre-fetched value costs a dict
  read, not strawberry's per-call argument conversion;
* parsed and validated documents are cached (``ParserCache``, ``ValidationCache``);
  depth (strawberry's ``QueryDepthLimiter`` rule), tokens and aliases are limited
  while validating.

Another execution path (the planned compiled SQL-to-JSON path) plugs in as a
strawberry extension passed in ``extensions``: an extension that sets
``execution_context.result`` in ``on_execute`` skips graphql-core's execution.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLUnionType
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from xrm.metamodel.registry import Registry
from xrm.platform.storage.errors import StorageError
from xrm.platform.storage.tables import StorageModel

from .aggregates import aggregate_field, build_aggregate_types
from .catalog import Catalog, Lookup, Polymorphic, Relation
from .errors import LOG, ApiError
from .filters import build_filter_inputs
from .inputs import build_write_inputs
from .limits import Limits
from .mutations import mutation_fields
from .ordering import build_order_inputs
from .resolvers import query_fields
from .scalars import SCALAR_MAP
from .types import NESTED, TYPENAME, TypeTable, build_object_types

ExtensionFactory = Callable[[], SchemaExtension]


class XrmSchema(strawberry.Schema):
    """A strawberry schema with the catalog and limits it was built with."""

    catalog: Catalog
    limits: Limits

    @property
    def version(self) -> str:
        return self.catalog.registry.version

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log unexpected errors with their traceback; the client's own mistakes are not news."""
        for error in errors:
            original = error.original_error
            if error.path is None or original is None:
                continue
            if isinstance(original, ApiError | StorageError | GraphQLError):
                continue
            LOG.error("unexpected error at %s", ".".join(map(str, error.path)), exc_info=original)


def build_schema(
    registry: Registry,
    storage: StorageModel,
    *,
    limits: Limits | None = None,
    extensions: Sequence[ExtensionFactory] = (),
) -> XrmSchema:
    """The GraphQL schema of ``registry`` over ``storage`` (built from the same registry)."""
    if storage.registry is not registry and storage.registry.version != registry.version:
        raise ValueError("storage was built from another metadata version than registry")
    limits = limits or Limits()
    catalog = Catalog(storage)
    table = TypeTable()
    build_object_types(catalog, table)
    build_filter_inputs(catalog, table)
    build_order_inputs(catalog, table)
    build_write_inputs(catalog, table)
    build_aggregate_types(catalog, table)
    query = table.add(
        "Query",
        [
            *query_fields(catalog, table, limits),
            *(aggregate_field(catalog, table, api) for api in catalog.entities.values()),
        ],
    )
    mutation = table.add("Mutation", mutation_fields(catalog, table, limits))
    cache = limits.document_cache
    # The depth and alias rules are made once per schema: the validation cache keys on them.
    rules: list[Any] = [
        create_validator(limits.max_depth, None, None),
        aliases_rule(limits.max_aliases),
    ]
    schema = XrmSchema(
        query=query,
        mutation=mutation,
        config=StrawberryConfig(
            auto_camel_case=False, default_resolver=dict.get, scalar_map=SCALAR_MAP
        ),
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: AddValidationRules(rules),
            lambda: ParserCache(maxsize=cache),
            lambda: ValidationCache(maxsize=cache),
            *extensions,
        ],
    )
    schema.catalog = catalog
    schema.limits = limits
    _bind_prefetched(schema, catalog)
    return schema


def _prefetched(root: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
    return root.get(f"{NESTED}{info.path.key}")


def _type_of(value: Any, info: GraphQLResolveInfo[Any], abstract: Any) -> str:
    name: str = value[TYPENAME]
    return name


def _bind_prefetched(schema: XrmSchema, catalog: Catalog) -> None:
    types = schema._schema.type_map
    for api in catalog.entities.values():
        graphql_type = types[api.type_name]
        assert isinstance(graphql_type, GraphQLObjectType)
        for name, role in api.fields.items():
            if isinstance(role, Lookup | Polymorphic | Relation):
                graphql_type.fields[name].resolve = _prefetched
    for union in catalog.unions:
        union_type = types[union]
        assert isinstance(union_type, GraphQLUnionType)
        union_type.resolve_type = _type_of
