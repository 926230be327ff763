"""``xrm check PATH…``: validate solution folders and report every error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from xrm.metamodel.errors import MetamodelErrors
from xrm.metamodel.registry import load_registry


def register(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "check",
        help="validate solution folders",
        description="Validate solution folders and report every error with its location.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="solution folder")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        registry = load_registry(args.paths)
    except MetamodelErrors as exc:
        print(exc.render(), file=sys.stderr)
        return 1
    entities = len(registry.entities)
    names = ", ".join(f"{s.name} {s.version}" for s in registry.solutions)
    print(f"ok: {names} ({entities} entities, metadata version {registry.version[:12]})")
    return 0
