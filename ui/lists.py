"""Lists: a view's columns over one page of records, sorted, searched, filtered, paged.

Everything a list shows is in its address — the view, the sort, the quick search,
the filter rows, the chosen columns and the page cursor — so a list is a link: it
can be bookmarked, shared, refreshed and reached with the back button, and htmx
only swaps the results in place (and pushes the same address).

One page is ONE repository call (``repo.list``: the view's filter and the user's
filter and search, keyset paging, lookup paths included) plus one query per entity
that lookups point at, for their names. The same :func:`list_query` drives the
CSV export, so the export is exactly the filtered list, through the same access
checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final
from uuid import UUID

from xrm.metamodel.expressions import ExpressionError
from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import (
    FieldDef,
    LookupField,
    ViewColumn,
    ViewDef,
)
from xrm.metamodel.scopes import resolve_path
from xrm.metamodel.types import COMPUTED_KINDS, FieldKind
from xrm.metamodel.validate import UNSORTABLE_KINDS
from xrm.platform.storage.errors import QueryError
from xrm.platform.storage.filters import Filter, Search, all_of
from xrm.platform.storage.query import Page
from xrm.platform.storage.repository import Repository

from . import urls
from .filter_builder import (
    FilterField,
    Row,
    RowView,
    compile_rows,
    filterable_fields,
    parse_rows,
    row_params,
)
from .i18n import Translator
from .labels import FILE_ENTITY, Labels, fetch_labels
from .widgets import DisplayContext, Shown, display

#: Columns a made-up view shows at most.
DEFAULT_COLUMNS: Final = 6
_DEFAULT_KINDS: Final = (
    FieldKind.AUTONUMBER,
    FieldKind.CHOICE,
    FieldKind.MONEY,
    FieldKind.DATE,
    FieldKind.EMAIL,
    FieldKind.PHONE,
    FieldKind.LOOKUP,
    FieldKind.INTEGER,
)


# ---------------------------------------------------------------------- views


def default_view(registry: Registry, entity: str) -> ViewDef:
    """A view for an entity that declares none: its name, then a few telling fields."""
    definition = registry.entity(entity)
    columns: list[str] = []
    if definition.primary_field:
        columns.append(definition.primary_field)
    for kind in _DEFAULT_KINDS:
        for name, field in definition.fields.items():
            if len(columns) >= DEFAULT_COLUMNS - 1:
                break
            if field.type is kind and name not in columns and not field.read_only:
                columns.append(name)
    columns.append("created_at")
    return ViewDef(
        view=f"{entity}_all",
        entity=entity,
        columns=[ViewColumn(field=c) for c in columns],
        default=True,
    )


def entity_views(registry: Registry, entity: str) -> list[ViewDef]:
    """The entity's system views (from YAML), the default first; a made-up one if none."""
    views = [v for v in registry.views.values() if v.entity == entity]
    views.sort(key=lambda v: not v.default)
    return views or [default_view(registry, entity)]


def choose_view(registry: Registry, entity: str, name: str | None) -> ViewDef:
    views = entity_views(registry, entity)
    for view in views:
        if view.view == name:
            return view
    return views[0]


# ---------------------------------------------------------------------- query


@dataclass(frozen=True)
class ListQuery:
    """What the address asks of a list."""

    view: str | None = None
    #: One sort key from a column click: ``close_date`` or ``-close_date``.
    sort: str | None = None
    search: str = ""
    rows: tuple[Row, ...] = ()
    join: str = "and"
    columns: tuple[str, ...] = ()
    after: str | None = None
    before: str | None = None

    def params(self, *, paging: bool = False) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if self.view:
            found.append(("view", self.view))
        if self.sort:
            found.append(("sort", self.sort))
        if self.search:
            found.append(("q", self.search))
        found.extend(row_params(self.rows, self.join))
        found.extend(("col", c) for c in self.columns)
        if paging and self.after:
            found.append(("after", self.after))
        if paging and self.before:
            found.append(("before", self.before))
        return found


def parse_query(params: Mapping[str, Sequence[str]]) -> ListQuery:
    def last(name: str) -> str:
        values = params.get(name) or ()
        return values[-1].strip() if values else ""

    rows, join = parse_rows(params)
    return ListQuery(
        view=last("view") or None,
        sort=last("sort") or None,
        search=last("q")[:200],
        rows=tuple(rows),
        join=join,
        columns=tuple(c for c in params.get("col") or () if c)[:20],
        after=last("after") or None,
        before=last("before") or None,
    )


# -------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    path: str
    label: str
    #: The entity and field the path ends at (how its values are shown).
    entity: str
    field: str
    definition: FieldDef | None
    #: What a click on the header sorts by (a lookup sorts by the name it shows).
    sort_path: str | None


def column(
    registry: Registry, entity: str, path: str, fmt: Translator, label: str | None = None
) -> Column | None:
    """The column showing ``path`` (None if the path leads nowhere)."""
    try:
        resolved, definition = resolve_path(registry.entities, entity, tuple(path.split(".")), 0)
    except ExpressionError:
        return None
    sort_path: str | None = path
    if definition is not None and definition.type in UNSORTABLE_KINDS:
        sort_path = None
    if isinstance(definition, LookupField):
        primary = registry.entity(definition.target).primary_field
        sort_path = f"{path}.{primary}" if primary else None
    return Column(
        path,
        label or fmt.path(entity, path),
        resolved.entity,
        resolved.field,
        definition,
        sort_path,
    )


