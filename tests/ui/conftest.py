"""Screen test helpers: the shipped CRM, a prepared database per test module, signed-in clients.

Preparing a database (migrate the CRM, load its demo data, create users) takes a second
or two, so HTTP tests share one per module (:func:`crm_site`) and only ever add records
of their own, with names no other test uses.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from starlette.testclient import TestClient

from xrm.metamodel.registry import Registry, load_registry, shipped_solutions_dir
from xrm.platform.access.control import AccessControl
from xrm.platform.access.passwords import PasswordParams, Passwords
from xrm.platform.access.users import create_user
from xrm.platform.app import create_app
from xrm.platform.migrate import migrate
from xrm.platform.settings import Settings
from xrm.platform.solutions.data import load_data
from xrm.platform.storage.engine import WRITE, create_engine
from xrm.platform.storage.repository import Repository
from xrm.platform.storage.tables import StorageModel, build_storage
from xrm.ui.i18n import Languages, Translator

BACKEND = os.environ.get("XRM_TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get(
    "XRM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FAST: Final = PasswordParams(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD: Final = "a long passphrase"
ADMIN: Final = "admin@example.com"
#: A salesperson of the EMEA region (reads accounts of the region, never product costs).
SALES: Final = "sam.sales@example.com"


@pytest.fixture(scope="session")
def crm_registry() -> Registry:
    return load_registry([shipped_solutions_dir() / "crm"])


@pytest.fixture(scope="session")
def crm_storage(crm_registry: Registry) -> StorageModel:
    return build_storage(crm_registry)


@pytest.fixture(scope="session")
def languages() -> Languages:
    return Languages.load()


def translator(
    registry: Registry, languages: Languages, lang: str = "en", zone: str = "Europe/Paris"
) -> Translator:
    return languages.translator(registry, lang, ZoneInfo(zone))


@pytest.fixture(scope="session")
def english(crm_registry: Registry, languages: Languages) -> Translator:
    return translator(crm_registry, languages)


# ----------------------------------------------------------------- databases


def module_database(tmp: Path) -> Iterator[str]:
    """A fresh database for a whole test module: a SQLite file or a PostgreSQL schema."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp / 'screens.db'}"
        return
    schema = f"ui_{uuid.uuid4().hex[:12]}"
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


def prepare_crm(engine: Engine, storage: StorageModel) -> dict[str, UUID]:
    """Migrate the CRM, load its demo data, and create the test users; their ids by email."""
    migrate(engine, storage)
    control = AccessControl(storage)
    passwords = Passwords(FAST)
    with engine.connect().execution_options(**{WRITE: True}) as connection, connection.begin():
        repo = Repository(connection, storage, control.platform_actor())
        load_data(repo, storage.registry, demo=True)
        if not repo.list("business_unit", limit=1).records:  # demo data without units
            repo.create("business_unit", {"name": "Head office", "code": "HQ"})
        return {
            ADMIN: create_user(
                control,
                connection,
                passwords,
                email=ADMIN,
                password=PASSWORD,
                name="Ada Admin",
                admin=True,
                business_unit="HQ",
            )["id"],
            SALES: create_user(
                control,
                connection,
                passwords,
                email=SALES,
                password=PASSWORD,
                name="Sam Sales",
                roles=["salesperson"],
                values={"region": "emea"},
                business_unit="HQ",
            )["id"],
        }


def sign_in(client: TestClient, email: str = ADMIN, password: str = PASSWORD) -> None:
    """Sign in through the real sign-in form (its CSRF cookie, then the post)."""
    client.get("/login")
    token = client.cookies.get("xrm_login_csrf")
    assert token
    answer = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def csrf_of(html: str) -> str:
    """The session's CSRF token, as a page carries it."""
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


@dataclass
class Site:
    """A served CRM with demo data: the app, its database, and who can sign in."""

    url: str
    engine: Engine
    storage: StorageModel
    users: dict[str, UUID]
    settings: Settings

    @contextmanager
    def client(self, email: str = ADMIN) -> Iterator[TestClient]:
        with TestClient(create_app(self.settings), follow_redirects=False) as client:
            sign_in(client, email)
            yield client

    @contextmanager
    def repo(self) -> Iterator[Repository]:
        """A platform repository in a committed write transaction (to arrange data)."""
        with (
            self.engine.connect().execution_options(**{WRITE: True}) as connection,
            connection.begin(),
        ):
            yield Repository(connection, self.storage, AccessControl(self.storage).platform_actor())

    def get(self, entity: str, id: UUID) -> dict[str, object] | None:
        with self.repo() as repo:
            return repo.get(entity, id)

    def first_id(self, entity: str, where: str | None = None) -> UUID:
        with self.repo() as repo:
            records = repo.list(entity, where=where, limit=1).records
        assert records, f"no {entity} matches {where!r}"
        found = records[0]["id"]
        assert isinstance(found, UUID)
        return found


@pytest.fixture(scope="module")
def crm_site(tmp_path_factory: pytest.TempPathFactory, crm_storage: StorageModel) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("screens")
    for url in module_database(tmp):
        engine = create_engine(url)
        try:
            users = prepare_crm(engine, crm_storage)
            settings = Settings(database_url=url, files_dir=tmp / "files")
            yield Site(url, engine, crm_storage, users, settings)
        finally:
            engine.dispose()


def same_app(client: TestClient, email: str | None = None) -> TestClient:
    """Another browser on the app ``client`` serves (no second start-up), signed in as
    ``email`` (None: anonymous)."""
    other = TestClient(client.app, follow_redirects=False)
    if email is not None:
        sign_in(other, email)
    return other


@pytest.fixture(scope="module")
def admin(crm_site: Site) -> Iterator[TestClient]:
    """A client signed in as the administrator (shared by a module's tests)."""
    with crm_site.client(ADMIN) as client:
        yield client
