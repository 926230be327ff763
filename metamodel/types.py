"""The vocabulary of the metamodel: the ONE place field kinds and other enums are listed.

Every consumer (storage columns, GraphQL types, form widgets, importers) keys its
dispatch table by these enums, so adding a kind is a change the type checker walks
you through, never a string hunted across files.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Final


class FieldKind(StrEnum):
    """What a field holds; the ``type:`` key of a field in an entity's YAML."""

    STRING = "string"
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    CHOICE = "choice"
    MULTICHOICE = "multichoice"
    LOOKUP = "lookup"
    POLYMORPHIC_LOOKUP = "polymorphic_lookup"
    AUTONUMBER = "autonumber"
    FORMULA = "formula"
    ROLLUP = "rollup"
    FILE = "file"


#: Kinds whose value is computed by the database on read, never written.
COMPUTED_KINDS: Final = frozenset({FieldKind.FORMULA, FieldKind.ROLLUP})


class ValueType(StrEnum):
    """The type of a value in the expression language (and of a field's value)."""

    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    MONEY = "money"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    ID = "id"
    MULTICHOICE = "multichoice"
    NULL = "null"


#: Numeric value types, narrowest first: mixing two yields the wider one.
NUMERIC_TYPES: Final = (ValueType.INTEGER, ValueType.DECIMAL, ValueType.MONEY)

#: Value types a formula may return (``returns:``).
FORMULA_RETURN_TYPES: Final = frozenset(
    {
        ValueType.STRING,
        ValueType.INTEGER,
        ValueType.DECIMAL,
        ValueType.MONEY,
        ValueType.BOOLEAN,
        ValueType.DATE,
        ValueType.DATETIME,
    }
)


class Ownership(StrEnum):
    """Who owns an entity's records; drives the system columns and, later, row scopes."""

    USER = "user"  # owned by a user or a team; the business unit follows the owner
    TEAM = "team"  # owned by a team
    BUSINESS_UNIT = "business_unit"  # belongs to a business unit, no owner (users, teams)
    ORGANIZATION = "organization"  # no owner: visible by role alone


class OnDelete(StrEnum):
    """What happens to a referencing record when the referenced one is deleted."""

    RESTRICT = "restrict"
    SET_NULL = "set_null"
    CASCADE = "cascade"


class Aggregate(StrEnum):
    COUNT = "count"
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


class RelationKind(StrEnum):
    ONE_TO_MANY = "one_to_many"
    MANY_TO_MANY = "many_to_many"


class Scope(StrEnum):
    """How far a role's permission on an entity reaches (rows), narrowest first."""

    NONE = "none"
    OWN = "own"
    TEAM = "team"
    BUSINESS_UNIT = "business_unit"
    BUSINESS_UNIT_AND_CHILDREN = "business_unit_and_children"
    ALL = "all"


class SortDirection(StrEnum):
    ASC = "asc"
    DESC = "desc"


#: PostgreSQL truncates identifiers longer than this many bytes.
MAX_IDENTIFIER_BYTES: Final = 63

IDENTIFIER_RE: Final = re.compile(r"^[a-z][a-z0-9_]*$")

#: Joins names in generated identifiers (``regarding__account`` column, ``opportunity__contacts``
#: junction table). Declared names may not contain it, so generated ones never clash.
GENERATED_SEPARATOR: Final = "__"

#: Prefix reserved for the platform's own tables.
SYSTEM_TABLE_PREFIX: Final = "xrm_"

#: Languages the platform ships translations for; labels may use any BCP-47-like tag.
SUPPORTED_LANGUAGES: Final = ("en", "fr", "ja", "ru")

#: Columns every entity table gets. Declared fields may not reuse these names.
SYSTEM_FIELDS: Final = (
    "id",
    "created_at",
    "created_by",
    "modified_at",
    "modified_by",
    "owner",
    "business_unit",
    "version",
)

#: Words that may not name an entity, field, relation or option: the expression
#: language's keywords, and SQL keywords that would read ambiguously in filters and
#: generated SQL. (Business words such as "order", "group" or "user" stay allowed;
#: generated SQL always quotes identifiers.)
RESERVED_WORDS: Final = frozenset(
    {
        # expression language
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "true",
        "false",
        # SQL
        "all",
        "any",
        "as",
        "asc",
        "between",
        "case",
        "cast",
        "check",
        "column",
        "constraint",
        "current_date",
        "current_time",
        "current_timestamp",
        "default",
        "desc",
        "distinct",
        "else",
        "end",
        "foreign",
        "from",
        "having",
        "like",
        "limit",
        "offset",
        "primary",
        "references",
        "returning",
        "select",
        "table",
        "then",
        "union",
        "when",
        "where",
    }
)


def identifier_problem(name: str) -> str | None:
    """Why ``name`` cannot be an identifier (entity, field, relation, option…), or None."""
    if not IDENTIFIER_RE.match(name):
        return (
            f"{name!r} is not a valid name: use lowercase letters, digits and underscores, "
            "starting with a letter"
        )
    if "__" in name:
        return f"{name!r} contains '__', which is reserved for generated names"
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        return (
            f"{name!r} is {len(name.encode())} bytes long; PostgreSQL identifiers are limited "
            f"to {MAX_IDENTIFIER_BYTES} bytes"
        )
    if name in RESERVED_WORDS:
        return f"{name!r} is a reserved word"
    return None


def identifier_suggestion(name: str) -> str | None:
    """How to fix the problem :func:`identifier_problem` found in ``name``."""
    if not IDENTIFIER_RE.match(name):
        # Accents are dropped ("Étape" -> "etape"); other scripts leave nothing to suggest.
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        cleaned = re.sub(r"[^a-z0-9_]+", "_", ascii_name.strip().lower()).strip("_")
        cleaned = re.sub(r"^[^a-z]+", "", cleaned)
        if cleaned and IDENTIFIER_RE.match(cleaned) and "__" not in cleaned:
            return f"write it as {cleaned!r}"
        return "for example 'close_date'"
    if "__" in name:
        return f"write it as {re.sub(r'_+', '_', name)!r}"
    if len(name.encode()) > MAX_IDENTIFIER_BYTES:
        return f"shorten it to {MAX_IDENTIFIER_BYTES} bytes or fewer"
    if name in RESERVED_WORDS:
        return "choose another name; keywords of SQL and of the expression language are reserved"
    return None
