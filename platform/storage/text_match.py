"""Case-sensitive text matching (contains / starts with / ends with), the same on both databases.

``LIKE`` is case-sensitive on PostgreSQL but not on SQLite (for ASCII letters), so a
literal needle is matched with ``GLOB`` on SQLite and ``LIKE`` on PostgreSQL, each
with its own wildcards escaped. Case-insensitive matching stays a plain
``lower(x) LIKE lower(pattern)``, see :func:`insensitive_match`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from .sql_functions import LIKE_ESCAPE, SqlExpr, like_escape


class MatchMode(StrEnum):
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"


def _wrap(mode: MatchMode, body: str, wildcard: str) -> str:
    leading = wildcard if mode in (MatchMode.CONTAINS, MatchMode.ENDS_WITH) else ""
    trailing = wildcard if mode in (MatchMode.CONTAINS, MatchMode.STARTS_WITH) else ""
    return leading + body + trailing


def _glob_escape(text: str) -> str:
    # In a GLOB pattern a bracket expression matches its one character literally.
    return "".join(f"[{char}]" if char in "*?[" else char for char in text)


class CaseSensitiveMatch(FunctionElement[bool]):
    """``haystack`` contains / starts with / ends with the literal ``needle``, case-sensitively."""

    type = sa.Boolean()
    inherit_cache = False

    def __init__(self, haystack: SqlExpr, needle: str, mode: MatchMode) -> None:
        super().__init__(haystack)
        self.needle = needle
        self.mode = mode


@compiles(CaseSensitiveMatch)
def _unsupported(element: CaseSensitiveMatch, compiler: SQLCompiler, **kw: Any) -> str:
    raise sa.exc.CompileError(f"no case-sensitive match for the {compiler.dialect.name} dialect")


@compiles(CaseSensitiveMatch, "sqlite")
def _match_sqlite(element: CaseSensitiveMatch, compiler: SQLCompiler, **kw: Any) -> str:
    (haystack,) = element.clauses
    pattern = sa.literal(_wrap(element.mode, _glob_escape(element.needle), "*"), sa.String())
    return f"({compiler.process(haystack, **kw)} GLOB {compiler.process(pattern, **kw)})"


@compiles(CaseSensitiveMatch, "postgresql")
def _match_pg(element: CaseSensitiveMatch, compiler: SQLCompiler, **kw: Any) -> str:
    (haystack,) = element.clauses
    like = sa.literal(_wrap(element.mode, like_escape(element.needle), "%"), sa.String())
    return (
        f"({compiler.process(haystack, **kw)} LIKE {compiler.process(like, **kw)} "
        f"ESCAPE '{LIKE_ESCAPE}')"
    )


def insensitive_match(haystack: SqlExpr, needle: str, mode: MatchMode) -> ColumnElement[bool]:
    """``haystack`` contains / starts with / ends with ``needle``, ignoring case."""
    pattern = _wrap(mode, like_escape(needle.lower()), "%")
    return sa.func.lower(haystack).like(sa.literal(pattern, sa.String()), escape=LIKE_ESCAPE)
