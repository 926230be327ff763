"""Cross-checks for the records shipped in ``data/*.yaml``.

Demo and reference data is the first thing a new user sees. A record that cannot
load (an unknown option, a ``{ref: …}`` to nothing, text where a date belongs, a
required field left out) must fail ``xrm check`` with its file and line, not the
install halfway through.

A record is a mapping of field names to values, plus:

- ``ref``: a name other records use to point at this one (``{ref: acme}``); unique
  across all loaded data files;
- ``id``: a fixed UUID, for reference data other solutions rely on;
- a many-to-many relation name: a list of ``{ref: key, <link field>: value, …}``;
- on ``user`` records, ``roles``: the declared roles the user is given.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .errors import YamlPath, did_you_mean
from .merge import Merged, Origin
from .schema import (
    ChoiceField,
    DataFile,
    DecimalField,
    EntityDef,
    FieldDef,
    LookupField,
    ManyToManyRelation,
    MoneyField,
    MultiChoiceField,
    PolymorphicLookupField,
    StringField,
)
from .solution import Sourced
from .system_fields import USER_ENTITY
from .types import COMPUTED_KINDS, SYSTEM_FIELDS, FieldKind

#: A problem with one value: what is wrong, and how to fix it.
Problem = tuple[str, str | None]
ValueCheck = Callable[[FieldDef, Any], Problem | None]

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
#: Filled in by the platform, so a record never needs them.
_GENERATED_KINDS = frozenset({FieldKind.AUTONUMBER, *COMPUTED_KINDS})


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _bounds(field: FieldDef, value: Any) -> Problem | None:
    low = getattr(field, "min", None)
    high = getattr(field, "max", None)
    number = Decimal(str(value))
    if low is not None and number < low:
        return f"{value} is below the minimum {low}", None
    if high is not None and number > high:
        return f"{value} is above the maximum {high}", None
    return None


def _text(field: FieldDef, value: Any) -> Problem | None:
    if not isinstance(value, str):
        return f"expected text, not {_describe(value)}", "quote the value: 'like this'"
    if isinstance(field, StringField):
        if len(value) > field.max_length:
            return f"{len(value)} characters is longer than max_length {field.max_length}", None
        if field.pattern is not None and not re.fullmatch(field.pattern, value):
            return f"{value!r} does not match the pattern {field.pattern!r}", None
    return None


def _email(field: FieldDef, value: Any) -> Problem | None:
    if isinstance(value, str) and not _EMAIL_RE.match(value):
        return f"{value!r} is not an email address", "write it like name@example.com"
    return _text(field, value)


def _url(field: FieldDef, value: Any) -> Problem | None:
    if isinstance(value, str) and not _URL_RE.match(value):
        return f"{value!r} is not a URL", "start it with https://"
    return _text(field, value)


def _integer(field: FieldDef, value: Any) -> Problem | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return f"expected a whole number, not {_describe(value)}", None
    return _bounds(field, value)


def _number(field: FieldDef, value: Any) -> Problem | None:
    if not _is_number(value):
        return f"expected a number, not {_describe(value)}", "write numbers without quotes"
    if isinstance(field, DecimalField):
        places = -Decimal(str(value)).as_tuple().exponent  # type: ignore[operator]
        if places > field.scale:
            return f"{value} has more than {field.scale} decimal places", None
    return _bounds(field, value)


def _money(field: FieldDef, value: Any) -> Problem | None:
    """A bare amount (in the field's or the default currency) or ``{amount, currency}``."""
    assert isinstance(field, MoneyField)
    if not isinstance(value, dict):
        return _number(field, value)
    if "amount" not in value or set(value) - {"amount", "currency"}:
        return "a money value is an amount or {amount: 1200, currency: EUR}", None
    currency = value.get("currency")
    if currency is not None and not (isinstance(currency, str) and _CURRENCY_RE.match(currency)):
        return f"currency {currency!r} is not a 3-letter code such as EUR", None
    if currency is not None and field.currency is not None and currency != field.currency:
        return f"this field holds {field.currency} amounts, not {currency}", None
    return _number(field, value["amount"])


def _phone(field: FieldDef, value: Any) -> Problem | None:
    if isinstance(value, str):
        digits = sum(ch.isdigit() for ch in value)
        if not _PHONE_RE.match(value) or not 3 <= digits <= 20:
            return (
                f"{value!r} is not a phone number",
                "use digits, spaces and + ( ) - . /, e.g. '+33 1 23 45 67 89'",
            )
    return _text(field, value)


def _boolean(field: FieldDef, value: Any) -> Problem | None:
    if not isinstance(value, bool):
        return f"expected true or false, not {_describe(value)}", None
    return None


def _date(field: FieldDef, value: Any) -> Problem | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return f"expected a date, not {_describe(value)}", "write dates as 2026-03-31"
    return None


def _datetime(field: FieldDef, value: Any) -> Problem | None:
    if not isinstance(value, dt.datetime):
        return (
            f"expected a date and time, not {_describe(value)}",
            "write it as 2026-03-31T14:30:00Z",
        )
    return None


def _choice(field: FieldDef, value: Any) -> Problem | None:
    assert isinstance(field, ChoiceField)
    return _option(field.option_values(), value)


def _multichoice(field: FieldDef, value: Any) -> Problem | None:
    assert isinstance(field, MultiChoiceField)
    if not isinstance(value, list):
        return f"expected a list of options, not {_describe(value)}", "write [a, b]"
    for item in value:
        if problem := _option(field.option_values(), item):
            return problem
    return None


def _option(options: tuple[str, ...], value: Any) -> Problem | None:
    if value not in options:
        return f"{value!r} is not an option", did_you_mean(str(value), options)
    return None


def _file(field: FieldDef, value: Any) -> Problem | None:
    return "files cannot be loaded from data files", "upload them once the records exist"


def _no_check(field: FieldDef, value: Any) -> Problem | None:
    return None


#: How a value of each stored kind is checked. Lookups need the refs, so they are
#: checked by :class:`_DataChecker` itself; computed kinds are refused earlier.
VALUE_CHECKS: dict[FieldKind, ValueCheck] = {
    FieldKind.STRING: _text,
    FieldKind.TEXT: _text,
    FieldKind.EMAIL: _email,
    FieldKind.PHONE: _phone,
    FieldKind.URL: _url,
    FieldKind.INTEGER: _integer,
    FieldKind.DECIMAL: _number,
    FieldKind.MONEY: _money,
    FieldKind.BOOLEAN: _boolean,
    FieldKind.DATE: _date,
    FieldKind.DATETIME: _datetime,
    FieldKind.CHOICE: _choice,
    FieldKind.MULTICHOICE: _multichoice,
    FieldKind.LOOKUP: _no_check,
    FieldKind.POLYMORPHIC_LOOKUP: _no_check,
    FieldKind.AUTONUMBER: _text,
    FieldKind.FORMULA: _no_check,
    FieldKind.ROLLUP: _no_check,
    FieldKind.FILE: _file,
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.datetime):
        return f"the date and time {value.isoformat()}"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return repr(value)


@dataclass(frozen=True)
class _Ref:
    entity: str
    origin: Origin


class _DataChecker:
    def __init__(self, merged: Merged) -> None:
        self.m = merged
        self.entities: Mapping[str, EntityDef] = merged.entities
        self.refs: dict[str, _Ref] = {}

    def run(self) -> None:
        files = [sourced for _, sourced in self.m.data]
        for sourced in files:
            self.collect_refs(sourced)
        for sourced in files:
            self.check_file(sourced)

    def collect_refs(self, sourced: Sourced[DataFile]) -> None:
        for position, record in enumerate(sourced.model.records):
            ref = record.get("ref")
            origin: Origin = (sourced.document, ("records", position, "ref"))
            if ref is None:
                continue
            if not isinstance(ref, str) or not ref:
                self.m.error(origin, (), "a ref must be a name", "write ref: acme_corp")
            elif ref in self.refs:
                first = self.refs[ref].origin
                line = first[0].locate(first[1]).line
                self.m.error(
                    origin,
                    (),
                    f"ref {ref!r} is already used",
                    f"see {first[0].file} line {line}; refs are unique across data files",
                )
            else:
                self.refs[ref] = _Ref(sourced.model.entity, origin)

    def check_file(self, sourced: Sourced[DataFile]) -> None:
        data = sourced.model
        origin: Origin = (sourced.document, ())
        entity = self.entities.get(data.entity)
        if entity is None:
            self.m.error(
                origin,
                ("entity",),
                f"unknown entity {data.entity!r}",
                did_you_mean(data.entity, self.entities),
            )
            return
        for position, record in enumerate(data.records):
            self.record(entity, record, (sourced.document, ("records", position)))

    def record(self, entity: EntityDef, record: dict[str, Any], origin: Origin) -> None:
        for key, value in record.items():
            sub: YamlPath = (key,)
            if key == "ref":
                continue
            if key == "id":
                if not _is_uuid(value):
                    self.m.error(origin, sub, "id must be a UUID", "or leave it out")
                continue
            if key == "roles" and entity.entity == USER_ENTITY:
                self.roles(value, origin, sub)
                continue
            relation = entity.relations.get(key)
            if isinstance(relation, ManyToManyRelation):
                self.links(relation, value, origin, sub)
                continue
            field = entity.fields.get(key)
            if field is None and self.m.is_broken(entity.entity, key):
                continue
            if field is None:
                hint = did_you_mean(key, [*entity.fields, *entity.relations])
                if key in entity.relations:
                    hint = f"load {key!r} records from a data file of their own entity"
                self.m.key_error(origin, sub, f"unknown field {key!r} on {entity.entity!r}", hint)
                continue
            if field.type in COMPUTED_KINDS:
                self.m.key_error(
                    origin, sub, f"{key!r} is computed and cannot be loaded", "remove it"
                )
                continue
            self.value(field, value, origin, sub)
        missing = [
            name
            for name, field in entity.fields.items()
            if field.required
            and name not in SYSTEM_FIELDS
            and field.type not in _GENERATED_KINDS
            and getattr(field, "default", None) is None
            and name not in record
        ]
        if missing:
            names = ", ".join(repr(name) for name in missing)
            self.m.error(
                origin,
                (),
                f"this {entity.entity} record is missing required field(s) {names}",
                "add them to the record",
            )

    def roles(self, value: Any, origin: Origin, sub: YamlPath) -> None:
        """A user record's ``roles:``: declared role names, granted when the data loads."""
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.m.error(origin, sub, "roles must be a list of role names", "roles: [salesperson]")
            return
        for position, role in enumerate(value):
            if role not in self.m.roles:
                self.m.error(
                    origin,
                    (*sub, position),
                    f"unknown role {role!r}",
                    did_you_mean(role, self.m.roles),
                )

    def value(self, field: FieldDef, value: Any, origin: Origin, sub: YamlPath) -> None:
        if value is None:
            if field.required:
                self.m.error(origin, sub, "a required field cannot be null")
            return
        if isinstance(field, LookupField):
            self.ref(value, (field.target,), origin, sub)
        elif isinstance(field, PolymorphicLookupField):
            self.ref(value, tuple(field.targets), origin, sub)
        elif problem := VALUE_CHECKS[field.type](field, value):
            self.m.error(origin, sub, *problem)

    def ref(self, value: Any, targets: tuple[str, ...], origin: Origin, sub: YamlPath) -> None:
        if isinstance(value, str) and _is_uuid(value):
            return
        if not (isinstance(value, dict) and set(value) == {"ref"}):
            self.m.error(
                origin,
                sub,
                f"a lookup value is {{ref: <key>}} or a UUID, not {_describe(value)}",
                "point at another record's ref, e.g. {ref: acme}",
            )
            return
        key = value["ref"]
        found = self.refs.get(key) if isinstance(key, str) else None
        if found is None:
            candidates = [k for k, r in self.refs.items() if r.entity in targets]
            self.m.error(
                origin,
                (*sub, "ref"),
                f"no record has ref {key!r}",
                did_you_mean(str(key), candidates),
            )
        elif found.entity not in targets:
            self.m.error(
                origin,
                (*sub, "ref"),
                f"ref {key!r} is a {found.entity}, but this lookup points at "
                + " or ".join(targets),
            )

    def links(
        self, relation: ManyToManyRelation, value: Any, origin: Origin, sub: YamlPath
    ) -> None:
        if not isinstance(value, list):
            self.m.error(
                origin,
                sub,
                f"links are a list, not {_describe(value)}",
                "write - {ref: key} for each linked record",
            )
            return
        for position, link in enumerate(value):
            at: YamlPath = (*sub, position)
            if not isinstance(link, dict) or "ref" not in link:
                self.m.error(origin, at, "each link is {ref: <key>, <link field>: value…}")
                continue
            self.ref({"ref": link["ref"]}, (relation.target,), origin, at)
            for name, link_value in link.items():
                if name == "ref":
                    continue
                link_field = relation.fields.get(name)
                if link_field is None:
                    self.m.key_error(
                        origin,
                        (*at, name),
                        f"unknown link field {name!r}",
                        did_you_mean(name, relation.fields)
                        or "link fields are declared under the relation's fields:",
                    )
                else:
                    self.value(link_field, link_value, origin, (*at, name))


def _is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def check_data(merged: Merged) -> None:
    """Check every data file's records, appending located errors to ``merged.errors``."""
    _DataChecker(merged).run()
