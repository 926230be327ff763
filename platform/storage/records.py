"""One record's input -> canonical field values, before any SQL: the pure half of a write.

Decides which fields a caller may set, applies YAML defaults (``today``/``now``
included) and the owner default, checks required fields, and collects every
problem of the record as a :class:`FieldError`, so one failed save reports them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from uuid import UUID, uuid4

from xrm.metamodel.errors import did_you_mean
from xrm.metamodel.schema import EntityDef, FieldDef, LookupField, PolymorphicLookupField
from xrm.metamodel.system_fields import USER_ENTITY
from xrm.metamodel.types import COMPUTED_KINDS, FieldKind, Ownership

from . import codec
from .actor import Actor
from .errors import FieldError
from .references import FILE_TARGET
from .values import CoerceContext, Invalid, Ref, coerce, default_input, to_uuid

#: Fields the repository fills in itself on every write.
STAMPED: Final = frozenset({"created_at", "created_by", "modified_at", "modified_by", "version"})
#: Kinds that are never required from the caller (computed or assigned).
_ASSIGNED_KINDS: Final = COMPUTED_KINDS | {FieldKind.AUTONUMBER}
#: Ownerships where ``business_unit`` follows the owner.
_FOLLOWS_OWNER: Final = frozenset({Ownership.USER, Ownership.TEAM})


@dataclass
class Prepared:
    """Canonical values of one record (by field name), and what was wrong with the input."""

    id: UUID
    values: dict[str, object]
    errors: list[FieldError] = field(default_factory=list)


def _coerce_into(
    prepared: Prepared, name: str, definition: FieldDef, raw: object, ctx: CoerceContext
) -> None:
    if definition.read_only and definition.type not in _ASSIGNED_KINDS:
        prepared.errors.append(FieldError(name, "read_only", "is read-only: the platform sets it"))
        return
    try:
        prepared.values[name] = coerce(definition, raw, ctx)
    except Invalid as exc:
        prepared.errors.append(FieldError(name, exc.code, exc.message))


def _unknown(entity: EntityDef, name: str) -> FieldError:
    hint = did_you_mean(name, [n for n in entity.fields if n not in STAMPED])
    return FieldError(
        name,
        "unknown_field",
        f"{entity.entity} has no field {name!r}" + (f" ({hint})" if hint else ""),
    )


def prepare_create(
    entity: EntityDef,
    values: Mapping[str, object],
    ctx: CoerceContext,
    actor: Actor,
    now: dt.datetime,
) -> Prepared:
    """Values for a new record: the input, then defaults, then the required check."""
    prepared = Prepared(uuid4(), {})
    for name, raw in values.items():
        if name == "id":
            try:
                prepared.id = to_uuid(raw)
            except Invalid as exc:
                prepared.errors.append(FieldError("id", exc.code, exc.message))
            continue
        definition = entity.fields.get(name)
        if definition is None:
            prepared.errors.append(_unknown(entity, name))
            continue
        _coerce_into(prepared, name, definition, raw, ctx)
    for name, definition in entity.fields.items():
        if name in values or name in STAMPED or definition.type in _ASSIGNED_KINDS:
            continue
        default = default_input(definition, now)
        if default is not None:
            try:
                prepared.values[name] = coerce(definition, default, ctx)
            except Invalid as exc:
                prepared.errors.append(FieldError(name, exc.code, f"default value {exc.message}"))
    owned_by_user = entity.ownership is Ownership.USER
    if owned_by_user and "owner" not in values and actor.user_id is not None:
        prepared.values["owner"] = Ref(USER_ENTITY, actor.user_id)
    _check_required(entity, prepared, lambda name: True)
    return prepared


def prepare_update(
    entity: EntityDef, id: UUID, values: Mapping[str, object], ctx: CoerceContext
) -> Prepared:
    """Values for changing a record: only the given fields; required ones may not be emptied."""
    prepared = Prepared(id, {})
    for name, raw in values.items():
        if name == "id":
            if raw != id and str(raw) != str(id):
                prepared.errors.append(FieldError("id", "read_only", "a record's id cannot change"))
            continue
        definition = entity.fields.get(name)
        if definition is None:
            prepared.errors.append(_unknown(entity, name))
            continue
        _coerce_into(prepared, name, definition, raw, ctx)
    _check_required(entity, prepared, lambda name: name in values)
    return prepared


def _check_required(entity: EntityDef, prepared: Prepared, applies: Callable[[str], bool]) -> None:
    failed = {error.field for error in prepared.errors}
    for name, definition in entity.fields.items():
        if not definition.required or definition.type in _ASSIGNED_KINDS or name in STAMPED:
            continue
        if name in failed or not applies(name):
            continue
        if prepared.values.get(name) is None:
            prepared.errors.append(FieldError(name, "required", "is required"))


def follows_owner(entity: EntityDef) -> bool:
    """Whether ``business_unit`` is derived from ``owner`` for this entity."""
    return entity.ownership in _FOLLOWS_OWNER and "business_unit" in entity.fields


# ----------------------------------------------------------------- references


def _lookup_target(definition: FieldDef, value: object) -> tuple[str, UUID]:
    assert isinstance(definition, LookupField)
    assert isinstance(value, UUID)
    return definition.target, value


def _polymorphic_target(definition: FieldDef, value: object) -> tuple[str, UUID]:
    assert isinstance(definition, PolymorphicLookupField)
    assert isinstance(value, Ref)
    return value.entity, value.id


def _file_target(definition: FieldDef, value: object) -> tuple[str, UUID]:
    assert isinstance(value, UUID)
    return FILE_TARGET, value


#: Kinds whose value points at another row, and how to read (target, id) from it.
TARGET_OF: Final[dict[FieldKind, Callable[[FieldDef, object], tuple[str, UUID]]]] = {
    FieldKind.LOOKUP: _lookup_target,
    FieldKind.POLYMORPHIC_LOOKUP: _polymorphic_target,
    FieldKind.FILE: _file_target,
}


def references(entity: EntityDef, values: Mapping[str, object]) -> Iterator[tuple[str, str, UUID]]:
    """(field, target, id) for every reference among canonical ``values``."""
    for name, value in values.items():
        definition = entity.fields[name]
        target_of = TARGET_OF.get(definition.type)
        if target_of is not None and value is not None:
            target, id_ = target_of(definition, value)
            yield name, target, id_


def owner_target(entity: EntityDef, values: Mapping[str, object]) -> tuple[str, UUID] | None:
    """The (entity, id) the record's owner points at, if any."""
    owner = values.get("owner")
    if owner is None:
        return None
    return TARGET_OF[entity.fields["owner"].type](entity.fields["owner"], owner)


def encode_record(entity: EntityDef, values: Mapping[str, object]) -> dict[str, Any]:
    """Column values for canonical field ``values``."""
    columns: dict[str, Any] = {}
    for name, value in values.items():
        columns.update(codec.encode(name, entity.fields[name], value))
    return columns
