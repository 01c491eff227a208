"""The Patronen map in headless Chromium against the served app (tiny fixture kb): search lights
up points, a box or lasso selection fills the table, and nothing is fetched from another host.

Chromium draws the map's Scattergl traces with its software WebGL (SwiftShader) under the
shared flags (tests/app/served.py); the tests read the figure plotly.js actually drew from the
plot element (`gd.data`), not from what Python sent. Screenshots go to the test's tmp dir and,
when $CASUSWIJZER_SCREENSHOTS is set, there too.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from app import map as kaart
from pipeline.core.config import Workdir, load_config
from pipeline.core.text import fold
from tests.app.served import DONE
from tests.app.test_browser import NO_SKELETON, page_problems, serve
from tests.helpers import build_tiny_kb

pytestmark = pytest.mark.slow

PLOT = '[data-testid="stPlotlyChart"] .js-plotly-plot'
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("map_served")
    build_tiny_kb(Workdir(root, load_config()).kb)
    return root


@pytest.fixture(scope="module")
def served(tiny_root, tmp_path_factory):
    with serve(tiny_root, tmp_path_factory.mktemp("map_logs") / "streamlit.log") as url:
        yield url


@pytest.fixture
def page(served, browser):
    """A fresh page on the Patronen page, recording the host of every request it makes."""
    p = browser.new_page(viewport={"width": 1400, "height": 1300})
    p.hosts = set()
    p.on("request", lambda r: p.hosts.add(urlsplit(r.url).hostname or r.url[:30]))
    p.goto(f"{served}/patronen", wait_until="domcontentloaded")
    p.wait_for_selector("h1:has-text('Patronen in knelpunten')", timeout=60_000)
    _settle(p)
    yield p
    p.close()


def _settle(p) -> None:
    p.wait_for_selector(DONE, timeout=60_000)
    p.wait_for_function(NO_SKELETON, timeout=60_000)
    p.wait_for_selector(f"{PLOT} canvas", timeout=60_000)
    p.wait_for_timeout(800)


def _drawn(p) -> list[dict]:
    """Name and number of points of every trace plotly.js drew (its full data: the typed
    arrays Python sent, decoded)."""
    return p.evaluate(
        f"""() => [...document.querySelector('{PLOT}')._fullData].map(t => ({{
            name: t.name, type: t.type, n: t._length }}))"""
    )


def _shot(p, screenshot_dirs: list[Path], name: str) -> None:
    p.screenshot(path=str(screenshot_dirs[0] / name), full_page=False)
    for extra in screenshot_dirs[1:]:
        shutil.copy(screenshot_dirs[0] / name, extra / name)


@pytest.fixture(scope="module")
def screenshot_dirs(tmp_path_factory) -> list[Path]:
    dirs = [tmp_path_factory.mktemp("map_screenshots")]
    if os.environ.get("CASUSWIJZER_SCREENSHOTS"):
        extra = Path(os.environ["CASUSWIJZER_SCREENSHOTS"])
        extra.mkdir(parents=True, exist_ok=True)
        dirs.append(extra)
    return dirs


def _n_statements(root: Path, word: str | None = None) -> int:
    with duckdb.connect(str(Workdir(root, load_config()).kb), read_only=True) as con:
        texts = [
            t
            for (t,) in con.execute(
                "SELECT s.text FROM statement_clusters sc JOIN statements s USING (statement_id)"
            ).fetchall()
        ]
    return sum(word is None or word in fold(t) for t in texts)


def _drag_area(p) -> dict:
    """The plot's drag layer (where box and lasso selections are drawn)."""
    return p.locator(f"{PLOT} .nsewdrag").first.bounding_box()


def test_the_map_is_drawn_with_webgl_and_every_point(page, tiny_root, screenshot_dirs):
    traces = _drawn(page)
    assert {t["type"] for t in traces} == {"scattergl"}
    assert sum(t["n"] for t in traces) == _n_statements(tiny_root)
    assert page.locator(f"{PLOT} canvas").count() >= 1
    assert not page_problems(page)
    _shot(page, screenshot_dirs, "kaart.png")