def view_columns(
    registry: Registry, view: ViewDef, fmt: Translator, chosen: Sequence[str]
) -> list[Column]:
    entity = view.entity
    declared = {c.field: c for c in view.columns}
    paths = list(chosen) if chosen else [c.field for c in view.columns]
    found: list[Column] = []
    for path in dict.fromkeys(paths):
        spec = declared.get(path)
        label = fmt.text(spec.label, "") if spec is not None and spec.label else None
        made = column(registry, entity, path, fmt, label or None)
        if made is not None:
            found.append(made)
    return found


def choosable_columns(registry: Registry, entity: str, fmt: Translator) -> list[str]:
    """Paths the column chooser offers: every field, and each lookup's name."""
    paths: list[str] = []
    for name, definition in registry.entity(entity).fields.items():
        if definition.type in (FieldKind.FILE,):
            continue
        paths.append(name)
        if isinstance(definition, LookupField):
            primary = registry.entity(definition.target).primary_field
            if primary:
                paths.append(f"{name}.{primary}")
    return paths


# ---------------------------------------------------------------- the list


@dataclass(frozen=True)
class HeaderView:
    path: str
    label: str
    align: str
    sorted: str | None  # "asc", "desc" or None
    href: str | None


@dataclass(frozen=True)
class RowOut:
    id: UUID
    href: str
    label: str
    cells: tuple[Shown, ...]


@dataclass(frozen=True)
class ViewLink:
    name: str
    label: str
    href: str
    current: bool


@dataclass(frozen=True)
class ChooserItem:
    path: str
    label: str
    checked: bool


@dataclass(frozen=True)
class ListView:
    entity: str
    title: str
    view: str
    views: tuple[ViewLink, ...]
    headers: tuple[HeaderView, ...]
    rows: tuple[RowOut, ...]
    href: str
    next_href: str | None
    prev_href: str | None
    first_href: str | None
    query: ListQuery
    filter_rows: tuple[RowView, ...]
    filter_fields: tuple[FilterField, ...]
    chooser: tuple[ChooserItem, ...]
    error: str | None
    filtered: bool
    can_create: bool
    can_delete: bool
    can_assign: bool
    export_href: str


@dataclass(frozen=True)
class ListRequest:
    """A list query resolved against the registry: what to ask the repository."""

    entity: str
    view: ViewDef
    columns: list[Column]
    where: str | None
    filter: Filter | None
    order_by: list[str]
    rows: list[RowView]
    filtered: bool


def prepare(
    registry: Registry,
    entity: str,
    query: ListQuery,
    fmt: Translator,
    hidden: frozenset[str],
) -> ListRequest:
    """Resolve the view, columns, filter and order a list query asks for (pure)."""
    view = choose_view(registry, entity, query.view)
    columns = [
        c
        for c in view_columns(registry, view, fmt, query.columns)
        if c.path.split(".", 1)[0] not in hidden
    ]
    built, rows = compile_rows(registry, entity, query.rows, query.join, fmt, hidden)
    search = Search(query.search) if query.search else None
    order_by: list[str] = []
    if query.sort:
        order_by.append(query.sort)
    order_by.extend(
        ("-" if key.direction == "desc" else "") + key.field
        for key in view.sort
        if key.field != (query.sort or "").lstrip("-")
    )
    return ListRequest(
        entity,
        view,
        columns,
        view.filter,
        all_of(built, search),
        order_by,
        rows,
        bool(query.rows or query.search),
    )


def includes(request: ListRequest) -> list[str]:
    return [c.path for c in request.columns if "." in c.path]


def fetch_page(
    repo: Repository,
    request: ListRequest,
    query: ListQuery,
    params: Mapping[str, object],
    *,
    limit: int | None = None,
) -> Page:
    """One page of the list (raises QueryError for a filter or cursor it cannot use)."""
    return repo.list(
        request.entity,
        where=request.where,
        params=params if request.where else None,
        filter=request.filter,
        order_by=request.order_by,
        limit=limit or request.view.page_size,
        after=query.after if not query.before else None,
        before=query.before,
        from_end=bool(query.before),
        include=includes(request),
        cursors=True,
    )


def cell_references(
    columns: Sequence[Column], records: Sequence[Mapping[str, object]]
) -> set[tuple[str, UUID]]:
    found: set[tuple[str, UUID]] = set()
    for col in columns:
        definition = col.definition
        if definition is None:
            continue
        for record in records:
            value = record.get(col.path)
            if definition.type is FieldKind.LOOKUP and isinstance(value, UUID):
                found.add((getattr(definition, "target", ""), value))
            elif definition.type is FieldKind.POLYMORPHIC_LOOKUP and isinstance(value, Mapping):
                target, id_ = value.get("entity"), value.get("id")
                if isinstance(target, str) and isinstance(id_, UUID):
                    found.add((target, id_))
            elif definition.type is FieldKind.FILE and isinstance(value, UUID):
                found.add((FILE_ENTITY, value))
    return found


