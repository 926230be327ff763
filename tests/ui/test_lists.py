"""Lists over HTTP: views, sorting, quick search, the filter builder, paging, bulk, export."""

from __future__ import annotations

import csv
import io
import re

import sqlalchemy as sa
from starlette.testclient import TestClient

from .conftest import Site, csrf_of


def _headers(html: str) -> list[str]:
    """The column headers of a list's table."""
    found = re.findall(r'<th scope="col" class="\w+"[^>]*>\s*(?:<a [^>]*>)?([^<]+)', html)
    return [h.strip().rstrip(" ▲▼") for h in found]


def _rows(html: str, entity: str) -> list[str]:
    """The record links of a list, in order (the first cell of each row)."""
    return re.findall(rf'<td class="\w+"><a href="/records/{entity}/[0-9a-f-]+">([^<]*)</a>', html)


def test_a_list_shows_its_view_columns_and_rows(admin: TestClient) -> None:
    page = admin.get("/lists/opportunity")
    assert page.status_code == 200
    html = page.text
    # The default view (open_opportunities): its columns, with the view's own label.
    for label in ("Number", "Name", ">Account<", "Stage", "Probability", "Close date", "Owner"):
        assert label in html
    assert "Fabrikam Europe GmbH" in html  # account.name, through the lookup
    assert 'aria-current="page">Open opportunities' in html  # the view switcher
    assert "/lists/opportunity?view=won_opportunities" in html


def test_a_view_switch_changes_filter_and_columns(admin: TestClient) -> None:
    won = _headers(admin.get("/lists/opportunity?view=won_opportunities").text)
    assert "Actual close date" in won
    assert "Probability" not in won


def test_a_column_click_sorts_and_a_second_click_reverses(admin: TestClient) -> None:
    html = admin.get("/lists/account?view=active_accounts&sort=name").text
    names = re.findall(r"<td class=\"text\">([^<]+)</td>", html)
    assert names
    ascending = _rows(html, "account")
    assert 'aria-sort="ascending"' in html
    assert "/lists/account?view=active_accounts&amp;sort=-name" in html
    descending = _rows(admin.get("/lists/account?view=active_accounts&sort=-name").text, "account")
    assert ascending == list(reversed(descending))


def test_quick_search_narrows_the_list(admin: TestClient) -> None:
    html = admin.get("/lists/contact?q=bennett").text
    assert "Olivia Bennett" in html
    assert "Lukas Becker" not in html


def test_filter_rows_become_a_structured_filter(admin: TestClient) -> None:
    query = "f0=stage&o0=in&v0=proposal&v0=negotiation&f1=amount&o1=gt&v1=10%2C000"
    html = admin.get(f"/lists/opportunity?{query}").text
    assert "Fabrikam Europe — premium support" in html  # proposal, 12 000
    assert "list.error" not in html
    for stage in re.findall(r'class="chip opt-opportunity-stage-(\w+)"', html):
        assert stage in ("proposal", "negotiation")
    either = admin.get(f"/lists/opportunity?{query}&join=or").text
    assert len(_rows(either, "opportunity")) >= len(_rows(html, "opportunity"))


def test_a_filter_value_that_cannot_be_read_is_shown_beside_its_row(admin: TestClient) -> None:
    html = admin.get("/lists/opportunity?f0=amount&o0=gt&v0=lots").text
    assert "Not a number; write it like 1,234.5" in html


def test_lookup_names_can_be_filtered_through_the_lookup(admin: TestClient) -> None:
    html = admin.get("/lists/contact?f0=account.name&o0=i_contains&v0=northwind").text
    assert "Olivia Bennett" in html
    assert "Claire Lefèvre" not in html


def test_the_filter_builder_offers_operators_per_field_kind(admin: TestClient) -> None:
    choice = admin.get("/lists/opportunity/filter-row?i=2&f2=stage").text
    assert 'name="o2"' in choice
    assert ">is one of<" in choice
    assert ">contains<" not in choice
    assert 'value="negotiation"' in choice
    text = admin.get("/lists/opportunity/filter-row?i=0&f0=name").text
    assert ">contains<" in text
    assert ">is greater than<" in text  # text compares too
    boolean = admin.get("/lists/contact/filter-row?i=0&f0=do_not_email").text
    assert ">is greater than<" not in boolean


