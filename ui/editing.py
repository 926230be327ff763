"""A form on one request: what the user may see and change, and writing what they typed.

Glue between the pure form model (:mod:`.forms`) and the repository: which fields
the user's roles hide (left off) or protect (read-only), the form's data from a
stored record, from the entity's defaults and the address (``?account=<id>``
pre-fills a new contact from an account's related list), and saving — uploads first,
then one repository call whose :class:`~xrm.platform.storage.errors.ValidationFailed`
errors land beside their fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from xrm.metamodel.schema import (
    FileField,
    FormDef,
    LookupField,
    MoneyField,
    PolymorphicLookupField,
)
from xrm.platform.storage.actor import Action
from xrm.platform.storage.errors import Forbidden, NotFoundError, ValidationFailed
from xrm.platform.storage.values import default_input

from .files import UploadRefused, store_upload
from .forms import (
    FormState,
    FormView,
    Submission,
    build_form,
    form_fields,
    form_inputs,
    read_submission,
    record_data,
)
from .labels import Labels, fetch_labels, references
from .rules import ValueResolver
from .widgets import FormData

if TYPE_CHECKING:
    from .context import Screen


def hidden_fields(screen: Screen, entity: str) -> frozenset[str]:
    return screen.repo.hidden(entity)


def frozen_fields(screen: Screen, entity: str, action: Action, form: FormDef) -> frozenset[str]:
    """Fields on ``form`` the user's roles do not let them write for ``action``."""
    access = screen.repo.actor.access
    if access is None:
        return frozenset()
    frozen: set[str] = set()
    for ref in form_fields(form):
        try:
            access.check_write_fields(action, entity, [ref.field])
        except Forbidden:
            frozen.add(ref.field)
    if action == "update" and "owner" not in frozen and not screen.may("assign", entity):
        frozen.add("owner")
    return frozenset(frozen)


class Fetcher:
    """Reads ``account.name`` for expressions, one record at a time, remembered."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.cache: dict[tuple[str, UUID, tuple[str, ...]], object] = {}

    def __call__(self, entity: str, id: UUID, path: tuple[str, ...]) -> object:
        key = (entity, id, path)
        if key not in self.cache:
            self.cache[key] = self._read(entity, id, path)
        return self.cache[key]

    def _read(self, entity: str, id: UUID, path: tuple[str, ...]) -> object:
        dotted = ".".join(path)
        try:
            if len(path) == 1:
                record = self.screen.repo.get(entity, id)
            else:
                record = self.screen.repo.get(entity, id, include=[dotted])
        except Forbidden:
            return None
        return None if record is None else record.get(dotted)


@dataclass
class Editing:
    """One form being shown or saved."""

    screen: Screen
    form: FormDef
    action: Action
    data: FormData
    record: Mapping[str, object] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    record_errors: list[str] = field(default_factory=list)
    labels: Labels = field(default_factory=dict)
    #: The user may not change this record at all: every field is shown read-only.
    read_only: bool = False

    @property
    def entity(self) -> str:
        return self.form.entity

    def inputs(self) -> dict[str, object]:
        """What the form's fields would give the repository (for conditions and formulas)."""
        return form_inputs(
            self.screen.screens.registry, self.form, self.data, self.screen.fmt, self.frozen()
        )

    def frozen(self) -> frozenset[str]:
        if self.read_only:
            return frozenset(ref.field for ref in form_fields(self.form))
        return frozen_fields(self.screen, self.entity, self.action, self.form)

    def resolver(self) -> ValueResolver:
        return ValueResolver(
            self.screen.screens.rules,
            self.entity,
            self.inputs(),
            self.record,
            fetch=Fetcher(self.screen),
            currency=self.screen.screens.settings.default_currency,
        )

    def view(self, *, version: int | None = None, original: FormData | None = None) -> FormView:
        hidden = hidden_fields(self.screen, self.entity)
        return build_form(
            FormState(
                registry=self.screen.screens.registry,
                form=self.form,
                data=self.data,
                fmt=self.screen.fmt,
                resolver=self.resolver(),
                errors=self.errors,
                record_errors=tuple(self.record_errors),
                hidden=hidden,
                frozen=self.frozen(),
                record=self.record,
                labels=self.labels,
                version=version,
                original={k: list(v) for k, v in original.items()} if original else None,
            )
        )

    def submission(self, *, only_changed: bool) -> Submission:
        return read_submission(
            self.screen.screens.registry,
            self.form,
            self.data,
            self.screen.fmt,
            self.resolver(),
            hidden=hidden_fields(self.screen, self.entity),
            frozen=self.frozen(),
            only_changed=only_changed,
        )

    def store_uploads(self) -> None:
        """Store the files the request carries; their ids go into the form's data."""
        screen = self.screen
        data = {k: list(v) for k, v in self.data.items()}
        for name, upload in screen.uploads.items():
            definition = screen.screens.registry.entity(self.entity).fields.get(name)
            if not isinstance(definition, FileField):
                continue
            try:
                file_id = store_upload(
                    screen.connection,
                    screen.screens.storage,
                    screen.screens.settings.files_dir,
                    definition,
                    upload.filename or "file",
                    upload.content_type,
                    upload.file,
                    screen.principal.user_id if screen.principal else None,
                )
            except UploadRefused as exc:
                self.errors[name] = screen.fmt(exc.key, **exc.params)
                continue
            data[name] = [str(file_id)]
        self.data = data

    def apply_errors(self, failure: ValidationFailed) -> None:
        on_form = {ref.field for ref in form_fields(self.form)}
        for error in failure.errors:
            if error.field in on_form:
                self.errors.setdefault(error.field, error.message)
            else:
                label = (
                    self.screen.fmt.field(self.entity, error.field)
                    if error.field in self.screen.screens.registry.entity(self.entity).fields
                    else ""
                )
                self.record_errors.append(f"{label}: {error.message}" if label else error.message)


