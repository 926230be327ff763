"""One request on the screens: who asks, in which language, within which transaction.

Every handler is a plain function ``work(screen) -> Response`` wrapped by
:func:`endpoint`, which reads the form (POST), then — in a worker thread, as the
database calls block — finds who is asking (:func:`xrm.platform.web.auth.request_identity`;
nobody: off to the sign-in page), refuses a POST without the session's CSRF token,
opens ONE connection and transaction, builds the principal's access-checked
repository and the :class:`Screen`, runs the handler and commits. A handler that
raises rolls everything back; a record the user may not see is a 404 page and an
action no role grants a 403 page, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData as StarletteForm
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from xrm.platform.access.principal import Principal
from xrm.platform.storage.actor import Action
from xrm.platform.storage.engine import WRITE
from xrm.platform.storage.errors import Forbidden, NotFoundError
from xrm.platform.storage.repository import Repository
from xrm.platform.web.auth import Identity
from xrm.platform.web.csrf import CsrfRejected, check_csrf, csrf_token
from xrm.platform.web.login import LOGIN_PATH

from . import urls
from .i18n import (
    DEFAULT_LANGUAGE,
    DEFAULT_TIME_ZONE,
    Translator,
    negotiate,
    supported_language,
    time_zone,
)
from .screens import Screens, screens_of
from .security import secure
from .widgets import FormData

LANG_COOKIE: Final = "xrm_lang"
TZ_COOKIE: Final = "xrm_tz"
FLASH_COOKIE: Final = "xrm_flash"
#: Seconds a preference cookie lasts (a year).
PREFERENCE_AGE: Final = 365 * 24 * 3600


@dataclass(frozen=True)
class Flash:
    """A message for the next page: a catalogue key and its parameters."""

    kind: str  # success, error, info
    key: str
    params: Mapping[str, str] = field(default_factory=dict)


def _read_flashes(raw: str | None) -> list[Flash]:
    if not raw:
        return []
    try:
        items = json.loads(raw)
    except ValueError:
        return []
    found: list[Flash] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, list) and len(item) == 3 and isinstance(item[2], dict):
            kind, key, params = item
            if kind in ("success", "error", "info") and isinstance(key, str):
                found.append(Flash(kind, key, {str(k): str(v) for k, v in params.items()}))
    return found[:5]


@dataclass
class Screen:
    """One request: the screens, the principal, the repository, the language."""

    screens: Screens
    request: Request
    connection: Connection
    repo: Repository
    principal: Principal
    fmt: Translator
    csrf: str
    form: FormData = field(default_factory=dict)
    uploads: Mapping[str, UploadFile] = field(default_factory=dict)
    flashes: list[Flash] = field(default_factory=list)
    outgoing: list[Flash] = field(default_factory=list)

    # ----------------------------------------------------------- the request

    @property
    def htmx(self) -> bool:
        """An htmx request (it wants a fragment, not a page), unless restoring history."""
        headers = self.request.headers
        return (
            headers.get("hx-request") == "true"
            and headers.get("hx-history-restore-request") != "true"
        )

    @property
    def htmx_target(self) -> str:
        return self.request.headers.get("hx-target", "")

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def value(self, name: str, default: str = "") -> str:
        values = self.form.get(name) or ()
        return values[-1] if values else default

    def return_to(self, fallback: str) -> str:
        """A same-site address to go back to (``_return``), else ``fallback``."""
        target = self.value("_return") or self.query("_return")
        parts = urlsplit(target)
        if target.startswith("/") and not target.startswith("//") and not parts.netloc:
            return target
        return fallback

    # ------------------------------------------------------------ the rights

    def may(self, action: Action, entity: str) -> bool:
        """Whether some role of the user grants ``action`` on ``entity`` (rows aside)."""
        access = self.repo.actor.access
        if access is None:
            return True
        try:
            access.check_action(action, entity)
        except Forbidden:
            return False
        return True

    def may_record(self, action: Action, entity: str, id: Any) -> bool:
        """Whether the user may do ``action`` on this very record (its row scope too)."""
        if not self.may(action, entity):
            return False
        try:
            self.repo.require(entity, id, action)
        except (NotFoundError, Forbidden):
            return False
        return True

    def params(self) -> dict[str, object]:
        """``$`` parameters for view filters: ``$user`` is the signed-in user."""
        return self.principal.params()

    # ------------------------------------------------------------ responses

    def flash(self, kind: str, key: str, **params: object) -> None:
        self.outgoing.append(Flash(kind, key, {k: str(v) for k, v in params.items()}))

    def context(self, **values: object) -> dict[str, object]:
        from .navigation import shell

        return {
            "t": self.fmt,
            "screen": self,
            "shell": shell(self),
            "csrf": self.csrf,
            "flashes": [*self.flashes, *self.outgoing],
            **values,
        }

    def render(self, template: str, status: int = 200, **values: object) -> Response:
        html = self.screens.templates.get_template(template).render(self.context(**values))
        response = HTMLResponse(html, status_code=status)
        if self.flashes and not self.htmx:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return self.finish(response)

    def redirect(self, url: str) -> Response:
        """After a successful POST: go to ``url`` (htmx follows it too), with the flashes."""
        if self.htmx:
            response: Response = Response(status_code=204, headers={"HX-Redirect": url})
        else:
            response = RedirectResponse(url, status_code=303)
        if self.outgoing:
            payload = [[f.kind, f.key, dict(f.params)] for f in self.outgoing]
            response.set_cookie(
                FLASH_COOKIE,
                json.dumps(payload, ensure_ascii=True),
                httponly=True,
                samesite="lax",
                path="/",
            )
        return self.finish(response)

    def finish(self, response: Response) -> Response:
        return secure(response)

    def trigger(self, response: Response, events: Mapping[str, object]) -> Response:
        """Tell htmx (and ``app.js``) what happened: ``HX-Trigger`` events."""
        response.headers["HX-Trigger"] = json.dumps(events, ensure_ascii=True)
        return response


# --------------------------------------------------------------- preferences


def _language(request: Request, principal: Principal) -> str:
    """The language asked for in the user menu, else the user's own, else the browser's."""
    chosen = supported_language(request.cookies.get(LANG_COOKIE))
    if chosen:
        return chosen
    own = supported_language(str(principal.attributes.get("locale") or ""))
    if own:
        return own
    return negotiate(request.headers.get("accept-language")) or DEFAULT_LANGUAGE


def _zone(request: Request, principal: Principal) -> ZoneInfo:
    """The zone chosen (or sent by the browser), else the user's own, else UTC."""
    found = time_zone(request.cookies.get(TZ_COOKIE))
    if found is None:
        found = time_zone(str(principal.attributes.get("time_zone") or ""))
    return found or ZoneInfo(DEFAULT_TIME_ZONE)


