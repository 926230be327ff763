"""The snapshot of what xrm owns: exactly the managed tables, and it survives JSON."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from xrm.metamodel.registry import load_registry
from xrm.platform.migrate import applied_registry, applied_version, migrate
from xrm.platform.migrate.history import Snapshot, snapshot_of
from xrm.platform.storage.tables import build_storage


def test_snapshot_lists_managed_tables_only_and_round_trips() -> None:
    storage = build_storage(load_registry([]))
    snapshot = snapshot_of(storage)
    assert set(snapshot.tables) == storage.managed_table_names()
    user = snapshot.table("user")
    assert user is not None
    assert {"id", "email", "created_by"} <= user.columns
    assert "uq_user__email" in user.indexes
    assert "fk_user__created_by" in user.foreign_keys
    assert snapshot.table("xrm_metadata_version") is None
    assert Snapshot.from_json(snapshot.to_json()) == snapshot
    assert Snapshot.from_json("").tables == {}


def test_the_applied_registry_is_rebuilt_from_the_database(
    engine: Engine, solutions_dir: Path
) -> None:
    with engine.connect() as connection:
        assert applied_version(connection) is None
        assert applied_registry(connection) is None
    registry = load_registry([solutions_dir / "system"])
    migrate(engine, build_storage(registry))
    with engine.connect() as connection:
        assert applied_version(connection) == registry.version
        rebuilt = applied_registry(connection)
    assert rebuilt is not None
    assert rebuilt.version == registry.version
    assert rebuilt.entities == registry.entities
