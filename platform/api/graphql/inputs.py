"""Write inputs: ``<Type>CreateInput``, ``<Type>UpdateInput``, link inputs, and the way back.

Every writable field is optional in the schema, even a required one: the repository
checks required fields, ranges, patterns, options and uniqueness the same way for
every channel, and reports all problems of a record at once, each with the input
path of its field. In an update, a field left out is unchanged and ``null`` clears it.

A lookup is written by id (``accountId``); a polymorphic lookup by naming its target
(``regarding: {contact: "…"}``, exactly one); money as ``{amount, currency}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry

from .catalog import Catalog, EntityApi, LinkApi, PolymorphicInput, ValueInput
from .errors import InputPath, PathPart
from .filters import plain
from .names import python_name
from .types import TypeTable, field, optional


def build_write_inputs(catalog: Catalog, table: TypeTable) -> None:
    for name, targets in catalog.polymorphic_inputs.items():
        table.add(
            name,
            [
                field(graphql, graphql, optional(strawberry.ID), optional_input=True)
                for graphql in targets
            ],
            is_input=True,
            one_of=True,
            description="The record pointed at: set exactly one target's id.",
        )
    for api in catalog.entities.values():
        fields = _input_fields(table, api)
        create = [
            field("id", "id", optional(strawberry.ID), optional_input=True),
            *fields,
        ]
        table.add(
            catalog.names.type("CreateInput", api.entity),
            create,
            is_input=True,
            description=f"A new {api.type_name}; give id to choose it.",
        )
        if fields:
            table.add(
                catalog.names.type("UpdateInput", api.entity),
                _input_fields(table, api),
                is_input=True,
                description=f"Changes to a {api.type_name}: null clears, absent keeps.",
            )
        for link in api.links:
            if link.input is not None:
                table.add(
                    link.input,
                    [
                        field(
                            python_name(f.name),
                            f.graphql,
                            optional(table.shape(f.shape, as_input=True)),
                            optional_input=True,
                        )
                        for f in link.fields
                    ],
                    is_input=True,
                    description=f"Values stored on the {link.relation} link.",
                )


def _input_fields(table: TypeTable, api: EntityApi) -> list[Any]:
    fields = []
    for graphql, role in api.inputs.items():
        match role:
            case ValueInput(shape=shape):
                annotation = table.shape(shape, as_input=True)
            case PolymorphicInput(input=input_name):
                annotation = table.ref(input_name)
        fields.append(field(f"x_{graphql}", graphql, optional(annotation), optional_input=True))
    return fields


def to_values(api: EntityApi, raw: Mapping[str, Any]) -> dict[str, object]:
    """Repository values for a coerced create or update input."""
    values: dict[str, object] = {}
    for graphql, value in raw.items():
        if graphql == "id":
            values["id"] = value
            continue
        match api.inputs[graphql]:
            case ValueInput(field=name):
                values[name] = plain(value)
            case PolymorphicInput(field=name, targets=targets):
                if value is None:
                    values[name] = None
                else:
                    ((target, id_),) = value.items()
                    values[name] = {"entity": targets[target], "id": id_}
    return values


def link_values(link: LinkApi, raw: Mapping[str, Any] | None) -> dict[str, object]:
    by_graphql = {f.graphql: f.name for f in link.fields}
    return {by_graphql[key]: plain(value) for key, value in (raw or {}).items()}


def input_path(api: EntityApi, argument: str) -> InputPath:
    """Where a storage field's value sits in the input argument (for validation errors)."""

    def path(name: str) -> list[PathPart]:
        if not name:
            return [argument]
        head, _, rest = name.partition(".")
        graphql = api.input_names.get(head, "id" if head == "id" else head)
        return [argument, graphql, *([rest] if rest else [])]

    return path


def link_path(link: LinkApi) -> InputPath:
    by_name = {f.name: f.graphql for f in link.fields}

    def path(name: str) -> list[PathPart]:
        if not name:
            return []
        head, _, rest = name.partition(".")
        if head == link.relation and rest:
            return ["fields", by_name.get(rest, rest)]
        return ["targetIds"] if head == link.relation else [head]

    return path
