"""More of the screens in a real browser (``make browser`` runs these; the suite runs the
journey only): live form rules, typeahead lookups, the filter builder, keyboard use,
phone width, and what a restricted user does not see."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from ..conftest import SALES
from .conftest import Served, full_only, shot, sign_in

pytestmark = [pytest.mark.browser, full_only]


def test_form_rules_and_formulas_follow_the_typing(page: Page, served: Served) -> None:
    sign_in(page, served.url)
    page.goto(f"{served.url}/records/opportunity/new")
    loss = page.locator("#field-loss_reason")
    expect(loss).to_be_hidden()
    page.select_option("#input-stage", "lost")
    expect(loss).to_be_visible()
    expect(loss.locator(".required")).to_be_visible()
    page.fill("#input-amount", "2,000")
    page.fill("#input-probability", "30")
    page.locator("#input-name").click()  # leaving the field fires "change"
    expect(page.locator("#input-expected_revenue")).to_contain_text("600.00")
    # A lookup typeahead: type, pick with the keyboard.
    page.fill("#input-account", "north")
    option = page.locator("#input-account-options [role=option]").first
    expect(option).to_contain_text("Northwind Traders Ltd")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("input[name=account][type=hidden]")).not_to_have_value("")
    shot(page, "form-live")


def test_a_record_page_refreshes_its_live_fields(page: Page, served: Served) -> None:
    sign_in(page, served.url)
    page.goto(f"{served.url}/lists/opportunity")
    page.locator("table.records tbody a").first.click()
    loss = page.locator("#field-loss_reason")
    expect(loss).to_be_hidden()
    page.select_option("#input-stage", "lost")
    expect(loss).to_be_visible()
    warnings: list[str] = []

    def leave(dialog: Dialog) -> None:
        warnings.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)  # the unsaved-changes warning
    page.click("a.brand")
    page.wait_for_url(f"{served.url}/")
    assert warnings == ["beforeunload"]


def test_the_filter_builder_adds_rows_and_filters(page: Page, served: Served) -> None:
    sign_in(page, served.url)
    page.goto(f"{served.url}/lists/opportunity")
    page.click("summary:has-text('Filters')")
    page.click("button[data-add-filter]")
    row = page.locator("#filter-row-0")
    expect(row).to_be_visible()
    row.locator("select[name=f0]").select_option("stage")
    expect(row.locator("select[name=o0] option[value=in]")).to_have_count(1)
    row.locator("select[name=o0]").select_option("in")
    row.locator("select[name=v0]").select_option(["proposal"])
    page.click("#list-controls button[type=submit] >> nth=0")
    page.wait_for_url(re.compile(r".*f0=stage.*"))
    expect(page.locator("table.records")).to_contain_text("Proposal")
    expect(page.locator("table.records")).not_to_contain_text("Negotiation")
    shot(page, "list-filtered")


def test_a_phone_sized_screen_still_works(browser: Browser, served: Served) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        sign_in(page, served.url)
        page.goto(f"{served.url}/lists/account")
        expect(page.locator("table.records")).to_be_visible()
        shot(page, "list-phone")
        page.locator("table.records tbody a").first.click()
        expect(page.locator("h1")).to_be_visible()
        shot(page, "record-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400  # nothing but tables scrolls sideways
    finally:
        context.close()


def test_a_salesperson_does_not_see_costs(page: Page, served: Served) -> None:
    sign_in(page, served.url, SALES)
    page.goto(f"{served.url}/lists/product")
    page.locator("table.records tbody a").first.click()
    expect(page.locator("#field-unit_price")).to_be_visible()
    expect(page.locator("#field-cost")).to_have_count(0)
    expect(page.locator("button:has-text('Delete')")).to_have_count(0)
    shot(page, "record-restricted")
