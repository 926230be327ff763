"""GraphQL API test helpers: a small sales solution, its schema (built once), an app per test.

Every test gets its own database (``database_url``/``engine`` from tests/conftest.py),
migrated with ``xrm.platform.migrate``, and talks to the API over HTTP through a
Starlette app built like ``create_app`` builds its GraphQL part, on the test's
engine (so tests can count the SQL statements it sends).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from xrm.metamodel.registry import Registry, load_registry
from xrm.platform.access.control import AccessControl
from xrm.platform.access.passwords import PasswordParams, Passwords
from xrm.platform.access.tokens import create_token
from xrm.platform.access.users import create_user
from xrm.platform.api.graphql.endpoint import GraphQLService, graphql_routes
from xrm.platform.api.graphql.holder import SchemaHolder
from xrm.platform.api.graphql.schema import XrmSchema, build_schema
from xrm.platform.app import graphiql_assets
from xrm.platform.migrate import migrate
from xrm.platform.storage.actor import SYSTEM_ACTOR
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel, build_storage
from xrm.platform.web.auth import WebAuth

#: Accounts, contacts, opportunities (money, choice, formulas), activities (polymorphic
#: regarding), tags (N:N with link fields, inverse on account), rollups, searchable fields.
SALES: Mapping[str, str] = {
    "solution.yaml": "name: sales\nversion: 1.0.0\n",
    "entities/account.yaml": """
        entity: account
        fields:
          name: {type: string, max_length: 100, required: true, searchable: true}
          code: {type: string, max_length: 20, unique: true}
          city: {type: string, max_length: 60}
          tier: {type: choice, options: [gold, silver, bronze]}
          parent: {type: lookup, target: account}
          revenue: {type: money}
          employees: {type: integer, min: 0, max: 1000000}
          opportunity_count: {type: rollup, relation: opportunities, aggregate: count}
          won_amount:
            type: rollup
            relation: opportunities
            aggregate: sum
            field: amount
            filter: "stage = 'won'"
        relations:
          opportunities: {type: one_to_many, target: opportunity, field: account}
          contacts: {type: one_to_many, target: contact, field: account}
          activities: {type: one_to_many, target: activity, field: regarding}
          tags:
            type: many_to_many
            target: tag
            inverse: accounts
            fields:
              weight: {type: integer, default: 1}
              note: {type: string, max_length: 20}
    """,
    "entities/contact.yaml": """
        entity: contact
        fields:
          first_name: {type: string, max_length: 60, searchable: true}
          last_name: {type: string, max_length: 60, required: true, searchable: true}
          email: {type: email, unique: true}
          account: {type: lookup, target: account, on_delete: set_null}
          channels: {type: multichoice, options: [email, phone, post]}
          vip: {type: boolean, default: false}
          birthday: {type: date}
          last_seen: {type: datetime}
          full_name:
            type: formula
            returns: string
            expression: "trim(concat(first_name, ' ', last_name))"
    """,
    "entities/opportunity.yaml": """
        entity: opportunity
        fields:
          name: {type: string, max_length: 100, required: true, searchable: true}
          account: {type: lookup, target: account, required: true, on_delete: restrict}
          stage: {type: choice, default: new, options: [new, won, lost]}
          amount: {type: money, min: 0}
          probability: {type: integer, min: 0, max: 100, default: 10}
          close_date: {type: date}
          weighted: {type: formula, returns: money, expression: "amount * probability / 100"}
    """,
    "entities/activity.yaml": """
        entity: activity
        fields:
          subject: {type: string, required: true}
          regarding:
            type: polymorphic_lookup
            targets: [account, contact]
            on_delete: cascade
          due: {type: datetime}
    """,
    "roles/rep.yaml": """
        role: rep
        entities:
          account: {read: own, create: own, update: own}
          opportunity: {read: all}
          tag: {read: all}
          user: {read: all}
        fields:
          account.revenue: {read: false}
    """,
    "entities/tag.yaml": """
        entity: tag
        fields:
          name: {type: string, required: true, unique: true}
    """,
}


def write_solution(root: Path, files: Mapping[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@dataclass(frozen=True)
class Model:
    registry: Registry
    storage: StorageModel
    schema: XrmSchema
    control: AccessControl


@pytest.fixture(scope="session")
def sales_model(tmp_path_factory: pytest.TempPathFactory) -> Model:
    """The sales solution's registry, storage model and schema, built once per session."""
    root = write_solution(tmp_path_factory.mktemp("sales"), SALES)
    registry = load_registry([root])
    storage = build_storage(registry)
    return Model(registry, storage, build_schema(registry, storage), AccessControl(storage))


