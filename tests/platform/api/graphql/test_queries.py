"""Reading records over HTTP: typed fields, lookups, unions, relations, computed fields."""

from __future__ import annotations

import uuid
from decimal import Decimal

from .conftest import Api


def _sales(api: Api) -> dict[str, str]:
    (acme, beta) = api.seed(
        "account",
        [
            {"name": "Acme", "code": "AC", "tier": "gold", "revenue": {"amount": "1200.50"}},
            {"name": "Beta", "code": "BE", "tier": "silver", "employees": 12},
        ],
    )
    (ada,) = api.seed(
        "contact",
        [
            {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "account": acme,
                "channels": ["email", "post"],
                "birthday": "1815-12-10",
                "last_seen": "2024-05-01T09:30:00+02:00",
            }
        ],
    )
    (won, lost) = api.seed(
        "opportunity",
        [
            {
                "name": "Renewal",
                "account": acme,
                "stage": "won",
                "amount": "1000",
                "probability": 50,
            },
            {"name": "Upsell", "account": acme, "stage": "lost", "amount": "300"},
        ],
    )
    (tag,) = api.seed("tag", [{"name": "key"}])
    with api.repository() as repository:
        repository.link("account", "tags", uuid.UUID(acme), uuid.UUID(tag), {"note": "top"})
    api.seed(
        "activity",
        [
            {"subject": "Call Ada", "regarding": {"entity": "contact", "id": ada}},
            {"subject": "Visit", "regarding": {"entity": "account", "id": acme}},
        ],
    )
    return {"acme": acme, "beta": beta, "ada": ada, "won": won, "lost": lost, "tag": tag}


def test_one_record_has_every_kind_of_field_typed(api: Api) -> None:
    ids = _sales(api)
    data = api.data(
        """query($id: ID!) { contact(id: $id) {
             id firstName lastName fullName email channels vip birthday lastSeen
             account { name tier revenue { amount currency } accountId: parentId }
             accountId createdAt modifiedAt version createdBy { name } owner { __typename }
           } }""",
        {"id": ids["ada"]},
    )
    contact = data["contact"]
    assert contact["id"] == ids["ada"]
    assert contact["fullName"] == "Ada Lovelace"
    assert contact["channels"] == ["EMAIL", "POST"]
    assert contact["vip"] is False
    assert contact["birthday"] == "1815-12-10"
    assert contact["lastSeen"].startswith("2024-05-01T07:30:00")
    assert contact["account"]["tier"] == "GOLD"
    assert Decimal(contact["account"]["revenue"]["amount"]) == Decimal("1200.50")
    assert contact["account"]["revenue"]["currency"] == "EUR"
    assert contact["accountId"] == ids["acme"]
    assert contact["version"] == 1
    assert contact["createdBy"] is None  # written by the platform itself
    assert contact["owner"] is None


def test_missing_record_is_null_and_a_malformed_id_is_a_bad_request(api: Api) -> None:
    missing = {"id": str(uuid.uuid4())}
    assert api.data("query($id: ID!) { account(id: $id) { name } }", missing) == {"account": None}
    error = api.error('{ account(id: "not-an-id") { name } }')
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["path"] == ["account"]


def test_relations_formulas_and_rollups(api: Api) -> None:
    ids = _sales(api)
    data = api.data(
        """query($id: ID!) { account(id: $id) {
             opportunityCount wonAmount { amount }
             opportunities(orderBy: [{field: NAME}]) {
               totalCount nodes { name stage weighted { amount } } }
             contacts { nodes { fullName } }
             tags { edges { linkedAt weight note node { name accounts { nodes { name } } } } }
             activities { nodes { subject } }
           } }""",
        {"id": ids["acme"]},
    )
    account = data["account"]
    assert account["opportunityCount"] == 2
    assert Decimal(account["wonAmount"]["amount"]) == Decimal(1000)
    opportunities = account["opportunities"]
    assert opportunities["totalCount"] == 2
    assert [(o["name"], o["stage"]) for o in opportunities["nodes"]] == [
        ("Renewal", "WON"),
        ("Upsell", "LOST"),
    ]
    assert Decimal(opportunities["nodes"][0]["weighted"]["amount"]) == Decimal(500)
    assert account["contacts"]["nodes"] == [{"fullName": "Ada Lovelace"}]
    (edge,) = account["tags"]["edges"]
    assert (edge["weight"], edge["note"]) == (1, "top")
    assert edge["linkedAt"]
    assert edge["node"] == {"name": "key", "accounts": {"nodes": [{"name": "Acme"}]}}
    assert account["activities"]["nodes"] == [{"subject": "Visit"}]


def test_polymorphic_lookup_resolves_to_each_target_type(api: Api) -> None:
    _sales(api)
    data = api.data(
        """{ activities(orderBy: [{field: SUBJECT}]) { nodes {
             subject
             regarding {
               __typename ... on Account { name } ... on Contact { lastName account { name } } }
           } } }"""
    )
    assert data["activities"]["nodes"] == [
        {
            "subject": "Call Ada",
            "regarding": {
                "__typename": "Contact",
                "lastName": "Lovelace",
                "account": {"name": "Acme"},
            },
        },
        {"subject": "Visit", "regarding": {"__typename": "Account", "name": "Acme"}},
    ]


def test_aliases_fragments_and_directives(api: Api) -> None:
    ids = _sales(api)
    data = api.data(
        """query($id: ID!, $skip: Boolean!) { account(id: $id) {
             ...Names
             big: opportunities(filter: {amount: {gte: 500}}) { nodes { name } }
             small: opportunities(filter: {amount: {lt: 500}}) { nodes { name } }
             city @skip(if: $skip)
           } }
           fragment Names on Account { name code }""",
        {"id": ids["acme"], "skip": True},
    )
    assert data["account"] == {
        "name": "Acme",
        "code": "AC",
        "big": {"nodes": [{"name": "Renewal"}]},
        "small": {"nodes": [{"name": "Upsell"}]},
    }


def test_introspection_is_on(api: Api) -> None:
    data = api.data('{ __type(name: "Opportunity") { fields { name } } }')
    names = {f["name"] for f in data["__type"]["fields"]}
    assert {"id", "name", "account", "accountId", "stage", "amount", "weighted"} <= names
