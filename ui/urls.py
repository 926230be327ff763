"""Every address the screens link to, built in one place (routes.py mounts the same paths)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote, urlencode
from uuid import UUID

Query = Mapping[str, str | Sequence[str] | None] | Sequence[tuple[str, str]]


def with_query(path: str, query: Query | None = None) -> str:
    if not query:
        return path
    pairs: list[tuple[str, str]] = []
    items = query.items() if isinstance(query, Mapping) else query
    for key, value in items:
        if value is None or value == "":
            continue
        if isinstance(value, str):
            pairs.append((key, value))
        else:
            pairs.extend((key, item) for item in value)
    return f"{path}?{urlencode(pairs)}" if pairs else path


def home() -> str:
    return "/"


def static(path: str) -> str:
    return f"/static/{path}"


def option_styles(version: str) -> str:
    return f"/ui/options-{version[:12]}.css"


def search(query: str | None = None) -> str:
    return with_query("/search", {"q": query})


def preferences() -> str:
    return "/preferences"


def entity_list(entity: str, query: Query | None = None) -> str:
    return with_query(f"/lists/{entity}", query)


def export(entity: str, query: Query | None = None) -> str:
    return with_query(f"/lists/{entity}/export.csv", query)


def bulk(entity: str) -> str:
    return f"/lists/{entity}/bulk"


def filter_row(entity: str) -> str:
    return f"/lists/{entity}/filter-row"


def new_record(entity: str, query: Query | None = None) -> str:
    return with_query(f"/records/{entity}/new", query)


def record(entity: str, id: UUID | str, query: Query | None = None) -> str:
    return with_query(f"/records/{entity}/{id}", query)


def delete_record(entity: str, id: UUID | str) -> str:
    return f"/records/{entity}/{id}/delete"


def form_refresh(entity: str) -> str:
    return f"/records/{entity}/refresh"


def related(entity: str, id: UUID | str, relation: str, query: Query | None = None) -> str:
    return with_query(f"/records/{entity}/{id}/related/{relation}", query)


def related_action(entity: str, id: UUID | str, relation: str, action: str) -> str:
    return f"/records/{entity}/{id}/related/{relation}/{action}"


def file(entity: str, id: UUID | str, field: str) -> str:
    return f"/records/{entity}/{id}/files/{quote(field)}"


def lookup(query: Query | None = None) -> str:
    return with_query("/lookup", query)
