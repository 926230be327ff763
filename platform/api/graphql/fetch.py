"""Loading a plan: one repository call per level and relation, never one per row.

Given the rows of one level and their :class:`~.plan.NodePlan`, :func:`load` fetches
each lookup's records for all rows at once (``get_many``), each polymorphic lookup's
records once per target, and each relation's first page for every row at once
(``related``, a window query), then recurses into the next level with the rows it
got. Results are stored in the rows under ``"@" + response key``, where the
generated types' resolvers read them; everything else is plain dict access.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from xrm.platform.storage.query import Page
from xrm.platform.storage.repository import Repository

from .plan import ConnectionPlan, ListArgs, NodePlan
from .types import NESTED, TYPENAME


def load(repository: Repository, rows: Sequence[dict[str, Any]], plan: NodePlan) -> None:
    """Fetch, for all ``rows`` at once, every related record ``plan`` asks for."""
    if not rows:
        return
    for key, lookup in plan.lookups.items():
        ids = list(dict.fromkeys(r[lookup.field] for r in rows if r.get(lookup.field) is not None))
        target = lookup.node.entity
        found = repository.get_many(target, ids, fields=lookup.node.fields) if ids else {}
        load(repository, list(found.values()), lookup.node)
        for row in rows:
            value = row.get(lookup.field)
            row[NESTED + key] = found.get(value) if value is not None else None
    for key, poly in plan.polymorphic.items():
        by_target: dict[str, list[UUID]] = {}
        for row in rows:
            ref = row.get(poly.field)
            if ref is not None and ref["entity"] in poly.nodes:
                by_target.setdefault(ref["entity"], []).append(ref["id"])
        found_by: dict[tuple[str, UUID], dict[str, Any]] = {}
        for target, ids in by_target.items():
            node = poly.nodes[target]
            records = repository.get_many(target, list(dict.fromkeys(ids)), fields=node.fields)
            for record in records.values():
                record[TYPENAME] = poly.type_names[target]
            load(repository, list(records.values()), node)
            found_by.update(((target, id_), record) for id_, record in records.items())
        for row in rows:
            ref = row.get(poly.field)
            row[NESTED + key] = found_by.get((ref["entity"], ref["id"])) if ref else None
    for key, relation in plan.relations.items():
        connection = relation.connection
        ids = list(dict.fromkeys(row["id"] for row in rows))
        entity = plan.entity
        args = connection.args
        pages: dict[UUID, Page] = {}
        if args.size > 0:
            pages = repository.related(
                entity,
                relation.relation,
                ids,
                filter=args.filter,
                order_by=args.order,
                limit=args.size,
                after=args.after,
                fields=connection.node.fields,
                cursors=connection.cursors,
            )
        totals = (
            repository.related_counts(entity, relation.relation, ids, filter=args.filter)
            if connection.total
            else {}
        )
        children = [record for page in pages.values() for record in page.records]
        load(repository, children, connection.node)
        for row in rows:
            page = pages.get(row["id"]) or Page([], None)
            row[NESTED + key] = connection_value(page, connection, totals.get(row["id"]))


def list_page(repository: Repository, plan: ConnectionPlan) -> dict[str, Any]:
    """A root list: one page (one statement), its count if asked, then the next levels."""
    args = plan.args
    page = Page([], None)
    if args.size > 0:
        page = repository.list(
            plan.entity,
            filter=args.filter,
            order_by=args.order,
            limit=args.size,
            after=args.after,
            before=args.before,
            from_end=args.from_end,
            fields=plan.node.fields,
            cursors=plan.cursors,
        )
    total = repository.count(plan.entity, filter=args.filter) if plan.total else None
    load(repository, page.records, plan.node)
    return connection_value(page, plan, total)


def connection_value(page: Page, plan: ConnectionPlan, total: int | None) -> dict[str, Any]:
    """A page as the connection's dict (edges, nodes, pageInfo, totalCount)."""
    records = page.records
    cursors: Sequence[str | None] = page.cursors or [None] * len(records)
    edges: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        edge: dict[str, Any] = {"cursor": cursors[index], "node": record}
        if page.links:
            link = page.links[index]
            edge["linked_at"] = link["created_at"]
            edge.update((name, value) for name, value in link.items() if name != "created_at")
        edges.append(edge)
    return {
        "edges": edges,
        "nodes": records,
        "page_info": _page_info(page, plan.args, cursors),
        "total_count": total,
    }


def _page_info(page: Page, args: ListArgs, cursors: Sequence[str | None]) -> dict[str, Any]:
    if args.from_end:
        has_previous, has_next = page.previous_cursor is not None, args.before is not None
    else:
        has_next, has_previous = page.next_cursor is not None, args.after is not None
    return {
        "has_next_page": has_next,
        "has_previous_page": has_previous,
        "start_cursor": cursors[0] if cursors else None,
        "end_cursor": cursors[-1] if cursors else None,
    }
