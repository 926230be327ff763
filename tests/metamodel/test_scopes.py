"""Name resolution: what ``amount``, ``account.name`` or ``$user.region`` mean on an entity."""

from __future__ import annotations

from typing import Any

import pytest

from xrm.metamodel.expression_types import Resolved
from xrm.metamodel.expressions import ExpressionError
from xrm.metamodel.schema import EntityDef
from xrm.metamodel.scopes import (
    KIND_VALUE_TYPES,
    EntityScope,
    FieldPath,
    ParamEntityScope,
    field_value_type,
    inverse_relations,
    resolve_path,
)
from xrm.metamodel.types import COMPUTED_KINDS, FieldKind, ValueType

V = ValueType


def entity(name: str, fields: dict[str, Any], relations: dict[str, Any] | None = None) -> EntityDef:
    return EntityDef.model_validate(
        {"entity": name, "fields": fields, "relations": relations or {}}
    )


ENTITIES: dict[str, EntityDef] = {
    "user": entity(
        "user",
        {"name": {"type": "string"}, "region": {"type": "choice", "options": ["emea", "apac"]}},
    ),
    "account": entity(
        "account",
        {
            "name": {"type": "string"},
            "owner_user": {"type": "lookup", "target": "user"},
            "parent": {"type": "lookup", "target": "account"},
            "total": {"type": "rollup", "relation": "deals", "aggregate": "sum", "field": "amount"},
            "deals_count": {"type": "rollup", "relation": "deals", "aggregate": "count"},
            "average": {"type": "rollup", "relation": "deals", "aggregate": "avg", "field": "size"},
            "average_amount": {
                "type": "rollup",
                "relation": "deals",
                "aggregate": "avg",
                "field": "amount",
            },
            "last_close": {
                "type": "rollup",
                "relation": "deals",
                "aggregate": "max",
                "field": "close_date",
            },
        },
        {
            "deals": {"type": "one_to_many", "target": "deal", "field": "account"},
            "partners": {"type": "many_to_many", "target": "contact", "inverse": "partner_of"},
        },
    ),
    "contact": entity("contact", {"name": {"type": "string"}}),
    "deal": entity(
        "deal",
        {
            "account": {"type": "lookup", "target": "account"},
            "amount": {"type": "money"},
            "size": {"type": "integer"},
            "close_date": {"type": "date"},
            "stage": {"type": "choice", "options": ["open", "won"]},
            "weighted": {"type": "formula", "returns": "money", "expression": "amount / 2"},
            "about": {"type": "polymorphic_lookup", "targets": ["account", "contact"]},
        },
        {"helpers": {"type": "many_to_many", "target": "contact", "inverse": "helps"}},
    ),
}


def test_every_stored_kind_has_a_value_type() -> None:
    assert set(KIND_VALUE_TYPES) == set(FieldKind) - COMPUTED_KINDS


@pytest.mark.parametrize(
    ("entity_name", "field", "expected"),
    [
        ("deal", "weighted", V.MONEY),
        ("deal", "about", V.ID),
        ("deal", "stage", V.STRING),
        ("account", "total", V.MONEY),
        ("account", "deals_count", V.INTEGER),
        ("account", "average", V.DECIMAL),
        ("account", "average_amount", V.MONEY),
        ("account", "last_close", V.DATE),
    ],
)
def test_field_value_types(entity_name: str, field: str, expected: ValueType) -> None:
    owner = ENTITIES[entity_name]
    assert field_value_type(ENTITIES, owner, owner.fields[field]) is expected


def test_resolve_a_path_through_lookups() -> None:
    path, field = resolve_path(ENTITIES, "deal", ("account", "owner_user", "name"), 0)
    assert path == FieldPath(
        steps=(("deal", "account"), ("account", "owner_user")), entity="user", field="name"
    )
    assert field is ENTITIES["user"].fields["name"]
    path, field = resolve_path(ENTITIES, "deal", ("account", "id"), 0)
    assert (path.entity, path.field, field) == ("account", "id", None)


@pytest.mark.parametrize(
    ("path", "message", "suggestion"),
    [
        (("amout",), "unknown field 'amout' on entity 'deal'", "did you mean 'amount'?"),
        (("account", "nme"), "unknown field 'nme' on entity 'account'", "did you mean 'name'?"),
        (
            ("account", "deals"),
            "unknown field 'deals' on entity 'account'",
            "'deals' is a to-many relation; aggregate it with a rollup field instead",
        ),
        (
            ("amount", "currency"),
            "'amount' is not a lookup, so 'amount.currency' cannot follow it",
            "only single-target lookups can be followed with '.'",
        ),
        (
            ("about", "name"),
            "'about' is not a lookup, so 'about.name' cannot follow it",
            "only single-target lookups can be followed with '.'",
        ),
        (("id", "name"), "'id' has no fields", None),
    ],
)
def test_unresolvable_paths(path: tuple[str, ...], message: str, suggestion: str | None) -> None:
    with pytest.raises(ExpressionError) as info:
        resolve_path(ENTITIES, "deal", path, 7)
    assert (info.value.message, info.value.suggestion, info.value.pos) == (message, suggestion, 7)


def test_entity_scope_gives_types_and_options() -> None:
    scope = EntityScope(ENTITIES, "deal")
    assert scope.field(("stage",), 0) == Resolved(V.STRING, ("open", "won"))
    assert scope.field(("account", "parent", "name"), 0) == Resolved(V.STRING)
    assert scope.field(("id",), 0) == Resolved(V.ID)
    with pytest.raises(ExpressionError, match="cannot be used here"):
        scope.param(("user",), 0)


def test_parameter_scope_resolves_dollar_names_on_their_entity() -> None:
    scope = ParamEntityScope(ENTITIES, "deal", {"user": "user"})
    assert scope.param(("user",), 0) == Resolved(V.ID)
    assert scope.param(("user", "id"), 0) == Resolved(V.ID)
    assert scope.param(("user", "region"), 0) == Resolved(V.STRING, ("emea", "apac"))
    with pytest.raises(ExpressionError) as info:
        scope.param(("usr", "id"), 3)
    assert (info.value.message, info.value.suggestion) == (
        "unknown parameter $usr",
        "did you mean 'user'?",
    )


def test_inverse_relations_name_many_to_many_from_the_other_side() -> None:
    found = inverse_relations(ENTITIES, "contact")
    assert sorted(found) == ["helps", "partner_of"]
    assert (found["partner_of"].entity, found["partner_of"].relation) == ("account", "partners")
    assert found["helps"].target == "deal"
    assert inverse_relations(ENTITIES, "deal") == {}