class Api:
    """An HTTP client on a test app, with helpers to seed data and run operations."""

    def __init__(self, client: TestClient, engine: Engine, model: Model, token: str) -> None:
        self.client = client
        self.engine = engine
        self.model = model
        #: Sent on every request: an administrator's API token.
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The JSON body of a POST (status 200 required), as the administrator."""
        response = self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of an operation that must succeed without errors."""
        body = self.post(query, variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def error(self, query: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The single error of an operation that must fail."""
        body = self.post(query, variables)
        assert "errors" in body, body
        assert len(body["errors"]) == 1, body["errors"]
        error: dict[str, Any] = body["errors"][0]
        return error

    @contextlib.contextmanager
    def repository(self) -> Iterator[Repository]:
        with (
            self.engine.connect().execution_options(**{WRITE: True}) as connection,
            connection.begin(),
        ):
            yield Repository(connection, self.model.storage, SYSTEM_ACTOR)

    def seed(self, entity: str, rows: list[Mapping[str, object]]) -> list[str]:
        """Create records through the repository; their ids as strings."""
        with self.repository() as repository:
            return [str(id_) for id_ in repository.create_many(entity, rows)]


def graphql_app(holder: SchemaHolder, engine: Engine, control: AccessControl) -> Starlette:
    """The GraphQL part of ``create_app``, on a given engine and schema holder."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.graphql = GraphQLService(holder, engine, "EUR", None)
        app.state.auth = WebAuth(engine, control, Passwords(FAST_PASSWORDS))
        yield

    return Starlette(routes=graphql_routes(graphiql_assets()), lifespan=lifespan)


#: Cheap argon2 parameters: these tests are about the API, not password hashing.
FAST_PASSWORDS = PasswordParams(time_cost=1, memory_cost=8, parallelism=1)


def admin_token(engine: Engine, control: AccessControl) -> str:
    """Create an administrator and an API token for them; returns the token."""
    with engine.connect().execution_options(**{WRITE: True}) as connection, connection.begin():
        user = create_user(
            control,
            connection,
            Passwords(FAST_PASSWORDS),
            email="admin@example.com",
            password="correct horse battery staple",
            admin=True,
        )
        issued = create_token(
            connection, control.storage, user["id"], "tests", now=dt.datetime.now(dt.UTC)
        )
    return issued.secret


#: make_api(schema=None) -> Api on a freshly migrated database.
MakeApi = Callable[..., Api]


@pytest.fixture
def make_api(engine: Engine, sales_model: Model) -> Iterator[MakeApi]:
    migrate(engine, sales_model.storage)
    token = admin_token(engine, sales_model.control)
    clients: list[TestClient] = []

    def make(schema: XrmSchema | None = None) -> Api:
        chosen = schema or sales_model.schema
        holder = SchemaHolder(sales_model.registry, sales_model.storage, lambda r, s: chosen)
        client = TestClient(graphql_app(holder, engine, sales_model.control))
        client.__enter__()
        clients.append(client)
        return Api(client, engine, sales_model, token)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    return make_api()


class StatementCounter:
    """Counts SQL statements sent on an engine (``before_cursor_execute``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def selects(self) -> list[str]:
        return [s for s in self.statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
