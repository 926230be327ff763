"""Engines behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine


def test_case_folding_is_unicode_aware(engine: Engine) -> None:
    with engine.connect() as connection:
        folded = connection.execute(
            sa.select(sa.func.lower("ПЕТРОВ Élodie"), sa.func.upper("straße"))
        ).one()
    assert folded[0] == "петров élodie"
    assert folded[1] in ("STRASSE", "STRAßE")


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    metadata = sa.MetaData()
    parent = sa.Table("parent", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "child",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("parent", sa.ForeignKey(parent.c.id)),
    )
    metadata.create_all(engine)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text("insert into child (id, parent) values (1, 99)"))
