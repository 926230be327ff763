"""Record pages and forms over HTTP: create, edit, conflicts, related lists, files, history."""

from __future__ import annotations

import json
import re
from uuid import UUID

from starlette.testclient import TestClient

from .conftest import Site, csrf_of


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert found, f"no hidden input {name}"
    return found.group(1).replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&")


def _created_id(answer_location: str, entity: str) -> UUID:
    found = re.fullmatch(rf"/records/{entity}/([0-9a-f-]+)", answer_location)
    assert found, answer_location
    return UUID(found.group(1))


def test_the_record_page_shows_header_tabs_related_lists_and_timeline(
    admin: TestClient, crm_site: Site
) -> None:
    account = crm_site.first_id("account", "name = 'Northwind Traders Ltd'")
    html = admin.get(f"/records/account/{account}").text
    assert "<h1>" in html
    assert "Northwind Traders Ltd" in html
    assert 'class="key-fields"' in html
    for tab in ("Summary", "Related", "Activities", "Timeline", "History"):
        assert f">{tab}</a>" in html
    assert 'id="related-contacts"' in html
    assert "Olivia Bennett" in html  # a contact of the account, in its related list
    assert 'id="related-opportunities"' in html
    assert "Quarterly business review" in html or "timeline" in html
    assert 'class="timeline"' in html


def test_creating_with_a_validation_error_keeps_the_input_and_explains(
    admin: TestClient, crm_site: Site
) -> None:
    page = admin.get("/records/account/new").text
    token = csrf_of(page)
    answer = admin.post(
        "/records/account/new",
        data={
            "csrf_token": token,
            "name": "Örnek Ticaret",
            "email": "not an address",
            "employees": "12 people",
            "relationship": "prospect",
        },
    )
    assert answer.status_code == 422
    html = answer.text
    assert 'value="Örnek Ticaret"' in html  # what the user typed is kept
    assert re.search(r'id="error-email"[^>]*>[^<]*is not an email address', html)
    assert 'id="error-employees" class="field-error" role="alert">Not a number' in html
    assert 'aria-invalid="true"' in html
    fixed = admin.post(
        "/records/account/new",
        data={
            "csrf_token": token,
            "name": "Örnek Ticaret",
            "email": "info@ornek.example.com",
            "employees": "1,200",
            "relationship": "prospect",
            "annual_revenue": "2,500,000.50",
            "annual_revenue.currency": "TRY",
        },
    )
    assert fixed.status_code == 303
    created = _created_id(fixed.headers["location"], "account")
    record = crm_site.get("account", created)
    assert record is not None
    assert record["employees"] == 1200
    assert record["annual_revenue"]["amount"] == 2500000.5  # type: ignore[index]
    assert record["annual_revenue"]["currency"] == "TRY"  # type: ignore[index]
    assert "“Örnek Ticaret” created." in admin.get(fixed.headers["location"]).text


def test_editing_saves_only_what_changed_and_says_so(admin: TestClient, crm_site: Site) -> None:
    with crm_site.repo() as repo:
        account = repo.create("account", {"name": "Edit Me GmbH", "city": "Köln"})["id"]
    page = admin.get(f"/records/account/{account}").text
    token = csrf_of(page)
    data = {
        "csrf_token": token,
        "_version": _hidden(page, "_version"),
        "_original": _hidden(page, "_original"),
        "name": "Edit Me GmbH",
        "city": "Bonn",
        "country": "DE",
    }
    answer = admin.post(f"/records/account/{account}", data=data)
    assert answer.status_code == 303, answer.text
    record = crm_site.get("account", account)
    assert record is not None
    assert (record["city"], record["country"], record["version"]) == ("Bonn", "DE", 2)
    history = admin.get(f"/records/account/{account}").text
    assert "Köln" in history.split('id="tab-_history"')[1]  # the history tab: old value


