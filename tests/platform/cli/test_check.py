"""``xrm check``: exit 0 on valid solutions, 1 with located messages (never a traceback)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xrm.metamodel.registry import shipped_solutions_dir
from xrm.platform.cli.main import main

REPO = Path(__file__).resolve().parents[3]
CRM = shipped_solutions_dir() / "crm"


def _bad_solution(root: Path) -> Path:
    """A folder with three unrelated mistakes in three files."""
    files = {
        "solution.yaml": "name: broken\nversion: 1.0.0\n",
        "entities/deal.yaml": (
            "entity: deal\n"
            "fields:\n"
            "  client: {type: lookup, target: acount}\n"
            "  size: {type: integr}\n"
        ),
        "entities/account.yaml": "entity: account\nfields:\n  name: {type: string}\n",
        "views/accounts.yaml": "view: accounts\nentity: account\ncolumns: [nmae]\n",
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


EXPECTED = [
    "3 errors in metadata",
    "entities/deal.yaml:3:34: at fields.client.target: unknown entity 'acount' "
    "(did you mean 'account'?)",
    "entities/deal.yaml:4:16: at fields.size.type: unknown type 'integr' (did you mean 'integer'?)",
    "views/accounts.yaml:3:11: at columns[0]: unknown field 'nmae' on entity 'account' "
    "(did you mean 'name'?)",
]


def _relative(text: str, root: Path) -> list[str]:
    return [line.replace(f"{root}/", "") for line in text.strip().splitlines()]


def test_check_accepts_the_shipped_crm(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(CRM)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.startswith("ok: system 1.0.0, crm 1.0.0 (10 entities, metadata version ")


def test_check_reports_every_error_with_its_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _bad_solution(tmp_path / "broken")
    assert main(["check", str(root)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert _relative(err, root) == EXPECTED


def test_check_reports_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(CRM), str(tmp_path / "nowhere")]) == 1
    _, err = capsys.readouterr()
    assert err.strip().endswith("nowhere: no such solution folder")


def test_check_as_a_command(tmp_path: Path) -> None:
    root = _bad_solution(tmp_path / "broken")
    good = subprocess.run(
        [sys.executable, "-m", "xrm", "check", "solutions/crm"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (good.returncode, good.stderr) == (0, "")
    assert good.stdout.startswith("ok: system 1.0.0, crm 1.0.0")

    bad = subprocess.run(
        [sys.executable, "-m", "xrm", "check", str(root)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stdout == ""
    assert "Traceback" not in bad.stderr
    # Run from the parent folder, so file names are shown relative to it.
    assert [line.replace("broken/", "", 1) for line in bad.stderr.strip().splitlines()] == EXPECTED
