"""What every generated GraphQL field means, as plain data: the Registry, read for the API.

Built once per metadata version, before any strawberry type exists. The type
builders turn it into GraphQL types; the resolvers read it to turn a selection, a
filter or an input back into field names, relations and repository calls. Keeping
both on this one table means a GraphQL name can never mean one thing in the schema
and another in the resolvers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from xrm.metamodel.registry import Registry, pick
from xrm.metamodel.schema import (
    ChoiceField,
    EntityDef,
    FieldDef,
    FormulaField,
    IntegerField,
    LookupField,
    MultiChoiceField,
    PolymorphicLookupField,
    RollupField,
)
from xrm.metamodel.scopes import field_value_type, inverse_relations
from xrm.metamodel.types import COMPUTED_KINDS, Aggregate, FieldKind, ValueType
from xrm.metamodel.validate import UNSORTABLE_KINDS
from xrm.platform.storage.aggregates import groupable, measurable
from xrm.platform.storage.errors import QueryError
from xrm.platform.storage.filters import searchable_fields
from xrm.platform.storage.records import STAMPED
from xrm.platform.storage.related import ToMany, to_many
from xrm.platform.storage.tables import StorageModel
from xrm.platform.storage.upsert import key_fields

from .names import Names, camel, enum_value

_INT32: Final = 2**31


class Scalar(StrEnum):
    STRING = "String"
    INT = "Int"
    BIG_INT = "BigInt"
    DECIMAL = "Decimal"
    BOOLEAN = "Boolean"
    DATE = "Date"
    DATETIME = "DateTime"
    ID = "ID"
    MONEY = "Money"


@dataclass(frozen=True)
class Shape:
    """The GraphQL type of a value: a scalar, or an enum (``many``: a list of its values)."""

    scalar: Scalar | None = None
    enum: str | None = None
    many: bool = False


@dataclass(frozen=True)
class EnumSpec:
    name: str
    options: tuple[str, ...]
    labels: tuple[str, ...]
    description: str


# ------------------------------------------------------------------ field roles


@dataclass(frozen=True)
class Value:
    """A value the row carries under ``field`` (stored, formula or rollup)."""

    field: str
    shape: Shape


@dataclass(frozen=True)
class LookupId:
    """The id a lookup holds (``accountId``), read without visiting the record."""

    field: str


@dataclass(frozen=True)
class Lookup:
    field: str
    target: str


@dataclass(frozen=True)
class Polymorphic:
    field: str
    union: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class LinkField:
    """A field stored on a many-to-many link, shown on the relation's edges."""

    name: str
    graphql: str
    shape: Shape


@dataclass(frozen=True)
class Relation:
    relation: str
    path: ToMany
    connection: str
    edge: str
    links: tuple[LinkField, ...]


ObjectRole = Value | LookupId | Lookup | Polymorphic | Relation


@dataclass(frozen=True)
class ValueFilter:
    """Operators on one value; ``input`` is the name of the operator input type."""

    field: str
    input: str


@dataclass(frozen=True)
class LookupFilter:
    field: str
    target: str


@dataclass(frozen=True)
class PolymorphicFilter:
    field: str
    input: str
    #: GraphQL field name of each target in the input -> entity.
    targets: Mapping[str, str]


@dataclass(frozen=True)
class RelationFilter:
    relation: str
    target: str


FilterRole = ValueFilter | LookupFilter | PolymorphicFilter | RelationFilter


@dataclass(frozen=True)
class ValueInput:
    field: str
    shape: Shape


@dataclass(frozen=True)
class PolymorphicInput:
    field: str
    input: str
    targets: Mapping[str, str]


InputRole = ValueInput | PolymorphicInput


@dataclass(frozen=True)
class GroupField:
    field: str
    key: str
    shape: Shape
    dated: bool
    #: The target entity when the group key is a lookup (the key shows the record).
    target: str | None


@dataclass(frozen=True)
class LinkApi:
    """Link / unlink mutations of one many-to-many relation, from one end."""

    relation: str
    target: str
    link: str
    unlink: str
    input: str | None
    fields: tuple[LinkField, ...]


