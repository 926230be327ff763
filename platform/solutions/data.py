"""Load the records a solution ships in ``data/*.yaml`` through the repository.

Records go through the same validation as any other write. ``{ref: key}`` values
point at another record's ``ref`` (in any data file, in any order): records are
created first with the references that are already known, and the remaining
references (forward ones, cycles) and many-to-many links are filled in afterwards.
The caller owns the transaction, so a failure loads nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import (
    DataFile,
    EntityDef,
    LookupField,
    ManyToManyRelation,
    PolymorphicLookupField,
)
from xrm.metamodel.system_fields import USER_ENTITY
from xrm.platform.storage.errors import StorageError, ValidationFailed
from xrm.platform.storage.repository import Repository


class DataLoadError(Exception):
    """A shipped record could not be loaded; says which file, record and why."""


@dataclass
class LoadReport:
    """What was loaded: records per entity, links made, and the users' roles to grant."""

    created: dict[str, int] = field(default_factory=dict)
    links: int = 0
    #: The ``roles:`` of loaded user records, by user id (granted by the caller, which
    #: owns access control: this layer only stores records).
    user_roles: dict[UUID, tuple[str, ...]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.created.values())


@dataclass(frozen=True)
class _Deferred:
    entity: str
    id: UUID
    field: str
    ref: str
    where: str


@dataclass(frozen=True)
class _Link:
    entity: str
    relation: str
    id: UUID
    ref: str
    fields: Mapping[str, Any]
    where: str


def _is_ref(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"ref"}


def _where(solution: str, data: DataFile, index: int, record: Mapping[str, Any]) -> str:
    ref = f" (ref {record['ref']})" if "ref" in record else ""
    return f"solution {solution}, data for {data.entity}, record {index + 1}{ref}"


class _Loader:
    def __init__(self, repository: Repository, registry: Registry) -> None:
        self.repository = repository
        self.registry = registry
        self.refs: dict[str, tuple[str, UUID]] = {}
        self.deferred: list[_Deferred] = []
        self.links: list[_Link] = []
        self.report = LoadReport()

    def record(self, solution: str, data: DataFile, index: int, record: Mapping[str, Any]) -> None:
        entity = self.registry.entity(data.entity)
        where = _where(solution, data, index, record)
        values: dict[str, Any] = {}
        later: list[tuple[str, str]] = []
        roles: tuple[str, ...] = ()
        for key, value in record.items():
            if key == "ref":
                continue
            if key == "roles" and entity.entity == USER_ENTITY:
                roles = tuple(value or ())
                continue
            relation = entity.relations.get(key)
            if isinstance(relation, ManyToManyRelation):
                continue
            if _is_ref(value):
                resolved = self.resolve(entity, key, value["ref"])
                if resolved is None:
                    later.append((key, value["ref"]))
                else:
                    values[key] = resolved
            else:
                values[key] = value
        try:
            created = self.repository.create(entity.entity, values)
        except ValidationFailed as exc:
            raise DataLoadError(f"{where}: {exc}") from exc
        except StorageError as exc:
            raise DataLoadError(f"{where}: {exc}") from exc
        record_id = UUID(str(created["id"]))
        if "ref" in record:
            self.refs[str(record["ref"])] = (entity.entity, record_id)
        self.report.created[entity.entity] = self.report.created.get(entity.entity, 0) + 1
        if entity.entity == USER_ENTITY:
            self.report.user_roles[record_id] = roles
        for key, ref in later:
            self.deferred.append(_Deferred(entity.entity, record_id, key, ref, where))
        for key, value in record.items():
            relation = entity.relations.get(key)
            if isinstance(relation, ManyToManyRelation):
                for item in value or []:
                    link_fields = {k: v for k, v in item.items() if k != "ref"}
                    self.links.append(
                        _Link(entity.entity, key, record_id, item["ref"], link_fields, where)
                    )

    def resolve(self, entity: EntityDef, key: str, ref: str) -> Any:
        """The repository value for ``{ref: …}`` on field ``key``, or None if not loaded yet."""
        found = self.refs.get(ref)
        if found is None:
            return None
        target_entity, target_id = found
        if isinstance(entity.fields.get(key), PolymorphicLookupField):
            return {"entity": target_entity, "id": target_id}
        return target_id

    def finish(self) -> None:
        for item in self.deferred:
            entity = self.registry.entity(item.entity)
            value = self.resolve(entity, item.field, item.ref)
            if value is None:
                raise DataLoadError(f"{item.where}: {item.field}: no record has ref {item.ref!r}")
            if not isinstance(entity.fields.get(item.field), LookupField | PolymorphicLookupField):
                raise DataLoadError(f"{item.where}: {item.field} is not a lookup")
            try:
                self.repository.update(item.entity, item.id, {item.field: value})
            except StorageError as exc:
                raise DataLoadError(f"{item.where}: {exc}") from exc
        for link in self.links:
            target = self.refs.get(link.ref)
            if target is None:
                raise DataLoadError(
                    f"{link.where}: {link.relation}: no record has ref {link.ref!r}"
                )
            try:
                self.repository.link(
                    link.entity, link.relation, link.id, target[1], dict(link.fields) or None
                )
            except StorageError as exc:
                raise DataLoadError(f"{link.where}: {link.relation}: {exc}") from exc
            self.report.links += 1


def load_data(
    repository: Repository,
    registry: Registry,
    *,
    demo: bool,
    solutions: frozenset[str] | None = None,
) -> LoadReport:
    """Load the data files of ``registry`` (demo ones only when ``demo``)."""
    loader = _Loader(repository, registry)
    for solution, data in registry.data:
        if data.demo and not demo:
            continue
        if solutions is not None and solution not in solutions:
            continue
        for index, record in enumerate(data.records):
            loader.record(solution, data, index, record)
    loader.finish()
    return loader.report
