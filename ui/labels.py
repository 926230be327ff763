"""What a record is called on screen (its primary field), fetched in batches.

Lists and forms show lookups by the referenced record's name. Collect every
``(entity, id)`` a page refers to, then :func:`fetch_labels` reads them with ONE
query per target entity (through the repository, so a record the user may not read
stays unnamed), whatever the number of rows. Files are named by their file name.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final
from uuid import UUID

import sqlalchemy as sa

from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import FileField, LookupField, PolymorphicLookupField
from xrm.platform.storage.errors import Forbidden
from xrm.platform.storage.repository import Repository

#: The pseudo-entity of stored files in label maps.
FILE_ENTITY: Final = "xrm_file"

Labels = dict[tuple[str, UUID], str]


def primary_field(registry: Registry, entity: str) -> str | None:
    return registry.entity(entity).primary_field


def label_of(registry: Registry, entity: str, record: Mapping[str, object]) -> str:
    """The record's name: its primary field, else a short id."""
    primary = primary_field(registry, entity)
    value = record.get(primary) if primary else None
    if value not in (None, ""):
        return str(value)
    identifier = record.get("id")
    return f"#{str(identifier)[:8]}" if identifier is not None else ""


def references(
    registry: Registry,
    entity: str,
    records: Iterable[Mapping[str, object]],
    fields: Collection[str],
) -> set[tuple[str, UUID]]:
    """The ``(entity, id)`` pairs that the ``fields`` of ``records`` point at."""
    found: set[tuple[str, UUID]] = set()
    definitions = registry.entity(entity).fields
    for record in records:
        for name in fields:
            definition = definitions.get(name)
            value = record.get(name)
            if isinstance(definition, LookupField) and isinstance(value, UUID):
                found.add((definition.target, value))
            elif isinstance(definition, PolymorphicLookupField) and isinstance(value, Mapping):
                target, id_ = value.get("entity"), value.get("id")
                if isinstance(target, str) and isinstance(id_, UUID):
                    found.add((target, id_))
            elif isinstance(definition, FileField) and isinstance(value, UUID):
                found.add((FILE_ENTITY, value))
    return found


def fetch_labels(repo: Repository, pairs: Iterable[tuple[str, UUID]]) -> Labels:
    """Names of the given records: one query per entity; unreadable records are left out."""
    by_entity: dict[str, list[UUID]] = {}
    for entity, id_ in pairs:
        by_entity.setdefault(entity, []).append(id_)
    labels: Labels = {}
    registry = repo.registry
    for entity, ids in by_entity.items():
        unique = list(dict.fromkeys(ids))
        if entity == FILE_ENTITY:
            labels.update(_file_names(repo, unique))
            continue
        primary = primary_field(registry, entity)
        try:
            found = repo.get_many(entity, unique, fields=[primary] if primary else [])
        except Forbidden:
            continue
        for id_, record in found.items():
            labels[entity, id_] = label_of(registry, entity, record)
    return labels


def _file_names(repo: Repository, ids: Sequence[UUID]) -> Labels:
    table = repo.storage.system.file
    rows = repo.connection.execute(
        sa.select(table.c.id, table.c.filename).where(table.c.id.in_(list(ids)))
    )
    return {(FILE_ENTITY, row.id): row.filename for row in rows}
