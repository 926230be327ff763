"""Mutations over HTTP: create, update, delete, bulk with per-item errors and upsert, links."""

from __future__ import annotations

from decimal import Decimal

from .conftest import Api


def test_create_update_delete(api: Api) -> None:
    created = api.data(
        """mutation { createAccount(input: {name: "Acme", tier: GOLD,
             revenue: {amount: "10.5", currency: "usd"}, employees: 3}) {
             id name tier revenue { amount currency } version opportunityCount } }"""
    )["createAccount"]
    assert created["tier"] == "GOLD"
    assert created["version"] == 1
    assert created["revenue"]["currency"] == "USD"
    assert Decimal(created["revenue"]["amount"]) == Decimal("10.5")
    assert created["opportunityCount"] == 0
    account = created["id"]
    opportunity = api.data(
        """mutation($a: ID) { createOpportunity(input: {name: "Deal", accountId: $a,
             amount: {amount: 200}, closeDate: "2025-01-31"}) {
             id stage probability account { name } } }""",
        {"a": account},
    )["createOpportunity"]
    assert opportunity["stage"] == "NEW"  # the default
    assert opportunity["account"] == {"name": "Acme"}
    updated = api.data(
        """mutation($id: ID!) { updateAccount(id: $id, input: {city: "Lyon", tier: null},
             expectedVersion: 1) { city tier version opportunityCount } }""",
        {"id": account},
    )["updateAccount"]
    assert updated == {"city": "Lyon", "tier": None, "version": 2, "opportunityCount": 1}
    assert api.data(
        "mutation($id: ID!) { deleteOpportunity(id: $id) }", {"id": opportunity["id"]}
    ) == {"deleteOpportunity": opportunity["id"]}
    assert api.data(
        "query($id: ID!) { opportunity(id: $id) { id } }", {"id": opportunity["id"]}
    ) == {"opportunity": None}


def test_validation_errors_point_at_input_fields(api: Api) -> None:
    error = api.error(
        'mutation($a: ID) { createContact(input: {email: "nope", accountId: $a}) { id } }',
        {"a": "00000000-0000-0000-0000-000000000001"},
    )
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["path"] == ["createContact"]
    paths = {tuple(f["path"]): f["code"] for f in error["extensions"]["fields"]}
    assert paths[("input", "email")] == "email"
    assert paths[("input", "lastName")] == "required"
    assert paths[("input", "accountId")] == "not_found"
    assert "Traceback" not in str(error)
    # GraphQL-level type errors are bad requests, refused before anything runs.
    body = api.post(
        'mutation { createContact(input: {lastName: 5, birthday: "2024-02-30"}) { id } }'
    )
    assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_REQUEST"}
    assert api.data("{ contacts { totalCount } }") == {"contacts": {"totalCount": 0}}


def test_stale_version_conflicts_and_missing_records_are_not_found(api: Api) -> None:
    (account,) = api.seed("account", [{"name": "Acme"}])
    api.seed("opportunity", [{"name": "Deal", "account": account}])
    error = api.error(
        'mutation($id: ID!) { updateAccount(id: $id, input: {city: "X"}, expectedVersion: 7) '
        "{ id } }",
        {"id": account},
    )
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["currentVersion"] == 1
    error = api.error("mutation($id: ID!) { deleteAccount(id: $id) }", {"id": account})
    assert error["extensions"]["code"] == "CONFLICT"  # an opportunity still needs it
    assert error["extensions"]["references"] == [
        {"entity": "opportunity", "field": "account", "count": 1}
    ]
    missing = "00000000-0000-0000-0000-000000000002"
    error = api.error("mutation($id: ID!) { deleteTag(id: $id) }", {"id": missing})
    assert error["extensions"]["code"] == "NOT_FOUND"


def test_failed_field_is_rolled_back_and_the_others_stand(api: Api) -> None:
    body = api.post(
        """mutation {
             ok: createTag(input: {name: "kept"}) { name }
             bad: createTag(input: {name: "kept"}) { name }
           }"""
    )
    assert body["data"] == {"ok": {"name": "kept"}, "bad": None}
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert api.data("{ tags { totalCount } }") == {"tags": {"totalCount": 1}}


def test_bulk_create_is_all_or_nothing_with_per_item_errors(api: Api) -> None:
    error = api.error(
        """mutation { createTags(inputs: [{name: "a"}, {}, {name: "b"}, {name: "a"}]) {
             createdCount } }"""
    )
    assert error["extensions"]["code"] == "VALIDATION"
    paths = sorted(tuple(f["path"]) for f in error["extensions"]["fields"])
    assert paths == [("inputs", 1, "name"), ("inputs", 3, "name")]
    assert api.data("{ tags { totalCount } }") == {"tags": {"totalCount": 0}}
    done = api.data(
        'mutation { createTags(inputs: [{name: "a"}, {name: "b"}]) '
        "{ createdCount updatedCount items { created record { name } } } }"
    )["createTags"]
    assert done == {
        "createdCount": 2,
        "updatedCount": 0,
        "items": [
            {"created": True, "record": {"name": "a"}},
            {"created": True, "record": {"name": "b"}},
        ],
    }


def test_bulk_upsert_updates_matching_records(api: Api) -> None:
    api.seed("account", [{"name": "Old", "code": "A1"}])
    done = api.data(
        """mutation { createAccounts(upsertOn: [CODE], inputs: [
             {code: "A1", name: "Renamed"}, {code: "B2", name: "New"}]) {
             createdCount updatedCount items { created record { name code version } } } }"""
    )["createAccounts"]
    assert (done["createdCount"], done["updatedCount"]) == (1, 1)
    assert [i["record"] for i in done["items"]] == [
        {"name": "Renamed", "code": "A1", "version": 2},
        {"name": "New", "code": "B2", "version": 1},
    ]
    error = api.error(
        'mutation { createAccounts(upsertOn: [CODE], inputs: [{name: "no code"}]) '
        "{ createdCount } }"
    )
    assert error["extensions"]["fields"][0]["path"] == ["inputs", 0, "code"]


def test_link_and_unlink_with_link_fields(api: Api) -> None:
    (account,) = api.seed("account", [{"name": "Acme"}])
    tags = api.seed("tag", [{"name": "a"}, {"name": "b"}])
    linked = api.data(
        """mutation($id: ID!, $tags: [ID!]!) {
             linkAccountTags(id: $id, targetIds: $tags, fields: {weight: 5, note: "hi"}) {
               tags(orderBy: [{field: NAME}]) { edges { weight note node { name } } } } }""",
        {"id": account, "tags": tags},
    )["linkAccountTags"]
    assert linked["tags"]["edges"] == [
        {"weight": 5, "note": "hi", "node": {"name": "a"}},
        {"weight": 5, "note": "hi", "node": {"name": "b"}},
    ]
    # From the other end, by the inverse name.
    after = api.data(
        """mutation($id: ID!, $account: ID!) {
             unlinkTagAccounts(id: $id, targetIds: [$account]) { accounts { totalCount } } }""",
        {"id": tags[0], "account": account},
    )
    assert after == {"unlinkTagAccounts": {"accounts": {"totalCount": 0}}}
    error = api.error(
        "mutation($id: ID!, $t: ID!, $note: String) { "
        "linkAccountTags(id: $id, targetIds: [$t], fields: {note: $note}) { id } }",
        {"id": account, "t": "00000000-0000-0000-0000-000000000003", "note": "x" * 30},
    )
    assert error["extensions"]["code"] == "VALIDATION"
    paths = [f["path"] for f in error["extensions"]["fields"]]
    assert ["targetIds"] in paths
    assert ["fields", "note"] in paths
