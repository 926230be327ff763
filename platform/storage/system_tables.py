"""The platform's own tables, managed by the Alembic revisions in ``migrations/``.

Entity tables come from metadata and change with it; these do not. A test compares
this definition with the database the revisions produce, so the two cannot drift.

Users, teams and business units are entities (the ``system`` solution), so a
solution can extend them; the identity tables below refer to them by id without
foreign keys, because entity tables are created after (and may be rebuilt
independently of) the system tables.
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
    credential: sa.Table
    session: sa.Table
    api_token: sa.Table
    role_assignment: sa.Table
    record_share: sa.Table
    audit: sa.Table
    login_throttle: sa.Table

    def all(self) -> tuple[sa.Table, ...]:
        return (
            self.metadata_version,
            self.solution,
            self.sequence,
            self.file,
            self.credential,
            self.session,
            self.api_token,
            self.role_assignment,
            self.record_share,
            self.audit,
            self.login_throttle,
        )


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
        # The whole Registry as JSON (xrm.metamodel.serialize), so any worker can
        # rebuild the applied metadata without the solution folders.
        sa.Column("registry", sa.Text, nullable=True),
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
    return SystemTables(
        metadata_version=metadata_version,
        solution=solution,
        sequence=sequence,
        file=file,
        **_identity_tables(metadata),
    )


def _identity_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """Credentials, sessions, tokens, role assignments, shares, audit, login throttling."""
    when = sa.DateTime(timezone=True)
    credential = sa.Table(
        "xrm_credential",
        metadata,
        sa.Column("user_id", sa.Uuid, primary_key=True),
        # argon2 encoded hash: algorithm, parameters, salt and digest in one string.
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("updated_at", when, nullable=False),
    )
    session = sa.Table(
        "xrm_session",
        metadata,
        # SHA-256 of the session id: a leaked table gives no usable cookie.
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("expires_at", when, nullable=False),
        sa.Index("ix_xrm_session_user_id", "user_id"),
        sa.Index("ix_xrm_session_expires_at", "expires_at"),
    )
    api_token = sa.Table(
        "xrm_api_token",
        metadata,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("expires_at", when, nullable=True),
        sa.Column("revoked_at", when, nullable=True),
        sa.Column("last_used_at", when, nullable=True),
        sa.Index("uq_xrm_api_token_token_hash", "token_hash", unique=True),
        sa.Index("ix_xrm_api_token_user_id", "user_id"),
    )
    role_assignment = sa.Table(
        "xrm_role_assignment",
        metadata,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("role", sa.String(63), nullable=False),
        # Exactly one of user_id and team_id is set.
        sa.Column("user_id", sa.Uuid, nullable=True),
        sa.Column("team_id", sa.Uuid, nullable=True),
        sa.Column("created_at", when, nullable=False),
        sa.Column("created_by", sa.Uuid, nullable=True),
        sa.Index("ix_xrm_role_assignment_user_id", "user_id"),
        sa.Index("ix_xrm_role_assignment_team_id", "team_id"),
    )
    record_share = sa.Table(
        "xrm_record_share",
        metadata,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("entity", sa.String(63), nullable=False),
        sa.Column("record_id", sa.Uuid, nullable=False),
        # Exactly one of user_id and team_id is set.
        sa.Column("user_id", sa.Uuid, nullable=True),
        sa.Column("team_id", sa.Uuid, nullable=True),
        # 'read' or 'write' (write includes read).
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.Column("created_by", sa.Uuid, nullable=True),
        sa.Index("ix_xrm_record_share_entity_record_id", "entity", "record_id"),
        sa.Index("ix_xrm_record_share_user_id", "user_id"),
        sa.Index("ix_xrm_record_share_team_id", "team_id"),
    )
    audit = sa.Table(
        "xrm_audit",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", when, nullable=False),
        # None: the platform itself (or an unknown login name, for login_failed).
        sa.Column("user_id", sa.Uuid, nullable=True),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("entity", sa.String(63), nullable=True),
        sa.Column("record_id", sa.Uuid, nullable=True),
        # JSON {field: [old, new]} for record changes.
        sa.Column("changes", sa.Text, nullable=True),
        # JSON with what else matters (login name, address, share grantee).
        sa.Column("detail", sa.Text, nullable=True),
        sa.Index("ix_xrm_audit_entity_record_id", "entity", "record_id"),
        sa.Index("ix_xrm_audit_user_id", "user_id"),
        sa.Index("ix_xrm_audit_at", "at"),
    )
    login_throttle = sa.Table(
        "xrm_login_throttle",
        metadata,
        # SHA-256 of the login name and client address: no address is stored in clear.
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first_failure_at", when, nullable=False),
        sa.Column("locked_until", when, nullable=True),
    )
    return {
        "credential": credential,
        "session": session,
        "api_token": api_token,
        "role_assignment": role_assignment,
        "record_share": record_share,
        "audit": audit,
        "login_throttle": login_throttle,
    }


def system_table_names() -> frozenset[str]:
    return frozenset(t.name for t in build_system_tables(sa.MetaData()).all()) | {
        ALEMBIC_VERSION_TABLE
    }
