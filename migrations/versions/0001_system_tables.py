"""The platform's system tables: metadata versions, solutions, sequences, files.

Revision ID: 0001
Revises:
Create Date: 2025-01-01

Written out by hand (not importing system_tables.py) so a later change there cannot
silently rewrite history; tests/platform/migrate/test_system.py fails when the two drift.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "xrm_metadata_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_by", sa.String(200), nullable=False),
        sa.Column("operations", sa.Text(), nullable=False),
        sa.Column("solutions", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
    )
    op.create_index("ix_xrm_metadata_version_version", "xrm_metadata_version", ["version"])
    op.create_table(
        "xrm_solution",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manifest", sa.Text(), nullable=False),
    )
    op.create_table(
        "xrm_sequence",
        sa.Column("entity", sa.String(63), primary_key=True),
        sa.Column("field", sa.String(63), primary_key=True),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "xrm_file",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("xrm_file")
    op.drop_table("xrm_sequence")
    op.drop_table("xrm_solution")
    op.drop_index("ix_xrm_metadata_version_version", table_name="xrm_metadata_version")
    op.drop_table("xrm_metadata_version")
