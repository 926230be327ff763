"""Who is calling: THE one function that turns an API request into the acting principal.

Every API request goes through :func:`request_actor`, and the actor it returns is
handed explicitly to every repository call the request makes. A caller who proves
who they are (``Authorization: Bearer …`` or the session cookie, see
:mod:`xrm.platform.web.auth`) acts as themselves, with their roles' row scopes and
field rules.

An anonymous caller still acts as the platform itself. That keeps the API usable
while sign-in is rolled out; deciding what anonymous callers may do (most likely:
nothing) is access control's call, made here and nowhere else.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from xrm.platform.storage.actor import SYSTEM_ACTOR, Actor
from xrm.platform.web.auth import WebAuth
from xrm.platform.web.auth import request_actor as identified_actor


def request_actor(request: HTTPConnection) -> Actor:
    """The actor behind ``request`` (blocking: may look up a token or session)."""
    if isinstance(getattr(request.app.state, "auth", None), WebAuth):
        actor = identified_actor(request)
        if actor is not None:
            return actor
    return SYSTEM_ACTOR
