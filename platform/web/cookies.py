"""The cookies sign-in uses, set the same way everywhere: HttpOnly, SameSite=Lax, Secure
whenever the request came over TLS (``https``, as uvicorn sees it behind a proxy that
sends the forwarded headers)."""

from __future__ import annotations

from typing import Final

from starlette.requests import HTTPConnection
from starlette.responses import Response

#: The session id (a random secret; the database holds only its hash).
SESSION_COOKIE: Final = "xrm_session"
#: The double-submit token of the sign-in form (there is no session yet to bind it to).
LOGIN_CSRF_COOKIE: Final = "xrm_login_csrf"


def over_tls(request: HTTPConnection) -> bool:
    return request.url.scheme in ("https", "wss")


def set_cookie(
    response: Response, request: HTTPConnection, name: str, value: str, *, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=over_tls(request),
        samesite="lax",
    )


def clear_cookie(response: Response, request: HTTPConnection, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, secure=over_tls(request), samesite="lax")
