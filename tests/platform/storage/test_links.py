"""N:N links through the repository: both ends, link fields, idempotence, mistakes."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from xrm.platform.storage.errors import NotFoundError, QueryError, ValidationFailed

if TYPE_CHECKING:
    from xrm.tests.platform.storage.conftest import Env


def test_link_list_and_unlink(sales: Env) -> None:
    with sales.repo() as repo:
        acme = repo.create("account", {"name": "Acme"})
        vip = repo.create("tag", {"name": "vip", "priority": 9})
        new = repo.create("tag", {"name": "new"})
        repo.link("account", "tags", acme["id"], vip["id"], {"note": "key account"})
        repo.link("account", "tags", acme["id"], new["id"])
        assert repo.linked_ids("account", "tags", acme["id"]) == [vip["id"], new["id"]]
        links = repo.links("account", "tags", [acme["id"]])[acme["id"]]
        assert [(link["weight"], link["note"]) for link in links] == [(1, "key account"), (1, None)]
        assert links[0]["created_at"].tzinfo is not None
        account = repo.get("account", acme["id"])
        assert account is not None
        assert (account["tag_count"], account["heavy_tags"], account["tag_priority"]) == (2, 1, 10)
        # The inverse name works from the tag's side, on the same junction table.
        assert repo.linked_ids("tag", "accounts", vip["id"]) == [acme["id"]]
        assert repo.unlink("tag", "accounts", vip["id"], acme["id"]) is True
        assert repo.unlink("account", "tags", acme["id"], vip["id"]) is False
        assert repo.linked_ids("account", "tags", acme["id"]) == [new["id"]]
        repo.link("tag", "accounts", vip["id"], acme["id"], {"weight": 5})
        assert repo.links("account", "tags", [acme["id"]])[acme["id"]][-1]["weight"] == 5


def test_linking_again_updates_the_link_fields(sales: Env) -> None:
    with sales.repo() as repo:
        acme = repo.create("account", {"name": "Acme"})
        vip = repo.create("tag", {"name": "vip"})
        repo.link("account", "tags", acme["id"], vip["id"], {"weight": 2, "note": "first"})
        repo.link("account", "tags", acme["id"], vip["id"], {"weight": 3})
        repo.link("account", "tags", acme["id"], vip["id"])
        (link,) = repo.links("account", "tags", [acme["id"]])[acme["id"]]
        assert (link["weight"], link["note"]) == (3, "first")


def test_links_of_many_records_at_once(sales: Env) -> None:
    with sales.repo() as repo:
        a, b, c = (repo.create("account", {"name": n})["id"] for n in "abc")
        tag = repo.create("tag", {"name": "t"})["id"]
        repo.link("account", "tags", a, tag)
        repo.link("account", "tags", c, tag)
        found = repo.links("account", "tags", [a, b, c])
        assert {k: [link["id"] for link in v] for k, v in found.items()} == {
            a: [tag],
            b: [],
            c: [tag],
        }
        assert repo.links("account", "tags", []) == {}


def test_deleting_a_record_removes_its_links(sales: Env) -> None:
    with sales.repo() as repo:
        acme = repo.create("account", {"name": "Acme"})
        tag = repo.create("tag", {"name": "t"})
        repo.link("account", "tags", acme["id"], tag["id"])
        repo.delete("tag", tag["id"])
        assert repo.linked_ids("account", "tags", acme["id"]) == []


def test_link_mistakes(sales: Env) -> None:
    with sales.repo() as repo:
        acme = repo.create("account", {"name": "Acme"})
        tag = repo.create("tag", {"name": "t"})
        with pytest.raises(ValidationFailed) as caught:
            repo.link("account", "tags", acme["id"], uuid4(), {"weight": "heavy", "colour": 1})
        assert caught.value.codes() == {
            "tags": "not_found",
            "tags.weight": "type",
            "tags.colour": "unknown_field",
        }
        with pytest.raises(NotFoundError):
            repo.link("account", "tags", uuid4(), tag["id"])
        with pytest.raises(QueryError, match="did you mean 'tags'"):
            repo.link("account", "tagz", acme["id"], tag["id"])
        with pytest.raises(QueryError, match="one-to-many"):
            repo.link("account", "contacts", acme["id"], tag["id"])
        assert repo.linked_ids("account", "tags", acme["id"]) == []
