"""Stable names for generated tables, columns, indexes and constraints.

Names must be identical on every run (migrations compare them) and fit PostgreSQL's
63-byte limit; long ones are shortened with a hash of the full name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from xrm.metamodel.types import GENERATED_SEPARATOR, MAX_IDENTIFIER_BYTES


def fit(name: str) -> str:
    """``name`` itself if short enough, else a prefix plus an 8-hex-digit hash."""
    if len(name.encode()) <= MAX_IDENTIFIER_BYTES:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    prefix = name.encode()[: MAX_IDENTIFIER_BYTES - 9].decode(errors="ignore")
    return f"{prefix}_{digest}"


def join(*parts: str) -> str:
    """Join name parts with the generated separator (``regarding__account``)."""
    return GENERATED_SEPARATOR.join(parts)


def entity_table(entity: str) -> str:
    return entity


def junction_table(entity: str, relation: str) -> str:
    return join(entity, relation)


def polymorphic_column(field: str, target: str) -> str:
    return join(field, target)


def currency_column(field: str) -> str:
    return join(field, "currency")


def index_name(table: str, columns: Sequence[str], *, unique: bool = False) -> str:
    return fit(f"{'uq' if unique else 'ix'}_{table}__{'__'.join(columns)}")


def foreign_key_name(table: str, column: str) -> str:
    return fit(f"fk_{table}__{column}")


def primary_key_name(table: str) -> str:
    return fit(f"pk_{table}")
