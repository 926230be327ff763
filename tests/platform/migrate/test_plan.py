"""Rendering a plan: one line per operation for people, and the exact SQL with --sql."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from xrm.metamodel.registry import load_registry
from xrm.platform.migrate import Plan, render_sql
from xrm.platform.migrate.operations import (
    AddColumn,
    AddForeignKey,
    AlterColumnType,
    AlterNullable,
    ColumnSpec,
    CreateIndex,
    CreateTable,
    DataCheck,
    DropColumn,
    DropForeignKey,
    DropIndex,
    DropTable,
    ForeignKeySpec,
    IndexSpec,
    Operation,
    Outcome,
    RenameColumn,
    RenameTable,
)
from xrm.platform.migrate.plan import describe, explain
from xrm.platform.storage.tables import build_storage

from .conftest import Db

PG = postgresql.dialect()  # type: ignore[no-untyped-call]
LITE = sqlite.dialect()
KEY = ForeignKeySpec("fk_contact__account", ("account",), "account", ("id",), "CASCADE")


def _plan(*operations: Operation, revisions: tuple[str, ...] = ()) -> Plan:
    storage = build_storage(load_registry([]))
    return Plan(storage, PG, operations, revisions, applied_version=None)


def test_each_operation_is_one_line() -> None:
    create = CreateTable(
        table="opportunity",
        columns=(ColumnSpec("id", sa.Uuid(), False), ColumnSpec("name", sa.String(50), True)),
        primary_key=("id",),
        primary_key_name="pk_opportunity",
        indexes=(IndexSpec("ix_opportunity__name", ("name",), False),),
    )
    longer = DataCheck(Outcome.BLOCKING, 3, "3 rows have longer values", "shorten them")
    cases: list[tuple[Operation, str]] = [
        (create, "+ create table opportunity (2 columns, 1 index)"),
        (
            AlterColumnType(
                table="opportunity",
                column="name",
                from_type=sa.String(200),
                to_type=sa.String(50),
                nullable=True,
                check=longer,
            ),
            "~ alter column opportunity.name: VARCHAR(200) -> VARCHAR(50)"
            " — BLOCKED: 3 rows have longer values",
        ),
        (
            RenameColumn(table="account", old_name="acct_name", column="name"),
            "> rename column account.acct_name -> name",
        ),
        (RenameTable(table="customer", old_name="client"), "> rename table client -> customer"),
        (
            DropColumn(
                table="account",
                column="fax",
                check=DataCheck(Outcome.DATA_LOSS, 120, "120 rows have a value"),
            ),
            "- DROP column account.fax — DESTRUCTIVE: 120 rows have a value",
        ),
        (
            DropColumn(
                table="account",
                column="fax",
                check=DataCheck(Outcome.INFO, 0, "no row has a value"),
            ),
            "- DROP column account.fax — DESTRUCTIVE: no row has a value",
        ),
        (
            DropTable(table="old", check=DataCheck(Outcome.INFO, 0, "the table is empty")),
            "- DROP table old — DESTRUCTIVE: the table is empty",
        ),
        (
            AddColumn(
                table="contact", column=ColumnSpec("account", sa.Uuid(), True), foreign_key=KEY
            ),
            "+ add column contact.account UUID -> account",
        ),
        (
            AddColumn(
                table="account",
                column=ColumnSpec("tier", sa.String(64), False),
                backfill="silver",
                check=DataCheck(Outcome.INFO, 2, "2 rows get 'silver'"),
            ),
            "+ add column account.tier VARCHAR(64) NOT NULL — 2 rows get 'silver'",
        ),
        (
            AlterNullable(table="account", column="code", nullable=True, type=sa.String(9)),
            "~ alter column account.code: NOT NULL -> NULL",
        ),
        (
            CreateIndex(table="account", index=IndexSpec("uq_account__code", ("code",), True)),
            "+ create unique index uq_account__code on account (code)",
        ),
        (
            DropIndex(table="account", index=IndexSpec("ix_account__fax", ("fax",), False)),
            "- drop index ix_account__fax on account (fax)",
        ),
        (
            AddForeignKey(table="contact", foreign_key=KEY),
            "+ add foreign key fk_contact__account on contact (account) -> account (id)"
            " ON DELETE CASCADE",
        ),
        (
            DropForeignKey(table="contact", foreign_key=KEY),
            "- drop foreign key fk_contact__account on contact",
        ),
    ]
    for op, line in cases:
        assert describe(op, PG) == line
    assert describe(cases[7][0], LITE) == "+ add column contact.account CHAR(32) -> account"
    assert explain(cases[1][0], PG).endswith("longer values (shorten them)")


def test_destructive_and_blocked_are_told_apart() -> None:
    drop = DropColumn(table="a", column="b", check=DataCheck(Outcome.INFO, 0, "no row has a value"))
    rounding = AlterColumnType(
        table="a",
        column="n",
        from_type=sa.Numeric(10, 4),
        to_type=sa.Numeric(10, 2),
        nullable=True,
        check=DataCheck(Outcome.DATA_LOSS, 4, "4 rows will be rounded"),
    )
    fits = AlterColumnType(
        table="a", column="s", from_type=sa.String(9), to_type=sa.String(5), nullable=True
    )
    blocked = CreateIndex(
        table="a",
        index=IndexSpec("uq_a__s", ("s",), True),
        check=DataCheck(Outcome.BLOCKING, 2, "2 rows share their value with another row"),
    )
    plan = _plan(drop, rounding, fits, blocked)
    assert plan.destructive() == (drop, rounding)
    assert plan.blocked() == (blocked,)
    assert plan.summary() == "4 steps, 2 destructive, 1 blocked"


def test_empty_plan_says_nothing_to_do() -> None:
    assert _plan().render() == "nothing to do"
    assert _plan().summary() == "nothing to do"
    upgrade = _plan(revisions=("0001",))
    assert upgrade.render() == "+ upgrade platform tables (xrm_*) to revision 0001"


def test_sql_is_what_runs_and_touches_nothing(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {acct_name: {type: string, max_length: 80}}\n"})
    db.migrate()
    db.insert("account", {"acct_name": "Acme"})
    db.write(
        {
            "account": """
                entity: account
                fields:
                  name: {type: string, max_length: 120, renamed_from: acct_name}
                  tier: {type: string, required: true, default: gold}
            """
        }
    )
    before = db.state()
    plan = db.plan()
    with db.engine.connect() as connection:
        sql = render_sql(connection, plan)
    assert db.state() == before
    assert "RENAME COLUMN acct_name TO name" in sql or "RENAME acct_name TO name" in sql
    assert "ADD COLUMN tier VARCHAR(255)" in sql
    assert "UPDATE account SET tier=" in sql
    assert sql.rstrip().endswith("COMMIT;") or sql.rstrip().endswith("PRAGMA foreign_keys = ON;")
    if db.engine.dialect.name == "sqlite":
        assert "CREATE TABLE _alembic_tmp_account" in sql  # the table copy
        assert "'gold'" in sql  # the backfill's parameter
    else:
        assert "ALTER COLUMN name TYPE VARCHAR(120)" in sql
        assert "SET tier='gold'" in sql
        assert "ALTER COLUMN tier SET NOT NULL" in sql


def test_sql_for_a_fresh_database_includes_the_system_tables(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {name: {type: string}}\n"})
    plan = db.plan()
    with db.engine.connect() as connection:
        sql = render_sql(connection, plan)
    assert db.tables() == set()
    assert sql.index("CREATE TABLE xrm_metadata_version") < sql.index("CREATE TABLE account")
