"""The composition root: ``create_app(settings)`` builds the one Starlette application.

Engine, registry and storage model are created here, at start-up, and handed to
the routes explicitly through ``app.state`` — nothing lives in module globals.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html import escape
from pathlib import Path

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from xrm.metamodel.registry import Registry, load_registry, pick, shipped_solutions_dir
from xrm.platform.migrate import applied_registry
from xrm.platform.settings import Settings
from xrm.platform.storage.engine import create_engine
from xrm.platform.storage.tables import StorageModel, build_storage


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


async def home(request: Request) -> Response:
    rt = runtime(request)
    items = "".join(
        f"<li>{escape(pick(entity.plural, 'en', name))} <code>{escape(name)}</code></li>"
        for name, entity in sorted(rt.registry.entities.items())
    )
    solutions = ", ".join(f"{escape(s.name)} {escape(s.version)}" for s in rt.registry.solutions)
    body = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>xrm</title></head>"
        f"<body><h1>xrm</h1><p>Solutions: {solutions}</p><ul>{items}</ul></body></html>"
    )
    return HTMLResponse(body)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rt = build_runtime(settings)
        app.state.runtime = rt
        try:
            yield
        finally:
            rt.engine.dispose()

    routes = [
        Route("/healthz", healthz),
        Route("/", home),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def app_factory() -> Starlette:
    """Entry point for ``uvicorn --factory`` (reads settings from the environment)."""
    return create_app(Settings())
