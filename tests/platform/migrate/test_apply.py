"""Applying: one transaction, refusals before anything runs, and a full rollback on failure."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from xrm.platform.migrate import (
    DataLossRefused,
    Plan,
    PlanOutdated,
    apply_plan,
    migrate,
    migration_connection,
    plan_migration,
)
from xrm.platform.migrate.operations import Operation

from .conftest import Db

ACCOUNT = "entity: account\nfields: {name: {type: string}, fax: {type: phone}}\n"
CONTACT = """
    entity: contact
    fields:
      name: {type: string}
      account: {type: lookup, target: account, on_delete: cascade}
"""


class Boom(Exception):
    pass


def fail_after(count: int) -> object:
    def on_operation(position: int, op: Operation) -> None:
        if position == count:
            raise Boom(f"injected failure after {op.kind} on {op.table}")

    return on_operation


def test_first_migrate_that_fails_leaves_an_empty_database(db: Db) -> None:
    db.write({"account": ACCOUNT, "contact": CONTACT})
    with pytest.raises(Boom):
        db.migrate(on_operation=fail_after(3))
    assert db.tables() == set()


def test_failure_mid_way_leaves_schema_and_data_as_they_were(db: Db) -> None:
    db.write({"account": ACCOUNT, "contact": CONTACT})
    db.migrate()
    (account,) = db.insert("account", {"name": "Acme", "fax": "123"})
    db.insert("contact", {"name": "Ann", "account": account})
    before = db.state()
    db.write(
        {
            "account": """
                entity: account
                fields:
                  title: {type: string, renamed_from: name}
                  code: {type: string, max_length: 20, required: true, default: A, unique: true}
            """,
            "contact": """
                entity: contact
                fields:
                  name: {type: text}
                  account: {type: lookup, target: account, on_delete: cascade}
            """,
            "note": "entity: note\nfields: {body: {type: text}}\n",
        }
    )
    plan = db.plan()
    assert len(plan.operations) >= 6
    with pytest.raises(Boom):
        db.migrate(allow_data_loss=True, on_operation=fail_after(len(plan.operations) - 1))
    assert db.state() == before
    # And the same plan then applies cleanly.
    db.migrate(allow_data_loss=True)
    assert db.select("account", "title", "code") == [("Acme", "A")]
    assert db.plan().empty


def test_conflicting_object_rolls_everything_back(db: Db, engine: Engine) -> None:
    db.write({"account": ACCOUNT})
    db.migrate()
    db.insert("account", {"name": "Acme"})
    # Someone else's table holds an index with the name the plan will use last.
    legacy = sa.Table(
        "legacy",
        sa.MetaData(),
        sa.Column("code", sa.String(10)),
        sa.Index("uq_account__code", "code"),
    )
    with engine.begin() as connection:
        legacy.create(connection)
    before = db.state()
    db.write(
        {
            "account": """
                entity: account
                fields:
                  name: {type: string, max_length: 100}
                  code: {type: string, unique: true}
            """,
            "other": "entity: other\nfields: {x: {type: integer}}\n",
        }
    )
    with pytest.raises(sa.exc.DatabaseError):
        db.migrate(allow_data_loss=True)
    assert db.state() == before


def test_drops_are_refused_without_the_flag(db: Db) -> None:
    db.write({"account": ACCOUNT})
    db.migrate()
    db.insert("account", {"name": "Acme", "fax": "555"}, {"name": "Beta"})
    before = db.state()
    db.write({"account": "entity: account\nfields: {name: {type: string}, web: {type: url}}\n"})
    assert db.lines() == [
        "- DROP column account.fax — DESTRUCTIVE: 1 row has a value",
        "+ add column account.web VARCHAR(2048)",
    ]
    with pytest.raises(DataLossRefused) as refused:
        db.migrate()
    message = str(refused.value)
    assert "1 operation would lose data; nothing was applied" in message
    assert "- DROP column account.fax — DESTRUCTIVE: 1 row has a value" in message
    assert "--allow-data-loss" in message
    assert db.state() == before
    db.migrate(allow_data_loss=True)
    assert set(db.columns("account")) >= {"name", "web"}
    assert "fax" not in db.columns("account")


def test_each_applied_version_is_recorded(db: Db, engine: Engine) -> None:
    db.write({"account": ACCOUNT})
    first = db.migrate(applied_by="alice")
    db.migrate(applied_by="bob")  # nothing changed: nothing recorded
    db.write(
        {"account": ACCOUNT.replace("fax: {type: phone}", "fax: {type: phone, indexed: true}")}
    )
    second = db.migrate(applied_by="carol")
    table = db.storage().system.metadata_version
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table).order_by(table.c.id)).all()
    assert [(r.version, r.applied_by) for r in rows] == [
        (first.version, "alice"),
        (second.version, "carol"),
    ]
    operations = json.loads(rows[1].operations)
    assert operations == [
        {
            "operation": "create_index",
            "table": "account",
            "text": "+ create index ix_account__fax on account (fax)",
        }
    ]
    assert {"name": "demo", "version": "1.0.0"} in json.loads(rows[1].solutions)
    snapshot = json.loads(rows[1].snapshot)
    assert "ix_account__fax" in snapshot["account"]["indexes"]
    assert "xrm_metadata_version" not in snapshot
    assert rows[0].applied_at is not None


def test_a_reviewed_plan_is_what_runs(db: Db) -> None:
    db.write({"account": ACCOUNT})
    db.migrate()
    db.write({"account": "entity: account\nfields: {name: {type: string}}\n"})
    with db.engine.connect() as connection:
        reviewed = plan_migration(connection, db.storage())
    with migration_connection(db.engine) as connection:
        ran = apply_plan(connection, reviewed, allow_data_loss=True)
    assert ran.lines() == reviewed.lines()
    assert "fax" not in db.columns("account")


def test_a_stale_plan_is_refused(db: Db) -> None:
    db.write({"account": ACCOUNT})
    db.migrate()
    db.write({"account": ACCOUNT, "contact": CONTACT})
    with db.engine.connect() as connection:
        reviewed = plan_migration(connection, db.storage())
    db.migrate()  # someone else applied it meanwhile
    with (
        pytest.raises(PlanOutdated, match="nothing was applied"),
        migration_connection(db.engine) as connection,
    ):
        apply_plan(connection, reviewed)


def test_concurrent_migrations_queue_and_the_second_finds_nothing_to_do(db: Db) -> None:
    db.write({"account": ACCOUNT, "contact": CONTACT})
    storage = db.storage()
    second: list[Plan] = []
    waiter = threading.Thread(target=lambda: second.append(migrate(db.engine, storage)))

    def start_the_other(position: int, op: Operation) -> None:
        if position == 1:
            waiter.start()
            waiter.join(timeout=0.2)
            assert waiter.is_alive(), "the second migration did not wait for the first"

    first = db.migrate(on_operation=start_the_other)
    waiter.join()
    assert first.operations
    assert second[0].empty


def test_apply_plan_needs_the_migration_connection(db: Db) -> None:
    db.write({"account": ACCOUNT})
    plan = db.plan()
    with db.engine.connect() as connection, pytest.raises(RuntimeError, match="migration_conn"):
        apply_plan(connection, plan)


def test_copying_a_referenced_table_keeps_the_rows_that_reference_it(db: Db) -> None:
    # On SQLite, altering account copies the table; with foreign keys enforced the
    # copy's DROP TABLE would cascade-delete every contact. It must not.
    db.write({"account": ACCOUNT, "contact": CONTACT})
    db.migrate()
    (account,) = db.insert("account", {"name": "Acme"})
    db.insert("contact", {"name": "Ann", "account": account}, {"name": "Bob", "account": account})
    db.write(
        {
            "account": "entity: account\nfields: {name: {type: string, required: true}}\n",
            "contact": CONTACT,
        }
    )
    db.migrate(allow_data_loss=True)
    assert db.select("contact", "name") == [("Ann",), ("Bob",)]
    # The key still works afterwards (and still cascades).
    db.run(sa.delete(sa.table("account")))
    assert db.select("contact", "name") == []


def test_foreign_keys_are_enforced_again_after_migrating(db: Db) -> None:
    db.write({"account": ACCOUNT, "contact": CONTACT})
    db.migrate()
    with pytest.raises(sa.exc.IntegrityError):
        db.insert("contact", {"name": "Orphan", "account": uuid.uuid4()})
