"""Cross-checks over the merged metadata: every reference resolves, every expression types.

Each check appends a located error (file:line:column, YAML path, what, suggestion)
and carries on, so one run of ``xrm check`` reports everything that is wrong. This
module checks the entities themselves (fields, relations, indexes, formulas);
:mod:`.surface_checks` checks forms, views, roles and translations, and
:mod:`.data_checks` the records of data files.
"""

from __future__ import annotations

from .checker import GENERATED_KINDS, TEXT_KINDS, UNSORTABLE_KINDS, Checker, refs, written
from .data_checks import check_data
from .errors import YamlPath, did_you_mean
from .expressions import ExpressionError
from .merge import Merged, Origin
from .schema import (
    JUNCTION_FIELD_KINDS,
    EntityDef,
    FieldDef,
    FormulaField,
    LookupField,
    ManyToManyRelation,
    MoneyField,
    OneToManyRelation,
    PolymorphicLookupField,
    RollupField,
)
from .scopes import EntityScope, field_value_type, inverse_relations, resolve_path
from .surface_checks import check_surface
from .types import (
    COMPUTED_KINDS,
    GENERATED_SEPARATOR,
    NUMERIC_TYPES,
    SYSTEM_FIELDS,
    Aggregate,
    ValueType,
)

__all__ = ["GENERATED_KINDS", "TEXT_KINDS", "UNSORTABLE_KINDS", "validate"]


