"""The filter builder: rows in the address, operators per kind, values as the user types them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xrm.metamodel.registry import Registry
from xrm.platform.storage.filters import AllOf, AnyOf, Compare, Op, Through
from xrm.ui.filter_builder import (
    Row,
    compile_rows,
    filter_field,
    filterable_fields,
    parse_rows,
    row_params,
)
from xrm.ui.i18n import Languages, Translator

from .conftest import translator


def test_rows_travel_in_the_address() -> None:
    query = {
        "f0": ["stage"],
        "o0": ["in"],
        "v0": ["won", "lost"],
        "f3": ["amount"],
        "o3": ["between"],
        "v3": ["10", ""],
        "join": ["or"],
    }
    rows, join = parse_rows(query)
    assert rows == [Row("stage", "in", ("won", "lost")), Row("amount", "between", ("10",))]
    assert join == "or"
    assert parse_rows(dict(row_params(rows, join))) != ([], "and")
    assert row_params(rows, join)[-1] == ("join", "or")


def test_operators_depend_on_the_field_kind(crm_registry: Registry, english: Translator) -> None:
    def ops(entity: str, path: str) -> tuple[str, ...]:
        field = filter_field(crm_registry, entity, path, english)
        assert field is not None
        return field.ops

    assert "i_contains" in ops("account", "name")
    assert "in" in ops("opportunity", "stage")
    assert "gt" not in ops("opportunity", "stage")
    assert "between" in ops("opportunity", "close_date")
    assert ops("contact", "preferred_channels")[:2] == ("has_any", "has_all")
    assert ops("contact", "account") == ("is_null", "is_not_null")  # nobody types ids
    assert "gt" not in ops("contact", "do_not_email")
    assert (
        filter_field(crm_registry, "account", "logo", english) is None
    )  # files: nothing to compare


def test_lookups_are_filtered_by_the_name_they_show(
    crm_registry: Registry, english: Translator
) -> None:
    paths = [f.path for f in filterable_fields(crm_registry, "contact", english, frozenset())]
    assert "account.name" in paths
    hidden = filterable_fields(crm_registry, "product", english, frozenset({"cost"}))
    assert "cost" not in [f.path for f in hidden]


def test_values_are_read_as_the_user_typed_them(
    crm_registry: Registry, languages: Languages
) -> None:
    french = translator(crm_registry, languages, "fr", "Europe/Paris")
    rows = [
        Row("amount", "gt", ("10 000,5",)),
        Row("close_date", "between", ("2026-01-01", "2026-03-31")),
        Row("created_at", "gte", ("2026-05-01T09:30",)),
        Row("account.name", "i_contains", ("north",)),
        Row("next_step", "is_null", ()),
    ]
    built, views = compile_rows(crm_registry, "opportunity", rows, "and", french, frozenset())
    assert all(view.error is None for view in views)
    assert isinstance(built, AllOf)
    amount, dates, created, account, empty = built.items
    assert amount == Compare("amount", Op.GT, Decimal("10000.5"))
    assert dates == Compare("close_date", Op.BETWEEN, [dt.date(2026, 1, 1), dt.date(2026, 3, 31)])
    assert isinstance(created, Compare)
    assert created.value == dt.datetime(2026, 5, 1, 7, 30, tzinfo=dt.UTC)  # Paris, in summer
    assert account == Compare("account.name", Op.I_CONTAINS, "north")
    assert empty == Compare("next_step", Op.IS_NULL, True)
    either, _ = compile_rows(crm_registry, "opportunity", rows[:2], "or", french, frozenset())
    assert isinstance(either, AnyOf)
    assert not isinstance(either, Through)


def test_a_row_that_cannot_be_read_is_left_out_and_explained(
    crm_registry: Registry, english: Translator
) -> None:
    rows = [Row("amount", "gt", ("lots",)), Row("stage", "eq", ("won",)), Row("nope", "eq", ("x",))]
    built, views = compile_rows(crm_registry, "opportunity", rows, "and", english, frozenset())
    assert built == Compare("stage", Op.EQ, "won")
    assert views[0].error is not None
    assert views[0].error.startswith("Not a number")
    assert views[2].error == "This field cannot be filtered on; remove the condition."
    hidden, hidden_views = compile_rows(
        crm_registry, "product", [Row("cost", "gt", ("1",))], "and", english, frozenset({"cost"})
    )
    assert hidden is None
    assert hidden_views[0].error is not None
