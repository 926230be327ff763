"""The platform's own tables, managed by the Alembic revisions in ``migrations/``.

Entity tables come from metadata and change with it; these do not. A test compares
this definition with the database the revisions produce, so the two cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from xrm.metamodel.types import SYSTEM_TABLE_PREFIX

#: Alembic's own bookkeeping table, renamed into the platform's prefix.
ALEMBIC_VERSION_TABLE = f"{SYSTEM_TABLE_PREFIX}alembic_version"


@dataclass(frozen=True)
class SystemTables:
    metadata_version: sa.Table
    solution: sa.Table
    sequence: sa.Table
    file: sa.Table

    def all(self) -> tuple[sa.Table, ...]:
        return (self.metadata_version, self.solution, self.sequence, self.file)


def build_system_tables(metadata: sa.MetaData) -> SystemTables:
    """Define the system tables inside ``metadata`` (pure: the same call, the same tables)."""
    metadata_version = sa.Table(
        "xrm_metadata_version",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(64), nullable=False, index=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_by", sa.String(200), nullable=False),
        # What ran, as the plan printed it (JSON list of operations).
        sa.Column("operations", sa.Text, nullable=False),
        # The solutions (name, version) the registry was built from (JSON).
        sa.Column("solutions", sa.Text, nullable=False),
        # The entity tables and columns this version owns (JSON), so a later plan
        # knows which tables it may drop.
        sa.Column("snapshot", sa.Text, nullable=False),
    )
    solution = sa.Table(
        "xrm_solution",
        metadata,
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
    )
    sequence = sa.Table(
        "xrm_sequence",
        metadata,
        sa.Column("entity", sa.String(63), primary_key=True),
        sa.Column("field", sa.String(63), primary_key=True),
        sa.Column("last_value", sa.BigInteger, nullable=False),
    )
    file = sa.Table(
        "xrm_file",
        metadata,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid, nullable=True),
    )
    return SystemTables(metadata_version, solution, sequence, file)


def system_table_names() -> frozenset[str]:
    return frozenset(t.name for t in build_system_tables(sa.MetaData()).all()) | {
        ALEMBIC_VERSION_TABLE
    }
