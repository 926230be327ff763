"""Identity and access: credentials, sessions, API tokens, role assignments, shares, audit.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-15

Users, teams and business units are entities (the system solution), not tables of
this revision; these tables refer to them by id, without foreign keys (entity
tables are created after the system tables and follow the metadata).

Written out by hand (not importing system_tables.py) so a later change there cannot
silently rewrite history; tests/platform/migrate/test_system.py fails when the two drift.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "xrm_credential",
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "xrm_session",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_xrm_session_user_id", "xrm_session", ["user_id"])
    op.create_index("ix_xrm_session_expires_at", "xrm_session", ["expires_at"])
    op.create_table(
        "xrm_api_token",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "uq_xrm_api_token_token_hash", "xrm_api_token", ["token_hash"], unique=True
    )
    op.create_index("ix_xrm_api_token_user_id", "xrm_api_token", ["user_id"])
    op.create_table(
        "xrm_role_assignment",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("role", sa.String(63), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
    )
    op.create_index("ix_xrm_role_assignment_user_id", "xrm_role_assignment", ["user_id"])
    op.create_index("ix_xrm_role_assignment_team_id", "xrm_role_assignment", ["team_id"])
    op.create_table(
        "xrm_record_share",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("entity", sa.String(63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
    )
    op.create_index(
        "ix_xrm_record_share_entity_record_id", "xrm_record_share", ["entity", "record_id"]
    )
    op.create_index("ix_xrm_record_share_user_id", "xrm_record_share", ["user_id"])
    op.create_index("ix_xrm_record_share_team_id", "xrm_record_share", ["team_id"])
    op.create_table(
        "xrm_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("entity", sa.String(63), nullable=True),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_xrm_audit_entity_record_id", "xrm_audit", ["entity", "record_id"])
    op.create_index("ix_xrm_audit_user_id", "xrm_audit", ["user_id"])
    op.create_index("ix_xrm_audit_at", "xrm_audit", ["at"])
    op.create_table(
        "xrm_login_throttle",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("xrm_login_throttle")
    op.drop_index("ix_xrm_audit_at", table_name="xrm_audit")
    op.drop_index("ix_xrm_audit_user_id", table_name="xrm_audit")
    op.drop_index("ix_xrm_audit_entity_record_id", table_name="xrm_audit")
    op.drop_table("xrm_audit")
    op.drop_index("ix_xrm_record_share_team_id", table_name="xrm_record_share")
    op.drop_index("ix_xrm_record_share_user_id", table_name="xrm_record_share")
    op.drop_index("ix_xrm_record_share_entity_record_id", table_name="xrm_record_share")
    op.drop_table("xrm_record_share")
    op.drop_index("ix_xrm_role_assignment_team_id", table_name="xrm_role_assignment")
    op.drop_index("ix_xrm_role_assignment_user_id", table_name="xrm_role_assignment")
    op.drop_table("xrm_role_assignment")
    op.drop_index("ix_xrm_api_token_user_id", table_name="xrm_api_token")
    op.drop_index("uq_xrm_api_token_token_hash", table_name="xrm_api_token")
    op.drop_table("xrm_api_token")
    op.drop_index("ix_xrm_session_expires_at", table_name="xrm_session")
    op.drop_index("ix_xrm_session_user_id", table_name="xrm_session")
    op.drop_table("xrm_session")
    op.drop_table("xrm_credential")
