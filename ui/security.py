"""The Content-Security-Policy and other headers every screen is sent with.

Scripts and styles only from the application itself: no inline scripts, no inline
event handlers, no inline styles (option colours come from a generated stylesheet),
nothing framed. CSRF tokens are the sessions' own (:mod:`xrm.platform.web.csrf`):
every form carries ``csrf_token`` and ``static/app.js`` adds ``X-CSRF-Token`` to every
htmx request.
"""

from __future__ import annotations

from typing import Final

from starlette.responses import Response

CONTENT_SECURITY_POLICY: Final = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def secure(response: Response) -> Response:
    """Add the screens' security headers to ``response`` (those it does not set itself)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
