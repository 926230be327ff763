"""Sign-in and sign-out: CSRF on the form, a rotated HttpOnly session cookie, audited
attempts, throttling, password rehash, and sign-out that really ends the session."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from xrm.platform.access.audit import AuditAction, query_audit
from xrm.platform.access.control import AccessControl
from xrm.platform.access.passwords import PasswordParams, Passwords

from .conftest import PASSWORD, Site, make_site, sign_in


def _audit(site: Site) -> list[tuple[str, object]]:
    with site.auth.engine.connect() as connection:
        entries = query_audit(connection, site.auth.control.storage, None)
    wanted = {AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.LOGOUT}
    return [(e.action, e.detail.get("login")) for e in reversed(entries) if e.action in wanted]


def test_the_form_carries_a_double_submit_token(client: TestClient) -> None:
    page = client.get("/login?next=/records")
    assert page.status_code == 200
    token = client.cookies.get("xrm_login_csrf")
    assert token
    assert f'value="{token}"' in page.text
    assert 'value="/records"' in page.text
    header = page.headers["set-cookie"].lower()
    assert "httponly" in header
    assert "samesite=lax" in header
    assert "secure" not in header  # plain http here


def test_a_post_without_the_form_token_is_refused(client: TestClient, site: Site) -> None:
    client.get("/login")
    answer = client.post(
        "/login",
        data={"email": "alice@example.com", "password": PASSWORD, "csrf_token": "forged"},
    )
    assert answer.status_code == 403
    assert "xrm_session" not in answer.cookies
    assert _audit(site) == []


def test_signing_in_sets_a_fresh_session_cookie(client: TestClient, site: Site) -> None:
    answer = sign_in(client)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/probe"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("xrm_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Path=/" in cookie
    me = client.get("/probe").json()
    assert (me["email"], me["via"]) == ("alice@example.com", "session")
    assert me["csrf"]
    assert me["actor"] == str(site.users["alice"])
    assert _audit(site) == [("login", "alice@example.com")]


def test_the_session_id_is_rotated_at_sign_in(client: TestClient, site: Site) -> None:
    sign_in(client)
    first = client.cookies.get("xrm_session")
    assert first
    sign_in(client, "admin@example.com")  # the browser still sends the first cookie
    second = client.cookies.get("xrm_session")
    assert second
    assert second != first
    assert client.get("/probe").json()["email"] == "admin@example.com"
    with TestClient(client.app, cookies={"xrm_session": first}) as old:
        assert old.get("/probe").json()["email"] is None  # the replaced session is gone


def test_wrong_passwords_are_audited_and_throttled(client: TestClient, site: Site) -> None:
    assert sign_in(client, password="wrong password").status_code == 401
    assert sign_in(client, password="wrong again!!").status_code == 429  # the second locks
    locked = sign_in(client)  # the right password, but the pair is locked out now
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many failed attempts" in locked.text
    assert "xrm_session" not in client.cookies
    assert _audit(site) == [("login_failed", "alice@example.com")] * 3
    # Another login name from the same address is not locked.
    assert sign_in(client, "admin@example.com").status_code == 303
    with site.auth.engine.connect() as connection:
        (last_failed,) = query_audit(
            connection,
            site.auth.control.storage,
            None,
            actions=[AuditAction.LOGIN_FAILED],
            limit=1,
        )
    assert "locked_until" in last_failed.detail
    assert last_failed.user_id == site.users["alice"]


def test_unknown_users_get_the_same_answer(client: TestClient) -> None:
    answer = sign_in(client, "nobody@example.com")
    assert answer.status_code == 401
    assert "Wrong email or password." in answer.text


def test_the_hash_is_upgraded_at_sign_in(engine: Engine, control: AccessControl) -> None:
    stronger = Passwords(PasswordParams(time_cost=2, memory_cost=16, parallelism=1))
    site = make_site(engine, control, stronger)
    table = control.storage.system.credential
    query = sa.select(table.c.password_hash).where(table.c.user_id == site.users["alice"])
    with engine.connect() as connection:
        before = connection.execute(query).scalar_one()
    with site.client() as client:
        assert sign_in(client).status_code == 303
    with engine.connect() as connection:
        after = connection.execute(query).scalar_one()
    assert "m=8,t=1,p=1" in before
    assert "m=16,t=2,p=1" in after


def test_signing_out_needs_the_token_and_ends_the_session(client: TestClient, site: Site) -> None:
    sign_in(client)
    token = client.get("/probe").json()["csrf"]
    assert client.post("/logout").status_code == 403
    assert client.get("/probe").json()["email"] == "alice@example.com"
    session = client.cookies.get("xrm_session")
    answer = client.post("/logout", data={"csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"
    assert "xrm_session" not in client.cookies
    with TestClient(client.app, cookies={"xrm_session": str(session)}) as replay:
        assert replay.get("/probe").json()["email"] is None
    assert _audit(site)[-1] == ("logout", None)


def test_cookies_are_secure_over_tls(site: Site) -> None:
    with site.client(base_url="https://testserver") as client:
        answer = sign_in(client)
    assert answer.status_code == 303
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("xrm_session="))
    assert "Secure" in cookie


def test_no_open_redirect_after_sign_in(client: TestClient) -> None:
    client.get("/login")
    token = client.cookies.get("xrm_login_csrf")
    answer = client.post(
        "/login",
        data={
            "email": "alice@example.com",
            "password": PASSWORD,
            "csrf_token": str(token),
            "next": "//evil.example/",
        },
    )
    assert answer.headers["location"] == "/"
