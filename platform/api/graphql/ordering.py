"""Sort inputs: ``orderBy: [{field: CLOSE_DATE, direction: DESC, nulls: LAST}, …]``.

Per entity an ``<Type>OrderField`` enum of the fields a list can be sorted by
(formulas and rollups included) and an ``<Type>OrderBy`` input. The enum's values
are the storage field names, so a coerced ``orderBy`` is already what the repository
takes; the repository adds the id as the final key, which keeps keyset cursors
stable under ties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum, StrEnum
from typing import Any

import strawberry

from .catalog import Catalog
from .types import TypeTable, field, optional, string_enum


@strawberry.enum(description="Sort direction.")
class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


@strawberry.enum(description="Where records without a value go (default: last ascending).")
class NullsOrder(StrEnum):
    FIRST = "first"
    LAST = "last"


def build_order_inputs(catalog: Catalog, table: TypeTable) -> None:
    for api in catalog.entities.values():
        if not api.order:
            continue
        enum_name = catalog.names.type("OrderField", api.entity)
        members = string_enum(enum_name, dict(api.order))
        table.types[enum_name] = strawberry.enum(
            members, name=enum_name, description=f"Fields {api.type_name} lists sort by."
        )
        table.add(
            catalog.names.type("OrderBy", api.entity),
            [
                field("field", "field", table.ref(enum_name)),
                field(
                    "direction",
                    "direction",
                    optional(SortDirection),
                    optional_input=True,
                    description="ASC unless given.",
                ),
                field("nulls", "nulls", optional(NullsOrder), optional_input=True),
            ],
            is_input=True,
            description=f"One sort key of a {api.type_name} list.",
        )


def to_order(raw: Sequence[Mapping[str, Any]] | None) -> list[tuple[str, str, str | None]]:
    """The repository's ``order_by`` for a coerced ``orderBy`` list."""
    keys: list[tuple[str, str, str | None]] = []
    for item in raw or ():
        direction = item.get("direction")
        nulls = item.get("nulls")
        keys.append(
            (
                _value(item["field"]),
                _value(direction) if direction is not None else "asc",
                _value(nulls) if nulls is not None else None,
            )
        )
    return keys


def _value(member: object) -> str:
    return str(member.value) if isinstance(member, Enum) else str(member)
