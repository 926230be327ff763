"""The screens' routes: addresses -> handlers, each a thin layer over lists, records, search.

:func:`screen_routes` is what the composition root mounts. Every handler reads the
request, calls the module that knows the screen, and renders a full page — or, for
an htmx request, only the fragment being replaced.
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from xrm.platform.storage.errors import (
    ConflictError,
    DeleteRestricted,
    Forbidden,
    NotFoundError,
    QueryError,
    ValidationFailed,
    WriteRefused,
)

from . import urls
from .context import LANG_COOKIE, PREFERENCE_AGE, TZ_COOKIE, Screen, endpoint
from .export import export_filename, export_rows
from .files import open_file
from .filter_builder import RowView, filter_field, filterable_fields
from .i18n import supported_language, time_zone, time_zone_names
from .lists import build_list, parse_query, prepare
from .navigation import areas
from .records import (
    create_record,
    delete_record,
    entity_or_404,
    new_page,
    parse_id,
    record_page,
    refresh_form,
    save_record,
)
from .related import build_related, link, relation, unlink
from .screens import STATIC_DIR, screens_of
from .search import lookup_options, search_all

#: Records a bulk action handles at once.
MAX_BULK: Final = 200


def _entity(screen: Screen) -> str:
    return entity_or_404(screen, str(screen.request.path_params["entity"]))


def _record_id(screen: Screen) -> UUID:
    return parse_id(str(screen.request.path_params["id"]))


# ---------------------------------------------------------------- the shell


def home(screen: Screen) -> Response:
    return screen.render("home.html", areas=areas(screen))


def search(screen: Screen) -> Response:
    text = screen.query("q")
    groups = search_all(screen, text)
    template = "_search_results.html" if screen.htmx else "search.html"
    return screen.render(template, q=text, groups=groups)


def lookup(screen: Screen) -> Response:
    name = screen.query("name")
    target = screen.query("target") or screen.query(f"{name}.entity")
    text = screen.query("q") or screen.query(f"{name}.label")
    hits = lookup_options(screen, target, text)
    return screen.render(
        "_lookup_options.html",
        name=name,
        target=target,
        q=text,
        hits=hits or [],
        allowed=hits is not None,
        may_create=hits is not None and screen.may("create", target),
    )


def preferences(screen: Screen) -> Response:
    return screen.render("preferences.html", zones=time_zone_names())


def save_preferences(screen: Screen) -> Response:
    lang = supported_language(screen.value("lang"))
    zone = time_zone(screen.value("tz"))
    response = screen.redirect(screen.return_to(urls.home()))
    secure_cookie = screen.request.url.scheme == "https"
    if lang:
        response.set_cookie(
            LANG_COOKIE, lang, max_age=PREFERENCE_AGE, samesite="lax", secure=secure_cookie
        )
    if zone is not None:
        response.set_cookie(
            TZ_COOKIE, zone.key, max_age=PREFERENCE_AGE, samesite="lax", secure=secure_cookie
        )
    return response


def option_styles(screen: Screen) -> Response:
    return Response(
        screen.screens.option_css,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=31536000, immutable"},
    )


# --------------------------------------------------------------------- lists


def _list_params(screen: Screen) -> dict[str, list[str]]:
    params = screen.request.query_params
    return {key: params.getlist(key) for key in params}


def list_page(screen: Screen) -> Response:
    entity = _entity(screen)
    query = parse_query(_list_params(screen))
    rights = {a: screen.may(a, entity) for a in ("create", "delete", "assign")}
    view = build_list(
        screen.repo, screen.screens.registry, entity, query, screen.fmt, screen.params(), rights
    )
    if screen.htmx and screen.htmx_target == "list-body":
        response = screen.render("_list_body.html", entity=entity, list=view)
        count = len(view.rows)
        return screen.trigger(
            response, {"xrm:announce": screen.fmt("list.rows_shown", count=count)}
        )
    return screen.render("list.html", entity=entity, list=view)


def filter_row(screen: Screen) -> Response:
    entity = _entity(screen)
    registry = screen.screens.registry
    hidden = screen.repo.hidden(entity)
    index_text = screen.query("i", "0")
    index = int(index_text) if index_text.isdigit() else 0
    path = screen.query(f"f{index}")
    fields = filterable_fields(registry, entity, screen.fmt, hidden)
    field = filter_field(registry, entity, path, screen.fmt) if path else None
    if field is None and fields:
        field = fields[0]
    op = field.ops[0] if field is not None else ""
    row = RowView(index, field, op, (), None)
    return screen.render("_filter_row.html", entity=entity, row=row, fields=fields)


def export_csv(screen: Screen) -> Response:
    entity = _entity(screen)
    query = parse_query(_list_params(screen))
    request = prepare(
        screen.screens.registry, entity, query, screen.fmt, screen.repo.hidden(entity)
    )
    try:
        body = "".join(export_rows(screen.repo, request, query, screen.fmt, screen.params()))
    except QueryError as exc:
        screen.flash("error", "flash.export_failed", reason=exc.message)
        return screen.redirect(urls.entity_list(entity, query.params()))
    filename = export_filename(entity)
    return screen.finish(
        Response(
            body.encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    )


def bulk(screen: Screen) -> Response:
    entity = _entity(screen)
    back = screen.return_to(urls.entity_list(entity))
    ids: list[UUID] = []
    for text in (screen.form.get("ids") or [])[:MAX_BULK]:
        try:
            ids.append(UUID(text))
        except ValueError:
            continue
    action = screen.value("action")
    if not ids:
        screen.flash("info", "flash.nothing_selected")
        return screen.redirect(back)
    done, failed = 0, []
    if action == "delete":
        for id_ in ids:
            try:
                with screen.connection.begin_nested():
                    screen.repo.delete(entity, id_)
                done += 1
            except (DeleteRestricted, NotFoundError, Forbidden, ConflictError) as exc:
                failed.append(str(exc).splitlines()[0])
        key = "flash.bulk_deleted"
    elif action == "assign":
        try:
            owner = UUID(screen.value("owner"))
        except ValueError:
            screen.flash("error", "flash.pick_owner")
            return screen.redirect(back)
        for id_ in ids:
            try:
                with screen.connection.begin_nested():
                    screen.repo.update(entity, id_, {"owner": {"entity": "user", "id": owner}})
                done += 1
            except (ValidationFailed, NotFoundError, Forbidden, WriteRefused) as exc:
                failed.append(str(exc).splitlines()[0])
        key = "flash.bulk_assigned"
    else:
        return screen.redirect(back)
    if done:
        screen.flash("success", key, count=done)
    if failed:
        screen.flash("error", "flash.bulk_failed", count=len(failed), reason=failed[0])
    return screen.redirect(back)


# ------------------------------------------------------------------- records


def new_record(screen: Screen) -> Response:
    return new_page(screen, _entity(screen))


def create(screen: Screen) -> Response:
    return create_record(screen, _entity(screen))


def show_record(screen: Screen) -> Response:
    return record_page(screen, _entity(screen), _record_id(screen))


def update_record(screen: Screen) -> Response:
    return save_record(screen, _entity(screen), _record_id(screen))


def remove_record(screen: Screen) -> Response:
    return delete_record(screen, _entity(screen), _record_id(screen))


def refresh(screen: Screen) -> Response:
    return refresh_form(screen, _entity(screen))


def related_list(screen: Screen) -> Response:
    entity = _entity(screen)
    record_id = _record_id(screen)
    try:
        found = relation(screen.screens.registry, entity, str(screen.request.path_params["rel"]))
    except KeyError:
        raise NotFoundError(entity, record_id) from None
    if screen.repo.get(entity, record_id) is None:
        raise NotFoundError(entity, record_id)
    listing = build_related(
        screen,
        entity,
        record_id,
        found,
        None,
        sort=screen.query("sort") or None,
        after=screen.query("after") or None,
    )
    return screen.render("_related.html", entity=entity, related=listing)


def related_change(screen: Screen) -> Response:
    entity = _entity(screen)
    record_id = _record_id(screen)
    action = str(screen.request.path_params["action"])
    try:
        found = relation(screen.screens.registry, entity, str(screen.request.path_params["rel"]))
        target_id = UUID(screen.value("target_id"))
    except (KeyError, ValueError):
        screen.flash("error", "flash.pick_record")
        return screen.redirect(urls.record(entity, record_id))
    try:
        with screen.connection.begin_nested():
            if action == "link":
                link(screen, entity, record_id, found, target_id)
            elif action == "unlink":
                unlink(screen, entity, record_id, found, target_id)
            else:
                raise NotFoundError(entity, record_id)
        screen.flash("success", f"flash.{action}ed")
    except (ValidationFailed, WriteRefused, Forbidden, NotFoundError, ConflictError) as exc:
        screen.flash("error", "flash.not_linked", reason=str(exc).splitlines()[0])
    if screen.htmx:
        listing = build_related(screen, entity, record_id, found, None)
        return screen.render("_related.html", entity=entity, related=listing)
    return screen.redirect(urls.record(entity, record_id))


def download(screen: Screen) -> Response:
    entity = _entity(screen)
    record_id = _record_id(screen)
    name = str(screen.request.path_params["field"])
    record = screen.repo.get(entity, record_id)
    value = record.get(name) if record else None
    if not isinstance(value, UUID):
        raise NotFoundError(entity, record_id)
    stored = open_file(
        screen.connection, screen.screens.storage, screen.screens.settings.files_dir, value
    )
    if stored is None:
        raise NotFoundError(entity, record_id)
    response = FileResponse(
        stored.path,
        media_type=stored.content_type,
        filename=stored.filename,
        content_disposition_type="attachment",
    )
    return screen.finish(response)


async def _favicon(request: object) -> Response:
    return RedirectResponse(urls.static("favicon.svg"), status_code=301)


def screen_routes() -> list[BaseRoute]:
    """Every route of the screens (mounted by :func:`xrm.platform.app.create_app`)."""
    return [
        Route("/", endpoint(home)),
        Route("/favicon.ico", _favicon),
        Route("/search", endpoint(search)),
        Route("/lookup", endpoint(lookup)),
        Route("/preferences", endpoint(preferences)),
        Route("/preferences", endpoint(save_preferences), methods=["POST"]),
        Route("/ui/options-{version}.css", endpoint(option_styles)),
        Route("/lists/{entity}", endpoint(list_page)),
        Route("/lists/{entity}/filter-row", endpoint(filter_row)),
        Route("/lists/{entity}/export.csv", endpoint(export_csv)),
        Route("/lists/{entity}/bulk", endpoint(bulk, write=True), methods=["POST"]),
        Route("/records/{entity}/new", endpoint(new_record)),
        Route("/records/{entity}/new", endpoint(create, write=True), methods=["POST"]),
        Route("/records/{entity}/refresh", endpoint(refresh), methods=["POST"]),
        Route("/records/{entity}/{id}", endpoint(show_record)),
        Route("/records/{entity}/{id}", endpoint(update_record, write=True), methods=["POST"]),
        Route(
            "/records/{entity}/{id}/delete", endpoint(remove_record, write=True), methods=["POST"]
        ),
        Route("/records/{entity}/{id}/related/{rel}", endpoint(related_list)),
        Route(
            "/records/{entity}/{id}/related/{rel}/{action}",
            endpoint(related_change, write=True),
            methods=["POST"],
        ),
        Route("/records/{entity}/{id}/files/{field}", endpoint(download)),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False), name="static"),
    ]


__all__ = ["screen_routes", "screens_of"]
