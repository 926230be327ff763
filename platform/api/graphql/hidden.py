"""Mark the fields a response shows as null because the caller may not read them.

Field rules hide values (the repository returns them as null); a client must be
able to tell "hidden from you" from "empty". The response's ``extensions`` say
which selected fields were hidden: ``{"hiddenFields": {"Account": ["revenue"]}}``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from graphql import (
    FieldNode,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    parse,
    visit,
)
from graphql.error import GraphQLError

from xrm.platform.storage.actor import Actor

from .catalog import Catalog


class _Collector(Visitor):
    def __init__(self, type_info: TypeInfo, catalog: Catalog, actor: Actor) -> None:
        super().__init__()
        self.type_info = type_info
        self.apis = {api.type_name: api for api in catalog.entities.values()}
        self.actor = actor
        self.found: dict[str, set[str]] = {}

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        api = self.apis.get(parent.name) if parent is not None else None
        if api is None or self.actor.access is None:
            return
        role = api.fields.get(node.name.value)
        field = getattr(role, "field", None)
        if field is not None and field in self.actor.access.hidden_fields(api.entity):
            self.found.setdefault(api.type_name, set()).add(node.name.value)


class HiddenFields:
    """Finds the hidden fields an operation selects (parsed documents kept in a small LRU)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._documents: OrderedDict[str, Any] = OrderedDict()

    def _document(self, query: str) -> Any:
        document = self._documents.get(query)
        if document is None:
            document = parse(query)
            self._documents[query] = document
            if len(self._documents) > self.size:
                self._documents.popitem(last=False)
        else:
            self._documents.move_to_end(query)
        return document

    def selected(
        self, schema: GraphQLSchema, catalog: Catalog, actor: Actor, query: str
    ) -> dict[str, list[str]]:
        """GraphQL type name -> hidden field names the operation selects ({} if none)."""
        access = actor.access
        if access is None or not any(access.hidden_fields(e) for e in catalog.entities):
            return {}
        try:
            document = self._document(query)
        except GraphQLError:
            return {}
        type_info = TypeInfo(schema)
        collector = _Collector(type_info, catalog, actor)
        visit(document, TypeInfoVisitor(type_info, collector))
        return {name: sorted(fields) for name, fields in sorted(collector.found.items())}
