"""The repository: the one path by which anything reads or writes entity records.

GraphQL, screens, imports and automation all go through :class:`Repository`, so
validation, defaults, system fields, autonumbers, optimistic concurrency and (next)
access control happen in one place. It works on a caller's SQLAlchemy
:class:`~sqlalchemy.engine.Connection` and never commits: the caller owns the
transaction, and each write runs inside a SAVEPOINT so a refused write leaves the
caller's transaction usable.

Every read, update and delete builds its WHERE clause in :meth:`Repository._rows`,
which ANDs the caller's conditions with the actor's row predicate
(:meth:`Repository._scope`, from the actor's :class:`~.actor.AccessPolicy`). The
same predicate, for the entity at the other end, is part of every lookup path,
rollup and referenced-record check, so nothing hidden is reachable through a
relation either. A record outside the scope is simply not found; an action no role
grants, or a protected field, raises :class:`~.errors.Forbidden`. Hidden fields
read as None (:meth:`Repository.hidden` lists them) and may not be filtered or
sorted by. With an audit sink, every write reports its old and new values.

On SQLite, open write transactions with the ``WRITE`` execution option
(``BEGIN IMMEDIATE``) so concurrent writers queue instead of failing.

Example::

    with engine.connect() as connection, connection.begin():
        repo = Repository(connection, storage, Actor(user_id))
        deal = repo.create("opportunity", {"name": "Renewal", "amount": "1200.50"})
        repo.update("opportunity", deal["id"], {"stage": "won"}, expected_version=1)
        page = repo.list("opportunity", where="amount > $min", params={"min": 1000},
                         order_by=[("close_date", "desc")], include=["account.name"])
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from xrm.metamodel.expressions import ExpressionError, field_refs, parse
from xrm.metamodel.schema import AutonumberField, EntityDef
from xrm.metamodel.system_fields import USER_ENTITY
from xrm.metamodel.types import COMPUTED_KINDS

from . import codec
from .actor import Action, Actor, AuditEvent
from .aggregates import MAX_GROUPS, AggregateRow, GroupKey, Measure, aggregate_query
from .autonumber import render, take_numbers
from .errors import (
    BatchValidationFailed,
    ConflictError,
    DeleteRestricted,
    FieldError,
    Forbidden,
    NotFoundError,
    QueryError,
    StorageError,
    ValidationFailed,
    WriteRefused,
)
from .filters import Filter, FilterCompiler, referenced_fields
from .links import decode_link, link_side, prepare_link_fields
from .projection import build_projection
from .query import MAX_PAGE_SIZE, Keyset, OrderBy, Page, compile_filter, sort_keys
from .records import (
    Prepared,
    encode_record,
    follows_owner,
    owner_target,
    prepare_create,
    prepare_update,
    references,
)
from .references import find_referencing, find_targets
from .related import PARENT_LABEL, link_of_row, parents_condition, related_statement, to_many
from .sql_expressions import ExpressionCompiler
from .tables import StorageModel
from .uniqueness import find_clashes
from .upsert import UpsertKey
from .values import CoerceContext

__all__ = ["Action", "Repository"]

#: Newest first when the caller gives no order (``id`` breaks ties).
DEFAULT_ORDER: Final = (("created_at", "desc"),)
#: Ids per IN list when checking new records against the create scope.
_CHUNK: Final = 500


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Repository:
    """Create, read, update, delete, list and link records of any entity."""

    def __init__(
        self,
        connection: Connection,
        storage: StorageModel,
        actor: Actor,
        *,
        default_currency: str = "EUR",
    ) -> None:
        if not re.fullmatch(r"[A-Z]{3}", default_currency):
            raise ValueError(f"default_currency {default_currency!r} must be a code like 'EUR'")
        self.connection = connection
        self.storage = storage
        self.registry = storage.registry
        self.actor = actor
        self._ctx = CoerceContext(default_currency)
        # Lookup paths and rollups only reach rows the actor may read.
        row_filter = self._read_filter if actor.access is not None else None
        self._compiler = ExpressionCompiler(storage, row_filter=row_filter)

    # ------------------------------------------------------------- row scope

    def _scope(self, action: Action, entity: str, source: FromClause) -> list[ColumnElement[bool]]:
        """The actor's row predicate for ``action`` on ``entity`` (none: all rows)."""
        access = self.actor.access
        if access is None:
            return []
        predicate = access.row_predicate(action, entity, source)
        return [] if predicate is None else [predicate]

    def _read_filter(self, entity: str, source: FromClause) -> ColumnElement[bool] | None:
        access = self.actor.access
        return None if access is None else access.row_predicate("read", entity, source)

    def _check(self, action: Action, entity: str) -> None:
        """Refuse (Forbidden) an action no role of the actor grants on ``entity``."""
        self.registry.entity(entity)  # an unknown entity is a KeyError with a suggestion
        if self.actor.access is not None:
            self.actor.access.check_action(action, entity)

    def _rows(
        self, action: Action, entity: str, source: FromClause, *conditions: ColumnElement[bool]
    ) -> ColumnElement[bool]:
        """THE where clause of every read, update and delete: conditions AND the row scope."""
        return sa.and_(sa.true(), *conditions, *self._scope(action, entity, source))

    def _visible(
        self, action: Action, entity: str, column: sa.Column[Any]
    ) -> list[ColumnElement[bool]]:
        """``column`` (holding ids of ``entity``) restricted to rows in scope, if scoped."""
        table = self.storage.table(entity)
        scope = self._scope(action, entity, table)
        if not scope:
            return []
        return [column.in_(sa.select(table.c.id).where(sa.and_(*scope)))]

    # ---------------------------------------------------------- field security

    def hidden(self, entity: str, include: Sequence[str] = ()) -> frozenset[str]:
        """Fields of ``entity`` (and ``include`` paths) the actor may not read.

        Records carry None for them; channels use this to mark the values as hidden
        rather than empty (GraphQL ``extensions``, an absent column on a screen).
        """
        access = self.actor.access
        if access is None:
            return frozenset()
        own = access.hidden_fields(entity)
        return own | {path for path in include if self._hidden_path(entity, path)}

    def _hidden_path(self, entity: str, path: str) -> bool:
        """Whether ``path`` (``account.revenue``) passes through a field hidden from the actor."""
        access = self.actor.access
        if access is None:
            return False
        resolved = self._compiler.resolve(entity, path.split("."))
        hops = [*resolved.steps, (resolved.entity, resolved.field)]
        return any(name in access.hidden_fields(owner) for owner, name in hops)

    def _refuse_hidden(self, entity: str, paths: Sequence[str], purpose: str) -> None:
        """Filtering or sorting by a hidden value would reveal it: refuse (Forbidden)."""
        if self.actor.access is None:
            return
        hidden = [path for path in dict.fromkeys(paths) if self._hidden_path(entity, path)]
        if hidden:
            names = ", ".join(repr(path) for path in hidden)
            raise Forbidden(
                purpose,
                entity,
                fields=hidden,
                message=f"you may not {purpose} {entity} records by {names}: your roles hide "
                f"{'these fields' if len(hidden) > 1 else 'this field'} from you",
            )

    def _refuse_hidden_filter(self, entity: str, where: str | None) -> None:
        if not where or self.actor.access is None:
            return
        try:
            refs = field_refs(parse(where))
        except ExpressionError:
            return  # compile_filter reports it, pointing at the character
        self._refuse_hidden(entity, [".".join(ref.path) for ref in refs], "filter")

    def _masked(
        self, entity: str, records: list[dict[str, Any]], include: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        hidden = self.hidden(entity, include)
        if hidden:
            for record in records:
                record.update(dict.fromkeys(hidden & record.keys()))
        return records

    # ------------------------------------------------------------------ reads

    def get(self, entity: str, id: UUID, *, include: Sequence[str] = ()) -> dict[str, Any] | None:
        """The record (with formulas and rollups), or None if missing or out of scope."""
        return self.get_many(entity, [id], include=include).get(id)

    def get_many(
        self,
        entity: str,
        ids: Sequence[UUID],
        *,
        include: Sequence[str] = (),
        fields: Collection[str] | None = None,
    ) -> dict[UUID, dict[str, Any]]:
        """Records by id in one statement; missing ids are simply absent.

        ``fields`` limits each record to ``id`` and those fields (None: every field).
        """
        self._check("read", entity)
        found = self._fetch(entity, ids, include=include, fields=fields)
        self._masked(entity, list(found.values()), include)
        return found

    def _fetch(
        self,
        entity: str,
        ids: Sequence[UUID],
        *,
        include: Sequence[str] = (),
        action: Action = "read",
        fields: Collection[str] | None = None,
    ) -> dict[UUID, dict[str, Any]]:
        """Records in the actor's ``action`` scope, with every value (nothing masked)."""
        if not ids:
            return {}
        table = self.storage.table(entity)
        projection = build_projection(self._compiler, entity, table, include, fields=fields)
        statement = projection.select().where(
            self._rows(action, entity, table, table.c.id.in_(list(dict.fromkeys(ids))))
        )
        records = (projection.decode(row) for row in self.connection.execute(statement).mappings())
        return {record["id"]: record for record in records}

    def require(self, entity: str, id: UUID, action: Action = "read") -> None:
        """Raise unless the actor may do ``action`` on record ``id`` (NotFoundError if out of
        scope, Forbidden if no role grants the action at all). For shares and audit trails."""
        self._check(action, entity)
        self._require(entity, id, action)

    def count(
        self,
        entity: str,
        *,
        where: str | None = None,
        params: Mapping[str, object] | None = None,
        filter: Filter | None = None,
    ) -> int:
        """How many records match ``where`` and ``filter`` (only when asked: counts cost)."""
        self._check("read", entity)
        table = self.storage.table(entity)
        conditions = self._conditions(entity, table, where, params, filter)
        statement = (
            sa.select(sa.func.count())
            .select_from(table)
            .where(self._rows("read", entity, table, *conditions))
        )
        return int(self.connection.execute(statement).scalar_one())

    def related(
        self,
        entity: str,
        relation: str,
        ids: Sequence[UUID],
        *,
        filter: Filter | None = None,
        order_by: OrderBy = (),
        limit: int = 50,
        after: str | None = None,
        include: Sequence[str] = (),
        fields: Collection[str] | None = None,
        cursors: bool = False,
    ) -> dict[UUID, Page]:
        """The first ``limit`` records related to EACH of ``ids`` through the to-many
        ``relation`` (one-to-many or many-to-many, either end), in ONE statement.

        Takes the same ``filter``, ``order_by``, ``after``, ``include`` and ``fields`` as
        :meth:`list`; each parent gets its own :class:`Page` (with ``links`` for a
        many-to-many relation: when each link was made and its link fields).
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise QueryError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")
        path = to_many(self.storage, entity, relation)
        self._check("read", path.target)
        if not ids:
            return {}
        joined = path.join(self.storage)
        rows = joined.target
        projection = build_projection(self._compiler, path.target, rows, include, fields=fields)
        conditions = [
            parents_condition(joined, list(dict.fromkeys(ids))),
            *self._conditions(path.target, rows, None, None, filter),
        ]
        keyset = self._keyset(path.target, rows, order_by)
        if after:
            conditions.append(keyset.after(after))
        where = self._rows("read", path.target, rows, *conditions)
        statement = related_statement(path, joined, projection, keyset, where, limit)
        grouped: dict[UUID, list[Any]] = {id_: [] for id_ in ids}
        for row in self.connection.execute(statement).mappings():
            grouped[codec.to_id(row[PARENT_LABEL]) or ids[0]].append(row)
        pages: dict[UUID, Page] = {}
        for parent, found in grouped.items():
            more = len(found) > limit
            found = found[:limit]
            records = [projection.decode(row) for row in found]
            pages[parent] = Page(
                self._masked(path.target, records, include),
                keyset.cursor(found[-1]) if more else None,
                cursors=tuple(keyset.cursor(row) for row in found) if cursors else (),
                links=tuple(link_of_row(path, row) for row in found) if path.side else (),
            )
        return pages

    def related_counts(
        self, entity: str, relation: str, ids: Sequence[UUID], *, filter: Filter | None = None
    ) -> dict[UUID, int]:
        """How many records are related to each of ``ids`` (matching ``filter``), in one query."""
        path = to_many(self.storage, entity, relation)
        self._check("read", path.target)
        counts = dict.fromkeys(ids, 0)
        if not ids:
            return counts
        joined = path.join(self.storage)
        conditions = [
            parents_condition(joined, list(counts)),
            *self._conditions(path.target, joined.target, None, None, filter),
        ]
        statement = (
            sa.select(joined.parent, sa.func.count())
            .select_from(joined.source)
            .where(self._rows("read", path.target, joined.target, *conditions))
            .group_by(joined.parent)
        )
        for parent, count in self.connection.execute(statement):
            counts[codec.to_id(parent) or ids[0]] = int(count)
        return counts

    def aggregate(
        self,
        entity: str,
        *,
        where: str | None = None,
        params: Mapping[str, object] | None = None,
        filter: Filter | None = None,
        group_by: Sequence[GroupKey] = (),
        measures: Sequence[Measure] = (),
        limit: int = MAX_GROUPS,
    ) -> list[AggregateRow]:
        """Counts, sums, averages, minimums and maximums per group, in one statement.

        Groups are the distinct values of ``group_by`` (dates cut into buckets), in
        ascending order; without ``group_by``, one row over every matching record.
        """
        self._check("read", entity)
        table = self.storage.table(entity)
        conditions = self._conditions(entity, table, where, params, filter)
        used = [key.field for key in group_by] + [m.field for m in measures if m.field]
        self._refuse_hidden(entity, used, "aggregate")
        query = aggregate_query(
            self._compiler,
            entity,
            table,
            self._rows("read", entity, table, *conditions),
            group_by,
            measures,
            limit,
        )
        return [query.decode(row) for row in self.connection.execute(query.statement)]

    def _conditions(
        self,
        entity: str,
        source: FromClause,
        where: str | None,
        params: Mapping[str, object] | None,
        filter: Filter | None,
    ) -> list[ColumnElement[bool]]:
        """The caller's conditions: an expression ``where`` and/or a structured ``filter``."""
        self._refuse_hidden_filter(entity, where)
        conditions: list[ColumnElement[bool]] = []
        if where:
            conditions.append(compile_filter(self._compiler, entity, source, where, params or {}))
        if filter is not None:
            for owner, path in dict.fromkeys(referenced_fields(self.storage, entity, filter)):
                self._refuse_hidden(owner, [path], "filter")
            compiler = FilterCompiler(
                self._compiler,
                lambda target, rows: self._scope("read", target, rows),
                hidden=(lambda name: self.hidden(name)) if self.actor.access else None,
            )
            conditions.append(compiler.compile(entity, source, filter))
        return conditions

    def _keyset(self, entity: str, source: FromClause, order_by: OrderBy) -> Keyset:
        keys = sort_keys(self._compiler, entity, order_by or DEFAULT_ORDER)
        self._refuse_hidden(entity, [key.path for key in keys], "sort")
        return Keyset(
            entity,
            [(key, self._compiler.field(entity, source, key.path.split("."))) for key in keys],
            source.c.id,
        )

    # ----------------------------------------------------------------- writes

    def create(self, entity: str, values: Mapping[str, object]) -> dict[str, Any]:
        """Validate and insert one record; return it as read back (computed values included)."""
        (id_,) = self._insert(entity, [values], batch=False)
        return self._masked(entity, [self._reread(entity, id_)])[0]

    def create_many(self, entity: str, rows: Sequence[Mapping[str, object]]) -> list[UUID]:
        """Validate every record, then insert them all with one executemany.

        All or nothing: if any record is invalid, :class:`BatchValidationFailed` lists
        the problems of each, and nothing is written.
        """
        if not rows:
            return []
        return self._insert(entity, rows, batch=True)

    def upsert_many(
        self, entity: str, rows: Sequence[Mapping[str, object]], key: Sequence[str]
    ) -> list[tuple[UUID, bool]]:
        """Update the records whose ``key`` fields match a row, create the others.

        Returns (id, created) per row, in order. All or nothing, like
        :meth:`create_many`: :class:`BatchValidationFailed` lists every refused row
        (with its position) and nothing is written.
        """
        if not rows:
            return []
        matcher = UpsertKey(self.storage, entity, key, self._ctx)
        keys, errors = matcher.values(rows)
        table = self.storage.table(entity)
        existing: dict[tuple[Any, ...], list[UUID]] = {}
        for match in matcher.matches([k for k in keys if k is not None]):
            statement = sa.select(table.c.id, *matcher.columns).where(
                self._rows("read", entity, table, match)
            )
            for row in self.connection.execute(statement):
                existing.setdefault(tuple(row[1:]), []).append(row[0])
        failures = [ValidationFailed(entity, found, row=i) for i, found in errors.items()]
        updates: list[tuple[int, UUID]] = []
        creates: list[int] = []
        for index, row_key in enumerate(keys):
            matched = existing.get(row_key, []) if row_key is not None else []
            if row_key is None:
                continue
            if len(matched) > 1:
                ambiguous = FieldError(
                    matcher.fields[0],
                    "ambiguous",
                    f"matches {len(matched)} {entity} records; upsert on fields that "
                    "identify one record",
                )
                failures.append(ValidationFailed(entity, [ambiguous], row=index))
            elif matched:
                updates.append((index, matched[0]))
            else:
                creates.append(index)
        done: dict[int, tuple[UUID, bool]] = {}
        with self.connection.begin_nested():  # raising below rolls every row back
            for index, id_ in updates:
                try:
                    self.update(entity, id_, rows[index])
                    done[index] = (id_, False)
                except ValidationFailed as exc:
                    failures.append(ValidationFailed(entity, exc.errors, row=index))
            if creates:
                try:
                    created = self.create_many(entity, [rows[i] for i in creates])
                    done.update((i, (id_, True)) for i, id_ in zip(creates, created, strict=True))
                except BatchValidationFailed as exc:
                    failures.extend(
                        ValidationFailed(entity, f.errors, row=creates[f.row or 0])
                        for f in exc.failures
                    )
            if failures:
                raise BatchValidationFailed(entity, sorted(failures, key=lambda f: f.row or 0))
        return [done[index] for index in range(len(rows))]

    def update(
        self,
        entity: str,
        id: UUID,
        values: Mapping[str, object],
        *,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Change the given fields. With ``expected_version``, refuse if the record moved on."""
        definition = self.registry.entity(entity)
        table = self.storage.table(entity)
        # Changing the owner is assigning the record: its own right, its own scope.
        others = [name for name in values if name not in ("owner", "id")]
        actions: list[Action] = ["assign"] if "owner" in values else []
        if others or not actions:
            actions.append("update")
        for action in actions:
            self._check(action, entity)
        if self.actor.access is not None:
            self.actor.access.check_write_fields("update", entity, others)
        before = self._before(entity, id, actions)
        prepared = prepare_update(definition, id, values, self._ctx)
        self._resolve_references(definition, [prepared], creating=False)
        columns = encode_record(definition, prepared.values)
        self._check_unique(entity, [prepared], [columns])
        self._raise_failures(entity, [prepared], batch=False)
        columns.update(
            modified_at=_now(), modified_by=self.actor.user_id, version=table.c.version + 1
        )
        conditions = [table.c.id == id]
        if expected_version is not None:
            conditions.append(table.c.version == expected_version)
        scopes = [p for action in actions for p in self._scope(action, entity, table)]
        statement = sa.update(table).where(sa.and_(*conditions, *scopes)).values(columns)
        with self._guard(
            entity, lambda exc: self._explain_clash(entity, [prepared], [columns], exc)
        ):
            result = self.connection.execute(statement)
        if result.rowcount == 0:
            raise self._missing_or_conflict(entity, id, expected_version, actions)
        after = self._reread(entity, id)
        if before is not None:
            self._audit([AuditEvent(actions[0], entity, id, self._changes(entity, before, after))])
        return self._masked(entity, [after])[0]

    def delete(self, entity: str, id: UUID, *, expected_version: int | None = None) -> None:
        """Delete a record; cascades and set-nulls follow the lookups' ``on_delete``.

        Raises :class:`DeleteRestricted` naming the records that still refer to it.
        """
        self._check("delete", entity)
        before = self._before(entity, id, ["delete"])
        table = self.storage.table(entity)
        conditions = [table.c.id == id]
        if expected_version is not None:
            conditions.append(table.c.version == expected_version)
        statement = sa.delete(table).where(self._rows("delete", entity, table, *conditions))
        with self._guard(
            entity,
            lambda exc: DeleteRestricted(
                entity, id, find_referencing(self.connection, self.storage, entity, id)
            ),
        ):
            result = self.connection.execute(statement)
        if result.rowcount == 0:
            raise self._missing_or_conflict(entity, id, expected_version, ["delete"])
        if before is not None:
            gone = self._changes(entity, before, {})
            self._audit([AuditEvent("delete", entity, id, gone)])

    # ---------------------------------------------------------------- N:N links

    def link(
        self,
        entity: str,
        relation: str,
        id: UUID,
        target_id: UUID,
        fields: Mapping[str, object] | None = None,
    ) -> None:
        """Link two records through an N:N relation (either end's name works).

        Linking records already linked keeps the link and updates the given link fields.
        """
        side = link_side(self.storage, entity, relation)
        now = _now()
        self._check("update", entity)
        self._require(entity, id, "update")
        columns, errors = prepare_link_fields(side, fields, self._ctx, now, creating=True)
        if (side.target, target_id) not in find_targets(
            self.connection,
            self.storage,
            [(side.target, target_id)],
            row_filter=self._compiler.row_filter,
        ):
            errors.insert(
                0,
                FieldError(relation, "not_found", f"no {side.target} with id {target_id}"),
            )
        if errors:
            raise ValidationFailed(entity, errors)
        junction = side.junction.table
        row = {side.near.name: id, side.far.name: target_id, "created_at": now, **columns}
        try:
            with self.connection.begin_nested():
                self.connection.execute(sa.insert(junction).values(row))
        except sa.exc.IntegrityError as exc:
            changes, _ = prepare_link_fields(side, fields, self._ctx, now, creating=False)
            pair = sa.and_(side.near == id, side.far == target_id)
            found = self.connection.execute(
                sa.select(sa.func.count()).select_from(junction).where(pair)
            )
            if found.scalar_one() == 0:
                raise WriteRefused(entity, _detail(exc)) from exc
            if changes:
                self.connection.execute(sa.update(junction).where(pair).values(changes))

    def unlink(self, entity: str, relation: str, id: UUID, target_id: UUID) -> bool:
        """Remove a link; False if the records were not linked."""
        side = link_side(self.storage, entity, relation)
        self._check("update", entity)
        statement = sa.delete(side.junction.table).where(
            side.near == id,
            side.far == target_id,
            *self._visible("update", entity, side.near),
        )
        return bool(self.connection.execute(statement).rowcount)

    def links(
        self, entity: str, relation: str, ids: Sequence[UUID]
    ) -> dict[UUID, list[dict[str, Any]]]:
        """Links of each of ``ids``: linked ``id``, ``created_at``, link fields; oldest first."""
        side = link_side(self.storage, entity, relation)
        self._check("read", entity)
        found: dict[UUID, list[dict[str, Any]]] = {id_: [] for id_ in ids}
        if not ids:
            return found
        junction = side.junction.table
        statement = (
            sa.select(junction)
            .where(
                side.near.in_(list(found)),
                *self._visible("read", entity, side.near),
                *self._visible("read", side.target, side.far),
            )
            .order_by(side.near, junction.c.created_at, side.far)
        )
        for row in self.connection.execute(statement).mappings():
            found[row[side.near.name]].append(decode_link(side, row))
        return found

    def linked_ids(self, entity: str, relation: str, id: UUID) -> list[UUID]:
        """Ids of the records linked to ``id`` through ``relation``, oldest link first."""
        return [link["id"] for link in self.links(entity, relation, [id])[id]]

    # --------------------------------------------------------------- internals

    def _insert(
        self, entity: str, rows: Sequence[Mapping[str, object]], *, batch: bool
    ) -> list[UUID]:
        definition = self.registry.entity(entity)
        table = self.storage.table(entity)
        self._check("create", entity)
        if self.actor.access is not None:
            given = sorted({name for values in rows for name in values if name != "id"})
            self.actor.access.check_write_fields("create", entity, given)
        now = _now()
        prepared = [
            prepare_create(definition, values, self._ctx, self.actor, now) for values in rows
        ]
        self._resolve_references(definition, prepared, creating=True)
        blank = dict.fromkeys(table.c.keys())
        encoded: list[dict[str, Any]] = []
        for item in prepared:
            # Every row carries every column, so executemany sees one shape.
            row = {**blank, **encode_record(definition, item.values)}
            row.update(
                id=item.id,
                created_at=now,
                modified_at=now,
                created_by=self.actor.user_id,
                modified_by=self.actor.user_id,
                version=1,
            )
            encoded.append(row)
        self._check_unique(entity, prepared, encoded)
        self._raise_failures(entity, prepared, batch=batch)
        ids = [item.id for item in prepared]
        with self._guard(entity, lambda exc: self._explain_clash(entity, prepared, encoded, exc)):
            self._number(definition, encoded, now)
            self.connection.execute(sa.insert(table), encoded)
            self._check_created(entity, ids)
        if self.actor.audit is not None:
            self._audit(
                [
                    AuditEvent(
                        "create",
                        entity,
                        item.id,
                        {name: (None, value) for name, value in item.values.items()},
                    )
                    for item in prepared
                ]
            )
        return ids

    def _check_created(self, entity: str, ids: Sequence[UUID]) -> None:
        """New records must lie in the actor's create scope (checked in SQL, in the insert's
        savepoint: a refusal leaves nothing behind)."""
        table = self.storage.table(entity)
        scope = self._scope("create", entity, table)
        if not scope:
            return
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            inside = self.connection.execute(
                sa.select(sa.func.count()).where(table.c.id.in_(chunk), *scope)
            ).scalar_one()
            if inside != len(chunk):
                raise Forbidden(
                    "create",
                    entity,
                    message=f"your roles let you create {entity} records only within your "
                    "scope (yourself, your teams or your business unit); set the owner "
                    "accordingly, or ask an administrator",
                )

    # -------------------------------------------------------------------- audit

    def _before(self, entity: str, id: UUID, actions: Sequence[Action]) -> dict[str, Any] | None:
        """The record as it is, when the write will be audited; NotFound if out of scope."""
        if self.actor.audit is None:
            return None
        table = self.storage.table(entity)
        scopes = [p for action in actions for p in self._scope(action, entity, table)]
        row = (
            self.connection.execute(sa.select(table).where(table.c.id == id, *scopes))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(entity, id)
        columns = {str(key): value for key, value in row.items()}
        return {
            name: codec.decode(name, field, columns)
            for name, field in self.registry.entity(entity).fields.items()
            if field.type not in COMPUTED_KINDS
        }

    def _changes(
        self, entity: str, before: Mapping[str, Any], after: Mapping[str, Any]
    ) -> dict[str, tuple[object, object]]:
        """Stored fields whose value differs: ``{field: (old, new)}``."""
        definition = self.registry.entity(entity)
        return {
            name: (before.get(name), after.get(name))
            for name, field in definition.fields.items()
            if field.type not in COMPUTED_KINDS
            and name not in _NOT_AUDITED
            and before.get(name) != after.get(name)
        }

    def _audit(self, events: Sequence[AuditEvent]) -> None:
        if self.actor.audit is not None and events:
            self.actor.audit.record(self.connection, self.actor.user_id, events)

    def _number(self, definition: EntityDef, rows: list[dict[str, Any]], now: dt.datetime) -> None:
        """Give each row the next autonumbers (inside the insert's savepoint: a failed insert
        hands its numbers back)."""
        for name, field in definition.fields.items():
            if not isinstance(field, AutonumberField):
                continue
            numbers = take_numbers(
                self.connection, self.storage, definition.entity, name, len(rows), field.start
            )
            column = self.storage.column(definition.entity, name).name
            for row, number in zip(rows, numbers, strict=True):
                row[column] = render(field.format, number, now.date())

    def _resolve_references(
        self, definition: EntityDef, prepared: Sequence[Prepared], *, creating: bool
    ) -> None:
        """Check every referenced record exists (one query), and derive business units."""
        wanted = [
            (target, id_)
            for item in prepared
            for _, target, id_ in references(definition, item.values)
        ]
        actor = self.actor.user_id
        if actor is not None:
            wanted.append((USER_ENTITY, actor))
        found = (
            find_targets(
                self.connection, self.storage, wanted, row_filter=self._compiler.row_filter
            )
            if wanted
            else {}
        )
        actor_missing = actor is not None and (USER_ENTITY, actor) not in found
        for item in prepared:
            for field, target, id_ in references(definition, item.values):
                if actor_missing and (target, id_) == (USER_ENTITY, actor):
                    continue  # reported once, as the actor's problem, below
                if (target, id_) not in found:
                    item.errors.append(
                        FieldError(
                            field,
                            "not_found",
                            f"no {target} with id {id_}; pick an existing record",
                        )
                    )
            if actor_missing:
                item.errors.append(
                    FieldError("", "actor", f"the acting user {actor} does not exist")
                )
            if follows_owner(definition) and (creating or "owner" in item.values):
                owner = owner_target(definition, item.values)
                item.values["business_unit"] = found.get(owner) if owner is not None else None

    def _check_unique(
        self, entity: str, prepared: Sequence[Prepared], rows: Sequence[Mapping[str, object]]
    ) -> None:
        clashes = find_clashes(
            self.connection, self.storage, entity, rows, [item.id for item in prepared]
        )
        for index, errors in clashes.items():
            prepared[index].errors.extend(errors)

    def _raise_failures(self, entity: str, prepared: Sequence[Prepared], *, batch: bool) -> None:
        failures = [
            ValidationFailed(entity, item.errors, row=index if batch else None)
            for index, item in enumerate(prepared)
            if item.errors
        ]
        if not failures:
            return
        if batch:
            raise BatchValidationFailed(entity, failures)
        raise failures[0]

    def _explain_clash(
        self,
        entity: str,
        prepared: Sequence[Prepared],
        rows: Sequence[Mapping[str, object]],
        error: sa.exc.IntegrityError,
    ) -> StorageError | None:
        """Why a write the checks allowed was refused: usually a concurrent unique value."""
        if not _is_unique_violation(error):
            return None
        for item in prepared:
            item.errors.clear()
        self._check_unique(entity, prepared, rows)
        try:
            self._raise_failures(entity, prepared, batch=len(prepared) > 1)
        except StorageError as exc:
            return exc
        indexes = [i.fields for i in self.registry.entity(entity).indexes if i.unique]
        if indexes:
            combos = " or ".join("(" + ", ".join(fields) + ")" for fields in indexes)
            return ValidationFailed(
                entity,
                [FieldError(indexes[0][0], "unique", f"the combination {combos} is already used")],
            )
        return None

    @contextmanager
    def _guard(
        self, entity: str, explain: Callable[[sa.exc.IntegrityError], StorageError | None]
    ) -> Iterator[None]:
        """Run a write in a SAVEPOINT; turn an integrity error into an error that explains."""
        try:
            with self.connection.begin_nested():
                yield
        except sa.exc.IntegrityError as exc:
            raise (explain(exc) or WriteRefused(entity, _detail(exc))) from exc

    def _missing_or_conflict(
        self, entity: str, id: UUID, expected: int | None, actions: Sequence[Action]
    ) -> StorageError:
        table = self.storage.table(entity)
        scopes = [p for action in ("read", *actions) for p in self._scope(action, entity, table)]
        current = self.connection.execute(
            sa.select(table.c.version).where(table.c.id == id, *scopes)
        ).scalar_one_or_none()
        if current is None or expected is None:
            return NotFoundError(entity, id)
        return ConflictError(entity, id, expected, int(current))

    def _require(self, entity: str, id: UUID, action: Action) -> None:
        table = self.storage.table(entity)
        statement = sa.select(table.c.id).where(self._rows(action, entity, table, table.c.id == id))
        if self.connection.execute(statement).first() is None:
            raise NotFoundError(entity, id)

    def _reread(self, entity: str, id: UUID) -> dict[str, Any]:
        """The record as written, every value (callers mask hidden fields)."""
        record = self._fetch(entity, [id]).get(id)
        if record is None:  # written but out of the actor's read scope
            raise NotFoundError(entity, id)
        return record

    # ``list`` comes last: once defined, the name shadows the builtin in this class body.
    def list(
        self,
        entity: str,
        *,
        where: str | None = None,
        params: Mapping[str, object] | None = None,
        filter: Filter | None = None,
        order_by: OrderBy = (),
        limit: int = 50,
        after: str | None = None,
        before: str | None = None,
        from_end: bool = False,
        include: Sequence[str] = (),
        fields: Collection[str] | None = None,
        cursors: bool = False,
    ) -> Page:
        """One page of records, in one SQL statement.

        ``where`` is an expression (``amount > $min and account.name = 'Acme'``) with
        ``params`` giving the ``$`` values, and/or ``filter`` a structured
        :data:`~.filters.Filter`; ``order_by`` takes ``(path, "asc"|"desc")`` pairs,
        ``(path, direction, "first"|"last")`` to place NULLs, or ``"-path"`` strings
        (formulas, rollups and lookup paths sort too); ``after`` is the ``next_cursor``
        of the previous page, ``before`` a cursor the page must end before. With
        ``from_end`` the page is the LAST ``limit`` rows (before ``before``), and its
        ``previous_cursor`` says where the page before it ends. ``include`` adds values
        of related records (``"account.name"``) under that key; ``fields`` limits the
        records to ``id`` and those fields; ``cursors`` adds each record's cursor.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise QueryError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")
        self._check("read", entity)
        table = self.storage.table(entity)
        projection = build_projection(self._compiler, entity, table, include, fields=fields)
        conditions = self._conditions(entity, table, where, params, filter)
        keyset = self._keyset(entity, table, order_by)
        if after:
            conditions.append(keyset.after(after))
        if before:
            conditions.append(keyset.before(before))
        walk = keyset.reversed() if from_end else keyset
        statement = (
            projection.select(*keyset.columns())
            .where(self._rows("read", entity, table, *conditions))
            .order_by(*walk.order_by())
            .limit(limit + 1)
        )
        rows = list(self.connection.execute(statement).mappings())
        more = len(rows) > limit
        rows = rows[:limit]
        if from_end:
            rows.reverse()
        records = self._masked(entity, [projection.decode(row) for row in rows], include)
        marks = tuple(keyset.cursor(row) for row in rows) if cursors else ()
        if from_end:
            return Page(records, None, keyset.cursor(rows[0]) if more else None, marks)
        return Page(records, keyset.cursor(rows[-1]) if more else None, None, marks)


#: Stamped on every write: their change says nothing the audit row does not.
_NOT_AUDITED: Final = frozenset({"modified_at", "modified_by", "version"})


def _is_unique_violation(exc: sa.exc.IntegrityError) -> bool:
    """Whether the database refused a duplicate (not, say, a vanished foreign key)."""
    # PostgreSQL reports SQLSTATE 23505; SQLite only says so in its message.
    if getattr(exc.orig, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(exc.orig)


def _detail(exc: sa.exc.DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
