"""Who is calling: THE one function that turns an API request into the acting principal.

Every API request goes through :func:`request_actor`, and the actor it returns is
handed explicitly to every repository call the request makes. A caller proves who
they are with ``Authorization: Bearer <token>`` (integrations) or the session cookie
of the screens (GraphiQL in the browser, htmx); session-authenticated POSTs must
also carry the session's CSRF token. Anonymous callers get nothing.
"""

from __future__ import annotations

from starlette.requests import Request

from xrm.platform.storage.actor import Actor
from xrm.platform.web.auth import request_identity, web_auth
from xrm.platform.web.csrf import check_csrf


class Unauthenticated(Exception):
    """No valid token or session: answer 401 and say how to authenticate."""

    message = (
        "sign in, or send an API token as 'Authorization: Bearer <token>' "
        "(create one with `xrm token create EMAIL`)"
    )


def request_actor(request: Request) -> Actor:
    """The actor behind ``request`` (blocking: may look up a token or session).

    Raises :class:`Unauthenticated`, or ``CsrfRejected`` for a session-authenticated
    POST without the session's CSRF token.
    """
    identity = request_identity(request)
    if identity is None:
        raise Unauthenticated(Unauthenticated.message)
    if identity.via == "session" and request.method == "POST":
        check_csrf(request, identity)
    return web_auth(request).control.actor(identity.principal)
