"""UI catalogues are complete in every language; labels and formats follow the user."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from xrm.metamodel.registry import Registry
from xrm.metamodel.types import SUPPORTED_LANGUAGES
from xrm.ui.i18n import (
    LOCALES_DIR,
    CatalogError,
    Languages,
    load_catalogs,
    negotiate,
    time_zone,
)
from xrm.ui.screens import TEMPLATES_DIR

from .conftest import translator

UI_DIR = Path(LOCALES_DIR).parent


def test_every_language_has_every_string_with_the_same_placeholders() -> None:
    catalogs = load_catalogs()  # raises CatalogError naming what is missing
    assert set(catalogs) == set(SUPPORTED_LANGUAGES)
    assert len({len(c) for c in catalogs.values()}) == 1


def test_a_missing_or_extra_key_is_reported(tmp_path: Path) -> None:
    for lang in SUPPORTED_LANGUAGES:
        text = (LOCALES_DIR / f"{lang}.yaml").read_text(encoding="utf-8")
        if lang == "ru":
            text = text.replace("action.save:", "action.sav:")
        (tmp_path / f"{lang}.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"ru\.yaml is out of step.*action\.save"):
        load_catalogs(tmp_path)


def test_every_string_the_screens_use_is_in_the_catalogue() -> None:
    keys = set(load_catalogs()["en"])
    used: set[str] = set()
    for template in TEMPLATES_DIR.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_.]+)'", template.read_text()))
    for module in UI_DIR.glob("*.py"):
        used |= set(re.findall(r'fmt\(\s*"([a-z_]+\.[a-z_.]+)"', module.read_text()))
        used |= set(re.findall(r'flash\("\w+", "([a-z_]+\.[a-z_.]+)"', module.read_text()))
    assert used
    assert used - keys == set()


def test_plurals_follow_each_language(crm_registry: Registry, languages: Languages) -> None:
    russian = translator(crm_registry, languages, "ru")
    assert russian("list.rows_shown", count=1) == "Показана 1 строка"
    assert russian("list.rows_shown", count=3) == "Показаны 3 строки"
    assert russian("list.rows_shown", count=11) == "Показано 11 строк"
    english = translator(crm_registry, languages, "en")
    assert english("list.rows_shown", count=1) == "1 row shown"
    assert english("list.rows_shown", count=2) == "2 rows shown"


def test_metadata_labels_come_in_the_users_language(
    crm_registry: Registry, languages: Languages
) -> None:
    japanese = translator(crm_registry, languages, "ja")
    assert japanese.entity("account") == "取引先企業"
    assert japanese.field("account", "name") == "取引先名"
    assert japanese.area("sales") == "営業"
    assert japanese.path("contact", "account.name") == "取引先企業 / 取引先名"
    assert (
        translator(crm_registry, languages, "fr").option("opportunity", "stage", "won") == "Gagnée"
    )


def test_numbers_are_formatted_and_read_per_locale(
    crm_registry: Registry, languages: Languages
) -> None:
    for lang, shown in {
        "en": "1,234.5",
        "fr": "1\u202f234,5",
        "ja": "1,234.5",
        "ru": "1\xa0234,5",
    }.items():
        fmt = translator(crm_registry, languages, lang)
        assert fmt.number(Decimal("1234.5")) == shown
        assert fmt.parse_number(shown) == Decimal("1234.5")
    french = translator(crm_registry, languages, "fr")
    assert french.parse_number("1 234,5") == Decimal("1234.5")  # a plain space, as typed
    assert french.parse_number("12.5") == Decimal("12.5")  # a dot, as people often type
    with pytest.raises(ValueError):
        french.parse_number("douze")


def test_the_browser_language_is_negotiated() -> None:
    assert negotiate("ja-JP,ja;q=0.9,en;q=0.8") == "ja"
    assert negotiate("de-DE,fr;q=0.5,ru;q=0.7") == "ru"
    assert negotiate("de-DE") == "en"
    assert negotiate(None) == "en"


def test_time_zones_are_checked_by_name() -> None:
    assert time_zone("Europe/Moscow") is not None
    assert time_zone("Mars/Olympus") is None
    assert time_zone("../../etc/passwd") is None
