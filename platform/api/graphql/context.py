"""One request's context: the actor, one connection, one transaction, one repository.

The connection is opened by the first resolver that needs it: a mutation opens a
write transaction (``BEGIN IMMEDIATE`` on SQLite), anything else a read transaction.
:meth:`RequestContext.finish` commits or rolls back once execution is over; each
mutation field runs in its own SAVEPOINT (:meth:`RequestContext.mutation`), so a
failed field leaves the others' work standing, as GraphQL's per-field errors promise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine, RootTransaction

from xrm.platform.storage.actor import Actor
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel

from .limits import Budget, Limits


@dataclass
class RequestContext:
    engine: Engine
    storage: StorageModel
    actor: Actor
    default_currency: str
    limits: Limits
    budget: Budget = field(init=False)
    _connection: Connection | None = field(default=None, init=False)
    _transaction: RootTransaction | None = field(default=None, init=False)
    _repository: Repository | None = field(default=None, init=False)
    _write: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.budget = Budget(self.limits)

    def repository(self, *, write: bool = False) -> Repository:
        """The request's repository, opening its connection on first use."""
        if self._repository is None:
            options = {WRITE: True} if write else {}
            self._connection = self.engine.connect().execution_options(**options)
            self._transaction = self._connection.begin()
            self._write = write
            self._repository = Repository(
                self._connection, self.storage, self.actor, default_currency=self.default_currency
            )
        elif write and not self._write:
            raise RuntimeError("a read transaction is open; mutations must come first")
        return self._repository

    @contextmanager
    def mutation(self) -> Iterator[Repository]:
        """A repository for one mutation field, inside its own savepoint."""
        repository = self.repository(write=True)
        with repository.connection.begin_nested():
            yield repository

    def finish(self, *, commit: bool) -> None:
        """End the transaction (commit or roll back) and give the connection back."""
        try:
            if self._transaction is not None and self._transaction.is_active:
                if commit:
                    self._transaction.commit()
                else:
                    self._transaction.rollback()
        finally:
            if self._connection is not None:
                self._connection.close()
            self._connection = self._transaction = self._repository = None
