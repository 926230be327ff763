"""The ``xrm`` command line: one entry point, one module per subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import check, migrate, plan, serve, token, up, user


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xrm",
        description="xrm: a metadata-driven xRM platform. Entities, forms, views and roles "
        "declared in YAML become tables, a GraphQL API and screens.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    check.register(commands)
    plan.register(commands)
    migrate.register(commands)
    serve.register(commands)
    up.register(commands)
    user.register(commands)
    token.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
