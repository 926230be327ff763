"""GraphQL names for entities, fields, options and generated types: the one naming authority.

Metadata names are ``snake_case`` identifiers; GraphQL gets ``PascalCase`` types
(``opportunity_line`` -> ``OpportunityLine``), ``camelCase`` fields and arguments
(``close_date`` -> ``closeDate``) and ``UPPER_CASE`` enum values (``won`` -> ``WON``).
Every generated name is claimed in a :class:`Namespace`, so two metadata names that
would give the same GraphQL name (an entity ``opportunity_filter`` next to the filter
type of ``opportunity``, a field ``account_id`` next to the generated ``accountId``)
get distinct names deterministically instead of breaking the schema: the first claim
keeps the plain name, later ones get a numeric suffix. Entities claim their type names
first, so they always keep theirs.
"""

from __future__ import annotations

import keyword
from collections.abc import Hashable
from typing import Final

from xrm.metamodel.registry import Registry

#: Type names the schema itself uses; entities and generated types never take them.
RESERVED_TYPES: Final = frozenset(
    {
        "Query",
        "Mutation",
        "Subscription",
        "String",
        "Int",
        "Float",
        "Boolean",
        "ID",
        "Date",
        "DateTime",
        "Decimal",
        "BigInt",
        "Money",
        "MoneyInput",
        "PageInfo",
        "SortDirection",
        "NullsOrder",
        "DateBucket",
        "StringFilter",
        "IntFilter",
        "BigIntFilter",
        "DecimalFilter",
        "BooleanFilter",
        "DateFilter",
        "DateTimeFilter",
        "IDFilter",
    }
)

#: Python attribute names strawberry gives a meaning on a type class.
_SPECIAL_ATTRIBUTES: Final = frozenset({"is_type_of", "resolve_type", "resolve_reference"})


def camel(name: str) -> str:
    """``close_date`` -> ``closeDate``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def pascal(name: str) -> str:
    """``opportunity_line`` -> ``OpportunityLine``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def plural(name: str) -> str:
    """English plural of a snake_case name, on its last word (``business_unit`` -> ``…units``)."""
    if name.endswith(("s", "x", "z", "ch", "sh")):
        return name + "es"
    if name.endswith("y") and name[-2:-1] not in tuple("aeiou"):
        return name[:-1] + "ies"
    return name + "s"


def enum_value(option: str) -> str:
    """``decision_maker`` -> ``DECISION_MAKER``."""
    return option.upper()


def python_name(name: str) -> str:
    """A safe Python attribute for field ``name`` (``class`` -> ``class_``)."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _SPECIAL_ATTRIBUTES:
        return name + "_"
    return name


class Namespace:
    """Names claimed in one GraphQL scope (the types, one type's fields, root fields)."""

    def __init__(self, reserved: frozenset[str] = frozenset()) -> None:
        self._taken: set[str] = set(reserved)
        self._given: dict[Hashable, str] = {}

    def claim(self, preferred: str, key: Hashable) -> str:
        """``preferred``, else ``preferred2``, ``preferred3``…; one key always gets one name."""
        if key in self._given:
            return self._given[key]
        name, number = preferred, 2
        while name in self._taken:
            name, number = f"{preferred}{number}", number + 1
        self._taken.add(name)
        self._given[key] = name
        return name

    def taken(self, name: str) -> bool:
        return name in self._taken


class Names:
    """Every GraphQL name of one Registry's schema."""

    def __init__(self, registry: Registry) -> None:
        self.types = Namespace(RESERVED_TYPES)
        self.query = Namespace()
        self.mutation = Namespace()
        for entity in registry.entities:
            self.types.claim(pascal(entity), ("entity", entity))
        # Singular names first, so a plural never takes another entity's singular.
        for entity in registry.entities:
            self.query.claim(camel(entity), ("one", entity))

    def type(self, kind: str, *parts: str) -> str:
        """The type named after ``parts`` plus the suffix ``kind`` (``Filter``, ``Edge``…)."""
        return self.types.claim("".join(pascal(p) for p in parts) + kind, (kind, *parts))

    def entity(self, entity: str) -> str:
        return self.types.claim(pascal(entity), ("entity", entity))

    def one(self, entity: str) -> str:
        return self.query.claim(camel(entity), ("one", entity))

    def many(self, entity: str) -> str:
        preferred = camel(plural(entity))
        if preferred == camel(entity):
            preferred += "List"
        return self.query.claim(preferred, ("many", entity))

    def aggregate(self, entity: str) -> str:
        return self.query.claim(self.many(entity) + "Aggregate", ("aggregate", entity))

    def mutation_field(self, verb: str, entity: str, *rest: str, many: bool = False) -> str:
        noun = pascal(plural(entity)) if many else pascal(entity)
        tail = "".join(pascal(p) for p in rest)
        return self.mutation.claim(f"{verb}{noun}{tail}", (verb, entity, many, *rest))
