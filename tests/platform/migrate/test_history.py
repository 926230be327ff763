"""The snapshot of what xrm owns: exactly the managed tables, and it survives JSON."""

from __future__ import annotations

from xrm.metamodel.registry import load_registry
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
