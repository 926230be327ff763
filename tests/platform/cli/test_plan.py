"""``xrm plan``: the plan on stdout, problems on stderr with exit status 1, never a traceback."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from xrm.platform.cli.main import main
from xrm.platform.migrate.system import head_revision
from xrm.platform.storage.engine import create_engine

ACCOUNT = "entity: account\nfields: {name: {type: string, max_length: 200}}\n"


def solution(root: Path, account: str = ACCOUNT) -> Path:
    (root / "entities").mkdir(parents=True, exist_ok=True)
    (root / "solution.yaml").write_text("name: demo\nversion: 1.0.0\n")
    (root / "entities" / "account.yaml").write_text(account)
    return root


@pytest.fixture(autouse=True)
def database(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.setenv("XRM_DATABASE_URL", database_url)
    return database_url


def test_plan_lists_the_tables_to_create_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = solution(tmp_path / "demo")
    assert main(["plan", str(folder)]) == 0
    out = capsys.readouterr().out
    assert f"+ upgrade platform tables (xrm_*) to revision {head_revision()}" in out
    assert "+ create table account (" in out
    assert main(["plan", str(folder)]) == 0
    assert "+ create table account (" in capsys.readouterr().out  # still to do


def test_plan_says_nothing_to_do_once_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = solution(tmp_path / "demo")
    assert main(["migrate", str(folder)]) == 0
    capsys.readouterr()
    assert main(["plan", str(folder)]) == 0
    assert capsys.readouterr().out == "nothing to do\n"


def test_plan_sql_prints_the_statements(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = solution(tmp_path / "demo")
    assert main(["migrate", str(folder)]) == 0
    solution(folder, ACCOUNT.replace("max_length: 200", "max_length: 300"))
    capsys.readouterr()
    assert main(["plan", str(folder), "--sql"]) == 0
    out = capsys.readouterr().out
    assert "~ alter column account.name: VARCHAR(200) -> VARCHAR(300)" in out
    assert "VARCHAR(300)" in out.split("~ alter column", 1)[1].split("\n", 1)[1]
    assert "COMMIT;" in out


def _insert_names(database_url: str, *names: str) -> None:
    account = sa.table(
        "account",
        *[sa.column(c) for c in ("name", "created_at", "modified_at", "version")],
        sa.column("id", sa.Uuid()),
    )
    now = sa.func.current_timestamp()
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            for name in names:
                connection.execute(
                    sa.insert(account).values(
                        id=uuid.uuid4(), name=name, created_at=now, modified_at=now, version=1
                    )
                )
    finally:
        engine.dispose()


def test_plan_points_out_steps_that_need_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = solution(tmp_path / "demo", ACCOUNT.replace("}}", "}, code: {type: string}}"))
    assert main(["migrate", str(folder)]) == 0
    solution(folder)
    capsys.readouterr()
    assert main(["plan", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert "- DROP column account.code — DESTRUCTIVE: no row has a value" in out
    assert "1 step, 1 destructive" in out
    assert "destructive steps need `xrm migrate --allow-data-loss`" in err


def test_plan_reports_blocked_steps_with_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    folder = solution(tmp_path / "demo")
    assert main(["migrate", str(folder)]) == 0
    _insert_names(database, "Acme", "Acme", "Beta")
    solution(folder, ACCOUNT.replace("max_length: 200", "max_length: 200, unique: true"))
    capsys.readouterr()
    assert main(["plan", str(folder)]) == 1
    out, err = capsys.readouterr()
    line = "+ create unique index uq_account__name on account (name)"
    assert f"{line} — BLOCKED: 2 rows share their value with another row" in out
    assert "1 step cannot run until the data or the metadata changes:" in err
    assert "make the values unique first, or remove unique" in err


def test_invalid_metadata_is_reported_with_its_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = solution(tmp_path / "demo", "entity: account\nfields: {name: {type: strng}}\n")
    assert main(["plan", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "account.yaml:2:" in err
    assert "Traceback" not in err


def test_unusable_database_url_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = solution(tmp_path / "demo")
    monkeypatch.setenv("XRM_DATABASE_URL", "nosuchdb://somewhere")
    assert main(["plan", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "XRM_DATABASE_URL is not a database URL xrm can use" in err
    assert "Traceback" not in err