def test_a_stale_version_shows_the_other_users_change(admin: TestClient, crm_site: Site) -> None:
    with crm_site.repo() as repo:
        account = repo.create("account", {"name": "Conflict AG", "city": "Bern"})["id"]
    page = admin.get(f"/records/account/{account}").text
    with crm_site.repo() as repo:  # someone else saves meanwhile
        repo.update("account", account, {"city": "Zürich"})
    answer = admin.post(
        f"/records/account/{account}",
        data={
            "csrf_token": csrf_of(page),
            "_version": _hidden(page, "_version"),
            "_original": _hidden(page, "_original"),
            "name": "Conflict AG",
            "city": "Basel",
        },
    )
    assert answer.status_code == 409
    html = answer.text
    assert 'class="conflict"' in html
    row = re.search(r"<th scope=\"row\">City</th>(.*?)</tr>", html, re.S)
    assert row
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1)) == ["Bern", "Zürich", "Basel"]
    assert 'value="Basel"' in html  # the user's input is kept
    keep_mine = admin.post(
        f"/records/account/{account}",
        data={
            "csrf_token": csrf_of(html),
            "_version": _hidden(html, "_version"),
            "_original": _hidden(html, "_original"),
            "name": "Conflict AG",
            "city": "Basel",
        },
    )
    assert keep_mine.status_code == 303
    record = crm_site.get("account", account)
    assert record is not None
    assert record["city"] == "Basel"


def test_required_if_is_enforced_on_visible_fields(admin: TestClient, crm_site: Site) -> None:
    account = crm_site.first_id("account")
    token = csrf_of(admin.get("/records/opportunity/new").text)
    base = {
        "csrf_token": token,
        "name": "Lost deal",
        "account": str(account),
        "close_date": "2026-12-01",
        "probability": "0",
    }
    lost = admin.post("/records/opportunity/new", data={**base, "stage": "lost"})
    assert lost.status_code == 422
    assert 'id="error-loss_reason"' in lost.text
    assert 'id="error-actual_close_date"' in lost.text
    ok = admin.post(
        "/records/opportunity/new",
        data={**base, "stage": "lost", "loss_reason": "price", "actual_close_date": "2026-11-01"},
    )
    assert ok.status_code == 303


