"""Merge ordered solutions into one set of entities, forms, views and roles.

A later solution may *extend* an entity or a form declared by a solution it depends
on (new fields, relations, indexes, choice options, sections). Declaring the same
name twice is an error. Every merged piece remembers where it was written, so the
cross-checks that follow can point at the right file and line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .errors import MetamodelError, YamlPath, did_you_mean
from .schema import (
    ChoiceField,
    DataFile,
    EntityDef,
    FieldDef,
    FormDef,
    MultiChoiceField,
    RoleDef,
    SectionDef,
    TabDef,
    TranslationFile,
    ViewDef,
)
from .solution import SolutionSource, Sourced
from .system_fields import system_fields
from .types import SYSTEM_FIELDS, SYSTEM_TABLE_PREFIX
from .yamlsource import Document

#: Where a piece of metadata was written: the document and the YAML path in it.
Origin = tuple[Document, YamlPath]


@dataclass
class Merged:
    """The merged metadata plus the origin of each piece (for error locations)."""

    entities: dict[str, EntityDef] = field(default_factory=dict)
    entity_solution: dict[str, str] = field(default_factory=dict)
    forms: dict[str, FormDef] = field(default_factory=dict)
    form_solution: dict[str, str] = field(default_factory=dict)
    views: dict[str, ViewDef] = field(default_factory=dict)
    roles: dict[str, RoleDef] = field(default_factory=dict)
    data: list[tuple[str, Sourced[DataFile]]] = field(default_factory=list)
    translations: list[tuple[str, Sourced[TranslationFile]]] = field(default_factory=list)
    #: ("entity", name) / ("field", entity, name) / ("relation", entity, name) /
    #: ("index", entity, n) / ("form", name) / ("view", name) / ("role", name) -> origin
    origins: dict[tuple[str, ...], Origin] = field(default_factory=dict)
    errors: list[MetamodelError] = field(default_factory=list)
    #: Fields and relations written in an entity's file that did not load (their own
    #: error is reported): the cross-checks stay quiet about them instead of adding
    #: "unknown field" for every place that mentions them.
    broken: dict[str, set[str]] = field(default_factory=dict)

    def is_broken(self, entity: str, name: str) -> bool:
        """Whether ``entity`` declared ``name`` but it failed to load (already reported)."""
        return name in self.broken.get(entity, ())

    def note_broken(self, entity: str, document: Document, loaded: set[str]) -> None:
        """Remember the names under ``fields:``/``relations:`` of ``document`` not in ``loaded``."""
        written: set[str] = set()
        for key in ("fields", "relations"):
            section = document.data.get(key) if isinstance(document.data, dict) else None
            if isinstance(section, dict):
                written.update(str(name) for name in section)
        missing = written - loaded
        if missing:
            self.broken.setdefault(entity, set()).update(missing)

    def origin(self, *key: str) -> Origin:
        return self.origins[key]

    def error(
        self, origin: Origin, sub: YamlPath, message: str, suggestion: str | None = None
    ) -> None:
        document, base = origin
        path = (*base, *sub)
        self.errors.append(MetamodelError(document.locate(path), path, message, suggestion))

    def key_error(
        self, origin: Origin, sub: YamlPath, message: str, suggestion: str | None = None
    ) -> None:
        document, base = origin
        path = (*base, *sub)
        location = document.locate(path, key=True)
        self.errors.append(MetamodelError(location, path, message, suggestion))


def _add_fields(
    merged: Merged,
    entity: str,
    fields: dict[str, FieldDef],
    into: dict[str, FieldDef],
    document: Document,
) -> None:
    for name, definition in fields.items():
        origin: Origin = (document, ("fields", name))
        if name in SYSTEM_FIELDS:
            merged.key_error(
                origin,
                (),
                f"{name!r} is a system field that every entity already has",
                f"choose another name, e.g. '{entity}_{name}'",
            )
            continue
        if name in into:
            first, _ = merged.origins[("field", entity, name)]
            merged.key_error(
                origin, (), f"field {name!r} is already declared", f"first declared in {first.file}"
            )
            continue
        into[name] = definition
        merged.origins[("field", entity, name)] = origin


def merge(ordered: Sequence[SolutionSource]) -> Merged:
    merged = Merged()
    dependencies: dict[str, set[str]] = {}
    for source in ordered:
        name = source.name
        closure = {name}
        for dependency in source.manifest.model.depends:
            closure |= dependencies.get(dependency, {dependency})
        dependencies[name] = closure
        _merge_entities(merged, source)
        _merge_extensions(merged, source, closure)
        _merge_forms(merged, source, closure)
        for view in source.views:
            _add_named(merged, "view", view.model.view, view.document, merged.views, view.model)
        for role in source.roles:
            _add_named(merged, "role", role.model.role, role.document, merged.roles, role.model)
        merged.data.extend((name, data) for data in source.data)
        merged.translations.extend(source.translations)
    for entity_name, entity in list(merged.entities.items()):
        merged.entities[entity_name] = entity.model_copy(
            update={"fields": {**entity.fields, **system_fields(entity)}}
        )
    return merged


def _add_named(
    merged: Merged,
    kind: str,
    name: str,
    document: Document,
    into: dict[str, ViewDef] | dict[str, RoleDef],
    model: ViewDef | RoleDef,
) -> None:
    if name in into:
        first, _ = merged.origins[(kind, name)]
        merged.error(
            (document, (kind,)), (), f"{kind} {name!r} is already declared", f"see {first.file}"
        )
        return
    into[name] = model  # type: ignore[assignment]
    merged.origins[(kind, name)] = (document, ())


def _merge_entities(merged: Merged, source: SolutionSource) -> None:
    for sourced in source.entities:
        entity = sourced.model
        document = sourced.document
        if entity.entity.startswith(SYSTEM_TABLE_PREFIX):
            merged.error(
                (document, ("entity",)),
                (),
                f"entity names starting with {SYSTEM_TABLE_PREFIX!r} are reserved for the platform",
            )
            continue
        if entity.entity in merged.entities:
            first, _ = merged.origins[("entity", entity.entity)]
            owner = merged.entity_solution[entity.entity]
            merged.error(
                (document, ("entity",)),
                (),
                f"entity {entity.entity!r} is already declared by solution {owner!r}",
                f"see {first.file}; to add fields to it, write 'extend: {entity.entity}'",
            )
            continue
        fields: dict[str, FieldDef] = {}
        merged.origins[("entity", entity.entity)] = (document, ())
        _add_fields(merged, entity.entity, entity.fields, fields, document)
        for relation in entity.relations:
            merged.origins[("relation", entity.entity, relation)] = (
                document,
                ("relations", relation),
            )
        for index in range(len(entity.indexes)):
            merged.origins[("index", entity.entity, str(index))] = (document, ("indexes", index))
        merged.entities[entity.entity] = entity.model_copy(update={"fields": fields})
        merged.entity_solution[entity.entity] = source.name
        merged.note_broken(entity.entity, document, {*entity.fields, *entity.relations})


def _merge_extensions(merged: Merged, source: SolutionSource, closure: set[str]) -> None:
    for sourced in source.extensions:
        extension = sourced.model
        document = sourced.document
        target = merged.entities.get(extension.extend)
        if target is None:
            merged.error(
                (document, ("extend",)),
                (),
                f"cannot extend unknown entity {extension.extend!r}",
                did_you_mean(extension.extend, merged.entities),
            )
            continue
        owner = merged.entity_solution[extension.extend]
        if owner not in closure:
            merged.error(
                (document, ("extend",)),
                (),
                f"entity {extension.extend!r} belongs to solution {owner!r}, "
                f"which {source.name!r} does not depend on",
                f"add '{owner}' to depends in solution.yaml",
            )
            continue
        fields = dict(target.fields)
        _add_fields(merged, extension.extend, extension.fields, fields, document)
        merged.note_broken(extension.extend, document, {*extension.fields, *extension.relations})
        relations = dict(target.relations)
        for name, relation in extension.relations.items():
            origin: Origin = (document, ("relations", name))
            if name in relations:
                merged.key_error(origin, (), f"relation {name!r} is already declared")
                continue
            relations[name] = relation
            merged.origins[("relation", extension.extend, name)] = origin
        for option_field, options in extension.options.items():
            origin = (document, ("options", option_field))
            current = fields.get(option_field)
            if not isinstance(current, ChoiceField | MultiChoiceField):
                merged.key_error(
                    origin,
                    (),
                    f"{option_field!r} is not a choice field of {extension.extend!r}",
                    did_you_mean(
                        option_field,
                        [
                            n
                            for n, f in fields.items()
                            if isinstance(f, ChoiceField | MultiChoiceField)
                        ],
                    ),
                )
                continue
            existing = set(current.option_values())
            duplicates = [o.value for o in options if o.value in existing]
            if duplicates:
                merged.error(origin, (), f"option(s) already exist: {', '.join(duplicates)}")
                continue
            fields[option_field] = current.model_copy(
                update={"options": [*current.options, *options]}
            )
        offset = len(target.indexes)
        for index in range(len(extension.indexes)):
            merged.origins[("index", extension.extend, str(offset + index))] = (
                document,
                ("indexes", index),
            )
        update: dict[str, object] = {
            "fields": fields,
            "relations": relations,
            "indexes": [*target.indexes, *extension.indexes],
        }
        if extension.label is not None:
            update["label"] = {**(target.label or {}), **extension.label}
        if extension.plural is not None:
            update["plural"] = {**(target.plural or {}), **extension.plural}
        merged.entities[extension.extend] = target.model_copy(update=update)


def _place_sections(
    merged: Merged,
    form: str,
    tab: str,
    sections: Sequence[SectionDef],
    at: Origin,
    taken: set[str],
) -> list[SectionDef]:
    """Record where each section was written; a section name is used once per form."""
    document, base = at
    placed: list[SectionDef] = []
    for position, section in enumerate(sections):
        origin: Origin = (document, (*base, position))
        if section.name in taken:
            merged.error(
                origin,
                ("name",),
                f"section {section.name!r} appears twice in form {form!r}",
                "section names are unique within a form; rename one",
            )
            continue
        taken.add(section.name)
        merged.origins[("section", form, tab, section.name)] = origin
        placed.append(section)
    return placed


def _place_tabs(
    merged: Merged,
    form: str,
    tabs: Sequence[TabDef],
    at: Origin,
    names: tuple[set[str], set[str]],
) -> list[TabDef]:
    """Record where each tab and section was written; names are unique per form."""
    document, base = at
    tab_names, section_names = names
    placed: list[TabDef] = []
    for position, tab in enumerate(tabs):
        if tab.name in tab_names:
            merged.error(
                (document, (*base, position)),
                ("name",),
                f"tab {tab.name!r} appears twice in form {form!r}",
                "rename one; an extend_form adds sections to an existing tab "
                "under sections: {<tab>: [...]}",
            )
            continue
        tab_names.add(tab.name)
        sections = _place_sections(
            merged,
            form,
            tab.name,
            tab.sections,
            (document, (*base, position, "sections")),
            section_names,
        )
        placed.append(tab.model_copy(update={"sections": sections}))
    return placed


def _names(form: FormDef) -> tuple[set[str], set[str]]:
    """The tab and section names a form already uses (extensions must not reuse them)."""
    return (
        {tab.name for tab in form.tabs},
        {section.name for tab in form.tabs for section in tab.sections},
    )


def _merge_forms(merged: Merged, source: SolutionSource, closure: set[str]) -> None:
    for sourced in source.forms:
        form = sourced.model
        if form.form in merged.forms:
            first, _ = merged.origins[("form", form.form)]
            merged.error(
                (sourced.document, ("form",)),
                (),
                f"form {form.form!r} is already declared",
                f"see {first.file}; to add to it, write 'extend_form: {form.form}'",
            )
            continue
        merged.form_solution[form.form] = source.name
        merged.origins[("form", form.form)] = (sourced.document, ())
        placed = _place_tabs(
            merged, form.form, form.tabs, (sourced.document, ("tabs",)), (set(), set())
        )
        merged.forms[form.form] = form.model_copy(update={"tabs": placed})
    for sourced_extension in source.form_extensions:
        extension = sourced_extension.model
        document = sourced_extension.document
        target = merged.forms.get(extension.extend_form)
        if target is None:
            merged.error(
                (document, ("extend_form",)),
                (),
                f"cannot extend unknown form {extension.extend_form!r}",
                did_you_mean(extension.extend_form, merged.forms),
            )
            continue
        owner = merged.form_solution[extension.extend_form]
        if owner not in closure:
            merged.error(
                (document, ("extend_form",)),
                (),
                f"form {extension.extend_form!r} belongs to solution {owner!r}, "
                f"which {source.name!r} does not depend on",
                f"add '{owner}' to depends in solution.yaml",
            )
            continue
        names = _names(target)
        tabs: list[TabDef] = list(target.tabs)
        tab_names = [t.name for t in tabs]
        for tab_name, sections in extension.sections.items():
            if tab_name not in tab_names:
                merged.key_error(
                    (document, ("sections", tab_name)),
                    (),
                    f"form {extension.extend_form!r} has no tab {tab_name!r}",
                    did_you_mean(tab_name, tab_names),
                )
                continue
            position = tab_names.index(tab_name)
            added = _place_sections(
                merged,
                extension.extend_form,
                tab_name,
                sections,
                (document, ("sections", tab_name)),
                names[1],
            )
            new_sections: list[SectionDef] = [*tabs[position].sections, *added]
            tabs[position] = tabs[position].model_copy(update={"sections": new_sections})
        tabs.extend(
            _place_tabs(merged, extension.extend_form, extension.tabs, (document, ("tabs",)), names)
        )
        merged.forms[extension.extend_form] = target.model_copy(update={"tabs": tabs})
