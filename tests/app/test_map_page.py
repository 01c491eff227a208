"""The map on the Patronen page with AppTest on the tiny knowledge base (and its odd variants):
colour choices, search count, labels, a kb without metadata, markup from the kb."""

from __future__ import annotations

import json

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app import map as kaart
from pipeline.core.annotations import append_event
from pipeline.core.text import fold
from tests.app.apptest import APP, assert_clean
from tests.app.kbs import PAYLOADS, null_metadata, plant_payloads


def _open() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/patronen.py").run()
    return at


def _figure(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def _statements(wd) -> list[tuple[str, int]]:
    with duckdb.connect(str(wd.kb), read_only=True) as con:
        return con.execute(
            "SELECT s.text, sc.cluster_id FROM statement_clusters sc "
            "JOIN statements s USING (statement_id) WHERE sc.x IS NOT NULL"
        ).fetchall()


def test_the_map_draws_every_statement_with_scattergl_and_box_select(wd):
    at = _open()
    assert_clean(at)
    fig = _figure(at)
    assert {t["type"] for t in fig["data"]} == {"scattergl"}
    n = sum(_n_points(t) for t in fig["data"])
    assert n == len(_statements(wd))
    assert fig["layout"]["dragmode"] == "select"


def _n_points(trace: dict) -> int:
    x = trace["x"]
    if isinstance(x, dict):  # plotly ≥ 6 sends numpy arrays as base64 typed arrays
        import base64

        import numpy as np

        return len(np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]))
    return len(x)


@pytest.mark.parametrize("by", list(kaart.COLOR_BY))
def test_each_colour_choice_redraws_the_map_with_its_legend(wd, by):
    at = _open()
    at.selectbox(key="kaart_kleur").set_value(by).run()
    assert_clean(at)
    fig = _figure(at)
    assert fig["layout"]["legend"]["title"]["text"] == kaart.COLOR_BY[by]
    assert sum(_n_points(t) for t in fig["data"]) == len(_statements(wd))


def test_colour_by_orde_names_its_groups_orde_n(wd):
    at = _open()
    at.selectbox(key="kaart_kleur").set_value("orde").run()
    names = {t["name"] for t in _figure(at)["data"]}
    assert names and names <= {"orde 1", "orde 2", "orde 3", "onbekend"}


def test_search_on_the_map_says_how_many_statements_match_and_dims_the_rest(wd):
    at = _open()
    at.text_input(key="kaart_zoek").input("GGZ").run()
    assert_clean(at)
    expected = sum("ggz" in fold(text) for text, _ in _statements(wd))
    assert expected > 0
    said = [m.value for m in at.markdown if "gevonden" in m.value]
    assert said and said[0].startswith(f"**{expected} knelpunt")
    fig = _figure(at)
    assert fig["data"][0]["name"] == kaart.NOT_FOUND
    lit = sum(_n_points(t) for t in fig["data"][1:])
    assert lit == expected


def test_a_search_without_match_says_zero_found(wd):
    at = _open()
    at.text_input(key="kaart_zoek").input("zzzgeenwoord").run()
    assert any(m.value.startswith("**0 knelpunten gevonden**") for m in at.markdown)


def test_detail_labels_name_every_pattern_and_none_removes_them(wd):
    at = _open()
    at.selectbox(key="kaart_namen").set_value("alle").run()
    labels = [a["text"] for a in _figure(at)["layout"]["annotations"]]
    n_patterns = len({c for _, c in _statements(wd) if c >= 0})
    assert len(labels) == n_patterns
    at.selectbox(key="kaart_namen").set_value("geen").run()
    assert not _figure(at)["layout"].get("annotations")


def test_a_human_name_is_the_title_on_the_map(wd):
    append_event(wd.annotations, {"type": "cluster_name", "cluster_id": 0, "name": "Geen adres"})
    at = _open()
    at.selectbox(key="kaart_namen").set_value("alle").run()
    assert "Geen adres" in [a["text"] for a in _figure(at)["layout"]["annotations"]]


def test_without_a_selection_the_page_says_how_to_select(wd):
    at = _open()
    assert any("Nog geen selectie" in c.value for c in at.caption)


def test_the_map_renders_on_a_kb_without_any_metadata_and_colours_it_onbekend(wd):
    null_metadata(wd.kb)
    at = _open()
    for by in kaart.COLOR_BY:
        at.selectbox(key="kaart_kleur").set_value(by).run()
        assert_clean(at)
    at.selectbox(key="kaart_kleur").set_value("orde").run()
    assert {t["name"] for t in _figure(at)["data"]} == {"onbekend"}


def test_markup_from_the_kb_reaches_the_map_as_entities_only(wd):
    plant_payloads(wd.kb)
    append_event(
        wd.annotations, {"type": "cluster_name", "cluster_id": 1, "name": PAYLOADS["script"]}
    )
    at = _open()
    at.selectbox(key="kaart_namen").set_value("alle").run()
    assert_clean(at)
    spec = at.get("plotly_chart")[0].proto.spec
    assert "<script" not in spec and "<iframe" not in spec and "<img" not in spec
    assert "&lt;script" in spec
