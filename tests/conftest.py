"""Shared fixtures. Every test gets its own database: a SQLite file or a PostgreSQL schema.

``XRM_TEST_DATABASE`` picks the backend (``sqlite``, the default, or ``postgresql``);
``XRM_TEST_POSTGRES_URL`` points at the PostgreSQL server (database ``test``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from xrm.metamodel.registry import shipped_solutions_dir
from xrm.platform.storage.engine import create_engine

REPO = Path(__file__).resolve().parent.parent
BACKEND = os.environ.get("XRM_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get(
    "XRM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_report_header() -> str:
    return f"xrm test database: {BACKEND}"


@pytest.fixture
def backend() -> str:
    return BACKEND


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test, as a SQLAlchemy URL."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'xrm.db'}"
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"XRM_TEST_DATABASE must be sqlite or postgresql, not {BACKEND}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, poolclass=sa.NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def solutions_dir() -> Path:
    return shipped_solutions_dir()
