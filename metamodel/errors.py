"""Errors in metadata, each with where it is, what is wrong and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PathElement = str | int
YamlPath = tuple[PathElement, ...]


@dataclass(frozen=True, order=True)
class Location:
    """A position in a source file; line and column are 1-based."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


def format_path(path: YamlPath) -> str:
    """``("fields", "account", "target")`` -> ``fields.account.target``; list items as ``[2]``."""
    out = ""
    for element in path:
        if isinstance(element, int):
            out += f"[{element}]"
        else:
            out += ("." if out else "") + element
    return out


@dataclass(frozen=True)
class MetamodelError:
    """One problem in a solution's metadata."""

    location: Location
    path: YamlPath
    message: str
    suggestion: str | None = None

    def render(self) -> str:
        where = str(self.location)
        at = f" at {format_path(self.path)}:" if self.path else ""
        hint = f" ({self.suggestion})" if self.suggestion else ""
        return f"{where}:{at} {self.message}{hint}"

    def __str__(self) -> str:
        return self.render()


class MetamodelErrors(Exception):
    """Raised with every error found, never just the first."""

    def __init__(self, errors: Sequence[MetamodelError]) -> None:
        self.errors = tuple(sorted(errors, key=lambda e: (e.location, format_path(e.path))))
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.errors)
        head = f"{count} error{'s' if count != 1 else ''} in metadata"
        return "\n".join([head, *(e.render() for e in self.errors)])


def did_you_mean(wrong: str, candidates: Iterable[str]) -> str | None:
    """A suggestion for a misspelt name, or a list of valid ones when few and none is close."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(wrong, pool, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if 0 < len(pool) <= 12:
        return "expected one of: " + ", ".join(pool)
    return None
