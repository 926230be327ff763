"""The repository: CRUD round trips, validation, defaults, system fields, concurrency, deletes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from xrm.platform.storage.actor import Actor
from xrm.platform.storage.errors import (
    BatchValidationFailed,
    ConflictError,
    DeleteRestricted,
    NotFoundError,
    Reference,
    ValidationFailed,
)

if TYPE_CHECKING:
    from xrm.tests.platform.storage.conftest import Env, MakeEnv, StatementCounter

UTC = dt.UTC

EVERY_KIND = {
    "entities/sample.yaml": """
        entity: sample
        fields:
          title: {type: string, max_length: 50, pattern: "[A-Za-z ]+"}
          body: {type: text}
          email: {type: email}
          phone: {type: phone}
          site: {type: url}
          qty: {type: integer, min: 0}
          ratio: {type: decimal, precision: 8, scale: 3}
          price: {type: money}
          active: {type: boolean}
          due: {type: date}
          seen_at: {type: datetime}
          status: {type: choice, options: [draft, done]}
          labels: {type: multichoice, options: [red, green, blue]}
          parent: {type: lookup, target: sample}
          regarding: {type: polymorphic_lookup, targets: [sample, other]}
          ref_no: {type: autonumber, format: "S-{yyyy}-{seq:03}"}
          doubled: {type: formula, returns: integer, expression: "qty * 2"}
          kids_count: {type: rollup, relation: kids, aggregate: count}
          attachment: {type: file}
        relations:
          kids: {type: one_to_many, target: sample, field: parent}
    """,
    "entities/other.yaml": """
        entity: other
        fields:
          name: {type: string}
          mentions: {type: rollup, relation: mentioned_by, aggregate: count}
        relations:
          mentioned_by: {type: one_to_many, target: sample, field: regarding}
    """,
}


def _file(env: Env) -> UUID:
    """A row in the platform's file table (the upload API is not part of storage)."""
    file_id = uuid4()
    with env.connection() as connection:
        connection.execute(
            sa.insert(env.storage.system.file).values(
                id=file_id,
                filename="contract.pdf",
                content_type="application/pdf",
                size=3,
                sha256="0" * 64,
                storage_key="ab/cd",
                created_at=dt.datetime.now(UTC),
            )
        )
    return file_id


def _pick(record: dict[str, Any], keys: dict[str, Any]) -> dict[str, Any]:
    return {key: record[key] for key in keys}


def test_every_field_kind_round_trips(make_env: MakeEnv) -> None:
    env = make_env(EVERY_KIND)
    file_id = _file(env)
    with env.repo() as repo:
        other = repo.create("other", {"name": "Elsewhere"})
        parent = repo.create("sample", {"title": "Parent"})
        given = {
            "title": "Hello World",
            "body": "long text " * 100,
            "email": "Ann@Example.org",
            "phone": "+1 555 0100",
            "site": "https://example.org/x",
            "qty": 21,
            "ratio": "3.125",
            "price": {"amount": "19.99", "currency": "USD"},
            "active": True,
            "due": "2024-12-31",
            "seen_at": "2024-06-01T12:00:00+02:00",
            "status": "done",
            "labels": ["blue", "red"],
            "parent": str(parent["id"]),
            "regarding": {"entity": "other", "id": other["id"]},
            "attachment": file_id,
        }
        created = repo.create("sample", given)
    expected = {
        "title": "Hello World",
        "body": "long text " * 100,
        "email": "Ann@example.org",
        "phone": "+1 555 0100",
        "site": "https://example.org/x",
        "qty": 21,
        "ratio": Decimal("3.125"),
        "price": {"amount": Decimal("19.99"), "currency": "USD"},
        "active": True,
        "due": dt.date(2024, 12, 31),
        "seen_at": dt.datetime(2024, 6, 1, 10, 0, tzinfo=UTC),
        "status": "done",
        "labels": ["red", "blue"],  # in option order
        "parent": parent["id"],
        "regarding": {"entity": "other", "id": other["id"]},
        "attachment": file_id,
        "doubled": 42,
        "kids_count": 0,
    }
    assert _pick(created, expected) == expected
    year = dt.datetime.now(UTC).year
    assert created["ref_no"] == f"S-{year}-002"  # the parent took 001
    with env.repo() as repo:
        # A 1:N rollup through a polymorphic lookup counts only the records pointing here.
        assert repo.get("other", other["id"])["mentions"] == 1  # type: ignore[index]
        assert repo.get("sample", created["id"]) == created
        assert repo.get("sample", parent["id"])["kids_count"] == 1  # type: ignore[index]
        changed = repo.update(
            "sample",
            created["id"],
            {
                "qty": 0,
                "price": "5",
                "active": False,
                "labels": ["green"],
                "regarding": {"entity": "sample", "id": parent["id"]},
                "seen_at": dt.datetime(2025, 1, 1, tzinfo=UTC),
            },
        )
        assert _pick(changed, {"qty": 0, "doubled": 0, "active": False}) == {
            "qty": 0,
            "doubled": 0,
            "active": False,
        }
        assert changed["price"] == {"amount": Decimal(5), "currency": "EUR"}
        assert changed["labels"] == ["green"]
        assert changed["regarding"] == {"entity": "sample", "id": parent["id"]}
        assert changed["seen_at"] == dt.datetime(2025, 1, 1, tzinfo=UTC)
        cleared = repo.update(
            "sample", created["id"], dict.fromkeys(expected.keys() - {"doubled", "kids_count"})
        )
        assert all(
            cleared[key] in (None, []) for key in expected.keys() - {"doubled", "kids_count"}
        )
        assert cleared["doubled"] is None
        assert cleared["version"] == 3


