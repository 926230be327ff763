"""Hot schema reload: a migrated metadata change reaches a running app without a restart."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from xrm.metamodel.registry import load_registry
from xrm.platform.access.control import AccessControl
from xrm.platform.app import create_app
from xrm.platform.migrate import migrate
from xrm.platform.settings import Settings
from xrm.platform.storage.engine import create_engine
from xrm.platform.storage.tables import build_storage

from .conftest import admin_token, write_solution

V1 = {
    "solution.yaml": "name: notes\nversion: 1.0.0\n",
    "entities/note.yaml": "entity: note\nfields:\n  title: {type: string, required: true}\n",
}
V2 = {
    "solution.yaml": "name: notes\nversion: 1.1.0\n",
    "entities/note.yaml": (
        "entity: note\nfields:\n  title: {type: string, required: true}\n  body: {type: text}\n"
    ),
}


def test_new_metadata_version_is_swapped_in_while_serving(
    tmp_path: Path, database_url: str
) -> None:
    root = write_solution(tmp_path / "notes", V1)
    engine = create_engine(database_url)
    try:
        storage = build_storage(load_registry([root]))
        migrate(engine, storage)
        headers = {"Authorization": f"Bearer {admin_token(engine, AccessControl(storage))}"}
        app = create_app(Settings(database_url=database_url, solutions=str(root)))
        with TestClient(app) as client:
            graphql = app.state.graphql
            before = graphql.holder.current()
            query = {"query": 'mutation { createNote(input: {title: "t", body: "b"}) { body } }'}
            refused = client.post("/graphql", json=query, headers=headers).json()
            assert refused["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
            assert graphql.watch.check() is False  # nothing new yet

            write_solution(root, V2)
            migrate(engine, build_storage(load_registry([root])))
            assert graphql.watch.check() is True
            assert graphql.holder.current().version != before.version
            created = client.post("/graphql", json=query, headers=headers).json()
            assert created == {"data": {"createNote": {"body": "b"}}}
            assert graphql.watch.check() is False  # already serving it
    finally:
        engine.dispose()