@dataclass
class EntityApi:
    """The API of one entity: names of its types and root fields, and its field roles."""

    entity: str
    type_name: str
    description: str
    one: str
    many: str
    aggregate: str
    fields: dict[str, ObjectRole] = field(default_factory=dict)
    filters: dict[str, FilterRole] = field(default_factory=dict)
    order: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, InputRole] = field(default_factory=dict)
    #: Storage field -> GraphQL input field (to point validation errors at the input).
    input_names: dict[str, str] = field(default_factory=dict)
    upsert: dict[str, str] = field(default_factory=dict)
    groups: dict[str, GroupField] = field(default_factory=dict)
    #: GraphQL name -> (field, shape of its sum) for sum / avg.
    numeric: dict[str, tuple[str, Shape]] = field(default_factory=dict)
    #: GraphQL name -> (field, shape) for min / max.
    ordered: dict[str, tuple[str, Shape]] = field(default_factory=dict)
    links: list[LinkApi] = field(default_factory=list)
    searchable: bool = False


class Catalog:
    """The API of every entity of one storage model."""

    def __init__(self, storage: StorageModel) -> None:
        self.storage = storage
        self.registry: Registry = storage.registry
        self.names = Names(self.registry)
        self.enums: dict[str, EnumSpec] = {}
        self.unions: dict[str, tuple[str, ...]] = {}
        self.polymorphic_inputs: dict[str, Mapping[str, str]] = {}
        self.polymorphic_filters: dict[str, Mapping[str, str]] = {}
        #: Enum type -> (choice filter type, whether the field holds many values).
        self.enum_filters: dict[str, tuple[str, bool]] = {}
        self.entities: dict[str, EntityApi] = {}
        for entity in self.registry.entities.values():
            self.entities[entity.entity] = self._entity(entity)
        self.by_type = {api.type_name: api for api in self.entities.values()}

    # ----------------------------------------------------------------- shapes

    def _enum(self, owner: str, name: str, definition: ChoiceField | MultiChoiceField) -> str:
        type_name = self.names.type("", owner, name)
        if type_name not in self.enums:
            options = definition.option_values()
            by_value = {o.value: o for o in definition.options}
            self.enums[type_name] = EnumSpec(
                type_name,
                options,
                tuple(pick(by_value[o].label, "en", o) for o in options),
                describe(definition, name),
            )
        return type_name

    def shape(self, entity: EntityDef, name: str, definition: FieldDef) -> Shape | None:
        """The GraphQL shape of a value field (None for lookups, which are objects)."""
        if isinstance(definition, ChoiceField):
            return Shape(enum=self._enum(entity.entity, name, definition))
        if isinstance(definition, MultiChoiceField):
            return Shape(enum=self._enum(entity.entity, name, definition), many=True)
        if isinstance(definition, IntegerField):
            return Shape(_integer(name, definition))
        if definition.type in (FieldKind.LOOKUP, FieldKind.POLYMORPHIC_LOOKUP):
            return None
        if isinstance(definition, FormulaField | RollupField):
            value_type = field_value_type(self.registry.entities, entity, definition)
            if isinstance(definition, RollupField) and definition.aggregate is Aggregate.COUNT:
                return Shape(Scalar.INT)
            return Shape(_VALUE_SCALARS[value_type])
        return Shape(_KIND_SCALARS[definition.type])

    # ----------------------------------------------------------------- entity

    def _entity(self, entity: EntityDef) -> EntityApi:
        name = entity.entity
        names = self.names
        api = EntityApi(
            entity=name,
            type_name=names.entity(name),
            description=entity.description or pick(entity.plural, "en", name),
            one=names.one(name),
            many=names.many(name),
            aggregate=names.aggregate(name),
        )
        api.fields["id"] = Value("id", Shape(Scalar.ID))
        api.filters["id"] = ValueFilter("id", "IDFilter")
        for field_name, definition in entity.fields.items():
            self._field(api, entity, field_name, definition)
        for relation_name in [*entity.relations, *inverse_relations(self.registry.entities, name)]:
            self._relation(api, relation_name)
        self._extras(api, entity)
        return api

    def _field(self, api: EntityApi, entity: EntityDef, name: str, definition: FieldDef) -> None:
        graphql = _free(api.fields, camel(name))
        value_type = field_value_type(self.registry.entities, entity, definition)
        if isinstance(definition, LookupField):
            api.fields[graphql] = Lookup(name, definition.target)
            api.filters[graphql] = LookupFilter(name, definition.target)
        elif isinstance(definition, PolymorphicLookupField):
            targets = tuple(definition.targets)
            union = self._union(api.entity, name, targets)
            api.fields[graphql] = Polymorphic(name, union, targets)
            by_name = {camel(t): t for t in targets}
            filter_name = self.names.type("Filter", api.entity, name)
            self.polymorphic_filters[filter_name] = by_name
            api.filters[graphql] = PolymorphicFilter(name, filter_name, by_name)
        else:
            shape = self.shape(entity, name, definition)
            assert shape is not None
            api.fields[graphql] = Value(name, shape)
            api.filters[graphql] = ValueFilter(name, self._filter_input(shape))
        if definition.type not in UNSORTABLE_KINDS and definition.type is not FieldKind.LOOKUP:
            api.order[enum_value(name)] = name
        self._writable(api, entity, name, definition)
        self._aggregatable(api, entity, name, definition, value_type)

    def _union(self, entity: str, field_name: str, targets: tuple[str, ...]) -> str:
        for union, members in self.unions.items():
            if members == targets:
                return union
        # A shared name (``Owner``) when no type has it, else one per field.
        name = camel(field_name)
        preferred = name[:1].upper() + name[1:]
        if self.names.types.taken(preferred):
            union = self.names.type("", entity, field_name)
        else:
            union = self.names.types.claim(preferred, ("union", targets))
        self.unions[union] = targets
        return union

    def _filter_input(self, shape: Shape) -> str:
        if shape.enum is not None:
            filter_name = self.names.type("Filter", shape.enum)
            self.enum_filters[shape.enum] = (filter_name, shape.many)
            return filter_name
        assert shape.scalar is not None
        return _SCALAR_FILTERS[shape.scalar]

    def _writable(self, api: EntityApi, entity: EntityDef, name: str, definition: FieldDef) -> None:
        if definition.read_only or name in STAMPED or definition.type in _NOT_WRITTEN:
            return
        if isinstance(definition, PolymorphicLookupField):
            input_name = self.names.type("Input", api.entity, name)
            targets = {camel(t): t for t in definition.targets}
            self.polymorphic_inputs[input_name] = targets
            graphql = camel(name)
            api.inputs[graphql] = PolymorphicInput(name, input_name, targets)
        elif definition.type is FieldKind.LOOKUP:
            graphql = camel(name) + "Id"
            api.inputs[graphql] = ValueInput(name, Shape(Scalar.ID))
        else:
            shape = self.shape(entity, name, definition)
            assert shape is not None
            graphql = camel(name)
            api.inputs[graphql] = ValueInput(name, shape)
        api.input_names[name] = graphql

    def _aggregatable(
        self,
        api: EntityApi,
        entity: EntityDef,
        name: str,
        definition: FieldDef,
        value_type: ValueType,
    ) -> None:
        graphql = camel(name)
        shape = self.shape(entity, name, definition)
        if groupable(definition, value_type):
            dated = value_type in (ValueType.DATE, ValueType.DATETIME)
            target = definition.target if isinstance(definition, LookupField) else None
            key_shape = shape if shape is not None else Shape(Scalar.ID)
            api.groups[enum_value(name)] = GroupField(name, graphql, key_shape, dated, target)
        if shape is None or shape.scalar is None or definition.type is FieldKind.AUTONUMBER:
            return
        if measurable(Aggregate.SUM, value_type):
            total = Scalar.BIG_INT if shape.scalar is Scalar.INT else shape.scalar
            api.numeric[graphql] = (name, Shape(Scalar.DECIMAL if total is Scalar.MONEY else total))
        if measurable(Aggregate.MIN, value_type):
            scalar = Scalar.DECIMAL if shape.scalar is Scalar.MONEY else shape.scalar
            api.ordered[graphql] = (name, Shape(scalar))

    def _relation(self, api: EntityApi, relation: str) -> None:
        path = to_many(self.storage, api.entity, relation)
        graphql = _free(api.fields, camel(relation))
        links: tuple[LinkField, ...] = ()
        if path.side is not None:
            edge = self.names.type("Edge", api.entity, relation)
            connection = self.names.type("Connection", api.entity, relation)
            declaring = self.registry.entity(path.side.junction.entity)
            links = tuple(
                LinkField(n, camel(n), self.shape(declaring, n, f) or Shape(Scalar.ID))
                for n, f in path.link_fields.items()
            )
            link_input = (
                self.names.type("LinkInput", api.entity, relation) if path.link_fields else None
            )
            api.links.append(
                LinkApi(
                    relation,
                    path.target,
                    self.names.mutation_field("link", api.entity, relation),
                    self.names.mutation_field("unlink", api.entity, relation),
                    link_input,
                    links,
                )
            )
        else:
            edge = self.names.type("Edge", path.target)
            connection = self.names.type("Connection", path.target)
        api.fields[graphql] = Relation(relation, path, connection, edge, links)
        api.filters[graphql] = RelationFilter(relation, path.target)

    def _extras(self, api: EntityApi, entity: EntityDef) -> None:
        """Generated fields that yield to declared ones: ``accountId`` next to ``account``."""
        for name, definition in entity.fields.items():
            if isinstance(definition, LookupField):
                graphql = camel(name) + "Id"
                if graphql not in api.fields:
                    api.fields[graphql] = LookupId(name)
                if graphql not in api.filters:
                    api.filters[graphql] = ValueFilter(name, "IDFilter")
        for name in key_fields(self.storage, entity.entity):
            api.upsert[enum_value(name)] = name
        try:
            api.searchable = bool(searchable_fields(entity))
        except QueryError:  # nothing to search in: no search argument
            api.searchable = False

    def entity_of_type(self, type_name: str) -> EntityApi | None:
        return self.by_type.get(type_name)


