"""Cross-checks over the merged metadata: every reference resolves, every expression types.

Each check appends a located error (file:line:column, YAML path, what, suggestion)
and carries on, so one run of ``xrm check`` reports everything that is wrong.
"""

from __future__ import annotations

from .errors import MetamodelError, YamlPath, did_you_mean
from .expression_types import Scope, check
from .expressions import ExpressionError, FieldRef, field_refs, parse
from .merge import Merged, Origin
from .schema import (
    JUNCTION_FIELD_KINDS,
    LANGUAGE_RE,
    EntityDef,
    FieldDef,
    FormDef,
    FormulaField,
    LookupField,
    ManyToManyRelation,
    MoneyField,
    OneToManyRelation,
    PolymorphicLookupField,
    RollupField,
)
from .scopes import EntityScope, ParamEntityScope, field_value_type, resolve_path
from .system_fields import USER_ENTITY
from .types import (
    COMPUTED_KINDS,
    GENERATED_SEPARATOR,
    MAX_IDENTIFIER_BYTES,
    NUMERIC_TYPES,
    SYSTEM_FIELDS,
    Aggregate,
    FieldKind,
    ValueType,
)

#: Kinds whose values are text, so they can be searched and be a primary field.
TEXT_KINDS = frozenset(
    {
        FieldKind.STRING,
        FieldKind.TEXT,
        FieldKind.EMAIL,
        FieldKind.PHONE,
        FieldKind.URL,
        FieldKind.AUTONUMBER,
    }
)
#: Kinds that have no single sortable column (and cannot be indexed).
UNSORTABLE_KINDS = frozenset({FieldKind.MULTICHOICE, FieldKind.POLYMORPHIC_LOOKUP, FieldKind.FILE})


