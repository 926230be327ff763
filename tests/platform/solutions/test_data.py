"""Shipped demo data loads through the repository, refs and links resolved."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from xrm.metamodel.registry import load_registry
from xrm.platform.solutions.data import DataLoadError, load_data
from xrm.platform.storage.actor import SYSTEM_ACTOR
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import build_storage


def test_crm_demo_data_loads_with_refs_and_links(engine: Engine, solutions_dir: Path) -> None:
    registry = load_registry([solutions_dir / "crm"])
    storage = build_storage(registry)
    with engine.begin() as connection:
        storage.metadata.create_all(connection)
    with engine.connect().execution_options(**{WRITE: True}) as connection, connection.begin():
        repository = Repository(connection, storage, SYSTEM_ACTOR)
        report = load_data(repository, registry, demo=True)
        expected: dict[str, int] = {}
        for _, data in registry.data:
            expected[data.entity] = expected.get(data.entity, 0) + len(data.records)
        assert report.created == expected
        assert report.links > 0
        # Every activity that names what it is about points at a real record.
        activities = repository.list("activity", limit=500).records
        assert activities
        regarding = [a["regarding"] for a in activities if a["regarding"] is not None]
        assert regarding
        for ref in regarding:
            assert repository.get(ref["entity"], ref["id"]) is not None
        # Rollups see the loaded lines.
        deals = repository.list("opportunity", where="lines_total > 0", limit=500).records
        assert deals


def test_a_bad_record_names_its_file_and_loads_nothing(
    engine: Engine, tmp_path: Path, solutions_dir: Path
) -> None:
    root = tmp_path / "shop"
    (root / "entities").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "solution.yaml").write_text("name: shop\nversion: 1.0.0\n")
    (root / "entities" / "item.yaml").write_text(
        "entity: item\nfields:\n  name: {type: string, max_length: 5, required: true}\n"
        "  parent: {type: lookup, target: item}\n"
    )
    (root / "data" / "items.yaml").write_text(
        "entity: item\nrecords:\n"
        "  - {ref: a, name: ok, parent: {ref: b}}\n"
        "  - {ref: b, name: fine}\n"
    )
    registry = load_registry([root])
    storage = build_storage(registry)
    with engine.begin() as connection:
        storage.metadata.create_all(connection)
    # Forward references resolve.
    with engine.connect().execution_options(**{WRITE: True}) as connection, connection.begin():
        repository = Repository(connection, storage, SYSTEM_ACTOR)
        report = load_data(repository, registry, demo=True)
        assert report.created == {"item": 2}
        items = {r["name"]: r for r in repository.list("item").records}
        assert items["ok"]["parent"] == items["fine"]["id"]
        connection.rollback()
    # A record the repository refuses names where it came from; nothing is kept.
    bad = registry.data[0][1].model_copy(update={"records": [{"name": "too long a name"}]})
    broken = replace(registry, data=(("shop", bad),))
    with (
        engine.connect().execution_options(**{WRITE: True}) as connection,
        pytest.raises(DataLoadError, match=r"solution shop, data for item, record 1"),
        connection.begin(),
    ):
        load_data(Repository(connection, storage, SYSTEM_ACTOR), broken, demo=True)
    with engine.connect() as connection:
        assert (
            connection.execute(
                sa.select(sa.func.count()).select_from(storage.table("item"))
            ).scalar()
            == 0
        )
