"""Aggregates over HTTP: count/sum/avg/min/max, group keys (lookups too), date buckets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from .conftest import Api


@pytest.fixture
def seeded(api: Api) -> Api:
    acme, beta = api.seed("account", [{"name": "Acme"}, {"name": "Beta"}])
    api.seed(
        "opportunity",
        [
            {
                "name": "o1",
                "account": acme,
                "stage": "won",
                "amount": "100",
                "probability": 10,
                "close_date": "2024-01-03",
            },
            {
                "name": "o2",
                "account": acme,
                "stage": "won",
                "amount": "300",
                "probability": 30,
                "close_date": "2024-01-08",
            },
            {
                "name": "o3",
                "account": beta,
                "stage": "new",
                "amount": "50",
                "probability": 50,
                "close_date": "2024-05-20",
            },
            {"name": "o4", "account": beta, "stage": "lost", "probability": 0},
        ],
    )
    api.seed(
        "contact",
        [
            {"last_name": "x", "last_seen": "2024-03-31T23:30:00Z"},
            {"last_name": "y", "last_seen": "2024-04-01T00:30:00Z"},
        ],
    )
    return api


def test_totals_without_groups(seeded: Api) -> None:
    (item,) = seeded.data(
        "{ opportunitiesAggregate { count sum { amount probability } avg { probability } "
        "min { closeDate amount } max { closeDate } } }"
    )["opportunitiesAggregate"]
    assert item["count"] == 4
    assert Decimal(item["sum"]["amount"]) == Decimal(450)
    assert item["sum"]["probability"] == 90
    assert Decimal(item["avg"]["probability"]) == Decimal("22.5")
    assert item["min"] == {"closeDate": "2024-01-03", "amount": item["min"]["amount"]}
    assert Decimal(item["min"]["amount"]) == Decimal(50)
    assert item["max"]["closeDate"] == "2024-05-20"


def test_group_by_choice_with_filter(seeded: Api) -> None:
    items = seeded.data(
        "{ opportunitiesAggregate(groupBy: [{field: STAGE}], filter: {probability: {gt: 0}}) "
        "{ key { stage } count sum { amount } } }"
    )["opportunitiesAggregate"]
    assert [(i["key"]["stage"], i["count"], Decimal(i["sum"]["amount"])) for i in items] == [
        ("NEW", 1, Decimal(50)),
        ("WON", 2, Decimal(400)),
    ]


def test_group_by_lookup_shows_the_record(seeded: Api) -> None:
    items = seeded.data(
        "{ opportunitiesAggregate(groupBy: [{field: ACCOUNT}]) "
        "{ key { account { name } accountId } count } }"
    )["opportunitiesAggregate"]
    assert sorted((i["key"]["account"]["name"], i["count"]) for i in items) == [
        ("Acme", 2),
        ("Beta", 2),
    ]
    assert all(i["key"]["accountId"] for i in items)


@pytest.mark.parametrize(
    ("bucket", "expected"),
    [
        ("DAY", [("2024-01-03", 1), ("2024-01-08", 1), ("2024-05-20", 1), (None, 1)]),
        ("WEEK", [("2024-01-01", 1), ("2024-01-08", 1), ("2024-05-20", 1), (None, 1)]),
        ("MONTH", [("2024-01-01", 2), ("2024-05-01", 1), (None, 1)]),
        ("QUARTER", [("2024-01-01", 2), ("2024-04-01", 1), (None, 1)]),
        ("YEAR", [("2024-01-01", 3), (None, 1)]),
    ],
)
def test_date_buckets(seeded: Api, bucket: str, expected: list[tuple[str | None, int]]) -> None:
    items = seeded.data(
        "query($b: DateBucket) { opportunitiesAggregate(groupBy: [{field: CLOSE_DATE, bucket: $b}])"
        " { key { closeDate } count } }",
        {"b": bucket},
    )["opportunitiesAggregate"]
    assert [(i["key"]["closeDate"], i["count"]) for i in items] == expected


def test_datetime_buckets_are_utc(seeded: Api) -> None:
    items = seeded.data(
        "{ contactsAggregate(groupBy: [{field: LAST_SEEN, bucket: QUARTER}], "
        "filter: {lastSeen: {isNull: false}}) { key { lastSeen } count } }"
    )["contactsAggregate"]
    assert [(i["key"]["lastSeen"][:19], i["count"]) for i in items] == [
        ("2024-01-01T00:00:00", 1),
        ("2024-04-01T00:00:00", 1),
    ]


def test_bad_group_and_group_limit(seeded: Api) -> None:
    error = seeded.error(
        "{ opportunitiesAggregate(groupBy: [{field: STAGE, bucket: MONTH}]) { count } }"
    )
    assert error["extensions"]["code"] == "BAD_REQUEST"
    error = seeded.error("{ opportunitiesAggregate(first: 5000) { count } }")
    assert error["extensions"]["code"] == "BAD_REQUEST"
