"""The screens in the user's language: UI strings, metadata labels, and formats.

UI strings live in YAML catalogues, ``ui/locales/<lang>.yaml``, one flat key per
string. We chose YAML over gettext ``.po``/``.mo`` because it is the format solutions
already use for their own translations (``i18n/<lang>.yaml``, whose ``strings:`` may
override or add UI strings — area names, say), it needs no compile step at setup or
in the wheel, and a test can check it completely: every language has every key, with
the same ``{placeholders}``. Plurals use CLDR's rules through babel: a value may be a
mapping of plural forms (``one``, ``few``, ``many``, ``other``), picked by ``count``.

Labels of entities, fields, options and relations come from the Registry, in the
user's language (falling back to English). Numbers, money, dates and datetimes are
formatted and parsed with babel for the user's locale, datetimes in the user's time
zone.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import yaml
from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

from xrm.metamodel.registry import Registry, humanize, pick
from xrm.metamodel.types import SUPPORTED_LANGUAGES

LOCALES_DIR: Final = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE: Final = "en"
DEFAULT_TIME_ZONE: Final = "UTC"
#: Names of the languages, each written in itself (for the language menu).
LANGUAGE_NAMES: Final = {"en": "English", "fr": "Français", "ja": "日本語", "ru": "Русский"}
_PLURAL_FORMS: Final = frozenset({"zero", "one", "two", "few", "many", "other"})

Message = str | Mapping[str, str]


class CatalogError(Exception):
    """A catalogue is missing, malformed, or out of step with the English one."""


def placeholders(text: str) -> frozenset[str]:
    """The ``{names}`` a message uses."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def _forms(message: Message) -> list[str]:
    return [message] if isinstance(message, str) else list(message.values())


def _check_message(lang: str, key: str, message: object) -> Message:
    if isinstance(message, str):
        return message
    if isinstance(message, Mapping) and message and set(message) <= _PLURAL_FORMS:
        if "other" not in message or not all(isinstance(v, str) for v in message.values()):
            raise CatalogError(f"{lang}.yaml: {key}: plural forms need an 'other' text")
        return {str(k): str(v) for k, v in message.items()}
    raise CatalogError(f"{lang}.yaml: {key}: write a text, or plural forms (one, other, …)")


def load_catalogs(folder: Path = LOCALES_DIR) -> dict[str, dict[str, Message]]:
    """Every supported language's catalogue, checked against the English one."""
    catalogs: dict[str, dict[str, Message]] = {}
    for lang in SUPPORTED_LANGUAGES:
        path = folder / f"{lang}.yaml"
        if not path.exists():
            raise CatalogError(f"missing UI catalogue {path}; copy en.yaml and translate it")
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, Mapping):
            raise CatalogError(f"{path}: expected a mapping of keys to texts")
        catalogs[lang] = {str(k): _check_message(lang, str(k), v) for k, v in raw.items()}
    english = catalogs[DEFAULT_LANGUAGE]
    for lang, catalog in catalogs.items():
        missing = sorted(set(english) - set(catalog))
        extra = sorted(set(catalog) - set(english))
        if missing or extra:
            raise CatalogError(
                f"{lang}.yaml is out of step with en.yaml: missing {missing}, unknown {extra}"
            )
        for key, message in catalog.items():
            wanted = {name for form in _forms(english[key]) for name in placeholders(form)}
            for form in _forms(message):
                if not placeholders(form) <= wanted:
                    raise CatalogError(
                        f"{lang}.yaml: {key} uses {sorted(placeholders(form) - wanted)}, "
                        f"which en.yaml does not provide (it has {sorted(wanted)})"
                    )
    return catalogs


