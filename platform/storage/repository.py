"""The repository: the one path by which anything reads or writes entity records.

GraphQL, screens, imports and automation all go through :class:`Repository`, so
validation, defaults, system fields, autonumbers, optimistic concurrency and (next)
access control happen in one place. It works on a caller's SQLAlchemy
:class:`~sqlalchemy.engine.Connection` and never commits: the caller owns the
transaction, and each write runs inside a SAVEPOINT so a refused write leaves the
caller's transaction usable.

Every read, update and delete builds its WHERE clause in :meth:`Repository._rows`,
which ANDs the caller's conditions with the actor's row scope (empty until the
access-control layer fills :meth:`Repository._scope`).

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final, Literal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from xrm.metamodel.schema import AutonumberField, EntityDef
from xrm.metamodel.system_fields import USER_ENTITY

from .actor import Actor
from .autonumber import render, take_numbers
from .errors import (
    BatchValidationFailed,
    ConflictError,
    DeleteRestricted,
    FieldError,
    NotFoundError,
    QueryError,
    StorageError,
    ValidationFailed,
    WriteRefused,
)
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
from .sql_expressions import ExpressionCompiler
from .tables import StorageModel
from .uniqueness import find_clashes
from .values import CoerceContext

#: What a statement does to the rows it selects; row scopes differ per action.
Action = Literal["read", "update", "delete"]

#: Newest first when the caller gives no order (``id`` breaks ties).
DEFAULT_ORDER: Final = (("created_at", "desc"),)


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
        self._compiler = ExpressionCompiler(storage)

    # ------------------------------------------------------------- row scope

    def _scope(self, action: Action, entity: str, source: FromClause) -> list[ColumnElement[bool]]:
        """The actor's row predicates for ``action`` on ``entity`` (none yet: all rows)."""
        return []

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

    # ------------------------------------------------------------------ reads

    def get(self, entity: str, id: UUID, *, include: Sequence[str] = ()) -> dict[str, Any] | None:
        """The record (with formulas and rollups), or None if missing or out of scope."""
        return self.get_many(entity, [id], include=include).get(id)

    def get_many(
        self, entity: str, ids: Sequence[UUID], *, include: Sequence[str] = ()
    ) -> dict[UUID, dict[str, Any]]:
        """Records by id in one statement; missing ids are simply absent."""
        if not ids:
            return {}
        table = self.storage.table(entity)
        projection = build_projection(self._compiler, entity, table, include)
        statement = projection.select().where(
            self._rows("read", entity, table, table.c.id.in_(list(dict.fromkeys(ids))))
        )
        records = (projection.decode(row) for row in self.connection.execute(statement).mappings())
        return {record["id"]: record for record in records}

    def count(
        self, entity: str, *, where: str | None = None, params: Mapping[str, object] | None = None
    ) -> int:
        """How many records match ``where`` (only when a caller asks: counts cost)."""
        table = self.storage.table(entity)
        conditions = []
        if where:
            conditions.append(compile_filter(self._compiler, entity, table, where, params or {}))
        statement = (
            sa.select(sa.func.count())
            .select_from(table)
            .where(self._rows("read", entity, table, *conditions))
        )
        return int(self.connection.execute(statement).scalar_one())

    # ----------------------------------------------------------------- writes

    def create(self, entity: str, values: Mapping[str, object]) -> dict[str, Any]:
        """Validate and insert one record; return it as read back (computed values included)."""
        (id_,) = self._insert(entity, [values], batch=False)
        return self._reread(entity, id_)

    def create_many(self, entity: str, rows: Sequence[Mapping[str, object]]) -> list[UUID]:
        """Validate every record, then insert them all with one executemany.

        All or nothing: if any record is invalid, :class:`BatchValidationFailed` lists
        the problems of each, and nothing is written.
        """
        if not rows:
            return []
        return self._insert(entity, rows, batch=True)

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
        statement = (
            sa.update(table).where(self._rows("update", entity, table, *conditions)).values(columns)
        )
        with self._guard(
            entity, lambda exc: self._explain_clash(entity, [prepared], [columns], exc)
        ):
            result = self.connection.execute(statement)
        if result.rowcount == 0:
            raise self._missing_or_conflict(entity, id, expected_version)
        return self._reread(entity, id)

    def delete(self, entity: str, id: UUID, *, expected_version: int | None = None) -> None:
        """Delete a record; cascades and set-nulls follow the lookups' ``on_delete``.

        Raises :class:`DeleteRestricted` naming the records that still refer to it.
        """
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
            raise self._missing_or_conflict(entity, id, expected_version)

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
        self._require(entity, id, "update")
        columns, errors = prepare_link_fields(side, fields, self._ctx, now, creating=True)
        if (side.target, target_id) not in find_targets(
            self.connection, self.storage, [(side.target, target_id)]
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
        with self._guard(entity, lambda exc: self._explain_clash(entity, prepared, encoded, exc)):
            self._number(definition, encoded, now)
            self.connection.execute(sa.insert(table), encoded)
        return [item.id for item in prepared]

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
        found = find_targets(self.connection, self.storage, wanted) if wanted else {}
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

    def _missing_or_conflict(self, entity: str, id: UUID, expected: int | None) -> StorageError:
        table = self.storage.table(entity)
        current = self.connection.execute(
            sa.select(table.c.version).where(self._rows("read", entity, table, table.c.id == id))
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
        record = self.get(entity, id)
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
        order_by: OrderBy = (),
        limit: int = 50,
        after: str | None = None,
        include: Sequence[str] = (),
    ) -> Page:
        """One page of records, in one SQL statement.

        ``where`` is an expression (``amount > $min and account.name = 'Acme'``) with
        ``params`` giving the ``$`` values; ``order_by`` takes ``(path, "asc"|"desc")``
        pairs or ``"-path"`` strings (formulas, rollups and lookup paths sort too);
        ``after`` is the ``next_cursor`` of the previous page; ``include`` adds values
        of related records (``"account.name"``) to each record under that key.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise QueryError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")
        table = self.storage.table(entity)
        projection = build_projection(self._compiler, entity, table, include)
        conditions: Sequence[ColumnElement[bool]] = []
        if where:
            conditions = [compile_filter(self._compiler, entity, table, where, params or {})]
        keys = sort_keys(self._compiler, entity, order_by or DEFAULT_ORDER)
        keyset = Keyset(
            entity,
            [(key, self._compiler.field(entity, table, key.path.split("."))) for key in keys],
            table.c.id,
        )
        if after:
            conditions = [*conditions, keyset.after(after)]
        statement = (
            projection.select(*keyset.columns())
            .where(self._rows("read", entity, table, *conditions))
            .order_by(*keyset.order_by())
            .limit(limit + 1)
        )
        rows = self.connection.execute(statement).mappings().all()
        more = len(rows) > limit
        rows = rows[:limit]
        return Page(
            [projection.decode(row) for row in rows],
            keyset.cursor(rows[-1]) if more else None,
        )


def _is_unique_violation(exc: sa.exc.IntegrityError) -> bool:
    """Whether the database refused a duplicate (not, say, a vanished foreign key)."""
    # PostgreSQL reports SQLSTATE 23505; SQLite only says so in its message.
    if getattr(exc.orig, "sqlstate", None) == "23505":
        return True
    return "UNIQUE constraint failed" in str(exc.orig)


def _detail(exc: sa.exc.DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
