"""Field rules: hidden values read as None (and are listed), cannot be written, filtered
or sorted by; values computed from them are hidden too; frozen fields refuse updates."""

from __future__ import annotations

import pytest

from xrm.platform.access.fields import FieldRules
from xrm.platform.storage.errors import Forbidden

from .conftest import World


def test_hidden_fields_follow_computations(world: World) -> None:
    rules: FieldRules = world.control.fields
    seller = frozenset({"seller"})
    assert rules.hidden(seller, "deal") == {"margin", "margin_pct"}
    assert rules.hidden(seller, "account") == {"revenue", "revenue_band"}
    # Roles add up: the auditor reads deals with their margin.
    assert rules.hidden(seller | {"auditor"}, "deal") == frozenset()
    assert rules.hidden(frozenset({"system_administrator", "seller"}), "deal") == frozenset()
    assert rules.unwritable(seller, "account", "update") >= {"vat_number", "revenue"}
    assert "vat_number" not in rules.unwritable(seller, "account", "create")


def test_hidden_values_are_not_returned(world: World) -> None:
    with world.repo("alice") as repo:
        deal = repo.get("deal", world.ids["d_bob"])
        assert deal is not None
        assert (deal["margin"], deal["margin_pct"], deal["amount"]) == (None, None, 100)
        assert repo.hidden("deal") == {"margin", "margin_pct"}
        page = repo.list("deal", include=["account.revenue", "account.name"])
        assert {r["margin"] for r in page.records} == {None}
        assert {r["account.revenue"] for r in page.records} == {None}
        assert repo.hidden("deal", ["account.revenue", "account.name"]) == {
            "margin",
            "margin_pct",
            "account.revenue",
        }
        created = repo.create("deal", {"name": "n", "amount": "5"})
        assert created["margin"] is None
    with world.repo("audrey") as repo:
        deal = repo.get("deal", world.ids["d_bob"])
        assert deal is not None
        assert deal["margin"] == 30
        assert repo.hidden("deal") == frozenset()


def test_hidden_fields_cannot_be_filtered_or_sorted_by(world: World) -> None:
    with world.repo("alice") as repo:
        for where in ("margin > 10", "margin_pct > 0.1", "account.revenue > 1000"):
            with pytest.raises(Forbidden) as refused:
                repo.list("deal", where=where)
            assert refused.value.action == "filter"
            with pytest.raises(Forbidden):
                repo.count("deal", where=where)
        with pytest.raises(Forbidden) as refused:
            repo.list("deal", order_by=["-margin"])
        assert (refused.value.action, refused.value.fields) == ("sort", ("margin",))
        with pytest.raises(Forbidden):
            repo.list("deal", order_by=["account.revenue_band"])


def test_protected_fields_cannot_be_written(world: World) -> None:
    with world.repo("alice") as repo:
        with pytest.raises(Forbidden) as refused:
            repo.update("deal", world.ids["d_alice"], {"margin": "99", "amount": "1"})
        assert refused.value.fields == ("margin",)
        with pytest.raises(Forbidden):
            repo.create("deal", {"name": "x", "margin": "1"})
        with pytest.raises(Forbidden) as frozen:
            repo.update("account", world.ids["acc_sales"], {"vat_number": "FR1"})
        assert frozen.value.fields == ("vat_number",)
        made = repo.create("account", {"name": "new", "vat_number": "FR2"})  # frozen: set once
        assert made["vat_number"] == "FR2"
    with world.repo(None) as platform:
        deal = platform.get("deal", world.ids["d_alice"])
        assert deal is not None
        assert (deal["margin"], deal["amount"]) == (30, 100)  # nothing of the refused write
