"""A standard GraphQL client (gql, over httpx) against a real uvicorn server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXTransport

from xrm.metamodel.registry import load_registry
from xrm.platform.access.control import AccessControl
from xrm.platform.app import create_app
from xrm.platform.migrate import migrate
from xrm.platform.settings import Settings
from xrm.platform.storage.engine import create_engine
from xrm.platform.storage.tables import build_storage

from .conftest import SALES, admin_token, write_solution


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    url: str
    token: str


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    root = write_solution(tmp_path / "sales", SALES)
    engine = create_engine(database_url)
    try:
        storage = build_storage(load_registry([root]))
        migrate(engine, storage)
        token = admin_token(engine, AccessControl(storage))
    finally:
        engine.dispose()
    app = create_app(Settings(database_url=database_url, solutions=str(root)))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}/graphql", token)
    finally:
        instance.should_exit = True
        thread.join(timeout=20)


def test_gql_client_fetches_the_schema_and_runs_operations(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    transport = HTTPXTransport(url=server.url, timeout=20, headers=headers)
    with Client(transport=transport, fetch_schema_from_transport=True) as session:
        created = session.execute(
            GraphQLRequest(
                "mutation($n: String) { createAccount(input: {name: $n, tier: GOLD}) { tier } }",
                variable_values={"n": "Acme"},
            )
        )
        assert created["createAccount"]["tier"] == "GOLD"
        # The client validates documents against the introspected schema.
        found = session.execute(
            gql('{ accounts(filter: {name: {eq: "Acme"}}) { totalCount nodes { name } } }')
        )
        assert found == {"accounts": {"totalCount": 1, "nodes": [{"name": "Acme"}]}}
        with pytest.raises(TransportQueryError) as refused:
            session.execute(gql("mutation { createAccount(input: {}) { id } }"))
        assert refused.value.errors is not None
        assert refused.value.errors[0]["extensions"]["code"] == "VALIDATION"


def test_a_client_without_a_token_is_refused(server: Server) -> None:
    transport = HTTPXTransport(url=server.url, timeout=20)
    with pytest.raises(TransportQueryError) as refused, Client(transport=transport) as session:
        session.execute(gql("{ accounts { totalCount } }"))
    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