class _EntityChecks(Checker):
    """Fields, relations, indexes and formulas of every merged entity."""

    # --------------------------------------------------------------- entities

    def entities_(self) -> None:
        for entity in self.entities.values():
            self.entity(entity)
        self.formula_cycles()

    def entity(self, entity: EntityDef) -> None:
        origin = self.m.origin("entity", entity.entity)
        if entity.primary_field is not None:
            primary = entity.fields.get(entity.primary_field)
            if primary is None and self.m.is_broken(entity.entity, entity.primary_field):
                pass
            elif primary is None:
                self.m.error(
                    origin,
                    ("primary_field",),
                    f"primary_field {entity.primary_field!r} is not a field of {entity.entity!r}",
                    did_you_mean(entity.primary_field, entity.fields),
                )
            elif primary.type not in TEXT_KINDS and not (
                # A computed display name ("first last") is what people search and pick.
                isinstance(primary, FormulaField) and primary.returns is ValueType.STRING
            ):
                self.m.error(
                    origin,
                    ("primary_field",),
                    "primary_field must be a text field or a formula returning string, "
                    f"not {primary.type.value}",
                    did_you_mean(entity.primary_field, _display_fields(entity))
                    or "point it at a string field, or add a formula that builds the name",
                )
        for name, field in entity.fields.items():
            if name in SYSTEM_FIELDS:
                continue
            self.field(entity, name, field, self.m.origin("field", entity.entity, name))
        for name, relation in entity.relations.items():
            self.relation(entity, name, relation)
        for index, definition in enumerate(entity.indexes):
            index_origin = self.m.origin("index", entity.entity, str(index))
            # `- [stage, close_date]` is shorthand for `- {fields: [stage, close_date]}`.
            shorthand = isinstance(written(index_origin), list)
            for position, field_name in enumerate(definition.fields):
                sub: YamlPath = (position,) if shorthand else ("fields", position)
                self.stored_field(entity, field_name, index_origin, sub, "indexed")

    def stored_field(
        self, entity: EntityDef, name: str, origin: Origin, sub: YamlPath, verb: str
    ) -> None:
        field = entity.fields.get(name)
        if name == "id" or self.m.is_broken(entity.entity, name):
            return
        if field is None:
            self.m.error(
                origin,
                sub,
                f"unknown field {name!r} on {entity.entity!r}",
                did_you_mean(name, entity.fields),
            )
        elif field.type in COMPUTED_KINDS or field.type in UNSORTABLE_KINDS:
            self.m.error(origin, sub, f"a {field.type.value} field cannot be {verb}")

    def field(self, entity: EntityDef, name: str, field: FieldDef, origin: Origin) -> None:
        if isinstance(field, LookupField):
            self.entity_ref(origin, ("target",), field.target)
        elif isinstance(field, PolymorphicLookupField):
            for position, target in enumerate(field.targets):
                if self.entity_ref(origin, ("targets", position), target):
                    self.long_name(origin, (), f"{name}{GENERATED_SEPARATOR}{target}", "column")
        elif isinstance(field, MoneyField):
            self.long_name(origin, (), f"{name}{GENERATED_SEPARATOR}currency", "column")
        elif isinstance(field, FormulaField):
            self.expression(
                origin,
                ("expression",),
                field.expression,
                EntityScope(self.entities, entity.entity),
                field.returns,
            )
        elif isinstance(field, RollupField):
            self.rollup(entity, field, origin)
        if field.type in COMPUTED_KINDS:
            for flag in ("unique", "indexed", "required"):
                if getattr(field, flag):
                    self.m.error(
                        origin,
                        (flag,),
                        f"a {field.type.value} field is computed on read and cannot be {flag}",
                        f"remove {flag}: true",
                    )
        if field.searchable and field.type not in TEXT_KINDS:
            self.m.error(
                origin,
                ("searchable",),
                f"only text fields can be searchable, not {field.type.value}",
            )
        for flag in ("unique", "indexed"):
            if getattr(field, flag) and field.type in UNSORTABLE_KINDS:
                self.m.error(
                    origin,
                    (flag,),
                    f"a {field.type.value} field cannot be {flag}",
                    f"remove {flag}: true",
                )
        if field.renamed_from is not None and field.renamed_from in entity.fields:
            self.m.error(
                origin,
                ("renamed_from",),
                f"renamed_from {field.renamed_from!r} is still a field of {entity.entity!r}",
                "remove the old field, or drop renamed_from",
            )

    def rollup(self, entity: EntityDef, field: RollupField, origin: Origin) -> None:
        relation = entity.relations.get(field.relation)
        if relation is None and self.m.is_broken(entity.entity, field.relation):
            return
        if relation is None:
            self.m.error(
                origin,
                ("relation",),
                f"{entity.entity!r} has no relation {field.relation!r}",
                did_you_mean(field.relation, entity.relations)
                or "declare it under relations: (one_to_many or many_to_many)",
            )
            return
        target = self.entities.get(relation.target)
        if target is None:
            return
        if field.field is not None:
            aggregated = target.fields.get(field.field)
            if aggregated is None and self.m.is_broken(target.entity, field.field):
                pass
            elif aggregated is None:
                self.m.error(
                    origin,
                    ("field",),
                    f"unknown field {field.field!r} on {target.entity!r}",
                    did_you_mean(field.field, target.fields),
                )
            else:
                value_type = field_value_type(self.entities, target, aggregated)
                numeric_only = field.aggregate in (Aggregate.SUM, Aggregate.AVG)
                orderable = (*NUMERIC_TYPES, ValueType.DATE, ValueType.DATETIME, ValueType.STRING)
                if numeric_only and value_type not in NUMERIC_TYPES:
                    self.m.error(
                        origin,
                        ("field",),
                        f"cannot {field.aggregate.value} {field.field!r}: it is a "
                        f"{value_type.value}, not a number",
                        "use count, min or max, or pick a numeric field",
                    )
                elif value_type not in orderable:
                    self.m.error(
                        origin,
                        ("field",),
                        f"cannot {field.aggregate.value} a {value_type.value} field",
                    )
        if field.filter is not None:
            self.expression(
                origin,
                ("filter",),
                field.filter,
                EntityScope(self.entities, target.entity),
                ValueType.BOOLEAN,
            )

    def relation(
        self, entity: EntityDef, name: str, relation: OneToManyRelation | ManyToManyRelation
    ) -> None:
        origin = self.m.origin("relation", entity.entity, name)
        if name in entity.fields or name in SYSTEM_FIELDS:
            self.m.key_error(origin, (), f"relation {name!r} has the same name as a field")
        if not self.entity_ref(origin, ("target",), relation.target):
            return
        target = self.entities[relation.target]
        if isinstance(relation, OneToManyRelation):
            back = target.fields.get(relation.field)
            lookups = [
                n
                for n, f in target.fields.items()
                if (isinstance(f, LookupField) and f.target == entity.entity)
                or (isinstance(f, PolymorphicLookupField) and entity.entity in f.targets)
            ]
            if back is None and self.m.is_broken(target.entity, relation.field):
                pass
            elif back is None:
                self.m.error(
                    origin,
                    ("field",),
                    f"{relation.target!r} has no field {relation.field!r}",
                    did_you_mean(relation.field, lookups or list(target.fields)),
                )
            elif not (
                (isinstance(back, LookupField) and back.target == entity.entity)
                or (isinstance(back, PolymorphicLookupField) and entity.entity in back.targets)
            ):
                self.m.error(
                    origin,
                    ("field",),
                    f"{relation.target}.{relation.field} is not a lookup to {entity.entity!r}",
                    ("lookups to it: " + ", ".join(lookups)) if lookups else None,
                )
        else:
            self.long_name(origin, (), f"{entity.entity}{GENERATED_SEPARATOR}{name}", "table")
            for field_name, field in relation.fields.items():
                if field.type not in JUNCTION_FIELD_KINDS:
                    self.m.error(
                        origin,
                        ("fields", field_name, "type"),
                        f"a link field cannot be a {field.type.value}",
                        "use one of: " + ", ".join(sorted(k.value for k in JUNCTION_FIELD_KINDS)),
                    )
                if field_name in ("source", "target", *SYSTEM_FIELDS):
                    self.m.key_error(
                        origin, ("fields", field_name), f"{field_name!r} is reserved on links"
                    )
            if relation.inverse is None:
                return
            first = inverse_relations(self.entities, relation.target)[relation.inverse]
            if relation.inverse in target.fields or relation.inverse in target.relations:
                self.m.error(
                    origin,
                    ("inverse",),
                    f"{relation.target!r} already has a field or relation "
                    f"named {relation.inverse!r}",
                    "choose another inverse name",
                )
            elif (first.entity, first.relation) != (entity.entity, name):
                self.m.error(
                    origin,
                    ("inverse",),
                    f"{first.entity}.{first.relation} already gives {relation.target!r} "
                    f"a relation named {relation.inverse!r}",
                    "choose another inverse name",
                )

    def formula_cycles(self) -> None:
        graph: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for entity in self.entities.values():
            for name, field in entity.fields.items():
                if not isinstance(field, FormulaField):
                    continue
                edges: list[tuple[str, str]] = []
                try:
                    paths = refs(field.expression)
                except ExpressionError:
                    continue
                for ref in paths:
                    try:
                        resolved, target = resolve_path(self.entities, entity.entity, ref, 0)
                    except ExpressionError:
                        continue
                    if isinstance(target, FormulaField):
                        edges.append((resolved.entity, resolved.field))
                graph[(entity.entity, name)] = edges
        state: dict[tuple[str, str], int] = {}

        def visit(node: tuple[str, str], trail: list[tuple[str, str]]) -> None:
            if state.get(node) == 2:
                return
            if state.get(node) == 1:
                cycle = [*trail[trail.index(node) :], node]
                text = " -> ".join(f"{e}.{f}" for e, f in cycle)
                self.m.error(
                    self.m.origin("field", *node),
                    ("expression",),
                    f"formulas refer to each other in a cycle: {text}",
                    "break the cycle: one of them must not use the other",
                )
                return
            state[node] = 1
            for edge in graph.get(node, []):
                visit(edge, [*trail, node])
            state[node] = 2

        for node in graph:
            visit(node, [])


def _display_fields(entity: EntityDef) -> list[str]:
    """Fields that may be an entity's primary field (its display name)."""
    return [
        name
        for name, field in entity.fields.items()
        if field.type in TEXT_KINDS
        or (isinstance(field, FormulaField) and field.returns is ValueType.STRING)
    ]


def validate(merged: Merged) -> None:
    """Run every cross-check, appending located errors to ``merged.errors``."""
    checks = _EntityChecks(merged)
    checks.entities_()
    check_surface(merged)
    check_data(merged)
