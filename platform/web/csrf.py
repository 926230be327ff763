"""CSRF protection for every state-changing request a browser can be tricked into sending.

Two forms, one per situation:

* signed in (session cookie): the session's own token, sent back as the
  ``X-CSRF-Token`` header (htmx: ``hx-headers``) or the ``csrf_token`` form field;
* the sign-in form (no session yet): double submit — a random token in a cookie and
  the same token in the form.

Requests authenticated by a bearer token are not exposed (a browser never adds the
header on its own), and neither are anonymous ones (there is nothing to ride on).
SameSite=Lax cookies already stop most cross-site posts; the token stops the rest.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Final

from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse, Response

from .auth import Identity
from .cookies import LOGIN_CSRF_COOKIE

CSRF_HEADER: Final = "x-csrf-token"
CSRF_FIELD: Final = "csrf_token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class CsrfRejected(Exception):
    """A state-changing request without the right CSRF token (answer 403)."""


def csrf_token(identity: Identity | None) -> str | None:
    """The token screens put in forms and htmx headers for this signed-in caller."""
    if identity is None or identity.session is None:
        return None
    return identity.session.csrf_token


def _same(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def _given(request: HTTPConnection, form: Mapping[str, object] | None) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    value = (form or {}).get(CSRF_FIELD)
    return value if isinstance(value, str) else None


def check_csrf(
    request: Request, identity: Identity | None, form: Mapping[str, object] | None = None
) -> None:
    """Raise :class:`CsrfRejected` for a cookie-authenticated state change without the
    session's token (in the header, or in ``form`` if the caller parsed one)."""
    if request.method in SAFE_METHODS or identity is None or identity.via != "session":
        return
    if not _same(csrf_token(identity), _given(request, form)):
        raise CsrfRejected("missing or wrong CSRF token")


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def check_login_csrf(request: Request, form: Mapping[str, object]) -> None:
    """The sign-in form's double submit: the cookie and the form field must match."""
    if not _same(request.cookies.get(LOGIN_CSRF_COOKIE), _given(request, form)):
        raise CsrfRejected("missing or wrong sign-in form token")


def rejected() -> Response:
    return PlainTextResponse(
        "This form has expired or did not come from this site. Reload the page and try again.",
        status_code=403,
    )
