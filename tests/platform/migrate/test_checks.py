"""Data checks: what existing rows mean for a change, as the plan reports it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xrm.platform.migrate import BlockedByData, DataLossRefused
from xrm.platform.migrate.operations import AddColumn, AlterNullable, Outcome

from .conftest import Db


def _opportunity(name: str) -> dict[str, str]:
    return {"opportunity": f"entity: opportunity\nfields:\n  name: {name}\n"}


def test_shorter_string_reports_longer_values_and_blocks(db: Db) -> None:
    db.write(_opportunity("{type: string, max_length: 200}"))
    db.migrate()
    db.insert("opportunity", *({"name": "x" * n} for n in (10, 60, 70, 80, 20)))
    db.write(_opportunity("{type: string, max_length: 50}"))
    plan = db.plan()
    assert plan.lines() == [
        "~ alter column opportunity.name: VARCHAR(200) -> VARCHAR(50)"
        " — BLOCKED: 3 rows have longer values"
    ]
    with pytest.raises(BlockedByData) as refused:
        db.migrate(allow_data_loss=True)
    assert "shorten them to 50 characters first, or keep max_length: 200" in str(refused.value)
    assert db.columns("opportunity")["name"]["type"].length == 200


def test_shorter_string_that_fits_is_applied(db: Db) -> None:
    db.write(_opportunity("{type: string, max_length: 200}"))
    db.migrate()
    db.insert("opportunity", {"name": "short"})
    db.write(_opportunity("{type: string, max_length: 50}"))
    assert db.lines() == ["~ alter column opportunity.name: VARCHAR(200) -> VARCHAR(50)"]
    db.migrate()
    assert db.columns("opportunity")["name"]["type"].length == 50
    assert db.select("opportunity", "name") == [("short",)]
    assert db.plan().empty


def test_text_to_string_counts_values_that_do_not_fit(db: Db) -> None:
    db.write(_opportunity("{type: text}"))
    db.migrate()
    db.insert("opportunity", {"name": "y" * 300}, {"name": "ok"})
    db.write(_opportunity("{type: string, max_length: 100}"))
    assert db.lines() == [
        "~ alter column opportunity.name: TEXT -> VARCHAR(100) — BLOCKED: 1 row has longer values"
    ]


def test_fewer_decimals_round_values_and_need_the_flag(db: Db) -> None:
    db.write(_opportunity("{type: decimal, precision: 12, scale: 4}"))
    db.migrate()
    db.insert("opportunity", {"name": Decimal("1.2345")}, {"name": Decimal("2.5")})
    db.write(_opportunity("{type: decimal, precision: 12, scale: 2}"))
    assert db.lines() == [
        "~ alter column opportunity.name: NUMERIC(12, 4) -> NUMERIC(12, 2)"
        " — DESTRUCTIVE: 1 row has more than 2 decimals and will be rounded"
    ]
    with pytest.raises(DataLossRefused):
        db.migrate()
    db.migrate(allow_data_loss=True)
    values = sorted(Decimal(str(v)) for (v,) in db.select("opportunity", "name"))
    assert values == [Decimal("1.23"), Decimal("2.50")]


def test_fewer_digits_before_the_point_block(db: Db) -> None:
    db.write(_opportunity("{type: decimal, precision: 12, scale: 2}"))
    db.migrate()
    db.insert("opportunity", {"name": Decimal("123456.5")}, {"name": Decimal("12.5")})
    db.write(_opportunity("{type: decimal, precision: 6, scale: 2}"))
    (line,) = db.lines()
    assert line.endswith("— BLOCKED: 1 row has values of 5 or more digits before the point")


def test_changing_the_kind_of_a_filled_field_blocks(db: Db) -> None:
    db.write(_opportunity("{type: string}"))
    db.migrate()
    db.insert("opportunity", {"name": "12"})
    db.write(_opportunity("{type: integer}"))
    (line,) = db.lines()
    assert "BLOCKED: 1 row has a value that cannot be converted from VARCHAR(255) to BIGINT" in line


def test_changing_the_kind_of_an_empty_field_converts(db: Db) -> None:
    db.write(_opportunity("{type: string}"))
    db.migrate()
    db.insert("opportunity", {})
    db.write(_opportunity("{type: integer}"))
    db.migrate()
    db.insert("opportunity", {"name": 7})
    assert sorted(db.select("opportunity", "name"), key=str) == [(7,), (None,)]
    assert db.plan().empty


def test_required_field_added_to_a_filled_table_uses_the_default(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {name: {type: string}}\n"})
    db.migrate()
    db.insert("account", {"name": "a"}, {"name": "b"})
    db.write(
        {
            "account": """
                entity: account
                fields:
                  name: {type: string}
                  tier: {type: choice, options: [gold, silver], required: true, default: silver}
            """
        }
    )
    plan = db.plan()
    (add,) = plan.operations
    assert isinstance(add, AddColumn)
    assert add.backfill == "silver"
    assert plan.lines() == ["+ add column account.tier VARCHAR(64) NOT NULL — 2 rows get 'silver'"]
    db.migrate()
    assert db.select("account", "tier") == [("silver",), ("silver",)]
    assert db.columns("account")["tier"]["nullable"] is False
    assert db.plan().empty


def test_required_field_without_default_blocks_on_a_filled_table(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {name: {type: string}}\n"})
    db.migrate()
    db.insert("account", {"name": "a"})
    db.write(
        {
            "account": """
                entity: account
                fields: {name: {type: string}, code: {type: string, required: true}}
            """
        }
    )
    (line,) = db.lines()
    assert line == (
        "+ add column account.code VARCHAR(255) NOT NULL — BLOCKED: the table has 1 row"
        " and a required column needs a value for each"
    )
    with pytest.raises(BlockedByData) as refused:
        db.migrate()
    assert "give the field a default:" in str(refused.value)
    assert "code" not in db.columns("account")


def test_required_field_without_default_is_fine_on_an_empty_table(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {name: {type: string}}\n"})
    db.migrate()
    db.write(
        {
            "account": """
                entity: account
                fields:
                  name: {type: string}
                  owner_ref: {type: lookup, target: user, required: true}
            """
        }
    )
    uuid_type = "CHAR(32)" if db.engine.dialect.name == "sqlite" else "UUID"
    assert db.lines() == [
        f"+ add column account.owner_ref {uuid_type} NOT NULL -> user",
        "+ create index ix_account__owner_ref on account (owner_ref)",
    ]
    db.migrate()
    assert db.plan().empty


def test_making_a_field_required_fills_nulls_from_the_default(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {active: {type: boolean}}\n"})
    db.migrate()
    db.insert("account", {"active": False}, {})
    db.write(
        {
            "account": """
                entity: account
                fields: {active: {type: boolean, required: true, default: true}}
            """
        }
    )
    plan = db.plan()
    (alter,) = plan.operations
    assert isinstance(alter, AlterNullable)
    assert alter.check is not None
    assert alter.check.outcome is Outcome.INFO
    assert plan.lines() == [
        "~ alter column account.active: NULL -> NOT NULL — 1 row without a value gets True"
    ]
    db.migrate()
    assert sorted(db.select("account", "active")) == [(False,), (True,)]


def test_making_a_field_required_without_default_blocks_on_nulls(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {code: {type: string}}\n"})
    db.migrate()
    db.insert("account", {"code": "x"}, {}, {})
    db.write({"account": "entity: account\nfields: {code: {type: string, required: true}}\n"})
    assert db.lines() == [
        "~ alter column account.code: NULL -> NOT NULL — BLOCKED: 2 rows have no value"
    ]


def test_new_unique_index_counts_duplicates(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {code: {type: string}}\n"})
    db.migrate()
    db.insert("account", {"code": "a"}, {"code": "a"}, {"code": "b"}, {}, {})
    db.write({"account": "entity: account\nfields: {code: {type: string, unique: true}}\n"})
    assert db.lines() == [
        "+ create unique index uq_account__code on account (code)"
        " — BLOCKED: 2 rows share their value with another row"
    ]
    account = db.table("account")
    db.run(account.delete().where(account.c.code == "a"))
    db.migrate()
    assert db.plan().empty


def test_required_unique_field_with_a_default_would_duplicate(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {name: {type: string}}\n"})
    db.migrate()
    db.insert("account", {}, {})
    db.write(
        {
            "account": """
                entity: account
                fields:
                  name: {type: string}
                  code: {type: string, required: true, unique: true, default: X}
            """
        }
    )
    blocked = db.plan().blocked()
    assert [op.kind for op in blocked] == ["create_index"]
