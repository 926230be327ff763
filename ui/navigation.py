"""The app shell: navigation by areas (from each entity's ``area``), and the user menu.

Areas appear in the order their first entity was declared (solutions load in
dependency order, so a solution's own areas follow the platform's settings only if
it declares them later); entities without an area go under "More". Only entities
the user may read are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from . import urls
from .i18n import LANGUAGE_NAMES

if TYPE_CHECKING:
    from .context import Screen

#: The area of entities that declare none.
OTHER_AREA: Final = "other"
#: Areas listed last whatever their declaration order (administration comes after work).
LAST_AREAS: Final = ("settings",)


@dataclass(frozen=True)
class NavEntity:
    name: str
    label: str
    href: str
    icon: str
    current: bool


@dataclass(frozen=True)
class NavArea:
    name: str
    label: str
    entities: tuple[NavEntity, ...]
    current: bool


@dataclass(frozen=True)
class Shell:
    areas: tuple[NavArea, ...]
    user_name: str
    signed_in: bool
    lang: str
    languages: tuple[tuple[str, str], ...]
    zone: str
    current_entity: str | None


def areas(screen: Screen, current: str | None = None) -> tuple[NavArea, ...]:
    registry = screen.screens.registry
    grouped: dict[str, list[NavEntity]] = {}
    for name, entity in registry.entities.items():
        if not screen.may("read", name):
            continue
        area = entity.area or OTHER_AREA
        grouped.setdefault(area, []).append(
            NavEntity(
                name,
                screen.fmt.plural(name),
                urls.entity_list(name),
                entity.icon or "",
                name == current,
            )
        )
    order = sorted(
        grouped,
        key=lambda area: (area in LAST_AREAS or area == OTHER_AREA, area == OTHER_AREA),
    )
    result: list[NavArea] = []
    for area in order:
        label = screen.fmt("nav.other") if area == OTHER_AREA else screen.fmt.area(area)
        entities = tuple(grouped[area])
        result.append(NavArea(area, label, entities, any(e.current for e in entities)))
    return tuple(result)


def current_entity(screen: Screen) -> str | None:
    parts = screen.request.url.path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] in ("lists", "records"):
        return parts[1] if parts[1] in screen.screens.registry.entities else None
    return None


def shell(screen: Screen) -> Shell:
    current = current_entity(screen)
    principal = screen.principal
    return Shell(
        areas=areas(screen, current),
        user_name=principal.name or principal.email,
        signed_in=True,
        lang=screen.fmt.lang,
        languages=tuple(LANGUAGE_NAMES.items()),
        zone=screen.fmt.zone.key,
        current_entity=current,
    )
