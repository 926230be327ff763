"""Web test site: the system solution's tables, two users, and a small app with the sign-in
routes plus a probe that reports who is asking (and refuses a POST without CSRF)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from uuid import UUID

import httpx2
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from xrm.metamodel.registry import load_registry
from xrm.platform.access.control import AccessControl
from xrm.platform.access.passwords import PasswordParams, Passwords
from xrm.platform.access.throttle import ThrottlePolicy
from xrm.platform.access.users import create_user
from xrm.platform.storage.tables import build_storage
from xrm.platform.web.auth import WebAuth, request_actor, request_identity, request_principal
from xrm.platform.web.csrf import CsrfRejected, check_csrf, csrf_token
from xrm.platform.web.login import auth_routes

FAST: Final = PasswordParams(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD: Final = "a long passphrase"
THROTTLE: Final = ThrottlePolicy(
    max_failures=2, window=dt.timedelta(minutes=5), lockout=dt.timedelta(minutes=1)
)


async def probe(request: Request) -> Response:
    """Who is asking; a POST also needs the CSRF token when signed in with a cookie."""
    identity = request_identity(request)
    if request.method == "POST":
        form = await request.form()
        try:
            check_csrf(request, identity, form)
        except CsrfRejected:
            return PlainTextResponse("csrf", status_code=403)
    principal = await request_principal(request)
    actor = request_actor(request)
    return JSONResponse(
        {
            "email": None if principal is None else principal.email,
            "via": None if identity is None else identity.via,
            "csrf": csrf_token(identity),
            "actor": None if actor is None else str(actor.user_id),
        }
    )


@pytest.fixture(scope="session")
def control() -> AccessControl:
    return AccessControl(build_storage(load_registry([])))


@dataclass
class Site:
    auth: WebAuth
    users: dict[str, UUID]

    def client(self, *, base_url: str = "http://testserver") -> TestClient:
        app = Starlette(routes=[*auth_routes(), Route("/probe", probe, methods=["GET", "POST"])])
        app.state.auth = self.auth
        return TestClient(app, base_url=base_url, follow_redirects=False)


def make_site(engine: Engine, control: AccessControl, passwords: Passwords) -> Site:
    with engine.begin() as connection:
        control.storage.metadata.create_all(connection)
        users = {
            name: create_user(
                control,
                connection,
                Passwords(FAST),
                email=f"{name}@example.com",
                password=PASSWORD,
                admin=name == "admin",
            )["id"]
            for name in ("alice", "admin")
        }
    return Site(WebAuth(engine, control, passwords, THROTTLE), users)


@pytest.fixture
def site(engine: Engine, control: AccessControl) -> Site:
    return make_site(engine, control, Passwords(FAST))


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with site.client() as client:
        yield client


def sign_in(
    client: TestClient, email: str = "alice@example.com", password: str = PASSWORD
) -> httpx2.Response:
    """Fetch the form (for its CSRF cookie), then post it."""
    client.get("/login")
    token = client.cookies.get("xrm_login_csrf")
    assert token
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/probe"},
    )
