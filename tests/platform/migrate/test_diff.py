"""Planning: what the diff proposes for each kind of metadata change, on both databases."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from xrm.platform.migrate.diff import dependency_order
from xrm.platform.migrate.operations import (
    AddColumn,
    AddForeignKey,
    CreateTable,
    DropColumn,
    DropTable,
    RenameColumn,
    RenameTable,
)

from .conftest import Db

#: Every stored field kind, N:N with link fields, a lookup cycle, unique and custom indexes.
ACCOUNT = """
    entity: account
    fields:
      name: {type: string, max_length: 200, required: true, searchable: true}
      notes: {type: text}
      email: {type: email, unique: true}
      phone: {type: phone}
      site: {type: url}
      employees: {type: integer, default: 0}
      rating: {type: decimal, precision: 10, scale: 3}
      revenue: {type: money, currency: EUR}
      active: {type: boolean, default: true}
      founded: {type: date}
      last_seen: {type: datetime}
      kind: {type: choice, options: [customer, partner]}
      tags: {type: multichoice, options: [vip, new]}
      primary_contact: {type: lookup, target: contact}
      number: {type: autonumber, format: "A-{seq:05}"}
      size: {type: formula, returns: integer, expression: "employees + 1"}
      logo: {type: file}
    relations:
      contacts: {type: one_to_many, target: contact, field: account}
      partners:
        type: many_to_many
        target: contact
        fields: {role: {type: string, max_length: 20}, since: {type: date}}
    indexes:
      - [name, kind]
      - {fields: [email, kind], unique: true, name: uq_account_email_kind}
"""
CONTACT = """
    entity: contact
    fields:
      name: {type: string, required: true}
      account: {type: lookup, target: account, on_delete: cascade}
      regarding: {type: polymorphic_lookup, targets: [account, contact]}
