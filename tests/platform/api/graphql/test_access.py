"""The API enforces access like every other channel: tokens, sessions + CSRF, scopes, fields."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from xrm.platform.access.passwords import Passwords
from xrm.platform.access.sessions import start_session
from xrm.platform.access.tokens import create_token
from xrm.platform.access.users import create_user
from xrm.platform.storage.engine import WRITE
from xrm.platform.web.cookies import SESSION_COOKIE

from .conftest import FAST_PASSWORDS, Api


def _rep(api: Api, email: str) -> tuple[UUID, str]:
    """A user with the ``rep`` role (reads and edits only their own accounts) and a token."""
    control = api.model.control
    with api.engine.connect().execution_options(**{WRITE: True}) as connection, connection.begin():
        user = create_user(
            control,
            connection,
            Passwords(FAST_PASSWORDS),
            email=email,
            password="correct horse battery staple",
            roles=["rep"],
        )
        issued = create_token(
            connection, control.storage, user["id"], "tests", now=dt.datetime.now(dt.UTC)
        )
    return user["id"], issued.secret


def _as(api: Api, token: str, query: str) -> dict[str, object]:
    response = api.client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def _owned(api: Api, owner: UUID, names: list[str]) -> list[str]:
    return api.seed(
        "account",
        [{"name": n, "revenue": "100", "owner": {"entity": "user", "id": owner}} for n in names],
    )


def test_a_rep_sees_counts_and_aggregates_only_their_own_rows(api: Api) -> None:
    ann, ann_token = _rep(api, "ann@example.com")
    bob, _ = _rep(api, "bob@example.com")
    _owned(api, ann, ["a1", "a2"])
    bobs = _owned(api, bob, ["b1", "b2", "b3"])
    query = "{ accounts(orderBy: [{field: NAME}]) { totalCount nodes { name } } }"
    body = _as(api, ann_token, query)
    names = [{"name": "a1"}, {"name": "a2"}]
    assert body == {"data": {"accounts": {"totalCount": 2, "nodes": names}}}
    body = _as(api, ann_token, "{ accountsAggregate { count } }")
    assert body["data"] == {"accountsAggregate": [{"count": 2}]}
    # Another rep's record does not exist for her, by id or by filter.
    body = _as(api, ann_token, f'{{ account(id: "{bobs[0]}") {{ name }} }}')
    assert body["data"] == {"account": None}
    body = _as(api, ann_token, '{ accounts(filter: {name: {eq: "b1"}}) { totalCount } }')
    assert body["data"] == {"accounts": {"totalCount": 0}}
    # The administrator sees everything.
    assert api.data("{ accounts { totalCount } }") == {"accounts": {"totalCount": 5}}


def test_denied_actions_are_forbidden_and_hidden_records_not_found(api: Api) -> None:
    ann, ann_token = _rep(api, "ann@example.com")
    bob, _ = _rep(api, "bob@example.com")
    bobs = _owned(api, bob, ["b1"])
    accounts = _owned(api, ann, ["a1"])
    create = 'mutation { createOpportunity(input: {name: "x", accountId: "%s"}) { id } }'
    body = _as(api, ann_token, create % accounts[0])
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN", errors
    body = _as(
        api,
        ann_token,
        f'mutation {{ updateAccount(id: "{bobs[0]}", input: {{name: "mine"}}) {{ id }} }}',
    )
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


def test_hidden_fields_read_as_null_and_cannot_be_sorted_on(api: Api) -> None:
    ann, ann_token = _rep(api, "ann@example.com")
    _owned(api, ann, ["a1"])
    body = _as(api, ann_token, "{ accounts { nodes { name revenue { amount } } } }")
    assert body["data"] == {"accounts": {"nodes": [{"name": "a1", "revenue": None}]}}
    assert body["extensions"] == {"hiddenFields": {"Account": ["revenue"]}}
    # The administrator sees the value, and no marker.
    shown = api.post("{ accounts { nodes { revenue { amount } } } }")
    assert "extensions" not in shown
    body = _as(api, ann_token, "{ accounts(orderBy: [{field: REVENUE}]) { totalCount } }")
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors[0]["extensions"]["code"] in ("FORBIDDEN", "BAD_REQUEST")


def test_me_is_the_caller(api: Api) -> None:
    _, ann_token = _rep(api, "ann@example.com")
    assert _as(api, ann_token, "{ me { email } }") == {"data": {"me": {"email": "ann@example.com"}}}
    assert api.data("{ me { email } }") == {"me": {"email": "admin@example.com"}}


def test_a_session_needs_its_csrf_token_to_post(api: Api) -> None:
    ann, _ = _rep(api, "ann@example.com")
    with api.engine.connect().execution_options(**{WRITE: True}) as connection, connection.begin():
        session = start_session(connection, api.model.storage, ann, now=dt.datetime.now(dt.UTC))
    api.client.cookies.set(SESSION_COOKIE, session.token)
    try:
        query = {"query": "{ me { email } }"}
        refused = api.client.post("/graphql", json=query)
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        allowed = api.client.post(
            "/graphql", json=query, headers={"X-CSRF-Token": session.csrf_token}
        )
        assert allowed.json() == {"data": {"me": {"email": "ann@example.com"}}}
        # The GraphiQL page carries the token for the browser's fetcher.
        page = api.client.get("/graphql", headers={"accept": "text/html"})
        assert session.csrf_token in page.text
    finally:
        api.client.cookies.clear()


def test_anonymous_callers_are_refused(api: Api) -> None:
    response = api.client.post("/graphql", json={"query": "{ accounts { totalCount } }"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_bulk_upsert_and_delete_stay_inside_the_callers_scope(api: Api) -> None:
    ann, ann_token = _rep(api, "ann@example.com")
    bob, _ = _rep(api, "bob@example.com")
    api.seed(
        "account",
        [
            {"name": "Bob's", "code": "B1", "owner": {"entity": "user", "id": bob}},
            {"name": "Ann's", "code": "A1", "owner": {"entity": "user", "id": ann}},
        ],
    )
    # Upserting on a key held by a record she cannot see must not touch that record.
    body = _as(
        api,
        ann_token,
        """mutation { createAccounts(upsertOn: [CODE], inputs: [
             {code: "A1", name: "Ann renamed"}, {code: "B1", name: "hijacked"}]) {
             createdCount updatedCount } }""",
    )
    # The key is taken (by a record she cannot read): the batch is refused as a whole,
    # and the hidden record is neither updated nor shown.
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors[0]["extensions"]["code"] == "VALIDATION"
    assert errors[0]["extensions"]["fields"][0]["path"] == ["inputs", 1, "code"]
    names = {a["name"] for a in api.data("{ accounts { nodes { name } } }")["accounts"]["nodes"]}
    assert names == {"Bob's", "Ann's"}
    # The rep role grants no delete at all: forbidden, and nothing is removed.
    (own,) = [
        n["id"]
        for n in api.data('{ accounts(filter: {code: {eq: "A1"}}) { nodes { id } } }')["accounts"][
            "nodes"
        ]
    ]
    body = _as(api, ann_token, f'mutation {{ deleteAccount(id: "{own}") }}')
    errors = body["errors"]
    assert isinstance(errors, list)
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert api.data("{ accounts { totalCount } }")["accounts"]["totalCount"] >= 2
