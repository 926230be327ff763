"""Ordering, keyset paging in both directions, totalCount only when asked, page-size limits."""

from __future__ import annotations

from typing import Any

from .conftest import Api, StatementCounter

PAGE = """query($first: Int, $after: String, $last: Int, $before: String) {
  accounts(first: $first, after: $after, last: $last, before: $before,
           orderBy: [{field: CITY, nulls: FIRST}, {field: NAME, direction: DESC}]) {
    edges { cursor node { name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }"""


def _seed(api: Api) -> None:
    # Ties on city, NULL cities, duplicate names: the id settles every tie.
    api.seed(
        "account",
        [
            {"name": "a", "city": "Lyon"},
            {"name": "b", "city": "Lyon"},
            {"name": "c", "city": None},
            {"name": "d", "city": "Paris"},
            {"name": "e", "city": None},
            {"name": "f", "city": "Lyon"},
            {"name": "f", "city": "Lyon"},
        ],
    )


def _page(api: Api, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = api.data(PAGE, variables)["accounts"]
    return found


def test_order_with_nulls_first_and_descending_ties(api: Api) -> None:
    _seed(api)
    names = [e["node"]["name"] for e in _page(api, first=10)["edges"]]
    assert names == ["e", "c", "f", "f", "b", "a", "d"]
    data = api.data(
        "{ accounts(orderBy: [{field: CITY, direction: DESC, nulls: LAST}, {field: NAME}]) "
        "{ nodes { name } } }"
    )
    assert [n["name"] for n in data["accounts"]["nodes"]] == ["d", "a", "b", "f", "f", "c", "e"]


def test_forward_and_backward_pages_cover_the_list_exactly(api: Api) -> None:
    _seed(api)
    everything = [e["node"]["name"] for e in _page(api, first=10)["edges"]]
    seen: list[str] = []
    after = None
    while True:
        page = _page(api, first=2, after=after)
        seen += [e["node"]["name"] for e in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]
    assert seen == everything
    backwards: list[str] = []
    before = None
    while True:
        page = _page(api, last=3, before=before)
        backwards = [e["node"]["name"] for e in page["edges"]] + backwards
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backwards == everything
    # A cursor from a forward page works backwards too.
    middle = _page(api, first=4)["edges"][3]["cursor"]
    assert [e["node"]["name"] for e in _page(api, last=2, before=middle)["edges"]] == ["c", "f"]


def test_total_count_is_computed_only_when_selected(api: Api) -> None:
    _seed(api)
    with StatementCounter(api.engine) as counter:
        api.data("{ accounts(first: 2) { nodes { name } } }")
    assert not any("count(" in s.lower() for s in counter.selects)
    with StatementCounter(api.engine) as counter:
        data = api.data("{ accounts(first: 2) { totalCount nodes { name } } }")
    assert data["accounts"]["totalCount"] == 7
    assert sum("count(" in s.lower() for s in counter.selects) == 1


def test_page_size_default_cap_and_bad_arguments(api: Api) -> None:
    api.seed("tag", [{"name": f"t{i:03}"} for i in range(60)])
    assert len(api.data("{ tags { nodes { name } } }")["tags"]["nodes"]) == 50
    assert api.data("{ tags(first: 0) { totalCount nodes { name } } }")["tags"] == {
        "totalCount": 60,
        "nodes": [],
    }
    for arguments in ("first: 501", "first: -1", "first: 2, last: 2"):
        error = api.error(f"{{ tags({arguments}) {{ nodes {{ name }} }} }}")
        assert error["extensions"]["code"] == "BAD_REQUEST", error
    error = api.error('{ tags(after: "garbage") { nodes { name } } }')
    assert error["extensions"]["code"] == "BAD_REQUEST"
    other = api.data("{ tags(first: 1, orderBy: [{field: NAME}]) { pageInfo { endCursor } } }")
    wrong_order = other["tags"]["pageInfo"]["endCursor"]
    error = api.error(
        "query($c: String) { tags(after: $c, orderBy: [{field: NAME, direction: DESC}]) "
        "{ totalCount } }",
        {"c": wrong_order},
    )
    assert "sort order" in error["message"]
