"""Store the whole applied Registry with each metadata version.

Any worker (and later any tenant) rebuilds the exact metadata an administrator
applied from this document, without the solution folders it came from.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("xrm_metadata_version") as batch:
        batch.add_column(sa.Column("registry", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("xrm_metadata_version") as batch:
        batch.drop_column("registry")
