"""Helpers for metamodel tests: write small solution folders, collect their errors."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from xrm.metamodel.errors import MetamodelError, MetamodelErrors
from xrm.metamodel.registry import Registry, load_registry

#: write_solution(files, name=..., version=..., manifest=...) -> the solution folder.
WriteSolution = Callable[..., Path]
#: check(*folders) -> every error ``xrm check`` would report, rendered without the tmp prefix.
Check = Callable[..., list[str]]
#: load(*folders) -> the Registry (the test fails with the rendered errors otherwise).
Load = Callable[..., Registry]


@pytest.fixture
def write_solution(tmp_path: Path) -> WriteSolution:
    """Write a solution folder under tmp_path from ``{relative path: YAML text}``.

    Texts are dedented, so tests can indent them like code. ``solution.yaml`` is
    written from ``name``/``version``/``manifest`` unless the files give one.
    """

    def write(
        files: Mapping[str, str],
        *,
        name: str = "demo",
        version: str = "1.0.0",
        manifest: str = "",
    ) -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        texts = {"solution.yaml": f"name: {name}\nversion: {version}\n{manifest}", **files}
        for relative, text in texts.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return write


def rendered(errors: tuple[MetamodelError, ...] | list[MetamodelError], base: Path) -> list[str]:
    """Errors as ``xrm check`` prints them, with file names relative to ``base``."""
    prefix = str(base) + "/"
    return [error.render().replace(prefix, "") for error in errors]


@pytest.fixture
def check(tmp_path: Path) -> Check:
    """Load folders like ``xrm check``; return the rendered errors (empty when valid)."""

    def run(*folders: Path) -> list[str]:
        try:
            load_registry(list(folders))
        except MetamodelErrors as exc:
            return rendered(exc.errors, tmp_path)
        return []

    return run


@pytest.fixture
def load(tmp_path: Path) -> Load:
    def run(*folders: Path) -> Registry:
        try:
            return load_registry(list(folders))
        except MetamodelErrors as exc:
            pytest.fail("\n".join(rendered(exc.errors, tmp_path)))

    return run
