"""Errors of planning and applying migrations: what was refused, why, and how to proceed."""

from __future__ import annotations

from collections.abc import Sequence


class MigrationError(Exception):
    """Base of every error this package raises for a user to act on (CLI exit status 1)."""


class MigrationRefused(MigrationError):
    """The plan has operations that may not run as asked; nothing was applied."""

    def __init__(self, summary: str, lines: Sequence[str], suggestion: str) -> None:
        self.lines = tuple(lines)
        self.suggestion = suggestion
        body = "\n".join(f"  {line}" for line in self.lines)
        super().__init__(f"{summary}; nothing was applied:\n{body}\n{suggestion}")


class DataLossRefused(MigrationRefused):
    """Destructive operations (drops, rounding) without ``allow_data_loss``."""


class BlockedByData(MigrationRefused):
    """Existing rows make an operation impossible (too long, duplicate, missing value)."""


class PlanOutdated(MigrationError):
    """The database or the metadata changed between planning and applying."""
