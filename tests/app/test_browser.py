"""The served app in headless Chromium: every page renders without a Streamlit exception.

Starts the app with the product's entry point (`python -m pipeline.cli app`) on 127.0.0.1 and
a free port, opens each page with Playwright driving Debian's `chromium` (no browser
download), waits for the page title and for the script to finish, and fails on any exception
or error element.
- On the tiny fixture kb it saves a screenshot per page (also into $CASUSWIJZER_SCREENSHOTS
  when set; the README's pictures come from there). With $CASUSWIJZER_BROWSER_WORKDIR set, that
  work directory's knowledge base is served instead (e.g. the demo build).
- On the kbs the real pipeline builds from odd input (tests/app/kbs.py: id + text only, 1 and
  3 cases, real published stories, every record quarantined) it opens every page.
- On a kb with markup in every text column it checks that nothing from the data runs: the
  document title stays, no script, iframe or image from the data is in the DOM, and the markup
  is shown as text.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from pipeline.core.config import Workdir, load_config
from tests.app.kbs import PAYLOADS
from tests.app.served import DONE, serve
from tests.helpers import build_tiny_kb

pytestmark = pytest.mark.slow

# (url path, page title as the page shows it in its h1)
PAGES = [
    ("", "Zoeken in casussen"),
    ("patronen", "Patronen in knelpunten"),
    ("systeemknelpunten", "Systeemknelpunten"),
    ("leeratelier", "Leeratelier"),
    ("casus_toevoegen", "Casus toevoegen"),
    ("kwaliteit", "Kwaliteit van de kennisbank"),
    ("mijn_casussen", "Mijn casussen"),
    ("audit", "Audit"),
    ("bijwerken", "Kennisbank bijwerken"),
]
PROBLEMS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
LEAK = re.compile(r"(?<![\w])(None|nan|NaN|NaT)(?![\w])|<NA>")
# Streamlit draws grey skeletons while the code of charts, tables and widgets loads.
NO_SKELETON = "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"


@pytest.fixture(scope="module")
def served_app(tmp_path_factory):
    """URL of the app served on the tiny kb."""
    if os.environ.get("CASUSWIJZER_BROWSER_WORKDIR"):
        root = Path(os.environ["CASUSWIJZER_BROWSER_WORKDIR"]).resolve()
    else:
        root = tmp_path_factory.mktemp("served")
        build_tiny_kb(Workdir(root, load_config()).kb)
    with serve(root, tmp_path_factory.mktemp("served_logs") / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser_page(served_app, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    yield page
    page.close()


def open_and_wait(page, url: str, title: str) -> None:
    """Open `url` and wait until the page's h1 is drawn, its script has finished and no
    skeleton is left."""
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(f"h1:has-text('{title}')", timeout=60_000)
    settle(page)


def settle(page) -> None:
    page.wait_for_selector(DONE, timeout=60_000)
    page.wait_for_function(NO_SKELETON, timeout=60_000)
    page.wait_for_timeout(800)  # charts and data grids draw after their code has loaded


def page_problems(page) -> list[str]:
    """Exception and error elements, and None/NaN/<NA> in the page's text."""
    found = [el.inner_text()[:300] for el in page.locator(PROBLEMS).all()]
    text = page.locator('[data-testid="stMain"]').inner_text()
    found += [f"shows {m.group(0)!r}" for m in LEAK.finditer(text)]
    return found


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
    open_and_wait(page, f"{served_app}/{path}", title)
    assert page.locator('[data-testid="stException"]').count() == 0
    name = f"{path or 'zoeken'}.png"
    page.screenshot(path=str(screenshot_dirs[0] / name), full_page=True)
    for extra in screenshot_dirs[1:]:
        shutil.copy(screenshot_dirs[0] / name, extra / name)
    assert (screenshot_dirs[0] / name).stat().st_size > 10_000


@pytest.mark.parametrize("kb", ["minimal", "three", "one", "real", "empty"])
def test_every_page_renders_in_chromium_on_a_kb_built_from_odd_input(
    published, browser, tmp_path, kb
):
    wd = published(kb)
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    problems = {}
    try:
        with serve(wd.root, tmp_path / "streamlit.log") as url:
            for path, title in PAGES:
                open_and_wait(page, f"{url}/{path}", title)
                found = page_problems(page)
                if found:
                    problems[path or "zoeken"] = found
    finally:
        page.close()
    assert not problems, problems


def _injected(page) -> dict:
    """What markup from the data would have left behind had it run or been rendered."""
    return page.evaluate(
        """() => ({
            title: document.title,
            xss: window.__xss === undefined ? null : window.__xss,
            iframes: [...document.querySelectorAll('iframe')]
                .filter(f => (f.getAttribute('srcdoc') || '').includes('XSS')).length,
            scripts: [...document.querySelectorAll('script')]
                .filter(s => s.textContent.includes('XSS')).length,
            images: [...document.querySelectorAll('img')]
                .filter(i => /xss|^x$/i.test(i.getAttribute('src') || '')).length,
            links: [...document.querySelectorAll('a')]
                .filter(a => (a.getAttribute('href') || '').startsWith('javascript')).length,
            red: [...document.querySelectorAll('span')]
                .filter(s => s.textContent === 'XSS-rood' && s.style.color).length,
            text: document.querySelector('[data-testid="stMain"]').innerText,
        })"""
    )


def test_markup_in_the_kb_is_shown_as_text_and_never_runs_in_chromium(published, browser, tmp_path):
    wd = published("hostile")
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    seen: dict[str, dict] = {}
    try:
        with serve(wd.root, tmp_path / "streamlit.log") as url:
            for path, title in PAGES:
                open_and_wait(page, f"{url}/{path}", title)
                if path == "":  # a search, so that result cards (narrative, place) are drawn
                    box = page.get_by_label("Zoekvraag")
                    box.fill("geen uitkering zonder adres")
                    box.press("Enter")
                    page.wait_for_selector("text=Meer zoals dit", timeout=60_000)
                    settle(page)
                seen[path or "zoeken"] = _injected(page)
                assert not page_problems(page), (path, page_problems(page))
    finally:
        page.close()
    for name, state in seen.items():
        assert "XSS" not in state["title"], (name, state["title"])
        assert state["xss"] is None, name
        for what in ("iframes", "scripts", "images", "links", "red"):
            assert state[what] == 0, (name, what)
    # The payload is on the pages as the characters it was written with.
    for name in ("zoeken", "patronen", "leeratelier"):
        for fragment in (
            "<iframe srcdoc=",
            "<script>",
            "[XSS-link](javascript:",
            ":red[XSS-rood]",
            "$XSS^2$",
        ):
            assert fragment in seen[name]["text"], (name, fragment)
    assert PAYLOADS["img"] in seen["zoeken"]["text"]
