"""Gap-free autonumbers (``OPP-{seq:06}``), safe under concurrent inserts.

A number is taken in the same transaction as the insert that uses it, by
incrementing the field's row in ``xrm_sequence`` (``UPDATE … RETURNING``). The row
lock serialises concurrent writers on PostgreSQL (SQLite writers are serialised by
``BEGIN IMMEDIATE``), and a rolled-back insert rolls the increment back with it, so
no number is lost or given twice. The row is created on first use with an
``INSERT … ON CONFLICT DO NOTHING``, so two first inserts cannot both create it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .tables import StorageModel

_TOKEN: Final = re.compile(r"\{(seq(?::(\d{1,3}))?|yyyy|yy|mm|dd)\}")

#: ``INSERT … ON CONFLICT DO NOTHING`` per dialect.
_INSERT_IF_MISSING: Final[dict[str, Callable[[sa.Table], Any]]] = {
    "postgresql": lambda table: postgresql.insert(table).on_conflict_do_nothing(),
    "sqlite": lambda table: sqlite.insert(table).on_conflict_do_nothing(),
}


def take_numbers(
    connection: Connection, storage: StorageModel, entity: str, field: str, count: int, start: int
) -> range:
    """Reserve ``count`` consecutive numbers of ``entity.field`` in the current transaction."""
    sequence = storage.system.sequence
    bump = (
        sa.update(sequence)
        .where(sequence.c.entity == entity, sequence.c.field == field)
        .values(last_value=sequence.c.last_value + count)
        .returning(sequence.c.last_value)
    )
    last = connection.execute(bump).scalar_one_or_none()
    if last is None:
        create = _INSERT_IF_MISSING[connection.dialect.name](sequence).values(
            entity=entity, field=field, last_value=start - 1
        )
        connection.execute(create)
        last = connection.execute(bump).scalar_one()
    return range(last - count + 1, last + 1)


def render(template: str, number: int, today: dt.date) -> str:
    """``OPP-{seq:06}`` with 42 -> ``OPP-000042``; also ``{yyyy}``, ``{yy}``, ``{mm}``, ``{dd}``."""

    def replace(match: re.Match[str]) -> str:
        token, width = match.group(1), match.group(2)
        if token.startswith("seq"):
            return format(number, f"{width}d") if width else str(number)
        return {
            "yyyy": f"{today.year:04d}",
            "yy": f"{today.year % 100:02d}",
            "mm": f"{today.month:02d}",
            "dd": f"{today.day:02d}",
        }[token]

    return _TOKEN.sub(replace, template)
