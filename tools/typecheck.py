"""Run mypy --strict over the whole import root.

The repo's top-level folders form the package ``xrm`` only through the mapping in
pyproject.toml, which mypy cannot follow. So we give mypy a one-entry search path
holding a symlink ``xrm`` -> repo root, and name the packages to check.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("metamodel", "platform", "ui", "migrations", "tests", "bench", "tools")


def main() -> int:
    base = ROOT / ".venv" / "typecheck"
    base.mkdir(parents=True, exist_ok=True)
    link = base / "xrm"
    if not link.is_symlink():
        link.symlink_to(ROOT, target_is_directory=True)
    args = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
    for name in PACKAGES:
        if any((ROOT / name).rglob("*.py")):
            args += ["-p", f"xrm.{name}"]
    env = {**os.environ, "MYPYPATH": str(base)}
    return subprocess.call(args, cwd=base, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
