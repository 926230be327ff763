"""The composition root: ``create_app(settings)`` builds the one Starlette application.

Engine, registry and storage model are created here, at start-up, and handed to
the routes explicitly through ``app.state`` — nothing lives in module globals.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from xrm import ui
from xrm.metamodel.registry import Registry, load_registry, shipped_solutions_dir
from xrm.platform.access.control import AccessControl
from xrm.platform.api.graphql.endpoint import GraphQLService, graphql_routes
from xrm.platform.api.graphql.holder import SchemaHolder, VersionWatch
from xrm.platform.migrate import applied_registry
from xrm.platform.settings import Settings
from xrm.platform.storage.engine import create_engine
from xrm.platform.storage.tables import StorageModel, build_storage
from xrm.platform.web.auth import WebAuth
from xrm.platform.web.login import auth_routes
from xrm.ui.routes import screen_routes
from xrm.ui.screens import build_screens


@dataclass(frozen=True)
class Runtime:
    """What every request needs, created once per process in the lifespan."""

    settings: Settings
    engine: Engine
    registry: Registry
    storage: StorageModel


def solution_paths(settings: Settings) -> list[Path]:
    """The solution folders to serve: ``XRM_SOLUTIONS``, else the shipped CRM."""
    if settings.solutions.strip():
        return [Path(p) for p in settings.solutions.split(":") if p.strip()]
    return [shipped_solutions_dir() / "crm"]


def build_runtime(settings: Settings) -> Runtime:
    """Serve the metadata last applied to the database; before any, the configured folders."""
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:
        registry = applied_registry(connection)
    if registry is None:
        registry = load_registry(solution_paths(settings))
    return Runtime(settings, engine, registry, build_storage(registry))


def runtime(request: Request) -> Runtime:
    found: Runtime = request.app.state.runtime
    return found


async def healthz(request: Request) -> Response:
    rt = runtime(request)
    return JSONResponse({"status": "ok", "metadata_version": rt.registry.version})


def graphiql_assets() -> Path:
    """The GraphiQL files ``make assets`` copies into ``ui/static/vendor`` (in the wheel too)."""
    return Path(ui.__file__).resolve().parent / "static" / "vendor" / "graphiql"


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rt = build_runtime(settings)
        app.state.runtime = rt
        # Sign-in, sessions and tokens; channels reach it through xrm.platform.web.auth.
        app.state.auth = WebAuth(rt.engine, AccessControl(rt.storage))
        # The screens (xrm.ui), sharing the access control of sign-in.
        app.state.screens = build_screens(
            settings, rt.engine, rt.registry, rt.storage, access=app.state.auth.control
        )
        # GraphQL: the schema of the served version; a newer migrated one is swapped in.
        holder = SchemaHolder(rt.registry, rt.storage)
        watch = VersionWatch(holder, rt.engine)
        app.state.graphql = GraphQLService(holder, rt.engine, settings.default_currency, watch)
        watching = asyncio.create_task(watch.run())
        try:
            yield
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching
            rt.engine.dispose()

    routes = [
        Route("/healthz", healthz),
        *auth_routes(),
        *graphql_routes(graphiql_assets()),
        *screen_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def app_factory() -> Starlette:
    """Entry point for ``uvicorn --factory`` (reads settings from the environment)."""
    return create_app(Settings())
