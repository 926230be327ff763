"""``xrm up`` prepares an empty database once and is harmless to repeat."""

from __future__ import annotations

from uuid import UUID

import pytest
import sqlalchemy as sa

from xrm.metamodel.registry import load_registry, shipped_solutions_dir
from xrm.platform.access.control import AccessControl
from xrm.platform.cli.main import main
from xrm.platform.storage.engine import create_engine
from xrm.platform.storage.tables import build_storage


def test_up_migrates_seeds_once_and_repeats_safely(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XRM_DATABASE_URL", database_url)
    monkeypatch.delenv("XRM_SOLUTIONS", raising=False)
    assert main(["up", "--no-serve"]) == 0
    first = capsys.readouterr().out
    assert "demo data:" in first
    assert main(["up", "--no-serve"]) == 0
    second = capsys.readouterr().out
    assert "demo data:" not in second
    assert "applied" not in second
    assert "admin@example.com" in first
    assert "tom.becker@example.com" in first
    engine = create_engine(database_url)
    try:
        storage = build_storage(load_registry([shipped_solutions_dir() / "crm"]))
        control = AccessControl(storage)
        with engine.connect() as connection:
            unowned = connection.execute(
                sa.text("select count(*) from account where owner__user is null")
            ).scalar()
            assert unowned == 0
            users = {
                row.email: row.id
                for row in connection.execute(sa.text('select id, email from "user"'))
            }
            seen = {}
            for email in ("admin@example.com", "tom.becker@example.com"):
                principal = control.load_principal(connection, UUID(str(users[email])))
                assert principal is not None
                repository = control.repository(connection, principal)
                seen[email] = repository.list("account", limit=500).records
    finally:
        engine.dispose()
    # The salesperson sees only the accounts of his region; the administrator all of them.
    assert 0 < len(seen["tom.becker@example.com"]) < len(seen["admin@example.com"])
    assert {a["region"] for a in seen["tom.becker@example.com"]} <= {"emea", None}


def test_up_reports_bad_solutions_without_a_traceback(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("XRM_DATABASE_URL", database_url)
    monkeypatch.setenv("XRM_SOLUTIONS", "/nonexistent/solution")
    assert main(["up", "--no-serve"]) == 1
    err = capsys.readouterr().err
    assert "no such solution folder" in err
    assert "Traceback" not in err
