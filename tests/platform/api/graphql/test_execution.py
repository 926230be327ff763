"""How requests execute: one statement per level (no N+1), limits, error masking, extensions."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from strawberry.extensions import SchemaExtension

from xrm.platform.api.graphql.limits import Limits
from xrm.platform.api.graphql.schema import build_schema

from .conftest import Api, MakeApi, Model, StatementCounter

NESTED = """{ contacts(first: 50, orderBy: [{field: LAST_NAME}]) {
  edges { cursor node {
    lastName
    account { name tier opportunities(first: 10, orderBy: [{field: NAME}]) {
      totalCount nodes { name amount { amount } } } }
  } } } }"""


def test_nested_levels_cost_one_statement_each_not_one_per_row(api: Api) -> None:
    accounts = api.seed("account", [{"name": f"acc{i:02}"} for i in range(50)])
    api.seed(
        "contact",
        [{"last_name": f"c{i:02}", "account": accounts[i]} for i in range(50)],
    )
    api.seed(
        "opportunity",
        [
            {"name": f"o{j:02}", "account": account, "amount": "10"}
            for account in accounts
            for j in range(12)
        ],
    )
    # What every request costs before any data: the caller's token and principal.
    with StatementCounter(api.engine) as baseline:
        api.data("{ __typename }")
    with StatementCounter(api.engine) as counter:
        data = api.data(NESTED)
    edges = data["contacts"]["edges"]
    assert len(edges) == 50
    first = edges[0]["node"]["account"]["opportunities"]
    assert first["totalCount"] == 12
    assert len(first["nodes"]) == 10
    assert [n["name"] for n in first["nodes"]][:2] == ["o00", "o01"]
    # contacts, their accounts, the accounts' first 10 opportunities, and their counts.
    assert len(counter.selects) == len(baseline.selects) + 4, counter.selects


@pytest.fixture(scope="module")
def strict_schema(sales_model: Model) -> Any:
    limits = Limits(max_cost=200, max_depth=10)
    return build_schema(sales_model.registry, sales_model.storage, limits=limits)


def test_depth_and_cost_limits(make_api: MakeApi, strict_schema: Any) -> None:
    api = make_api(schema=strict_schema)
    error = api.error(
        "{ accounts(first: 20) { nodes { opportunities(first: 20) { nodes { name } } } } }"
    )
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "more than the 200 allowed" in error["message"]
    assert api.data("{ accounts(first: 5) { nodes { name } } }") == {"accounts": {"nodes": []}}
    deep = "{ contacts { nodes { account { " + "parent { " * 9 + "name" + " }" * 12 + " }"
    error = api.error(deep)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "exceeds maximum operation depth" in error["message"]


class Explode(SchemaExtension):
    """Fails inside execution like a bug would, with internals in the message."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        if info.field_name == "tags":
            raise RuntimeError("SELECT secret FROM internals")
        return _next(root, info, *args, **kwargs)


class Answer(SchemaExtension):
    """Supplies the execution result itself: how a compiled path plugs in."""

    def on_execute(self) -> Iterator[None]:
        from graphql import ExecutionResult

        if "answer" in (self.execution_context.query or ""):
            self.execution_context.result = ExecutionResult(data={"answered": True})
        yield


@pytest.fixture(scope="module")
def extended_schema(sales_model: Model) -> Any:
    return build_schema(sales_model.registry, sales_model.storage, extensions=[Explode, Answer])


def test_unexpected_errors_are_masked_and_logged(
    make_api: MakeApi, extended_schema: Any, caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(schema=extended_schema)
    with caplog.at_level(logging.ERROR, logger="xrm.api.graphql"):
        error = api.error("{ tags { totalCount } }")
    assert error["extensions"]["code"] == "INTERNAL"
    assert "SELECT" not in error["message"]
    assert "secret" not in str(error)
    assert any("SELECT secret" in str(r.exc_info) for r in caplog.records)


def test_an_extension_can_supply_the_result(make_api: MakeApi, extended_schema: Any) -> None:
    api = make_api(schema=extended_schema)
    body = api.post("query answer { __typename }")
    assert body == {"data": {"answered": True}}


def test_parsed_and_validated_documents_are_cached(api: Api, sales_model: Model) -> None:
    from strawberry.extensions.validation_cache import _get_validate_cache

    cache: Any = _get_validate_cache(sales_model.schema.limits.document_cache)
    query = "{ tags(first: 3) { nodes { name } } }"
    api.data(query)
    hits = cache.cache_info().hits
    api.data(query)
    assert cache.cache_info().hits == hits + 1
