"""The Registry: one immutable, merged, validated view of all installed metadata.

Everything downstream (tables, migrations, GraphQL, screens) is a function of a
Registry. Its ``version`` is a content hash, so two processes holding registries
with the same version hold the same metadata.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .dependencies import order_solutions
from .errors import MetamodelError, MetamodelErrors, did_you_mean
from .merge import Merged, merge
from .schema import (
    ChoiceOption,
    DataFile,
    EntityDef,
    FieldDef,
    FormDef,
    ManyToManyRelation,
    RelationDef,
    RoleDef,
    SolutionManifest,
    ViewDef,
)
from .scopes import InverseRelation, inverse_relations
from .solution import SolutionSource, Sourced, load_solution
from .validate import TEXT_KINDS, validate

#: The platform's own solution (users, teams, business units); always loaded first.
SYSTEM_SOLUTION = "system"


def humanize(name: str) -> str:
    """``close_date`` -> ``Close date``: the label used when none is declared."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def pick(text: Mapping[str, str] | None, lang: str, fallback: str = "") -> str:
    """The text in ``lang``, else its base language, else English, else any, else fallback."""
    if not text:
        return fallback
    base = lang.split("-", 1)[0]
    for candidate in (lang, base, "en"):
        if candidate in text:
            return text[candidate]
    return next(iter(text.values()), fallback)


@dataclass(frozen=True)
class Registry:
    """Merged metadata of a set of solutions, in dependency order."""

    solutions: tuple[SolutionManifest, ...]
    entities: Mapping[str, EntityDef]
    forms: Mapping[str, FormDef]
    views: Mapping[str, ViewDef]
    roles: Mapping[str, RoleDef]
    #: (solution name, data file) in load order.
    data: tuple[tuple[str, DataFile], ...]
    #: The solution that declared each entity.
    entity_solution: Mapping[str, str]
    #: UI strings per language (``strings:`` of the i18n files).
    strings: Mapping[str, Mapping[str, str]]
    version: str = field(default="")

    def entity(self, name: str) -> EntityDef:
        try:
            return self.entities[name]
        except KeyError:
            hint = did_you_mean(name, self.entities)
            raise KeyError(f"unknown entity {name!r}" + (f" ({hint})" if hint else "")) from None

    def field(self, entity: str, name: str) -> FieldDef:
        definition = self.entity(entity)
        try:
            return definition.fields[name]
        except KeyError:
            hint = did_you_mean(name, definition.fields)
            raise KeyError(
                f"unknown field {name!r} on {entity!r}" + (f" ({hint})" if hint else "")
            ) from None

    def relation(self, entity: str, name: str) -> RelationDef:
        definition = self.entity(entity)
        try:
            return definition.relations[name]
        except KeyError:
            hint = did_you_mean(name, definition.relations)
            raise KeyError(
                f"unknown relation {name!r} on {entity!r}" + (f" ({hint})" if hint else "")
            ) from None

    def inverses(self, entity: str) -> dict[str, InverseRelation]:
        """Other entities' many-to-many relations, by the ``inverse`` name ``entity`` sees.

        A contact's form lists ``opportunities`` through ``opportunity.contacts``
        (``inverse: opportunities``); the relation itself is declared once.
        """
        self.entity(entity)  # raises with a suggestion
        return inverse_relations(self.entities, entity)

    def many_to_many(self) -> list[tuple[str, str, ManyToManyRelation]]:
        """Every declared N:N relation as (entity, relation name, definition)."""
        return [
            (entity.entity, name, relation)
            for entity in self.entities.values()
            for name, relation in entity.relations.items()
            if isinstance(relation, ManyToManyRelation)
        ]

    def solution(self, name: str) -> SolutionManifest:
        for manifest in self.solutions:
            if manifest.name == name:
                return manifest
        raise KeyError(f"unknown solution {name!r}")


def _english(label: Mapping[str, str] | None, name: str) -> dict[str, str]:
    """``label`` with an English text, humanized from ``name`` when none was written.

    English is the language every other one falls back to, so a label translated
    only through i18n files (``{fr: Nom complet}``) must still get one.
    """
    if label and "en" in label:
        return dict(label)
    return {"en": humanize(name), **(label or {})}


def _plural(label: str) -> str:
    if label.endswith(("s", "x", "ch", "sh")):
        return label + "es"
    if label.endswith("y") and label[-2:-1] not in tuple("aeiou"):
        return label[:-1] + "ies"
    return label + "s"


def _field_with_labels(name: str, definition: FieldDef) -> FieldDef:
    update: dict[str, Any] = {"label": _english(definition.label, name)}
    options: list[ChoiceOption] | None = getattr(definition, "options", None)
    if options is not None:
        update["options"] = [
            o.model_copy(update={"label": _english(o.label, o.value)}) for o in options
        ]
    return definition.model_copy(update=update)


def _relation_with_labels(name: str, relation: RelationDef) -> RelationDef:
    update: dict[str, Any] = {"label": _english(relation.label, name)}
    if isinstance(relation, ManyToManyRelation):
        update["fields"] = {n: _field_with_labels(n, f) for n, f in relation.fields.items()}
    return relation.model_copy(update=update)


def _with_labels(entity: EntityDef) -> EntityDef:
    """Fill in default labels and the primary field, so consumers never guess."""
    label = _english(entity.label, entity.entity)
    update_entity: dict[str, Any] = {
        "label": label,
        "fields": {n: _field_with_labels(n, f) for n, f in entity.fields.items()},
        "relations": {n: _relation_with_labels(n, r) for n, r in entity.relations.items()},
    }
    if not entity.plural or "en" not in entity.plural:
        update_entity["plural"] = {"en": _plural(label["en"]), **(entity.plural or {})}
    if entity.primary_field is None:
        if "name" in entity.fields and entity.fields["name"].type in TEXT_KINDS:
            update_entity["primary_field"] = "name"
        else:
            text = [n for n, f in entity.fields.items() if f.type in TEXT_KINDS]
            if text:
                update_entity["primary_field"] = text[0]
    return entity.model_copy(update=update_entity)


