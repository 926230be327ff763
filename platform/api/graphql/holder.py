"""Which schema a worker serves, and swapping it when the metadata version changes.

A :class:`SchemaHolder` keeps the current :class:`Generation` (registry, storage
model, schema of one metadata version). Requests take ``holder.current()`` once and
use it to the end, so a swap never changes a request under way. A new version is
built completely before it replaces the old one (one reference assignment), off the
request path: the old schema serves until then.

A :class:`VersionWatch` notices new versions: every ``interval`` seconds (in the
app's lifespan, not per request) it reads the newest version ``xrm migrate``
recorded in the database — one small indexed query per worker — and, when it
differs, loads the registry stored with it and swaps it in. Several workers each
notice on their own, within one interval.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from xrm.metamodel.registry import Registry
from xrm.platform.migrate import applied_registry, applied_version
from xrm.platform.storage.tables import StorageModel, build_storage

from .schema import XrmSchema, build_schema

LOG: Final = logging.getLogger("xrm.api.graphql")


@dataclass(frozen=True)
class Generation:
    """Everything one metadata version serves with."""

    registry: Registry
    storage: StorageModel
    schema: XrmSchema

    @property
    def version(self) -> str:
        return self.registry.version


#: Builds the generation of a registry (the app passes build_schema with its settings).
Builder = Callable[[Registry, StorageModel], XrmSchema]
#: The registry of a metadata version, or None when it cannot be had.
Loader = Callable[[str], Registry | None]


class SchemaHolder:
    """The current generation; swapped atomically, never mutated."""

    def __init__(
        self, registry: Registry, storage: StorageModel, build: Builder = build_schema
    ) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._current = Generation(registry, storage, build(registry, storage))

    def current(self) -> Generation:
        """The generation to serve a request with (a plain read: no lock, no I/O)."""
        return self._current

    def swap(self, registry: Registry) -> Generation:
        """Build ``registry``'s generation (unless it is current) and serve it from now on."""
        with self._lock:  # one build at a time; requests keep reading the old one
            if registry.version == self._current.version:
                return self._current
            storage = build_storage(registry)
            built = Generation(registry, storage, self._build(registry, storage))
            self._current = built
        LOG.info("now serving metadata version %s", registry.version[:12])
        return built


def database_version(engine: Engine) -> str | None:
    """The newest metadata version ``xrm migrate`` applied (None before the first)."""
    with engine.connect() as connection:
        return applied_version(connection)


def database_registry(engine: Engine) -> Loader:
    """Loads the registry ``xrm migrate`` stored with the newest applied version."""

    def load(version: str) -> Registry | None:
        with engine.connect() as connection:
            return applied_registry(connection)

    return load


class VersionWatch:
    """Checks the database's metadata version and swaps the holder's schema when it moved."""

    def __init__(
        self,
        holder: SchemaHolder,
        engine: Engine,
        *,
        load: Loader | None = None,
        interval: float = 2.0,
    ) -> None:
        self.holder = holder
        self.engine = engine
        self.load = load or database_registry(engine)
        self.interval = interval
        self._refused: set[str] = set()

    def check(self) -> bool:
        """One check (blocking: run it in a thread); True if a new version is now served."""
        current = self.holder.current()
        version = database_version(self.engine)
        if version is None or version == current.version or version in self._refused:
            return False
        registry = self.load(version)
        if registry is None or registry.version != version:
            self._refused.add(version)  # warn once per version, not every interval
            LOG.warning(
                "the database is at metadata version %s, which this worker cannot load; "
                "still serving %s",
                version[:12],
                current.version[:12],
            )
            return False
        self.holder.swap(registry)
        return True

    async def run(self) -> None:
        """Check every ``interval`` seconds until cancelled (the app's lifespan owns it)."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await run_in_threadpool(self.check)
            except Exception:  # a failed check must not stop the next ones
                LOG.exception("checking the metadata version failed")
