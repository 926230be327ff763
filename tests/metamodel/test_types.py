"""Names: what makes a valid identifier, and the suggestion when one is not."""

from __future__ import annotations

import pytest

from xrm.metamodel.types import (
    MAX_IDENTIFIER_BYTES,
    RESERVED_WORDS,
    SYSTEM_FIELDS,
    identifier_problem,
    identifier_suggestion,
)


@pytest.mark.parametrize("name", ["account", "close_date", "x", "line2", "a_" + "b" * 61])
def test_valid_identifiers(name: str) -> None:
    assert identifier_problem(name) is None
    assert identifier_suggestion(name) is None


@pytest.mark.parametrize(
    ("name", "problem", "suggestion"),
    [
        ("Close Date", "is not a valid name", "write it as 'close_date'"),
        ("close-date", "is not a valid name", "write it as 'close_date'"),
        ("2nd_phone", "is not a valid name", "write it as 'nd_phone'"),
        ("_hidden", "is not a valid name", "write it as 'hidden'"),
        ("Étape", "is not a valid name", "write it as 'etape'"),
        ("имя", "is not a valid name", "for example 'close_date'"),
        ("", "is not a valid name", "for example 'close_date'"),
        ("close__date", "contains '__'", "write it as 'close_date'"),
        ("a" * 64, "is 64 bytes long", "shorten it to 63 bytes or fewer"),
        ("select", "is a reserved word", "choose another name"),
        ("null", "is a reserved word", "choose another name"),
    ],
)
def test_invalid_identifiers(name: str, problem: str, suggestion: str) -> None:
    found = identifier_problem(name)
    assert found is not None
    assert problem in found
    hint = identifier_suggestion(name)
    assert hint is not None
    assert hint.startswith(suggestion)


def test_reserved_words_cover_the_expression_keywords() -> None:
    assert {"and", "or", "not", "in", "is", "null", "true", "false"} <= RESERVED_WORDS
    # Business words stay usable: generated SQL always quotes identifiers.
    assert not {"order", "group", "user", "type", "status"} & RESERVED_WORDS


def test_system_fields_are_valid_identifiers() -> None:
    assert MAX_IDENTIFIER_BYTES == 63
    assert all(identifier_problem(name) is None for name in SYSTEM_FIELDS)
