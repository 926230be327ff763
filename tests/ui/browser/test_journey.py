"""A working day in a real browser: from sign-in to an export, through every main screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import Served, shot, sign_in

pytestmark = pytest.mark.browser


def test_a_salesperson_day_from_sign_in_to_export(page: Page, served: Served) -> None:
    base = served.url
    sign_in(page, base)
    shot(page, "home")

    # The list, reached through the area navigation.
    page.click("summary:has-text('Menu')")
    page.click("#app-menu a:has-text('Accounts')")
    page.wait_for_url(f"{base}/lists/account")
    expect(page.locator("table.records")).to_contain_text("Northwind Traders Ltd")
    shot(page, "list")

    # A new account, with the keyboard shortcut; the mask upper-cases the country.
    page.keyboard.press("n")
    page.wait_for_url(f"{base}/records/account/new")
    page.fill("#input-name", "Browser Test Ltd")
    page.select_option("#input-relationship", "customer")
    page.check("input[name=region][value=emea]")
    page.type("#input-country", "fr")
    expect(page.locator("#input-country")).to_have_value("FR")
    shot(page, "form-new")
    page.click("button:has-text('Create')")
    page.wait_for_url(re.compile(rf"{base}/records/account/[0-9a-f-]+$"))
    expect(page.locator(".flash-success")).to_contain_text("“Browser Test Ltd” created.")
    account_url = page.url

    # A contact, added from the account's related list, in a dialog.
    page.click("[role=tab]:has-text('Related')")
    people = page.locator("#related-contacts")
    people.locator("[data-dialog]").click()
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#input-first_name").fill("Yuki")
    dialog.locator("#input-last_name").fill("Browserova")
    shot(page, "dialog")
    dialog.locator("button:has-text('Create')").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#related-contacts")).to_contain_text("Yuki Browserova")
    shot(page, "record")

    # The contact, opened from global search (the "/" shortcut focuses the box).
    page.keyboard.press("/")
    page.keyboard.type("Browserova")
    popup = page.locator("#search-popup")
    expect(popup).to_contain_text("Yuki Browserova")
    shot(page, "search")
    popup.locator("a:has-text('Yuki Browserova')").click()
    page.wait_for_url(re.compile(rf"{base}/records/contact/[0-9a-f-]+$"))
    expect(page.locator("h1")).to_contain_text("Yuki Browserova")
    expect(page.locator("#input-account")).to_have_value("Browser Test Ltd")  # the account

    # An edit refused by validation, explained beside the field, then fixed.
    page.fill("#input-email", "not an address")
    page.click("button[data-shortcut=s]")
    error = page.locator("#error-email")
    expect(error).to_contain_text("is not an email address")
    expect(page.locator("#input-email")).to_have_value("not an address")
    shot(page, "form-error")
    page.fill("#input-email", "yuki@example.com")
    page.click("button[data-shortcut=s]")
    expect(page.locator(".flash-success")).to_contain_text("saved")
    expect(page.locator("#input-email")).to_have_value("yuki@example.com")

    # Japanese, from the user menu: the shell, the labels and the formats change.
    page.click("details.user-menu > summary")
    page.click("button[lang=ja]")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("button[data-shortcut=s]")).to_have_text("保存")
    expect(page.locator("label[for=input-last_name]")).to_contain_text("姓")
    shot(page, "record-ja")

    # The list exported as CSV: the filtered rows, every column, in Japanese.
    page.goto(f"{base}/lists/contact?q=Browserova")
    expect(page.locator("table.records")).to_contain_text("Yuki Browserova")
    with page.expect_download() as download:
        page.click("a[download]")
    text = download.value.path().read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 2
    assert "Yuki Browserova" in lines[1]
    assert "メール" in lines[0].split(",")  # headers are the columns' labels, in Japanese
    assert "yuki@example.com" in lines[1]
    page.goto(account_url)
    expect(page.locator("h1")).to_contain_text("Browser Test Ltd")
