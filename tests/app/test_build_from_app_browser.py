"""Kennisbank bijwerken in headless Chromium: a beheerder builds from the served app (slow).

The app is served with its own entry point on a work directory with a few demo narratives,
built once on the command line; a new case waits in the inbox. Without sign-in the browser on
this computer is the local user, role beheer. A click on "Bouw starten" runs a real build in
the background (the real model): the progress bar shows, a second page opened meanwhile cannot
start another build, and when it is done the page and the sidebar show the new case count.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from app import builder, data
from pipeline.core.config import PROJECT_ROOT, Workdir, load_config
from tests.app.kbs import EMBEDDING_CACHE, _demo_records, write_jsonl
from tests.app.served import DONE, serve

pytestmark = pytest.mark.slow

NEW_CASE = (
    "Meneer slaapt al maanden bij vrienden en heeft geen vast adres. Zonder briefadres kan hij "
    "geen uitkering aanvragen, en de gemeente geeft pas een briefadres als hij kan aantonen "
    "dat hij in de gemeente verblijft. Het wijkteam heeft de verklaring van de vrienden "
    "opgestuurd en de consulent gebeld; na twee weken kreeg hij een briefadres."
)


@pytest.fixture
def workdir(tmp_path) -> Workdir:
    """12 demo narratives, built on the command line, and one new case in the inbox."""
    wd = Workdir(tmp_path / "wd", load_config())
    write_jsonl(
        wd.root / "data" / "demo" / "corpus" / "cases.jsonl",
        _demo_records(("P01", "P02", "P03"), 4),
    )
    if EMBEDDING_CACHE.is_dir():
        shutil.copytree(EMBEDDING_CACHE, wd.models / "cache" / "embeddings")
    subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "build", "--workdir", str(wd.root)],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    inbox_id = data.receipt_inbox_id(data.new_receipt_code())
    wd.inbox.mkdir(parents=True)
    (wd.inbox / f"{inbox_id}.json").write_text(
        json.dumps({"id": inbox_id, "text": NEW_CASE}), encoding="utf-8"
    )
    return wd


def test_a_beheerder_builds_from_the_app_and_a_second_start_is_refused(workdir, browser, tmp_path):
    first = browser.new_page(viewport={"width": 1400, "height": 1300})
    second = browser.new_page(viewport={"width": 1400, "height": 1300})
    try:
        with serve(workdir.root, tmp_path / "streamlit.log") as url:
            first.goto(f"{url}/bijwerken", wait_until="domcontentloaded")
            first.wait_for_selector("h1:has-text('Kennisbank bijwerken')", timeout=60_000)
            first.wait_for_selector(DONE, timeout=60_000)
            assert "12 casussen" in first.locator('[data-testid="stSidebar"]').inner_text()
            assert "Nieuw sinds de laatste bouw: 1 casus" in first.inner_text("body")
            first.get_by_role("button", name="Bouw starten").click()
            first.wait_for_selector('[data-testid="stProgress"]', timeout=60_000)
            first.screenshot(path=str(tmp_path / "bouw_bezig.png"), full_page=True)

            second.goto(f"{url}/bijwerken", wait_until="domcontentloaded")
            second.wait_for_selector("text=Er loopt een bouw", timeout=60_000)
            assert second.get_by_role("button", name="Bouw starten").is_disabled()
            with pytest.raises(builder.BuildRunning, match="Er loopt al een bouw"):
                builder.start(workdir, "iemand anders")  # a start that slips past the button

            first.wait_for_selector("text=De laatste bouw is gelukt", timeout=400_000)
            first.wait_for_selector(DONE, timeout=60_000)
            first.screenshot(path=str(tmp_path / "bouw_klaar.png"), full_page=True)
            body = first.locator('[data-testid="stMain"]').inner_text()
            assert "De kennisbank heeft nu 13 casussen" in body
            first.wait_for_selector("text=13 casussen", timeout=30_000)
            sidebar = first.locator('[data-testid="stSidebar"]').inner_text()
            assert "Kennisbank: 13 casussen" in sidebar
            assert first.locator('[data-testid="stException"]').count() == 0
            for name in ("bouw_bezig.png", "bouw_klaar.png"):  # for the README, when asked
                if os.environ.get("CASUSWIJZER_SCREENSHOTS"):
                    shutil.copy(tmp_path / name, os.environ["CASUSWIJZER_SCREENSHOTS"])
    finally:
        first.close()
        second.close()
    assert builder.status(workdir).state == "done"