def test_search_lights_up_the_matching_points_and_says_how_many(page, tiny_root, screenshot_dirs):
    box = page.get_by_label("Zoeken op de kaart")
    box.fill("ggz")
    box.press("Enter")
    page.wait_for_selector("text=gevonden", timeout=60_000)
    _settle(page)
    expected = _n_statements(tiny_root, "ggz")
    said = page.locator('[data-testid="stMarkdownContainer"]:has-text("gevonden")').inner_text()
    assert re.match(rf"{expected} knelpunt(en)? gevonden", said), said
    traces = _drawn(page)
    assert traces[0]["name"] == kaart.NOT_FOUND
    assert sum(t["n"] for t in traces[1:]) == expected
    assert traces[0]["n"] == _n_statements(tiny_root) - expected
    _shot(page, screenshot_dirs, "kaart_zoeken.png")


def test_a_box_selection_fills_the_table_of_selected_statements(page, tiny_root, screenshot_dirs):
    _drag_box(page)
    page.wait_for_selector("text=Selectie:", timeout=60_000)
    _settle(page)
    n = _n_statements(tiny_root)
    said = page.locator('[data-testid="stMarkdownContainer"]:has-text("Selectie:")').inner_text()
    assert said.startswith(f"Selectie: {n} knelpunten"), said
    assert page.locator('[data-testid="stDataFrame"]').count() >= 2  # selection + pattern list
    assert page.get_by_role("button", name="Selectie als CSV").count() == 1
    _shot(page, screenshot_dirs, "kaart_selectie.png")


def test_a_lasso_selection_fills_the_table_too(page, tiny_root):
    page.locator(PLOT).hover()
    page.locator(f'{PLOT} [data-title="Lasso Select"]').click()
    area = _drag_area(page)
    x0, y0, w, h = area["x"] + 2, area["y"] + 2, area["width"] - 4, area["height"] - 4
    page.mouse.move(x0, y0)
    page.mouse.down()
    for x, y in ((x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h), (x0, y0 + 1)):
        page.mouse.move(x, y, steps=8)
    page.mouse.up()
    page.wait_for_selector("text=Selectie:", timeout=60_000)
    _settle(page)
    said = page.locator('[data-testid="stMarkdownContainer"]:has-text("Selectie:")').inner_text()
    assert said.startswith(f"Selectie: {_n_statements(tiny_root)} knelpunten"), said


def test_the_map_page_requests_nothing_from_another_host(page):
    box = page.get_by_label("Zoeken op de kaart")
    box.fill("schulden")
    box.press("Enter")
    page.wait_for_selector("text=gevonden", timeout=60_000)
    _settle(page)
    page.get_by_label("Kleur naar").click()
    page.get_by_role("option", name="Leefgebied").click()
    _settle(page)
    assert page.hosts, "no request was recorded"
    assert page.hosts <= LOCAL, page.hosts


def _drag_box(p) -> None:
    area = _drag_area(p)
    p.mouse.move(area["x"] + 2, area["y"] + 2)
    p.mouse.down()
    p.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2, steps=5)
    p.mouse.move(area["x"] + area["width"] - 2, area["y"] + area["height"] - 2, steps=5)
    p.mouse.up()


def test_with_a_search_a_box_over_only_grey_points_selects_nothing_and_says_so(page):
    box = page.get_by_label("Zoeken op de kaart")
    box.fill("zzzgeenwoord")
    box.press("Enter")
    page.wait_for_selector("text=0 knelpunten gevonden", timeout=60_000)
    _settle(page)
    _drag_box(page)
    page.wait_for_selector("text=In de selectie ligt geen gevonden knelpunt", timeout=60_000)
    _settle(page)
    assert page.locator("text=Selectie:").count() == 0
    assert page.get_by_role("button", name="Selectie als CSV").count() == 0
