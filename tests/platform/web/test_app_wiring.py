"""The application mounts sign-in and builds its WebAuth at start-up, on a migrated database."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from xrm.metamodel.registry import load_registry
from xrm.platform.access.control import AccessControl
from xrm.platform.access.passwords import Passwords
from xrm.platform.access.sessions import secret_hash
from xrm.platform.access.users import create_user
from xrm.platform.app import create_app
from xrm.platform.migrate import migrate
from xrm.platform.settings import Settings
from xrm.platform.storage.tables import build_storage

from .conftest import FAST, PASSWORD, sign_in


def test_the_app_signs_users_in_and_out(
    engine: Engine, database_url: str, solutions_dir: Path
) -> None:
    storage = build_storage(load_registry([]))
    migrate(engine, storage)
    control = AccessControl(storage)
    with engine.begin() as connection:
        create_user(
            control,
            connection,
            Passwords(FAST),
            email="alice@example.com",
            password=PASSWORD,
            admin=True,
        )
    settings = Settings(database_url=database_url, solutions=str(solutions_dir / "system"))
    with TestClient(create_app(settings), follow_redirects=False) as client:
        assert client.get("/login").status_code == 200
        answer = sign_in(client)
        assert answer.status_code == 303
        cookie = client.cookies.get("xrm_session")
        assert cookie
        sessions = storage.system.session
        with engine.connect() as connection:
            csrf = connection.execute(
                sa.select(sessions.c.csrf_token).where(sessions.c.id_hash == secret_hash(cookie))
            ).scalar_one()
        assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(sessions)).scalar() == 0
