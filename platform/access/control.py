"""The access layer's entry point: one :class:`AccessControl` per storage model (Registry).

Built once (at application start, or by a CLI command), shared by every request::

    control = AccessControl(storage)
    with engine.begin() as connection:
        principal = control.load_principal(connection, user_id)   # 4 queries
        repo = Repository(connection, storage, control.actor(principal))
        repo.list("opportunity")       # only the rows the principal may read

:class:`PrincipalAccess` is the repository's :class:`~xrm.platform.storage.actor.AccessPolicy`
for one principal: casbin decisions (:mod:`.policy`), one SQL predicate per entity and
action (:mod:`.rows`), hidden and frozen fields (:mod:`.fields`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from xrm.platform.storage.actor import Action, Actor
from xrm.platform.storage.errors import Forbidden
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel

from .audit import AuditLog
from .fields import FieldRules
from .policy import Policy
from .principal import Principal, load_principal
from .rows import RowRules


class AccessControl:
    """Policy, row rules, field rules and the audit log of one storage model."""

    def __init__(self, storage: StorageModel) -> None:
        self.storage = storage
        self.registry = storage.registry
        self.policy = Policy(storage.registry)
        self.rows = RowRules(storage, self.policy)
        self.fields = FieldRules(storage.registry, self.policy)
        self.audit = AuditLog(storage)

    def load_principal(self, connection: Connection, user_id: UUID) -> Principal | None:
        """The principal of an active user, or None."""
        return load_principal(
            connection, self.storage, self.policy, user_id, user_paths=self.rows.user_paths
        )

    def actor(self, principal: Principal) -> Actor:
        """The repository actor for ``principal``: its rights, and the audit log."""
        return Actor(principal.user_id, PrincipalAccess(self, principal), self.audit)

    def platform_actor(self) -> Actor:
        """The platform itself (CLI, installs): every row and field, but audited."""
        return Actor(None, None, self.audit)

    def repository(
        self, connection: Connection, principal: Principal | None, **options: Any
    ) -> Repository:
        """A repository acting as ``principal`` (None: as the platform, audited)."""
        actor = self.platform_actor() if principal is None else self.actor(principal)
        return Repository(connection, self.storage, actor, **options)


class PrincipalAccess:
    """One principal's rights, as the repository asks for them (an ``AccessPolicy``)."""

    def __init__(self, control: AccessControl, principal: Principal) -> None:
        self.control = control
        self.principal = principal

    def check_action(self, action: Action, entity: str) -> None:
        if self.principal.admin:
            return
        if not self.control.policy.allows(self.principal.roles, entity, action):
            raise Forbidden(action, entity)

    def row_predicate(
        self, action: Action, entity: str, source: FromClause
    ) -> ColumnElement[bool] | None:
        return self.control.rows.predicate(self.principal, action, entity, source)

    def hidden_fields(self, entity: str) -> frozenset[str]:
        if self.principal.admin:
            return frozenset()
        return self.control.fields.hidden(self.principal.roles, entity)

    def check_write_fields(self, action: Action, entity: str, fields: Collection[str]) -> None:
        if self.principal.admin or not fields:
            return
        blocked = self.control.fields.unwritable(self.principal.roles, entity, action)
        refused = [name for name in fields if name in blocked]
        if refused:
            raise Forbidden(action, entity, fields=refused)
