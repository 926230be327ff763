"""The scalars of the generated schema, and the Python type each catalog shape maps to.

GraphQL's ``Int`` is 32 bits; integer fields are 64-bit, so those whose bounds do
not fit ``Int`` are ``BigInt`` (a JSON number, read from a number or from text).
``Date``, ``DateTime`` and ``Decimal`` are strawberry's (ISO text; decimals as text, so
no amount loses a digit on the way).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Final, NewType

import strawberry
from graphql import IntValueNode, StringValueNode, ValueNode
from strawberry.types.scalar import ScalarDefinition

from .catalog import Scalar

BigInt = NewType("BigInt", int)

_INT64: Final = 2**63


def _parse_big_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError("BigInt cannot represent true or false")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise ValueError(f"BigInt cannot represent {value!r}: give a whole number")
    if not -_INT64 <= number < _INT64:
        raise ValueError(f"BigInt cannot represent {number}: it needs more than 64 bits")
    return number


def _parse_big_int_literal(node: ValueNode, variables: Any = None) -> int:
    if isinstance(node, IntValueNode | StringValueNode):
        return _parse_big_int(int(node.value) if isinstance(node, IntValueNode) else node.value)
    raise ValueError("BigInt takes a whole number")


BIG_INT: Final[ScalarDefinition] = strawberry.scalar(
    name="BigInt",
    description="A whole number of up to 64 bits (a JSON number).",
    serialize=int,
    parse_value=_parse_big_int,
    parse_literal=_parse_big_int_literal,
)

#: Scalars the schema config maps to their definitions.
SCALAR_MAP: Final[dict[object, ScalarDefinition]] = {BigInt: BIG_INT}


@strawberry.type(description="An amount and its currency.")
class Money:
    amount: Decimal
    #: Amounts computed by formulas or rollups have no currency.
    currency: str | None


@strawberry.input(description="An amount; the currency defaults to the field's, else the site's.")
class MoneyInput:
    amount: Decimal
    currency: str | None = strawberry.UNSET


#: The Python annotation of each scalar shape.
PYTHON_TYPES: Final[dict[Scalar, object]] = {
    Scalar.STRING: str,
    Scalar.INT: int,
    Scalar.BIG_INT: BigInt,
    Scalar.DECIMAL: Decimal,
    Scalar.BOOLEAN: bool,
    Scalar.DATE: dt.date,
    Scalar.DATETIME: dt.datetime,
    Scalar.ID: strawberry.ID,
    Scalar.MONEY: Money,
}

#: The input annotation of each scalar shape (money is written as a MoneyInput).
INPUT_TYPES: Final[dict[Scalar, object]] = {**PYTHON_TYPES, Scalar.MONEY: MoneyInput}
