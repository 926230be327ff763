"""The record page ("client card") and the create / edit / delete handlers behind it.

The page: a header with the record's name and key fields and the actions the user
may take, the main form's tabs (fields editable in place), a related list for every
to-many relation (those the form places where it places them, the others on a
"Related" tab), the activity timeline and the history.

Saving is a plain form POST (so it works without JavaScript): on success a redirect
with a message; on refusal the same page again, with the repository's messages beside
each field and the user's input kept. A stale version (someone saved in between) is
shown as such: which fields they changed, to what, and the user's own values, with
"keep mine" one click away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from uuid import UUID

from starlette.responses import Response

from xrm.metamodel.registry import Registry
from xrm.metamodel.schema import FormDef
from xrm.metamodel.types import FieldKind
from xrm.platform.storage.actor import Action
from xrm.platform.storage.errors import (
    ConflictError,
    DeleteRestricted,
    Forbidden,
    NotFoundError,
    StorageError,
    ValidationFailed,
    WriteRefused,
)

from . import urls
from .activity import history, timeline, timeline_sources
from .context import Screen
from .editing import Editing, new_data, require_record, stored_data
from .forms import (
    VERSION_INPUT,
    FormView,
    RelatedPlacement,
    form_fields,
    main_form,
    original_data,
    quick_form,
)
from .labels import fetch_labels, label_of, references
from .related import RelatedList, build_related, relation, relations
from .widgets import DisplayContext, Shown, display

#: Field kinds worth showing in a record's header.
_HEADER_KINDS: Final = (
    FieldKind.AUTONUMBER,
    FieldKind.CHOICE,
    FieldKind.MONEY,
    FieldKind.DATE,
    FieldKind.LOOKUP,
)
HEADER_FIELDS: Final = 4


@dataclass(frozen=True)
class KeyField:
    label: str
    shown: Shown


@dataclass(frozen=True)
class Conflict:
    """Someone saved the record after the user opened it."""

    who: str
    when: str
    #: (field label, what the user started from, what it is now, what the user typed).
    changes: tuple[tuple[str, str, str, str], ...]


@dataclass(frozen=True)
class RecordTab:
    name: str
    label: str
    #: ``form`` (a form tab), ``related``, ``timeline`` or ``history``.
    kind: str


def parse_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise NotFoundError("record", UUID(int=0)) from None


def entity_or_404(screen: Screen, name: str) -> str:
    if name not in screen.screens.registry.entities:
        raise NotFoundError(name if name.isidentifier() else "entity", UUID(int=0))
    return name


def key_fields(
    screen: Screen,
    entity: str,
    form: FormDef,
    record: Mapping[str, object],
    labels: Mapping[tuple[str, UUID], str],
) -> list[KeyField]:
    registry = screen.screens.registry
    definitions = registry.entity(entity).fields
    hidden = screen.repo.hidden(entity)
    chosen: list[str] = []
    for ref in form_fields(form):
        definition = definitions.get(ref.field)
        if (
            definition is not None
            and definition.type in _HEADER_KINDS
            and ref.field not in hidden
            and ref.field != registry.entity(entity).primary_field
            and record.get(ref.field) not in (None, "")
        ):
            chosen.append(ref.field)
        if len(chosen) >= HEADER_FIELDS:
            break
    if "owner" in definitions and "owner" not in chosen and "owner" not in hidden:
        chosen.append("owner")
    wanted = references(registry, entity, [record], chosen) - set(labels)
    labels = {**labels, **fetch_labels(screen.repo, wanted)}
    record_id = record.get("id")
    found = []
    for name in chosen:
        ctx = DisplayContext(
            screen.fmt, entity, name, labels, record_id if isinstance(record_id, UUID) else None
        )
        shown = display(definitions[name], record.get(name), ctx)
        found.append(KeyField(screen.fmt.field(entity, name), shown))
    return found


def _placements(form_view: FormView) -> list[RelatedPlacement]:
    return [p for tab in form_view.tabs for s in tab.sections for p in s.related]


def related_lists(
    screen: Screen, entity: str, record_id: UUID, form_view: FormView
) -> tuple[dict[str, RelatedList], list[RelatedList]]:
    """Related lists the form places (by relation), and those it does not (for a tab)."""
    registry = screen.screens.registry
    known = {r.name: r for r in relations(registry, entity)}
    placed: dict[str, RelatedList] = {}
    for placement in _placements(form_view):
        found = known.get(placement.relation)
        if found is not None and placement.relation not in placed:
            placed[placement.relation] = build_related(screen, entity, record_id, found, placement)
    others = [
        build_related(screen, entity, record_id, found, None)
        for name, found in known.items()
        if name not in placed and screen.may("read", found.target)
    ]
    return placed, others


def record_page(
    screen: Screen,
    entity: str,
    record_id: UUID,
    *,
    editing: Editing | None = None,
    conflict: Conflict | None = None,
    status: int = 200,
) -> Response:
    registry = screen.screens.registry
    record = require_record(screen, entity, record_id)
    form = main_form(registry, entity)
    may_update = screen.may_record("update", entity, record_id)
    if editing is None:
        data, labels = stored_data(screen, form, record)
        editing = Editing(screen, form, "update", data, record, labels=labels)
        original = data
    else:
        _, labels = stored_data(screen, form, record)
        editing.labels = labels
        editing.record = record
        original = original_data(editing.data) or stored_data(screen, form, record)[0]
    editing.read_only = not may_update
    if conflict is not None:
        original = stored_data(screen, form, record)[0]
    version = record.get("version")
    form_view = editing.view(
        version=int(version) if isinstance(version, int) else None, original=original
    )
    placed, others = related_lists(screen, entity, record_id, form_view)
    tabs = [RecordTab(tab.name, tab.label, "form") for tab in form_view.tabs]
    if others:
        tabs.append(RecordTab("_related", screen.fmt("record.tab_related"), "related"))
    has_timeline = any(screen.may("read", s) for s, _ in timeline_sources(registry, entity))
    if has_timeline:
        tabs.append(RecordTab("_timeline", screen.fmt("record.tab_timeline"), "timeline"))
    tabs.append(RecordTab("_history", screen.fmt("record.tab_history"), "history"))
    title = label_of(registry, entity, record)
    return screen.render(
        "record.html",
        status=status,
        entity=entity,
        record=record,
        record_id=record_id,
        title=title,
        form=form_view,
        key_fields=key_fields(screen, entity, form, record, labels),
        tabs=tabs,
        placed=placed,
        others=others,
        timeline=timeline(screen, entity, record_id) if has_timeline else [],
        history=history(screen, entity, record_id),
        may_update=may_update,
        may_delete=screen.may_record("delete", entity, record_id),
        may_create=screen.may("create", entity),
        conflict=conflict,
        action=urls.record(entity, record_id),
        multipart=_has_files(registry, form),
    )


def _has_files(registry: Registry, form: FormDef) -> bool:
    fields = registry.entity(form.entity).fields
    placed = [ref.field for ref in form_fields(form) if ref.field in fields]
    return any(fields[name].type is FieldKind.FILE for name in placed)


def _conflict(
    screen: Screen, entity: str, form: FormDef, editing: Editing, current: Mapping[str, object]
) -> Conflict:
    """What changed between the data the user started from and the record now."""
    started = original_data(editing.data) or {}
    now = stored_data(screen, form, current)[0]
    changes: list[tuple[str, str, str, str]] = []
    for ref in form_fields(form):
        name = ref.field
        keys = [
            k for k in now if (k == name or k.startswith(f"{name}.")) and not k.endswith(".label")
        ]
        if not keys or all(list(now.get(k, [])) == list(started.get(k, [])) for k in keys):
            continue

        def text(data: Mapping[str, Sequence[str]], key: str = name) -> str:
            label = data.get(f"{key}.label")
            values = label if label and label[-1] else data.get(key) or []
            return ", ".join(v for v in values if v) or "—"

        changes.append(
            (screen.fmt.field(entity, name), text(started), text(now), text(editing.data))
        )
    modified_by = current.get("modified_by")
    who = screen.fmt("user.someone")
    if isinstance(modified_by, UUID):
        who = fetch_labels(screen.repo, {("user", modified_by)}).get(("user", modified_by), who)
    modified_at = current.get("modified_at")
    when = screen.fmt.datetime(modified_at) if isinstance(modified_at, dt.datetime) else ""
    return Conflict(who, when, tuple(changes))


def save_record(screen: Screen, entity: str, record_id: UUID) -> Response:
    registry = screen.screens.registry
    form = main_form(registry, entity)
    editing = Editing(screen, form, "update", screen.form)
    editing.store_uploads()
    record = require_record(screen, entity, record_id)
    editing.record = record
    submission = editing.submission(only_changed=True)
    editing.errors.update(submission.errors)
    version_text = screen.value(VERSION_INPUT)
    expected = int(version_text) if version_text.isdigit() else None
    if editing.errors:
        _validate_rest(
            screen, editing, lambda: screen.repo.update(entity, record_id, submission.values)
        )
    else:
        try:
            if submission.values:
                screen.repo.update(entity, record_id, submission.values, expected_version=expected)
            screen.flash("success", "flash.saved", name=label_of(registry, entity, record))
            return screen.redirect(screen.return_to(urls.record(entity, record_id)))
        except ValidationFailed as exc:
            editing.apply_errors(exc)
        except ConflictError:
            current = require_record(screen, entity, record_id)
            conflict = _conflict(screen, entity, form, editing, current)
            editing.record_errors.append(screen.fmt("form.conflict"))
            return record_page(
                screen, entity, record_id, editing=editing, conflict=conflict, status=409
            )
        except Forbidden as exc:
            editing.record_errors.append(str(exc))
        except WriteRefused as exc:
            editing.record_errors.append(str(exc))
    return record_page(screen, entity, record_id, editing=editing, status=422)


def _validate_rest(screen: Screen, editing: Editing, write: Callable[[], object]) -> None:
    """Some inputs could not be read: still have the repository check the others (in a
    savepoint rolled back whatever happens), so the user sees every problem at once."""
    savepoint = screen.connection.begin_nested()
    try:
        write()
    except ValidationFailed as exc:
        editing.apply_errors(exc)
    except StorageError:
        pass  # refusals other than values are reported once the inputs can be read
    finally:
        if savepoint.is_active:
            savepoint.rollback()


# ------------------------------------------------------------------ creating


def _prefill(screen: Screen) -> dict[str, str]:
    return {
        key: value
        for key, value in screen.request.query_params.items()
        if not key.startswith("_") and value
    }


def new_page(
    screen: Screen, entity: str, *, editing: Editing | None = None, status: int = 200
) -> Response:
    registry = screen.screens.registry
    if not screen.may("create", entity):
        raise Forbidden("create", entity)
    dialog = (screen.query("_dialog") or screen.value("_dialog")) == "1"
    form = quick_form(registry, entity) if dialog else main_form(registry, entity)
    if editing is None:
        data, labels = new_data(screen, form, _prefill(screen))
        editing = Editing(screen, form, "create", data, labels=labels)
    form_view = editing.view()
    hidden_inputs = {
        key: screen.query(key) or screen.value(key)
        for key in ("_dialog", "_pick", "_related", "_return")
        if screen.query(key) or screen.value(key)
    }
    template = "_dialog_form.html" if dialog and screen.htmx else "new.html"
    return screen.render(
        template,
        status=status,
        entity=entity,
        title=screen.fmt("record.new_title", entity=screen.fmt.entity(entity)),
        form=form_view,
        hidden_inputs=hidden_inputs,
        action=urls.new_record(entity),
        multipart=_has_files(registry, form),
        dialog=dialog,
    )


def create_record(screen: Screen, entity: str) -> Response:
    registry = screen.screens.registry
    if not screen.may("create", entity):
        raise Forbidden("create", entity)
    dialog = screen.value("_dialog") == "1"
    form = quick_form(registry, entity) if dialog else main_form(registry, entity)
    editing = Editing(screen, form, "create", screen.form)
    editing.store_uploads()
    submission = editing.submission(only_changed=False)
    editing.errors.update(submission.errors)
    values = {k: v for k, v in submission.values.items() if v != "" and v != []}
    values.update(_hidden_prefill(screen, form))
    if editing.errors:
        _validate_rest(screen, editing, lambda: screen.repo.create(entity, values))
    else:
        try:
            created = screen.repo.create(entity, values)
            new_id = created["id"]
            assert isinstance(new_id, UUID)
            name = label_of(registry, entity, created)
            _link_related(screen, entity, new_id)
            if dialog and screen.htmx:
                return _created_in_dialog(screen, entity, new_id, name)
            screen.flash("success", "flash.created", name=name)
            return screen.redirect(screen.return_to(urls.record(entity, new_id)))
        except ValidationFailed as exc:
            editing.apply_errors(exc)
        except (Forbidden, WriteRefused) as exc:
            editing.record_errors.append(str(exc))
    return new_page(screen, entity, editing=editing, status=422)


def _hidden_prefill(screen: Screen, form: FormDef) -> dict[str, object]:
    """Back-references pre-filled by a related list but not on the quick form."""
    related = screen.value("_related")
    if not related:
        return {}
    parent_entity, _, rest = related.partition(":")
    parent_id_text, _, relation_name = rest.partition(":")
    registry = screen.screens.registry
    try:
        found = relation(registry, parent_entity, relation_name)
        parent_id = UUID(parent_id_text)
    except (KeyError, ValueError):
        return {}
    on_form = {ref.field for ref in form_fields(form)}
    if found.back_field is None or found.back_field in on_form or found.target != form.entity:
        return {}
    if found.polymorphic:
        return {found.back_field: {"entity": parent_entity, "id": parent_id}}
    return {found.back_field: parent_id}


def _link_related(screen: Screen, entity: str, new_id: UUID) -> None:
    """A record created from a many-to-many related list is linked to the parent."""
    related = screen.value("_related")
    if not related:
        return
    parent_entity, _, rest = related.partition(":")
    parent_id_text, _, relation_name = rest.partition(":")
    try:
        found = relation(screen.screens.registry, parent_entity, relation_name)
        parent_id = UUID(parent_id_text)
    except (KeyError, ValueError):
        return
    if found.kind == "many_to_many" and found.target == entity:
        screen.repo.link(parent_entity, relation_name, parent_id, new_id)


def _created_in_dialog(screen: Screen, entity: str, new_id: UUID, name: str) -> Response:
    """Close the dialog; fill the lookup that asked, or refresh the related list."""
    events: dict[str, object] = {
        "xrm:dialog-close": True,
        "xrm:announce": screen.fmt("flash.created", name=name),
    }
    pick = screen.value("_pick")
    if pick:
        events["xrm:picked"] = {"name": pick, "id": str(new_id), "label": name}
    if screen.value("_related"):
        events["xrm:related-changed"] = True
    response = Response(status_code=200)
    return screen.finish(screen.trigger(response, events))


# ------------------------------------------------------------------ deleting


def delete_record(screen: Screen, entity: str, record_id: UUID) -> Response:
    registry = screen.screens.registry
    record = require_record(screen, entity, record_id)
    name = label_of(registry, entity, record)
    version_text = screen.value(VERSION_INPUT)
    expected = int(version_text) if version_text.isdigit() else None
    try:
        screen.repo.delete(entity, record_id, expected_version=expected)
    except (DeleteRestricted, ConflictError, Forbidden) as exc:
        screen.flash("error", "flash.not_deleted", name=name, reason=str(exc))
        return screen.redirect(urls.record(entity, record_id))
    screen.flash("success", "flash.deleted", name=name)
    return screen.redirect(screen.return_to(urls.entity_list(entity)))


# --------------------------------------------------------------- live updates


def refresh_form(screen: Screen, entity: str) -> Response:
    """The fields and sections whose visibility, requirement or formula depends on others,
    recomputed on the unsaved values (htmx swaps them in place, out of band)."""
    registry = screen.screens.registry
    id_text = screen.value("_id")
    record = None
    action: Action = "create"
    if id_text:
        record = screen.repo.get(entity, parse_id(id_text))
        action = "update"
    dialog = screen.value("_dialog") == "1"
    form = quick_form(registry, entity) if dialog else main_form(registry, entity)
    editing = Editing(screen, form, action, screen.form, record)
    form_view = editing.view()
    form_id = "dialog-form" if dialog else "record-form"
    return screen.render("_form_refresh.html", form=form_view, entity=entity, form_id=form_id)
