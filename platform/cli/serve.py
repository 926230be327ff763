"""``xrm serve``: run the web application with uvicorn."""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

from xrm.platform.settings import Settings


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve", help="serve the web application", description="Serve the web application."
    )
    parser.add_argument("--host", default=None, help="interface to listen on (XRM_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port (XRM_PORT)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (XRM_WORKERS)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    serve(
        settings,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
    )
    return 0


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        "xrm.platform.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
    )
