"""``xrm token create EMAIL``: the secret alone on stdout, once; it authenticates."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy.engine import Engine

from xrm.metamodel.registry import load_registry
from xrm.platform.access.tokens import authenticate_token, list_tokens
from xrm.platform.cli.main import main
from xrm.platform.migrate import migrate
from xrm.platform.storage.tables import build_storage


def test_a_token_is_printed_once_and_works(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    engine: Engine,
    database_url: str,
) -> None:
    monkeypatch.setenv("XRM_DATABASE_URL", database_url)
    storage = build_storage(load_registry([]))
    migrate(engine, storage)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long passphrase\n"))
    assert main(["user", "create", "ci@example.com"]) == 0
    capsys.readouterr()
    assert (
        main(["token", "create", "ci@example.com", "--name", "deploy", "--expires-days", "7"]) == 0
    )
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("xrm_")
    assert "'deploy' for ci@example.com (expires " in err
    now = dt.datetime.now(dt.UTC)
    with engine.connect() as connection:
        user_id = authenticate_token(connection, storage, secret, now=now)
        assert user_id is not None
        (token,) = list_tokens(connection, storage, user_id)
    assert token.expires_at is not None
    assert dt.timedelta(days=6) < token.expires_at - now <= dt.timedelta(days=7)
    assert main(["token", "create", "nobody@example.com"]) == 1
    assert "no user has the login 'nobody@example.com'" in capsys.readouterr().err