def stored_data(
    screen: Screen, form: FormDef, record: Mapping[str, object]
) -> tuple[dict[str, list[str]], Labels]:
    """A stored record as form data, with the names of the records its lookups point at."""
    registry = screen.screens.registry
    names = [ref.field for ref in form_fields(form)]
    labels = fetch_labels(screen.repo, references(registry, form.entity, [record], names))
    return record_data(registry, form, record, screen.fmt, labels), labels


def new_data(
    screen: Screen, form: FormDef, prefill: Mapping[str, str]
) -> tuple[dict[str, list[str]], Labels]:
    """A new record's form data: the entity's defaults, then what the address pre-fills."""
    registry = screen.screens.registry
    entity = form.entity
    definitions = registry.entity(entity).fields
    now = dt.datetime.now(dt.UTC)
    values: dict[str, object] = {}
    for ref in form_fields(form):
        definition = definitions.get(ref.field)
        if definition is None:
            continue
        default = default_input(definition, now)
        if default is not None:
            values[ref.field] = _default_value(definition, default)
    for name, text in prefill.items():
        definition = definitions.get(name.split(".", 1)[0])
        if isinstance(definition, LookupField):
            found = _uuid(text)
            if found is not None:
                values[name] = found
        elif isinstance(definition, PolymorphicLookupField) and "." not in name:
            found = _uuid(text)
            target = prefill.get(f"{name}.entity", "")
            if found is not None and target in definition.targets:
                values[name] = {"entity": target, "id": found}
    labels = fetch_labels(
        screen.repo,
        references(registry, entity, [values], [ref.field for ref in form_fields(form)]),
    )
    data = record_data(registry, form, values, screen.fmt, labels)
    for name, text in prefill.items():  # plain values (a name typed into a lookup's "new")
        definition = definitions.get(name)
        if definition is not None and name not in values and not name.startswith("_"):
            data[name] = [text]
    return data, labels


def _default_value(definition: object, default: object) -> object:
    if isinstance(definition, MoneyField):
        return {"amount": default, "currency": definition.currency}
    return default


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def require_record(screen: Screen, entity: str, id: UUID) -> dict[str, object]:
    record = screen.repo.get(entity, id)
    if record is None:
        raise NotFoundError(entity, id)
    return record