def test_paging_goes_forward_and_back_by_keyset(admin: TestClient, crm_site: Site) -> None:
    with crm_site.repo() as repo:
        repo.create_many(
            "lead", [{"topic": f"Paging {n:02}", "last_name": "Pager"} for n in range(55)]
        )
    first = admin.get("/lists/lead?view=new_leads&q=Paging&sort=topic").text
    first_rows = _rows(first, "lead")
    assert len(first_rows) == 50  # the view's page size
    assert "First page" not in first
    after = re.search(r'href="(/lists/lead\?[^"]*after=[^"]+)" hx-get', first)
    assert after
    second = admin.get(after.group(1).replace("&amp;", "&")).text
    second_rows = _rows(second, "lead")
    assert len(second_rows) == 5
    assert not set(first_rows) & set(second_rows)
    assert "First page" in second
    before = re.search(r'href="(/lists/lead\?[^"]*before=[^"]+)" hx-get', second)
    assert before
    back = admin.get(before.group(1).replace("&amp;", "&")).text
    assert _rows(back, "lead") == first_rows


def test_columns_can_be_chosen(admin: TestClient) -> None:
    html = admin.get("/lists/contact?col=last_name&col=mobile&col=account.name").text
    assert _headers(html) == ["Last name", "Mobile", "Account / Name"]


def test_an_empty_list_says_what_to_do(admin: TestClient) -> None:
    html = admin.get("/lists/contact?q=nobody-is-called-this").text
    assert "No Contacts match the search and filters" in html
    assert "Clear search and filters" in html


def test_htmx_gets_only_the_results(admin: TestClient) -> None:
    fragment = admin.get(
        "/lists/contact?q=bennett", headers={"HX-Request": "true", "HX-Target": "list-body"}
    )
    assert fragment.text.startswith('<div id="list-body"')
    assert "Olivia Bennett" in fragment.text
    assert "xrm:announce" in fragment.headers["HX-Trigger"]


def test_export_writes_the_filtered_list_as_csv(admin: TestClient) -> None:
    answer = admin.get("/lists/account/export.csv?view=active_accounts&sort=name")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith('attachment; filename="account-')
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Account number", "Name", "Relationship"]
    names = [row[1] for row in rows[1:]]
    assert "ООО «СибТех Решения»" in names  # noqa: RUF001 - Cyrillic on purpose
    assert "株式会社さくら精機" in names
    assert names == sorted(names)
    assert {row[2] for row in rows[1:]} <= {"Customer", "Prospect"}


def test_bulk_delete_removes_the_selected_records(admin: TestClient, crm_site: Site) -> None:
    with crm_site.repo() as repo:
        ids = [repo.create("lead", {"topic": f"Bulk {n}", "last_name": "B"})["id"] for n in "123"]
    token = csrf_of(admin.get("/lists/lead").text)
    answer = admin.post(
        "/lists/lead/bulk",
        data={
            "csrf_token": token,
            "action": "delete",
            "ids": [str(i) for i in ids[:2]],
            "_return": "/lists/lead",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/lists/lead"
    assert "2 records deleted." in admin.get("/lists/lead").text
    assert crm_site.get("lead", ids[0]) is None
    assert crm_site.get("lead", ids[2]) is not None


def test_bulk_assign_sets_the_owner(admin: TestClient, crm_site: Site) -> None:
    with crm_site.repo() as repo:
        lead = repo.create("lead", {"topic": "To assign", "last_name": "Owner"})["id"]
    owner = crm_site.users["sam.sales@example.com"]
    token = csrf_of(admin.get("/lists/lead").text)
    admin.post(
        "/lists/lead/bulk",
        data={"csrf_token": token, "action": "assign", "ids": [str(lead)], "owner": str(owner)},
    )
    record = crm_site.get("lead", lead)
    assert record is not None
    assert record["owner"] == {"entity": "user", "id": owner}


def test_a_page_costs_the_same_statements_whatever_its_rows(
    admin: TestClient, crm_site: Site
) -> None:
    """One list query, one name query per entity lookups point at: never one per row."""
    engine = admin.app.state.screens.engine  # type: ignore[attr-defined]
    counted: list[str] = []

    def count(*args: object) -> None:
        counted.append(str(args[2]))

    with crm_site.repo() as repo:
        account = repo.create("account", {"name": "Statements Inc"})["id"]
        repo.create_many(
            "opportunity",
            [
                {"name": f"Counted {n}", "account": account, "close_date": "2027-01-01"}
                for n in range(30)
            ],
        )
    costs = []
    for query in ("q=Counted 1", "q=Counted"):  # 1 + 10 rows, then all 30
        counted.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            page = admin.get(f"/lists/opportunity?{query}")
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert page.status_code == 200
        costs.append(len(counted))
    assert costs[0] == costs[1]
