"""``xrm up`` prepares an empty database once and is harmless to repeat."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from xrm.platform.cli.main import main
from xrm.platform.storage.engine import create_engine


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
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            accounts = connection.execute(sa.text("select count(*) from account")).scalar()
            units = connection.execute(sa.text("select count(*) from business_unit")).scalar()
    finally:
        engine.dispose()
    assert accounts
    assert accounts > 0
    assert units == 1


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
