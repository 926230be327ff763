"""``xrm migrate``: applies the plan, refuses data loss without the flag, exit status 1."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from xrm.platform.cli.main import main
from xrm.platform.storage.engine import create_engine

ACCOUNT = "entity: account\nfields: {name: {type: string}, fax: {type: phone}}\n"


def solution(root: Path, account: str = ACCOUNT) -> Path:
    (root / "entities").mkdir(parents=True, exist_ok=True)
    (root / "solution.yaml").write_text("name: demo\nversion: 1.0.0\n")
    (root / "entities" / "account.yaml").write_text(account)
    return root


@pytest.fixture(autouse=True)
def database(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.setenv("XRM_DATABASE_URL", database_url)
    return database_url


def _insert_fax(database_url: str) -> None:
    account = sa.table(
        "account",
        *[sa.column(name) for name in ("fax", "created_at", "modified_at", "version")],
        sa.column("id", sa.Uuid()),
    )
    now = sa.func.current_timestamp()
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.insert(account).values(
                    id=uuid.uuid4(), fax="555", created_at=now, modified_at=now, version=1
                )
            )
    finally:
        engine.dispose()


def _columns(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {c["name"] for c in sa.inspect(connection).get_columns("account")}
    finally:
        engine.dispose()


def test_migrate_creates_the_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    folder = solution(tmp_path / "demo")
    assert main(["migrate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "+ create table account (" in out
    assert "applied " in out
    assert "database at metadata version " in out
    assert {"name", "fax"} <= _columns(database)
    assert main(["migrate", str(folder)]) == 0
    assert capsys.readouterr().out.startswith("nothing to do\n")


def test_data_loss_needs_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    folder = solution(tmp_path / "demo")
    assert main(["migrate", str(folder)]) == 0
    _insert_fax(database)
    solution(folder, "entity: account\nfields: {name: {type: string}}\n")
    capsys.readouterr()
    assert main(["migrate", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "1 operation would lose data; nothing was applied" in err
    assert "- DROP column account.fax — DESTRUCTIVE: 1 row has a value" in err
    assert "--allow-data-loss" in err
    assert "Traceback" not in err
    assert "fax" in _columns(database)
    assert main(["migrate", str(folder), "--allow-data-loss"]) == 0
    assert "fax" not in _columns(database)


def test_invalid_metadata_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    folder = solution(tmp_path / "demo", "entity: account\nfields: {name: {type: lookup}}\n")
    assert main(["migrate", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "account.yaml:2:" in err
    assert "Traceback" not in err
    engine = create_engine(database)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()
