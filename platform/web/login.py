"""Sign-in and sign-out for the screens: ``GET/POST /login``, ``POST /logout``.

Signing in checks the form's CSRF token (double submit), refuses a login name +
address that failed too often (429, with ``Retry-After``), checks the password,
and on success starts a NEW session (ending the one the browser had: the id is
rotated at every sign-in), upgrades the password hash if its parameters are old,
and audits the attempt either way. The page is plain HTML; the screens restyle it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from html import escape
from typing import Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from xrm.platform.access.audit import AuditAction
from xrm.platform.access.credentials import (
    PasswordCheck,
    check_password,
    find_user,
    save_password_hash,
)
from xrm.platform.access.passwords import MAX_LENGTH
from xrm.platform.access.sessions import IssuedSession, end_session, start_session
from xrm.platform.access.throttle import LoginThrottle, throttle_key
from xrm.platform.storage.engine import WRITE

from .auth import WebAuth, request_identity, web_auth
from .cookies import LOGIN_CSRF_COOKIE, SESSION_COOKIE, clear_cookie, set_cookie
from .csrf import (
    CSRF_FIELD,
    CsrfRejected,
    check_csrf,
    check_login_csrf,
    new_login_token,
    rejected,
)

LOGIN_PATH: Final = "/login"
LOGOUT_PATH: Final = "/logout"
#: How long the sign-in form's token lives.
_FORM_LIFETIME: Final = 3600


@dataclass(frozen=True)
class _Outcome:
    session: IssuedSession | None = None
    locked_until: dt.datetime | None = None


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _next(value: object) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith(("//", "/\\")):
        return value
    return "/"


def _page(token: str, *, message: str = "", email: str = "", next_path: str = "/") -> str:
    notice = f'<p role="alert">{escape(message)}</p>' if message else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<title>Sign in · xrm</title></head><body><main>"
        f"<h1>Sign in</h1>{notice}"
        f'<form method="post" action="{LOGIN_PATH}">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<p><label>Email <input type="email" name="email" autocomplete="username" required '
        f'value="{escape(email)}"></label></p>'
        '<p><label>Password <input type="password" name="password" '
        'autocomplete="current-password" required></label></p>'
        '<p><button type="submit">Sign in</button></p>'
        "</form></main></body></html>"
    )


def _form_response(
    request: Request, status: int, *, message: str = "", email: str = "", next_path: str = "/"
) -> Response:
    token = new_login_token()
    response = HTMLResponse(
        _page(token, message=message, email=email, next_path=next_path), status_code=status
    )
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, max_age=_FORM_LIFETIME)
    response.headers["cache-control"] = "no-store"
    return response


def _sign_in(
    auth: WebAuth, email: str, password: str, address: str, replacing: str | None
) -> _Outcome:
    """Check the password and record the outcome (blocking; run in a worker thread)."""
    storage = auth.control.storage
    throttle = LoginThrottle(storage, auth.throttle)
    key = throttle_key(email, address)
    now = dt.datetime.now(dt.UTC)
    # The password is checked outside the write transaction: argon2 takes a while.
    with auth.engine.connect() as connection, connection.begin():
        locked = throttle.locked_until(connection, key, now=now)
        if locked is None:
            checked = check_password(connection, storage, auth.passwords, email, password)
        else:  # no password check while locked out; the audit still names the user
            user = find_user(connection, storage, email)
            checked = PasswordCheck(None, named=None if user is None else user["id"])
    with (
        auth.engine.connect().execution_options(**{WRITE: True}) as connection,
        connection.begin(),
    ):
        if checked.user_id is None:
            detail: dict[str, object] = {"login": email, "address": address}
            if locked is None:
                locked = throttle.failed(connection, key, now=now)
            if locked is not None:
                detail["locked_until"] = locked
            auth.control.audit.event(
                connection, AuditAction.LOGIN_FAILED, user_id=checked.named, detail=detail
            )
            return _Outcome(locked_until=locked)
        throttle.succeeded(connection, key)
        if checked.rehash is not None:
            save_password_hash(connection, storage, checked.user_id, checked.rehash)
        session = start_session(
            connection,
            storage,
            checked.user_id,
            now=now,
            lifetime=auth.session_lifetime,
            replacing=replacing,
        )
        auth.control.audit.event(
            connection,
            AuditAction.LOGIN,
            user_id=checked.user_id,
            detail={"login": email, "address": address},
        )
        return _Outcome(session=session)


async def login(request: Request) -> Response:
    """``GET``: the sign-in form. ``POST``: sign in."""
    if request.method != "POST":
        return _form_response(request, 200, next_path=_next(request.query_params.get("next")))
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    email = fields.get("email", "").strip()
    password = fields.get("password", "")
    next_path = _next(fields.get("next"))
    try:
        check_login_csrf(request, fields)
    except CsrfRejected:
        return rejected()
    if not email or not password or len(password) > MAX_LENGTH or len(email) > 320:
        return _form_response(
            request,
            400,
            message="Enter your email and password.",
            email=email,
            next_path=next_path,
        )
    auth = web_auth(request)
    outcome = await run_in_threadpool(
        _sign_in, auth, email, password, _address(request), request.cookies.get(SESSION_COOKIE)
    )
    if outcome.session is None:
        if outcome.locked_until is not None:
            wait = outcome.locked_until - dt.datetime.now(dt.UTC)
            minutes = max(1, math.ceil(wait.total_seconds() / 60))
            response = _form_response(
                request,
                429,
                message=f"Too many failed attempts. Try again in {minutes} minute"
                f"{'s' if minutes > 1 else ''}.",
                email=email,
                next_path=next_path,
            )
            response.headers["retry-after"] = str(max(1, math.ceil(wait.total_seconds())))
            return response
        return _form_response(
            request, 401, message="Wrong email or password.", email=email, next_path=next_path
        )
    response = RedirectResponse(next_path, status_code=303)
    seconds = int(auth.session_lifetime.total_seconds())
    set_cookie(response, request, SESSION_COOKIE, outcome.session.token, max_age=seconds)
    clear_cookie(response, request, LOGIN_CSRF_COOKIE)
    return response


def _sign_out(auth: WebAuth, token: str) -> None:
    with (
        auth.engine.connect().execution_options(**{WRITE: True}) as connection,
        connection.begin(),
    ):
        user_id = end_session(connection, auth.control.storage, token)
        if user_id is not None:
            auth.control.audit.event(connection, AuditAction.LOGOUT, user_id=user_id)


async def logout(request: Request) -> Response:
    """``POST``: end the session (with the session's CSRF token), back to the sign-in form."""
    identity = await run_in_threadpool(request_identity, request)
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    try:
        check_csrf(request, identity, fields)
    except CsrfRejected:
        return rejected()
    token = request.cookies.get(SESSION_COOKIE)
    if token and identity is not None:
        await run_in_threadpool(_sign_out, web_auth(request), token)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response


def auth_routes() -> list[Route]:
    """The sign-in routes, for the composition root to mount."""
    return [
        Route(LOGIN_PATH, login, methods=["GET", "POST"], name="login"),
        Route(LOGOUT_PATH, logout, methods=["POST"], name="logout"),
    ]