def _translate(merged: Merged) -> dict[str, dict[str, str]]:
    """Merge i18n files into the labels of entities, fields, options and relations."""
    strings: dict[str, dict[str, str]] = {}
    for lang, sourced in merged.translations:
        strings.setdefault(lang, {}).update(sourced.model.strings)
        for entity_name, translation in sourced.model.entities.items():
            entity = merged.entities.get(entity_name)
            if entity is None:
                continue
            update: dict[str, Any] = {}
            if translation.label:
                update["label"] = {**(entity.label or {}), lang: translation.label}
            if translation.plural:
                update["plural"] = {**(entity.plural or {}), lang: translation.plural}
            fields = dict(entity.fields)
            for field_name, text in translation.fields.items():
                if field_name in fields:
                    current = fields[field_name]
                    fields[field_name] = current.model_copy(
                        update={"label": {**(current.label or {}), lang: text}}
                    )
            for field_name, option_texts in translation.options.items():
                choice = fields.get(field_name)
                options: list[ChoiceOption] | None = getattr(choice, "options", None)
                if choice is None or options is None:
                    continue
                fields[field_name] = choice.model_copy(
                    update={
                        "options": [
                            o.model_copy(
                                update={"label": {**(o.label or {}), lang: option_texts[o.value]}}
                            )
                            if o.value in option_texts
                            else o
                            for o in options
                        ]
                    }
                )
            relations = dict(entity.relations)
            for relation_name, text in translation.relations.items():
                if relation_name in relations:
                    relation = relations[relation_name]
                    relations[relation_name] = relation.model_copy(
                        update={"label": {**(relation.label or {}), lang: text}}
                    )
            update["fields"] = fields
            update["relations"] = relations
            merged.entities[entity_name] = entity.model_copy(update=update)
    return strings


def registry_version(registry: Registry) -> str:
    """The content hash of a registry's metadata (what ``Registry.version`` holds)."""
    payload = {
        "solutions": [s.model_dump(mode="json") for s in registry.solutions],
        "entities": {k: v.model_dump(mode="json") for k, v in sorted(registry.entities.items())},
        "forms": {k: v.model_dump(mode="json") for k, v in sorted(registry.forms.items())},
        "views": {k: v.model_dump(mode="json") for k, v in sorted(registry.views.items())},
        "roles": {k: v.model_dump(mode="json") for k, v in sorted(registry.roles.items())},
        "strings": {lang: dict(texts) for lang, texts in registry.strings.items()},
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def build_registry(sources: Sequence[SolutionSource]) -> Registry:
    """Merge and cross-check solutions; raise :class:`MetamodelErrors` listing every problem."""
    ordered, errors = order_solutions(sources)
    merged = merge(ordered)
    merged.errors.extend(errors)
    validate(merged)
    if merged.errors:
        raise MetamodelErrors(merged.errors)
    strings = _translate(merged)
    entities = {name: _with_labels(entity) for name, entity in merged.entities.items()}
    registry = Registry(
        solutions=tuple(s.manifest.model for s in ordered),
        entities=MappingProxyType(entities),
        forms=MappingProxyType(dict(merged.forms)),
        views=MappingProxyType(dict(merged.views)),
        roles=MappingProxyType(dict(merged.roles)),
        data=tuple((solution, sourced.model) for solution, sourced in merged.data),
        entity_solution=MappingProxyType(dict(merged.entity_solution)),
        strings=MappingProxyType({k: MappingProxyType(v) for k, v in strings.items()}),
    )
    return _replace_version(registry)


def _replace_version(registry: Registry) -> Registry:
    return replace(registry, version=registry_version(registry))


def shipped_solutions_dir() -> Path:
    """The ``solutions/`` folder shipped with the platform (in the repo or the wheel)."""
    return Path(__file__).resolve().parent.parent / "solutions"


def load_sources(
    paths: Iterable[Path], *, include_system: bool = True
) -> tuple[list[SolutionSource], list[MetamodelError]]:
    """Load solution folders (plus the system solution), collecting every shape error."""
    errors: list[MetamodelError] = []
    sources: list[SolutionSource] = []
    roots = [Path(p) for p in paths]
    system_root = shipped_solutions_dir() / SYSTEM_SOLUTION
    if include_system and not any(_same(root, system_root) for root in roots):
        roots.insert(0, system_root)
    for root in roots:
        source, found = load_solution(root)
        errors.extend(found)
        if source is not None:
            if include_system and source.name != SYSTEM_SOLUTION:
                depends = dict(source.manifest.model.depends)
                depends.setdefault(SYSTEM_SOLUTION, "*")
                manifest = source.manifest.model.model_copy(update={"depends": depends})
                source = _with_manifest(source, manifest)
            sources.append(source)
    return sources, errors


def _with_manifest(source: SolutionSource, manifest: SolutionManifest) -> SolutionSource:
    return replace(source, manifest=Sourced(manifest, source.manifest.document))


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def load_registry(paths: Iterable[Path], *, include_system: bool = True) -> Registry:
    """Load, validate and merge solution folders into a Registry (or raise MetamodelErrors)."""
    sources, errors = load_sources(paths, include_system=include_system)
    if errors:
        # Still run the cross-checks on what did load, so one run reports everything.
        try:
            build_registry(sources)
        except MetamodelErrors as more:
            errors.extend(more.errors)
        raise MetamodelErrors(errors)
    return build_registry(sources)