def test_validation_reports_every_field(sales: Env) -> None:
    with sales.repo() as repo, pytest.raises(ValidationFailed) as caught:
        repo.create(
            "opportunity",
            {
                "name": "x" * 101,
                "stage": "wno",
                "quantity": "many",
                "unit_price": "1.234",
                "close_date": "31/12/2024",
                "acount": 1,
                "total": 5,
                "number": "OPP-9",
                "version": 3,
            },
        )
    error = caught.value
    assert error.entity == "opportunity"
    assert error.codes() == {
        "name": "max_length",
        "stage": "option",
        "quantity": "type",
        "unit_price": "scale",
        "close_date": "type",
        "acount": "unknown_field",
        "total": "computed",
        "number": "read_only",
        "version": "read_only",
        "account": "required",
    }
    text = str(error)
    assert "did you mean 'account'" in text
    assert "did you mean 'won'" in text


def test_lookups_must_point_at_existing_records(sales: Env) -> None:
    missing = uuid4()
    with sales.repo() as repo, pytest.raises(ValidationFailed) as caught:
        repo.create("opportunity", {"name": "Ghost", "account": missing})
    assert caught.value.codes() == {"account": "not_found"}
    assert str(missing) in str(caught.value)


def test_required_fields_cannot_be_emptied(sales: Env) -> None:
    with sales.repo() as repo:
        account = repo.create("account", {"name": "Acme"})
        with pytest.raises(ValidationFailed) as caught:
            repo.update("account", account["id"], {"name": "", "code": "A"})
        assert caught.value.codes() == {"name": "required"}
        # The refused update left the transaction usable and the record unchanged.
        assert repo.get("account", account["id"])["name"] == "Acme"  # type: ignore[index]


DEFAULTS = {
    "entities/task.yaml": """
        entity: task
        fields:
          title: {type: string, default: Untitled}
          priority: {type: integer, default: 3}
          rate: {type: decimal, default: 1.5}
          fee: {type: money, default: 10, currency: USD}
          tip: {type: money, default: 2}
          urgent: {type: boolean, default: false}
          due: {type: date, default: today}
          start: {type: date, default: 2024-01-01}
          logged_at: {type: datetime, default: now}
          stage: {type: choice, options: [todo, done], default: todo}
          tags: {type: multichoice, options: [a, b], default: [b]}
    """
}


def test_defaults_fill_missing_fields(make_env: MakeEnv) -> None:
    env = make_env(DEFAULTS)
    before = dt.datetime.now(UTC)
    with env.repo(default_currency="CHF") as repo:
        task = repo.create("task", {})
        explicit = repo.create("task", {"title": None, "priority": 9, "tags": []})
    after = dt.datetime.now(UTC)
    assert _pick(task, {"title": 0, "priority": 0, "rate": 0, "urgent": 0, "stage": 0}) == {
        "title": "Untitled",
        "priority": 3,
        "rate": Decimal("1.5"),
        "urgent": False,
        "stage": "todo",
    }
    assert task["fee"] == {"amount": Decimal(10), "currency": "USD"}
    assert task["tip"] == {"amount": Decimal(2), "currency": "CHF"}
    assert task["tags"] == ["b"]
    assert task["due"] in (before.date(), after.date())
    assert task["start"] == dt.date(2024, 1, 1)
    assert before <= task["logged_at"] <= after
    # An explicit value, even null, wins over the default.
    assert (explicit["title"], explicit["priority"], explicit["tags"]) == (None, 9, [])


