"""The served app in headless Chromium: every page renders without a Streamlit exception.

Starts `streamlit run app/streamlit_app.py` on 127.0.0.1 and a free port against a tiny
knowledge base, opens each page with Playwright driving Debian's `chromium` (no browser
download), waits for the page title and for the script to finish, and saves a screenshot per
page (also into $CASUSWIJZER_SCREENSHOTS when set; the README's pictures come from there).
With $CASUSWIJZER_BROWSER_WORKDIR set, the app is served on that work directory's knowledge
base instead (e.g. the demo build, for realistic screenshots).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipeline.core.config import PROJECT_ROOT, Workdir, load_config
from tests.helpers import build_tiny_kb

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# (url path, page title as the page shows it in its h1)
PAGES = [
    ("", "Zoeken in casussen"),
    ("patronen", "Patronen in knelpunten"),
    ("systeemknelpunten", "Systeemknelpunten"),
    ("leeratelier", "Leeratelier"),
    ("casus_toevoegen", "Casus toevoegen"),
    ("kwaliteit", "Kwaliteit van de kennisbank"),
]
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Streamlit draws grey skeletons while the code of charts, tables and widgets loads.
NO_SKELETON = "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"streamlit did not answer on {url} within {timeout} s")


@pytest.fixture(scope="module")
def served_app(tmp_path_factory):
    """URL of the app served on the tiny kb; the server is stopped whatever happens."""
    if os.environ.get("CASUSWIJZER_BROWSER_WORKDIR"):
        root = Path(os.environ["CASUSWIJZER_BROWSER_WORKDIR"]).resolve()
    else:
        root = tmp_path_factory.mktemp("served")
        build_tiny_kb(Workdir(root, load_config()).kb)
    logs = tmp_path_factory.mktemp("served_logs")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CASUSWIJZER_WORKDIR": str(root), "PYTHONUNBUFFERED": "1"}
    env.pop("CASUSWIJZER_PARAMS", None)
    log = open(logs / "streamlit.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        # the product's own entry point: `casuswijzer app` becomes the Streamlit server
        [sys.executable, "-m", "pipeline.cli", "app", "--workdir", str(root), "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="module")
def browser_page(served_app):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1300})
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def screenshot_dirs(tmp_path_factory) -> list[Path]:
    dirs = [tmp_path_factory.mktemp("screenshots")]
    if os.environ.get("CASUSWIJZER_SCREENSHOTS"):
        extra = Path(os.environ["CASUSWIJZER_SCREENSHOTS"])
        extra.mkdir(parents=True, exist_ok=True)
        dirs.append(extra)
    return dirs


@pytest.mark.parametrize(("path", "title"), PAGES, ids=[p or "zoeken" for p, _ in PAGES])
def test_page_renders_in_chromium_without_streamlit_exception(
    served_app, browser_page, screenshot_dirs, path, title
):
    page = browser_page
    page.goto(f"{served_app}/{path}", wait_until="domcontentloaded")
    page.wait_for_selector(f"h1:has-text('{title}')", timeout=60_000)
    page.wait_for_selector(DONE, timeout=60_000)
    page.wait_for_function(NO_SKELETON, timeout=60_000)
    page.wait_for_timeout(800)  # charts and data grids draw after their code has loaded
    assert page.locator('[data-testid="stException"]').count() == 0
    name = f"{path or 'zoeken'}.png"
    page.screenshot(path=str(screenshot_dirs[0] / name), full_page=True)
    for extra in screenshot_dirs[1:]:
        shutil.copy(screenshot_dirs[0] / name, extra / name)
    assert (screenshot_dirs[0] / name).stat().st_size > 10_000
