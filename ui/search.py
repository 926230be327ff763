"""Global search and lookup typeaheads: records found by their searchable fields.

Global search asks every entity the user may read for the first few records whose
searchable fields (or primary field) contain every word typed — one query per
entity, each within the user's row scope, skipping fields hidden from them. A lookup
typeahead does the same on one entity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from uuid import UUID

from xrm.platform.storage.errors import Forbidden, QueryError
from xrm.platform.storage.filters import Search

from . import urls
from .labels import label_of

if TYPE_CHECKING:
    from .context import Screen

#: Results per entity in global search, and options in a typeahead.
SEARCH_LIMIT: Final = 5
LOOKUP_LIMIT: Final = 10
MAX_QUERY: Final = 200


@dataclass(frozen=True)
class Hit:
    id: UUID
    label: str
    href: str


@dataclass(frozen=True)
class HitGroup:
    entity: str
    label: str
    hits: tuple[Hit, ...]
    more_href: str


def _records(screen: Screen, entity: str, text: str, limit: int) -> list[dict[str, object]] | None:
    primary = screen.screens.registry.entity(entity).primary_field
    try:
        page = screen.repo.list(
            entity,
            filter=Search(text) if text.strip() else None,
            order_by=[primary] if primary else [],
            limit=limit,
            fields=[primary] if primary else [],
        )
    except (Forbidden, QueryError):
        return None
    return page.records


def search_all(screen: Screen, text: str) -> list[HitGroup]:
    """Records of every readable entity matching ``text``, grouped by entity."""
    text = text.strip()[:MAX_QUERY]
    if not text:
        return []
    registry = screen.screens.registry
    groups: list[HitGroup] = []
    for name in registry.entities:
        if not screen.may("read", name):
            continue
        records = _records(screen, name, text, SEARCH_LIMIT)
        if not records:
            continue
        hits = tuple(
            Hit(
                r["id"],  # type: ignore[arg-type]
                label_of(registry, name, r),
                urls.record(name, str(r["id"])),
            )
            for r in records
        )
        groups.append(
            HitGroup(name, screen.fmt.plural(name), hits, urls.entity_list(name, {"q": text}))
        )
    return groups


def lookup_options(screen: Screen, target: str, text: str) -> list[Hit] | None:
    """Records of ``target`` to pick in a typeahead (None: the user may not read it)."""
    registry = screen.screens.registry
    if target not in registry.entities or not screen.may("read", target):
        return None
    records = _records(screen, target, text[:MAX_QUERY], LOOKUP_LIMIT)
    if records is None:
        return None
    return [
        Hit(
            r["id"],  # type: ignore[arg-type]
            label_of(registry, target, r),
            urls.record(target, str(r["id"])),
        )
        for r in records
    ]
