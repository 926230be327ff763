"""Storage test helpers: small solutions written to tmp_path, their tables, repositories."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from xrm.metamodel.registry import load_registry
from xrm.platform.storage.actor import SYSTEM_ACTOR, Actor
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel, build_storage


def create_tables(engine: Engine, storage: StorageModel) -> None:
    """The ONE place tests create tables (switch to the migrate API when it lands)."""
    with engine.begin() as connection:
        storage.metadata.create_all(connection, checkfirst=False)


@dataclass
class Env:
    """A database with the tables of one test solution."""

    engine: Engine
    storage: StorageModel

    @contextmanager
    def repo(self, actor: Actor = SYSTEM_ACTOR, **options: Any) -> Iterator[Repository]:
        """A repository in its own write transaction, committed on success."""
        with self.connection() as connection:
            yield Repository(connection, self.storage, actor, **options)

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        with (
            self.engine.connect().execution_options(**{WRITE: True}) as connection,
            connection.begin(),
        ):
            yield connection


#: make_env({"entities/x.yaml": "..."}) -> Env with tables created.
MakeEnv = Callable[[Mapping[str, str]], Env]


@pytest.fixture
def make_env(tmp_path: Path, engine: Engine) -> MakeEnv:
    def make(files: Mapping[str, str]) -> Env:
        root = tmp_path / "demo"
        texts = {"solution.yaml": "name: demo\nversion: 1.0.0\n", **files}
        for relative, text in texts.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        storage = build_storage(load_registry([root]))
        create_tables(engine, storage)
        return Env(engine, storage)

    return make


#: A small sales model used by several test modules: accounts, contacts,
#: opportunities (formulas, autonumber), tags (N:N with a link field), rollups.
SALES: Mapping[str, str] = {
    "entities/account.yaml": """
        entity: account
        fields:
          name: {type: string, max_length: 100, required: true}
          code: {type: string, max_length: 20, unique: true}
          parent: {type: lookup, target: account}
          revenue: {type: money}
          opportunity_count: {type: rollup, relation: opportunities, aggregate: count}
          open_amount:
            type: rollup
            relation: opportunities
            aggregate: sum
            field: quantity
            filter: "stage != 'lost'"
          won_count:
            {type: rollup, relation: opportunities, aggregate: count, filter: "stage = 'won'"}
          last_close: {type: rollup, relation: opportunities, aggregate: max, field: close_date}
          average_total: {type: rollup, relation: opportunities, aggregate: avg, field: total}
          tag_count: {type: rollup, relation: tags, aggregate: count}
          heavy_tags: {type: rollup, relation: tags, aggregate: count, filter: "priority >= 5"}
          tag_priority: {type: rollup, relation: tags, aggregate: sum, field: priority}
        relations:
          opportunities: {type: one_to_many, target: opportunity, field: account}
          contacts: {type: one_to_many, target: contact, field: account}
          tags:
            type: many_to_many
            target: tag
            inverse: accounts
            fields:
              weight: {type: integer, default: 1}
              note: {type: string, max_length: 20}
    """,
    "entities/contact.yaml": """
        entity: contact
        fields:
          name: {type: string, required: true}
          account: {type: lookup, target: account, on_delete: cascade}
          employer: {type: lookup, target: account, on_delete: set_null}
    """,
    "entities/opportunity.yaml": """
        entity: opportunity
        fields:
          name: {type: string, max_length: 100, required: true}
          number: {type: autonumber, format: "OPP-{seq:05}"}
          account: {type: lookup, target: account, required: true}
          stage:
            type: choice
            default: new
            options: [new, won, lost]
          quantity: {type: integer}
          unit_price: {type: decimal, precision: 10, scale: 2}
          close_date: {type: date}
          total: {type: formula, returns: decimal, expression: "quantity * unit_price"}
          account_name: {type: formula, returns: string, expression: "account.name"}
          parent_name: {type: formula, returns: string, expression: "account.parent.name"}
          headline:
            type: formula
            returns: string
            expression: "upper(name) || ' @ ' || coalesce(account.code, '-')"
          big: {type: formula, returns: boolean, expression: "if(quantity > 10, true, false)"}
          follow_up: {type: formula, returns: date, expression: "close_date + 30"}
          close_year: {type: formula, returns: integer, expression: "year(close_date)"}
    """,
    "entities/tag.yaml": """
        entity: tag
        fields:
          name: {type: string, required: true}
          priority: {type: integer, default: 1}
    """,
}


@pytest.fixture
def sales(make_env: MakeEnv) -> Env:
    return make_env(SALES)


class StatementCounter:
    """Counts SQL statements sent on an engine (``before_cursor_execute``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def sales_files() -> Mapping[str, str]:
    """The files of the sales model, for tests that extend it."""
    return SALES


@pytest.fixture
def statements(engine: Engine) -> StatementCounter:
    """``with statements: ...`` records the SQL sent on the test engine."""
    return StatementCounter(engine)