def test_system_fields_follow_the_actor_and_owner(sales: Env) -> None:
    with sales.repo() as repo:
        unit = repo.create("business_unit", {"name": "Europe"})
        other_unit = repo.create("business_unit", {"name": "Asia"})
        user = repo.create(
            "user", {"name": "Ann", "email": "ann@example.com", "business_unit": unit["id"]}
        )
        team = repo.create("team", {"name": "Tokyo", "business_unit": other_unit["id"]})
    assert user["locale"] == "en"  # a default declared by the system solution
    with sales.repo(Actor(user["id"])) as repo:
        account = repo.create("account", {"name": "Acme"})
        assert account["created_by"] == account["modified_by"] == user["id"]
        assert account["owner"] == {"entity": "user", "id": user["id"]}
        assert account["business_unit"] == unit["id"]
        assert account["version"] == 1
        assert account["created_at"] == account["modified_at"]
        moved = repo.update(
            "account", account["id"], {"owner": {"entity": "team", "id": team["id"]}}
        )
        assert moved["business_unit"] == other_unit["id"]  # follows the new owner
        assert moved["version"] == 2
        assert moved["modified_at"] > account["modified_at"]
        assert moved["created_at"] == account["created_at"]
        with pytest.raises(ValidationFailed) as caught:
            repo.update("account", account["id"], {"business_unit": unit["id"], "created_by": None})
        assert caught.value.codes() == {"business_unit": "read_only", "created_by": "read_only"}
    with sales.repo() as repo, pytest.raises(DeleteRestricted) as owned:
        repo.delete("team", team["id"])
    assert owned.value.references == (Reference("account", "owner", 1),)
    with sales.repo(Actor(uuid4())) as repo, pytest.raises(ValidationFailed) as unknown:
        repo.create("tag", {"name": "x"})
    assert unknown.value.codes() == {"": "actor"}


def test_caller_may_choose_the_id(sales: Env) -> None:
    chosen = uuid4()
    with sales.repo() as repo:
        assert repo.create("tag", {"id": str(chosen), "name": "fixed"})["id"] == chosen
        with pytest.raises(ValidationFailed) as caught:
            repo.update("tag", chosen, {"id": uuid4()})
        assert caught.value.codes() == {"id": "read_only"}


def test_optimistic_concurrency(sales: Env) -> None:
    with sales.repo() as repo:
        tag = repo.create("tag", {"name": "v1"})
        second = repo.update("tag", tag["id"], {"name": "v2"}, expected_version=1)
        assert second["version"] == 2
        with pytest.raises(ConflictError) as caught:
            repo.update("tag", tag["id"], {"name": "stale"}, expected_version=1)
        assert (caught.value.expected, caught.value.current) == (1, 2)
        assert "reload the record" in str(caught.value)
        with pytest.raises(ConflictError):
            repo.delete("tag", tag["id"], expected_version=1)
        assert repo.get("tag", tag["id"])["name"] == "v2"  # type: ignore[index]
        repo.delete("tag", tag["id"], expected_version=2)
        assert repo.get("tag", tag["id"]) is None


def test_missing_records(sales: Env) -> None:
    ghost = uuid4()
    with sales.repo() as repo:
        assert repo.get("tag", ghost) is None
        assert repo.get_many("tag", []) == {}
        with pytest.raises(NotFoundError, match=str(ghost)):
            repo.update("tag", ghost, {"name": "x"})
        with pytest.raises(NotFoundError):
            repo.delete("tag", ghost)
        with pytest.raises(KeyError, match="did you mean 'account'"):
            repo.create("acount", {})


def test_delete_follows_on_delete_rules(sales: Env) -> None:
    with sales.repo() as repo:
        acme = repo.create("account", {"name": "Acme"})
        repo.create("opportunity", {"name": "Deal", "account": acme["id"]})
        repo.create("opportunity", {"name": "Deal 2", "account": acme["id"]})
        contact = repo.create("contact", {"name": "Ann", "account": acme["id"]})
        worker = repo.create("contact", {"name": "Bob", "employer": acme["id"]})
        with pytest.raises(DeleteRestricted) as caught:
            repo.delete("account", acme["id"])
        assert caught.value.references == (Reference("opportunity", "account", 2),)
        assert "2 opportunity records through 'account'" in str(caught.value)
        # The outer transaction survived the refused delete.
        assert repo.get("contact", contact["id"]) is not None
        for deal in repo.list("opportunity").records:
            repo.delete("opportunity", deal["id"])
        repo.delete("account", acme["id"])
        assert repo.get("contact", contact["id"]) is None  # cascade
        assert repo.get("contact", worker["id"])["employer"] is None  # type: ignore[index]


def test_unique_values(sales: Env) -> None:
    with sales.repo() as repo:
        first = repo.create("account", {"name": "A", "code": "X1"})
        with pytest.raises(ValidationFailed) as caught:
            repo.create("account", {"name": "B", "code": "X1"})
        assert caught.value.codes() == {"code": "unique"}
        assert repo.update("account", first["id"], {"code": "X1"})["code"] == "X1"
        with pytest.raises(BatchValidationFailed) as batch:
            repo.create_many(
                "account",
                [{"name": "C", "code": "Y"}, {"name": "D", "code": "Y"}, {"name": "E"}],
            )
        assert [(f.row, f.codes()) for f in batch.value.failures] == [(1, {"code": "unique"})]
        assert repo.count("account") == 1