class _Validator:
    def __init__(self, merged: Merged) -> None:
        self.m = merged
        self.entities = merged.entities

    # -------------------------------------------------------------- helpers

    def expression(
        self,
        origin: Origin,
        sub: YamlPath,
        text: str,
        scope: Scope,
        expect: ValueType | None,
    ) -> list[FieldRef]:
        """Parse and type-check one expression; report a located error if it fails."""
        document, base = origin
        path = (*base, *sub)
        try:
            checked = check(parse(text), scope, expect=expect)
        except ExpressionError as exc:
            location = document.locate_in_text(path, exc.pos)
            message = f"in expression {text!r}: {exc.message}"
            self.m.errors.append(MetamodelError(location, path, message, exc.suggestion))
            return []
        return checked.fields

    def entity_ref(self, origin: Origin, sub: YamlPath, name: str, what: str = "entity") -> bool:
        if name in self.entities:
            return True
        self.m.error(origin, sub, f"unknown {what} {name!r}", did_you_mean(name, self.entities))
        return False

    def long_name(self, origin: Origin, sub: YamlPath, generated: str, what: str) -> None:
        size = len(generated.encode())
        if size > MAX_IDENTIFIER_BYTES:
            self.m.key_error(
                origin,
                sub,
                f"the generated {what} name {generated!r} is {size} bytes; "
                f"PostgreSQL allows {MAX_IDENTIFIER_BYTES}",
                "shorten the names involved",
            )

    # --------------------------------------------------------------- entities

    def entities_(self) -> None:
        for entity in self.entities.values():
            self.entity(entity)
        self.formula_cycles()

    def entity(self, entity: EntityDef) -> None:
        origin = self.m.origin("entity", entity.entity)
        if entity.primary_field is not None:
            primary = entity.fields.get(entity.primary_field)
            if primary is None:
                self.m.error(
                    origin,
                    ("primary_field",),
                    f"primary_field {entity.primary_field!r} is not a field of {entity.entity!r}",
                    did_you_mean(entity.primary_field, entity.fields),
                )
            elif primary.type not in TEXT_KINDS:
                self.m.error(
                    origin,
                    ("primary_field",),
                    f"primary_field must be a text field, not {primary.type.value}",
                )
        for name, field in entity.fields.items():
            if name in SYSTEM_FIELDS:
                continue
            self.field(entity, name, field, self.m.origin("field", entity.entity, name))
        for name, relation in entity.relations.items():
            self.relation(entity, name, relation)
        for index, definition in enumerate(entity.indexes):
            index_origin = self.m.origin("index", entity.entity, str(index))
            for position, field_name in enumerate(definition.fields):
                self.stored_field(entity, field_name, index_origin, ("fields", position), "indexed")

    def stored_field(
        self, entity: EntityDef, name: str, origin: Origin, sub: YamlPath, verb: str
    ) -> None:
        field = entity.fields.get(name)
        if name == "id":
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
        if field.unique and field.type in UNSORTABLE_KINDS:
            self.m.error(origin, ("unique",), f"a {field.type.value} field cannot be unique")
        if field.renamed_from is not None and field.renamed_from in entity.fields:
            self.m.error(
                origin,
                ("renamed_from",),
                f"renamed_from {field.renamed_from!r} is still a field of {entity.entity!r}",
                "remove the old field, or drop renamed_from",
            )

    def rollup(self, entity: EntityDef, field: RollupField, origin: Origin) -> None:
        relation = entity.relations.get(field.relation)
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
            if aggregated is None:
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
            if back is None:
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
            if relation.inverse is not None and (
                relation.inverse in target.fields or relation.inverse in target.relations
            ):
                self.m.error(
                    origin,
                    ("inverse",),
                    f"{relation.target!r} already has a field or relation "
                    f"named {relation.inverse!r}",
                )

    def formula_cycles(self) -> None:
        graph: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for entity in self.entities.values():
            for name, field in entity.fields.items():
                if not isinstance(field, FormulaField):
                    continue
                edges: list[tuple[str, str]] = []
                try:
                    refs = _refs(field.expression)
                except ExpressionError:
                    continue
                for ref in refs:
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

    # ------------------------------------------------------------- forms/views

    def field_on(
        self, origin: Origin, sub: YamlPath, entity: EntityDef, name: str, *, dotted: bool
    ) -> bool:
        """Check a field name (optionally a dotted lookup path) on ``entity``."""
        path = tuple(name.split(".")) if dotted else (name,)
        try:
            resolve_path(self.entities, entity.entity, path, 0)
        except ExpressionError as exc:
            self.m.error(origin, sub, exc.message, exc.suggestion)
            return False
        return True

    def forms(self) -> None:
        for form in self.m.forms.values():
            self.form(form)

    def form(self, form: FormDef) -> None:
        origin = self.m.origin("form", form.form)
        if not self.entity_ref(origin, ("entity",), form.entity):
            return
        entity = self.entities[form.entity]
        scope = EntityScope(self.entities, entity.entity)
        seen: dict[str, str] = {}
        for tab in form.tabs:
            for section in tab.sections:
                section_origin = self.m.origin("section", form.form, tab.name, section.name)
                if section.visible_if:
                    self.expression(
                        section_origin,
                        ("visible_if",),
                        section.visible_if,
                        scope,
                        ValueType.BOOLEAN,
                    )
                for position, ref in enumerate(section.fields):
                    sub: YamlPath = ("fields", position)
                    if not self.field_on(section_origin, sub, entity, ref.field, dotted=False):
                        continue
                    if ref.field in seen:
                        self.m.error(
                            section_origin,
                            sub,
                            f"field {ref.field!r} is already on this form "
                            f"(section {seen[ref.field]!r})",
                        )
                    seen[ref.field] = section.name
                    for key in ("visible_if", "required_if"):
                        text = getattr(ref, key)
                        if text:
                            self.expression(
                                section_origin, (*sub, key), text, scope, ValueType.BOOLEAN
                            )
                for position, related in enumerate(section.related):
                    sub = ("related", position)
                    relation = entity.relations.get(related.relation)
                    if relation is None:
                        self.m.error(
                            section_origin,
                            sub,
                            f"{entity.entity!r} has no relation {related.relation!r}",
                            did_you_mean(related.relation, entity.relations),
                        )
                        continue
                    target = self.entities.get(relation.target)
                    if target is not None:
                        for c, column in enumerate(related.columns):
                            self.field_on(
                                section_origin, (*sub, "columns", c), target, column, dotted=True
                            )
                    if related.view is not None:
                        view = self.m.views.get(related.view)
                        if view is None or view.entity != relation.target:
                            self.m.error(
                                section_origin,
                                (*sub, "view"),
                                f"no view {related.view!r} on {relation.target!r}",
                                did_you_mean(
                                    related.view,
                                    [
                                        v.view
                                        for v in self.m.views.values()
                                        if v.entity == relation.target
                                    ],
                                ),
                            )

    def views(self) -> None:
        for view in self.m.views.values():
            origin = self.m.origin("view", view.view)
            if not self.entity_ref(origin, ("entity",), view.entity):
                continue
            entity = self.entities[view.entity]
            for position, column in enumerate(view.columns):
                self.field_on(origin, ("columns", position), entity, column.field, dotted=True)
            for position, sort in enumerate(view.sort):
                sub: YamlPath = ("sort", position)
                if self.field_on(origin, sub, entity, sort.field, dotted=True):
                    _, field = resolve_path(
                        self.entities, entity.entity, tuple(sort.field.split(".")), 0
                    )
                    if field is not None and field.type in UNSORTABLE_KINDS:
                        self.m.error(origin, sub, f"cannot sort by a {field.type.value} field")
            if view.filter:
                scope = ParamEntityScope(self.entities, entity.entity, {"user": USER_ENTITY})
                self.expression(origin, ("filter",), view.filter, scope, ValueType.BOOLEAN)

    # ------------------------------------------------------------------ roles

    def roles(self) -> None:
        for role in self.m.roles.values():
            origin = self.m.origin("role", role.role)
            for name in role.entities:
                self.entity_ref((origin[0], ("entities",)), (name,), name)
            for key in role.fields:
                sub: YamlPath = ("fields", key)
                entity_name, _, field_name = key.partition(".")
                if not field_name:
                    self.m.key_error(origin, sub, f"{key!r} must be written entity.field")
                    continue
                if self.entity_ref(origin, sub, entity_name):
                    self.field_on(origin, sub, self.entities[entity_name], field_name, dotted=False)
            for position, rule in enumerate(role.rules):
                sub = ("rules", position)
                if not self.entity_ref(origin, (*sub, "entity"), rule.entity):
                    continue
                scope = ParamEntityScope(self.entities, rule.entity, {"user": USER_ENTITY})
                for action in ("read", "update", "delete"):
                    text = getattr(rule, action)
                    if text:
                        self.expression(origin, (*sub, action), text, scope, ValueType.BOOLEAN)

    # ---------------------------------------------------------- data & i18n

    def data(self) -> None:
        for _, sourced in self.m.data:
            origin: Origin = (sourced.document, ())
            data = sourced.model
            if not self.entity_ref(origin, ("entity",), data.entity):
                continue
            entity = self.entities[data.entity]
            writable = {n for n, f in entity.fields.items() if f.type not in COMPUTED_KINDS}
            for position, record in enumerate(data.records):
                for key in record:
                    if key in ("ref", "id") or key in writable:
                        continue
                    field = entity.fields.get(key)
                    message = (
                        f"{key!r} is computed and cannot be loaded"
                        if field is not None
                        else f"unknown field {key!r} on {entity.entity!r}"
                    )
                    self.m.key_error(
                        origin,
                        ("records", position, key),
                        message,
                        None if field is not None else did_you_mean(key, writable),
                    )

    def translations(self) -> None:
        for lang, sourced in self.m.translations:
            origin: Origin = (sourced.document, ())
            if not LANGUAGE_RE.match(lang):
                self.m.error(origin, (), f"i18n file name {lang!r} is not a language code")
            for name, translation in sourced.model.entities.items():
                sub: YamlPath = ("entities", name)
                if not self.entity_ref(origin, sub, name):
                    continue
                entity = self.entities[name]
                for field_name in translation.fields:
                    if field_name not in entity.fields:
                        self.m.key_error(
                            origin,
                            (*sub, "fields", field_name),
                            f"unknown field {field_name!r} on {name!r}",
                            did_you_mean(field_name, entity.fields),
                        )
                for field_name, options in translation.options.items():
                    field = entity.fields.get(field_name)
                    if not hasattr(field, "option_values"):
                        self.m.key_error(
                            origin,
                            (*sub, "options", field_name),
                            f"{field_name!r} is not a choice field of {name!r}",
                        )
                        continue
                    values = field.option_values()  # type: ignore[union-attr]
                    for value in options:
                        if value not in values:
                            self.m.key_error(
                                origin,
                                (*sub, "options", field_name, value),
                                f"{value!r} is not an option of {name}.{field_name}",
                                did_you_mean(value, values),
                            )
                for relation in translation.relations:
                    if relation not in entity.relations:
                        self.m.key_error(
                            origin,
                            (*sub, "relations", relation),
                            f"unknown relation {relation!r} on {name!r}",
                            did_you_mean(relation, entity.relations),
                        )


def _refs(text: str) -> list[tuple[str, ...]]:
    return [ref.path for ref in field_refs(parse(text))]


def validate(merged: Merged) -> None:
    """Run every cross-check, appending located errors to ``merged.errors``."""
    validator = _Validator(merged)
    validator.entities_()
    validator.forms()
    validator.views()
    validator.roles()
    validator.data()
    validator.translations()
