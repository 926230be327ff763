"""Many-to-many links: which junction table, which side, and the link's own fields.

A relation is usable from both ends: by its name on the entity that declares it
(``team.members``) and by its ``inverse`` name on the target (``user.teams``). Either
way the repository gets a :class:`LinkSide` saying which junction column holds
"this" record and which holds the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.schema import ManyToManyRelation
from xrm.metamodel.scopes import inverse_relations

from . import codec
from .errors import FieldError, QueryError
from .tables import Junction, StorageModel
from .values import CoerceContext, Invalid, coerce, default_input


@dataclass(frozen=True)
class LinkSide:
    """One end of an N:N relation, seen from ``entity``."""

    entity: str
    relation: str
    junction: Junction
    #: The junction column holding this entity's record id.
    near: sa.Column[Any]
    #: The junction column holding the linked record's id.
    far: sa.Column[Any]
    #: The entity of the linked records.
    target: str


def link_side(storage: StorageModel, entity: str, relation: str) -> LinkSide:
    """The N:N relation ``relation`` of ``entity``, from either end; QueryError if none."""
    registry = storage.registry
    declared = registry.entity(entity).relations.get(relation)
    if isinstance(declared, ManyToManyRelation):
        junction = storage.junction(entity, relation)
        return LinkSide(
            entity,
            relation,
            junction,
            junction.source_column,
            junction.target_column,
            declared.target,
        )
    inverses = inverse_relations(registry.entities, entity)
    inverse = inverses.get(relation)
    if inverse is not None:
        junction = storage.junction(inverse.entity, inverse.relation)
        return LinkSide(
            entity,
            relation,
            junction,
            junction.target_column,
            junction.source_column,
            inverse.target,
        )
    names = [
        n for n, r in registry.entity(entity).relations.items() if isinstance(r, ManyToManyRelation)
    ] + list(inverses)
    if declared is not None:
        message = (
            f"{entity}.{relation} is a one-to-many relation; set the lookup on the other record"
        )
        raise QueryError(message)
    raise QueryError(
        f"{entity} has no many-to-many relation {relation!r}",
        suggestion=did_you_mean(relation, names)
        or "declare it under relations: with type many_to_many",
    )


def prepare_link_fields(
    side: LinkSide,
    values: Mapping[str, object] | None,
    ctx: CoerceContext,
    now: dt.datetime,
    *,
    creating: bool,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Column values for the link's own fields (with defaults when ``creating``)."""
    fields = side.junction.fields
    given = dict(values or {})
    canonical: dict[str, object] = {}
    errors: list[FieldError] = []
    label = f"{side.relation}."
    for name, raw in given.items():
        definition = fields.get(name)
        if definition is None:
            hint = did_you_mean(name, fields) or "this relation has no link fields"
            errors.append(
                FieldError(label + name, "unknown_field", f"no link field {name!r} ({hint})")
            )
            continue
        try:
            canonical[name] = coerce(definition, raw, ctx)
        except Invalid as exc:
            errors.append(FieldError(label + name, exc.code, exc.message))
    if creating:
        for name, definition in fields.items():
            default = None if name in given else default_input(definition, now)
            if default is not None:
                try:
                    canonical[name] = coerce(definition, default, ctx)
                except Invalid as exc:
                    errors.append(FieldError(label + name, exc.code, f"default {exc.message}"))
    failed = {error.field for error in errors}
    for name, definition in fields.items():
        applies = creating or name in given
        missing = canonical.get(name) is None
        if applies and definition.required and missing and label + name not in failed:
            errors.append(FieldError(label + name, "required", "is required"))
    columns: dict[str, Any] = {}
    for name, value in canonical.items():
        columns.update(codec.encode(name, fields[name], value))
    return columns, errors


def decode_link(side: LinkSide, row: Mapping[Any, Any]) -> dict[str, Any]:
    """A link as a record: the linked ``id``, when it was made, and the link fields."""
    link: dict[str, Any] = {
        "id": codec.to_id(row[side.far.name]),
        "created_at": codec.to_utc(row["created_at"]),
    }
    for name, definition in side.junction.fields.items():
        link[name] = codec.decode(name, definition, row)
    return link
