"""The app shell over HTTP: sign-in first, security headers, navigation, search, language."""

from __future__ import annotations

from starlette.testclient import TestClient

from xrm.ui.security import CONTENT_SECURITY_POLICY

from .conftest import ADMIN, SALES, Site, csrf_of, same_app


def test_screens_ask_to_sign_in_first(admin: TestClient) -> None:
    client = same_app(admin)
    page = client.get("/lists/account?q=north")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Flists%2Faccount%3Fq%3Dnorth"
    fragment = client.get("/lists/account", headers={"HX-Request": "true"})
    assert fragment.status_code == 204
    assert fragment.headers["HX-Redirect"].startswith("/login?next=")


def test_pages_are_sent_with_a_strict_content_security_policy(admin: TestClient) -> None:
    page = admin.get("/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert page.headers["x-frame-options"] == "DENY"
    # No inline scripts, handlers or styles anywhere in the page.
    assert "<script>" not in page.text
    assert " onclick=" not in page.text
    assert " style=" not in page.text
    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in page.text


def test_navigation_groups_entities_by_area(admin: TestClient) -> None:
    home = admin.get("/").text
    sales = home.index("<h2>Sales</h2>")
    settings = home.index("<h2>Settings</h2>")
    assert sales < home.index('href="/lists/account"') < settings
    assert home.index('href="/lists/product"') > settings


def test_a_post_without_the_session_token_is_refused(admin: TestClient, crm_site: Site) -> None:
    account = crm_site.first_id("account")
    refused = admin.post(f"/records/account/{account}", data={"name": "Hijacked"})
    assert refused.status_code == 403
    page = admin.get(f"/records/account/{account}")
    assert "Hijacked" not in page.text


def test_global_search_finds_records_of_every_entity(admin: TestClient) -> None:
    page = admin.get("/search?q=northwind")
    assert page.status_code == 200
    assert "Northwind Traders Ltd" in page.text  # an account, by its name
    assert "Olivia Bennett" in page.text  # a contact, by the email address
    assert page.text.index("<h2>Accounts</h2>") < page.text.index("<h2>Contacts</h2>")
    assert "Olivia Bennett" not in admin.get("/search?q=fabrikam").text
    fragment = admin.get("/search?q=olivia", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert "Olivia Bennett" in fragment.text


def test_global_search_reads_cyrillic_and_japanese(admin: TestClient) -> None:
    # Lower-case letters only: SQLite's lower() folds ASCII letters alone (see the report).
    assert "Иван Петров" in admin.get("/search?q=етров").text
    assert "株式会社さくら精機" in admin.get("/search?q=さくら").text


def test_choosing_japanese_translates_the_shell_and_the_metadata(admin: TestClient) -> None:
    client = same_app(admin, ADMIN)
    page = client.get("/lists/account")
    token = csrf_of(page.text)
    chosen = client.post(
        "/preferences",
        data={"csrf_token": token, "lang": "ja", "_return": "/lists/account"},
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/lists/account"
    japanese = client.get("/lists/account").text
    assert '<html lang="ja">' in japanese
    assert "取引先企業" in japanese  # the entity's label from the CRM
    assert "CSVエクスポート" in japanese  # a UI string from ui/locales/ja.yaml
    assert "顧客" in japanese  # an option label (relationship: customer)


def test_a_time_zone_changes_how_datetimes_read(admin: TestClient, crm_site: Site) -> None:
    activity = crm_site.first_id("activity", "subject = 'Quarterly business review'")
    client = same_app(admin, ADMIN)
    token = csrf_of(client.get("/").text)
    client.post("/preferences", data={"csrf_token": token, "tz": "Asia/Tokyo"})
    page = client.get(f"/records/activity/{activity}").text
    # Stored 2026-10-14 13:00 UTC: 22:00 in Tokyo.
    assert 'value="2026-10-14T22:00"' in page


def test_a_salesperson_sees_only_what_their_roles_allow(admin: TestClient, crm_site: Site) -> None:
    product = crm_site.first_id("product")
    client = same_app(admin, SALES)
    page = client.get(f"/records/product/{product}")
    assert page.status_code == 200
    assert 'id="field-cost"' not in page.text  # hidden field: not on the form
    assert 'id="field-unit_price"' in page.text
    assert f"/records/product/{product}/delete" not in page.text  # no delete button
    assert 'form="record-form" data-shortcut="s"' not in page.text  # read-only: no save
    token = csrf_of(page.text)
    refused = client.post(f"/records/product/{product}/delete", data={"csrf_token": token})
    assert refused.headers["location"] == f"/records/product/{product}"
    assert "was not deleted" in client.get(refused.headers["location"]).text
    assert crm_site.get("product", product) is not None
    update = client.post(
        f"/records/product/{product}", data={"csrf_token": token, "name": "Mine now"}
    )
    assert update.status_code == 422
    assert "Mine now" not in client.get(f"/records/product/{product}").text
    listing = client.get("/lists/product").text
    assert "Cost" not in listing
    assert 'value="delete"' not in listing
    assert "/records/product/new" not in listing