def _free(taken: Mapping[str, object], graphql: str) -> str:
    """``graphql``, or with trailing underscores if two metadata names camel-case alike."""
    while graphql in taken:
        graphql += "_"
    return graphql


def _integer(name: str, definition: IntegerField) -> Scalar:
    """``Int`` when the bounds fit GraphQL's 32 bits (and for ``version``), else ``BigInt``."""
    if name == "version":
        return Scalar.INT
    low, high = definition.min, definition.max
    if low is not None and high is not None and low >= -_INT32 and high < _INT32:
        return Scalar.INT
    return Scalar.BIG_INT


def describe(definition: FieldDef, name: str) -> str:
    label = pick(definition.label, "en", name)
    helptext = pick(definition.help, "en", "")
    return f"{label}. {helptext}".strip() if helptext else label


_NOT_WRITTEN: Final = COMPUTED_KINDS | {FieldKind.AUTONUMBER}

_KIND_SCALARS: Final[dict[FieldKind, Scalar]] = {
    FieldKind.STRING: Scalar.STRING,
    FieldKind.TEXT: Scalar.STRING,
    FieldKind.EMAIL: Scalar.STRING,
    FieldKind.PHONE: Scalar.STRING,
    FieldKind.URL: Scalar.STRING,
    FieldKind.INTEGER: Scalar.BIG_INT,
    FieldKind.DECIMAL: Scalar.DECIMAL,
    FieldKind.MONEY: Scalar.MONEY,
    FieldKind.BOOLEAN: Scalar.BOOLEAN,
    FieldKind.DATE: Scalar.DATE,
    FieldKind.DATETIME: Scalar.DATETIME,
    FieldKind.AUTONUMBER: Scalar.STRING,
    FieldKind.FILE: Scalar.ID,
}

_VALUE_SCALARS: Final[dict[ValueType, Scalar]] = {
    ValueType.STRING: Scalar.STRING,
    ValueType.INTEGER: Scalar.BIG_INT,
    ValueType.DECIMAL: Scalar.DECIMAL,
    ValueType.MONEY: Scalar.MONEY,
    ValueType.BOOLEAN: Scalar.BOOLEAN,
    ValueType.DATE: Scalar.DATE,
    ValueType.DATETIME: Scalar.DATETIME,
    ValueType.ID: Scalar.ID,
    ValueType.MULTICHOICE: Scalar.STRING,
    ValueType.NULL: Scalar.STRING,
}

#: The operator input of each scalar (money filters compare the amount).
_SCALAR_FILTERS: Final[dict[Scalar, str]] = {
    Scalar.STRING: "StringFilter",
    Scalar.INT: "IntFilter",
    Scalar.BIG_INT: "BigIntFilter",
    Scalar.DECIMAL: "DecimalFilter",
    Scalar.MONEY: "DecimalFilter",
    Scalar.BOOLEAN: "BooleanFilter",
    Scalar.DATE: "DateFilter",
    Scalar.DATETIME: "DateTimeFilter",
    Scalar.ID: "IDFilter",
}
