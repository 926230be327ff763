"""The Alembic revisions create exactly the tables system_tables.py declares."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from xrm.platform.migrate.apply import migration_connection
from xrm.platform.migrate.system import (
    current_revisions,
    head_revision,
    migrations_dir,
    pending_revisions,
    system_tables_sql,
    upgrade_system_tables,
)
from xrm.platform.storage.system_tables import (
    ALEMBIC_VERSION_TABLE,
    build_system_tables,
    system_table_names,
)


def test_revisions_and_system_tables_do_not_drift(engine: Engine) -> None:
    with migration_connection(engine) as connection:
        upgrade_system_tables(connection)
    expected = sa.MetaData()
    build_system_tables(expected)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": ALEMBIC_VERSION_TABLE}
        )
        differences = compare_metadata(context, expected)
        tables = set(sa.inspect(connection).get_table_names())
    assert differences == [], (
        "migrations/versions and platform/storage/system_tables.py differ; "
        f"write a new revision for: {differences}"
    )
    assert tables == system_table_names()


def test_upgrade_runs_in_the_callers_transaction(engine: Engine) -> None:
    with engine.connect() as connection:
        with connection.begin() as transaction:
            pending = pending_revisions(connection)
            assert pending[0] == "0001"
            assert pending[-1] == head_revision()
            upgrade_system_tables(connection)
            assert current_revisions(connection) == (head_revision(),)
            assert pending_revisions(connection) == ()
            transaction.rollback()
        assert sa.inspect(connection).get_table_names() == []
        assert current_revisions(connection) == ()


def test_offline_sql_creates_the_tables_for_the_dialect(engine: Engine) -> None:
    sql = system_tables_sql(engine.dialect.name, ())
    for name in system_table_names():
        assert f"CREATE TABLE {name}" in sql
    assert "BEGIN" not in sql  # xrm wraps it in its own transaction
    assert system_tables_sql(engine.dialect.name, (head_revision(),)).strip() == ""


def test_revisions_ship_inside_the_package() -> None:
    folder = migrations_dir()
    assert (folder / "env.py").is_file()
    assert (folder / "script.py.mako").is_file()
    assert any(folder.joinpath("versions").glob("0001_*.py"))
