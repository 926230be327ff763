"""The application starts, answers /healthz, and serves the screens (after sign-in)."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from xrm.platform.app import create_app
from xrm.platform.settings import Settings


def test_healthz_answers_with_the_metadata_version(database_url: str, solutions_dir: Path) -> None:
    settings = Settings(database_url=database_url, solutions=str(solutions_dir / "system"))
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert len(body["metadata_version"]) == 64
        home = client.get("/", follow_redirects=False)
        assert home.status_code == 303  # the screens (tests/ui) ask who is there first
        assert home.headers["location"] == "/login?next=%2F"
