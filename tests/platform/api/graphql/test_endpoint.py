"""The HTTP surface of /graphql: GraphiQL from local assets, GET queries, malformed requests."""

from __future__ import annotations

import re

from .conftest import Api


def test_graphiql_page_loads_only_local_assets(api: Api) -> None:
    page = api.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(sources) == 5
    for source in sources:
        assert source.startswith("/graphql/"), source
        asset = api.client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 500
    assert "https://" not in page.text
    assert "http://" not in page.text


def test_get_runs_queries_but_never_mutations(api: Api) -> None:
    api.seed("tag", [{"name": "a"}])
    response = api.client.get(
        "/graphql",
        params={
            "query": "query($n: Int) { tags(first: $n) { nodes { name } } }",
            "variables": '{"n": 1}',
        },
        headers=api.headers,
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"tags": {"nodes": [{"name": "a"}]}}}
    refused = api.client.get(
        "/graphql",
        params={"query": 'mutation { createTag(input: {name: "b"}) { id } }'},
        headers=api.headers,
    )
    assert refused.status_code == 405
    assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_malformed_requests_are_bad_requests(api: Api) -> None:
    cases = [
        (b"not json", 400),
        (b"[]", 400),
        (b'{"query": 5}', 400),
        (b'{"variables": {}}', 400),
        (b'{"query": "{ tags { totalCount } }", "variables": [1]}', 400),
    ]
    for body, status in cases:
        response = api.client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == status, body
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    huge = b'{"query": "' + b" " * (6 * 1024 * 1024) + b'{ tags { totalCount } }"}'
    response = api.client.post(
        "/graphql", content=huge, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    # Syntax and validation errors are answered as GraphQL errors.
    invalid = api.post("{ tags { nope } }")
    assert invalid["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "nope" in invalid["errors"][0]["message"]
    unparsable = api.post("{ tags { ")
    assert unparsable["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