def test_conditions_and_formulas_refresh_live(admin: TestClient) -> None:
    token = csrf_of(admin.get("/records/opportunity/new").text)
    answer = admin.post(
        "/records/opportunity/refresh",
        data={"csrf_token": token, "stage": "lost", "amount": "1,000", "probability": "25"},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    html = answer.text
    loss = re.search(r'<div class="field[^"]*" id="field-loss_reason"([^>]*)>', html)
    assert loss
    assert "hidden" not in loss.group(1)
    assert 'hx-swap-oob="outerHTML"' in loss.group(1)
    assert re.search(r'id="field-loss_reason".*?<span class="required"', html, re.S)
    # expected_revenue = amount * probability / 100, before anything is saved.
    assert re.search(r'id="input-expected_revenue" class="computed">\s*250\.00', html)
    section = re.search(r'data-section="section-outcome" data-visible="(\w+)"', html)
    assert section
    assert section.group(1) == "true"
    open_stage = admin.post(
        "/records/opportunity/refresh",
        data={"csrf_token": token, "stage": "proposal"},
        headers={"HX-Request": "true"},
    ).text
    assert re.search(r'id="field-loss_reason"[^>]* hidden', open_stage)


def test_a_lookup_typeahead_offers_records_and_creating_one(admin: TestClient) -> None:
    html = admin.get("/lookup?target=account&name=account&q=north").text
    assert 'data-pick="account"' in html
    assert 'data-label="Northwind Traders Ltd"' in html
    assert "Create a new Account" in html
    polymorphic = admin.get("/lookup?name=regarding&regarding.entity=contact&q=olivia").text
    assert 'data-label="Olivia Bennett"' in polymorphic


def test_a_contact_is_added_from_the_accounts_related_list(
    admin: TestClient, crm_site: Site
) -> None:
    account = crm_site.first_id("account", "name = 'Northwind Traders Ltd'")
    page = admin.get(f"/records/account/{account}").text
    new_href = re.search(r'data-dialog="(/records/contact/new\?[^"]+)"', page)
    assert new_href
    dialog = admin.get(new_href.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert dialog.status_code == 200
    assert dialog.text.lstrip().startswith("<header>")  # a fragment for the dialog
    assert f'value="{account}"' in dialog.text  # the account is pre-filled
    answer = admin.post(
        "/records/contact/new",
        data={
            "csrf_token": csrf_of(page),
            "_dialog": "1",
            "_related": f"account:{account}:contacts",
            "first_name": "Nina",
            "last_name": "Related",
            "account": str(account),
        },
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    events = json.loads(answer.headers["HX-Trigger"])
    assert events["xrm:related-changed"] is True
    assert events["xrm:dialog-close"] is True
    refreshed = admin.get(f"/records/account/{account}/related/contacts").text
    assert "Nina Related" in refreshed


def test_many_to_many_links_and_unlinks(admin: TestClient, crm_site: Site) -> None:
    opportunity = crm_site.first_id("opportunity")
    contact = crm_site.first_id("contact", "last_name = 'Петров'")
    token = csrf_of(admin.get(f"/records/opportunity/{opportunity}").text)
    linked = admin.post(
        f"/records/opportunity/{opportunity}/related/contacts/link",
        data={"csrf_token": token, "target_id": str(contact)},
        headers={"HX-Request": "true"},
    )
    assert linked.status_code == 200
    assert "Иван Петров" in linked.text
    unlinked = admin.post(
        f"/records/opportunity/{opportunity}/related/contacts/unlink",
        data={"csrf_token": token, "target_id": str(contact)},
        headers={"HX-Request": "true"},
    )
    assert "Иван Петров" not in unlinked.text


def test_a_file_is_uploaded_and_downloaded_through_its_record(
    admin: TestClient, crm_site: Site
) -> None:
    with crm_site.repo() as repo:
        account = repo.create("account", {"name": "Logo Corp"})["id"]
    page = admin.get(f"/records/account/{account}").text
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    answer = admin.post(
        f"/records/account/{account}",
        data={
            "csrf_token": csrf_of(page),
            "_version": _hidden(page, "_version"),
            "_original": _hidden(page, "_original"),
            "name": "Logo Corp",
        },
        files={"logo": ("logo.svg", svg, "image/svg+xml")},
    )
    assert answer.status_code == 303, answer.text
    html = admin.get(f"/records/account/{account}").text
    assert f"/records/account/{account}/files/logo" in html
    assert "logo.svg" in html
    download = admin.get(f"/records/account/{account}/files/logo")
    assert download.status_code == 200
    assert download.content == svg
    assert "attachment" in download.headers["content-disposition"]
    refused = admin.post(
        f"/records/account/{account}",
        data={
            "csrf_token": csrf_of(html),
            "_version": _hidden(html, "_version"),
            "_original": _hidden(html, "_original"),
            "name": "Logo Corp",
        },
        files={"logo": ("notes.txt", b"hello", "text/plain")},
    )
    assert refused.status_code == 422
    assert "This kind of file is not accepted here" in refused.text


def test_deleting_a_record_goes_back_to_its_list(admin: TestClient, crm_site: Site) -> None:
    with crm_site.repo() as repo:
        lead = repo.create("lead", {"topic": "Delete me", "last_name": "Gone"})["id"]
    page = admin.get(f"/records/lead/{lead}").text
    answer = admin.post(
        f"/records/lead/{lead}/delete",
        data={"csrf_token": csrf_of(page), "_version": _hidden(page, "_version")},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/lists/lead"
    assert crm_site.get("lead", lead) is None
    assert admin.get(f"/records/lead/{lead}").status_code == 404


def test_an_unknown_record_or_entity_is_a_404_page(admin: TestClient) -> None:
    assert admin.get("/records/account/00000000-0000-0000-0000-000000000001").status_code == 404
    assert admin.get("/records/account/not-an-id").status_code == 404
    assert admin.get("/lists/no_such_entity").status_code == 404


def test_a_record_created_from_a_lookup_is_picked(admin: TestClient) -> None:
    page = admin.get("/records/contact/new").text
    dialog = admin.get(
        "/records/account/new?_dialog=1&_pick=account&name=Picked+Ltd",
        headers={"HX-Request": "true"},
    ).text
    assert 'value="Picked Ltd"' in dialog  # what was typed in the lookup
    assert 'name="_pick" value="account"' in dialog
    answer = admin.post(
        "/records/account/new",
        data={
            "csrf_token": csrf_of(page),
            "_dialog": "1",
            "_pick": "account",
            "name": "Picked Ltd",
        },
        headers={"HX-Request": "true"},
    )
    events = json.loads(answer.headers["HX-Trigger"])
    assert events["xrm:picked"]["name"] == "account"
    assert events["xrm:picked"]["label"] == "Picked Ltd"
    UUID(events["xrm:picked"]["id"])
