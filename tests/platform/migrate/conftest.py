"""Migration test helpers: a small solution rewritten between steps, and one database.

``db.write({...})`` replaces the test solution's entity files (so removing an entry
removes the entity), ``db.plan()`` / ``db.migrate()`` run against the test database,
and ``db.state()`` captures schema and rows to prove a rollback left nothing behind.
"""

from __future__ import annotations

import shutil
import textwrap
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from xrm.metamodel.registry import load_registry
from xrm.platform.migrate import Plan, migrate, plan_migration
from xrm.platform.storage.tables import StorageModel, build_storage


@dataclass
class Db:
    engine: Engine
    root: Path
    _storage: StorageModel | None = None

    def write(self, entities: Mapping[str, str], *, name: str = "demo") -> Path:
        """Write the solution folder anew: ``{entity file stem: YAML}``, dedented."""
        self._storage = None
        if self.root.exists():
            shutil.rmtree(self.root)
        (self.root / "entities").mkdir(parents=True)
        (self.root / "solution.yaml").write_text(f"name: {name}\nversion: 1.0.0\n")
        for stem, text in entities.items():
            (self.root / "entities" / f"{stem}.yaml").write_text(textwrap.dedent(text))
        return self.root

    def storage(self) -> StorageModel:
        if self._storage is None:
            self._storage = build_storage(load_registry([self.root]))
        return self._storage

    def plan(self) -> Plan:
        with self.engine.connect() as connection:
            return plan_migration(connection, self.storage())

    def migrate(self, **options: Any) -> Plan:
        return migrate(self.engine, self.storage(), **options)

    def lines(self) -> list[str]:
        return self.plan().lines()

    def run(self, statement: Any) -> None:
        with self.engine.connect() as connection, connection.begin():
            connection.execute(statement)

    def table(self, name: str) -> sa.Table:
        """The table as the current solution defines it (typed: UUIDs bind on SQLite too)."""
        return self.storage().metadata.tables[name]

    def insert(self, table: str, *rows: Mapping[str, Any]) -> list[uuid.UUID]:
        """Insert rows (system columns filled in) and return their ids."""
        target = self.table(table)
        now = sa.func.current_timestamp()
        ids = []
        with self.engine.connect() as connection, connection.begin():
            for row in rows:
                values: dict[str, Any] = dict(row)
                if "id" in target.c:
                    values.setdefault("id", uuid.uuid4())
                for column in ("created_at", "modified_at"):
                    if column in target.c:
                        values.setdefault(column, now)
                if "version" in target.c:
                    values.setdefault("version", 1)
                connection.execute(sa.insert(target).values(values))
                ids.append(values.get("id", uuid.UUID(int=0)))
        return ids

    def select(self, table: str, *columns: str) -> list[tuple[Any, ...]]:
        """Rows of ``columns``, ordered by them."""
        source = sa.table(table, *[sa.column(c) for c in columns])
        query = sa.select(*source.c).order_by(*source.c)
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(query)]

    def columns(self, table: str) -> dict[str, Any]:
        """Reflected columns by name (``type``, ``nullable``…)."""
        with self.engine.connect() as connection:
            return {c["name"]: c for c in sa.inspect(connection).get_columns(table)}

    def tables(self) -> set[str]:
        with self.engine.connect() as connection:
            return set(sa.inspect(connection).get_table_names())

    def state(self) -> dict[str, Any]:
        """Every table's columns, indexes, keys and rows, comparable with ``==``."""
        state: dict[str, Any] = {}
        with self.engine.connect() as connection:
            inspector = sa.inspect(connection)
            for table in sorted(inspector.get_table_names()):
                columns = inspector.get_columns(table)
                every: Any = sa.select(sa.literal_column("*")).select_from(sa.table(table))
                rows: list[Any] = list(connection.execute(every))
                state[table] = {
                    "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in columns],
                    "indexes": sorted(
                        (str(i["name"]), tuple(map(str, i["column_names"])), bool(i["unique"]))
                        for i in inspector.get_indexes(table)
                    ),
                    "foreign_keys": sorted(
                        (str(k["name"]), tuple(k["constrained_columns"]), k["referred_table"])
                        for k in inspector.get_foreign_keys(table)
                    ),
                    "rows": sorted(repr(tuple(r)) for r in rows),
                }
        return state


@pytest.fixture
def db(engine: Engine, tmp_path: Path) -> Db:
    return Db(engine, tmp_path / "demo")
