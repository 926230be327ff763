"""Who is asking: THE one function that turns a request into a principal.

:func:`request_identity` reads a bearer token (``Authorization: Bearer xrm_…``, for
the API) or else the session cookie (for the screens), and loads the principal
behind it. A request presenting a bearer token is judged by the token alone: an
invalid one is anonymous even if a cookie came along. Everything channels need is
built on it:

* :func:`request_principal` (async) — the principal, or None when anonymous;
* :func:`request_actor` — the repository actor for the request, or None;
* :func:`.csrf.check_csrf` — for cookie-authenticated state changes.

The functions are plain: the composition root stores a :class:`WebAuth` as
``app.state.auth`` once, at start-up; nothing is cached on the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final, Literal

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from xrm.platform.access.control import AccessControl
from xrm.platform.access.passwords import Passwords
from xrm.platform.access.principal import Principal
from xrm.platform.access.sessions import SESSION_LIFETIME, Session, find_session
from xrm.platform.access.throttle import ThrottlePolicy
from xrm.platform.access.tokens import TokenUse, check_token, touch_token
from xrm.platform.storage.actor import Actor
from xrm.platform.storage.engine import WRITE

from .cookies import SESSION_COOKIE

_BEARER: Final = "bearer"


@dataclass(frozen=True)
class WebAuth:
    """What sign-in and request authentication need; one per process (``app.state.auth``)."""

    engine: Engine
    control: AccessControl
    passwords: Passwords = field(default_factory=Passwords)
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    session_lifetime: dt.timedelta = SESSION_LIFETIME


@dataclass(frozen=True)
class Identity:
    """A signed-in caller: the principal, and how they proved it."""

    principal: Principal
    via: Literal["session", "token"]
    #: The session (with its CSRF token) when signed in through the screens.
    session: Session | None = None


def web_auth(request: HTTPConnection) -> WebAuth:
    """The application's :class:`WebAuth` (set by the composition root)."""
    found = getattr(request.app.state, "auth", None)
    if not isinstance(found, WebAuth):
        raise RuntimeError(
            "app.state.auth is not set: create the application with "
            "xrm.platform.app.create_app, which builds a WebAuth at start-up"
        )
    return found


def bearer_token(request: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer …`` header ('' for a malformed one)."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    return value.strip() if scheme.lower() == _BEARER else ""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def request_identity(request: HTTPConnection) -> Identity | None:
    """THE one place a request becomes a principal (blocking: runs the queries).

    A bearer token, else the session cookie; None when neither proves a live,
    active user. Reads only (the token or session, then the principal's queries),
    except for recording a token's use at most once a minute, in its own short write.
    """
    auth = web_auth(request)
    token = bearer_token(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if token is None and not cookie:
        return None
    now = _now()
    storage = auth.control.storage
    use: TokenUse | None = None
    with auth.engine.connect() as connection, connection.begin():
        if token is not None:
            use = check_token(connection, storage, token, now=now) if token else None
            principal = auth.control.load_principal(connection, use.user_id) if use else None
            identity = Identity(principal, "token") if principal is not None else None
        else:
            assert cookie is not None
            session = find_session(connection, storage, cookie, now=now)
            principal = None
            if session is not None:
                principal = auth.control.load_principal(connection, session.user_id)
            identity = Identity(principal, "session", session) if principal is not None else None
    if use is not None and use.stale and identity is not None:
        with (
            auth.engine.connect().execution_options(**{WRITE: True}) as connection,
            connection.begin(),
        ):
            touch_token(connection, storage, use.token_id, now=now)
    return identity


async def request_principal(request: HTTPConnection) -> Principal | None:
    """The principal behind ``request``, or None when anonymous (for async endpoints)."""
    identity = await run_in_threadpool(request_identity, request)
    return None if identity is None else identity.principal


def request_actor(request: HTTPConnection) -> Actor | None:
    """The repository actor behind ``request`` (blocking), or None when anonymous."""
    identity = request_identity(request)
    if identity is None:
        return None
    return web_auth(request).control.actor(identity.principal)
