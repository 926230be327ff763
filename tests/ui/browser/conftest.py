"""Browser tests: Debian's Chromium, driven by Playwright, against a real uvicorn server.

The server runs the application factory in a subprocess, on a free port, over a database
prepared like ``xrm up`` would (CRM, demo data, users). Chromium is the system's
(``/usr/bin/chromium``, installed by ``make setup``); Playwright's own browser download
is never used. Screenshots of each main screen go to ``tests/artifacts/screens/``.

The suite runs the lean journey; ``make browser`` (``XRM_BROWSER_FULL=1``) runs every
browser test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from xrm.platform.storage.engine import create_engine
from xrm.platform.storage.tables import StorageModel

from ..conftest import ADMIN, PASSWORD, module_database, prepare_crm

CHROMIUM: Final = Path(os.environ.get("XRM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS: Final = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
]
ARTIFACTS: Final = Path(__file__).resolve().parents[2] / "artifacts" / "screens"
REPO: Final = Path(__file__).resolve().parents[3]
#: Extended browser tests run with ``make browser`` only.
FULL: Final = os.environ.get("XRM_BROWSER_FULL") == "1"

full_only = pytest.mark.skipif(not FULL, reason="extended browser test: run `make browser`")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_up(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within 60 s: {log.read_text()[-2000:]}")


@dataclass(frozen=True)
class Served:
    url: str


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory, crm_storage: StorageModel) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("served")
    for url in module_database(tmp):
        engine = create_engine(url)
        try:
            prepare_crm(engine, crm_storage)
        finally:
            engine.dispose()
        port = _free_port()
        log = tmp / "server.log"
        env = {
            **os.environ,
            "XRM_DATABASE_URL": url,
            "XRM_FILES_DIR": str(tmp / "files"),
            "XRM_LOG_LEVEL": "warning",
        }
        with log.open("wb") as out:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "xrm.platform.app:app_factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                ],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, server, log)
            yield Served(base)
        finally:
            server.terminate()
            server.wait(timeout=20)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/Paris"
    )
    context.set_default_timeout(10_000)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text} at {message.location}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    try:
        yield opened
    finally:
        context.close()
    assert problems == [], problems  # no script errors, nothing the CSP had to block


def shot(page: Page, name: str) -> Path:
    """Save a screenshot of the whole page as an artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, base: str, email: str = ADMIN, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
