"""``xrm user create`` (password from stdin, never an argument) and ``xrm user list``."""

from __future__ import annotations

import io

import pytest
from sqlalchemy.engine import Engine

from xrm.metamodel.registry import load_registry
from xrm.platform.access.credentials import check_password
from xrm.platform.access.passwords import Passwords
from xrm.platform.cli.main import main
from xrm.platform.migrate import migrate
from xrm.platform.storage.tables import StorageModel, build_storage


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch, engine: Engine, database_url: str) -> StorageModel:
    monkeypatch.setenv("XRM_DATABASE_URL", database_url)
    migrated = build_storage(load_registry([]))
    migrate(engine, migrated)
    return migrated


def test_create_reads_the_password_from_stdin(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    engine: Engine,
    storage: StorageModel,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    code = main(["user", "create", "ada@example.com", "--name", "Ada", "--admin"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "created ada@example.com (Ada) in business unit root with system_administrator" in out
    assert "a long passphrase" not in out
    with engine.connect() as connection:
        checked = check_password(
            connection, storage, Passwords(), "ada@example.com", "a long passphrase"
        )
    assert checked.user_id is not None
    assert main(["user", "list"]) == 0
    listing = capsys.readouterr().out
    assert "ada@example.com" in listing
    assert "system_administrator" in listing


def test_mistakes_exit_with_1_and_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], storage: StorageModel
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "create", "bob@example.com"]) == 1
    assert "at least 10" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert main(["user", "create", "bob@example.com", "--role", "sales_rep"]) == 1
    assert "unknown role 'sales_rep'" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["user", "create", "bob@example.com"]) == 1
    assert "no password on stdin" in capsys.readouterr().err
    assert main(["user", "list"]) == 0
    assert "no users yet" in capsys.readouterr().out


def test_there_is_no_password_argument(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["user", "create", "x@example.com", "--password", "secret secret"])
    assert "unrecognized arguments: --password" in capsys.readouterr().err


def test_an_unmigrated_database_is_reported(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
) -> None:
    monkeypatch.setenv("XRM_DATABASE_URL", database_url)
    assert main(["user", "list"]) == 1
    assert "xrm migrate" in capsys.readouterr().err
