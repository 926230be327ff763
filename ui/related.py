"""Related lists on a record page: the records of every one-to-many and many-to-many relation.

Each list is one ``repo.related`` call (sortable, paged by keyset), plus one query per
entity its lookups point at. Beside the rows, what the user may do inline:

* **new** — a quick-create form in a dialog, pre-filled to point back here (a new
  contact from an account gets ``account`` set); for a many-to-many relation the new
  record is linked once created;
* **link** — pick an existing record (typeahead): a one-to-many sets the record's
  lookup to this record, a many-to-many adds a link;
* **unlink** — clear the record's lookup (when not required) or remove the link.

Every change goes through the repository with the user's rights; buttons the user
may not use are not shown, and the repository refuses them anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from uuid import UUID

from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import (
    ManyToManyRelation,
    OneToManyRelation,
    PolymorphicLookupField,
)
from xrm.platform.storage.errors import QueryError

from . import urls
from .forms import RelatedPlacement
from .labels import fetch_labels
from .lists import Column, HeaderView, RowOut, cell_references, cells, column, entity_views

if TYPE_CHECKING:
    from .context import Screen

#: Rows per related list page.
RELATED_PAGE: Final = 10
#: Columns a related list shows when neither the form nor a view says.
DEFAULT_RELATED_COLUMNS: Final = 4


@dataclass(frozen=True)
class Relation:
    """A to-many relation of an entity, as the record page uses it."""

    name: str
    target: str
    #: ``one_to_many`` or ``many_to_many``.
    kind: str
    #: The target's field pointing back (one-to-many only).
    back_field: str | None
    #: Whether that field is a polymorphic lookup.
    polymorphic: bool
    #: Whether clearing the back field is allowed (it is not required).
    clearable: bool


def relations(registry: Registry, entity: str) -> list[Relation]:
    """Every to-many relation of ``entity``: declared ones, then many-to-many inverses."""
    found: list[Relation] = []
    for name, relation in registry.entity(entity).relations.items():
        if isinstance(relation, OneToManyRelation):
            back = registry.field(relation.target, relation.field)
            found.append(
                Relation(
                    name,
                    relation.target,
                    "one_to_many",
                    relation.field,
                    isinstance(back, PolymorphicLookupField),
                    not back.required,
                )
            )
        elif isinstance(relation, ManyToManyRelation):
            found.append(Relation(name, relation.target, "many_to_many", None, False, True))
    for name, inverse in registry.inverses(entity).items():
        found.append(Relation(name, inverse.entity, "many_to_many", None, False, True))
    return found


def relation(registry: Registry, entity: str, name: str) -> Relation:
    for candidate in relations(registry, entity):
        if candidate.name == name:
            return candidate
    raise KeyError(f"{entity} has no relation {name!r}")


@dataclass(frozen=True)
class RelatedRow:
    row: RowOut
    unlink: bool


@dataclass(frozen=True)
class RelatedList:
    entity: str
    record_id: UUID
    relation: Relation
    label: str
    headers: tuple[HeaderView, ...]
    rows: tuple[RelatedRow, ...]
    count: int
    href: str
    next_href: str | None
    first_href: str | None
    error: str | None
    can_create: bool
    create_href: str | None
    can_link: bool
    link_href: str
    unlink_href: str
    lookup_href: str
    target_label: str

    @property
    def dom_id(self) -> str:
        return f"related-{self.relation.name}"


def related_columns(
    registry: Registry, relation_: Relation, placement: RelatedPlacement | None, screen: Screen
) -> list[Column]:
    fmt = screen.fmt
    target = relation_.target
    paths: list[str] = []
    if placement is not None and placement.columns:
        paths = list(placement.columns)
    elif placement is not None and placement.view and placement.view in registry.views:
        paths = [c.field for c in registry.views[placement.view].columns]
    else:
        view = entity_views(registry, target)[0]
        paths = [c.field for c in view.columns]
    paths = [p for p in paths if p.split(".", 1)[0] != relation_.back_field]
    hidden = screen.repo.hidden(target)
    found: list[Column] = []
    for path in paths[: DEFAULT_RELATED_COLUMNS + 4 if placement else DEFAULT_RELATED_COLUMNS]:
        if path.split(".", 1)[0] in hidden:
            continue
        made = column(registry, target, path, fmt)
        if made is not None:
            found.append(made)
    return found


def build_related(
    screen: Screen,
    entity: str,
    record_id: UUID,
    relation_: Relation,
    placement: RelatedPlacement | None,
    *,
    sort: str | None = None,
    after: str | None = None,
) -> RelatedList:
    registry, fmt, repo = screen.screens.registry, screen.fmt, screen.repo
    target = relation_.target
    columns = related_columns(registry, relation_, placement, screen)
    label = placement.label if placement else fmt.relation(entity, relation_.name)
    base = urls.related(entity, record_id, relation_.name)
    error = None
    records: list[dict[str, object]] = []
    next_href = None
    count = 0
    if not screen.may("read", target):
        error = fmt("related.not_allowed")
    else:
        includes = [c.path for c in columns if "." in c.path]
        order = [sort] if sort else []
        try:
            page = repo.related(
                entity,
                relation_.name,
                [record_id],
                order_by=order,
                limit=RELATED_PAGE,
                after=after,
                include=includes,
            )[record_id]
            records = page.records
            if page.next_cursor:
                next_href = urls.with_query(base, {"sort": sort, "after": page.next_cursor})
            count = repo.related_counts(entity, relation_.name, [record_id])[record_id]
        except QueryError as exc:
            error = exc.message
    labels = fetch_labels(repo, cell_references(columns, records))
    headers = []
    current = (sort or "").lstrip("-")
    for col in columns:
        state = None
        href = None
        if col.sort_path:
            if current == col.sort_path:
                state = "desc" if (sort or "").startswith("-") else "asc"
            href = urls.with_query(
                base, {"sort": f"-{col.sort_path}" if state == "asc" else col.sort_path}
            )
        headers.append(HeaderView(col.path, col.label, "text", state, href))
    may_update_here = screen.may("update", entity)
    may_update_target = screen.may("update", target)
    if relation_.kind == "many_to_many":
        can_link = may_update_here
        can_unlink = may_update_here
    else:
        can_link = may_update_target
        can_unlink = may_update_target and relation_.clearable
    rows = tuple(
        RelatedRow(
            RowOut(
                rec["id"],  # type: ignore[arg-type]
                urls.record(target, str(rec["id"])),
                "",
                cells(columns, rec, fmt, labels),
            ),
            can_unlink,
        )
        for rec in records
    )
    can_create = screen.may("create", target) and (
        relation_.kind == "one_to_many" or may_update_here
    )
    return RelatedList(
        entity=entity,
        record_id=record_id,
        relation=relation_,
        label=label,
        headers=tuple(headers),
        rows=rows,
        count=count,
        href=urls.with_query(base, {"sort": sort}),
        next_href=next_href,
        first_href=urls.with_query(base, {"sort": sort}) if after else None,
        error=error,
        can_create=can_create,
        create_href=urls.new_record(target, create_prefill(entity, record_id, relation_))
        if can_create
        else None,
        can_link=can_link,
        link_href=urls.related_action(entity, record_id, relation_.name, "link"),
        unlink_href=urls.related_action(entity, record_id, relation_.name, "unlink"),
        lookup_href=urls.lookup({"target": target, "name": f"link-{relation_.name}"}),
        target_label=fmt.entity(target),
    )


def create_prefill(entity: str, record_id: UUID, relation_: Relation) -> list[tuple[str, str]]:
    """The address of a new related record: pre-filled to point back, opened in a dialog."""
    params: list[tuple[str, str]] = [
        ("_dialog", "1"),
        ("_related", f"{entity}:{record_id}:{relation_.name}"),
    ]
    if relation_.back_field:
        params.append((relation_.back_field, str(record_id)))
        if relation_.polymorphic:
            params.append((f"{relation_.back_field}.entity", entity))
    return params


def back_value(relation_: Relation, entity: str, record_id: UUID | None) -> object:
    """The value of the back field pointing at ``record_id`` (None: pointing nowhere)."""
    if record_id is None:
        return None
    if relation_.polymorphic:
        return {"entity": entity, "id": record_id}
    return record_id


def link(
    screen: Screen, entity: str, record_id: UUID, relation_: Relation, target_id: UUID
) -> None:
    if relation_.kind == "many_to_many":
        screen.repo.link(entity, relation_.name, record_id, target_id)
    else:
        assert relation_.back_field is not None
        screen.repo.update(
            relation_.target,
            target_id,
            {relation_.back_field: back_value(relation_, entity, record_id)},
        )


def unlink(
    screen: Screen, entity: str, record_id: UUID, relation_: Relation, target_id: UUID
) -> None:
    if relation_.kind == "many_to_many":
        screen.repo.unlink(entity, relation_.name, record_id, target_id)
        return
    assert relation_.back_field is not None
    current = screen.repo.get(relation_.target, target_id)
    if current is None:
        return
    value = current.get(relation_.back_field)
    pointed = value.get("id") if isinstance(value, dict) else value
    if pointed == record_id:
        screen.repo.update(relation_.target, target_id, {relation_.back_field: None})