def test_a_refused_insert_keeps_the_transaction(make_env: MakeEnv) -> None:
    """A clash only the database sees (a composite unique index) fails inside a SAVEPOINT."""
    env = make_env(
        {
            "entities/seat.yaml": """
                entity: seat
                fields:
                  row: {type: string}
                  number: {type: integer}
                indexes:
                  - {fields: [row, number], unique: true}
            """
        }
    )
    with env.repo() as repo:
        repo.create("seat", {"row": "A", "number": 1})
        with pytest.raises(ValidationFailed) as caught:
            repo.create("seat", {"row": "A", "number": 1})
        assert caught.value.codes() == {"row": "unique"}
        assert "(row, number) is already used" in str(caught.value)
        repo.create("seat", {"row": "A", "number": 2})
    with env.repo() as repo:
        assert repo.count("seat") == 2


def test_create_many_is_batched(sales: Env, statements: StatementCounter) -> None:
    with sales.repo() as repo:
        accounts = [repo.create("account", {"name": f"A{i}"})["id"] for i in range(3)]

    def rows(count: int) -> list[dict[str, Any]]:
        return [
            {"name": f"Deal {i}", "account": accounts[i % 3], "quantity": i} for i in range(count)
        ]

    with sales.repo() as repo:
        repo.create_many("opportunity", rows(1))  # creates the autonumber's sequence row
        with statements:
            assert len(repo.create_many("opportunity", rows(2))) == 2
        small = len(statements.statements)
        statements.statements.clear()
        with statements:
            ids = repo.create_many("opportunity", rows(40))
        assert len(statements.statements) == small  # not one query per record or per lookup
        numbers = sorted(r["number"] for r in repo.get_many("opportunity", ids).values())
        assert numbers == [f"OPP-{n:05}" for n in range(4, 44)]
        with pytest.raises(BatchValidationFailed) as caught:
            repo.create_many("opportunity", [{"name": "ok", "account": accounts[0]}, {"name": ""}])
        assert [(f.row, f.codes()) for f in caught.value.failures] == [
            (1, {"name": "required", "account": "required"})
        ]
        assert repo.count("opportunity") == 43


def test_a_wide_entity(make_env: MakeEnv) -> None:
    kinds = ["string", "integer", "decimal", "boolean", "date", "money"]
    lines = ["entity: wide", "fields:"]
    for index in range(150):
        lines.append(f"  f{index:03}: {{type: {kinds[index % len(kinds)]}}}")
    env = make_env({"entities/wide.yaml": "\n".join(lines) + "\n"})
    samples: dict[str, object] = {
        "string": "text",
        "integer": 7,
        "decimal": "1.25",
        "boolean": True,
        "date": "2024-02-02",
        "money": "3.50",
    }
    values = {f"f{i:03}": samples[kinds[i % len(kinds)]] for i in range(150)}
    with env.repo() as repo:
        record = repo.create("wide", values)
        assert record["f000"] == "text"
        assert record["f149"] == {"amount": Decimal("3.5"), "currency": "EUR"}
        updated = repo.update("wide", record["id"], {f"f{i:03}": None for i in range(0, 150, 2)})
        assert updated["f000"] is None
        assert updated["f001"] == 7
        assert repo.get("wide", record["id"]) == updated


def test_team_owned_records(make_env: MakeEnv) -> None:
    env = make_env(
        {
            "entities/desk.yaml": """
                entity: desk
                ownership: team
                fields:
                  name: {type: string}
            """,
            "entities/memo.yaml": """
                entity: memo
                ownership: organization
                fields:
                  text: {type: text}
            """,
        }
    )
    with env.repo() as repo:
        unit = repo.create("business_unit", {"name": "HQ"})
        team = repo.create("team", {"name": "Support", "business_unit": unit["id"]})
        user = repo.create("user", {"name": "Ann", "email": "ann@example.com"})
    with env.repo(Actor(user["id"])) as repo:
        unowned = repo.create("desk", {"name": "A"})
        assert (unowned["owner"], unowned["business_unit"]) == (None, None)
        desk = repo.create("desk", {"name": "B", "owner": team["id"]})
        assert (desk["owner"], desk["business_unit"]) == (team["id"], unit["id"])
        memo = repo.create("memo", {"text": "hello"})
        assert "owner" not in memo
        assert "business_unit" not in memo
        assert memo["created_by"] == user["id"]
