"""Name resolution for expressions: what ``amount`` or ``account.name`` means on an entity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import did_you_mean
from .expression_types import NoParams, Resolved
from .expressions import ExpressionError
from .schema import (
    ChoiceField,
    EntityDef,
    FieldDef,
    FormulaField,
    LookupField,
    ManyToManyRelation,
    MultiChoiceField,
    RollupField,
)
from .types import Aggregate, FieldKind, ValueType

#: The value type of each stored field kind (formula and rollup are computed below).
KIND_VALUE_TYPES: dict[FieldKind, ValueType] = {
    FieldKind.STRING: ValueType.STRING,
    FieldKind.TEXT: ValueType.STRING,
    FieldKind.EMAIL: ValueType.STRING,
    FieldKind.PHONE: ValueType.STRING,
    FieldKind.URL: ValueType.STRING,
    FieldKind.INTEGER: ValueType.INTEGER,
    FieldKind.DECIMAL: ValueType.DECIMAL,
    FieldKind.MONEY: ValueType.MONEY,
    FieldKind.BOOLEAN: ValueType.BOOLEAN,
    FieldKind.DATE: ValueType.DATE,
    FieldKind.DATETIME: ValueType.DATETIME,
    FieldKind.CHOICE: ValueType.STRING,
    FieldKind.MULTICHOICE: ValueType.MULTICHOICE,
    FieldKind.LOOKUP: ValueType.ID,
    FieldKind.POLYMORPHIC_LOOKUP: ValueType.ID,
    FieldKind.AUTONUMBER: ValueType.STRING,
    FieldKind.FILE: ValueType.ID,
}


def relation_target(entity: EntityDef, relation: str) -> str | None:
    found = entity.relations.get(relation)
    return None if found is None else found.target


@dataclass(frozen=True)
class InverseRelation:
    """A many-to-many relation seen from its target's side, by its ``inverse`` name.

    ``opportunity.contacts`` with ``inverse: opportunities`` lets a contact's form list
    its opportunities. The relation (and its junction table) is declared once, on
    ``entity``; the inverse is a second name for it, not a second relation.
    """

    entity: str
    relation: str
    definition: ManyToManyRelation

    @property
    def target(self) -> str:
        """The entity whose records the inverse lists (the declaring entity)."""
        return self.entity


def inverse_relations(entities: Mapping[str, EntityDef], entity: str) -> dict[str, InverseRelation]:
    """The inverse names other entities' many-to-many relations give ``entity``."""
    found: dict[str, InverseRelation] = {}
    for declaring in entities.values():
        for name, relation in declaring.relations.items():
            if (
                isinstance(relation, ManyToManyRelation)
                and relation.target == entity
                and relation.inverse is not None
                and relation.inverse not in found
            ):
                found[relation.inverse] = InverseRelation(declaring.entity, name, relation)
    return found


def field_value_type(
    entities: Mapping[str, EntityDef], entity: EntityDef, field: FieldDef
) -> ValueType:
    """The type an expression sees for ``field`` of ``entity``."""
    if isinstance(field, FormulaField):
        return field.returns
    if isinstance(field, RollupField):
        if field.aggregate is Aggregate.COUNT:
            return ValueType.INTEGER
        target_name = relation_target(entity, field.relation)
        target = entities.get(target_name or "")
        aggregated = target.fields.get(field.field or "") if target else None
        if aggregated is None:
            return ValueType.DECIMAL
        inner = field_value_type(entities, target, aggregated) if target else ValueType.DECIMAL
        if field.aggregate is Aggregate.AVG and inner is not ValueType.MONEY:
            return ValueType.DECIMAL
        return inner
    return KIND_VALUE_TYPES[field.type]


@dataclass(frozen=True)
class FieldPath:
    """A resolved dotted path: the lookups walked and the final field."""

    steps: tuple[tuple[str, str], ...]  # (entity, lookup field) for each hop
    entity: str
    field: str


def resolve_path(
    entities: Mapping[str, EntityDef], entity_name: str, path: tuple[str, ...], pos: int
) -> tuple[FieldPath, FieldDef | None]:
    """Follow ``account.owner.name``-style paths through N:1 lookups.

    Returns the field definition, or None for ``id``. Raises ExpressionError with a
    suggestion for an unknown name or a hop that is not a single-target lookup.
    """
    steps: list[tuple[str, str]] = []
    current = entities[entity_name]
    for index, name in enumerate(path):
        last = index == len(path) - 1
        if name == "id":
            if not last:
                raise ExpressionError("'id' has no fields", pos)
            return FieldPath(tuple(steps), current.entity, "id"), None
        field = current.fields.get(name)
        if field is None:
            where = f"entity {current.entity!r}"
            hint = did_you_mean(name, [*current.fields, "id"])
            if name in current.relations:
                hint = f"{name!r} is a to-many relation; aggregate it with a rollup field instead"
            raise ExpressionError(f"unknown field {name!r} on {where}", pos, hint)
        if last:
            return FieldPath(tuple(steps), current.entity, name), field
        if not isinstance(field, LookupField):
            raise ExpressionError(
                f"{name!r} is not a lookup, so '{name}.{path[index + 1]}' cannot follow it",
                pos,
                "only single-target lookups can be followed with '.'",
            )
        target = entities.get(field.target)
        if target is None:
            raise ExpressionError(f"lookup {name!r} points at a missing entity", pos)
        steps.append((current.entity, name))
        current = target
    raise ExpressionError("empty field path", pos)


class EntityScope(NoParams):
    """Resolves the fields of one entity (and, through lookups, of related ones)."""

    def __init__(self, entities: Mapping[str, EntityDef], entity: str) -> None:
        self.entities = entities
        self.entity = entity

    def field(self, path: tuple[str, ...], pos: int) -> Resolved:
        resolved, field = resolve_path(self.entities, self.entity, path, pos)
        if field is None:
            return Resolved(ValueType.ID)
        owner = self.entities[resolved.entity]
        options: tuple[str, ...] = ()
        if isinstance(field, ChoiceField | MultiChoiceField):
            options = field.option_values()
        return Resolved(field_value_type(self.entities, owner, field), options)


class ParamEntityScope(EntityScope):
    """An entity scope in which ``$name.field`` resolves on another entity (e.g. ``$user``)."""

    def __init__(
        self, entities: Mapping[str, EntityDef], entity: str, params: Mapping[str, str]
    ) -> None:
        super().__init__(entities, entity)
        self.params = params

    def param(self, path: tuple[str, ...], pos: int) -> Resolved:
        head, rest = path[0], path[1:]
        if head not in self.params:
            raise ExpressionError(
                f"unknown parameter ${head}", pos, did_you_mean(head, list(self.params))
            )
        target = self.params[head]
        if not rest:
            return Resolved(ValueType.ID)
        return EntityScope(self.entities, target).field(rest, pos)
