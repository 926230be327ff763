"""YAML reading: every node keeps its location; YAML 1.1 traps are switched off."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from xrm.metamodel.errors import Location
from xrm.metamodel.yamlsource import Document, parse_yaml, read_yaml


def _parse(text: str) -> Document:
    document, errors = parse_yaml(textwrap.dedent(text).lstrip("\n"), "f.yaml")
    assert errors == []
    assert document is not None
    return document


def test_values_and_keys_keep_line_and_column() -> None:
    document = _parse(
        """
        entity: account
        fields:
          name: {type: string}
          stage:
            type: choice
            options: [open, won]
        """
    )
    assert document.data["fields"]["stage"]["options"] == ["open", "won"]
    assert document.locate(("entity",)) == Location("f.yaml", 1, 9)
    assert document.locate(("fields", "name", "type")) == Location("f.yaml", 3, 16)
    assert document.locate(("fields", "stage"), key=True) == Location("f.yaml", 4, 3)
    assert document.locate(("fields", "stage", "options", 1)) == Location("f.yaml", 6, 21)


def test_locate_falls_back_to_the_nearest_written_ancestor() -> None:
    document = _parse("fields:\n  name: {type: string}\n")
    # Nothing was written at fields.name.label: point at fields.name instead.
    assert document.locate(("fields", "name", "label")) == Location("f.yaml", 2, 9)
    assert document.locate(("nowhere",)) == Location("f.yaml", 1, 1)


def test_locate_in_text_points_inside_the_scalar() -> None:
    document = _parse(
        """
        plain: amount * qty
        quoted: "amount * qty"
        folded: >-
          amount * qty
        """
    )
    assert document.locate_in_text(("plain",), 9) == Location("f.yaml", 1, 17)
    # The opening quote is one column before the text starts.
    assert document.locate_in_text(("quoted",), 9) == Location("f.yaml", 2, 19)
    # Block scalars cannot be mapped column by column: the value's start is used.
    assert document.locate_in_text(("folded",), 9) == document.locate(("folded",))


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "OFF"])
def test_yes_no_on_off_stay_strings(word: str) -> None:
    document = _parse(f"value: {word}\nlist: [{word}]\n")
    assert document.data == {"value": word, "list": [word]}


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("False", False), ("TRUE", True)])
def test_true_and_false_are_booleans(text: str, expected: bool) -> None:
    assert _parse(f"value: {text}\n").data == {"value": expected}


def test_other_scalars_keep_their_yaml_types() -> None:
    document = _parse("n: 42\nd: 2026-03-31\nx: 1.5\nnothing: null\ns: '042'\n")
    assert document.data == {
        "n": 42,
        "d": dt.date(2026, 3, 31),
        "x": 1.5,
        "nothing": None,
        "s": "042",
    }


def test_duplicate_keys_are_errors_with_both_lines() -> None:
    text = "fields:\n  name: {type: string}\n  amount: {type: money}\n  name: {type: text}\n"
    document, errors = parse_yaml(text, "f.yaml")
    assert document is not None
    assert [e.render() for e in errors] == [
        "f.yaml:4:3: at fields.name: duplicate key 'name' "
        "(it is already set at line 2; keep one of them)"
    ]
    # The first value wins in the data, so later checks see one consistent field.
    assert document.data["fields"]["name"] == {"type": "string"}


def test_non_scalar_keys_are_errors() -> None:
    _, errors = parse_yaml("? [a, b]\n: 1\n", "f.yaml")
    assert [e.message for e in errors] == [
        "a mapping key must be a plain name, not a list or mapping"
    ]
    assert errors[0].location == Location("f.yaml", 1, 3)


def test_numeric_keys_become_names() -> None:
    assert _parse("1: a\ntrue: b\n").data == {"1": "a", "True": "b"}


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        ("entity: account\nfields:\n  name: {type: string\n", 4, 1, "expected ',' or '}'"),
        ("entity: account\n  fields: x\n", 2, 9, "mapping values are not allowed here"),
        ("a: 'unterminated\n", 2, 1, "found unexpected end of stream"),
        ("- a\nb: c\n", 2, 1, "expected <block end>, but found '?'"),
    ],
)
def test_syntax_errors_are_located(text: str, line: int, column: int, problem: str) -> None:
    document, errors = parse_yaml(text, "f.yaml")
    assert document is None
    [error] = errors
    assert error.location == Location("f.yaml", line, column)
    assert error.message.startswith("YAML syntax error: ")
    assert problem in error.message
    assert error.suggestion == "check indentation and quoting around this position"


def test_an_empty_file_is_an_empty_document() -> None:
    document, errors = parse_yaml("# only a comment\n", "f.yaml")
    assert errors == []
    assert document is not None
    assert document.data is None


def test_read_yaml_reports_unreadable_files(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("name: caf\xe9\n".encode("latin-1"))
    document, errors = read_yaml(latin1, "latin1.yaml")
    assert document is None
    assert errors[0].message.startswith("file is not UTF-8")
    assert errors[0].location == Location("latin1.yaml")

    document, errors = read_yaml(tmp_path / "missing.yaml", "missing.yaml")
    assert document is None
    assert errors[0].message.startswith("cannot read file")


def test_unicode_text_is_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "names.yaml"
    path.write_text("ja: 田中 花子\nru: Иван Петров\n", encoding="utf-8")
    document, errors = read_yaml(path)
    assert errors == []
    assert document is not None
    assert document.data == {"ja": "田中 花子", "ru": "Иван Петров"}
    assert document.file == str(path)