# ------------------------------------------------------------------ plumbing

Work = Callable[[Screen], Response]
Endpoint = Callable[[Request], Any]


async def _read_form(
    request: Request,
) -> tuple[dict[str, list[str]], dict[str, UploadFile], StarletteForm]:
    data: dict[str, list[str]] = {}
    uploads: dict[str, UploadFile] = {}
    form = await request.form()
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                uploads[key] = value
            continue
        data.setdefault(key, []).append(value)
    return data, uploads, form


def endpoint(work: Work, *, write: bool = False) -> Endpoint:
    """An ASGI endpoint running ``work`` in one transaction (a write transaction if asked)."""

    async def handle(request: Request) -> Response:
        if request.method != "POST":
            return await run_in_threadpool(_run, request, {}, {}, work, write)
        form, uploads, raw = await _read_form(request)
        try:
            return await run_in_threadpool(_run, request, form, uploads, work, write)
        finally:
            await raw.close()  # uploaded files are spooled to temporary files

    return handle


def sign_in_first(request: Request) -> Response:
    """Nobody is signed in: to the sign-in page, coming back here afterwards."""
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        back = request.headers.get("hx-current-url", "") or "/"
        parts = urlsplit(back)
        back = parts.path + (f"?{parts.query}" if parts.query else "")
    target = urls.with_query(LOGIN_PATH, {"next": back})
    if request.headers.get("hx-request") == "true":
        return secure(Response(status_code=204, headers={"HX-Redirect": target}))
    return secure(RedirectResponse(target, status_code=303))


def _csrf_refused() -> Response:
    return secure(
        Response(
            "This form has expired or did not come from this site. Reload the page and try again.",
            status_code=403,
            media_type="text/plain",
        )
    )


def _run(
    request: Request,
    form: dict[str, list[str]],
    uploads: dict[str, UploadFile],
    work: Work,
    write: bool,
) -> Response:
    screens = screens_of(request)
    identity: Identity | None = screens.identify(request)
    if identity is None:
        return sign_in_first(request)
    if request.method == "POST":
        try:
            check_csrf(request, identity, {key: values[-1] for key, values in form.items()})
        except CsrfRejected:
            return _csrf_refused()
    principal = identity.principal
    options = {WRITE: True} if write else {}
    with screens.engine.connect().execution_options(**options) as connection:
        transaction = connection.begin()
        repo = screens.access.repository(
            connection, principal, default_currency=screens.settings.default_currency
        )
        lang = _language(request, principal)
        fmt = screens.languages.translator(screens.registry, lang, _zone(request, principal))
        screen = Screen(
            screens,
            request,
            connection,
            repo,
            principal,
            fmt,
            csrf_token(identity) or "",
            form,
            uploads,
            _read_flashes(request.cookies.get(FLASH_COOKIE)),
        )
        try:
            response = work(screen)
        except NotFoundError:
            transaction.rollback()
            return error_page(screen, 404, "error.not_found")
        except Forbidden as exc:
            transaction.rollback()
            return error_page(screen, 403, "error.forbidden", detail=str(exc))
        except BaseException:
            transaction.rollback()
            raise
        if response.status_code < 400:
            transaction.commit()
        else:
            transaction.rollback()
        return response


def error_page(screen: Screen, status: int, key: str, detail: str = "") -> Response:
    """A page saying what went wrong and what to do; for htmx, a message event."""
    message = screen.fmt(key)
    if screen.htmx:
        response = Response(status_code=status)
        screen.trigger(response, {"xrm:error": {"message": message, "detail": detail}})
        return screen.finish(response)
    return screen.render("error.html", status=status, message=message, detail=detail)
