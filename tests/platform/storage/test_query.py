"""Lists: filters in the expression language, sorting on any path, keyset paging with ties."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest

from xrm.platform.storage.errors import QueryError
from xrm.platform.storage.query import OrderBy

if TYPE_CHECKING:
    from xrm.platform.storage.repository import Repository
    from xrm.tests.platform.storage.conftest import Env, StatementCounter


def _all_pages(
    repo: Repository, entity: str, order_by: OrderBy, limit: int, **kw: Any
) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(100):
        page = repo.list(entity, order_by=order_by, limit=limit, after=cursor, **kw)
        assert len(page.records) <= limit
        records.extend(page.records)
        cursor = page.next_cursor
        if cursor is None:
            return records
    raise AssertionError("paging did not end")


PRIORITIES = [None, 1, 2, 1, None, 2, 2, 1, 0, 1, None, 2, 0, 1, 1, 2, None, 0, 2, 1, 1, 2, 0]


@pytest.fixture
def tags(sales: Env) -> list[dict[str, Any]]:
    with sales.repo() as repo:
        return [
            repo.create("tag", {"name": f"t{i % 5}", "priority": p})
            for i, p in enumerate(PRIORITIES)
        ]


def _nulls_last(value: int | None) -> tuple[bool, int]:
    return (value is None, value or 0)


@pytest.mark.parametrize(
    ("order_by", "key"),
    [
        ([("priority", "asc")], lambda t: (*_nulls_last(t["priority"]), t["id"])),
        (
            [("priority", "desc")],
            lambda t: (t["priority"] is not None, -(t["priority"] or 0), t["id"]),
        ),
        (
            ["-name", "priority"],
            lambda t: ([-ord(c) for c in t["name"]], *_nulls_last(t["priority"]), t["id"]),
        ),
        ([], lambda t: (-t["created_at"].timestamp(), t["id"])),  # newest first
    ],
)
def test_keyset_paging_visits_every_row_once_in_order(
    sales: Env,
    tags: list[dict[str, Any]],
    order_by: OrderBy,
    key: Callable[[dict[str, Any]], Any],
) -> None:
    with sales.repo() as repo:
        for limit in (1, 4, 7, 50):
            seen = _all_pages(repo, "tag", order_by, limit)
            assert [t["id"] for t in seen] == [t["id"] for t in sorted(tags, key=key)]


def test_paging_on_computed_and_related_values(sales: Env) -> None:
    with sales.repo() as repo:
        accounts = [repo.create("account", {"name": f"Acc {i}"}) for i in range(5)]
        for index in range(12):
            repo.create(
                "opportunity",
                {
                    "name": f"D{index}",
                    "account": accounts[index % 4]["id"],
                    "quantity": index % 3,
                    "unit_price": "10",
                    "stage": "won" if index % 2 else "new",
                },
            )
    with sales.repo() as repo:
        by_count = _all_pages(repo, "account", [("opportunity_count", "desc")], 2)
        counts = [a["opportunity_count"] for a in by_count]
        assert counts == [3, 3, 3, 3, 0]
        assert len({a["id"] for a in by_count}) == 5
        by_total = _all_pages(repo, "opportunity", [("total", "asc")], 5)
        assert [d["total"] for d in by_total] == sorted(d["total"] for d in by_total)
        assert len({d["id"] for d in by_total}) == 12
        by_account = _all_pages(repo, "opportunity", ["account.name", "-total"], 3)
        names = [d["account_name"] for d in by_account]
        assert names == sorted(names)
        won = repo.list("account", where="won_count >= 2", order_by=["name"]).records
        assert [a["name"] for a in won] == ["Acc 1", "Acc 3"]


def test_filters_on_fields_paths_and_parameters(sales: Env, tags: list[dict[str, Any]]) -> None:
    with sales.repo() as repo:
        assert repo.count("tag") == len(PRIORITIES)
        assert repo.count("tag", where="priority is null") == PRIORITIES.count(None)
        expected = sum(1 for p in PRIORITIES if p is not None and p >= 2)
        assert repo.count("tag", where="priority >= $min", params={"min": 2}) == expected
        low = sum(1 for p in PRIORITIES if p in (0, 1))
        assert repo.count("tag", where="priority in (0, 1)") == low
        # Three-valued logic: NULL priorities match neither a test nor its negation.
        assert repo.count("tag", where="not (priority in (0, 1))") == len(PRIORITIES) - low - 4
        assert repo.count("tag", where="name = 't1' or priority = 0") == len(
            [i for i, p in enumerate(PRIORITIES) if i % 5 == 1 or p == 0]
        )
        page = repo.list("tag", where="startswith(name, 't') and priority = $p", params={"p": 0})
        assert {t["priority"] for t in page.records} == {0}


def test_user_parameters_may_be_records(sales: Env) -> None:
    with sales.repo() as repo:
        acme = repo.create("account", {"name": "Acme", "code": "AC"})
        repo.create("opportunity", {"name": "D", "account": acme["id"]})
        found = repo.list(
            "opportunity",
            where="account = $acct and account.code = $acct.code",
            params={"acct": {"id": str(acme["id"]), "code": "AC"}},
        )
        assert [d["name"] for d in found.records] == ["D"]


@pytest.mark.parametrize(
    ("where", "params", "message"),
    [
        ("naem = 'x'", {}, "'name'"),
        ("priority = 'high'", {}, "compare"),
        ("priority >", {}, "expected"),
        ("priority > $min", {}, "no value was given for $min"),
        ("priority > $min", {"min": object()}, "filters cannot use"),
        ("priority", {}, "boolean"),
        ("upper(priority) = 'x'", {}, "upper()"),
    ],
)
def test_filter_mistakes_are_located(
    sales: Env, where: str, params: dict[str, object], message: str
) -> None:
    with sales.repo() as repo, pytest.raises(QueryError) as caught:
        repo.list("tag", where=where, params=params)
    assert message in str(caught.value)
    assert caught.value.text == where
    assert caught.value.pos is not None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        ({"order_by": [("nmae", "asc")]}, "did you mean 'name'"),
        ({"order_by": [("name", "up")]}, "must be 'asc' or 'desc'"),
        ({"order_by": [("owner", "asc")]}, "has no order"),
        ({"limit": 0}, "limit must be between 1 and 1000"),
        ({"after": "not-a-cursor"}, "the cursor is not valid"),
        ({"include": ["parent.nmae"]}, "did you mean 'name'"),
    ],
)
def test_list_mistakes(sales: Env, call: dict[str, Any], message: str) -> None:
    with sales.repo() as repo, pytest.raises(QueryError, match=message):
        repo.list("account", **call)


def test_a_cursor_belongs_to_its_order(sales: Env, tags: list[dict[str, Any]]) -> None:
    with sales.repo() as repo:
        cursor = repo.list("tag", order_by=["name"], limit=2).next_cursor
        assert cursor is not None
        with pytest.raises(QueryError, match="another sort order"):
            repo.list("tag", order_by=["-name"], after=cursor)


def test_a_page_is_one_statement(sales: Env, statements: StatementCounter) -> None:
    """Formulas, rollups (1:N and N:N), lookup paths and includes: still one SELECT."""
    with sales.repo() as repo:
        parent = repo.create("account", {"name": "Group"})
        accounts = [
            repo.create("account", {"name": f"A{i}", "parent": parent["id"]}) for i in range(4)
        ]
        tag = repo.create("tag", {"name": "vip", "priority": 7})
        for account in accounts:
            repo.link("account", "tags", account["id"], tag["id"])
            for n in range(3):
                repo.create(
                    "opportunity", {"name": f"D{n}", "account": account["id"], "quantity": n}
                )
    with sales.repo() as repo, statements:
        first = repo.list(
            "opportunity",
            order_by=[("account.name", "asc"), ("total", "desc")],
            include=[
                "account.name",
                "account.parent.name",
                "account.revenue",
                "account.opportunity_count",
                "account.owner",
            ],
            where="account.tag_count > 0 and big = false",
            limit=5,
        )
        second = repo.list(
            "account",
            where="heavy_tags = 1",
            order_by=["-opportunity_count"],
            after=None,
            limit=50,
        )
    assert len(statements.statements) == 2
    assert first.records[0]["parent_name"] == "Group"
    assert first.records[0]["account.parent.name"] == "Group"
    assert first.records[0]["account.revenue"] is None
    assert first.records[0]["account.opportunity_count"] == 3
    assert first.records[0]["account.owner"] is None
    assert {a["opportunity_count"] for a in second.records} == {3}
    assert {a["tag_priority"] for a in second.records} == {7}
    ids: set[UUID] = {a["id"] for a in second.records}
    assert ids == {a["id"] for a in accounts}
