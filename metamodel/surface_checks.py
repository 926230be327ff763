"""Cross-checks of what is built on the entities: forms, views, roles and translations.

Each names entities, fields and relations and may hold expressions; every name
must resolve and every expression must type-check on the entity it is written on.
"""

from __future__ import annotations

from .checker import GENERATED_KINDS, UNSORTABLE_KINDS, Checker
from .errors import YamlPath, did_you_mean
from .merge import Merged, Origin
from .schema import LANGUAGE_RE, EntityDef, EntityPermissions, FormDef
from .scopes import EntityScope, ParamEntityScope, inverse_relations, resolve_path
from .system_fields import USER_ENTITY
from .types import SYSTEM_FIELDS, Ownership, ValueType
from .types import Scope as RowScope

#: The row scopes that mean something for each kind of ownership: 'own' and 'team'
#: need an owner, 'business_unit' needs a business unit column.
SCOPES_BY_OWNERSHIP: dict[Ownership, frozenset[RowScope]] = {
    Ownership.USER: frozenset(RowScope),
    Ownership.TEAM: frozenset(RowScope),
    Ownership.BUSINESS_UNIT: frozenset(RowScope) - {RowScope.OWN, RowScope.TEAM},
    Ownership.ORGANIZATION: frozenset({RowScope.NONE, RowScope.ALL}),
}
_OWNERSHIP_TEXT: dict[Ownership, str] = {
    Ownership.USER: "are owned by a user or team",
    Ownership.TEAM: "are owned by a team",
    Ownership.BUSINESS_UNIT: "belong to a business unit, with no owner",
    Ownership.ORGANIZATION: "have no owner (ownership: organization)",
}


class _SurfaceChecks(Checker):
    """Forms, views, roles and translations, each checked against the merged entities."""

    # ------------------------------------------------------------- forms/views

    def forms(self) -> None:
        defaults: dict[tuple[str, str], str] = {}
        for form in self.m.forms.values():
            self.form(form)
            if form.default:
                key = (form.entity, form.kind)
                if key in defaults:
                    self.m.error(
                        self.m.origin("form", form.form),
                        ("default",),
                        f"{form.entity!r} already has a default {form.kind} form: "
                        f"{defaults[key]!r}",
                        "keep default: true on one of them",
                    )
                else:
                    defaults[key] = form.form

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
                    target_name = self.related_target(entity, related.relation)
                    if target_name is None and self.m.is_broken(entity.entity, related.relation):
                        continue
                    if target_name is None:
                        inverses = inverse_relations(self.entities, entity.entity)
                        self.m.error(
                            section_origin,
                            sub,
                            f"{entity.entity!r} has no relation {related.relation!r}",
                            did_you_mean(related.relation, [*entity.relations, *inverses]),
                        )
                        continue
                    target = self.entities.get(target_name)
                    if target is not None:
                        for c, column in enumerate(related.columns):
                            self.field_on(
                                section_origin, (*sub, "columns", c), target, column, dotted=True
                            )
                    if related.view is not None:
                        view = self.m.views.get(related.view)
                        if view is None or view.entity != target_name:
                            self.m.error(
                                section_origin,
                                (*sub, "view"),
                                f"no view {related.view!r} on {target_name!r}",
                                did_you_mean(
                                    related.view,
                                    [
                                        v.view
                                        for v in self.m.views.values()
                                        if v.entity == target_name
                                    ],
                                ),
                            )
        missing = [
            name
            for name, field in entity.fields.items()
            if field.required
            and name not in SYSTEM_FIELDS
            and field.type not in GENERATED_KINDS
            and getattr(field, "default", None) is None
            and name not in seen
        ]
        if missing:
            names = ", ".join(repr(name) for name in missing)
            self.m.error(
                origin,
                ("form",),
                f"form {form.form!r} leaves out required field(s) {names}, so it cannot "
                f"create {entity.entity!r} records",
                "add them to a section, or give them a default",
            )

    def views(self) -> None:
        defaults: dict[str, str] = {}
        for view in self.m.views.values():
            origin = self.m.origin("view", view.view)
            if not self.entity_ref(origin, ("entity",), view.entity):
                continue
            if view.default:
                if view.entity in defaults:
                    self.m.error(
                        origin,
                        ("default",),
                        f"{view.entity!r} already has a default view: {defaults[view.entity]!r}",
                        "keep default: true on one of them",
                    )
                else:
                    defaults[view.entity] = view.view
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
            for name, permissions in role.entities.items():
                sub_entity: YamlPath = ("entities", name)
                entity = self.entities.get(name)
                if entity is None:
                    self.m.key_error(
                        origin,
                        sub_entity,
                        f"unknown entity {name!r}",
                        did_you_mean(name, self.entities),
                    )
                    continue
                self.scopes_fit(origin, sub_entity, entity, permissions)
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

    def scopes_fit(
        self, origin: Origin, sub: YamlPath, entity: EntityDef, permissions: EntityPermissions
    ) -> None:
        """A scope must make sense for the entity's ownership (no 'own' without an owner)."""
        allowed = SCOPES_BY_OWNERSHIP[entity.ownership]
        for action in EntityPermissions.model_fields:
            scope: RowScope = getattr(permissions, action)
            if scope not in allowed:
                self.m.error(
                    origin,
                    (*sub, action),
                    f"{entity.entity!r} records {_OWNERSHIP_TEXT[entity.ownership]}, "
                    f"so scope {scope.value!r} cannot apply to them",
                    "use one of: " + ", ".join(s.value for s in RowScope if s in allowed),
                )

    # ------------------------------------------------------------------ i18n

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
                    if field_name not in entity.fields and not self.m.is_broken(name, field_name):
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


def check_surface(merged: Merged) -> None:
    """Check forms, views, roles and translations, appending errors to ``merged.errors``."""
    checks = _SurfaceChecks(merged)
    checks.forms()
    checks.views()
    checks.roles()
    checks.translations()
