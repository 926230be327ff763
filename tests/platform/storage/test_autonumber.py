"""Autonumbers: formats, gap-free under rollback, distinct and consecutive under concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from typing import TYPE_CHECKING

import pytest

from xrm.platform.storage.actor import SYSTEM_ACTOR
from xrm.platform.storage.autonumber import render
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.repository import Repository

if TYPE_CHECKING:
    from xrm.tests.platform.storage.conftest import Env, MakeEnv

TICKETS = {
    "entities/ticket.yaml": """
        entity: ticket
        fields:
          title: {type: string}
          code: {type: autonumber, format: "T{yy}{mm}-{seq:04}", start: 100}
          plain: {type: autonumber}
    """
}


@pytest.mark.parametrize(
    ("template", "number", "expected"),
    [
        ("{seq}", 7, "7"),
        ("OPP-{seq:06}", 42, "OPP-000042"),
        ("{yyyy}/{mm}/{dd}-{seq:3}", 5, "2024/03/09-  5"),
        ("INV{yy}{seq:02}", 123, "INV24123"),
    ],
)
def test_render(template: str, number: int, expected: str) -> None:
    assert render(template, number, dt.date(2024, 3, 9)) == expected


def test_numbers_start_where_declared_and_never_skip(make_env: MakeEnv) -> None:
    env = make_env(TICKETS)
    today = dt.datetime.now(dt.UTC).date()
    prefix = f"T{today.year % 100:02d}{today.month:02d}-"
    with env.repo() as repo:
        first = repo.create("ticket", {"title": "a"})
        second = repo.create("ticket", {"title": "b"})
    assert (first["code"], second["code"]) == (prefix + "0100", prefix + "0101")
    assert (first["plain"], second["plain"]) == ("1", "2")
    # A rolled-back insert hands its number back.
    with env.engine.connect().execution_options(**{WRITE: True}) as connection:
        transaction = connection.begin()
        taken = Repository(connection, env.storage, SYSTEM_ACTOR).create("ticket", {})
        assert taken["code"] == prefix + "0102"
        transaction.rollback()
    with env.repo() as repo:
        assert repo.create("ticket", {})["code"] == prefix + "0102"


def test_concurrent_inserts_get_distinct_consecutive_numbers(sales: Env) -> None:
    """4 writers x 10 inserts, each in its own transaction on its own connection."""
    with sales.repo() as repo:
        account = repo.create("account", {"name": "Acme"})["id"]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(index: int) -> None:
        try:
            start.wait()
            for n in range(10):
                with sales.repo() as repo:
                    repo.create("opportunity", {"name": f"w{index}-{n}", "account": account})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sales.repo() as repo:
        numbers = [r["number"] for r in repo.list("opportunity", limit=100).records]
    assert sorted(numbers) == [f"OPP-{n:05}" for n in range(1, 41)]
