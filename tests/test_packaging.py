"""The folder-to-package mapping in pyproject.toml stays complete and safe."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _mapping() -> tuple[dict[str, str], list[str]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    setuptools = config["tool"]["setuptools"]
    return setuptools["package-dir"], setuptools["packages"]


def test_every_python_folder_is_a_listed_package() -> None:
    package_dir, packages = _mapping()
    expected: set[str] = set()
    for package, folder in package_dir.items():
        root = REPO / folder
        if package == "xrm":
            continue
        expected.add(package)
        for init in root.rglob("*.py"):
            relative = init.parent.relative_to(root)
            if relative.parts and not any(p.startswith((".", "_")) for p in relative.parts):
                expected.add(".".join((package, *relative.parts)))
    missing = sorted(expected - set(packages))
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_platform_folder_does_not_shadow_the_standard_library() -> None:
    assert not (REPO / "platform" / "__init__.py").exists()
    result = subprocess.run(
        [sys.executable, "-c", "import uuid, platform; print(platform.system())"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_python_dash_m_xrm_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "xrm", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "check" in result.stdout