def cells(
    columns: Sequence[Column], record: Mapping[str, object], fmt: Translator, labels: Labels
) -> tuple[Shown, ...]:
    shown: list[Shown] = []
    record_id = record.get("id")
    for col in columns:
        value = record.get(col.path)
        if col.definition is None:  # ``id`` or ``x.id``
            shown.append(Shown(str(value) if value else "", empty=value is None))
            continue
        ctx = DisplayContext(
            fmt,
            col.entity,
            col.field,
            labels,
            record_id if isinstance(record_id, UUID) and "." not in col.path else None,
        )
        shown.append(display(col.definition, value, ctx))
    return tuple(shown)


def _align(col: Column) -> str:
    definition = col.definition
    if definition is None:
        return "text"
    if definition.type in (FieldKind.INTEGER, FieldKind.DECIMAL, FieldKind.MONEY):
        return "number"
    if definition.type in COMPUTED_KINDS:
        returns = getattr(definition, "returns", None)
        if returns is not None and returns.value in ("integer", "decimal", "money"):
            return "number"
    return "text"


def build_list(
    repo: Repository,
    registry: Registry,
    entity: str,
    query: ListQuery,
    fmt: Translator,
    params: Mapping[str, object],
    rights: Mapping[str, bool],
) -> ListView:
    hidden = repo.hidden(entity)
    request = prepare(registry, entity, query, fmt, hidden)
    error: str | None = None
    records: list[dict[str, object]] = []
    next_href = prev_href = first_href = None
    base = query.params()
    try:
        hidden_paths = repo.hidden(entity, includes(request))
        request = replace(
            request, columns=[c for c in request.columns if c.path not in hidden_paths]
        )
        page = fetch_page(repo, request, query, params)
        records = page.records
        paged = bool(query.after or query.before)
        if page.next_cursor:
            next_href = urls.entity_list(entity, [*base, ("after", page.next_cursor)])
        elif query.before and page.cursors:
            next_href = urls.entity_list(entity, [*base, ("after", page.cursors[-1])])
        has_previous = bool(query.after) or (bool(query.before) and page.previous_cursor)
        if has_previous and page.cursors:
            prev_href = urls.entity_list(entity, [*base, ("before", page.cursors[0])])
        if paged:
            first_href = urls.entity_list(entity, base)
    except QueryError as exc:
        error = exc.message + (f" ({exc.suggestion})" if exc.suggestion else "")
    labels = fetch_labels(repo, cell_references(request.columns, records))
    current_sort = (query.sort or "").lstrip("-") or None
    descending = bool(query.sort and query.sort.startswith("-"))
    headers: list[HeaderView] = []
    for col in request.columns:
        href = None
        state = None
        if col.sort_path:
            if current_sort == col.sort_path:
                state = "desc" if descending else "asc"
            target = f"-{col.sort_path}" if state == "asc" else col.sort_path
            sorted_query = replace(query, sort=target, after=None, before=None)
            href = urls.entity_list(entity, sorted_query.params())
        headers.append(HeaderView(col.path, col.label, _align(col), state, href))
    rows = tuple(
        RowOut(
            record["id"],  # type: ignore[arg-type]
            urls.record(entity, str(record["id"])),
            _row_label(registry, entity, record),
            cells(request.columns, record, fmt, labels),
        )
        for record in records
    )
    views = tuple(
        ViewLink(
            v.view,
            fmt.text(v.label, fmt("list.all_records")) if v.label else fmt("list.all_records"),
            urls.entity_list(entity, {"view": v.view}),
            v.view == request.view.view,
        )
        for v in entity_views(registry, entity)
    )
    shown_paths = [c.path for c in request.columns]
    chooser = tuple(
        ChooserItem(path, fmt.path(entity, path), path in shown_paths)
        for path in [
            *shown_paths,
            *[
                p
                for p in choosable_columns(registry, entity, fmt)
                if p not in shown_paths and p.split(".", 1)[0] not in hidden
            ],
        ]
    )
    return ListView(
        entity=entity,
        title=fmt.plural(entity),
        view=request.view.view,
        views=views,
        headers=tuple(headers),
        rows=rows,
        href=urls.entity_list(entity, query.params(paging=True)),
        next_href=next_href,
        prev_href=prev_href,
        first_href=first_href,
        query=query,
        filter_rows=tuple(request.rows),
        filter_fields=tuple(filterable_fields(registry, entity, fmt, hidden)),
        chooser=chooser,
        error=error,
        filtered=request.filtered,
        can_create=rights.get("create", False),
        can_delete=rights.get("delete", False),
        can_assign=rights.get("assign", False) and "owner" in registry.entity(entity).fields,
        export_href=urls.export(entity, query.params()),
    )


def _row_label(registry: Registry, entity: str, record: Mapping[str, object]) -> str:
    primary = registry.entity(entity).primary_field
    value = record.get(primary) if primary else None
    return str(value) if value not in (None, "") else str(record.get("id"))
