"""A record's story: the activity timeline and the history of its changes.

* **Timeline** — records of any entity whose polymorphic lookup points at this record
  (an activity ``regarding`` an account), newest first: one repository query per such
  lookup, each within the user's row scope.
* **History** — the audit log of the record (who changed which field from what to
  what, when), read with :func:`~xrm.platform.access.audit.record_history`, which
  applies the record's read scope and masks the fields the user may not read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from uuid import UUID

from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import ChoiceField, PolymorphicLookupField
from xrm.metamodel.types import FieldKind
from xrm.platform.access.audit import record_history
from xrm.platform.storage.errors import Forbidden, QueryError
from xrm.platform.storage.filters import Compare, Op

from . import urls
from .labels import fetch_labels, label_of
from .widgets import Shown, option_class

if TYPE_CHECKING:
    from .context import Screen

#: Items per source on the timeline, and entries of history shown.
TIMELINE_LIMIT: Final = 20
HISTORY_LIMIT: Final = 50
#: Polymorphic lookups that are not "about" a record (ownership).
_NOT_TIMELINE: Final = frozenset({"owner"})
_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class TimelineItem:
    entity: str
    entity_label: str
    title: str
    href: str
    when: str
    sort_key: dt.datetime
    chips: tuple[Shown, ...]
    icon: str


def timeline_sources(registry: Registry, entity: str) -> list[tuple[str, str]]:
    """(entity, polymorphic field) pairs that can point at records of ``entity``."""
    return [
        (other.entity, name)
        for other in registry.entities.values()
        for name, definition in other.fields.items()
        if isinstance(definition, PolymorphicLookupField)
        and entity in definition.targets
        and name not in _NOT_TIMELINE
    ]


def _when(registry: Registry, entity: str, record: Mapping[str, object]) -> dt.datetime:
    """The moment an item is about: its first date or datetime field, else its creation."""
    for name, definition in registry.entity(entity).fields.items():
        value = record.get(name)
        if name in ("created_at", "modified_at") or value is None:
            continue
        if definition.type is FieldKind.DATETIME and isinstance(value, dt.datetime):
            return value
        if definition.type is FieldKind.DATE and isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    created = record.get("created_at")
    return created if isinstance(created, dt.datetime) else _EPOCH


def timeline(screen: Screen, entity: str, record_id: UUID) -> list[TimelineItem]:
    registry, fmt = screen.screens.registry, screen.fmt
    items: list[TimelineItem] = []
    for source, field in timeline_sources(registry, entity):
        if not screen.may("read", source):
            continue
        try:
            page = screen.repo.list(
                source,
                filter=Compare(field, Op.EQ, record_id),
                order_by=["-created_at"],
                limit=TIMELINE_LIMIT,
            )
        except (QueryError, Forbidden):
            continue
        definition = registry.entity(source)
        choices = [n for n, f in definition.fields.items() if isinstance(f, ChoiceField)][:3]
        for record in page.records:
            when = _when(registry, source, record)
            chips = tuple(
                Shown(
                    fmt.option(source, name, str(record[name])),
                    css=option_class(source, name, str(record[name])),
                )
                for name in choices
                if record.get(name)
            )
            items.append(
                TimelineItem(
                    source,
                    fmt.entity(source),
                    label_of(registry, source, record),
                    urls.record(source, str(record["id"])),
                    fmt.datetime(when) if when.time() != dt.time() else fmt.date(when.date()),
                    when,
                    chips,
                    definition.icon or "",
                )
            )
    items.sort(key=lambda item: item.sort_key, reverse=True)
    return items


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    when: str
    who: str
    action: str
    changes: tuple[Change, ...]


def _shown(screen: Screen, entity: str, name: str, value: object) -> str:
    if value is None or value == "" or value == []:
        return "—"
    definition = screen.screens.registry.entity(entity).fields.get(name)
    if isinstance(definition, ChoiceField) and isinstance(value, str):
        return screen.fmt.option(entity, name, value)
    if isinstance(value, Mapping):
        if "amount" in value:
            return f"{value.get('amount')} {value.get('currency') or ''}".strip()
        if "id" in value:
            return str(value.get("id"))
    if isinstance(value, list):
        return ", ".join(
            screen.fmt.option(entity, name, str(item)) if definition else str(item)
            for item in value
        )
    if isinstance(value, bool):
        return screen.fmt("value.yes" if value else "value.no")
    return str(value)


def history(screen: Screen, entity: str, record_id: UUID) -> list[HistoryEntry]:
    try:
        entries = record_history(screen.repo, entity, record_id, limit=HISTORY_LIMIT)
    except Forbidden:
        return []
    users = fetch_labels(
        screen.repo, {("user", e.user_id) for e in entries if e.user_id is not None}
    )
    fields = screen.screens.registry.entity(entity).fields
    found: list[HistoryEntry] = []
    for entry in entries:
        changes = tuple(
            Change(
                screen.fmt.field(entity, name) if name in fields else name,
                _shown(screen, entity, name, old),
                _shown(screen, entity, name, new),
            )
            for name, (old, new) in entry.changes.items()
            if name != "version"
        )
        who = (
            users.get(("user", entry.user_id), screen.fmt("user.someone"))
            if entry.user_id is not None
            else screen.fmt("user.platform")
        )
        key = f"history.{entry.action}"
        action = screen.fmt(key) if screen.fmt.has(key) else entry.action
        found.append(HistoryEntry(screen.fmt.datetime(entry.at), who, action, changes))
    return found
