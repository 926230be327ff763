"""``/graphql`` over HTTP: POST executes (JSON in, JSON out), GET serves GraphiQL.

The async endpoint reads the body, takes the acting principal from the request
(:func:`~xrm.platform.api.actor.request_actor`) and the current schema generation,
then runs the synchronous execution — whose database work is blocking — in the
threadpool, with one connection and one transaction for the whole request.
Responses are encoded with orjson. ``GET /graphql?query=…`` executes queries (never
mutations) for clients that cache GET requests; without ``query`` it serves GraphiQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from xrm.platform.storage.actor import Actor
from xrm.platform.web.auth import request_identity
from xrm.platform.web.csrf import CsrfRejected, csrf_token

from ..actor import Unauthenticated, request_actor
from .context import RequestContext
from .errors import LOG, format_error
from .graphiql import ASSETS_PATH, INIT_PATH, INIT_SCRIPT, graphiql_page
from .hidden import HiddenFields
from .holder import SchemaHolder, VersionWatch
from .limits import Limits

_JSON = "application/json"


@dataclass
class GraphQLService:
    """What the endpoint needs, made once per process in the app's lifespan."""

    holder: SchemaHolder
    engine: Engine
    default_currency: str = "EUR"
    watch: VersionWatch | None = None
    hidden: HiddenFields = field(default_factory=HiddenFields)

    @property
    def limits(self) -> Limits:
        """The limits the current schema was built with."""
        return self.holder.current().schema.limits

    def execute(
        self,
        actor: Actor,
        query: str,
        variables: Mapping[str, Any] | None,
        operation: str | None,
        *,
        queries_only: bool = False,
    ) -> dict[str, Any]:
        """Run one operation to its JSON-ready result (blocking: call it in a thread)."""
        generation = self.holder.current()
        context = RequestContext(
            self.engine, generation.storage, actor, self.default_currency, generation.schema.limits
        )
        committed = False
        try:
            result = generation.schema.execute_sync(
                query,
                variable_values=dict(variables) if variables is not None else None,
                context_value=context,
                operation_name=operation,
                allowed_operation_types=(
                    {OperationType.QUERY} if queries_only else set(OperationType)
                ),
            )
            # Failed mutation fields were rolled back to their savepoints already.
            context.finish(commit=True)
            committed = True
        finally:
            if not committed:
                context.finish(commit=False)
        body: dict[str, Any] = {}
        if result.errors:
            body["errors"] = [format_error(error) for error in result.errors]
        body["data"] = result.data
        extensions = dict(result.extensions or {})
        hidden = self.hidden.selected(
            generation.schema._schema, generation.schema.catalog, actor, query
        )
        if hidden:
            extensions["hiddenFields"] = hidden
        if extensions:
            body["extensions"] = extensions
        return body


def service(request: Request) -> GraphQLService:
    found: GraphQLService = request.app.state.graphql
    return found


def _error(message: str, status: int = 400) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}
    return Response(orjson.dumps(body), status_code=status, media_type=_JSON)


async def _run(
    request: Request, payload: Mapping[str, Any], *, queries_only: bool = False
) -> Response:
    query = payload.get("query")
    variables = payload.get("variables")
    operation = payload.get("operationName")
    if not isinstance(query, str) or not query.strip():
        return _error('the request has no GraphQL query; send {"query": "…"}')
    if variables is not None and not isinstance(variables, Mapping):
        return _error("variables must be a JSON object")
    if operation is not None and not isinstance(operation, str):
        return _error("operationName must be a string")
    graphql = service(request)

    def respond() -> dict[str, Any]:
        # One trip to the threadpool: the actor lookup and the execution both block.
        actor = request_actor(request)
        return graphql.execute(actor, query, variables, operation, queries_only=queries_only)

    try:
        body = await run_in_threadpool(respond)
    except Unauthenticated as exc:
        body = {"errors": [{"message": str(exc), "extensions": {"code": "UNAUTHENTICATED"}}]}
        return Response(
            orjson.dumps(body),
            status_code=401,
            media_type=_JSON,
            headers={"WWW-Authenticate": 'Bearer realm="xrm"'},
        )
    except CsrfRejected as exc:
        body = {"errors": [{"message": str(exc), "extensions": {"code": "FORBIDDEN"}}]}
        return Response(orjson.dumps(body), status_code=403, media_type=_JSON)
    except InvalidOperationTypeError:
        return _error("only queries run over GET; send mutations with POST", 405)
    except CannotGetOperationTypeError as exc:
        return _error(exc.as_http_error_reason())
    except Exception:
        LOG.exception("the GraphQL request failed")
        failure = {"errors": [{"message": "internal error", "extensions": {"code": "INTERNAL"}}]}
        return Response(orjson.dumps(failure), status_code=500, media_type=_JSON)
    return Response(orjson.dumps(body), media_type=_JSON)


async def graphql_post(request: Request) -> Response:
    limits = service(request).limits
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body:
        return _error(f"the request body is larger than {limits.max_body} bytes", 413)
    raw = await request.body()
    if len(raw) > limits.max_body:
        return _error(f"the request body is larger than {limits.max_body} bytes", 413)
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _error("the request body is not JSON")
    if isinstance(payload, list):
        return _error("batched requests are not supported; send one operation per request")
    if not isinstance(payload, dict):
        return _error("the request body must be a JSON object")
    return await _run(request, payload)


async def graphql_get(request: Request) -> Response:
    params = request.query_params
    if "query" not in params:
        identity = await run_in_threadpool(request_identity, request)
        return HTMLResponse(graphiql_page(csrf_token=csrf_token(identity)))
    payload: dict[str, Any] = {"query": params["query"]}
    if "operationName" in params:
        payload["operationName"] = params["operationName"]
    if "variables" in params:
        try:
            payload["variables"] = orjson.loads(params["variables"])
        except orjson.JSONDecodeError:
            return _error("variables must be JSON")
    return await _run(request, payload, queries_only=True)


async def graphiql_init(request: Request) -> Response:
    return Response(INIT_SCRIPT, media_type="text/javascript; charset=utf-8")


def graphql_routes(assets: Path) -> list[BaseRoute]:
    """``/graphql`` (POST, GET) and the GraphiQL assets, read from ``assets``."""
    return [
        Route("/graphql", graphql_post, methods=["POST"]),
        Route("/graphql", graphql_get, methods=["GET"]),
        Route(INIT_PATH, graphiql_init, methods=["GET"]),
        Mount(ASSETS_PATH, StaticFiles(directory=assets, check_dir=False), name="graphiql"),
    ]
