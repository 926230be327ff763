"""A request becomes a principal through a session cookie or a bearer token, nothing else;
cookie-authenticated state changes need the CSRF token, token-authenticated ones do not."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

import sqlalchemy as sa
from starlette.testclient import TestClient

from xrm.platform.access.tokens import create_token, list_tokens, revoke_token

from .conftest import Site, sign_in


def _token(site: Site, user: str, **options: dt.datetime) -> tuple[str, UUID]:
    now = dt.datetime.now(dt.UTC)
    with site.auth.engine.begin() as connection:
        issued = create_token(
            connection, site.auth.control.storage, site.users[user], "test", now=now, **options
        )
    return issued.secret, issued.id


def test_anonymous_requests_have_no_principal(client: TestClient) -> None:
    assert client.get("/probe").json() == {"email": None, "via": None, "csrf": None, "actor": None}
    client.cookies.set("xrm_session", "forged")
    assert client.get("/probe").json()["email"] is None


def test_a_bearer_token_acts_as_its_user(client: TestClient, site: Site) -> None:
    secret, _ = _token(site, "admin")
    headers = {"Authorization": f"Bearer {secret}"}
    me = client.get("/probe", headers=headers).json()
    assert (me["email"], me["via"], me["csrf"]) == ("admin@example.com", "token", None)
    with site.auth.engine.connect() as connection:
        (listed,) = list_tokens(connection, site.auth.control.storage, site.users["admin"])
    assert listed.last_used_at is not None  # recorded, at most once a minute
    # No CSRF token needed: a browser never adds the header by itself.
    assert client.post("/probe", headers=headers).status_code == 200
    assert (
        client.get("/probe", headers={"Authorization": "Bearer xrm_wrong"}).json()["email"] is None
    )
    assert client.get("/probe", headers={"Authorization": "Basic abc"}).json()["email"] is None


def test_an_invalid_token_is_not_rescued_by_a_cookie(client: TestClient) -> None:
    sign_in(client)
    assert client.get("/probe").json()["email"] == "alice@example.com"
    answer = client.get("/probe", headers={"Authorization": "Bearer xrm_forged"})
    assert answer.json()["email"] is None


def test_revoked_and_expired_tokens_are_refused(client: TestClient, site: Site) -> None:
    secret, token_id = _token(site, "alice")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/probe", headers=headers).json()["email"] == "alice@example.com"
    with site.auth.engine.begin() as connection:
        assert revoke_token(
            connection,
            site.auth.control.storage,
            token_id,
            now=dt.datetime.now(dt.UTC),
        )
    assert client.get("/probe", headers=headers).json()["email"] is None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    short, short_id = _token(site, "alice", expires_at=later)
    headers = {"Authorization": f"Bearer {short}"}
    assert client.get("/probe", headers=headers).json()["email"] == "alice@example.com"
    table = site.auth.control.storage.system.api_token
    with site.auth.engine.begin() as connection:  # time passes: the expiry is behind us now
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        connection.execute(sa.update(table).where(table.c.id == short_id).values(expires_at=past))
    assert client.get("/probe", headers=headers).json()["email"] is None


def test_cookie_posts_need_the_csrf_token(client: TestClient) -> None:
    sign_in(client)
    token = client.get("/probe").json()["csrf"]
    assert client.post("/probe").status_code == 403
    assert client.post("/probe", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/probe", headers={"X-CSRF-Token": token}).status_code == 200
    assert client.post("/probe", data={"csrf_token": token}).status_code == 200