"""


def test_plan_is_empty_right_after_migrate(db: Db) -> None:
    db.write({"account": ACCOUNT, "contact": CONTACT})
    first = db.plan()
    assert first.system_revisions
    assert {op.table for op in first.operations if isinstance(op, CreateTable)} >= {
        "account",
        "contact",
        "account__partners",
        "user",
    }
    db.migrate()
    again = db.plan()
    assert again.operations == ()
    assert again.system_revisions == ()
    assert again.render() == "nothing to do"
    assert again.applied_version == again.version


def test_tables_come_before_the_tables_that_reference_them(db: Db, backend: str) -> None:
    db.write({"account": ACCOUNT, "contact": CONTACT})
    plan = db.plan()
    created = [op.table for op in plan.operations if isinstance(op, CreateTable)]
    for op in plan.operations:
        if isinstance(op, CreateTable):
            for key in op.foreign_keys:
                if key.target_table in created and backend != "sqlite":
                    assert created.index(key.target_table) <= created.index(op.table)
    later = [op for op in plan.operations if isinstance(op, AddForeignKey)]
    if backend == "sqlite":
        assert later == []  # SQLite creates every key inline, cycles included
    else:
        # Only keys closing a cycle wait (account <-> contact, user <-> business_unit).
        assert 1 <= len(later) <= 3
        assert plan.operations[-len(later) :] == tuple(later)


def test_lookup_cycle_holds_rows_pointing_both_ways(db: Db) -> None:
    db.write({"account": ACCOUNT, "contact": CONTACT})
    db.migrate()
    (account,) = db.insert("account", {"name": "Acme"})
    (contact,) = db.insert("contact", {"name": "Ann", "account": account})
    db.run(sa.update(db.table("account")).values(primary_contact=contact))
    assert len(db.select("account", "primary_contact")) == 1
    assert len(db.select("contact", "account")) == 1


def test_a_new_entity_file_becomes_a_table(db: Db) -> None:
    db.write({"contact": "entity: contact\nfields: {name: {type: string}}\n"})
    db.migrate()
    db.write(
        {
            "contact": "entity: contact\nfields: {name: {type: string}}\n",
            "ticket": """
                entity: ticket
                fields:
                  title: {type: string, max_length: 120, required: true}
                  contact: {type: lookup, target: contact}
            """,
        }
    )
    plan = db.plan()
    assert plan.lines()[0].startswith("+ create table ticket (")
    assert all(op.table == "ticket" for op in plan.operations)
    db.migrate()
    assert "ticket" in db.tables()
    assert db.columns("ticket")["title"]["nullable"] is False
    assert db.plan().empty


def test_renamed_field_keeps_its_values(db: Db) -> None:
    db.write({"account": "entity: account\nfields: {acct_name: {type: string, indexed: true}}\n"})
    db.migrate()
    db.insert("account", {"acct_name": "Acme"})
    db.write(
        {
            "account": """
                entity: account
                fields: {name: {type: string, indexed: true, renamed_from: acct_name}}
            """
        }
    )
    plan = db.plan()
    assert plan.lines()[0] == "> rename column account.acct_name -> name"
    assert not any(isinstance(op, DropColumn | AddColumn) for op in plan.operations)
    assert not plan.destructive()
    db.migrate()
    assert db.select("account", "name") == [("Acme",)]
    assert db.plan().empty


def test_renamed_money_field_renames_both_columns(db: Db) -> None:
    db.write({"deal": "entity: deal\nfields: {value: {type: money}}\n"})
    db.migrate()
    db.insert("deal", {"value": 10, "value__currency": "EUR"})
    db.write({"deal": "entity: deal\nfields: {amount: {type: money, renamed_from: value}}\n"})
    renames = [op for op in db.plan().operations if isinstance(op, RenameColumn)]
    assert [(op.old_name, op.column) for op in renames] == [
        ("value", "amount"),
        ("value__currency", "amount__currency"),
    ]
    db.migrate()
    assert db.select("deal", "amount__currency") == [("EUR",)]


def test_renamed_entity_keeps_rows_links_and_references(db: Db, backend: str) -> None:
    db.write(
        {
            "client": """
                entity: client
                fields: {name: {type: string}}
                relations: {tags: {type: many_to_many, target: tag}}
            """,
            "tag": "entity: tag\nfields: {label: {type: string}}\n",
            "order": """
                entity: order
                fields: {client: {type: lookup, target: client, on_delete: cascade}}
            """,
        }
    )
    db.migrate()
    (client,) = db.insert("client", {"name": "Acme"})
    (tag,) = db.insert("tag", {"label": "vip"})
    db.insert("client__tags", {"source": client, "target": tag})
    db.insert("order", {"client": client})
    files = {
        "customer": """
                entity: customer
                renamed_from: client
                fields: {name: {type: string}}
                relations: {tags: {type: many_to_many, target: tag}}
            """,
        "tag": "entity: tag\nfields: {label: {type: string}}\n",
        "order": """
                entity: order
                fields:
                  customer:
                    type: lookup
                    target: customer
                    on_delete: cascade
                    renamed_from: client
            """,
    }
    db.write(files)
    plan = db.plan()
    renamed = {(op.old_name, op.table) for op in plan.operations if isinstance(op, RenameTable)}
    assert renamed == {("client", "customer"), ("client__tags", "customer__tags")}
    assert not any(isinstance(op, DropTable) for op in plan.operations)
    assert not plan.destructive()
    db.migrate()
    assert {"customer", "customer__tags"} <= db.tables()
    assert not {"client", "client__tags"} & db.tables()
    assert db.select("customer", "name") == [("Acme",)]
    assert len(db.select("customer__tags", "source")) == 1
    assert len(db.select("order", "customer")) == 1
    assert db.plan().empty
    # Indexes are renamed, not rebuilt; on PostgreSQL keys and primary keys follow too.
    assert "> rename index ix_order__client -> ix_order__customer on order" in plan.lines()
    state = db.state()
    assert all("client" not in name for name, *_ in state["customer"]["indexes"])
    if backend == "postgresql":
        assert all("client" not in name for name, *_ in state["order"]["foreign_keys"])
    # The reference followed the rename: deleting the customer cascades to the order.
    db.run(sa.delete(sa.table("customer")))
    assert db.select("order", "customer") == []
    # Keys still named after the old names (SQLite) are still xrm's to change.
    db.write({**files, "order": files["order"].replace("cascade", "restrict")})
    assert [op.kind for op in db.plan().operations] == ["drop_foreign_key", "add_foreign_key"]
    db.migrate()
    assert db.plan().empty


def test_tables_and_columns_xrm_did_not_create_are_left_alone(db: Db, engine: Engine) -> None:
    db.write({"account": "entity: account\nfields: {name: {type: string}}\n"})
    db.migrate()
    legacy = sa.Table("legacy", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    with engine.begin() as connection:
        legacy.create(connection)
    with engine.begin() as connection:
        Operations(MigrationContext.configure(connection)).add_column(
            "account", sa.Column("extra", sa.String(10))
        )
    db.write({"account": "entity: account\nfields: {title: {type: string}}\n"})
    lines = db.lines()
    assert "- DROP column account.name — DESTRUCTIVE: no row has a value" in lines
    assert not any("legacy" in line or "extra" in line for line in lines)
    db.migrate(allow_data_loss=True)
    assert "legacy" in db.tables()
    assert "extra" in db.columns("account")
    assert db.plan().empty


def test_removed_entity_is_dropped_with_its_row_count(db: Db) -> None:
    db.write(
        {
            "a": "entity: a\nfields: {b: {type: lookup, target: b}}\n",
            "b": "entity: b\nfields: {a: {type: lookup, target: a}}\n",
            "keep": "entity: keep\nfields: {name: {type: string}}\n",
        }
    )
    db.migrate()
    db.insert("a", {}, {})
    db.write({"keep": "entity: keep\nfields: {name: {type: string}}\n"})
    lines = db.lines()
    assert "- DROP table a — DESTRUCTIVE: 2 rows will be deleted" in lines
    assert "- DROP table b — DESTRUCTIVE: the table is empty" in lines
    db.migrate(allow_data_loss=True)
    assert not {"a", "b"} & db.tables()
    assert db.plan().empty


def test_an_entity_of_150_fields(db: Db) -> None:
    kinds = ["{type: string, max_length: 80}", "{type: integer}", "{type: boolean}"]
    fields = "\n".join(f"  f{i:03}: {kinds[i % 3]}" for i in range(150))
    db.write({"wide": f"entity: wide\nfields:\n{fields}\n"})
    plan = db.plan()
    (create,) = [op for op in plan.operations if op.table == "wide"]
    assert isinstance(create, CreateTable)
    assert len(create.columns) > 150
    db.migrate()
    db.insert("wide", {"f000": "x", "f001": 1})
    changed = fields.replace("f000: {type: string, max_length: 80}", "f000: {type: text}")
    db.write({"wide": f"entity: wide\nfields:\n{changed}\n  extra: {{type: date}}\n"})
    assert db.lines() == [
        "+ add column wide.extra DATE",
        f"~ alter column wide.f000: VARCHAR(80) -> {'TEXT'}",
    ]
    db.migrate()
    assert db.select("wide", "f000", "f001") == [("x", 1)]
    assert db.plan().empty


def test_dependency_order_breaks_cycles_deterministically() -> None:
    order, broken = dependency_order({"a": {"b"}, "b": {"a"}, "c": {"a", "c"}})
    assert len(broken) == 1
    (source, target) = next(iter(broken))
    # The key that waits is the one pointing at a table created later.
    assert order.index(source) < order.index(target)
    assert order.index("a") < order.index("c")
    assert dependency_order({"a": {"b"}, "b": {"a"}, "c": {"a", "c"}}) == (order, broken)


def test_lookups_added_to_filled_tables_close_a_cycle(db: Db) -> None:
    db.write(
        {
            "account": "entity: account\nfields: {name: {type: string}}\n",
            "contact": "entity: contact\nfields: {name: {type: string}}\n",
        }
    )
    db.migrate()
    (account,) = db.insert("account", {"name": "Acme"})
    (contact,) = db.insert("contact", {"name": "Ann"})
    db.write(
        {
            "account": """
                entity: account
                fields:
                  name: {type: string}
                  primary_contact: {type: lookup, target: contact}
            """,
            "contact": """
                entity: contact
                fields:
                  name: {type: string}
                  account: {type: lookup, target: account, on_delete: cascade}
            """,
        }
    )
    assert [line.split(" — ")[0] for line in db.lines()] == [
        f"+ add column account.primary_contact {db.lines()[0].split()[4]} -> contact",
        f"+ add column contact.account {db.lines()[0].split()[4]} -> account",
        "+ create index ix_account__primary_contact on account (primary_contact)",
        "+ create index ix_contact__account on contact (account)",
    ]
    db.migrate()
    db.run(sa.update(db.table("contact")).values(account=account))
    db.run(sa.update(db.table("account")).values(primary_contact=contact))
    assert db.plan().empty
    db.run(sa.delete(db.table("account")))  # cascades to the contact
    assert db.select("contact", "name") == []