def negotiate(accept_language: str | None) -> str:
    """The best supported language for an ``Accept-Language`` header (else English)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                quality = 0.0
        weighted.append((-quality, index, tag.strip().lower().split("-", 1)[0]))
    for _, _, base in sorted(weighted):
        if base in SUPPORTED_LANGUAGES:
            return base
    return DEFAULT_LANGUAGE


def supported_language(value: str | None) -> str | None:
    return value if value in SUPPORTED_LANGUAGES else None


def time_zone(name: str | None) -> ZoneInfo | None:
    """The time zone called ``name``, or None if there is none by that name."""
    if not name or len(name) > 64 or name.startswith("/") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def time_zone_names() -> list[str]:
    return sorted(available_timezones())


@dataclass(frozen=True)
class Translator:
    """UI strings, metadata labels and formats in one language and time zone."""

    lang: str
    catalog: Mapping[str, Message]
    registry: Registry
    locale: Locale
    zone: ZoneInfo

    # ------------------------------------------------------------ UI strings

    def __call__(self, key: str, /, **params: object) -> str:
        """The UI string ``key``, with ``{placeholders}`` filled from ``params``."""
        override = self.registry.strings.get(self.lang, {}).get(key)
        message: Message | None = override if override is not None else self.catalog.get(key)
        if message is None:
            raise KeyError(f"unknown UI string {key!r}: add it to ui/locales/*.yaml")
        if not isinstance(message, str):
            count = params.get("count")
            form = self.locale.plural_form(count if isinstance(count, int | Decimal) else 0)
            message = message.get(form, message["other"])
        return message.format_map(params) if params else message

    def has(self, key: str) -> bool:
        return key in self.catalog or key in self.registry.strings.get(self.lang, {})

    # -------------------------------------------------------- metadata labels

    def entity(self, name: str) -> str:
        return pick(self.registry.entity(name).label, self.lang, humanize(name))

    def plural(self, name: str) -> str:
        return pick(self.registry.entity(name).plural, self.lang, humanize(name))

    def field(self, entity: str, name: str) -> str:
        if name == "id":
            return "ID"
        definition = self.registry.entity(entity).fields.get(name)
        return pick(definition.label if definition else None, self.lang, humanize(name))

    def path(self, entity: str, path: str) -> str:
        """The label of a dotted path: ``account.name`` reads "Account / Name"."""
        parts = path.split(".")
        labels: list[str] = []
        current = entity
        for index, part in enumerate(parts):
            labels.append(self.field(current, part))
            if index < len(parts) - 1:
                target = getattr(self.registry.entity(current).fields.get(part), "target", None)
                if not isinstance(target, str):
                    break
                current = target
        return " / ".join(labels)

    def option(self, entity: str, field: str, value: str) -> str:
        definition = self.registry.entity(entity).fields.get(field)
        for option in getattr(definition, "options", None) or ():
            if option.value == value:
                return pick(option.label, self.lang, humanize(value))
        return humanize(value)

    def relation(self, entity: str, name: str) -> str:
        definition = self.registry.entity(entity).relations.get(name)
        if definition is not None:
            return pick(definition.label, self.lang, humanize(name))
        inverse = self.registry.inverses(entity).get(name)
        if inverse is not None:
            return self.plural(inverse.entity)
        return humanize(name)

    def area(self, name: str) -> str:
        key = f"area.{name}"
        return self(key) if self.has(key) else humanize(name)

    def text(self, label: Mapping[str, str] | None, fallback: str = "") -> str:
        """A translatable metadata text (a form's or view's ``label``)."""
        return pick(label, self.lang, fallback)

    # ---------------------------------------------------------------- formats

    def number(self, value: int | Decimal, *, places: int | None = None) -> str:
        if places is not None and isinstance(value, Decimal):
            return format_decimal(value, format=_pattern(places), locale=self.locale)
        return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def money(self, amount: Decimal, currency: str | None) -> str:
        if currency:
            return format_currency(amount, currency, locale=self.locale)
        return format_decimal(amount, format=_pattern(2), locale=self.locale)

    def parse_number(self, text: str) -> Decimal:
        """A number typed in the user's format (``1 234,5`` in French); ValueError if not."""
        cleaned = text.strip()
        group, point = get_group_symbol(self.locale), get_decimal_symbol(self.locale)
        if not group.strip():
            # A space-like group separator: people type any kind of space, or none, and
            # often a dot for the decimal point, which such locales never use otherwise.
            cleaned = re.sub(r"[\s\u00a0\u202f]", "", cleaned)
            if point != "." and point not in cleaned:
                cleaned = cleaned.replace(".", point)
        try:
            return parse_decimal(cleaned, locale=self.locale, strict=False)
        except NumberFormatError as exc:
            raise ValueError(str(exc)) from None

    def date(self, value: dt.date) -> str:
        return format_date(value, format="medium", locale=self.locale)

    def datetime(self, value: dt.datetime) -> str:
        local = value.astimezone(self.zone)
        return format_datetime(local, format="medium", tzinfo=self.zone, locale=self.locale)

    def time(self, value: dt.datetime) -> str:
        return format_time(value.astimezone(self.zone), format="short", locale=self.locale)

    def local_input(self, value: dt.datetime) -> str:
        """A datetime as a ``datetime-local`` input shows it: wall time in the user's zone."""
        return value.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M")

    def from_local_input(self, text: str) -> dt.datetime:
        """A ``datetime-local`` value (wall time in the user's zone) as an aware datetime."""
        naive = dt.datetime.fromisoformat(text.strip())
        if naive.tzinfo is not None:
            return naive
        return naive.replace(tzinfo=self.zone)


def _pattern(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


@dataclass(frozen=True)
class Languages:
    """The catalogues and babel locales of every supported language, loaded once."""

    catalogs: Mapping[str, Mapping[str, Message]]
    locales: Mapping[str, Locale]

    @classmethod
    def load(cls, folder: Path = LOCALES_DIR) -> Languages:
        catalogs = load_catalogs(folder)
        return cls(catalogs, {lang: Locale.parse(lang) for lang in catalogs})

    def translator(self, registry: Registry, lang: str, zone: ZoneInfo) -> Translator:
        lang = lang if lang in self.catalogs else DEFAULT_LANGUAGE
        return Translator(lang, self.catalogs[lang], registry, self.locales[lang], zone)
