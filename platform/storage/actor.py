"""Who is reading or writing: passed explicitly to every repository, never ambient.

An :class:`Actor` carries the user id the repository stamps on ``created_by`` /
``modified_by`` and uses as the default ``owner``, and two small interfaces the
access layer (``xrm.platform.access``, which sits above storage) implements:

* :class:`AccessPolicy` decides for one principal: may it do this action on this
  entity at all, which rows (ONE SQL predicate, ANDed into every read, update and
  delete), which fields it may not read or write;
* :class:`AuditSink` records what a write changed, in the write's own transaction.

An actor without a policy is the platform itself (demo data, solution install):
every row, every field. Without a sink, nothing is audited.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol
from uuid import UUID

from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

#: What a caller does with records; row scopes and field rules differ per action.
Action = Literal["read", "create", "update", "delete", "assign", "share"]


class AccessPolicy(Protocol):
    """One principal's rights, as the repository asks for them."""

    def check_action(self, action: Action, entity: str) -> None:
        """Raise :class:`~.errors.Forbidden` unless some role grants ``action`` on ``entity``."""

    def row_predicate(
        self, action: Action, entity: str, source: FromClause
    ) -> ColumnElement[bool] | None:
        """The rows of ``source`` (the entity's table or an alias) ``action`` may touch.

        None means every row. Must be pure SQL (bound parameters, subqueries): the
        repository never checks rows in Python and never runs a second statement.
        """

    def hidden_fields(self, entity: str) -> frozenset[str]:
        """Fields of ``entity`` the principal may not read (nor filter or sort by)."""

    def check_write_fields(self, action: Action, entity: str, fields: Collection[str]) -> None:
        """Raise :class:`~.errors.Forbidden` naming the ``fields`` the principal may not set."""


@dataclass(frozen=True)
class AuditEvent:
    """One change to one record: ``changes`` maps a field to its (old, new) value."""

    action: str
    entity: str
    record_id: UUID
    changes: Mapping[str, tuple[object, object]] = field(default_factory=dict)


class AuditSink(Protocol):
    """Where the repository reports its writes (inside the write's transaction)."""

    def record(
        self, connection: Connection, user_id: UUID | None, events: Sequence[AuditEvent]
    ) -> None:
        """Store ``events``, made by ``user_id`` (None: the platform itself)."""


@dataclass(frozen=True)
class Actor:
    """The principal behind a repository call; ``user_id`` is None for the platform itself."""

    user_id: UUID | None = None
    #: None: the platform itself, which may touch every row and field.
    access: AccessPolicy | None = None
    #: None: the writes are not audited.
    audit: AuditSink | None = None


#: Writes made by the platform itself (demo data, solution install, migrations).
SYSTEM_ACTOR: Final = Actor(user_id=None)
