"""The shared machinery of the cross-checks: resolving names, checking expressions.

:mod:`.validate` (entities) and :mod:`.surface_checks` (forms, views, roles,
translations) both report through a :class:`Checker`, so an error is located and
worded the same way wherever it is found, and a field that failed to load is
reported once rather than at every place that mentions it.
"""

from __future__ import annotations

from .errors import MetamodelError, YamlPath, did_you_mean
from .expression_types import Scope, check
from .expressions import ExpressionError, FieldRef, field_refs, parse
from .merge import Merged, Origin
from .schema import EntityDef, LookupField
from .scopes import inverse_relations, resolve_path
from .types import COMPUTED_KINDS, MAX_IDENTIFIER_BYTES, FieldKind, ValueType

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
#: Kinds the platform fills in, so forms and data never need to supply them.
GENERATED_KINDS = frozenset({FieldKind.AUTONUMBER, *COMPUTED_KINDS})


class Checker:
    """Base of the cross-checks over one :class:`Merged`: helpers that report located errors."""

    def __init__(self, merged: Merged) -> None:
        self.m = merged
        self.entities = merged.entities

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
            entity = getattr(scope, "entity", None)
            if isinstance(entity, str) and self.broken_at(entity, text, exc.pos):
                return []
            location = document.locate_in_text(path, exc.pos)
            message = f"in expression {text!r}: {exc.message}"
            self.m.errors.append(MetamodelError(location, path, message, exc.suggestion))
            return []
        return checked.fields

    def broken_at(self, entity: str, text: str, pos: int) -> bool:
        """Whether the name at ``pos`` in ``text`` is a field that failed to load."""
        try:
            found = field_refs(parse(text))
        except ExpressionError:
            return False
        return any(ref.pos == pos and self.path_broken(entity, ref.path) for ref in found)

    def path_broken(self, entity: str, path: tuple[str, ...]) -> bool:
        """Whether following ``path`` from ``entity`` meets a field that failed to load."""
        current = self.entities.get(entity)
        for name in path:
            if current is None:
                return False
            if self.m.is_broken(current.entity, name):
                return True
            field = current.fields.get(name)
            if not isinstance(field, LookupField):
                return False
            if field.target not in self.entities:
                return True  # the lookup's own error names the missing entity
            current = self.entities[field.target]
        return False

    def entity_ref(self, origin: Origin, sub: YamlPath, name: str, what: str = "entity") -> bool:
        """Whether entity ``name`` exists; reports it (with the closest name) when not."""
        if name in self.entities:
            return True
        self.m.error(origin, sub, f"unknown {what} {name!r}", did_you_mean(name, self.entities))
        return False

    def long_name(self, origin: Origin, sub: YamlPath, generated: str, what: str) -> None:
        """Report a generated table or column name PostgreSQL would silently truncate."""
        size = len(generated.encode())
        if size > MAX_IDENTIFIER_BYTES:
            self.m.key_error(
                origin,
                sub,
                f"the generated {what} name {generated!r} is {size} bytes; "
                f"PostgreSQL allows {MAX_IDENTIFIER_BYTES}",
                "shorten the names involved",
            )

    def field_on(
        self, origin: Origin, sub: YamlPath, entity: EntityDef, name: str, *, dotted: bool
    ) -> bool:
        """Check a field name (optionally a dotted lookup path) on ``entity``."""
        path = tuple(name.split(".")) if dotted else (name,)
        try:
            resolve_path(self.entities, entity.entity, path, 0)
        except ExpressionError as exc:
            if not self.path_broken(entity.entity, path):
                self.m.error(origin, sub, exc.message, exc.suggestion)
            return False
        return True

    def related_target(self, entity: EntityDef, name: str) -> str | None:
        """The entity a related list named ``name`` shows: a relation's or an inverse's."""
        relation = entity.relations.get(name)
        if relation is not None:
            return relation.target
        inverse = inverse_relations(self.entities, entity.entity).get(name)
        return None if inverse is None else inverse.target


def written(origin: Origin) -> object:
    """The raw YAML data at ``origin`` (None when it is not there)."""
    document, path = origin
    data: object = document.data
    for element in path:
        found = (isinstance(data, dict) and element in data) or (
            isinstance(data, list) and isinstance(element, int) and element < len(data)
        )
        if not found:
            return None
        data = data[element]  # type: ignore[index]
    return data


def refs(text: str) -> list[tuple[str, ...]]:
    """The field paths an expression mentions (raises ExpressionError if it does not parse)."""
    return [ref.path for ref in field_refs(parse(text))]
